/**
 * `warm-step-functions check`: the cold paths of a template, for people (text) and for CI
 * (`--format json`, `--format sarif` for code-scanning annotations, as cfn-lint offers).
 *
 * Every finding carries the template file, its line and column in the file as written (YAML or
 * JSON; inside a `DefinitionString` the line of the state's own text where the lines map, else the
 * line of the property), the state machine and the state path.
 */
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Log, Result } from 'sarif';
import { TransformError, type Problem } from '../errors';
import { transform } from '../transform';
import { describeReasons, REASON_INFO } from '../reasons';
import type { Decision, JsonObject, Reason, Report, TransformOptions, TransformResult } from '../types';
import { SourcePositions, type SourcePos } from './positions';
import { withoutTransform } from './transform-entry';
import { worstExitCode } from './check-many';
import { MACRO_NAME } from '../types';
import { whereText } from '../messages';
import { quote, safeLine } from './safe';

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
  /**
   * 3 an invocation fails at run time; else 1 a cold path (or the macro fails); else 2 something
   * could not be checked; else 0.
   */
  exitCode: 0 | 1 | 2 | 3;
  findings: Finding[];
  /** The macro's failure message, when it fails on this template (its problems are `macro-fails` findings). */
  failure?: string;
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
  return { file, checked, exitCode: fails.length ? 3 : cold.length ? 1 : unchecked.length ? 2 : 0, findings: [...fails, ...cold, ...unchecked] };
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
  if (field === 'Parameters.Qualifier' || field === 'Arguments.Qualifier') return `${field} is ${d.from}, not ${d.to}, the qualifier that ${d.function} needs${branch}`;
  const reasons = d.reasons ?? ['ProvisionedConcurrency'];
  if (reasons[0] === 'ProvisionedConcurrency') return `invokes ${d.from} (unqualified: $LATEST), not ${d.to}, which has the provisioned concurrency of ${d.function}${branch}`;
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

// ---------------------------------------------------------------------------------------------
// Output

export function formatText(result: CheckResult): string {
  const out: string[] = [];
  const cold = result.findings.filter((f) => f.kind === 'cold-path');
  const fails = result.findings.filter((f) => f.kind === 'fails-at-run-time');
  const unchecked = result.findings.filter((f) => f.kind === 'not-checked');
  const where = result.checked;
  if (fails.length) {
    out.push(`${fails.length} invocation${fails.length === 1 ? '' : 's'} fail${fails.length === 1 ? 's' : ''} at run time (${where}):`);
    for (const f of fails) out.push(`  ${f.stateMachine} ${f.statePath}: ${f.message}`);
  }
  const listUnchecked = (): void => {
    if (unchecked.length === 0) return;
    out.push(`${unchecked.length} place${unchecked.length === 1 ? '' : 's'} could not be checked:`);
    for (const f of unchecked) out.push(`  ${quote(f.stateMachine)}${f.statePath ? ` ${quote(f.statePath)}` : ''}: ${safeLine(f.message)}`);
  };
  if (cold.length === 0) {
    if (fails.length) {
      listUnchecked();
      if (where === 'as written') out.push(`Add "Transform: ${MACRO_NAME}" to the template (or fix these states) to invoke the published targets.`);
      return `${out.join('\n')}\n`;
    }
    if (unchecked.length === 0) return `No cold paths (${where}): every state that invokes a function with provisioned concurrency goes through it.\n`;
    out.push(`No cold paths (${where}) among the invocations the check could read.`);
    listUnchecked();
    return `${out.join('\n')}\n`;
  }
  out.push(`${cold.length} cold path${cold.length === 1 ? '' : 's'} (${where}):`);
  for (const f of cold) out.push(`  ${quote(f.stateMachine)} ${quote(f.statePath)}: ${safeLine(f.message)}`);
  listUnchecked();
  if (where === 'as written') out.push(`Add "Transform: ${MACRO_NAME}" to the template (or fix these states) to use the warm capacity.`);
  return `${out.join('\n')}\n`;
}

