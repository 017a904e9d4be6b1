/**
 * The CLI edge: the same core as the Lambda, on a template file.
 *
 *   warm-step-functions transform <file | -> [--format yaml|json] [--param Key=Value]... [--report json] [--diff] [--region R] [--account-id A]
 *   warm-step-functions check <file | -> [--param Key=Value]... [--region R] [--account-id A]
 *   warm-step-functions verify --stack NAME [--region R] [--profile P] [--json] [--executions N]
 *
 * Exit codes: 0 success; 1 the macro reports failure (or `check` finds a cold path); 2 usage or
 * I/O errors (or `check` could not see into some definition or invocation).
 */
import { readFileSync } from 'node:fs';
import { createTwoFilesPatch } from 'diff';
import { TransformError } from '../errors';
import { isObject } from '../json';
import { parseParams } from '../params';
import { transform } from '../transform';
import type { Decision, JsonObject, Report } from '../types';
import { readTransform, restoreTransform, withoutTransform, MACRO_NAME } from './transform-entry';
import { parseTemplateText, toYaml, TemplateSyntaxError } from './yaml';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readFile: (path: string) => string;
  readStdin: () => string;
}

export const USAGE = `Usage:
  warm-step-functions transform <file | -> [--format yaml|json] [--param Key=Value]... [--report json] [--diff]
                                [--region R] [--account-id A]
  warm-step-functions check <file | -> [--param Key=Value]... [--region R] [--account-id A]
  warm-step-functions verify --stack NAME [--region R] [--profile P] [--json] [--executions N]

transform  prints the template as CloudFormation would deploy it after the ${MACRO_NAME} macro,
           and a summary of what changed on stderr (--report json: the full report as JSON;
           --diff: a unified diff of input and output instead of the template).
check      exits 1 when a state invokes a function with provisioned concurrency without going
           through it (a cold path), listing each one; 2 when nothing is cold but some definition
           or invocation could not be checked (listed); 0 otherwise.
verify     checks a deployed stack with your AWS credentials.

--region and --account-id say where the template will be deployed (CloudFormation tells the
macro); literal ARNs of another region or account are then never taken for the template's own.

Exit codes: 0 success, 1 the macro fails (or check finds a cold path), 2 usage or I/O error
(or check could not see into some definition or invocation).`;

class UsageError extends Error {}

interface Args {
  command: string;
  file?: string;
  format?: 'yaml' | 'json';
  params: Record<string, string | string[]>;
  report?: 'json';
  diff: boolean;
  region?: string;
  accountId?: string;
  rest: string[];
}

