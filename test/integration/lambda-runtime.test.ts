/**
 * The deployed artifact, run exactly as AWS Lambda runs it: the deployment zip unpacked into a task
 * folder, loaded by AWS's own Node.js runtime interface clients (aws-lambda-ric 3.3.0, the nodejs22.x
 * generation, on Node.js 22; 4.0.2, the nodejs24.x generation, on Node.js 24), which talk to a loopback
 * Lambda Runtime API. Each client runs on its runtime's Node.js, whichever Node.js runs the tests.
 *
 * The clients build a native addon, for the Node.js they run on, and live in a cache outside the
 * checkout; the Node.js binaries come from the npm registry into a cache too (scripts/runtime-clients.mjs,
 * scripts/node-binaries.mjs; `npm test` installs both when the build tools are there). Where a client is
 * missing, its tests say so and skip; under CI=true they fail.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readTransform, withoutTransform } from '../../macro/cli/transform-entry';
import { parseTemplateText } from '../../macro/cli/yaml/template';
import { storedRefs } from '../../macro/core/definition/stored';
import { ACCOUNT, listFixtures, loadInput, REGION, runFixture } from '../support/fixtures';
import { clientPaths, launch, nodeBinary, RUNTIME_CLIENTS, RuntimeApi, type Launched, type RuntimeClient } from '../support/lambda-runtime';

jest.setTimeout(180_000);

type Obj = Record<string, any>;
const ROOT = join(__dirname, '..', '..');
const SECRET = 'NoEcho-Secret-Value-93c1e7';
const CI = process.env.CI === 'true';

/** The Handler the deployment templates give the function (serverless.yml and template/macro.yml agree). */
function deployedHandler(): string {
  const macroYml = readFileSync(join(ROOT, 'template', 'macro.yml'), 'utf8');
  const m = /Handler:\s*(\S+)/.exec(macroYml);
  if (!m) throw new Error('template/macro.yml names no Handler');
  const sls = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { customTags: [{ tag: '!GetAtt', resolve: (v: string) => v }] }) as Obj;
  expect(sls.functions.macro.handler).toBe(m[1]);
  return m[1];
}

let work: string;
let taskRoot: string;
let handlerName: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'wsf-lambda-'));
  // The deployment zip (template/macro.yml's CodeUri), built from the bundle `npm test` just built.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--no-build', '--no-serverless'], { cwd: ROOT, stdio: 'ignore' });
  taskRoot = join(work, 'task');
  mkdirSync(taskRoot);
  const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', join(ROOT, 'dist', 'macro.zip'), taskRoot], { encoding: 'utf8' });
  if (unzip.status !== 0) throw new Error(`could not unpack dist/macro.zip: ${unzip.stderr}`);
  handlerName = deployedHandler();
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the task folder holds what the zip deploys: the bundle and its package.json, no node_modules', () => {
  const files: string[] = [];
  const walk = (d: string, rel = ''): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name), `${rel}${e.name}/`) : files.push(`${rel}${e.name}`);
  };
  walk(taskRoot);
  expect(files.sort()).toEqual(['dist/macro.js', 'dist/package.json']);
  expect(handlerName).toBe('dist/macro.handler');
});

function event(fragment: unknown, extra: Obj = {}): Obj {
  return {
    region: REGION,
    accountId: ACCOUNT,
    fragment,
    transformId: `${ACCOUNT}::WarmStepFunctions`,
    params: {},
    requestId: `cfn-${Math.random().toString(16).slice(2)}`,
    templateParameterValues: { DbPassword: SECRET },
    ...extra,
  };
}

function seedFragment(): Obj {
  const t = JSON.parse(readFileSync(join(ROOT, 'template/examples/serverless-seed/compiled.json'), 'utf8'));
  t.Parameters = { DbPassword: { Type: 'String', NoEcho: true } };
  t.Resources.HelloLambdaFunction.Properties.Environment = { Variables: { PASSWORD: { Ref: 'DbPassword' } } };
  return withoutTransform(t);
}

