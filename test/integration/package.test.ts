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
    if (rel === 'node_modules') continue; // a work tree whose node_modules is a symlink (linked below)
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
    for (const needed of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'dist/cli.cjs',
      'dist/macro.zip',
      'template/macro.yml',
      'template/stackset.yml',
      'dist/index.cjs',
      'dist/serverless.cjs',
      'dist/cdk.cjs',
      'dist/types/index.d.ts',
      'dist/types/frontends/serverless.d.ts',
      'dist/types/frontends/cdk.d.ts',
    ]) {
      expect(paths).toContain(needed);
    }
    const allowed = [
      /^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
      /^dist\/(cli\.cjs|macro\.zip|index\.cjs|serverless\.cjs|cdk\.cjs)$/,
      /^dist\/types\/.+\.d\.ts$/, // the types of the three exports
      /^template\/[^/]+\.yml$/, // the deployable templates, not template/examples/
      /^docs\/[^/]+\.md$/,
    ];
    expect(paths.filter((p) => !allowed.some((re) => re.test(p)))).toEqual([]);
    const forbidden = /(^|\/)(test|tests|fixtures|node_modules|\.serverless|examples|macro|scripts|bench|coverage|\.ci)(\/|$)|(?<!\.d)\.ts$/;
    expect(paths.filter((p) => forbidden.test(p))).toEqual([]);
  });

  test('the packed package.json is publishable: not private, the bin, only the AWS SDK clients as dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin).toEqual({ 'warm-step-functions': 'dist/cli.cjs' });
    expect(pkg.peerDependenciesMeta).toEqual({ 'aws-cdk-lib': { optional: true }, constructs: { optional: true } });
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

describe('the library exports, installed from the tarball', () => {
  const node = (args: string[]) => run(process.execPath, args, consumer);

  test("require('warm-step-functions'): the core API, and the Serverless plugin as the default export", async () => {
    copyFileSync(join(ROOT, 'template/examples/serverless-seed/compiled.json'), join(consumer, 'compiled.json'));
    const r = await node([
      '-e',
      `
      const w = require('warm-step-functions');
      const fragment = require('./compiled.json');
      const result = w.transform(fragment, { ...w.parseParams({ Mode: 'rewrite' }), region: 'us-east-1' });
      const sls = { service: { provider: { compiledCloudFormationTemplate: {} } }, getProvider: () => ({ getRegion: () => 'us-east-1' }), classes: { Error } };
      console.log(JSON.stringify({ summary: result.report.summary, def: JSON.stringify(result.fragment.Resources.Hello.Properties.DefinitionString), hooks: Object.keys(new w.default(sls, {}, undefined).hooks) }));
      try { w.parseParams({ Mode: 'loud' }); } catch (e) { console.log(e instanceof w.TransformError); }
    `,
    ]);
    expect(r.stderr).toBe('');
    const [first, second] = r.stdout.trim().split('\n');
    const out = JSON.parse(first);
    expect(out.summary.rewritten).toBe(2);
    expect(out.def).toContain('HelloProvConcLambdaAlias');
    expect(out.hooks).toEqual(['aws:package:finalize:mergeCustomProviderResources']);
    expect(second).toBe('true');
  });

  test("import from 'warm-step-functions' (ES module) and 'warm-step-functions/serverless'", async () => {
    writeFileSync(
      join(consumer, 'esm.mjs'),
      `
      import { transform, parseParams } from 'warm-step-functions';
      import Plugin from 'warm-step-functions/serverless';
      import Main from 'warm-step-functions';
      console.log(typeof transform, typeof parseParams, typeof Plugin.default, typeof Main.default);
    `,
    );
    const r = await node(['esm.mjs']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function function function');
  });

  test("require('warm-step-functions/cdk'): the Aspect rewrites a synthesized stack (the app's own aws-cdk-lib)", async () => {
    const modules = join(consumer, 'node_modules');
    for (const m of ['aws-cdk-lib', 'constructs']) if (!existsSync(join(modules, m))) symlinkSync(join(ROOT, 'node_modules', m), join(modules, m));
    writeFileSync(
      join(consumer, 'app.cjs'),
      `
      const { App, Aspects, Stack } = require('aws-cdk-lib');
      const lambda = require('aws-cdk-lib/aws-lambda');
      const sfn = require('aws-cdk-lib/aws-stepfunctions');
      const tasks = require('aws-cdk-lib/aws-stepfunctions-tasks');
      const { WarmStepFunctions } = require('warm-step-functions/cdk');
      const app = new App({ outdir: require('fs').mkdtempSync(require('os').tmpdir() + '/wsf-app-') });
      const stack = new Stack(app, 'Consumer');
      const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1;') });
      new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion, provisionedConcurrentExecutions: 1 });
      new sfn.StateMachine(stack, 'M', { definitionBody: sfn.DefinitionBody.fromChainable(new tasks.LambdaInvoke(stack, 'Call', { lambdaFunction: fn })) });
      Aspects.of(app).add(new WarmStepFunctions());
      const t = app.synth().getStackByName('Consumer').template;
      const m = Object.values(t.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
      const alias = Object.keys(t.Resources).find((k) => t.Resources[k].Type === 'AWS::Lambda::Alias');
      console.log(JSON.stringify(m.Properties.DefinitionString).includes('{"Ref":"' + alias + '"}'));
    `,
    );
    const r = await node(['app.cjs']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('true');
  });

  test('the types of the three exports compile in a TypeScript consumer (node16 resolution, through the exports map)', async () => {
    writeFileSync(
      join(consumer, 'typed.ts'),
      `
      import { transform, parseParams, type TransformResult, type Decision } from 'warm-step-functions';
      import WarmStepFunctionsPlugin from 'warm-step-functions/serverless';
      import { WarmStepFunctions, type WarmStepFunctionsProps } from 'warm-step-functions/cdk';
      const r: TransformResult = transform({}, parseParams({ Mode: 'report' }));
      const d: Decision[] = r.report.decisions;
      const props: WarmStepFunctionsProps = { aliasName: 'live', mode: 'strict' };
      export const used = [d, new WarmStepFunctions(props), WarmStepFunctionsPlugin];
      // @ts-expect-error: Mode is one of rewrite, report, strict
      export const bad: WarmStepFunctionsProps = { mode: 'loud' };
    `,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['typed.ts'],
      }),
    );
    const r = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], consumer);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