export function formatJson(result: CheckResult): string {
  const { file, checked, exitCode, findings } = result; // failure: its problems are the macroFails findings
  const pick = (kind: FindingKind) => findings.filter((f) => f.kind === kind).map(({ kind: _kind, ...rest }) => rest);
  return `${JSON.stringify({ file, checked, exitCode, failsAtRunTime: pick('fails-at-run-time'), coldPaths: pick('cold-path'), notChecked: pick('not-checked'), macroFails: pick('macro-fails') }, null, 2)}\n`;
}

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const RULES: { id: FindingKind; name: string; level: 'error' | 'warning'; short: string; full: string }[] = [
  {
    id: 'fails-at-run-time',
    name: 'FailsAtRunTime',
    level: 'error',
    short: 'A state invokes a Lambda function in a way Lambda rejects at run time',
    full:
      'Lambda rejects an unqualified invocation of a durable function (DurableConfig: "You cannot invoke a durable function using an unqualified ARN") and never invokes $LATEST of a Managed Instances function (CapacityProviderConfig). The stack deploys, then every execution of the state fails. List the WarmStepFunctions transform in the template, or point the state at a published version or alias (a durable function also accepts :$LATEST). See docs/reasons.md.',
  },
  {
    id: 'cold-path',
    name: 'ColdPath',
    level: 'error',
    short: 'A state invokes a function without the published target its configuration needs (provisioned concurrency, SnapStart, Managed Instances)',
    full:
      'Provisioned concurrency serves only the alias or version it is configured on, and SnapStart snapshots exist only for published versions: a state that invokes the unqualified function ARN, $LATEST or another qualifier runs on cold instances. An unqualified call of a Managed Instances function runs $LATEST.PUBLISHED, not the alias the template publishes. List the WarmStepFunctions transform in the template, or point the state at the alias. See docs/reasons.md.',
  },
  {
    id: 'not-checked',
    name: 'NotChecked',
    level: 'warning',
    short: 'An invocation or a definition that the check could not see into',
    full: 'A definition in S3 or one that is not valid JSON, a FunctionName computed at run time (FunctionName.$, JSONata), or a function the template cannot resolve (Fn::ImportValue): whether it is a cold path cannot be told from the template.',
  },
  {
    id: 'macro-fails',
    name: 'MacroFails',
    level: 'error',
    short: 'The WarmStepFunctions macro would fail on this template',
    full: 'CloudFormation would reject the deployment: the macro reports a failure (several warm aliases without AliasName, a parameter of the wrong type...).',
  },
];

/**
 * SARIF 2.1.0, shaped as cfn-lint's SARIF output: one run for every file checked (one artifact each), rules for
 * the findings, file URIs relative to EXECUTIONROOT, the invocation's exit code the worst file's.
 */
export function formatSarif(result: CheckResult | readonly CheckResult[], version: string, exitCode?: number): string {
  const all: readonly CheckResult[] = Array.isArray(result) ? result : [result as CheckResult];
  const findings = all.flatMap((r) => r.findings);
  const ruleIds = [...new Set(findings.map((f) => f.kind))];
  const rules = RULES.filter((r) => ruleIds.includes(r.id));
  // One artifact per file: the templates, and the definition files findings point into.
  const files = [...new Set(all.flatMap((r) => [r.file, ...r.findings.map((f) => f.file)]))];
  const artifacts = files.map((file) => ({ file, location: artifactLocationOf(file) })).filter((a) => a.location !== undefined);
  const results = all.flatMap((one) => {
    return one.findings.map((f): Result => {
      const index = artifacts.findIndex((a) => a.file === f.file);
      const artifactLocation = index >= 0 ? artifacts[index].location : undefined;
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
            ...(artifactLocation
              ? { physicalLocation: { artifactLocation: { ...artifactLocation, index }, region: { startLine: f.line, startColumn: f.column } } }
              : {}),
            logicalLocations: [{ name, fullyQualifiedName: qualified, kind: f.statePath ? 'member' : 'resource' }],
          },
        ],
        partialFingerprints: {
          'warmStepFunctions/v1': createHash('sha256')
            .update(`${rule.id}\0${f.templatePath}\0${f.statePath ?? ''}\0${f.message}`)
            .digest('hex')
            .slice(0, 32),
        },
        properties: {
          ...(f.stateMachine !== undefined ? { stateMachine: f.stateMachine } : {}),
          ...(f.statePath !== undefined ? { statePath: f.statePath } : {}),
          templatePath: f.templatePath,
          ...(f.function !== undefined ? { function: f.function } : {}),
          ...(f.reasons !== undefined ? { reasons: f.reasons } : {}),
        },
      };
    });
  });
  const relativeUris = artifacts.some((a) => a.location?.uriBaseId);
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
        ...(relativeUris ? { originalUriBaseIds: { EXECUTIONROOT: { description: { text: 'The directory in which warm-step-functions was run.' } } } } : {}),
        ...(artifacts.length
          ? { artifacts: artifacts.map((a) => ({ location: a.location!, sourceLanguage: a.file.endsWith('.json') ? 'json' : 'yaml' })) }
          : {}),
        invocations: [{ executionSuccessful: true, exitCode: exitCode ?? worstExitCode(all.map((r) => r.exitCode)) }],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** A file's SARIF artifact location: relative to EXECUTIONROOT, a file: URI when absolute, none for stdin. */
function artifactLocationOf(file: string): { uri: string; uriBaseId?: string } | undefined {
  if (file === '<stdin>') return undefined;
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: encodeURI(file.replace(/\\/g, '/').replace(/^\.\//, '')), uriBaseId: 'EXECUTIONROOT' };
}