function parseArgs(argv: string[]): Args {
  const [command, ...tail] = argv;
  if (!command) throw new UsageError('no command given');
  if (command === '--help' || command === '-h') throw new UsageError('');
  const args: Args = { command, params: {}, diff: false, rest: [] };
  for (let i = 0; i < tail.length; i++) {
    const a = tail[i];
    const value = (): string => {
      const v = tail[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (command === 'verify') {
      args.rest.push(a);
      continue;
    }
    if (a.startsWith('--') && command === 'check' && !CHECK_OPTIONS.has(a)) throw new UsageError(`${a} is not an option of check (it takes ${[...CHECK_OPTIONS].join(', ')})`);
    if (a === '--format') {
      const f = value();
      if (f !== 'yaml' && f !== 'json') throw new UsageError(`--format must be yaml or json, got ${f}`);
      args.format = f;
    } else if (a === '--param') {
      const kv = value();
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError(`--param takes Key=Value, got ${kv}`);
      args.params[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === '--report') {
      const r = value();
      if (r !== 'json') throw new UsageError(`--report takes json, got ${r}`);
      args.report = 'json';
    } else if (a === '--diff') args.diff = true;
    else if (a === '--region') args.region = value();
    else if (a === '--account-id') args.accountId = value();
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else if (args.file === undefined) args.file = a;
    else throw new UsageError(`unexpected argument ${a} (one template file at a time)`);
  }
  return args;
}

const CHECK_OPTIONS: ReadonlySet<string> = new Set(['--param', '--region', '--account-id']);

export async function run(argv: string[], io: Io): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
    if (args.command === 'verify') {
      const { runVerify } = await import('./verify');
      return await runVerify(argv.slice(1), io);
    }
    if (args.command !== 'transform' && args.command !== 'check') throw new UsageError(`unknown command ${args.command}`);
    if (!args.file) throw new UsageError(`${args.command} needs a template file (or - for stdin)`);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) io.stderr(`error: ${e.message}\n\n`);
      io.stderr(`${USAGE}\n`);
      return e.message ? 2 : 0;
    }
    throw e;
  }

  let text: string;
  let template: unknown;
  try {
    text = args.file === '-' ? io.readStdin() : io.readFile(args.file);
    template = parseTemplateText(text, args.file === '-' ? '<stdin>' : args.file);
  } catch (e) {
    io.stderr(`error: ${e instanceof TemplateSyntaxError ? e.message : `cannot read ${args.file}: ${(e as Error).message}`}\n`);
    return 2;
  }
  if (!isObject(template)) {
    io.stderr(`error: ${args.file} is not a CloudFormation template (not a JSON/YAML object)\n`);
    return 2;
  }
  const format = args.format ?? (text.trimStart().startsWith('{') ? 'json' : 'yaml');
  const entry = readTransform(template);
  try {
    const params = { ...parseParams({ ...entry.parameters, ...args.params }), region: args.region, accountId: args.accountId };
    if (params.resolveExternal) {
      throw new TransformError([{ path: 'Transform/WarmStepFunctions/Parameters/ResolveExternal', message: 'ResolveExternal needs the Lambda API; it works in the deployed macro, not in the CLI' }]);
    }
    if (args.command === 'check') return check(template, entry.listed, params, io);

    if (!entry.listed) {
      io.stderr(`${args.file}: Transform does not list ${MACRO_NAME}; the macro would not run, so nothing changes.\n`);
      io.stdout(args.diff ? '' : serialize(template, format));
      return 0;
    }
    const fragment = withoutTransform(template);
    const result = transform(fragment, params);
    const output = restoreTransform(template, result.fragment as JsonObject, entry.remaining);
    if (args.report === 'json') io.stderr(`${JSON.stringify(result.report, null, 2)}\n`);
    else io.stderr(summary(result.report));
    if (args.diff) {
      const name = args.file === '-' ? 'stdin' : args.file;
      io.stdout(createTwoFilesPatch(`${name} (input)`, `${name} (after ${MACRO_NAME})`, toYaml(template), toYaml(output), '', '', { context: 3 }));
    } else io.stdout(serialize(output, format));
    return 0;
  } catch (e) {
    if (e instanceof TransformError) {
      io.stderr(`${MACRO_NAME} failed: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function check(template: JsonObject, listed: boolean, params: ReturnType<typeof parseParams>, io: Io): number {
  // With the macro listed, check what will be deployed (the macro's output); else the template as written.
  let fragment = withoutTransform(template);
  if (listed && params.mode !== 'report') fragment = transform(fragment, params).fragment as JsonObject;
  const report = transform(fragment, { ...params, mode: 'report' }).report;
  const cold = report.decisions.filter((d) => d.coldPath);
  // What the check could not see into: a definition it cannot read (S3, invalid), an invocation it
  // cannot resolve (FunctionName.$, an Fn::ImportValue...). IAM warnings are not about cold paths, and a
  // warning that is a cold path (a slot left because of a circular dependency) was checked.
  const unchecked = report.decisions.filter((d) => d.action === 'warning' && !d.coldPath && /\/Properties\/(Definition|DefinitionString|DefinitionS3Location|DefinitionUri)$/.test(d.templatePath));
  const where = listed ? `after ${MACRO_NAME}` : 'as written';
  const listUnchecked = (): void => {
    if (unchecked.length === 0) return;
    io.stdout(`${unchecked.length} place${unchecked.length === 1 ? '' : 's'} could not be checked:\n`);
    for (const d of unchecked) io.stdout(`  ${d.stateMachine}${d.statePath ? ` ${d.statePath}` : ''}: ${d.reason}\n`);
  };
  if (cold.length === 0) {
    if (unchecked.length === 0) {
      io.stdout(`No cold paths (${where}): every state that invokes a function with provisioned concurrency goes through it.\n`);
      return 0;
    }
    io.stdout(`No cold paths (${where}) among the invocations the check could read.\n`);
    listUnchecked();
    return 2;
  }
  io.stdout(`${cold.length} cold path${cold.length === 1 ? '' : 's'} (${where}):\n`);
  for (const d of cold) {
    const what = d.to ? `invokes ${d.from} (unqualified: $LATEST), not ${d.to}, which has the provisioned concurrency of ${d.function}` : d.reason;
    io.stdout(`  ${d.stateMachine} ${d.statePath}: ${what}\n`);
  }
  listUnchecked();
  if (!listed) io.stdout(`Add "Transform: ${MACRO_NAME}" to the template (or fix these states) to use the warm capacity.\n`);
  return 1;
}

function summary(report: Report): string {
  const lines: string[] = [];
  const line = (d: Decision): string => {
    const where = d.statePath ? `${d.stateMachine} ${d.statePath}` : d.stateMachine || d.templatePath;
    if (d.action === 'rewritten') return `  ${report.mode === 'report' ? 'would rewrite' : 'rewritten'}  ${where}: ${d.from} → ${d.to}`;
    if (d.action === 'granted' && report.mode === 'report') return `  would grant  ${where}: ${d.reason.replace(/ \(Mode report: nothing changed\)$/, '')}`;
    return `  ${d.action.padEnd(9)}  ${where}: ${d.reason}`;
  };
  for (const d of report.decisions) lines.push(line(d));
  const s = report.summary;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (report.mode === 'report') {
    lines.push(
      `${MACRO_NAME} (Mode report, nothing changed): ${plural(s.rewritten, 'invocation')} would be rewritten in ${plural(s.stateMachines, 'state machine')}; ${plural(s.iamGrantsAdded, 'IAM grant')} would be added; ${s.cold} left cold; ${plural(s.warnings, 'warning')}.`,
    );
  } else {
    lines.push(
      `${MACRO_NAME}: ${plural(s.rewritten, 'invocation')} rewritten in ${s.modifiedStateMachines} of ${plural(s.stateMachines, 'state machine')}; ${plural(s.iamGrantsAdded, 'IAM grant')} added; ${s.cold} left cold; ${plural(s.warnings, 'warning')}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function serialize(value: unknown, format: 'yaml' | 'json'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value);
}

/* istanbul ignore next: process wiring */
if (require.main === module) {
  const io: Io = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readFile: (p) => readFileSync(p, 'utf8'),
    readStdin: () => readFileSync(0, 'utf8'),
  };
  run(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`error: unexpected failure: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
