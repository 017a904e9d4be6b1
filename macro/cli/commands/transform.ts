/**
 * `warm-step-functions transform`: the template as CloudFormation would deploy it after the macro (YAML or
 * JSON, or a unified diff with `--diff`), and what changed on stderr (a summary, or the whole report with
 * `--report json`).
 */
import { createTwoFilesPatch } from 'diff';
import { TransformError } from '../../errors';
import { checkNesting, LimitError } from '../../limits';
import { type JsonObject, MACRO_NAME } from '../../types';
import { type Parsed, UsageError } from '../args';
import { formatSummary } from '../format/summary';
import type { Io } from '../io';
import { safeLine } from '../safe';
import { localRun, readTemplate, runOptions, type TemplateOptions, templateFiles, templateOptions } from '../template-file';
import { readTransform, restoreTransform, withoutTransform } from '../transform-entry';
import { toYaml } from '../yaml/template';

interface TransformArgs extends TemplateOptions {
  file: string;
  report?: 'json';
  diff: boolean;
}

function transformArgs({ values, positionals }: Parsed): TransformArgs {
  const options = templateOptions(values, ['yaml', 'json'], 'must be yaml or json');
  let report: 'json' | undefined;
  if (values.report !== undefined) {
    if (values.report !== 'json') throw new UsageError(`--report takes json, got ${String(values.report)}`);
    report = 'json';
  }
  const files = templateFiles('transform', positionals);
  if (files.length > 1) throw new UsageError(`unexpected argument ${files[1]} (one template file at a time)`);
  return { ...options, file: files[0], report, diff: values.diff === true };
}

export function runTransform(parsed: Parsed, io: Io): number {
  const args = transformArgs(parsed);
  const input = readTemplate(args.file, io, (message) => safeLine(message, 20_000));
  if (!input) return 2;
  const { text, template } = input;
  const format = (args.format ?? (text.trimStart().startsWith('{') ? 'json' : 'yaml')) as 'yaml' | 'json';
  const entry = readTransform(template);
  try {
    const params = runOptions(entry, args);
    if (!entry.listed) {
      // Printed back as it is: a template nested past the limit would overflow the serializer's stack.
      checkNesting(template, args.file === '-' ? 'the template' : args.file);
      io.stderr(`${args.file}: Transform does not list ${MACRO_NAME}; the macro would not run, so nothing changes.\n`);
      io.stdout(args.diff ? '' : serialize(template, format));
      return 0;
    }
    const result = localRun(args.file, io)(withoutTransform(template), params);
    const output = restoreTransform(template, result.fragment as JsonObject, entry.remaining);
    if (args.report === 'json') io.stderr(`${JSON.stringify(result.report, null, 2)}\n`);
    else io.stderr(formatSummary(result.report));
    if (args.diff) {
      const name = args.file === '-' ? 'stdin' : args.file;
      io.stdout(createTwoFilesPatch(`${name} (input)`, `${name} (after ${MACRO_NAME})`, toYaml(template), toYaml(output), '', '', { context: 3 }));
    } else io.stdout(serialize(output, format));
    return 0;
  } catch (e) {
    if (!(e instanceof LimitError || e instanceof TransformError)) throw e;
    io.stderr(`${MACRO_NAME} failed: ${safeLine(e.message, 20_000)}\n`);
    return 1;
  }
}

function serialize(value: unknown, format: 'yaml' | 'json'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value);
}
