/**
 * Deployment packaging, offline: `serverless package` of the macro's own service (serverless.yml), the
 * artifact zips, and the plain-CloudFormation templates (template/macro.yml, template/stackset.yml).
 * Nothing here talks to AWS. Needs dist/macro.js (`npm run build`; `npm test` builds first).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { BUCKET_NAME } from '../../macro/aws/s3-definitions';
import { actionsFor, bundleCalls, COMMAND_ACTIONS } from '../support/sdk-commands';
import { errorFindings, formatFindings, validateTemplate, warmUpTemplateValidator } from '../support/validate';
import { readZipEntries, zipNames } from '../support/zip';

const execFileAsync = promisify(execFile);

const ROOT = resolve(__dirname, '../..');
const BUNDLE = 'dist/macro.js';
/** What the function's code holds: the bundle and the package.json that declares it an ES module. */
const ARTIFACT = [BUNDLE, 'dist/package.json'];
const SERVICE = 'warm-step-functions-macro';
/** ResolveExternal's calls (macro/aws/lambda-aliases.ts), and nothing else. */
const READ_ONLY_LAMBDA_ACTIONS = ['lambda:ListAliases', 'lambda:ListProvisionedConcurrencyConfigs'];

type Json = any; // CloudFormation templates are free-form JSON

// ---------------------------------------------------------------- template helpers

function resourcesOfType(template: Json, type: string): [string, Json][] {
  return Object.entries<Json>(template.Resources ?? {}).filter(([, r]) => r.Type === type);
}

function single(template: Json, type: string): [string, Json] {
  const found = resourcesOfType(template, type);
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0];
}

/** Resolve Fn::If / AWS::NoValue for the given condition values (only what these templates use). */
function applyConditions(node: Json, conditions: Record<string, boolean>): Json {
  if (Array.isArray(node)) {
    return node.map((n) => applyConditions(n, conditions)).filter((n) => !(n && typeof n === 'object' && n.Ref === 'AWS::NoValue'));
  }
  if (node && typeof node === 'object') {
    const keys = Object.keys(node);
    if (keys.length === 1 && keys[0] === 'Fn::If') {
      const [cond, whenTrue, whenFalse] = node['Fn::If'];
      if (!(cond in conditions)) throw new Error(`condition ${cond} not given`);
      return applyConditions(conditions[cond] ? whenTrue : whenFalse, conditions);
    }
    return Object.fromEntries(keys.map((k) => [k, applyConditions(node[k], conditions)]));
  }
  return node;
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
}

/** Every IAM statement that applies to the role with this logical id (inline policies + attached policies). */
function roleStatements(template: Json, roleId: string, conditions: Record<string, boolean> = {}): Statement[] {
  const t = applyConditions(template, conditions);
  const role = t.Resources[roleId];
  expect(role?.Type).toBe('AWS::IAM::Role');
  expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
  const docs: Json[] = (role.Properties.Policies ?? []).map((p: Json) => p.PolicyDocument);
  for (const [, r] of Object.entries<Json>(t.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    if (r.Condition && conditions[r.Condition] === false) continue;
    const roles: Json[] = r.Properties.Roles ?? [];
    if (roles.some((x) => x?.Ref === roleId)) docs.push(r.Properties.PolicyDocument);
  }
  return docs.flatMap((d) => d.Statement);
}

const actionsOf = (statements: Statement[]): string[] => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

function expectLogsOnly(statements: Statement[]): void {
  expect(statements.length).toBeGreaterThan(0);
  for (const s of statements) expect(s.Effect).toBe('Allow');
  const actions = actionsOf(statements);
  expect(actions.length).toBeGreaterThan(0);
  expect(actions.filter((a) => !a.startsWith('logs:'))).toEqual([]);
}

function expectLogsPlusReadOnlyLambda(statements: Statement[]): void {
  const other = statements.filter((s) => actionsOf([s]).some((a) => !a.startsWith('logs:')));
  expectLogsOnly(statements.filter((s) => !other.includes(s)));
  expect(other).toHaveLength(1);
  expect(other[0].Effect).toBe('Allow');
  expect(actionsOf(other).sort()).toEqual(READ_ONLY_LAMBDA_ACTIONS);
  expect([other[0].Resource].flat()).toEqual(['*']);
}

/** The statements that are neither CloudWatch Logs nor the read-only Lambda ones (those are checked above). */
function s3Statements(statements: Statement[]): Statement[] {
  return statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
}

/** The S3 statement of s3DefinitionBuckets: exactly s3:GetObject and s3:GetObjectVersion on exactly these objects. */
function expectS3Read(statements: Statement[], resources: Json[]): void {
  const s3 = s3Statements(statements);
  expect(s3).toHaveLength(1);
  expect(s3[0].Effect).toBe('Allow');
  expect(actionsOf(s3).sort()).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
  expect([s3[0].Resource].flat()).toEqual(resources);
}

/**
 * Evaluates the intrinsic functions these templates use (Ref, Fn::If, Fn::Join, Fn::Split, Fn::Sub,
 * Fn::Equals, Fn::Not) for given parameter values, pseudo parameters and conditions.
 */
function evaluate(node: Json, values: Record<string, Json>, conditions: Record<string, boolean> = {}): Json {
  const ev = (n: Json): Json => evaluate(n, values, conditions);
  if (Array.isArray(node)) return node.map(ev);
  if (!node || typeof node !== 'object') return node;
  const keys = Object.keys(node);
  if (keys.length !== 1) return Object.fromEntries(keys.map((k) => [k, ev(node[k])]));
  const [fn] = keys;
  const arg = node[fn];
  switch (fn) {
    case 'Ref':
      if (!(arg in values)) throw new Error(`no value for Ref ${arg}`);
      return values[arg];
    case 'Fn::If':
      if (!(arg[0] in conditions)) throw new Error(`condition ${arg[0]} not given`);
      return ev(conditions[arg[0]] ? arg[1] : arg[2]);
    case 'Fn::Join':
      return (ev(arg[1]) as Json[]).join(arg[0]);
    case 'Fn::Split':
      return (ev(arg[1]) as string).split(arg[0]);
    case 'Fn::Equals':
      return JSON.stringify(ev(arg[0])) === JSON.stringify(ev(arg[1]));
    case 'Fn::Not':
      return !ev(arg[0]);
    case 'Fn::Sub': {
      const [text, vars] = typeof arg === 'string' ? [arg, {}] : [arg[0], ev(arg[1])];
      return (text as string).replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
        const v = name in vars ? vars[name] : values[name];
        if (v === undefined) throw new Error(`no value for \${${name}}`);
        return String(v);
      });
    }
    default:
      return Object.fromEntries(keys.map((k) => [k, ev(node[k])]));
  }
}

