/**
 * `warm-step-functions check`: the findings of one template (check-findings.ts) as text, JSON or SARIF,
 * and its exit code; several files, globs and local nested templates go to check-many.ts.
 */
import { TransformError } from '../../errors';
import { LimitError } from '../../limits';
import { MACRO_NAME } from '../../types';
import { type Parsed, UsageError } from '../args';
import { VERSION } from '../commands';
import { formatJson } from '../format/json';
import { formatSarif } from '../format/sarif';
import { formatText } from '../format/text';
import type { Io } from '../io';
import { safeLine } from '../safe';
import { localRun, readTemplate, runOptions, templateFiles, templateOptions } from '../template-file';
import { readTransform } from '../transform-entry';
import { CHECK_FORMATS, type CheckFormat, type CheckResult, checkFailure, checkTemplate } from './check-findings';
import { type CheckArgs, checkMany, hasLocalNested, isGlob } from './check-many';

function checkArgs({ values, positionals }: Parsed): CheckArgs {
  const options = templateOptions(values, CHECK_FORMATS, 'of check must be text, json or sarif');
  const files = templateFiles('check', positionals);
  if (files.length > 1 && files.includes('-')) throw new UsageError('check reads stdin (-) alone, not with files');
  return { ...options, files };
}

export function runCheck(parsed: Parsed, io: Io): number {
  const args = checkArgs(parsed);
  const [file] = args.files;
  if (args.files.length > 1 || isGlob(file) || hasLocalNested(file, io)) return checkMany(args, io);
  return checkOne(file, args, io);
}

function checkOne(file: string, args: CheckArgs, io: Io): number {
  const input = readTemplate(file, io, (message) => safeLine(message, 20_000));
  if (!input) return 2;
  const { text, template } = input;
  const name = file === '-' ? '<stdin>' : file;
  const format = (args.format ?? 'text') as CheckFormat;
  const entry = readTransform(template);
  try {
    const params = runOptions(entry, args);
    return printCheck(checkTemplate(template, text, name, entry.listed, params, localRun(file, io), io.readFile), format, io);
  } catch (e) {
    if (e instanceof TransformError && format !== 'text') {
      // A failure before the check ran (its parameters): still the requested format on stdout.
      return printCheck(checkFailure(e, text, name, entry.listed), format, io);
    }
    if (!(e instanceof LimitError || e instanceof TransformError)) throw e;
    io.stderr(`${MACRO_NAME} failed: ${safeLine(e.message, 20_000)}\n`);
    return 1;
  }
}

function printCheck(result: CheckResult, format: CheckFormat, io: Io): number {
  if (result.failure !== undefined) io.stderr(`${MACRO_NAME} failed: ${safeLine(result.failure, 20_000)}\n`);
  if (format === 'json') io.stdout(formatJson(result));
  else if (format === 'sarif') io.stdout(formatSarif(result, VERSION));
  else if (result.failure === undefined) io.stdout(formatText(result));
  return result.exitCode;
}
