/**
 * fast-check generator of YAML texts in the layouts that PyYAML (and so cfn-lint, SAM CLI, the AWS CLI) reads
 * but YAML 1.2 does not: flow collections and quoted scalars whose lines are indented less than the block
 * around them, anywhere down to column 0, with comments and short-form tags inside. Each case carries the
 * value the text means, in CloudFormation's long form (short tags expanded), so a reader can be checked against
 * it, and against cfn-lint's own reader.
 *
 * Written independently of macro/ (an oracle): no product code is imported here.
 */
import fc from 'fast-check';

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

/** What the generator builds first: a tree with the layout decisions in it. */
type Node =
  | { kind: 'word'; text: string }
  | { kind: 'number'; n: number }
  | { kind: 'bool'; b: boolean }
  | { kind: 'quoted'; words: string[]; quote: '"' | "'"; breaks: number[] }
  | { kind: 'tag'; tag: string; arg: Node }
  | { kind: 'map'; entries: [string, Node][]; flow: boolean; lenient: number[] }
  | { kind: 'seq'; items: Node[]; flow: boolean; lenient: number[] };

const TAGS: Record<string, string> = {
  Ref: 'Ref',
  Sub: 'Fn::Sub',
  Join: 'Fn::Join',
  If: 'Fn::If',
  Select: 'Fn::Select',
  Base64: 'Fn::Base64',
  ImportValue: 'Fn::ImportValue',
};

/** Words that YAML 1.1 reads as booleans or null (PyYAML does so in keys too, CloudFormation not). */
const typed = (w: string): boolean => /^(?:y|n|yes|no|on|off|true|false|null)$/i.test(w);
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).filter((w) => !typed(w));
const key = fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,7}$/).filter((k) => !typed(k));
const text = fc.array(fc.constantFrom('a', 'b', 'x', 'it', "it's", 'say "hi"', '[x]', '{y}', 'a,b', '#no', 'k: v', '${AWS::Region}', 'arn:aws:s3:::b/*'), {
  minLength: 1,
  maxLength: 4,
});
/** Spaces that start a continuation line: 0..9, often less than the block around it. */
const lenient = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 12 });

const { node } = fc.letrec<{ node: Node; scalar: Node; collection: Node }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('scalar'), tie('collection')),
  scalar: fc.oneof(
    word.map((t): Node => ({ kind: 'word', text: t })),
    fc.integer({ min: -1000, max: 100000 }).map((n): Node => ({ kind: 'number', n })),
    fc.boolean().map((b): Node => ({ kind: 'bool', b })),
    fc
      .record({ words: text, quote: fc.constantFrom<'"' | "'">('"', "'"), breaks: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }) })
      .map((q): Node => ({ kind: 'quoted', ...q })),
    fc
      .record({ tag: fc.constantFrom(...Object.keys(TAGS)), arg: word.map((t): Node => ({ kind: 'word', text: t })) })
      .map((t): Node => ({ kind: 'tag', ...t })),
  ),
  collection: fc.oneof(
    fc
      .record({
        entries: fc.uniqueArray(fc.tuple(key, tie('node')), { minLength: 1, maxLength: 4, selector: (e) => e[0] }),
        flow: fc.boolean(),
        lenient,
      })
      .map((m): Node => ({ kind: 'map', ...m })),
    fc.record({ items: fc.array(tie('node'), { minLength: 1, maxLength: 4 }), flow: fc.boolean(), lenient }).map((s): Node => ({ kind: 'seq', ...s })),
    fc
      .record({
        tag: fc.constantFrom('Join', 'If', 'Select', 'Sub'),
        arg: fc
          .record({ items: fc.array(tie('scalar'), { minLength: 2, maxLength: 3 }), flow: fc.constant(true), lenient })
          .map((s): Node => ({ kind: 'seq', ...s })),
      })
      .map((t): Node => ({ kind: 'tag', ...t })),
  ),
}));

function nodeValue(n: Node): Value {
  switch (n.kind) {
    case 'word':
      return n.text;
    case 'number':
      return n.n;
    case 'bool':
      return n.b;
    case 'quoted':
      return n.words.join(' ');
    case 'tag':
      return { [TAGS[n.tag]]: nodeValue(n.arg) };
    case 'map':
      return Object.fromEntries(n.entries.map(([k, v]) => [k, nodeValue(v)]));
    case 'seq':
      return n.items.map(nodeValue);
  }
}

