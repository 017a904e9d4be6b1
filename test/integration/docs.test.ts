/**
 * The documentation cannot drift from the product:
 * - every generated block of README.md, CONTRIBUTING.md, RELEASING.md and docs/*.md equals what its command
 *   prints now (scripts/docs.mjs; `npm run docs` rewrites them), and no command output is shown without
 *   the marker;
 * - the paths and symbols the docs name exist, and the documentation index reaches every page;
 * - every behavioural sentence of the README's parameter table, and the CLI claims of docs/cli.md that are
 *   not shown as output (npx, YAML aliases and merge keys), holds: each is a test below, named by it.
 *
 * The built CLI and bundle (dist/) are what users run; `npm test` builds them first.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.cjs');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

const DOC_FILES = [
  ...['README.md', 'CONTRIBUTING.md', 'RELEASING.md'].filter((f) => existsSync(join(ROOT, f))),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
/** The value, or a failure that says what was missing. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing: ${what}`);
  return value;
}
/** The text of a doc file without its generated blocks (what a person wrote). */
const written = (file: string): string => read(file).replace(/<!-- generated: [^\n]*? -->[\s\S]*?<!-- end generated -->/g, '');

interface Block {
  file: string;
  line: number;
  spec: string;
  current: string;
  generated: string;
}

// ---------------------------------------------------------------------------------------------
// Generated blocks

describe('generated blocks (npm run docs)', () => {
  let blocks: Block[] = [];
  beforeAll(() => {
    const out = execFileSync(process.execPath, [join(ROOT, 'scripts/docs.mjs'), '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 280_000,
    });
    blocks = JSON.parse(out) as Block[];
  }, 300_000);

  test.each(DOC_FILES)('%s: every generated block is what its command prints now', (file) => {
    for (const b of blocks.filter((x) => x.file === file)) {
      // The whole block in the comparison, so a failure shows the file, line, command and the diff.
      expect({ at: `${b.file}:${b.line}`, spec: b.spec, body: b.current }).toEqual({ at: `${b.file}:${b.line}`, spec: b.spec, body: b.generated });
    }
  });

  test('the blocks that show output are there, and none is empty', () => {
    const specs = blocks.map((b) => `${b.file}: ${b.spec}`);
    for (const expected of [
      'README.md: npm start 2>/dev/null',
      'README.md: npm start 2>&1 >/dev/null',
      'docs/cli.md: warm-step-functions --help',
      'docs/cli.md: exit codes',
      'docs/cli.md: session',
      'docs/cli.md: session with scripts/sample-aws.ts',
      'docs/stored-definitions.md: session',
      'docs/deploy.md: node scripts/sample-logs.mjs',
      'docs/performance.md: bench/results.json output',
      'docs/resolve-external.md: bench/resolve-retry.json output',
      'docs/architecture.md: node scripts/layout.mjs macro',
    ]) {
      expect(specs).toContain(expected);
    }
    for (const b of blocks) expect({ at: `${b.file}:${b.line}`, empty: b.generated.trim() === '' }).toEqual({ at: `${b.file}:${b.line}`, empty: false });
  });

  test('the README shows the example rewritten: the diff has the aliases, the summary its counts', () => {
    const diff = must(
      blocks.find((b) => b.spec === 'npm start 2>/dev/null'),
      "the README's diff block",
    ).generated;
    expect(diff).toContain('+              Ref: HelloProvConcLambdaAlias');
    expect(diff).toContain('-Transform:');
    const summary = must(
      blocks.find((b) => b.spec === 'npm start 2>&1 >/dev/null'),
      "the README's summary block",
    ).generated;
    expect(summary).toMatch(/WarmStepFunctions: 2 invocations rewritten in 1 of 1 state machine/);
  });

  test('docs/examples/seed-without-transform.json is the seed example without its Transform', () => {
    const seed = JSON.parse(read('template/examples/serverless-seed/compiled.json')) as Record<string, unknown>;
    expect(seed.Transform).toBeDefined();
    delete seed.Transform;
    expect(read('docs/examples/seed-without-transform.json')).toBe(`${JSON.stringify(seed, null, 2)}\n`);
  });
});

