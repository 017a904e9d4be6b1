/**
 * Real `serverless package` (v3, offline) of a copy of a Serverless example, with `warm-step-functions`
 * resolvable from the service folder (node_modules/warm-step-functions links to this repository, whose
 * package.json `main` is the built dist/index.cjs) and, when asked, serverless-plugin-split-stacks.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
const SLS_BIN = join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');

export interface Packaged {
  code: number;
  output: string;
  /** cloudformation-template-update-stack.json, when written. */
  template?: Record<string, any>;
  /** Other templates written beside it (split-stacks' nested stacks), by file name. */
  others: Record<string, any>;
}

export interface PackageOptions {
  /** Text appended to serverless.yml (after its last line, the `plugins:` list). */
  append: string;
  /** node_modules folders to link into the service (name → absolute path). */
  modules?: Record<string, string>;
  /** More environment variables for `serverless package`. */
  env?: Record<string, string>;
}

export function packageService(serviceDir: string, opts: PackageOptions): Promise<Packaged> {
  const work = mkdtempSync(join(tmpdir(), `wsf-sls-${basename(serviceDir)}-`));
  const src = join(work, 'service');
  const out = join(work, 'package');
  cpSync(serviceDir, src, { recursive: true, filter: (p) => !/^(compiled\.json|\.serverless|node_modules)(\/|$)/.test(relative(serviceDir, p)) });
  const yml = readFileSync(join(src, 'serverless.yml'), 'utf8');
  writeFileSync(join(src, 'serverless.yml'), `${yml.replace(/\n*$/, '\n')}${opts.append}`);
  mkdirSync(join(src, 'node_modules'));
  symlinkSync(ROOT, join(src, 'node_modules', 'warm-step-functions'));
  for (const [name, path] of Object.entries(opts.modules ?? {})) symlinkSync(path, join(src, 'node_modules', name));
  const env = {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    SLS_INTERACTIVE_SETUP_DISABLE: '1',
    CI: '1',
    ...opts.env,
  };
  return new Promise((done) => {
    execFile(
      process.execPath,
      [SLS_BIN, 'package', '--package', out, '--verbose'],
      { cwd: src, env, timeout: 600_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : -1) : 0;
        const file = join(out, 'cloudformation-template-update-stack.json');
        const others: Record<string, any> = {};
        if (existsSync(out)) {
          for (const f of readdirSync(out))
            if (f.endsWith('.json') && f !== 'cloudformation-template-update-stack.json' && f !== 'serverless-state.json')
              others[f] = JSON.parse(readFileSync(join(out, f), 'utf8'));
        }
        const template = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
        rmSync(work, { recursive: true, force: true });
        done({ code, output: `${stdout}${stderr}`, template, others });
      },
    );
  });
}

/** The normalisation of scripts/generate-serverless-examples.mjs (the compiled.json files): version IDs, CodeSha256, artifact times. */
export function normalise(template: Record<string, any>): Record<string, any> {
  const resources = template.Resources ?? {};
  const renames = new Map<string, string>();
  const used = new Set(Object.keys(resources));
  for (const id of Object.keys(resources).sort()) {
    if (resources[id]?.Type !== 'AWS::Lambda::Version') continue;
    const m = /^(.*LambdaVersion)[A-Za-z0-9]+$/.exec(id);
    if (!m) continue;
    let n = 1;
    let candidate: string;
    do {
      candidate = `${m[1]}NORMALISED${n === 1 ? '' : n}`;
      n += 1;
    } while (used.has(candidate) && candidate !== id);
    used.add(candidate);
    renames.set(id, candidate);
  }
  let result = template;
  if (renames.size > 0) {
    const ids = [...renames.keys()].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const re = new RegExp(`(?<![A-Za-z0-9])(${ids.join('|')})(?![A-Za-z0-9])`, 'g');
    result = mapStrings(result, (s) => s.replace(re, (id) => renames.get(id) ?? id));
  }
  for (const r of Object.values<any>(result.Resources ?? {})) {
    if (r?.Type === 'AWS::Lambda::Version' && r.Properties && 'CodeSha256' in r.Properties) r.Properties.CodeSha256 = 'NORMALISED_CODE_SHA256';
  }
  const artifactTime = /(^|\/)\d{13}-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z(\/)/g;
  return mapStrings(result, (s) => s.replace(artifactTime, '$10000000000000-1970-01-01T00:00:00.000Z$2'));
}

function mapStrings(value: any, fn: (s: string) => string): any {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [fn(k), mapStrings(v, fn)]));
  return value;
}

export function serverlessExamples(): string[] {
  const dir = join(ROOT, 'template', 'examples');
  return readdirSync(dir)
    .filter((n) => n.startsWith('serverless-') && existsSync(join(dir, n, 'serverless.yml')))
    .sort()
    .map((n) => join(dir, n));
}
