/**
 * The npm package as a user gets it: `npm pack` of a clean copy of the repository (its `prepack` builds the
 * CLI and the macro's zip), then `npm install <tarball>` into an empty folder, then the `warm-step-functions`
 * bin run there through `npx`. The install reaches the npm registry (or the local npm cache) only for the
 * package's declared dependencies (the AWS SDK clients that `verify` loads). Nothing here talks to AWS.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readZipEntries } from '../support/zip';

// Every test here runs child processes (npx, node, python3, bash): slower than unit tests under load.
jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '../..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const NAME: string = PKG.name;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Like a user's shell: no npm_* variables of the `npm test` that runs this file. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : -1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function mustRun(cmd: string, args: string[], cwd: string, timeoutMs?: number): Promise<Run> {
  const r = await run(cmd, args, cwd, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code} in ${cwd}\n${r.stdout}\n${r.stderr}`);
  return r;
}

interface PackResult {
  filename: string;
  files: { path: string; mode: number; size: number }[];
}

let work: string;
let src: string;
let tarball: string;
let packed: PackResult;
let consumer: string;
let installed: string;

// The examples/cloudformation template (a task on Worker, whose alias WorkerLive has provisioned concurrency),
// without and with the macro listed.
const EXAMPLE = readFileSync(join(ROOT, 'template/examples/cloudformation/template.yaml'), 'utf8');
const WITHOUT_TRANSFORM = EXAMPLE.replace(/^Transform: WarmStepFunctions\n/m, '');

// `--` ends npx's own options: without it npx takes options npm knows (`--version`, `--json`...) for itself.
const npx = (args: string[]): Promise<Run> => run('npx', ['--no', '--', NAME, ...args], consumer);

beforeAll(async () => {
  expect(WITHOUT_TRANSFORM).not.toBe(EXAMPLE);
  work = mkdtempSync(join(tmpdir(), 'wsf-npm-'));

  // 1. A clean copy of the repository: the files git knows (tracked, or new and not ignored), none of
  //    node_modules/, dist/, .serverless/. node_modules is linked so that prepack can build.
  src = join(work, 'src');
  const listed = await mustRun('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT);
  for (const rel of listed.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, rel))) continue; // deleted in the work tree
    mkdirSync(dirname(join(src, rel)), { recursive: true });
    copyFileSync(join(ROOT, rel), join(src, rel));
  }
  expect(existsSync(join(src, 'dist'))).toBe(false);
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'));

  // 2. npm pack (runs prepack: build + zip).
  const out = join(work, 'out');
  mkdirSync(out);
  const pack = await mustRun('npm', ['pack', '--json', '--pack-destination', out], src, 300_000);
  const json = pack.stdout.slice(pack.stdout.search(/^\[/m));
  [packed] = JSON.parse(json) as PackResult[];
  tarball = join(out, packed.filename);
  expect(existsSync(tarball)).toBe(true);

  // 3. npm install <tarball> into an empty folder.
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`);
  await mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], consumer, 480_000);
  installed = join(consumer, 'node_modules', NAME);
  writeFileSync(join(consumer, 'template.yaml'), WITHOUT_TRANSFORM);
  writeFileSync(join(consumer, 'with-transform.yaml'), EXAMPLE);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  test(`the tarball is ${NAME}-${PKG.version}.tgz and holds what users need, and nothing else`, () => {
    expect(packed.filename).toBe(`${NAME}-${PKG.version}.tgz`);
    const paths = packed.files.map((f) => f.path).sort();
    for (const needed of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/cli.cjs', 'dist/macro.zip', 'template/macro.yml', 'template/stackset.yml']) {
      expect(paths).toContain(needed);
    }
    const allowed = [
      /^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
      /^dist\/(cli\.cjs|macro\.zip)$/,
      /^template\/[^/]+\.yml$/, // the deployable templates, not template/examples/
      /^docs\/[^/]+\.md$/,
    ];
    expect(paths.filter((p) => !allowed.some((re) => re.test(p)))).toEqual([]);
    const forbidden = /(^|\/)(test|tests|fixtures|node_modules|\.serverless|examples|macro|scripts|bench|coverage|\.ci)(\/|$)|\.ts$/;
    expect(paths.filter((p) => forbidden.test(p))).toEqual([]);
  });

  test('the packed package.json is publishable: not private, the bin, only the AWS SDK clients as dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin).toEqual({ 'warm-step-functions': 'dist/cli.cjs' });
    expect(pkg.license).toBe('Apache-2.0');
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@aws-sdk/client-cloudformation', '@aws-sdk/client-lambda', '@aws-sdk/client-sfn']);
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });

  test('the packed dist/macro.zip holds only dist/macro.js and dist/package.json, and template/macro.yml finds it at ../dist/macro.zip', async () => {
    const macroYml = parseYaml(readFileSync(join(installed, 'template/macro.yml'), 'utf8'));
    const code = macroYml.Resources.MacroFunction.Properties.Code;
    expect(resolve(installed, 'template', code)).toBe(join(installed, 'dist/macro.zip'));
    const entries = await readZipEntries(readFileSync(join(installed, 'dist/macro.zip')));
    expect(entries.map((e) => e.name).sort()).toEqual(['dist/macro.js', 'dist/package.json']);
    // The build prepack made in the clean copy, byte for byte; the bundle exports the Lambda handler.
    for (const e of entries) expect(e.data.equals(readFileSync(join(src, e.name)))).toBe(true);
    expect(entries.find((e) => e.name === 'dist/macro.js')!.data.toString('utf8')).toMatch(/handler/);
  });
});

describe('npx warm-step-functions, installed from the tarball', () => {
  test('--version prints the package version', async () => {
    const r = await npx(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(new RegExp(`(^|\\s|v)${PKG.version.replace(/\./g, '\\.')}$`));
  });

  test('check template.yaml: exit 1 and the cold path, when the template does not list the macro', async () => {
    const r = await npx(['check', 'template.yaml']);
    expect(r.stderr).not.toMatch(/error/i); // (npm itself may print a notice there)
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 cold path (as written):');
    expect(r.stdout).toContain('ReportFlow States.Build');
    expect(r.stdout).toContain('WorkerLive');
  });

  test('check: exit 0 when the template lists the macro', async () => {
    const r = await npx(['check', 'with-transform.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^No cold paths \(after WarmStepFunctions\)/);
  });

  test('transform: the template after the macro, with the task on the warm alias', async () => {
    const r = await npx(['transform', 'with-transform.yaml', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('1 invocation rewritten');
    const out = JSON.parse(r.stdout);
    expect(out.Transform).toBeUndefined();
    const definition = out.Resources.ReportFlow.Properties.DefinitionString['Fn::Sub'];
    expect(definition).toContain('"Resource": "${WorkerLive}"');
  });

  test('verify loads its AWS SDK clients (declared dependencies), then reports the missing --stack', async () => {
    const r = await npx(['verify']);
    expect(r.stderr).not.toContain('Cannot find module');
    expect(r.stderr).toContain('verify needs --stack');
    expect(r.code).toBe(2);
  });
});