/** A template in which the macro finds a warning (an AliasName no alias has). */
function warningEvent(): Obj {
  return event(seedFragment(), { params: { AliasName: 'no-such-alias' } });
}

/** A task folder whose dist/macro.js is `source` (CommonJS: no package.json beside it). */
function taskWith(name: string, source: string): string {
  const root = join(work, name);
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, 'dist', 'macro.js'), source);
  return root;
}

interface Session {
  api: RuntimeApi;
  fn: Launched;
}

async function start(
  client: RuntimeClient,
  options: { logFormat?: 'Text' | 'JSON'; logLevel?: 'INFO' | 'WARN'; root?: string; handler?: string } = {},
): Promise<Session> {
  const api = new RuntimeApi();
  await api.start();
  const fn = launch(client, clientPaths(client).entry, api, {
    taskRoot: options.root ?? taskRoot,
    handler: options.handler ?? handlerName,
    logFormat: options.logFormat,
    logLevel: options.logLevel,
  });
  return { api, fn };
}

async function stop(s: Session): Promise<void> {
  await s.fn.stop();
  await s.api.close();
}

function printed(s: Session): string {
  return `${s.fn.stdout()}\n${s.fn.stderr()}`;
}

/**
 * Waits (up to 5 s) for the failure line of the last invocation: the runtime client may write a
 * log line just after it posts the reply, so a test that reads the output at once can miss it.
 */
async function failureLogged(s: Session): Promise<void> {
  for (const end = Date.now() + 5000; !printed(s).includes('"message":"failure"') && Date.now() < end; ) await new Promise((r) => setTimeout(r, 25));
}

/** Declares a client's tests, or, when the client is not installed, says why and skips (fails under CI=true). */
function requireInstalled(client: RuntimeClient): boolean {
  if (clientPaths(client).installed) return true;
  const node = nodeBinary(client.node);
  const why = `aws-lambda-ric@${client.version} on Node.js ${node.version} is not installed: run \`node scripts/runtime-clients.mjs\` (fetches Node.js ${client.node} from the npm registry; needs autoconf, automake, libtool, cmake, g++)`;
  if (CI) {
    test('is installed (required under CI=true)', () => {
      throw new Error(why);
    });
    return false;
  }
  // eslint-disable-next-line no-console
  console.warn(`skipped: ${why}`);
  test.skip(why, () => undefined);
  return false;
}

