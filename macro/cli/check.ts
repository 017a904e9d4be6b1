/**
 * `warm-step-functions check`: the cold paths of a template, for people (text) and for CI
 * (`--format json`, `--format sarif` for code-scanning annotations, as cfn-lint offers).
 *
 * Every finding carries the template file, its line and column in the file as written (YAML or
 * JSON; inside a `DefinitionString` the line of the state's own text where the lines map, else the
 * line of the property), the state machine and the state path.
 */
import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Log, Result } from 'sarif';
import { TransformError, type Problem } from '../errors';
import { readDefinition, type DefinitionModel } from '../definition/read';
import { findSlots } from '../definition/slots';
import type { StrNode } from '../definition/ast';
import { getOwn, isObject } from '../json';
import { transform } from '../transform';
import type { Decision, Json, JsonObject, TransformOptions } from '../types';
import { SourcePositions, type Path, type SourcePos } from './positions';
import { MACRO_NAME, withoutTransform } from './transform-entry';

export type CheckFormat = 'text' | 'json' | 'sarif';
export const CHECK_FORMATS: readonly CheckFormat[] = ['text', 'json', 'sarif'];

export type FindingKind = 'cold-path' | 'not-checked' | 'macro-fails';

export interface Finding {
  kind: FindingKind;
  /** The template file as given on the command line (`<stdin>` for `-`). */
  file: string;
  line: number;
  column: number;
  stateMachine?: string;
  state?: string;
  statePath?: string;
  /** Where the value sits in the template, e.g. `Resources/Flow/Properties/Definition`. */
  templatePath: string;
  /** The function with provisioned concurrency (its logical ID) that a cold path misses. */
  function?: string;
  /** What the state invokes, and the warm target it should invoke (cold paths the macro fixes). */
  invokes?: string;
  warmTarget?: string;
  message: string;
}

export interface CheckResult {
  file: string;
  /** `after WarmStepFunctions` when the template lists the macro (what will be deployed), else `as written`. */
  checked: string;
  /** 0 no cold path and everything checked, 1 a cold path (or the macro fails), 2 something could not be checked. */
  exitCode: 0 | 1 | 2;
  findings: Finding[];
  /** The macro's failure message, when it fails on this template (its problems are `macro-fails` findings). */
  failure?: string;
}

type Params = TransformOptions;

/** Runs the check; never throws a TransformError (a failing macro is a `macro-fails` finding). */
export function checkTemplate(template: JsonObject, text: string, file: string, listed: boolean, params: Params): CheckResult {
  const positions = SourcePositions.of(text);
  const checked = listed ? `after ${MACRO_NAME}` : 'as written';
  let decisions: Decision[];
  try {
    // With the macro listed, check what will be deployed (the macro's output); else the template as written.
    let fragment = withoutTransform(template);
    if (listed && params.mode !== 'report') fragment = transform(fragment, params).fragment as JsonObject;
    decisions = transform(fragment, { ...params, mode: 'report' }).report.decisions;
  } catch (e) {
    if (!(e instanceof TransformError)) throw e;
    return checkFailure(e, text, file, listed, positions);
  }
  const locate = locator(template, positions);
  const finding = (kind: FindingKind, d: Decision, message: string): Finding => ({
    kind,
    file,
    ...locate(d),
    stateMachine: d.stateMachine,
    ...(d.state !== undefined ? { state: d.state } : {}),
    ...(d.statePath !== undefined ? { statePath: d.statePath } : {}),
    templatePath: d.templatePath,
    ...(d.function !== undefined ? { function: d.function } : {}),
    ...(kind === 'cold-path' && d.to ? { invokes: d.from, warmTarget: d.to } : {}),
    message,
  });
  const cold = decisions.filter((d) => d.coldPath).map((d) => finding('cold-path', d, coldMessage(d)));
  // What the check could not see into: a definition it cannot read (S3, invalid), an invocation it
  // cannot resolve (FunctionName.$, an Fn::ImportValue...). IAM warnings are not about cold paths.
  const unchecked = decisions
    .filter((d) => d.action === 'warning' && !d.coldPath && /\/Properties\/(Definition|DefinitionString|DefinitionS3Location|DefinitionUri)$/.test(d.templatePath))
    .map((d) => finding('not-checked', d, d.reason));
  return { file, checked, exitCode: cold.length ? 1 : unchecked.length ? 2 : 0, findings: [...cold, ...unchecked] };
}

