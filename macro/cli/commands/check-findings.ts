/**
 * What `warm-step-functions check` finds in a template: its cold paths, the invocations that fail at run
 * time and what it could not see into, as findings. The command (commands/check.ts) prints them for people
 * (text) and for CI (`--format json`, `--format sarif` for code-scanning annotations, as cfn-lint offers).
 *
 * Every finding carries the template file, its line and column in the file as written (YAML or
 * JSON; inside a `DefinitionString` the line of the state's own text where the lines map, else the
 * line of the property), the state machine and the state path.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { TransformError, type Problem } from '../../errors';
import { transform } from '../../core/transform';
import { describeReasons, REASON_INFO } from '../../core/targets/reasons';
import type { Decision, JsonObject, Reason, Report, TransformOptions, TransformResult } from '../../types';
import { SourcePositions, type SourcePos } from '../positions';
import { withoutTransform } from '../transform-entry';
import { MACRO_NAME } from '../../types';
import { whereText } from '../../messages';
import type { ExitCode } from '../exit-codes';

export type CheckFormat = 'text' | 'json' | 'sarif';
export const CHECK_FORMATS: readonly CheckFormat[] = ['text', 'json', 'sarif'];

/**
 * `fails-at-run-time`: an invocation Lambda rejects (a durable function's unqualified ARN, `$LATEST`
 * of a Managed Instances function); `cold-path`: one that misses the published target its function's
 * configuration needs (provisioned concurrency, SnapStart, Managed Instances' alias).
 */
export type FindingKind = 'fails-at-run-time' | 'cold-path' | 'not-checked' | 'macro-fails';

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
  /** Why it needs a published target: ProvisionedConcurrency, SnapStart, Durable, ManagedInstances. */
  reasons?: Reason[];
  /** What the state invokes, and the warm target it should invoke (cold paths the macro fixes). */
  invokes?: string;
  warmTarget?: string;
  message: string;
}

export interface CheckResult {
  file: string;
  /** `after WarmStepFunctions` when the template lists the macro (what will be deployed), else `as written`. */
  checked: string;
  /** The most serious finding's code (EXIT_CODES in exit-codes.ts: `check`). */
  exitCode: ExitCode;
  findings: Finding[];
  /** The macro's failure message, when it fails on this template (its problems are `macro-fails` findings). */
  failure?: string;
  /** The reasons the check acted on (the Reasons parameter); all of them when undefined. */
  reasons?: Reason[];
}

type Params = TransformOptions;

/** A run of the core (the CLI's reads the stored definitions the run needs). */
export type CoreRun = (fragment: unknown, options: TransformOptions) => TransformResult;

/**
 * Runs the check; never throws a TransformError (a failing macro is a `macro-fails` finding).
 *
 * One run of the core: with the macro listed, in its mode (what will be deployed), else in Mode
 * report (the template as written). Findings come from the report's structure: a cold path is a
 * decision with `coldPath` (less the rewrites the macro makes, when it changes the template), and
 * what could not be checked is a warning about a definition or an invocation.
 */
export function checkTemplate(
  template: JsonObject,
  text: string,
  file: string,
  listed: boolean,
  params: Params,
  run: CoreRun = transform,
  readFile?: (path: string) => string,
): CheckResult {
  const positions = SourcePositions.of(text);
  const checked = listed ? `after ${MACRO_NAME}` : 'as written';
  const changes = listed && params.mode !== 'report';
  let report: Report;
  try {
    report = run(withoutTransform(template), { ...params, mode: changes ? params.mode : 'report' }).report;
  } catch (e) {
    if (!(e instanceof TransformError)) throw e;
    return checkFailure(e, text, file, listed, positions);
  }
  const locate = (d: Decision): SourcePos => locateDecision(d, positions);
  const inDefinitionFile = definitionFileLocator(file, readFile);
  const finding = (kind: FindingKind, d: Decision, message: string): Finding => ({
    kind,
    file,
    ...locate(d),
    ...inDefinitionFile(d),
    stateMachine: d.stateMachine,
    ...(d.state !== undefined ? { state: d.state } : {}),
    ...(d.statePath !== undefined ? { statePath: d.statePath } : {}),
    templatePath: d.templatePath,
    ...(d.function !== undefined ? { function: d.function } : {}),
    ...(d.reasons ? { reasons: d.reasons } : {}),
    ...(kind !== 'not-checked' && d.to ? { invokes: d.from, warmTarget: d.to } : {}),
    message,
  });
  // A rewrite the macro makes is no cold path in what will be deployed.
  const fixed = (d: Decision): boolean => changes && d.action === 'rewritten' && report.changed.includes(d.stateMachine);
  const paths = report.decisions.filter((d) => d.coldPath && !fixed(d));
  const fails = paths.filter((d) => d.consequence === 'fails').map((d) => finding('fails-at-run-time', d, coldMessage(d)));
  const cold = paths.filter((d) => d.consequence !== 'fails').map((d) => finding('cold-path', d, coldMessage(d)));
  // What the check could not see into: a definition it cannot read (S3, invalid), an invocation it
  // cannot resolve (FunctionName.$, an Fn::ImportValue...). IAM warnings are not about cold paths.
  const unchecked = report.decisions
    .filter((d) => d.action === 'warning' && !d.coldPath && (d.topic === 'definition' || d.topic === 'invocation'))
    .map((d) => finding('not-checked', d, d.reason));
  const exitCode = fails.length ? 3 : cold.length ? 1 : unchecked.length ? 2 : 0;
  return { file, checked, exitCode, findings: [...fails, ...cold, ...unchecked], ...(params.reasons ? { reasons: params.reasons } : {}) };
}

