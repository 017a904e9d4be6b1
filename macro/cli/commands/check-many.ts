/**
 * `warm-step-functions check` over a repository, as cfn-lint runs: many files and globs in one run
 * (`check 'templates/**\/*.y*ml' cdk.out/*.template.json`), nested stacks whose TemplateURL (or a SAM
 * application's Location) is a local file followed, one report (one SARIF run) for all, and the exit
 * code of the worst file.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative } from 'node:path';
import { asObject, isObject } from '../../cfn/json';
import type { JsonObject } from '../../types';
import type { CheckResult } from './check-findings';
import { worstExitCode } from '../exit-codes';

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
