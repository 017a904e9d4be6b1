/**
 * Reading and writing CloudFormation templates as YAML (or JSON) for the CLI.
 *
 * `parseTemplateText` yields the *long-form JSON* view of a template - what
 * CloudFormation hands a macro - so short-form tags such as `!Ref` or `!GetAtt`
 * are expanded to `{"Ref": ...}` / `{"Fn::GetAtt": [...]}` while parsing.
 *
 * Scalar typing follows CloudFormation, which documents "YAML 1.1 except the
 * binary, omap, pairs, set and timestamp tags, aliases and hash merges":
 *  - YAML 1.1 booleans: unquoted `yes`/`no`/`on`/`off` (any of their usual
 *    capitalisations) are booleans, as CloudFormation treats them (the AWS CLI
 *    quotes them for that reason, aws/aws-cli#5257). Single-letter `y`/`n` stay
 *    strings, as in PyYAML and SnakeYAML.
 *  - No timestamps: `AWSTemplateFormatVersion: 2010-09-09` is the string "2010-09-09".
 *  - Numbers use the YAML 1.1 patterns: `017` (octal), `0x1f`, `1_000`,
 *    `1:30` (sexagesimal, = 90), `.5`. A leading zero that isn't octal
 *    (`012345678901`, `08`) and an exponent without a dot (`1e5`) leave a
 *    string, as in PyYAML and SnakeYAML, so e.g. account ids keep their zeros.
 *  - Mapping keys are always strings, taken literally (`yes:` is the key "yes").
 *  - Aliases (`*x`) are rejected; `<<` is an ordinary key.
 *  - Duplicate keys are an error, as in cfn-lint.
 *
 * Layout follows PyYAML (libyaml), which CloudFormation's own tools read templates with (cfn-lint,
 * SAM CLI, the AWS CLI): the lines inside a flow collection or a quoted scalar may be indented
 * less than the block around them, and a lone `-` in a flow collection is the string "-" (see
 * `lenientText`). test/integration/yaml-cfn-lint.test.ts compares this reader with cfn-lint's.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, stringify } from 'yaml';
import type { CollectionTag, DocumentOptions, Node, ParseOptions, ScalarTag, SchemaOptions } from 'yaml';
import { LAYOUT_ERRORS, lenientText } from './layout';

export { lenientText };

export class TemplateSyntaxError extends Error {
  override name = 'TemplateSyntaxError';
  constructor(
    message: string,
    readonly source: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? `${source}: ${message}` : `${source}:${line}:${column}: ${message}`);
  }
}

// ---------------------------------------------------------------------------
// Schema

/** Short-form tag -> long-form key. */
export const SHORT_FORMS: ReadonlyMap<string, string> = new Map<string, string>([
  ['!Ref', 'Ref'],
  ['!Condition', 'Condition'],
  ...[
    'And',
    'Base64',
    'Cidr',
    'Equals',
    'FindInMap',
    'ForEach',
    'GetAtt',
    'GetAZs',
    'If',
    'ImportValue',
    'Join',
    'Length',
    'Not',
    'Or',
    'Select',
    'Split',
    'Sub',
    'ToJsonString',
    'Transform',
  ].map((name): [string, string] => [`!${name}`, `Fn::${name}`]),
]);

/**
 * The short-form tags are registered for all three node kinds only so that the
 * yaml library accepts them; they are turned into `{key: value}` by `toPlain`.
 * Scalars under a short-form tag are always strings (`!Ref 123` is "123").
 */
const shortFormTags: Array<ScalarTag | CollectionTag> = Array.from(SHORT_FORMS.keys()).flatMap((tag) => [
  { tag, resolve: (str: string) => str },
  { tag, collection: 'seq' as const },
  { tag, collection: 'map' as const },
]);

const core = (name: string) => `tag:yaml.org,2002:${name}`;

/** Numeric forms of YAML 1.1 (as in PyYAML/SnakeYAML); `_` is a digit separator. */
const INT = /^[-+]?(?:0b[01_]+|0[0-7_]+|0|[1-9][0-9_]*|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

function yaml11Number(source: string): number {
  const str = source.replace(/_/g, '');
  const sign = str.startsWith('-') ? -1 : 1;
  const body = str.replace(/^[-+]/, '');
  if (/^\.inf$/i.test(body)) return sign * Infinity;
  if (/^\.nan$/i.test(body)) return NaN;
  if (body.includes(':')) return sign * body.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
  if (body.startsWith('0b')) return sign * parseInt(body.slice(2), 2);
  if (body.startsWith('0x')) return sign * parseInt(body.slice(2), 16);
  if (/^0[0-7]+$/.test(body)) return sign * parseInt(body, 8);
  return sign * Number(body);
}

/** Implicit scalar types on top of the failsafe schema (map, seq, str). */
const plainScalarTags: ScalarTag[] = [
  { tag: core('null'), default: true, test: /^(?:~|null|Null|NULL)?$/, resolve: () => null },
  { tag: core('bool'), default: true, test: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, resolve: () => true },
  { tag: core('bool'), default: true, test: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, resolve: () => false },
  { tag: core('int'), default: true, test: INT, resolve: yaml11Number },
  { tag: core('float'), default: true, test: FLOAT, resolve: yaml11Number },
];

// ---------------------------------------------------------------------------
// Parsing

/** How templates are parsed as YAML (also by macro/cli/positions.ts, for source lines). */
export const TEMPLATE_YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  schema: 'failsafe',
  customTags: [...plainScalarTags, ...shortFormTags],
  resolveKnownTags: false, // no !!binary, !!timestamp, !!set, ...
  merge: false,
  stringKeys: true,
  uniqueKeys: true, // duplicate keys are an error, as in cfn-lint
  prettyErrors: false,
};