/** The result of a check on which the macro fails (its parameters or the template): each problem is a finding. */
export function checkFailure(e: TransformError, text: string, file: string, listed: boolean, positions = SourcePositions.of(text)): CheckResult {
  const findings = e.problems.map((p) => problemFinding(p, file, positions));
  return { file, checked: listed ? `after ${MACRO_NAME}` : 'as written', exitCode: 1, findings, failure: e.message };
}

function coldMessage(d: Decision): string {
  if (!d.to) return d.reason;
  // A state chosen by Fn::If: the branch (the reason already says it).
  const branch = d.when?.length ? ` (where ${d.when.map((w) => `${w.condition} is ${w.value}`).join(' and ')}: Fn::If, resolved at deploy time)` : '';
  const qualifier = /^(Parameters|Arguments)\.Qualifier\b/.exec(d.reason)?.[0];
  if (qualifier) return `${qualifier} is ${d.from}, not ${d.to}, the qualifier with the provisioned concurrency of ${d.function}${branch}`;
  return `invokes ${d.from} (unqualified: $LATEST), not ${d.to}, which has the provisioned concurrency of ${d.function}${branch}`;
}

function problemFinding(p: Problem, file: string, positions: SourcePositions): Finding {
  const path = p.path.split('/').filter(Boolean);
  const pos = path[0] === 'Resources' || path[0] === 'Transform' ? positions.at(path) : positions.at(['Resources', p.logicalId ?? '']);
  return { kind: 'macro-fails', file, line: pos.line, column: pos.column, ...(p.logicalId ? { stateMachine: p.logicalId } : {}), templatePath: p.path, message: `${MACRO_NAME} fails: ${p.message}` };
}

// ---------------------------------------------------------------------------------------------
// Where a decision is in the file

const DEFINITION_PATH = /^Resources\/([^/]+)\/Properties\/(Definition|DefinitionString)$/;

function locator(template: JsonObject, positions: SourcePositions): (d: Decision) => SourcePos {
  const models = new Map<string, { model?: DefinitionModel; value?: Json }>();
  const modelOf = (id: string, property: 'Definition' | 'DefinitionString'): { model?: DefinitionModel; value?: Json } => {
    const key = `${id}/${property}`;
    let entry = models.get(key);
    if (!entry) {
      const props = asObject(getOwn(asObject(getOwn(asObject(getOwn(template, 'Resources')), id)), 'Properties'));
      const value = getOwn(props, property);
      entry = { value };
      try {
        if (value !== undefined) entry.model = readDefinition(id, property, value, getOwn(props, 'DefinitionSubstitutions'));
      } catch {
        // Unreadable as written: the property's own line.
      }
      models.set(key, entry);
    }
    return entry;
  };
  return (d) => {
    const path = d.templatePath.split('/').filter(Boolean);
    const m = DEFINITION_PATH.exec(d.templatePath);
    if (!m || d.statePath === undefined) return strip(positions.at(path));
    const { model, value } = modelOf(m[1], m[2] as 'Definition' | 'DefinitionString');
    if (!model) return strip(positions.at(path));
    const leaf = leafOf(model, d.statePath, d.when);
    if (leaf?.loc.kind === 'value') return strip(positions.at([...path, ...leaf.loc.path]));
    if (leaf?.loc.kind === 'text' && model.form !== 'object') {
      const inText = textPosition(model, value, path, leaf.loc.start, positions);
      if (inText) return inText;
    }
    if (model.form === 'object') return strip(positions.at([...path, ...statePathKeys(model.value, d.statePath)]));
    return strip(positions.at(path));
  };
}

const strip = (p: SourcePos): SourcePos => ({ line: p.line, column: p.column });

/** The string that names the invoked function in the state at `statePath` (the slot, or an explicit Qualifier's FunctionName). */
function leafOf(model: DefinitionModel, statePath: string, when: Decision['when']): StrNode | undefined {
  const scan = findSlots(model.root);
  // A state chosen by Fn::If: the branch the finding is about.
  const same = (w: readonly { condition: string; value: boolean }[]): boolean => JSON.stringify(w) === JSON.stringify(when ?? []);
  const at = <T extends { statePath: string; when: readonly { condition: string; value: boolean }[] }>(list: T[]): T | undefined =>
    list.find((x) => x.statePath === statePath && same(x.when)) ?? list.find((x) => x.statePath === statePath);
  return at(scan.slots)?.leaf ?? at(scan.notes)?.functionName;
}