describe.each(RUNTIME_CLIENTS.map((c) => [`aws-lambda-ric@${c.version} (${c.runtime})`, c] as const))(
  "%s runs on its runtime's Node.js, with an addon built for it",
  (_name, client) => {
    if (!requireInstalled(client)) return;
    const node = nodeBinary(client.node);
    const paths = clientPaths(client);
    // What the runtime reports about itself, from inside a handler the client loaded.
    const PROBE = `exports.handler = async () => ({ version: process.version, execPath: process.execPath, modules: process.versions.modules, napi: process.versions.napi, pathHead: process.env.PATH.split(':')[0] });\n`;

    test(`the client runs on the pinned Node.js ${client.node} (scripts/node-versions.json), not on the Node.js that runs the tests`, async () => {
      const s = await start(client, { root: taskWith(`probe-${client.version}`, PROBE) });
      try {
        const r = await s.api.invoke({ requestId: 'probe' });
        expect(r.kind).toBe('response');
        expect(r.body).toEqual({
          version: `v${node.version}`,
          execPath: node.bin,
          modules: expect.stringMatching(/^\d+$/),
          napi: expect.stringMatching(/^\d+$/),
          pathHead: node.binDir,
        });
        expect(Number(r.body.version.slice(1).split('.')[0])).toBe(client.node);
        // The addon was loaded by a Node.js of this very ABI after its build.
        expect(paths.builtWith).toMatchObject({ client: client.version, loadedBy: `v${node.version}`, modules: r.body.modules });
      } finally {
        await stop(s);
      }
    });

    test(`its native addon was compiled by node-gyp running on Node.js ${node.version}, against that Node's own headers`, () => {
      const log = readFileSync(join(paths.root, 'build.log'), 'utf8');
      const gypNodes = [...log.matchAll(/gyp info using node@(\S+)/g)].map((m) => m[1]);
      expect(gypNodes.length).toBeGreaterThan(0);
      expect(new Set(gypNodes)).toEqual(new Set([node.version]));
      // node-gyp configured the build with the headers of the npm package's Node.js (nodedir), never downloaded ones.
      expect(log).toContain(`-Dnode_root_dir=${dirname(node.binDir)}`);
      expect(paths.builtWith).toMatchObject({ nodeGyp: node.version, nodedir: dirname(node.binDir) });
    });

    test('the addon loads in that Node.js (a fresh process, outside the client)', () => {
      // Loading it reads the Runtime API's address (it aborts without one); it connects only on a request.
      const r = spawnSync(
        node.bin,
        [
          '-e',
          'const a = require(process.argv[1]); process.stdout.write(JSON.stringify({ version: process.version, exports: Object.keys(a).length }))',
          paths.addon,
        ],
        {
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9' },
        },
      );
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ version: `v${node.version}`, exports: expect.any(Number) });
      expect(JSON.parse(r.stdout).exports).toBeGreaterThan(0);
    });

    test('the test harness and scripts/runtime-clients.mjs agree on where the client and its Node.js are', () => {
      const script = `import(${JSON.stringify(join(ROOT, 'scripts', 'runtime-clients.mjs'))}).then(async (m) => { const n = await import(${JSON.stringify(join(ROOT, 'scripts', 'node-binaries.mjs'))}); const c = m.RUNTIME_CLIENTS.find((x) => x.version === ${JSON.stringify(client.version)}); const p = m.clientPaths(c); process.stdout.write(JSON.stringify({ entry: p.entry, addon: p.addon, installed: p.installed, node: n.nodePaths(n.nodeVersion(c.node)).bin })); })`;
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ entry: paths.entry, addon: paths.addon, installed: true, node: node.bin });
    });
  },
);

