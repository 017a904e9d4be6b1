/**
 * The CLI edge: the same core as the Lambda, on a template file.
 *
 *   warm-step-functions transform <file | -> [--format yaml|json] [--param Key=Value]... [--report json] [--diff] [--region R] [--account-id A]
 *   warm-step-functions check <file | -> [--format text|json|sarif] [--param Key=Value]... [--region R] [--account-id A]
 *   warm-step-functions verify --stack NAME [--region R] [--profile P] [--json] [--executions N] [--timeout S]
 *   warm-step-functions [COMMAND] --help | --version
 *
 * Arguments are read with Node's `util.parseArgs` (macro/cli/args.ts). Exit codes: 0 success (and
 * --help, --version); 1 the macro reports failure (or `check` finds a cold path); 2 usage or I/O
 * errors (or `check` could not see into some definition or invocation).
 */
import { readFileSync } from 'node:fs';
import { createTwoFilesPatch } from 'diff';
import { TransformError } from '../errors';
import { isObject } from '../cfn/json';
import { parseParams } from '../params';
import type { JsonObject, TransformOptions, TransformResult } from '../types';
import { transformWithLocalDefinitions } from './definitions';
import type { Io } from './io';
import { parseCommand, UsageError } from './args';
import { COMMANDS, otherOptions, USAGE, VERSION, type Command } from './commands';
import { CHECK_FORMATS, checkFailure, checkTemplate, type CheckFormat, type CheckResult, type CoreRun } from './commands/check-findings';
import { formatJson } from './format/json';
import { formatSarif } from './format/sarif';
import { formatSummary } from './format/summary';
import { formatText } from './format/text';
import { readTransform, restoreTransform, withoutTransform } from './transform-entry';
import { expandGlob, formatJsonMany, isGlob, localNestedTemplates } from './commands/check-many';
import { worstExitCode } from './exit-codes';
import { parseTemplateText, toYaml, TemplateSyntaxError } from './yaml/template';
import { MACRO_NAME } from '../types';
import { safeLine } from './safe';
import { checkNesting, LimitError } from '../limits';

export { USAGE, VERSION };

export type { Io };

interface Args {
  command: 'transform' | 'check';
  file: string;
  /** check: every file and glob given (file is the first). */
  files: string[];
  format?: string;
  params: Record<string, string | string[]>;
  report?: 'json';
  diff: boolean;
  region?: string;
  accountId?: string;
}

function templateArgs(command: 'transform' | 'check', argv: string[]): Args | 'help' | 'version' {
  const { values, positionals } = parseCommand(command, argv, COMMANDS[command].options, otherOptions(command));
  if (values.help) return 'help';
  if (values.version) return 'version';
  const args: Args = {
    command,
    file: '',
    files: [],
    params: {},
    diff: values.diff === true,
    region: values.region as string | undefined,
    accountId: values['account-id'] as string | undefined,
  };
  const format = values.format as string | undefined;
  if (format !== undefined) {
    const allowed: readonly string[] = command === 'check' ? CHECK_FORMATS : ['yaml', 'json'];
    if (!allowed.includes(format))
      throw new UsageError(`--format ${command === 'check' ? 'of check must be text, json or sarif' : 'must be yaml or json'}, got ${format}`);
    args.format = format;
  }
  for (const kv of (values.param as string[] | undefined) ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes Key=Value, got ${kv}`);
    args.params[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if (values.report !== undefined) {
    if (values.report !== 'json') throw new UsageError(`--report takes json, got ${String(values.report)}`);
    args.report = 'json';
  }
  if (positionals.length === 0) throw new UsageError(`${command} needs a template file (or - for stdin)`);
  if (positionals.length > 1 && command !== 'check') throw new UsageError(`unexpected argument ${positionals[1]} (one template file at a time)`);
  if (positionals.length > 1 && positionals.includes('-')) throw new UsageError('check reads stdin (-) alone, not with files');
  args.file = positionals[0];
  args.files = positionals;
  return args;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  let usage = USAGE;
  let args: Args;
  try {
    if (command === undefined) throw new UsageError('no command given');
    if (command === '--help' || command === '-h' || command === 'help') {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (command === '--version') {
      io.stdout(`${VERSION}\n`);
      return 0;
    }
    if (!Object.prototype.hasOwnProperty.call(COMMANDS, command)) throw new UsageError(`unknown command ${command}`);
    usage = COMMANDS[command as Command].usage;
    if (command === 'verify') {
      const { runVerify } = await import('./commands/verify');
      return await runVerify(rest, io);
    }
    const parsed = templateArgs(command as 'transform' | 'check', rest);
    if (parsed === 'help') {
      io.stdout(`${usage}\n`);
      return 0;
    }
    if (parsed === 'version') {
      io.stdout(`${VERSION}\n`);
      return 0;
    }
    args = parsed;
    if (args.command === 'check' && (args.files.length > 1 || isGlob(args.file) || hasLocalNested(args.file, io))) return checkMany(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n\n${usage}\n`);
      return 2;
    }
    throw e;
  }

  return runOne(args, io);
}