describe('no shown output outside a generated block', () => {
  /** Lines that only a command prints: a shell prompt, the CLI's summaries, verify's table, a diff's hunk. */
  const OUTPUT = [
    /^\$ /m,
    /^\s*(rewritten|cold|granted|warning) {2}\S/m,
    /^WarmStepFunctions: \d+ invocations? rewritten/m,
    /^\d+ cold paths? \(/m,
    /^No cold paths/m,
    /STATE MACHINE STATE/,
    /^@@ -\d+/m,
    /^={20,}$/m,
    /"level":"(INFO|WARN|ERROR)"/,
    /^\| template +\| JSON bytes/m,
  ];

  test.each(DOC_FILES)('%s', (file) => {
    const fences = [...written(file).matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1]);
    for (const body of fences) {
      for (const re of OUTPUT) expect({ file, pattern: String(re), found: re.test(body) ? body : '' }).toEqual({ file, pattern: String(re), found: '' });
    }
  });

  test('no measured figure (a decimal with a unit) in the prose of the pages this project writes about speed and size', () => {
    for (const file of [
      'README.md',
      'docs/performance.md',
      'docs/deploy.md',
      'docs/cli.md',
      'docs/how-it-works.md',
      'docs/stored-definitions.md',
      'docs/resolve-external.md',
      'docs/architecture.md',
    ]) {
      const figures = written(file).match(/\b\d+\.\d+ ?(ms|µs|us|s|KB|MB|GB|x|%)(?![\w.])/g) ?? [];
      expect({ file, figures }).toEqual({ file, figures: [] });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Paths, symbols and the index

/** Pages that other changes of this release add; the index links them already. */
const ADDED_ELSEWHERE = new Set(['docs/security.md', 'docs/limits.md', 'docs/iam.md', 'docs/reasons.md', 'docs/definitions.md']);

describe('what the docs name exists', () => {
  test.each(DOC_FILES)('%s: every repository path in backticks exists', (file) => {
    const paths = [...read(file).matchAll(/`((?:macro|scripts|test|template|bench|docs)\/[\w./-]*[\w/])`/g)].map((m) => m[1]);
    const missing = paths.filter((p) => !/[*<{]/.test(p) && !existsSync(join(ROOT, p)) && !ADDED_ELSEWHERE.has(p));
    expect(missing).toEqual([]);
  });

  test.each(DOC_FILES)('%s: every relative link points at a file', (file) => {
    const base = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
    const links = [...read(file).matchAll(/\]\(((?!https?:|#|mailto:)[^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => join(base, m[1]).replace(/^\.\//, ''));
    expect(links.filter((l) => !existsSync(join(ROOT, l)) && !ADDED_ELSEWHERE.has(l))).toEqual([]);
  });

  test.each(DOC_FILES)('%s: a symbol named with its file is declared there', (file) => {
    for (const [, symbol, path] of read(file).matchAll(/`(\w+)` in `((?:macro|scripts)\/[\w./-]+)`/g)) {
      const declared = existsSync(join(ROOT, path)) && new RegExp(`\\b(class|function|const|interface|type|let|enum)\\s+${symbol}\\b`).test(read(path));
      expect({ symbol, path, declared }).toEqual({ symbol, path, declared: true });
    }
  });

  test('docs/architecture.md: every file and folder the pipeline drawing names is in macro/', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) {
          files.push(`${rel}/`);
          walk(rel);
        } else files.push(rel);
      }
    };
    walk('macro');
    const text = read('docs/architecture.md');
    const drawing = must(/## The pipeline, as the folders show it\n+```\n([\s\S]*?)```/.exec(text)?.[1], 'the drawing');
    const named = [...drawing.matchAll(/[\w-]+(?:\/[\w-]+)*(?:\.ts|\/)(?![\w.])/g)].map((m) => m[0]);
    expect(named.length).toBeGreaterThan(20);
    const missing = named.filter((n) => !files.some((f) => f === n || f.endsWith(`/${n}`)));
    expect(missing).toEqual([]);
  });

  test('the README stays short and its index reaches every page of docs/ and the root guides', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    const index = readme.slice(readme.indexOf('## Documentation'));
    const pages = [...DOC_FILES.filter((f) => f !== 'README.md'), ...ADDED_ELSEWHERE, 'CHANGELOG.md'];
    for (const page of new Set(pages)) expect({ page, linked: index.includes(`](${page})`) }).toEqual({ page, linked: true });
  });

  test('the README opens with the two commands: one runs the example, one runs the tests', () => {
    const [, fence] = /^# WarmStepFunctions\n\n```sh\n([\s\S]*?)```/.exec(read('README.md')) ?? [];
    expect(fence).toMatch(/^npm ci && npm start\b/m);
    expect(fence).toMatch(/^npm ci && npm test\b/m);
  });

  test('the Node.js floor the docs state is the one package.json declares', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    for (const file of DOC_FILES) {
      for (const [, v] of written(file).matchAll(/Node\.js (\d+) or newer/g)) expect({ file, floor: Number(v) }).toEqual({ file, floor: 22 });
    }
    // engines moves to >=22 with this release's CI change; until then it must not promise less than the docs.
    expect(Number(/>=\s*(\d+)/.exec(engines)?.[1])).toBeLessThanOrEqual(22);
  });
});

// ---------------------------------------------------------------------------------------------
// The README's parameter table, sentence by sentence (through the built CLI, as a template's Transform)

type Json = Record<string, unknown>;
const ROLE_ARN = { 'Fn::GetAtt': ['FlowRole', 'Arn'] };

function fn(name: string): Json {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: { FunctionName: name, Handler: 'index.handler', Runtime: 'nodejs22.x', Role: 'arn:aws:iam::123456789012:role/fn', Code: { ZipFile: 'x' } },
  };
}
function alias(fnId: string, name: string, warm = true): Json {
  return {
    Type: 'AWS::Lambda::Alias',
    Properties: {
      FunctionName: { Ref: fnId },
      FunctionVersion: '1',
      Name: name,
      ...(warm ? { ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 } } : {}),
    },
  };
}
/** A role whose only grant is on the functions' unqualified ARNs: a new target needs a grant. */
function role(fnIds: string[]): Json {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      Policies: [
        {
          PolicyName: 'invoke',
          PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fnIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })) }] },
        },
      ],
    },
  };
}
/** A state machine whose states invoke the given slots, in order. */
function machine(slots: unknown[], roleArn: unknown = ROLE_ARN): Json {
  const States: Json = {};
  slots.forEach((s, k) => {
    States[`S${k}`] = {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: s,
      ...(k + 1 < slots.length ? { Next: `S${k + 1}` } : { End: true }),
    };
  });
  return { Type: 'AWS::StepFunctions::StateMachine', Properties: { RoleArn: roleArn, Definition: { StartAt: 'S0', States } } };
}
const invoke = (fnId: string): Json => ({ FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] }, 'Payload.$': '$' });