describe.each(RUNTIME_CLIENTS.map((c) => [`aws-lambda-ric@${c.version} (${c.runtime})`, c] as const))('%s', (_name, client) => {
  if (!requireInstalled(client)) return;

  let s: Session;
  beforeAll(async () => {
    s = await start(client);
  });
  afterAll(async () => stop(s));

  test('a template that needs a rewrite: success, fragment rewritten; the process stays up for the next invocation', async () => {
    const r = await s.api.invoke(event(seedFragment()));
    expect(r.kind).toBe('response');
    expect(r.body.status).toBe('success');
    expect(r.body.fragment.Resources.Hello.Properties.DefinitionString['Fn::Sub'][1]).toEqual({
      d9c520373cb4d5c2b85bd6ec0e3422d7: { Ref: 'HelloProvConcLambdaAlias' },
      e794cfa2d86a8670d3dcf7fa128eb2e5: { Ref: 'HiProvConcLambdaAlias' },
    });
    expect(s.fn.child.exitCode).toBeNull();
  });

  test("a fragment that is not a template: the macro's own failure reply, not a function error", async () => {
    for (const fragment of ['not a template', { Resources: 5 }, null]) {
      const e = event(fragment);
      const r = await s.api.invoke(e);
      expect(r.kind).toBe('response');
      expect(r.body).toMatchObject({ requestId: e.requestId, status: 'failure' });
      expect(r.body.errorMessage).toMatch(/\S/);
    }
  });

  test("an event that is not a macro event at all: the macro's own failure reply", async () => {
    const r = await s.api.invoke({ hello: 'world' });
    expect(r.kind).toBe('response');
    expect(r.body).toMatchObject({ status: 'failure', errorMessage: expect.stringContaining('lacks requestId, fragment') });
  });

  test('two invocations in one warm process give identical replies', async () => {
    const e = event(seedFragment(), { requestId: 'warm-twice' });
    const before = s.api.nextAt.length;
    const first = await s.api.invoke(e);
    const second = await s.api.invoke(e);
    expect(first.requestId).not.toBe(second.requestId);
    expect(second.body).toEqual(first.body);
    expect(first.body.status).toBe('success');
    expect(s.api.nextAt.length).toBe(before + 2);
    expect(s.fn.child.exitCode).toBeNull();
  });

  test('NoEcho values appear nowhere the function prints, on success, warning or failure', async () => {
    const own = await start(client);
    try {
      await own.api.invoke(event(seedFragment()));
      await own.api.invoke(warningEvent());
      await own.api.invoke(event({ Resources: 5 }));
      await failureLogged(own);
    } finally {
      await stop(own); // all output read
    }
    const out = printed(own);
    expect(out).toContain('rewritten');
    expect(out).toContain('failure');
    expect(out).not.toContain(SECRET);
  });

  test('CLI and Lambda parity: every example, through the CLI and through the function, gives the same fragment', async () => {
    const dirs = readdirSync(join(ROOT, 'template', 'examples')).sort();
    let compared = 0;
    for (const dir of dirs) {
      const file = ['compiled.json', 'template.yaml'].map((f) => join(ROOT, 'template', 'examples', dir, f)).find((f) => existsSync(f));
      if (!file) continue;
      const template = parseTemplateText(readFileSync(file, 'utf8'), file) as Obj;
      // A definition in a local file reaches the deployed macro from S3: s3-definitions.test.ts.
      if (storedRefs(template, {}).length > 0) continue;
      const entry = readTransform(template);
      const cli = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.cjs'), 'transform', file, '--format', 'json'], { encoding: 'utf8' });
      expect(cli.status).toBe(0);
      const r = await s.api.invoke(event(withoutTransform(template), { params: entry.parameters }));
      expect({ example: dir, status: r.body.status }).toEqual({ example: dir, status: 'success' });
      expect(withoutTransform(r.body.fragment)).toEqual(withoutTransform(JSON.parse(cli.stdout)));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(7);
  });

  test('core and Lambda parity: every fixture gives what transform gives (fragment, or the same failure message)', async () => {
    // Definitions in files and S3 need the S3 reader, off in this deployment: s3-definitions.test.ts runs those.
    const cases = listFixtures().filter((c) => storedRefs(loadInput(c), {}).length === 0);
    expect(cases.length).toBeGreaterThan(100);
    const mismatches: string[] = [];
    for (const c of cases) {
      const template = loadInput(c);
      const expected = runFixture(template);
      const r = await s.api.invoke(event(withoutTransform(template), { params: readTransform(template).parameters }));
      if (r.kind !== 'response') mismatches.push(`${c.name}: function error ${JSON.stringify(r.body)}`);
      else if (expected.ok) {
        if (r.body.status !== 'success') mismatches.push(`${c.name}: ${r.body.errorMessage}`);
        else if (JSON.stringify(r.body.fragment) !== JSON.stringify(expected.fragment)) mismatches.push(`${c.name}: fragments differ`);
      } else if (r.body.status !== 'failure' || r.body.errorMessage !== expected.errorMessage) {
        mismatches.push(`${c.name}: expected failure "${expected.errorMessage}", got ${r.body.status} "${r.body.errorMessage ?? ''}"`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe.each(RUNTIME_CLIENTS.map((c) => [`aws-lambda-ric@${c.version} (${c.runtime})`, c] as const))(
  "%s: logs under Lambda's log controls",
  (_name, client) => {
    if (!requireInstalled(client)) return;
    /** The JSON records the runtime wrote (JSON log format: one object per line). */
    function jsonRecords(s: Session): Obj[] {
      return printed(s)
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
    }

    test('JSON log format, level INFO: each decision is one JSON object at its level, queryable as message.<field>', async () => {
      const s = await start(client, { logFormat: 'JSON', logLevel: 'INFO' });
      try {
        const ok = await s.api.invoke(event(seedFragment()));
        const warned = await s.api.invoke(warningEvent());
        const failed = await s.api.invoke(event({ Resources: 5 }));
        await failureLogged(s);
        expect([ok.body.status, warned.body.status, failed.body.status]).toEqual(['success', 'success', 'failure']);
        await s.fn.stop(); // all output read
        const records = jsonRecords(s);
        const rewritten = records.filter((r) => r.message?.message === 'rewritten' && r.requestId === ok.requestId);
        expect(rewritten).toHaveLength(2);
        for (const r of rewritten) {
          expect(r).toMatchObject({ level: 'INFO', requestId: ok.requestId, message: { stateMachine: 'Hello', to: expect.any(String) } });
          expect(r.message.level).toBeUndefined();
        }
        expect(records.filter((r) => r.message?.message === 'warning').map((r) => r.level)).toContain('WARN');
        const failure = records.filter((r) => r.message?.message === 'failure');
        expect(failure).toHaveLength(1);
        expect(failure[0]).toMatchObject({ level: 'ERROR', requestId: failed.requestId });
        expect(printed(s)).not.toContain(SECRET);
      } finally {
        await stop(s);
      }
    });

    test('JSON log format, level WARN: failures and warnings are still written, decisions at INFO are not', async () => {
      const s = await start(client, { logFormat: 'JSON', logLevel: 'WARN' });
      try {
        await s.api.invoke(event(seedFragment()));
        await s.api.invoke(warningEvent());
        await s.api.invoke(event({ Resources: 5 }));
        await s.fn.stop(); // all output read
        const records = jsonRecords(s);
        expect(records.filter((r) => r.message?.message === 'failure').map((r) => r.level)).toEqual(['ERROR']);
        expect(records.filter((r) => r.message?.message === 'warning').length).toBeGreaterThan(0);
        expect(records.filter((r) => r.level === 'INFO')).toEqual([]);
      } finally {
        await stop(s);
      }
    });

    test('text log format: a failure is labelled ERROR and a decision INFO by the runtime', async () => {
      const s = await start(client, { logFormat: 'Text' });
      try {
        await s.api.invoke(event(seedFragment()));
        await s.api.invoke(event({ Resources: 5 }));
        await s.fn.stop(); // all output read
        const lines = printed(s).split('\n');
        expect(lines.some((l) => /\tINFO\t\{"level":"INFO","message":"rewritten"/.test(l))).toBe(true);
        expect(lines.some((l) => /\tERROR\t\{"level":"ERROR","message":"failure"/.test(l))).toBe(true);
      } finally {
        await stop(s);
      }
    });
  },
);

describe('the harness sees the calling convention that broke the macro', () => {
  // The macro's earlier handler took test dependencies as a defaulted third parameter (so its
  // declared length was 2); a handler that declares three parameters is what nodejs24.x refuses.
  const DEFAULTED = `exports.handler = async (event, context, deps = { log: (l) => console.log(l) }) => { deps.log('called'); return { status: 'success' }; };\n`;
  const DECLARED = `exports.handler = (event, context, callback) => { callback(null, { status: 'success' }); };\n`;

  const c3 = RUNTIME_CLIENTS.find((c) => c.version.startsWith('3.'))!;
  const c4 = RUNTIME_CLIENTS.find((c) => c.version.startsWith('4.'))!;

  (clientPaths(c3).installed ? test : test.skip)(
    `aws-lambda-ric@${c3.version} passes its callback as the third argument, so a handler with a defaulted third parameter fails`,
    async () => {
      const s = await start(c3, { root: taskWith('defaulted-third', DEFAULTED) });
      try {
        const r = await s.api.invoke({ requestId: 'x', fragment: {} });
        expect(r.kind).toBe('error');
        expect(r.body.errorType).toBe('TypeError');
      } finally {
        await stop(s);
      }
    },
  );

  (clientPaths(c4).installed ? test : test.skip)(
    `aws-lambda-ric@${c4.version} refuses a handler that declares three parameters at init (Runtime.CallbackHandlerDeprecated)`,
    async () => {
      const s = await start(c4, { root: taskWith('declared-third', DECLARED) });
      try {
        const body = await s.api.initError();
        expect(body.errorType).toBe('Runtime.CallbackHandlerDeprecated');
      } finally {
        await stop(s);
      }
    },
  );
});