/** The template's conditions, evaluated for these parameter values. */
function conditionsOf(template: Json, values: Record<string, Json>): Record<string, boolean> {
  return Object.fromEntries(Object.entries<Json>(template.Conditions ?? {}).map(([k, v]) => [k, evaluate(v, values) as boolean]));
}

// ---------------------------------------------------------------- validation (@aws/cloudformation-validate)

/** Error-level findings (validator FATAL/ERROR) of a template object or JSON/YAML text, one per line; '' if none. */
async function errorsIn(template: object | string, parameterOverrides?: Record<string, string>): Promise<string> {
  const findings = await validateTemplate(template, parameterOverrides ? { config: { parameterOverrides } } : {});
  return formatFindings(errorFindings(findings));
}

// ---------------------------------------------------------------- serverless package (once per variant)

interface Packaged {
  dir: string;
  template: Json;
  zip: Buffer;
}

let work: string;
let byDefault: Packaged;
let overridden: Packaged;

/**
 * `serverless package` uses <service dir>/.serverless as scratch space and deletes it first, so running it
 * in the repository would wipe a developer's `npm run package` output and two runs could not overlap.
 * Each run therefore gets its own service dir: a mirror of the repository's top level made of symlinks
 * (followed by Serverless' file globbing, so package.patterns still face the real tree).
 */
function mirrorOfRoot(name: string): string {
  const dir = join(work, `${name}-service`);
  mkdirSync(dir);
  for (const entry of readdirSync(ROOT)) {
    if (entry === '.serverless' || entry === 'serverless.yml') continue;
    symlinkSync(join(ROOT, entry), join(dir, entry));
  }
  // Serverless does not take a symlinked config file for a service's own.
  copyFileSync(join(ROOT, 'serverless.yml'), join(dir, 'serverless.yml'));
  return dir;
}