/** The position of flat-text offset `flat` of a text definition, through its segments back to the piece of the template. */
function textPosition(model: Extract<DefinitionModel, { segments: unknown }>, value: Json | undefined, path: Path, flat: number, positions: SourcePositions): SourcePos | undefined {
  const starts = model.flatStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= flat) lo = mid;
    else hi = mid - 1;
  }
  const seg = model.segments[lo];
  if (!seg) return undefined;
  const offset = seg.atomic ? seg.start.offset : seg.start.offset + (flat - starts[lo]);
  let piecePath: Path;
  const source = model.source;
  if (source.form === 'string') piecePath = path;
  else if (source.form === 'sub') piecePath = source.vars ? [...path, 'Fn::Sub', 0] : [...path, 'Fn::Sub'];
  else {
    // The pieces are the template's own only when the Join was read as written (not flattened).
    const join = getOwn(asObject(value), 'Fn::Join');
    if (!Array.isArray(join) || join[1] !== source.pieces) return undefined;
    piecePath = [...path, 'Fn::Join', 1, seg.start.piece];
  }
  const pos = positions.inString(piecePath, offset);
  return pos.exact ? strip(pos) : undefined;
}

/** The keys of `statePath` (`States.Fan.Branches[0].States.Work`) in a Definition object; state names may hold dots. */
function statePathKeys(definition: Json, statePath: string): (string | number)[] {
  const keys: (string | number)[] = [];
  let machine: Json | undefined = definition;
  let rest = statePath;
  while (rest.startsWith('States.') && isObject(machine)) {
    rest = rest.slice('States.'.length);
    const states = getOwn(machine, 'States');
    if (!isObject(states)) break;
    const name = Object.keys(states)
      .filter((k) => rest === k || rest.startsWith(`${k}.`))
      .sort((a, b) => b.length - a.length)[0];
    if (name === undefined) break;
    keys.push('States', name);
    rest = rest.slice(name.length);
    if (rest === '') break;
    const state = getOwn(states, name);
    const branch = /^\.Branches\[(\d+)\]\./.exec(rest);
    const sub = /^\.(Iterator|ItemProcessor)\./.exec(rest);
    if (branch) {
      const branches = getOwn(asObject(state), 'Branches');
      keys.push('Branches', Number(branch[1]));
      machine = Array.isArray(branches) ? branches[Number(branch[1])] : undefined;
      rest = rest.slice(branch[0].length);
    } else if (sub) {
      keys.push(sub[1]);
      machine = getOwn(asObject(state), sub[1]);
      rest = rest.slice(sub[0].length);
    } else break;
  }
  return keys;
}

function asObject(v: Json | undefined): JsonObject {
  return isObject(v) ? v : {};
}

// ---------------------------------------------------------------------------------------------
// Output

export function formatText(result: CheckResult): string {
  const out: string[] = [];
  const cold = result.findings.filter((f) => f.kind === 'cold-path');
  const unchecked = result.findings.filter((f) => f.kind === 'not-checked');
  const where = result.checked;
  const listUnchecked = (): void => {
    if (unchecked.length === 0) return;
    out.push(`${unchecked.length} place${unchecked.length === 1 ? '' : 's'} could not be checked:`);
    for (const f of unchecked) out.push(`  ${f.stateMachine}${f.statePath ? ` ${f.statePath}` : ''}: ${f.message}`);
  };
  if (cold.length === 0) {
    if (unchecked.length === 0) return `No cold paths (${where}): every state that invokes a function with provisioned concurrency goes through it.\n`;
    out.push(`No cold paths (${where}) among the invocations the check could read.`);
    listUnchecked();
    return `${out.join('\n')}\n`;
  }
  out.push(`${cold.length} cold path${cold.length === 1 ? '' : 's'} (${where}):`);
  for (const f of cold) out.push(`  ${f.stateMachine} ${f.statePath}: ${f.message}`);
  listUnchecked();
  if (where === 'as written') out.push(`Add "Transform: ${MACRO_NAME}" to the template (or fix these states) to use the warm capacity.`);
  return `${out.join('\n')}\n`;
}