/**
 * Parse a template given as JSON or YAML into its long-form JSON value.
 * @param source name used in error messages (usually the file path)
 * @throws TemplateSyntaxError
 */
export function parseTemplateText(text: string, source = 'template'): unknown {
  text = text.replace(/^\uFEFF/, '');
  if (text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text); // JSON.parse defines `__proto__` as an own property: safe.
    } catch {
      // Not strict JSON; may still be a YAML flow mapping. Errors are reported by the YAML parser.
    }
  }

  const compose = (src: string): { doc: ReturnType<typeof parseDocument>; lineCounter: LineCounter } => {
    const lineCounter = new LineCounter();
    const doc = parseDocument(src, { ...TEMPLATE_YAML_OPTIONS, lineCounter });
    return { doc, lineCounter };
  };
  let { doc, lineCounter } = compose(text);
  let shifts: number[] = [];
  if (doc.errors.length > 0) {
    // Read as PyYAML does: lines inside flow collections and quoted scalars may be indented less.
    const lenient = lenientText(text);
    const again = lenient && compose(lenient.text);
    // Taken unless it still has a layout problem: then the original error says more (a duplicate key, say, is
    // better reported from the lenient reading).
    if (again && !again.doc.errors.some((e) => LAYOUT_ERRORS.has(e.code))) ({ doc, lineCounter, shifts } = { ...again, shifts: lenient.shifts });
  }
  const fail = (message: string, offset?: number): never => {
    const pos = offset === undefined ? undefined : lineCounter.linePos(offset);
    // Positions in the input as written, before lenientText added spaces.
    const col = pos && Math.max(1, pos.col - (shifts[pos.line - 1] ?? 0));
    throw new TemplateSyntaxError(message, source, pos?.line, col);
  };

  // Warnings (unknown tags such as `!Foo`, ...) are errors too: CloudFormation would reject the template.
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const hint =
      problem.code === 'MULTIPLE_TAGS'
        ? ' (CloudFormation does not allow a short-form function directly inside another, e.g. `!Base64 !Sub ...`;' +
          ' write the outer or inner one in long form, e.g. `Fn::Base64: !Sub ...`)'
        : '';
    fail(problem.message + hint, problem.pos[0]);
  }

  /** Converts a yaml node to a plain value, expanding short-form tags. */
  const toPlain = (node: unknown): unknown => {
    if (node === null || node === undefined) return null; // e.g. the empty document
    if (isAlias(node)) return fail('YAML aliases are not allowed in CloudFormation templates', node.range?.[0]);
    let value: unknown;
    if (isScalar(node)) {
      value = node.value;
    } else if (isSeq(node)) {
      value = node.items.map(toPlain);
    } else if (isMap(node)) {
      const map: Record<string, unknown> = {};
      for (const { key, value: item } of node.items) {
        // Defensive: the `stringKeys` option already reports any other key as an error.
        if (!isScalar(key) || typeof key.value !== 'string') {
          return fail('mapping keys must be plain strings', (key as Node | null)?.range?.[0]);
        }
        // defineProperty: keys like `__proto__` become plain own properties, never a prototype.
        Object.defineProperty(map, key.value, { value: toPlain(item), enumerable: true, writable: true, configurable: true });
      }
      value = map;
    } else {
      return fail(`unsupported YAML node`);
    }

    const longForm = SHORT_FORMS.get((node as Node).tag ?? '');
    if (!longForm) return value;
    // `!GetAtt Res.Attr.Sub` -> ["Res", "Attr.Sub"]: only the first dot separates the resource name
    // (no dot at all gives a one-element list, as in the AWS CLI; CloudFormation then rejects it).
    if (longForm === 'Fn::GetAtt' && typeof value === 'string') {
      const dot = value.indexOf('.');
      value = dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
    }
    return { [longForm]: value };
  };
  return toPlain(doc.contents);
}

// ---------------------------------------------------------------------------
// Writing

/**
 * JavaScript prints some numbers as `1e+21` or `5e-7`, which YAML 1.1 reads as
 * strings (its floats need a dot), so write these as `1.0e+21` / `5.0e-7`.
 */
const exponentNumber: ScalarTag = {
  tag: core('float'),
  default: true,
  test: /^[-+]?[0-9]+\.0e[-+][0-9]+$/,
  identify: (value) => typeof value === 'number' && /^-?[0-9]+e/.test(String(value)),
  resolve: Number,
  stringify: ({ value }) => String(value).replace('e', '.0e'),
};

/**
 * Dump a long-form (tag-free) template as block YAML, keys in object order.
 * Strings a YAML 1.1 reader would retype (`'yes'`, `'2010-09-09'`, `'1.0'`, ...)
 * are quoted, nothing is folded, and repeated objects are written out again
 * instead of as anchors/aliases (CloudFormation rejects aliases).
 */
export function toYaml(value: unknown): string {
  return stringify(value, {
    version: '1.1', // its schema quotes every string that any YAML 1.1 reader could take for another type
    customTags: (tags) => [exponentNumber, ...tags],
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
}