/**
 * `check` over several files and globs: each file checked as alone, the local templates of its nested stacks
 * followed, one report for all (one SARIF run), the exit code of the worst file.
 */
function checkMany(args: Args, io: Io): number {
  const queue: string[] = [];
  for (const arg of args.files) {
    if (!isGlob(arg)) queue.push(arg);
    else {
      const found = expandGlob(arg);
      if (found.length === 0) io.stderr(`${arg}: no file matches\n`);
      queue.push(...found);
    }
  }
  const format = (args.format ?? 'text') as CheckFormat;
  const results: CheckResult[] = [];
  const codes: number[] = [];
  const seen = new Set<string>();
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const one = checkFile({ ...args, file }, io);
    codes.push(one.code);
    if (!one.result) continue;
    results.push(one.result);
    queue.push(...one.nested);
    if (format === 'text') {
      if (one.result.failure !== undefined) io.stderr(`${file}: ${MACRO_NAME} failed: ${one.result.failure}\n`);
      else io.stdout(`${file}: ${formatText(one.result)}`);
    } else if (one.result.failure !== undefined) io.stderr(`${file}: ${MACRO_NAME} failed: ${one.result.failure}\n`);
  }
  if (seen.size === 0) {
    io.stderr('error: no template to check\n');
    return 2;
  }
  const worst = worstExitCode(codes);
  if (format === 'json') io.stdout(formatJsonMany(results, formatJson));
  else if (format === 'sarif') io.stdout(formatSarif(results, VERSION, worst));
  return worst;
}

/** Whether a template names local nested templates (then `check` follows them, as over several files). */
function hasLocalNested(file: string, io: Io): boolean {
  if (file === '-') return false;
  try {
    const template = parseTemplateText(io.readFile(file), file);
    return isObject(template) && localNestedTemplates(template, file).length > 0;
  } catch {
    return false; // the single-file path reports it
  }
}

/** One file of a multi-file check: its result (none when it could not be read), its exit code, its local nested templates. */
function checkFile(args: Args, io: Io): { code: number; result?: CheckResult; nested: string[] } {
  let text: string;
  let template: unknown;
  try {
    text = io.readFile(args.file);
    template = parseTemplateText(text, args.file);
  } catch (e) {
    io.stderr(`error: ${e instanceof TemplateSyntaxError ? e.message : `cannot read ${args.file}: ${(e as Error).message}`}\n`);
    return { code: 2, nested: [] };
  }
  if (!isObject(template)) {
    io.stderr(`error: ${args.file} is not a CloudFormation template (not a JSON/YAML object)\n`);
    return { code: 2, nested: [] };
  }
  const entry = readTransform(template);
  const nested = localNestedTemplates(template, args.file);
  try {
    const params = { ...parseParams({ ...entry.parameters, ...args.params }), region: args.region, accountId: args.accountId };
    if (params.resolveExternal) {
      throw new TransformError([
        {
          path: 'Transform/WarmStepFunctions/Parameters/ResolveExternal',
          message: 'ResolveExternal needs the Lambda API; it works in the deployed macro, not in the CLI',
        },
      ]);
    }
    const run = (fragment: unknown, options: TransformOptions): TransformResult => transformWithLocalDefinitions(fragment, args.file, options, io.readFile);
    const result = checkTemplate(template, text, args.file, entry.listed, params, run, io.readFile);
    return { code: result.exitCode, result, nested };
  } catch (e) {
    if (!(e instanceof TransformError)) throw e;
    const result = checkFailure(e, text, args.file, entry.listed);
    return { code: result.exitCode, result, nested };
  }
}

