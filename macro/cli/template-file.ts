/**
 * What `transform` and `check` share: their options (the Transform parameters, where the template will be
 * deployed), reading and parsing the template file, and the core's run with the definitions kept in local files.
 */
import { isObject } from '../cfn/json';
import { TransformError } from '../errors';
import { parseParams } from '../core/params';
import type { JsonObject, TransformOptions, TransformResult } from '../types';
import { type Parsed, UsageError } from './args';
import { transformWithLocalDefinitions } from './definitions';
import type { Io } from './io';
import type { TransformEntry } from './transform-entry';
import { parseTemplateText, TemplateSyntaxError } from './yaml/template';

export interface TemplateOptions {
  format?: string;
  /** `--param Key=Value`, over the template's own Transform parameters. */
  params: Record<string, string>;
  region?: string;
  accountId?: string;
}

/** The options of both commands, in the order their errors are told: --format (one of `formats`), then --param. */
export function templateOptions(values: Parsed['values'], formats: readonly string[], formatRule: string): TemplateOptions {
  const options: TemplateOptions = {
    params: {},
    region: values.region as string | undefined,
    accountId: values['account-id'] as string | undefined,
  };
  const format = values.format as string | undefined;
  if (format !== undefined) {
    if (!formats.includes(format)) throw new UsageError(`--format ${formatRule}, got ${format}`);
    options.format = format;
  }
  for (const kv of (values.param as string[] | undefined) ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes Key=Value, got ${kv}`);
    options.params[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return options;
}

/** The template files given (`-` for stdin): at least one. */
export function templateFiles(command: string, positionals: string[]): string[] {
  if (positionals.length === 0) throw new UsageError(`${command} needs a template file (or - for stdin)`);
  return positionals;
}

export interface TemplateInput {
  text: string;
  template: JsonObject;
}

/**
 * The template of `file` (`-`: stdin), parsed; undefined when it cannot be read, does not parse or is no
 * object, after the error on stderr (`clean` makes its message safe to print).
 */
export function readTemplate(file: string, io: Io, clean: (message: string) => string): TemplateInput | undefined {
  let text: string;
  let template: unknown;
  try {
    text = file === '-' ? io.readStdin() : io.readFile(file);
    template = parseTemplateText(text, file === '-' ? '<stdin>' : file);
  } catch (e) {
    io.stderr(`error: ${clean(e instanceof TemplateSyntaxError ? e.message : `cannot read ${file}: ${(e as Error).message}`)}\n`);
    return undefined;
  }
  if (!isObject(template)) {
    io.stderr(`error: ${file} is not a CloudFormation template (not a JSON/YAML object)\n`);
    return undefined;
  }
  return { text, template };
}

/** The core's options: the template's Transform parameters under the command line's; throws the macro's TransformError. */
export function runOptions(entry: TransformEntry, options: TemplateOptions): TransformOptions {
  const params = { ...parseParams({ ...entry.parameters, ...options.params }), region: options.region, accountId: options.accountId };
  if (params.resolveExternal) {
    throw new TransformError([
      {
        path: 'Transform/WarmStepFunctions/Parameters/ResolveExternal',
        message: 'ResolveExternal needs the Lambda API; it works in the deployed macro, not in the CLI',
      },
    ]);
  }
  return params;
}

/** The core's run on `file`'s template: definitions in local files (DefinitionUri paths, CDK assets in cdk.out), read as the deployed macro reads S3. */
export function localRun(file: string, io: Io): (fragment: unknown, options: TransformOptions) => TransformResult {
  return (fragment, options) => transformWithLocalDefinitions(fragment, file, options, io.readFile);
}