function template(resources: Json, parameters?: Json): Json {
  return { Transform: parameters ? [{ Name: 'WarmStepFunctions', Parameters: parameters }] : ['WarmStepFunctions'], Resources: resources };
}

interface Run {
  code: number;
  out?: Json;
  report?: { decisions: { action: string; stateMachine: string; reason: string; templatePath: string }[] };
  stderr: string;
}

function transform(t: Json, args: string[] = []): Run {
  const r = spawnSync(process.execPath, [CLI, 'transform', '-', '--format', 'json', '--report', 'json', ...args], {
    input: JSON.stringify(t),
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const report = r.status === 0 ? (JSON.parse(r.stderr) as Run['report']) : undefined;
  return { code: r.status ?? -1, out: r.status === 0 ? (JSON.parse(r.stdout) as Json) : undefined, report, stderr: r.stderr };
}
const resources = (r: Run): Json => must(r.out, `the template (exit ${r.code}: ${r.stderr})`).Resources as Json;
const slot = (r: Run, sm: string, k = 0): unknown => ((((resources(r)[sm] as Json).Properties as Json).Definition as Json).States as Json)[`S${k}`];
const functionNameOf = (r: Run, sm: string, k = 0): unknown => ((slot(r, sm, k) as Json).Parameters as Json).FunctionName;

/** Worker with two warm aliases (live, canary), a flow that invokes it. */
const twoWarm = (extra: Json = {}): Json => ({
  Worker: fn('worker'),
  WorkerLive: alias('Worker', 'live'),
  WorkerCanary: alias('Worker', 'canary'),
  FlowRole: role(['Worker']),
  Flow: machine([invoke('Worker')]),
  ...extra,
});
/** Worker with one warm alias; Idle without provisioned concurrency; two flows. */
const oneWarm = (extra: Json = {}): Json => ({
  Worker: fn('worker'),
  WorkerLive: alias('Worker', 'live'),
  Idle: fn('idle'),
  FlowRole: role(['Worker', 'Idle']),
  Flow: machine([invoke('Worker')]),
  Other: machine([invoke('Worker')]),
  ...extra,
});

describe('README, Parameters: AliasName', () => {
  test('"AliasName: live picks WorkerLive over WorkerCanary" (the alias to use when a function has several warm aliases)', () => {
    const r = transform(template(twoWarm(), { AliasName: 'live' }));
    expect(r.code).toBe(0);
    expect(functionNameOf(r, 'Flow')).toEqual({ Ref: 'WorkerLive' });
  });

  test('"Without it that case fails, naming every candidate (logical ID and Name)"', () => {
    const r = transform(template(twoWarm()));
    expect(r.code).toBe(1);
    for (const s of ['WorkerLive', 'live', 'WorkerCanary', 'canary', 'AliasName']) expect(r.stderr).toContain(s);
  });

  test('"Naming an alias that has no provisioned concurrency fails"', () => {
    const r = transform(template({ ...oneWarm(), WorkerCold: alias('Worker', 'cold', false) }, { AliasName: 'cold' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cold');
  });

  test('"naming none of a function\'s several warm aliases fails"', () => {
    const r = transform(template(twoWarm({ Other: fn('other'), OtherBlue: alias('Other', 'blue') }), { AliasName: 'blue' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WorkerLive|WorkerCanary/);
  });

  test('"A name that no alias of the template has (a typo) is a warning (a failure in Mode strict)"', () => {
    const warned = transform(template(oneWarm(), { AliasName: 'lvie' }));
    expect(warned.code).toBe(0);
    expect(must(warned.report, 'the report').decisions.filter((d) => d.action === 'warning' && d.templatePath.endsWith('AliasName'))).toHaveLength(1);
    const strict = transform(template(oneWarm(), { AliasName: 'lvie', Mode: 'strict' }));
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain("AliasName is 'lvie'");
  });
});

describe('README, Parameters: StateMachines and Exclude', () => {
  test('"StateMachines: process only these" (a list)', () => {
    const r = transform(template(oneWarm(), { StateMachines: ['Flow'] }));
    expect(functionNameOf(r, 'Flow')).toEqual({ Ref: 'WorkerLive' });
    expect(functionNameOf(r, 'Other')).toEqual({ 'Fn::GetAtt': ['Worker', 'Arn'] });
  });

  test('"or "A, B"": a comma-separated string is a list', () => {
    const r = transform(template(oneWarm(), { StateMachines: 'Flow, Other' }));
    expect(functionNameOf(r, 'Flow')).toEqual({ Ref: 'WorkerLive' });
    expect(functionNameOf(r, 'Other')).toEqual({ Ref: 'WorkerLive' });
  });

  test('"Exclude: skip these"', () => {
    const r = transform(template(oneWarm(), { Exclude: 'Other' }));
    expect(functionNameOf(r, 'Flow')).toEqual({ Ref: 'WorkerLive' });
    expect(functionNameOf(r, 'Other')).toEqual({ 'Fn::GetAtt': ['Worker', 'Arn'] });
  });
});

describe('README, Parameters: Mode', () => {
  test('"rewrite (default)": the slot moves and the role is allowed to invoke the alias', () => {
    const r = transform(template(oneWarm()));
    expect(r.code).toBe(0);
    expect(functionNameOf(r, 'Flow')).toEqual({ Ref: 'WorkerLive' });
    expect(JSON.stringify(resources(r).FlowRole)).toContain('{"Ref":"WorkerLive"}');
  });

  test('"report changes nothing and only reports what would change, IAM grants included"', () => {
    const t = template(oneWarm(), { Mode: 'report' });
    const r = transform(t);
    expect(r.code).toBe(0);
    const { Transform: _t, ...rest } = t;
    expect(r.out).toEqual(rest);
    const actions = must(r.report, 'the report').decisions.map((d) => d.action);
    expect(actions).toContain('rewritten');
    expect(actions).toContain('granted');
  });

  const strictFails: [string, Json][] = [
    ['an in-template function without provisioned concurrency', oneWarm({ Flow: machine([invoke('Worker'), invoke('Idle')]) })],
    ['FunctionName.$', oneWarm({ Flow: machine([{ 'FunctionName.$': '$.fn' }]) })],
    ['an Fn::ImportValue FunctionName', oneWarm({ Flow: machine([{ FunctionName: { 'Fn::ImportValue': 'shared-fn' } }]) })],
    [
      'a definition in S3 the macro cannot read',
      oneWarm({
        Flow: { Type: 'AWS::StepFunctions::StateMachine', Properties: { RoleArn: ROLE_ARN, DefinitionS3Location: { Bucket: 'b', Key: 'flow.json' } } },
      }),
    ],
    ['a role outside the template', oneWarm({ Flow: machine([invoke('Worker')], 'arn:aws:iam::123456789012:role/elsewhere') })],
    [
      'a rewrite left out because it would make a circular dependency',
      {
        Work: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Handler: 'i.h',
            Runtime: 'nodejs22.x',
            Role: 'arn:aws:iam::123456789012:role/fn',
            Code: { ZipFile: 'x' },
            Environment: { Variables: { FLOW: { Ref: 'Flow' } } },
          },
        },
        WorkLive: {
          Type: 'AWS::Lambda::Alias',
          Properties: {
            FunctionName: { Ref: 'Work' },
            FunctionVersion: '1',
            Name: { 'Fn::Sub': 'live-${AWS::Region}' },
            ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
          },
        },
        FlowRole: role(['Work']),
        Flow: machine([invoke('Work')]),
      },
    ],
  ];
  test.each(strictFails)('"strict rewrites and also fails when" %s; rewrite does not fail', (_name, resourcesOf) => {
    expect(transform(template(resourcesOf)).code).toBe(0);
    const strict = transform(template(resourcesOf, { Mode: 'strict' }));
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('Mode strict');
  });

  test('"strict rewrites": with nothing to fail on, the slot moves', () => {
    const r = transform(template(oneWarm(), { Mode: 'strict' }));
    expect(r.code).toBe(0);
    expect(functionNameOf(r, 'Flow')).toEqual({ Ref: 'WorkerLive' });
  });
});

describe('README, Parameters: ResolveExternal, the rows not in this version yet, and the errors', () => {
  test('"ResolveExternal: Look up functions from other stacks through the Lambda API": the deployed macro looks up (here: not enabled in the deployment, said so); the CLI refuses it', () => {
    const fragment = {
      Resources: { Flow: machine([{ FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:elsewhere' }], 'arn:aws:iam::123456789012:role/flow') },
    };
    const script = `const m = await import(${JSON.stringify(join(ROOT, 'dist', 'macro.js'))});
      const records = [];
      const handler = m.createHandler({ log: (r) => records.push(r), env: {} });
      for (const v of [true, 'true', false, 'false']) {
        const reply = await handler({ requestId: 'r', region: 'us-east-1', accountId: '123456789012', params: { ResolveExternal: v }, fragment: ${JSON.stringify(fragment)} });
        console.log(JSON.stringify({ v, status: reply.status, lookedUp: records.splice(0).some((r) => /lookup of .*elsewhere failed: ResolveExternal is not enabled in this deployment/.test(r.reason ?? '')) }));
      }`;
    const lines = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { v: true, status: 'success', lookedUp: true },
      { v: 'true', status: 'success', lookedUp: true },
      { v: false, status: 'success', lookedUp: false },
      { v: 'false', status: 'success', lookedUp: false },
    ]);
    const ext = { FlowRole: role([]), Flow: machine([{ FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:elsewhere' }]) };
    expect(transform(template(ext, { ResolveExternal: 'false' })).code).toBe(0);
    const cli = transform(template(ext, { ResolveExternal: true }));
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('it works in the deployed macro, not in the CLI');
  });

  test('a row marked "Not in this version yet" names a parameter the macro refuses, and every accepted parameter has a row', () => {
    const readme = read('README.md');
    const rows = [...readme.matchAll(/^\| `(\w+)` \|[^|]*\| (.*) \|$/gm)].map((m) => ({ name: m[1], pending: m[2].includes('**Not in this version yet.**') }));
    expect(rows.map((r) => r.name)).toEqual(
      expect.arrayContaining(['AliasName', 'StateMachines', 'Exclude', 'Mode', 'ResolveExternal', 'Reasons', 'ExternalAccounts']),
    );
    const probe = transform(template(oneWarm(), { Nope: 1 }));
    for (const r of rows) {
      const accepted = probe.stderr.includes(`${r.name} (`);
      // When the parameter lands, its row must lose the marker (and gain tests of its sentences).
      expect({ parameter: r.name, accepted }).toEqual({ parameter: r.name, accepted: !r.pending });
    }
  });

  test('"An unknown parameter fails with a message that names it and lists the accepted parameters"', () => {
    const r = transform(template(oneWarm(), { Alias: 'live' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown parameter "Alias"');
    expect(r.stderr).toContain('Accepted parameters: AliasName (');
    for (const name of ['StateMachines (', 'Exclude (', 'Mode (', 'ResolveExternal (']) expect(r.stderr).toContain(name);
  });

  test.each<[string, unknown, string]>([
    ['Mode', 3, 'Mode must be one of rewrite, report, strict; got 3'],
    ['AliasName', 3, 'AliasName must be a non-empty string, got 3'],
    ['StateMachines', 3, 'StateMachines must be a list of logical IDs (or a comma-separated string), got 3'],
    ['ResolveExternal', 'yes', 'ResolveExternal must be true or false, got "yes"'],
  ])('"A parameter of the wrong type fails with a message that names the parameter and the values it accepts": %s', (name, value, message) => {
    const r = transform(template(oneWarm(), { [name]: value }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Transform/WarmStepFunctions/Parameters: ${message}.`);
    expect(r.stderr).not.toContain('Accepted parameters');
  });

  test('"The CLI sets the same parameters with --param Key=Value"', () => {
    const viaParam = transform(template(twoWarm()), ['--param', 'AliasName=live']);
    expect(functionNameOf(viaParam, 'Flow')).toEqual({ Ref: 'WorkerLive' });
    const wrong = transform(template(oneWarm()), ['--param', 'Mode=fast']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Mode must be one of rewrite, report, strict; got "fast"');
  });
});

describe('README, Parameters: Reasons and ExternalAccounts', () => {
  /** Worker, published with an alias `live` (and provisioned concurrency on it for 'pc'), invoked unqualified by Flow. */
  const published = (kind: 'pc' | 'snapstart' | 'durable' | 'managed'): Json => {
    const config: Json = {
      pc: {},
      snapstart: { SnapStart: { ApplyOn: 'PublishedVersions' } },
      durable: { DurableConfig: { ExecutionTimeout: 3600 } },
      managed: {
        CapacityProviderConfig: {
          LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: 'arn:aws:lambda:us-east-1:123456789012:capacity-provider:p' },
        },
      },
    }[kind];
    const worker = fn('worker');
    const live = alias('Worker', 'live', kind === 'pc');
    return {
      Resources: {
        Worker: { ...worker, Properties: { ...(worker.Properties as Json), ...config } },
        WorkerLive: { ...live, Properties: { ...(live.Properties as Json), FunctionVersion: { 'Fn::GetAtt': ['WorkerVersion', 'Version'] } } },
        WorkerVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Worker' } } },
        FlowRole: role(['Worker']),
        Flow: machine([invoke('Worker')]),
      },
    };
  };
  const check = (t: Json, reasons?: string): number =>
    spawnSync(process.execPath, [CLI, 'check', '-', ...(reasons ? ['--param', `Reasons=${reasons}`] : [])], { input: JSON.stringify(t), encoding: 'utf8' })
      .status ?? -1;

  test('"default: all": "Missing provisioned concurrency or SnapStart is a cold path" (check exits 1), "a durable function called unqualified fails at run time" (3), "a Managed Instances function bypasses its alias" (1)', () => {
    expect(check(published('pc'))).toBe(1);
    expect(check(published('snapstart'))).toBe(1);
    expect(check(published('durable'))).toBe(3);
    expect(check(published('managed'))).toBe(1);
  });

  test('"Which reasons for a qualified target the macro acts on": a reason left out is not acted on', () => {
    expect(check(published('pc'), 'SnapStart')).toBe(0);
    expect(check(published('snapstart'), 'ProvisionedConcurrency')).toBe(0);
    expect(check(published('snapstart'), 'SnapStart')).toBe(1);
  });

  test('"those two stay on unless written with a minus (-Durable)"', () => {
    expect(check(published('durable'), 'ProvisionedConcurrency')).toBe(3);
    expect(check(published('managed'), 'ProvisionedConcurrency, SnapStart')).toBe(1);
    expect(check(published('durable'), 'ProvisionedConcurrency, -Durable')).toBe(0);
    expect(check(published('managed'), '-ManagedInstances')).toBe(0);
  });

  test('ExternalAccounts: "the stack\'s own account is always looked up, an ARN of any other account is not", unless named (the deployed macro, ResolveExternal on, no AWS endpoint answering)', () => {
    const OWN = 'arn:aws:lambda:us-east-1:123456789012:function:own';
    const OTHER = 'arn:aws:lambda:us-east-1:210987654321:function:other';
    const fragment = { Resources: { Flow: machine([{ FunctionName: OWN }, { FunctionName: OTHER }], 'arn:aws:iam::123456789012:role/flow') } };
    const script = `const m = await import(${JSON.stringify(join(ROOT, 'dist', 'macro.js'))});
      for (const params of [{ ResolveExternal: true }, { ResolveExternal: true, ExternalAccounts: '210987654321' }]) {
        const records = [];
        const handler = m.createHandler({ log: (r) => records.push(r), env: { WARM_RESOLVE_EXTERNAL: 'true', WARM_RESOLVE_BUDGET_MS: '5000' } });
        const reply = await handler({ requestId: 'r', region: 'us-east-1', accountId: '123456789012', params, fragment: ${JSON.stringify(fragment)} });
        const skipped = (arn) => records.some((r) => (r.reason ?? '').startsWith('lookup of ' + arn + ' failed: not looked up: account'));
        const tried = (arn) => records.some((r) => (r.reason ?? '').startsWith('lookup of ' + arn + ' failed: ') && !skipped(arn));
        console.log(JSON.stringify({ status: reply.status, own: tried(${JSON.stringify(OWN)}), other: tried(${JSON.stringify(OTHER)}), otherSkipped: skipped(${JSON.stringify(OTHER)}) }));
      }`;
    // Every lookup goes to a closed port of the loopback: it is tried, and fails at once.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
      AWS_REGION: 'us-east-1',
    };
    delete env.AWS_PROFILE;
    const lines = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 60_000 })
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { status: 'success', own: true, other: false, otherSkipped: true },
      { status: 'success', own: true, other: true, otherSkipped: false },
    ]);
  });
});

describe('docs/how-it-works.md, "Bad inputs and error messages": the rows test/unit/bad-inputs.test.ts does not hold', () => {
  test('"RoleArn is a GetAtt of a resource that does not exist: a warning that names the missing resource"', () => {
    const r = transform(template(oneWarm({ Flow: machine([invoke('Worker')], { 'Fn::GetAtt': ['MissingRole', 'Arn'] }) })));
    expect(r.code).toBe(0);
    const warnings = must(r.report, 'the report').decisions.filter((d) => d.action === 'warning' && d.templatePath === 'Resources/Flow/Properties/RoleArn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].reason).toContain('MissingRole');
  });

  test('"A state machine whose Definition is a string: … else a warning"', () => {
    const r = transform(
      template({ Idle: fn('idle'), Flow: { Type: 'AWS::StepFunctions::StateMachine', Properties: { RoleArn: ROLE_ARN, Definition: '{"StartAt":"S"}' } } }),
    );
    expect(r.code).toBe(0);
    expect(must(r.report, 'the report').decisions.map((d) => d.reason)).toContain(
      'Definition must be an object (a JSON string belongs in DefinitionString), got a string',
    );
  });

  test('"A FunctionName the macro cannot resolve (a name built from a parameter no function uses): left as it is, with a warning naming the state (a failure in Mode strict)"', () => {
    const t = (mode?: string): Json => ({
      ...template(oneWarm({ Flow: machine([{ FunctionName: { Ref: 'Name' } }]) }), mode ? { Mode: mode } : undefined),
      Parameters: { Name: { Type: 'String' } },
    });
    const r = transform(t());
    expect(r.code).toBe(0);
    expect(functionNameOf(r, 'Flow')).toEqual({ Ref: 'Name' });
    expect(must(r.report, 'the report').decisions.filter((d) => d.action === 'warning' && /cannot resolve/.test(d.reason))).toHaveLength(1);
    const strict = transform(t('strict'));
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('state States.S0');
  });

  test('"Several problems at once: one failure listing all of them: Invalid template: 2 problems. [1] … [2] …"', () => {
    const broken = {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        RoleArn: ROLE_ARN,
        DefinitionString: { 'Fn::Sub': '{"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "${Worker.Arn}", "End": true}' },
      },
    };
    const r = transform(template(twoWarm({ Broken: broken })));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Invalid template: 2 problems\. \[1\] .+ \[2\] /);
  });
});

// ---------------------------------------------------------------------------------------------
// docs/cli.md and docs/deploy.md: claims that are not shown as output

describe('docs/cli.md, "Exit codes"', () => {
  const run = (args: string[], input?: string): number => spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8' }).status ?? -1;
  const json = (t: Json): string => JSON.stringify(t);

  test('transform: 0 success, 1 the macro reports failure, 2 a file that cannot be read or parsed, or a usage error', () => {
    expect(run(['transform', '-'], json(template(oneWarm())))).toBe(0);
    expect(run(['transform', '-'], json(template(twoWarm())))).toBe(1);
    expect(run(['transform', join(ROOT, 'no-such-template.yaml')])).toBe(2);
    expect(run(['transform', '-'], 'Resources: [unclosed')).toBe(2);
    expect(run(['transform', '-', '--no-such-option'], json(template(oneWarm())))).toBe(2);
  });

  test('check: 0 no cold path, 1 a cold path or the macro fails, 2 nothing cold but something not checked', () => {
    expect(run(['check', '-'], json(template(oneWarm())))).toBe(0);
    expect(run(['check', '-'], json({ Resources: oneWarm() }))).toBe(1);
    expect(run(['check', '-'], json(template(twoWarm())))).toBe(1);
    const dynamicOnly = {
      Worker: fn('worker'),
      WorkerLive: alias('Worker', 'live'),
      FlowRole: role(['Worker']),
      Flow: machine([{ 'FunctionName.$': '$.fn' }]),
    };
    expect(run(['check', '-'], json({ Resources: dynamicOnly }))).toBe(2);
  });
});

describe('docs/cli.md, "Reading templates"', () => {
  const check = (yaml: string): { code: number; out: string } => {
    const r = spawnSync(process.execPath, [CLI, 'transform', '-', '--format', 'json'], { input: yaml, encoding: 'utf8' });
    return { code: r.status ?? -1, out: r.status === 0 ? r.stdout : r.stderr };
  };

  test('"Refused, exit 2: a YAML alias, with CloudFormation\'s own message … and its line and column"', () => {
    const r = check('Resources:\n  A: &a\n    Type: AWS::SNS::Topic\n  B: *a\n');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/4:6: YAML aliases are not allowed in CloudFormation templates/);
  });

  test('"Not merged: a << key is an ordinary key"', () => {
    const r = check('Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      <<: {TopicName: t}\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).Resources.A.Properties).toEqual({ '<<': { TopicName: 't' } });
  });

  test('"An error: a duplicate key"', () => {
    expect(check('Resources:\n  A:\n    Type: AWS::SNS::Topic\n  A:\n    Type: AWS::SQS::Queue\n').code).toBe(2);
  });

  test('"2010-09-09 stays a string … yes/no/on/off are booleans … a leading zero that is not octal keeps account IDs whole"', () => {
    const r = check('AWSTemplateFormatVersion: 2010-09-09\nMetadata:\n  a: yes\n  b: off\n  c: 012345678901\n  d: 017\nResources: {}\n');
    expect(r.code).toBe(0);
    const t = JSON.parse(r.out);
    expect(t.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(t.Metadata).toEqual({ a: true, b: false, c: '012345678901', d: 15 });
  });
});

describe('docs/cli.md, "Install": npx hands every argument after the package name to the CLI', () => {
  let dir = '';
  beforeAll(() => {
    // A project with the CLI installed as its bin, as `npm install --save-dev warm-step-functions` leaves it.
    dir = mkdtempSync(join(tmpdir(), 'wsf-npx-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'npx-probe', version: '1.0.0', private: true }));
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(CLI, join(dir, 'node_modules', '.bin', 'warm-step-functions'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const npx = (args: string[]) => {
    const r = spawnSync('npx', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false', NODE_NO_WARNINGS: '1' },
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test('"npx warm-step-functions --version prints the CLI\'s version"', () => {
    const r = npx(['warm-step-functions', '--version']);
    expect(r.stdout.trim()).toBe(PKG.version);
  });

  test('"… and npx warm-step-functions verify --stack S --json gets --json" (the CLI, not npm, reads it)', () => {
    // check takes no --json: only the CLI can refuse it, with its own usage error (exit 2).
    const r = npx(['warm-step-functions', 'check', 'template.yaml', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--json is not an option of check');
  });

  test('"npx -- warm-step-functions … is the same call"', () => {
    expect(npx(['--', 'warm-step-functions', '--version']).stdout.trim()).toBe(PKG.version);
  });
});

describe('docs/deploy.md, "Which runtime, and why"', () => {
  test('"The exported handler declares two parameters, the event and the context (handler.length is 2)": the deployed bundle', () => {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(join(ROOT, 'dist', 'macro.js'))}); console.log(m.handler.length);`],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe('2');
  });
});