function runOne(args: Args, io: Io): number {
  let text: string;
  let template: unknown;
  try {
    text = args.file === '-' ? io.readStdin() : io.readFile(args.file);
    template = parseTemplateText(text, args.file === '-' ? '<stdin>' : args.file);
  } catch (e) {
    io.stderr(`error: ${safeLine(e instanceof TemplateSyntaxError ? e.message : `cannot read ${args.file}: ${(e as Error).message}`, 20_000)}\n`);
    return 2;
  }
  if (!isObject(template)) {
    io.stderr(`error: ${args.file} is not a CloudFormation template (not a JSON/YAML object)\n`);
    return 2;
  }
  const format = ((args.command === 'transform' ? args.format : undefined) ?? (text.trimStart().startsWith('{') ? 'json' : 'yaml')) as 'yaml' | 'json';
  const entry = readTransform(template);
  try {
    const params = { ...parseParams({ ...entry.parameters, ...args.params }), region: args.region, accountId: args.accountId };
    // Definitions in local files (DefinitionUri paths, CDK assets in cdk.out), read as the deployed macro reads S3.
    const run = (fragment: unknown, options: TransformOptions): TransformResult => transformWithLocalDefinitions(fragment, args.file, options, io.readFile);
    if (params.resolveExternal) {
      throw new TransformError([
        {
          path: 'Transform/WarmStepFunctions/Parameters/ResolveExternal',
          message: 'ResolveExternal needs the Lambda API; it works in the deployed macro, not in the CLI',
        },
      ]);
    }
    if (args.command === 'check') return check(template, text, args.file, entry.listed, params, (args.format ?? 'text') as CheckFormat, io, run);

    if (!entry.listed) {
      // Printed back as it is: a template nested past the limit would overflow the serializer's stack.
      checkNesting(template, args.file === '-' ? 'the template' : args.file);
      io.stderr(`${args.file}: Transform does not list ${MACRO_NAME}; the macro would not run, so nothing changes.\n`);
      io.stdout(args.diff ? '' : serialize(template, format));
      return 0;
    }
    const fragment = withoutTransform(template);
    const result = run(fragment, params);
    const output = restoreTransform(template, result.fragment as JsonObject, entry.remaining);
    if (args.report === 'json') io.stderr(`${JSON.stringify(result.report, null, 2)}\n`);
    else io.stderr(formatSummary(result.report));
    if (args.diff) {
      const name = args.file === '-' ? 'stdin' : args.file;
      io.stdout(createTwoFilesPatch(`${name} (input)`, `${name} (after ${MACRO_NAME})`, toYaml(template), toYaml(output), '', '', { context: 3 }));
    } else io.stdout(serialize(output, format));
    return 0;
  } catch (e) {
    if (e instanceof LimitError) {
      io.stderr(`${MACRO_NAME} failed: ${safeLine(e.message, 20_000)}\n`);
      return 1;
    }
    if (e instanceof TransformError) {
      if (args.command === 'check' && args.format !== undefined && args.format !== 'text') {
        // A failure before the check ran (its parameters): still the requested format on stdout.
        return printCheck(checkFailure(e, text, args.file === '-' ? '<stdin>' : args.file, entry.listed), args.format as CheckFormat, io);
      }
      io.stderr(`${MACRO_NAME} failed: ${safeLine(e.message, 20_000)}\n`);
      return 1;
    }
    throw e;
  }
}

function check(template: JsonObject, text: string, file: string, listed: boolean, params: TransformOptions, format: CheckFormat, io: Io, run: CoreRun): number {
  return printCheck(checkTemplate(template, text, file === '-' ? '<stdin>' : file, listed, params, run, io.readFile), format, io);
}

function printCheck(result: CheckResult, format: CheckFormat, io: Io): number {
  if (result.failure !== undefined) io.stderr(`${MACRO_NAME} failed: ${safeLine(result.failure, 20_000)}\n`);
  if (format === 'json') io.stdout(formatJson(result));
  else if (format === 'sarif') io.stdout(formatSarif(result, VERSION));
  else if (result.failure === undefined) io.stdout(formatText(result));
  return result.exitCode;
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