/** The result of a check on which the macro fails (its parameters or the template): each problem is a finding. */
export function checkFailure(e: TransformError, text: string, file: string, listed: boolean, positions = SourcePositions.of(text)): CheckResult {
  const findings = e.problems.map((p) => problemFinding(p, file, positions));
  return { file, checked: listed ? `after ${MACRO_NAME}` : 'as written', exitCode: 1, findings, failure: e.message };
}

function coldMessage(d: Decision): string {
  if (!d.to) return d.reason;
  // A state chosen by Fn::If: the branch (the reason already says it).
  const branch = whereText(d.when);
  const field = d.data.field;
  if (field === 'Parameters.Qualifier' || field === 'Arguments.Qualifier')
    return `${field} is ${d.from}, not ${d.to}, the qualifier that ${d.function} needs${branch}`;
  const reasons = d.reasons ?? ['ProvisionedConcurrency'];
  if (reasons[0] === 'ProvisionedConcurrency')
    return `invokes ${d.from} (unqualified: $LATEST), not ${d.to}, which has the provisioned concurrency of ${d.function}${branch}`;
  // `:$LATEST` of a Managed Instances function fails, though its unqualified ARN does not.
  const latest = d.consequence === 'fails' && !reasons.includes('Durable') && reasons.includes('ManagedInstances');
  const info = REASON_INFO[latest ? 'ManagedInstances' : (reasons.find((r) => REASON_INFO[r].consequence === d.consequence) ?? reasons[0])];
  return `invokes ${d.from}, not ${d.to}, which ${d.function}'s ${describeReasons(reasons)} configuration (${info.property}) needs: that call ${latest ? info.latest : info.unqualified}${branch}`;
}

function problemFinding(p: Problem, file: string, positions: SourcePositions): Finding {
  const path = p.path.split('/').filter(Boolean);
  const pos = path[0] === 'Resources' || path[0] === 'Transform' ? positions.at(path) : positions.at(['Resources', p.logicalId ?? '']);
  return {
    kind: 'macro-fails',
    file,
    line: pos.line,
    column: pos.column,
    ...(p.logicalId ? { stateMachine: p.logicalId } : {}),
    templatePath: p.path,
    message: `${MACRO_NAME} fails: ${p.message}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Where a decision is in the file

/**
 * The line and column of a decision: the value's own place when the core located it (in a
 * DefinitionString, the exact character where the lines map), else its template path's.
 */
function locateDecision(d: Decision, positions: SourcePositions): SourcePos {
  const l = d.location;
  if (l && l.offset !== undefined) {
    const pos = positions.inString(l.path, l.offset);
    if (pos.exact) return strip(pos);
  } else if (l) return strip(positions.at(l.path));
  return strip(positions.at(d.templatePath.split('/').filter(Boolean)));
}

const strip = (p: SourcePos): SourcePos => ({ line: p.line, column: p.column });

/**
 * For a decision about a state of a definition in a local file (`DefinitionUri: statemachine/x.asl.json`):
 * that file, and the line and column of the state in it. Nothing for other decisions, or when the file
 * cannot be read again or the state not found in it (the finding then points at the template's property).
 */
function definitionFileLocator(file: string, readFile?: (path: string) => string): (d: Decision) => Partial<Pick<Finding, 'file' | 'line' | 'column'>> {
  const cache = new Map<string, { text: string; json: unknown; positions: SourcePositions } | null>();
  return (d) => {
    if (!readFile || !d.source || !d.statePath || !d.templatePath.endsWith('/DefinitionUri') || /^[a-z0-9]+:\/\/| \(/i.test(d.source)) return {};
    const path = isAbsolute(d.source) || file === '<stdin>' ? d.source : join(dirname(file), d.source);
    if (!cache.has(path)) {
      try {
        const text = readFile(path);
        cache.set(path, { text, json: JSON.parse(text.replace(/^\uFEFF/, '')), positions: SourcePositions.of(text) });
      } catch {
        cache.set(path, null);
      }
    }
    const asl = cache.get(path);
    const segments = asl ? statePathSegments(asl.json, d.statePath) : undefined;
    if (!asl || !segments) return {};
    const pos = asl.positions.at(segments);
    return pos.exact ? { file: path, line: pos.line, column: pos.column } : {};
  };
}

/** `States.Fan.Branches[0].States.Work` as keys into the definition (state names may hold dots: matched against the keys there). */
export function statePathSegments(definition: unknown, statePath: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  let node: unknown = definition;
  let rest = statePath;
  while (rest.length > 0) {
    const index = /^\[(\d+)\]\.?/.exec(rest);
    if (index) {
      if (!Array.isArray(node)) return undefined;
      out.push(Number(index[1]));
      node = node[Number(index[1])];
      rest = rest.slice(index[0].length);
      continue;
    }
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    const key = Object.keys(node)
      .sort((a, b) => b.length - a.length)
      .find((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`));
    if (key === undefined) return undefined;
    out.push(key);
    node = (node as Record<string, unknown>)[key];
    rest = rest.slice(key.length).replace(/^\./, '');
  }
  return out;
}