/** A quoted scalar, broken over lines at some of its spaces; each new line starts with `pad()` spaces. */
function quoted(n: Extract<Node, { kind: 'quoted' }>, pad: () => string): string {
  const escapeWord = (w: string): string => (n.quote === '"' ? w.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : w.replace(/'/g, "''"));
  const parts = n.words.map(escapeWord);
  let out = parts[0];
  for (let i = 1; i < parts.length; i++) out += n.breaks.includes(i) ? `\n${pad()}${parts[i]}` : ` ${parts[i]}`;
  return `${n.quote}${out}${n.quote}`;
}

/**
 * The node as YAML. `indent` is the block indentation of the line it is on; inside a flow collection
 * (`inFlow`), every new line gets one of the collection's `lenient` indentations, whatever the block around it.
 */
function render(n: Node, indent: number, inFlow: { pads: number[]; k: number } | undefined): string {
  const pad = (): string => {
    if (!inFlow) return ' '.repeat(indent + 2);
    const p = inFlow.pads[inFlow.k++ % inFlow.pads.length];
    return ' '.repeat(p);
  };
  switch (n.kind) {
    case 'word':
      return n.text;
    case 'number':
      return String(n.n);
    case 'bool':
      return n.b ? 'true' : 'false';
    case 'quoted':
      // Outside a flow collection, a quoted scalar's own lines may be indented less too.
      return quoted(n, inFlow ? pad : () => ' '.repeat(n.breaks[0] ?? 0));
    case 'tag':
      return `!${n.tag} ${render(n.arg, indent, inFlow)}`;
    case 'map':
    case 'seq': {
      const flow = n.flow || inFlow !== undefined;
      const items: [string | undefined, Node][] = n.kind === 'map' ? n.entries : n.items.map((x) => [undefined, x]);
      if (flow) {
        const ctx = inFlow ?? { pads: n.lenient, k: 0 };
        const body = items.map(([k, v]) => `${k === undefined ? '' : `${k}: `}${render(v, indent, ctx)}`);
        // Some entries start a new line (with a comment, once), at one of the lenient indentations.
        const sep = (i: number): string => (n.lenient[i % n.lenient.length] % 3 === 0 ? `,${i === 1 ? ' # a comment' : ''}\n${pad()}` : ', ');
        const [open, close] = n.kind === 'map' ? ['{', '}'] : ['[', ']'];
        const closing = n.lenient[0] % 2 === 0 ? `\n${pad()}${close}` : close;
        return `${open}${body.map((b, i) => (i === 0 ? b : `${sep(i)}${b}`)).join('')}${closing}`;
      }
      const lines = items.map(([k, v]) => {
        const child = indent + 2;
        const inline = v.kind === 'map' || v.kind === 'seq' ? !!v.flow : true;
        const head = k === undefined ? '- ' : `${k}:`;
        if (inline) return `${' '.repeat(indent)}${head}${k === undefined ? '' : ' '}${render(v, child, undefined)}`;
        return `${' '.repeat(indent)}${head}\n${render(v, child, undefined)}`;
      });
      return lines.join('\n');
    }
  }
}

export interface Layout {
  /** The YAML text. */
  text: string;
  /** What it means, in long form. */
  value: Value;
}

/** A template-shaped document (`Resources: {R: {Type: ..., Properties: <generated>}}`) in a lenient layout. */
export const layout: fc.Arbitrary<Layout> = fc
  .record({ props: fc.uniqueArray(fc.tuple(key, node), { minLength: 1, maxLength: 4, selector: (e) => e[0] }), flow: fc.boolean(), lenient })
  .map(({ props, flow, lenient: pads }) => {
    const properties: Node = { kind: 'map', entries: props, flow, lenient: pads };
    const body = render(properties, 6, undefined);
    const text = `Resources:\n  R:\n    Type: AWS::SQS::Queue\n    Properties:${flow ? ` ${body}` : `\n${body}`}\n`;
    return { text, value: { Resources: { R: { Type: 'AWS::SQS::Queue', Properties: nodeValue(properties) } } } };
  });