export function formatJson(result: CheckResult): string {
  const { file, checked, exitCode, findings } = result; // failure: its problems are the macroFails findings
  const pick = (kind: FindingKind) => findings.filter((f) => f.kind === kind).map(({ kind: _kind, ...rest }) => rest);
  return `${JSON.stringify({ file, checked, exitCode, coldPaths: pick('cold-path'), notChecked: pick('not-checked'), macroFails: pick('macro-fails') }, null, 2)}\n`;
}

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const RULES: { id: FindingKind; name: string; level: 'error' | 'warning'; short: string; full: string }[] = [
  {
    id: 'cold-path',
    name: 'ColdPath',
    level: 'error',
    short: 'A state invokes a function that has provisioned concurrency without going through it',
    full:
      'Provisioned concurrency serves only the alias or version it is configured on. A state that invokes the unqualified function ARN, $LATEST or another qualifier runs on cold instances while the warm ones sit idle. List the WarmStepFunctions transform in the template, or point the state at the alias.',
  },
  {
    id: 'not-checked',
    name: 'NotChecked',
    level: 'warning',
    short: 'An invocation or a definition that the check could not see into',
    full:
      'A definition in S3 or one that is not valid JSON, a FunctionName computed at run time (FunctionName.$, JSONata), or a function the template cannot resolve (Fn::ImportValue): whether it is a cold path cannot be told from the template.',
  },
  {
    id: 'macro-fails',
    name: 'MacroFails',
    level: 'error',
    short: 'The WarmStepFunctions macro would fail on this template',
    full: 'CloudFormation would reject the deployment: the macro reports a failure (several warm aliases without AliasName, a parameter of the wrong type...).',
  },
];

/** SARIF 2.1.0, shaped as cfn-lint's SARIF output: one run, rules for the findings, file URIs relative to EXECUTIONROOT. */
export function formatSarif(result: CheckResult, version: string): string {
  const ruleIds = [...new Set(result.findings.map((f) => f.kind))];
  const rules = RULES.filter((r) => ruleIds.includes(r.id));
  const stdin = result.file === '<stdin>';
  const absolute = !stdin && isAbsolute(result.file);
  const artifactLocation = stdin
    ? undefined
    : absolute
      ? { uri: pathToFileURL(result.file).href }
      : { uri: encodeURI(result.file.replace(/\\/g, '/').replace(/^\.\//, '')), uriBaseId: 'EXECUTIONROOT' };
  const results = result.findings.map((f): Result => {
    const rule = RULES.find((r) => r.id === f.kind)!;
    const name = f.state ?? f.stateMachine ?? f.templatePath;
    const qualified = f.statePath ? `${f.stateMachine}/${f.statePath}` : (f.stateMachine ?? f.templatePath);
    return {
      ruleId: rule.id,
      ruleIndex: rules.indexOf(rule),
      level: rule.level,
      message: { text: f.statePath ? `${f.stateMachine} ${f.statePath}: ${f.message}` : f.stateMachine ? `${f.stateMachine}: ${f.message}` : f.message },
      locations: [
        {
          ...(artifactLocation ? { physicalLocation: { artifactLocation: { ...artifactLocation, index: 0 }, region: { startLine: f.line, startColumn: f.column } } } : {}),
          logicalLocations: [{ name, fullyQualifiedName: qualified, kind: f.statePath ? 'member' : 'resource' }],
        },
      ],
      partialFingerprints: { 'warmStepFunctions/v1': createHash('sha256').update(`${rule.id}\0${f.templatePath}\0${f.statePath ?? ''}\0${f.message}`).digest('hex').slice(0, 32) },
      properties: {
        ...(f.stateMachine !== undefined ? { stateMachine: f.stateMachine } : {}),
        ...(f.statePath !== undefined ? { statePath: f.statePath } : {}),
        templatePath: f.templatePath,
        ...(f.function !== undefined ? { function: f.function } : {}),
      },
    };
  });
  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'warm-step-functions',
            version,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.short },
              fullDescription: { text: r.full },
              defaultConfiguration: { level: r.level },
              help: { text: r.full },
            })),
          },
        },
        ...(artifactLocation?.uriBaseId ? { originalUriBaseIds: { EXECUTIONROOT: { description: { text: 'The directory in which warm-step-functions was run.' } } } } : {}),
        ...(artifactLocation ? { artifacts: [{ location: artifactLocation, sourceLanguage: result.file.endsWith('.json') ? 'json' : 'yaml' }] } : {}),
        invocations: [{ executionSuccessful: true, exitCode: result.exitCode }],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