async function slsPackage(name: string, args: string[]): Promise<Packaged> {
  const dir = join(work, name);
  const bin = require.resolve('serverless/bin/serverless.js', { paths: [ROOT] });
  try {
    await execFileAsync(process.execPath, [bin, 'package', '--package', dir, ...args], {
      cwd: mirrorOfRoot(name),
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', CI: 'true' },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 110_000,
    });
  } catch (err: any) {
    throw new Error(`serverless package ${args.join(' ')} failed:\n${err.stdout ?? ''}\n${err.stderr ?? err}`);
  }
  return {
    dir,
    template: JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')),
    zip: readFileSync(join(dir, `${SERVICE}.zip`)),
  };
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, BUNDLE))) {
    throw new Error(`${BUNDLE} is missing: run \`npm run build\` before the integration tests`);
  }
  work = mkdtempSync(join(tmpdir(), 'wsf-deploy-'));
  // Two independent packagings of the same service, in parallel: defaults, and every override.
  const packaged = Promise.all([
    slsPackage('default', []),
    slsPackage('override', [
      '--stage',
      'test',
      '--region',
      'eu-west-1',
      '--param=macroName=WarmStepFunctionsTest',
      '--param=resolveExternal=true',
      '--param=memorySize=1024',
      '--param=timeout=30',
      '--param=runtime=nodejs22.x',
      '--param=logLevel=WARN',
      '--param=s3DefinitionBuckets=aws-sam-cli-managed-default-samclisourcebucket-1x2y3z, cdk-hnb659fds-assets-111122223333-eu-west-1',
    ]),
  ]);
  await warmUpTemplateValidator(); // builds the validator engine (seconds, synchronous) while Serverless runs
  [byDefault, overridden] = await packaged;
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('serverless.yml (serverless package, offline)', () => {
  test('defines exactly one Lambda function and one macro that names it via Fn::GetAtt', () => {
    const [fnId] = single(byDefault.template, 'AWS::Lambda::Function');
    expect(fnId).toBe('MacroLambdaFunction');
    const [, macro] = single(byDefault.template, 'AWS::CloudFormation::Macro');
    expect(macro.Properties.Name).toBe('WarmStepFunctions');
    expect(macro.Properties.FunctionName).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
  });

  test('function: nodejs24.x on arm64, handler dist/macro.handler, 512 MB / 60 s, WARM_RESOLVE_EXTERNAL=false, JSON logs at INFO', () => {
    const [, fn] = single(byDefault.template, 'AWS::Lambda::Function');
    expect(fn.Properties.LoggingConfig).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' });
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'dist/macro.handler',
      MemorySize: 512,
      Timeout: 60,
      FunctionName: `${SERVICE}-prod-macro`,
      Environment: { Variables: { WARM_RESOLVE_EXTERNAL: 'false', WARM_S3_DEFINITIONS: 'false', WARM_S3_DEFINITION_BUCKETS: '' } },
    });
    expect(fn.Properties.Code.S3Key).toMatch(new RegExp(`/${SERVICE}\\.zip$`));
  });

  test('log group keeps logs 30 days', () => {
    const [, logGroup] = single(byDefault.template, 'AWS::Logs::LogGroup');
    expect(logGroup.Properties).toEqual({
      LogGroupName: `/aws/lambda/${SERVICE}-prod-macro`,
      RetentionInDays: 30,
    });
  });

  test('the artifact zip holds only dist/macro.js and dist/package.json, byte-identical to the build', async () => {
    const entries = await readZipEntries(byDefault.zip);
    expect(entries.map((e) => e.name).sort()).toEqual([...ARTIFACT].sort());
    for (const e of entries) expect(e.data.equals(readFileSync(join(ROOT, e.name)))).toBe(true);
    expect(JSON.parse(readFileSync(join(ROOT, 'dist/package.json'), 'utf8'))).toEqual({ type: 'module' });
  });

  test('the zipped bundle exports the configured handler (dist/macro.handler), loaded as Lambda loads an ES module handler (import)', async () => {
    const [, fn] = single(byDefault.template, 'AWS::Lambda::Function');
    const [file, exportName] = [fn.Properties.Handler.replace(/\.[^.]+$/, ''), fn.Properties.Handler.split('.').pop()];
    const taskRoot = join(work, 'task-root');
    for (const e of await readZipEntries(byDefault.zip)) {
      mkdirSync(join(taskRoot, e.name, '..'), { recursive: true });
      writeFileSync(join(taskRoot, e.name), e.data);
    }
    const probe = [
      `const m = await import(${JSON.stringify(join(taskRoot, `${file}.js`))});`,
      `if (typeof m[${JSON.stringify(exportName)}] !== 'function') { console.log('NO_HANDLER'); process.exit(0); }`,
      `const r = await m[${JSON.stringify(exportName)}]({ requestId: 'probe-1', fragment: { Resources: {} } }, {});`,
      `console.log(JSON.stringify(r));`,
    ].join('\n');
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', probe], { cwd: taskRoot });
    const reply = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(reply.requestId).toBe('probe-1');
    expect(typeof reply.status).toBe('string');
  });

  test('`serverless invoke local -f macro` on a valid macro event replies status success, fragment rewritten', async () => {
    const template = JSON.parse(readFileSync(join(ROOT, 'template/examples/serverless-seed/compiled.json'), 'utf8'));
    delete template.Transform;
    const eventFile = join(work, 'invoke-event.json');
    writeFileSync(
      eventFile,
      JSON.stringify({
        region: 'us-east-1',
        accountId: '123456789012',
        fragment: template,
        transformId: '123456789012::WarmStepFunctions',
        params: {},
        requestId: 'invoke-local-1',
        templateParameterValues: {},
      }),
    );
    const sls = require.resolve('serverless/bin/serverless.js', { paths: [ROOT] });
    const { stdout } = await execFileAsync(process.execPath, [sls, 'invoke', 'local', '-f', 'macro', '-p', eventFile], {
      cwd: ROOT,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      maxBuffer: 64 * 1024 * 1024,
    });
    // The function's log lines come first, one JSON object each; then the reply, pretty-printed.
    const lines = stdout.split('\n');
    const start = lines.indexOf('{');
    expect(start).toBeGreaterThan(0);
    for (const l of lines.slice(0, start).filter(Boolean)) expect(JSON.parse(l)).toMatchObject({ requestId: 'invoke-local-1' });
    const reply = JSON.parse(lines.slice(start).join('\n'));
    expect(reply).toMatchObject({ requestId: 'invoke-local-1', status: 'success' });
    expect(reply.fragment.Resources.Hello.Properties.DefinitionString['Fn::Sub'][1]).toEqual({
      d9c520373cb4d5c2b85bd6ec0e3422d7: { Ref: 'HelloProvConcLambdaAlias' },
      e794cfa2d86a8670d3dcf7fa128eb2e5: { Ref: 'HiProvConcLambdaAlias' },
    });
  }, 120_000);

  test('role: CloudWatch Logs only when resolveExternal and s3DefinitionBuckets are off (default)', () => {
    const [, fn] = single(byDefault.template, 'AWS::Lambda::Function');
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    expect(single(byDefault.template, 'AWS::IAM::Role')[0]).toBe(roleId);
    expectLogsOnly(roleStatements(byDefault.template, roleId));
  });

  test('overrides: macro name, resolveExternal (IAM + env), memory, timeout, runtime, log level, stage, region', async () => {
    const t = overridden.template;
    const [fnId, fn] = single(t, 'AWS::Lambda::Function');
    expect(fn.Properties.LoggingConfig).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'WARN', SystemLogLevel: 'WARN' });
    const [, macro] = single(t, 'AWS::CloudFormation::Macro');
    expect(macro.Properties.Name).toBe('WarmStepFunctionsTest');
    expect(macro.Properties.FunctionName).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 30,
      FunctionName: `${SERVICE}-test-macro`,
      Environment: {
        Variables: {
          WARM_RESOLVE_EXTERNAL: 'true',
          WARM_S3_DEFINITIONS: 'true',
          // The reader's own allowlist: the names as the role's Resource lists them, trimmed.
          WARM_S3_DEFINITION_BUCKETS: 'aws-sam-cli-managed-default-samclisourcebucket-1x2y3z,cdk-hnb659fds-assets-111122223333-eu-west-1',
        },
      },
    });
    const statements = roleStatements(t, fn.Properties.Role['Fn::GetAtt'][0]);
    expectLogsPlusReadOnlyLambda(statements.filter((s) => !s3Statements(statements).includes(s)));
    // s3DefinitionBuckets: the objects of exactly the listed buckets, read-only, in the deployment's partition.
    expectS3Read(statements, [
      { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::aws-sam-cli-managed-default-samclisourcebucket-1x2y3z/*' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::cdk-hnb659fds-assets-111122223333-eu-west-1/*' },
    ]);
    const state = JSON.parse(readFileSync(join(overridden.dir, 'serverless-state.json'), 'utf8'));
    expect(state.service.provider.region).toBe('eu-west-1');
    expect((await zipNames(overridden.zip)).sort()).toEqual([...ARTIFACT].sort());
  });

  test('s3DefinitionBuckets that are not bucket names fail the packaging, naming the option', async () => {
    await expect(slsPackage('bad-buckets', ['--param=s3DefinitionBuckets=s3://my-bucket/flows'])).rejects.toThrow(
      /s3DefinitionBuckets: not S3 bucket names: s3:\/\/my-bucket\/flows/,
    );
  }, 120_000);

  test('compiled templates have no error-level validation finding', async () => {
    expect(await errorsIn(byDefault.template)).toBe('');
    expect(await errorsIn(overridden.template)).toBe('');
  });
});

describe('template/macro.yml (plain CloudFormation)', () => {
  const file = join(ROOT, 'template/macro.yml');
  const template = () => parseYaml(readFileSync(file, 'utf8'));

  test('function, macro and parameters', () => {
    const t = template();
    const [fnId, fn] = single(t, 'AWS::Lambda::Function');
    const [, macro] = single(t, 'AWS::CloudFormation::Macro');
    expect(macro.Properties.Name).toEqual({ Ref: 'MacroName' });
    expect(macro.Properties.FunctionName).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
    expect(t.Parameters.MacroName.Default).toBe('WarmStepFunctions');
    expect(t.Parameters.ResolveExternal).toMatchObject({ Default: 'false', AllowedValues: ['true', 'false'] });
    expect(t.Parameters.MemorySize.Default).toBe(512);
    expect(t.Parameters.Timeout.Default).toBe(60);
    expect(t.Parameters.Runtime).toMatchObject({ Default: 'nodejs24.x', AllowedValues: ['nodejs24.x', 'nodejs22.x'] });
    expect(t.Parameters.LogLevel).toMatchObject({ Default: 'INFO' });
    expect(fn.Properties.LoggingConfig).toEqual({
      LogFormat: 'JSON',
      ApplicationLogLevel: { Ref: 'LogLevel' },
      SystemLogLevel: 'WARN',
      LogGroup: { Ref: 'MacroLogGroup' },
    });
    expect(fn.Properties).toMatchObject({
      Runtime: { Ref: 'Runtime' },
      Architectures: ['arm64'],
      Handler: 'dist/macro.handler',
      MemorySize: { Ref: 'MemorySize' },
      Timeout: { Ref: 'Timeout' },
      Environment: { Variables: { WARM_RESOLVE_EXTERNAL: { Ref: 'ResolveExternal' } } },
    });
    const [, logGroup] = single(t, 'AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toEqual({ Ref: 'LogRetentionInDays' });
    expect(t.Parameters.LogRetentionInDays.Default).toBe(30);
  });

  test('Code is the local zip written by scripts/package.mjs (for `aws cloudformation package`)', () => {
    const [, fn] = single(template(), 'AWS::Lambda::Function');
    expect(typeof fn.Properties.Code).toBe('string');
    expect(resolve(ROOT, 'template', fn.Properties.Code)).toBe(join(ROOT, 'dist/macro.zip'));
  });

  test('role: logs only unless ResolveExternal=true, then exactly the read-only Lambda actions too', () => {
    const t = template();
    expect(t.Conditions.ResolveExternalEnabled).toEqual({ 'Fn::Equals': [{ Ref: 'ResolveExternal' }, 'true'] });
    const [, fn] = single(t, 'AWS::Lambda::Function');
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    expectLogsOnly(roleStatements(t, roleId, { ResolveExternalEnabled: false, S3DefinitionsEnabled: false }));
    expectLogsPlusReadOnlyLambda(roleStatements(t, roleId, { ResolveExternalEnabled: true, S3DefinitionsEnabled: false }));
  });

  test("S3DefinitionBuckets: off by default; s3:GetObject and s3:GetObjectVersion on exactly the listed buckets' objects, in each partition", () => {
    const t = template();
    expect(t.Parameters.S3DefinitionBuckets).toMatchObject({ Type: 'CommaDelimitedList', Default: '' });
    const [, fn] = single(t, 'AWS::Lambda::Function');
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const run = (buckets: string[], partition: string) => {
      const values = { S3DefinitionBuckets: buckets, ResolveExternal: 'false', 'AWS::Partition': partition };
      const conditions = conditionsOf(t, values);
      const statements = evaluate(roleStatements(t, roleId, conditions), values, conditions) as unknown as Statement[];
      const env = evaluate(fn.Properties.Environment.Variables.WARM_S3_DEFINITIONS, values, conditions);
      const list = evaluate(fn.Properties.Environment.Variables.WARM_S3_DEFINITION_BUCKETS, values, conditions);
      return { statements, env, list };
    };
    const off = run([''], 'aws');
    expect(off.env).toBe('false');
    expect(off.list).toBe('');
    expectLogsOnly(off.statements);
    const on = run(['aws-sam-cli-managed-default-samclisourcebucket-1x2y3z', 'cdk-hnb659fds-assets-111122223333-us-east-1'], 'aws');
    expect(on.env).toBe('true');
    expect(on.list).toBe('aws-sam-cli-managed-default-samclisourcebucket-1x2y3z,cdk-hnb659fds-assets-111122223333-us-east-1');
    expectS3Read(on.statements, [
      'arn:aws:s3:::aws-sam-cli-managed-default-samclisourcebucket-1x2y3z/*',
      'arn:aws:s3:::cdk-hnb659fds-assets-111122223333-us-east-1/*',
    ]);
    expectLogsOnly(on.statements.filter((s) => !s3Statements(on.statements).includes(s)));
    expectS3Read(run(['one-bucket'], 'aws').statements, ['arn:aws:s3:::one-bucket/*']);
    expectS3Read(run(['a-bucket', 'b-bucket'], 'aws-cn').statements, ['arn:aws-cn:s3:::a-bucket/*', 'arn:aws-cn:s3:::b-bucket/*']);
    expectS3Read(run(['a-bucket', 'b-bucket'], 'aws-us-gov').statements, ['arn:aws-us-gov:s3:::a-bucket/*', 'arn:aws-us-gov:s3:::b-bucket/*']);
  });

  test('no error-level validation finding, as written and as `aws cloudformation package` rewrites it', async () => {
    const text = readFileSync(file, 'utf8');
    expect(await errorsIn(text)).toBe('');
    expect(await errorsIn(text, { ResolveExternal: 'true', MacroName: 'WarmStepFunctionsTest' })).toBe('');
    expect(await errorsIn(text, { S3DefinitionBuckets: 'bucket-a,bucket-b' })).toBe('');
    // `aws cloudformation package` replaces the local path with {S3Bucket, S3Key}.
    const packaged = template();
    single(packaged, 'AWS::Lambda::Function')[1].Properties.Code = { S3Bucket: 'my-bucket', S3Key: 'abc123' };
    expect(await errorsIn(packaged)).toBe('');
  });

  test('the validator does catch a broken template (negative control)', async () => {
    const broken = template();
    delete single(broken, 'AWS::Lambda::Function')[1].Properties.Role;
    single(broken, 'AWS::CloudFormation::Macro')[1].Properties.Bogus = true;
    expect((await errorsIn(broken)).split('\n').length).toBeGreaterThanOrEqual(2);
  });
});

describe('template/stackset.yml (self-managed StackSets)', () => {
  const file = join(ROOT, 'template/stackset.yml');
  const template = () => parseYaml(readFileSync(file, 'utf8'));

  test('code comes from the regional bucket ${CodeBucketPrefix}-${AWS::Region}', () => {
    const t = template();
    const [fnId, fn] = single(t, 'AWS::Lambda::Function');
    expect(fn.Properties.Code).toEqual({
      S3Bucket: { 'Fn::Sub': '${CodeBucketPrefix}-${AWS::Region}' },
      S3Key: { Ref: 'CodeKey' },
    });
    expect(fn.Properties).toMatchObject({ Runtime: { Ref: 'Runtime' }, Architectures: ['arm64'], Handler: 'dist/macro.handler' });
    expect(t.Parameters.Runtime).toMatchObject({ Default: 'nodejs24.x', AllowedValues: ['nodejs24.x', 'nodejs22.x'] });
    expect(fn.Properties.LoggingConfig).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: { Ref: 'LogLevel' } });
    const [, macro] = single(t, 'AWS::CloudFormation::Macro');
    expect(macro.Properties.FunctionName).toEqual({
      'Fn::If': ['CreateFunction', { 'Fn::GetAtt': [fnId, 'Arn'] }, { Ref: 'SharedFunctionArn' }],
    });
  });

  test('role: logs only unless ResolveExternal=true', () => {
    const t = template();
    const [, fn] = single(t, 'AWS::Lambda::Function');
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    expectLogsOnly(roleStatements(t, roleId, { ResolveExternalEnabled: false, CreateFunction: true, S3DefinitionsEnabled: false }));
    expectLogsPlusReadOnlyLambda(roleStatements(t, roleId, { ResolveExternalEnabled: true, CreateFunction: true, S3DefinitionsEnabled: false }));
    const values = { S3DefinitionBuckets: ['bucket-a', 'bucket-b'], 'AWS::Partition': 'aws' };
    const conditions = {
      ...conditionsOf(
        {
          Conditions: {
            S3DefinitionsEnabled: t.Conditions.S3DefinitionsEnabled,
            PartitionAwsCn: t.Conditions.PartitionAwsCn,
            PartitionAwsUsGov: t.Conditions.PartitionAwsUsGov,
          },
        },
        values,
      ),
      ResolveExternalEnabled: false,
      CreateFunction: true,
    };
    const statements = evaluate(roleStatements(t, roleId, conditions), values, conditions) as unknown as Statement[];
    expectS3Read(statements, ['arn:aws:s3:::bucket-a/*', 'arn:aws:s3:::bucket-b/*']);
    expect(evaluate(fn.Properties.Environment.Variables.WARM_S3_DEFINITIONS, values, conditions)).toBe('true');
  });

  test('no error-level validation finding (own function, and shared cross-account function)', async () => {
    const text = readFileSync(file, 'utf8');
    expect(await errorsIn(text, { CodeBucketPrefix: 'my-macro-code' })).toBe('');
    expect(await errorsIn(text, { SharedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:WarmStepFunctions' })).toBe('');
  });
});

// ---------------------------------------------------------------- least privilege (issue 22, docs/security.md)

/** The role's statements in each deployment, with every feature on (ResolveExternal and two S3 buckets). */
function everyFeatureOn(): { name: string; statements: Statement[]; logActions: string[] }[] {
  const buckets = ['bucket-a', 'bucket-b'];
  const plain = (file: string, extra: Record<string, boolean>) => {
    const t = parseYaml(readFileSync(join(ROOT, file), 'utf8'));
    const [, fn] = single(t, 'AWS::Lambda::Function');
    const values = { S3DefinitionBuckets: buckets, ResolveExternal: 'true', SharedFunctionArn: '', 'AWS::Partition': 'aws' };
    const conditions = { ...conditionsOf(t, values), ...extra };
    const statements = evaluate(roleStatements(t, fn.Properties.Role['Fn::GetAtt'][0], conditions), values, conditions) as unknown as Statement[];
    return { name: file, statements, logActions: ['logs:CreateLogStream', 'logs:PutLogEvents'] };
  };
  const [, fn] = single(overridden.template, 'AWS::Lambda::Function');
  return [
    plain('template/macro.yml', {}),
    plain('template/stackset.yml', { CreateFunction: true }),
    // Serverless v3 writes its own CloudWatch Logs statement (iam-role-lambda-execution-template.json), on the
    // function's log group only; it has no setting to leave out logs:CreateLogGroup and logs:TagResource.
    {
      name: 'serverless.yml',
      statements: roleStatements(overridden.template, fn.Properties.Role['Fn::GetAtt'][0]),
      logActions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:TagResource'],
    },
  ];
}

describe('the macro role grants exactly what the bundle calls (dist/macro.js)', () => {
  const calls = () => bundleCalls(readFileSync(join(ROOT, BUNDLE), 'utf8'));

  test('the bundle sends exactly the SDK commands whose IAM actions are known, each from its own client', () => {
    const c = calls();
    expect(c.sent).toEqual(['GetObjectCommand', 'ListAliasesCommand', 'ListProvisionedConcurrencyConfigsCommand']);
    // No command used any other way (passed around, looked up by name): every mention is a `new`.
    expect(c.mentioned).toEqual(c.sent);
    // The table holds nothing the bundle no longer sends.
    expect(Object.keys(COMMAND_ACTIONS).sort()).toEqual(c.sent);
    expect(c.clients).toEqual([...new Set(c.sent.map((x) => COMMAND_ACTIONS[x].client))].sort());
  });

  test('the reading of a bundle (negative controls): renamed modules, bare classes, other uses, unknown commands', () => {
    const c = bundleCalls(
      'const a=await import("@aws-sdk/client-lambda");x.send(new a.GetAliasCommand({}));new $b.ListAliasesCommand();new PutObjectCommand(y);z(q.DeleteObjectCommand)',
    );
    expect(c.sent).toEqual(['GetAliasCommand', 'ListAliasesCommand', 'PutObjectCommand']);
    expect(c.mentioned).toEqual(['DeleteObjectCommand', 'GetAliasCommand', 'ListAliasesCommand', 'PutObjectCommand']);
    expect(c.clients).toEqual(['@aws-sdk/client-lambda']);
    expect(() => actionsFor(['GetAliasCommand'])).toThrow(/no IAM actions known for GetAliasCommand/);
  });

  test.each(['template/macro.yml', 'template/stackset.yml', 'serverless.yml'])(
    '%s, every feature on: every command is granted, and nothing else but the log writes',
    (name) => {
      const d = everyFeatureOn().find((x) => x.name === name)!;
      for (const st of d.statements) expect(st.Effect).toBe('Allow');
      const actions = [...new Set(actionsOf(d.statements))].sort();
      // No wildcard action anywhere.
      for (const a of actions) expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      expect(actions.filter((a) => !a.startsWith('logs:'))).toEqual(actionsFor(calls().sent));
      expect(actions.filter((a) => a.startsWith('logs:'))).toEqual(d.logActions);
      // The log writes are on the function's own log group, never on '*'.
      for (const st of d.statements.filter((x) => actionsOf([x]).some((a) => a.startsWith('logs:')))) expect([st.Resource].flat()).not.toContain('*');
    },
  );
});

describe('S3DefinitionBuckets: bucket names only, the same rule in every deployment and in the reader', () => {
  const ACCEPTED = [
    '',
    'my-bucket',
    'a.b.c',
    'aws-sam-cli-managed-default-samclisourcebucket-1x2y3z',
    'cdk-hnb659fds-assets-111122223333-us-east-1',
    'x'.repeat(63),
  ];
  const REJECTED = [
    '*',
    'my-bucket*',
    'my-?',
    'my-bucket/*',
    'my-bucket/key',
    's3://my-bucket',
    'My-Bucket',
    'a..b',
    '${AWS::AccountId}',
    'ab',
    '-ab',
    'ab-',
    'a b',
    ' my-bucket',
    'x'.repeat(64),
    'arn:aws:s3:::my-bucket',
  ];

  test.each(['template/macro.yml', 'template/stackset.yml'])(
    '%s: AllowedPattern (applied to each name of the list) accepts names, and empty for off',
    (file) => {
      const p = parseYaml(readFileSync(join(ROOT, file), 'utf8')).Parameters.S3DefinitionBuckets;
      expect(p.Type).toBe('CommaDelimitedList');
      expect(p.AllowedPattern).toBe(`^$|${BUCKET_NAME.source}`);
      const re = new RegExp(p.AllowedPattern);
      expect(ACCEPTED.filter((b) => !re.test(b))).toEqual([]);
      expect(REJECTED.filter((b) => re.test(b))).toEqual([]);
    },
  );

  test('scripts/serverless-iam.js and the reader (macro/aws/s3-definitions.ts) use the same pattern', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { BUCKET } = require(join(ROOT, 'scripts/serverless-iam.js')) as { BUCKET: RegExp };
    expect(BUCKET.source).toBe(BUCKET_NAME.source);
    expect(ACCEPTED.filter((b) => b !== '' && !BUCKET_NAME.test(b))).toEqual([]);
    expect(REJECTED.filter((b) => BUCKET_NAME.test(b))).toEqual([]);
  });

  test('serverless package refuses a wildcard in s3DefinitionBuckets', async () => {
    await expect(slsPackage('wildcard-bucket', ['--param=s3DefinitionBuckets=my-bucket,*'])).rejects.toThrow(/s3DefinitionBuckets: not S3 bucket names: \*/);
  }, 120_000);
});

describe('scripts/package.mjs zip writer (yazl)', () => {
  /** Runs createZip in a child process (scripts/package.mjs is an ES module) and returns the zip's bytes. */
  async function zipOf(data: Buffer, env: Record<string, string> = {}): Promise<Buffer> {
    const dir = mkdtempSync(join(work, 'zip-'));
    const input = join(dir, 'bundle.js');
    const out = join(dir, 'out.zip');
    writeFileSync(input, data);
    const script = [
      `import { createZip } from ${JSON.stringify(join(ROOT, 'scripts/package.mjs'))};`,
      `import { readFileSync, writeFileSync } from 'node:fs';`,
      `writeFileSync(${JSON.stringify(out)}, await createZip([{ name: 'dist/macro.js', data: readFileSync(${JSON.stringify(input)}) }]));`,
    ].join('\n');
    await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, ...env } });
    return readFileSync(out);
  }

  test('writes a zip holding only the given entry, readable by a standard reader (yauzl, CRC-checked)', async () => {
    const bundle = readFileSync(join(ROOT, BUNDLE));
    const entries = await readZipEntries(await zipOf(bundle));
    expect(entries.map((e) => e.name)).toEqual([BUNDLE]);
    expect(entries[0].data.equals(bundle)).toBe(true);
  }, 60_000);

  test('fixed metadata: DOS epoch timestamp, mode 0644, stored, no extended-timestamp field', async () => {
    const [entry] = await readZipEntries(await zipOf(readFileSync(join(ROOT, BUNDLE))));
    expect(entry.dosDate).toBe((0 << 9) | (1 << 5) | 1); // 1980-01-01
    expect(entry.dosTime).toBe(0); // 00:00:00
    expect(entry.mode).toBe(0o100644);
    expect(entry.compressionMethod).toBe(0);
    expect(entry.extraFieldIds).toEqual([]);
  }, 60_000);

  test('reproducible: the same bundle gives the same bytes (twice, and in other time zones); another bundle other bytes', async () => {
    const bundle = readFileSync(join(ROOT, BUNDLE));
    const [first, second, east, west] = await Promise.all([
      zipOf(bundle),
      zipOf(bundle),
      zipOf(bundle, { TZ: 'Pacific/Kiritimati' }), // UTC+14
      zipOf(bundle, { TZ: 'America/Los_Angeles' }), // UTC-8/-7
    ]);
    expect(second.equals(first)).toBe(true);
    expect(east.equals(first)).toBe(true);
    expect(west.equals(first)).toBe(true);
    const changed = Buffer.concat([bundle, Buffer.from('\n// changed\n')]);
    expect((await zipOf(changed)).equals(first)).toBe(false);
    const sameLengthOtherByte = Buffer.from(bundle);
    sameLengthOtherByte[sameLengthOtherByte.length - 1] ^= 1;
    expect((await zipOf(sameLengthOtherByte)).equals(first)).toBe(false);
  }, 60_000);

  test('`node scripts/package.mjs --no-build --no-serverless` twice writes byte-identical dist/macro.zip files', async () => {
    // Run in a copy of the script next to a copy of the bundle, so the repository's dist/ is left alone.
    const dir = mkdtempSync(join(work, 'pkg-'));
    mkdirSync(join(dir, 'scripts'));
    mkdirSync(join(dir, 'dist'));
    copyFileSync(join(ROOT, 'scripts/package.mjs'), join(dir, 'scripts/package.mjs'));
    for (const f of ARTIFACT) copyFileSync(join(ROOT, f), join(dir, f));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const runOnce = async (): Promise<Buffer> => {
      await execFileAsync(process.execPath, ['scripts/package.mjs', '--no-build', '--no-serverless'], { cwd: dir });
      return readFileSync(join(dir, 'dist/macro.zip'));
    };
    const first = await runOnce();
    rmSync(join(dir, 'dist/macro.zip'));
    const second = await runOnce();
    expect(second.equals(first)).toBe(true);
    expect((await zipNames(first)).sort()).toEqual([...ARTIFACT].sort());
  }, 60_000);
});
