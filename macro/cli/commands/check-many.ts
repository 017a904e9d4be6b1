/**
 * `warm-step-functions check` over a repository, as cfn-lint runs: many files and globs in one run
 * (`check 'templates/**\/*.y*ml' cdk.out/*.template.json`), nested stacks whose TemplateURL (or a SAM
 * application's Location) is a local file followed, one report (one SARIF run) for all, and the exit
 * code of the worst file.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative } from 'node:path';
import { asObject, isObject } from '../../cfn/json';
import { TransformError } from '../../errors';
import { type JsonObject, MACRO_NAME } from '../../types';
import { VERSION } from '../commands';
import { worstExitCode } from '../exit-codes';
import { formatJson } from '../format/json';
import { formatSarif } from '../format/sarif';
import { formatText } from '../format/text';
import type { Io } from '../io';
import { localRun, readTemplate, runOptions, type TemplateOptions } from '../template-file';
import { readTransform } from '../transform-entry';
import { parseTemplateText } from '../yaml/template';
import { type CheckFormat, type CheckResult, checkFailure, checkTemplate } from './check-findings';

/** `check`'s arguments: the template options and every file and glob given. */
export interface CheckArgs extends TemplateOptions {
  /** Every file and glob given. */
  files: string[];
}

/**
 * `check` over several files and globs: each file checked as alone, the local templates of its nested stacks
 * followed, one report for all (one SARIF run), the exit code of the worst file.
 */
export function checkMany(args: CheckArgs, io: Io): number {
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
    const one = checkFile(file, args, io);
    codes.push(one.code);
    if (!one.result) continue;
    results.push(one.result);
    queue.push(...one.nested);
    if (one.result.failure !== undefined) io.stderr(`${file}: ${MACRO_NAME} failed: ${one.result.failure}\n`);
    else if (format === 'text') io.stdout(`${file}: ${formatText(one.result)}`);
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
export function hasLocalNested(file: string, io: Io): boolean {
  if (file === '-') return false;
  try {
    const template = parseTemplateText(io.readFile(file), file);
    return isObject(template) && localNestedTemplates(template, file).length > 0;
  } catch {
    return false; // the single-file path reports it
  }
}

/** One file of a multi-file check: its result (none when it could not be read), its exit code, its local nested templates. */
function checkFile(file: string, args: CheckArgs, io: Io): { code: number; result?: CheckResult; nested: string[] } {
  const input = readTemplate(file, io, (message) => message);
  if (!input) return { code: 2, nested: [] };
  const { text, template } = input;
  const entry = readTransform(template);
  const nested = localNestedTemplates(template, file);
  try {
    const result = checkTemplate(template, text, file, entry.listed, runOptions(entry, args), localRun(file, io), io.readFile);
    return { code: result.exitCode, result, nested };
  } catch (e) {
    if (!(e instanceof TransformError)) throw e;
    const result = checkFailure(e, text, file, entry.listed);
    return { code: result.exitCode, result, nested };
  }
}

/** Whether an argument is a glob (else a file name, used as given). */
export function isGlob(arg: string): boolean {
  return /[*?[{]/.test(arg);
}

/** The files a glob matches (`*`, `?`, `**`, `[...]`, `{a,b}`), sorted; `.git` and `node_modules` are not entered. */
export function expandGlob(pattern: string): string[] {
  const parts = pattern.split('/');
  const first = parts.findIndex(isGlob);
  const base = parts.slice(0, first).join('/') || (pattern.startsWith('/') ? '/' : '.');
  const re = globRegExp(parts.slice(first).join('/'));
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      if (name === '.git' || name === 'node_modules') continue;
      const path = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      let dirLike = false;
      try {
        dirLike = statSync(path).isDirectory();
      } catch {
        continue;
      }
      if (dirLike) walk(path, r);
      else if (re.test(r)) out.push(first === 0 ? r : `${parts.slice(0, first).join('/')}/${r}`);
    }
  };
  walk(base, '');
  return out;
}

function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of directories (none included); `**` alone anything.
      if (glob[i + 2] === '/') {
        re += '(?:[^/]*/)*';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^')}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${glob
          .slice(i + 1, end)
          .split(',')
          .map(escapeRe)
          .join('|')})`;
        i = end;
      }
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * The local templates a template's nested stacks name: `AWS::CloudFormation::Stack` TemplateURL and
 * `AWS::Serverless::Application` Location given as a relative or absolute path (what `sam build` and
 * `cdk synth` leave on disk), relative to the parent template's folder. URLs (https, s3) and
 * intrinsic functions are not followed.
 */
export function localNestedTemplates(template: JsonObject, file: string): string[] {
  const out: string[] = [];
  for (const res of Object.values(asObject(template.Resources))) {
    if (!isObject(res)) continue;
    const props = asObject(res.Properties);
    const url = res.Type === 'AWS::CloudFormation::Stack' ? props.TemplateURL : res.Type === 'AWS::Serverless::Application' ? props.Location : undefined;
    if (typeof url !== 'string' || /^[a-z][a-z0-9+.-]*:/i.test(url)) continue;
    const path = isAbsolute(url) ? url : join(dirname(file), url);
    out.push(isAbsolute(file) || isAbsolute(url) ? normalize(path) : relative('.', path) || path);
  }
  return out;
}

/** The results of several files as one JSON document. */
export function formatJsonMany(results: readonly CheckResult[], formatOne: (r: CheckResult) => string): string {
  return `${JSON.stringify({ exitCode: worstExitCode(results.map((r) => r.exitCode)), files: results.map((r) => JSON.parse(formatOne(r))) }, null, 2)}\n`;
}
