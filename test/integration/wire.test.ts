/**
 * Wire-level tests: the built CLI (`node dist/cli.cjs verify ...`) and the built Lambda bundle
 * (`dist/macro.js` with ResolveExternal on), each in its own process with the real AWS SDK, against
 * a loopback endpoint (test/support/aws-wire.ts) that speaks CloudFormation's query protocol,
 * Step Functions' JSON 1.0 protocol and Lambda's REST protocol, pointed at with AWS_ENDPOINT_URL.
 *
 * aws-sdk-client-mock replaces `Client#send`, so the unit tests never see serialization, paging
 * tokens, error parsing or the retry middleware; these tests do: each call here is one that the
 * real services answer, in their own shapes, including their errors.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fnArn, smArn, startFakeAws, wireEnv, type FakeAccount, type FakeMachine, type WireCall, type WireServer } from '../support/aws-wire';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.cjs');
const BUNDLE = join(ROOT, 'dist', 'macro.js');
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const HERE = { region: REGION, account: ACCOUNT };
const INVOKE = 'arn:aws:states:::lambda:invoke';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

beforeAll(() => {
  const built = Math.min(...[CLI, BUNDLE].map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  if (built < Math.max(newestSource(join(ROOT, 'macro')), statSync(join(ROOT, 'package.json')).mtimeMs)) {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  }
}, 150_000);

let server: WireServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(fake: FakeAccount): Promise<WireServer> {
  server = await startFakeAws(fake);
  return server;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command in a child process (asynchronously: the endpoint lives in this process). */
function spawn(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

const verify = (s: WireServer, args: string[]): Promise<Run> => spawn([CLI, 'verify', ...args], wireEnv(s, REGION));

const count = (calls: WireCall[], operation: string): number => calls.filter((c) => c.operation === operation).length;

// ---------------------------------------------------------------------------------------------
// The account behind the endpoint

const ORDER_FLOW: FakeMachine = {
  name: 'OrderFlow-k3J9xQ2mZ8pL',
  definition: {
    StartAt: 'Validate',
    States: {
      Validate: { Type: 'Task', Resource: `${fnArn(HERE, 'orders-validate')}:live`, Next: 'Charge' },
      Charge: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: fnArn(HERE, 'orders-charge'), 'Payload.$': '$' }, Next: 'Notify' },
      Notify: { Type: 'Task', Resource: fnArn(HERE, 'orders-notify'), End: true },
    },
  },
};

const REFUND_FLOW: FakeMachine = {
  name: 'RefundFlow-P0aW7rT1sV4e',
  definition: {
    StartAt: 'Refund',
    States: {
      Refund: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: 'orders-refund', Qualifier: 'live', 'Payload.$': '$' }, Next: 'Reconcile' },
      Reconcile: { Type: 'Task', Resource: `${fnArn(HERE, 'orders-reconcile')}:3`, End: true },
    },
  },
};

const WARM_FLOW: FakeMachine = {
  name: 'WarmFlow-Z1',
  definition: { StartAt: 'Validate', States: { Validate: { Type: 'Task', Resource: `${fnArn(HERE, 'orders-validate')}:live`, End: true } } },
};

const FUNCTIONS: FakeAccount['functions'] = {
  // Two configurations, one per page: ListProvisionedConcurrencyConfigs follows NextMarker.
  'orders-validate': {
    pc: { live: { status: 'READY', allocated: 5, requested: 5 }, '13': { status: 'READY', allocated: 1, requested: 1 } },
    aliases: { live: '14' },
    pageSize: 1,
  },
  'orders-charge': { pc: { live: { status: 'READY', allocated: 10, requested: 10 } }, aliases: { live: '9' } },
  'orders-notify': {},
  'orders-refund': { pc: { live: { status: 'IN_PROGRESS', allocated: 2, requested: 10 } }, aliases: { live: '4' } },
  'orders-reconcile': { pc: { '2': { status: 'READY', allocated: 1, requested: 1 }, '3': { status: 'READY', allocated: 5, requested: 5 } } },
};

const machineResource = (logicalId: string, m: FakeMachine) => ({ logicalId, type: 'AWS::StepFunctions::StateMachine', physicalId: smArn(HERE, m.name) });
const other = (k: number) => ({ logicalId: `Queue${k}`, type: 'AWS::SQS::Queue', physicalId: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/q${k}` });

function account(overrides: Partial<FakeAccount> = {}): FakeAccount {
  return {
    ...HERE,
    // Seven resources, two per page: ListStackResources follows NextToken over four pages.
    stacks: {
      'orders-prod': [other(1), machineResource('OrderFlow', ORDER_FLOW), other(2), other(3), machineResource('RefundFlow', REFUND_FLOW), other(4), other(5)],
    },
    stackPageSize: 2,
    machines: [ORDER_FLOW, REFUND_FLOW, WARM_FLOW],
    functions: FUNCTIONS,
    ...overrides,
  };
}

interface JsonResult {
  stateMachines: number;
  rows: { stateMachine: string; state: string; function: string; qualifier: string; status: string; verdict: string; note?: string }[];
  executions: { stateMachine: string; execution: string; state: string; qualifier: string }[];
  executionErrors: { stateMachine: string; message: string }[];
  executionNotes: { stateMachine: string; message: string }[];
}

const verdicts = (r: JsonResult) => r.rows.map((x) => `${x.stateMachine}/${x.state || '-'}: ${x.verdict}`);

// ---------------------------------------------------------------------------------------------

describe('verify over the wire (node dist/cli.cjs verify)', () => {
  it('pages, throttling in each protocol, and every verdict: the stack is read whole, each throttled call retried', async () => {
    const s = await serve(
      account({
        // The first call of each kind is throttled, each in its service's own error shape.
        fault: (c) =>
          c.seen === 0 && ['ListStackResources', 'DescribeStateMachine', 'ListProvisionedConcurrencyConfigs', 'GetAlias'].includes(c.operation)
            ? 'throttle'
            : undefined,
      }),
    );
    const r = await verify(s, ['--stack', 'orders-prod', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as JsonResult;
    expect(result.stateMachines).toBe(2);
    expect(verdicts(result)).toEqual([
      'OrderFlow/Validate: warm',
      'OrderFlow/Charge: cold',
      'OrderFlow/Notify: no-pc',
      'RefundFlow/Refund: not-ready',
      'RefundFlow/Reconcile: warm',
    ]);
    expect(result.rows[0]).toMatchObject({ function: fnArn(HERE, 'orders-validate'), qualifier: 'live', status: 'READY', note: 'alias → version 14' });
    expect(result.rows[1]).toMatchObject({ note: 'provisioned concurrency is on live' });
    // The explicit Qualifier of a lambda:invoke task is what it invokes.
    expect(result.rows[3]).toMatchObject({ function: 'orders-refund', qualifier: 'live', status: 'IN_PROGRESS' });

    // ListStackResources: page 1 throttled and retried, then pages 2-4 by NextToken.
    const pages = s.callsOf('ListStackResources');
    expect(pages.map((c) => c.params.NextToken ?? null)).toEqual([null, null, expect.any(String), expect.any(String), expect.any(String)]);
    expect(new Set(pages.slice(2).map((c) => c.params.NextToken)).size).toBe(3);
    // ListProvisionedConcurrencyConfigs of orders-validate: one configuration per page, by Marker.
    const validate = s.callsOf('ListProvisionedConcurrencyConfigs').filter((c) => c.subject === fnArn(HERE, 'orders-validate'));
    expect(validate.map((c) => (c.params.Marker === undefined ? 'first' : 'marker'))).toEqual(['first', 'first', 'marker']);
    expect(count(s.calls, 'DescribeStateMachine')).toBe(2 + 2);
  }, 60_000);

  it('the table: 80 columns, the problems spelled out', async () => {
    const s = await serve(account());
    const r = await verify(s, ['--stack', 'orders-prod']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter((l) => l.length > 80)).toEqual([]);
    expect(r.stdout).toContain('! OrderFlow     Charge        orders-charge    (none)     none        -');
    expect(r.stdout).toContain('! RefundFlow    Refund        orders-refund    live       IN_PROGRESS 2/10');
    expect(r.stdout).toContain('2 state machine(s), 5 Lambda task(s): 2 warm, 1 cold, 1 not ready, 1 without');
  }, 60_000);

  it("SnapStart and durable functions: GetFunctionConfiguration, with the task's qualifier for a SnapStart version's snapshot", async () => {
    const snap = { SnapStart: { ApplyOn: 'PublishedVersions', OptimizationStatus: 'Off' } };
    const QUOTE_FLOW: FakeMachine = {
      name: 'QuoteFlow-Y2u3I4o5',
      definition: {
        StartAt: 'Live',
        States: {
          Live: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: fnArn(HERE, 'orders-quote'), Qualifier: 'live' }, Next: 'Old' },
          Old: { Type: 'Task', Resource: `${fnArn(HERE, 'orders-quote')}:2`, Next: 'Latest' },
          Latest: { Type: 'Task', Resource: fnArn(HERE, 'orders-quote'), Next: 'Saga' },
          Saga: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: fnArn(HERE, 'orders-saga') }, End: true },
        },
      },
    };
    const s = await serve(
      account({
        stacks: { q: [machineResource('QuoteFlow', QUOTE_FLOW)] },
        machines: [QUOTE_FLOW],
        functions: {
          'orders-quote': {
            aliases: { live: '3' },
            config: snap,
            versions: { '2': snap, '3': { SnapStart: { ApplyOn: 'PublishedVersions', OptimizationStatus: 'On' } } },
          },
          'orders-saga': { config: { DurableConfig: { ExecutionTimeout: 900 } } },
        },
      }),
    );
    const r = await verify(s, ['--stack', 'q']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('  QuoteFlow     Live          orders-quote     live       SnapStart   -');
    expect(r.stdout).toContain('! QuoteFlow     Old           orders-quote     2          SnapStart   -');
    expect(r.stdout).toContain('! QuoteFlow     Latest        orders-quote     (none)     none        -');
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('not ready: QuoteFlow/Old invokes');
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('1 state machine(s), 4 Lambda task(s): 1 warm, 1 cold, 1 failing at run time, 1 not ready');
    // The function's configuration once per function, and each qualifier of the SnapStart function once, on the wire.
    const asked = s.calls
      .filter((c) => c.operation === 'GetFunctionConfiguration')
      .map((c) => `${String(c.params.FunctionName).split(':').pop()}:${String(c.params.Qualifier ?? '-')}`);
    expect(asked.sort()).toEqual(['orders-quote:-', 'orders-quote:2', 'orders-quote:live', 'orders-saga:-']);
  }, 60_000);

  it('a computed FunctionName.$ is reported as not checked, and alone gives exit 2 (as check does)', async () => {
    const dynamic: FakeMachine = {
      name: 'Dyn-1',
      definition: {
        StartAt: 'Pick',
        States: {
          Pick: { Type: 'Task', Resource: INVOKE, Parameters: { 'FunctionName.$': '$.target', 'Payload.$': '$' }, Next: 'Validate' },
          Validate: { Type: 'Task', Resource: `${fnArn(HERE, 'orders-validate')}:live`, End: true },
        },
      },
    };
    const s = await serve(account({ stacks: { dyn: [machineResource('DynFlow', dynamic)] }, machines: [dynamic] }));
    const r = await verify(s, ['--stack', 'dyn']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^\? DynFlow {7}Pick {10}/m);
    expect(r.stdout.replace(/\n {2}/g, ' ')).toContain(
      'not checked: DynFlow/Pick: Parameters.FunctionName.$ is computed at run time; verify cannot tell which function it invokes',
    );
    expect(r.stderr).toBe('error: some tasks could not be checked (see "not checked" above)\n');
  }, 60_000);

  it('a stack that does not exist: ValidationError "Stack with id X does not exist", exit 2', async () => {
    const s = await serve(account());
    const r = await verify(s, ['--stack', 'orders-staging']);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: stack orders-staging does not exist in this account and region\n',
    });
    expect(s.callsOf('ListStackResources')).toHaveLength(1); // a client error is not retried
  }, 60_000);

  it('access denied to CloudFormation (403 AccessDenied): exit 2 with the reason', async () => {
    const s = await serve(account({ fault: (c) => (c.service === 'cloudformation' ? 'denied' : undefined) }));
    const r = await verify(s, ['--stack', 'orders-prod']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: access denied: User: arn:aws:iam::123456789012:user\/ci is not authorized to perform: cloudformation:ListStackResources/);
  }, 60_000);

  it('one state machine denied and one deleted: each its own row, the rest still checked, exit 2', async () => {
    const gone: FakeMachine = { name: 'Gone-1', definition: {} };
    const s = await serve(
      account({
        stacks: { 'orders-prod': [machineResource('OrderFlow', ORDER_FLOW), machineResource('GoneFlow', gone), machineResource('WarmFlow', WARM_FLOW)] },
        machines: [ORDER_FLOW, WARM_FLOW], // GoneFlow was deleted after the deployment
        fault: (c) => (c.operation === 'DescribeStateMachine' && c.subject === smArn(HERE, ORDER_FLOW.name) ? 'denied' : undefined),
      }),
    );
    const r = await verify(s, ['--stack', 'orders-prod', '--json']);
    expect(r.code).toBe(2);
    const result = JSON.parse(r.stdout) as JsonResult;
    expect(verdicts(result)).toEqual(['OrderFlow/-: unknown', 'GoneFlow/-: unknown', 'WarmFlow/Validate: warm']);
    expect(result.rows[0].note).toBe('access denied to the Step Functions API (needs states:DescribeStateMachine)');
    expect(result.rows[1].note).toBe(`state machine ${smArn(HERE, 'Gone-1')} does not exist (deleted since the stack was deployed?)`);
    expect(r.stderr).toBe('error: some tasks could not be checked (see "not checked" above)\n');
  }, 60_000);

  it('access denied to the Lambda API (403 AccessDeniedException): those rows are not checked, exit 2', async () => {
    const s = await serve(account({ stacks: { w: [machineResource('WarmFlow', WARM_FLOW)] }, fault: (c) => (c.service === 'lambda' ? 'denied' : undefined) }));
    const r = await verify(s, ['--stack', 'w', '--json']);
    expect(r.code).toBe(2);
    expect((JSON.parse(r.stdout) as JsonResult).rows).toEqual([
      expect.objectContaining({ state: 'Validate', verdict: 'unknown', note: 'access denied to the Lambda API' }),
    ]);
  }, 60_000);

  it('--executions 1001: ListExecutions past 1,000 (two pages), every history read and paged', async () => {
    const many: FakeMachine = {
      ...WARM_FLOW,
      executions: 1001,
      historyPageSize: 2,
      history: () => [
        { type: 'ExecutionStarted', executionStartedEventDetails: { input: '{}', roleArn: `arn:aws:iam::${ACCOUNT}:role/r` } },
        { type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Validate', input: '{}' } },
        { type: 'LambdaFunctionScheduled', lambdaFunctionScheduledEventDetails: { resource: `${fnArn(HERE, 'orders-validate')}:live`, input: '{}' } },
        { type: 'LambdaFunctionSucceeded', lambdaFunctionSucceededEventDetails: { output: '{}' } },
        { type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: '{}' } },
      ],
    };
    const s = await serve(account({ stacks: { w: [machineResource('WarmFlow', many)] }, machines: [many] }));
    const r = await verify(s, ['--stack', 'w', '--json', '--executions', '1001']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as JsonResult;
    expect(result.executions).toHaveLength(1001);
    expect(new Set(result.executions.map((e) => e.execution)).size).toBe(1001);
    expect(result.executions.every((e) => e.state === 'Validate' && e.qualifier === 'live')).toBe(true);
    expect(s.callsOf('ListExecutions').map((c) => [c.params.maxResults, c.params.nextToken === undefined])).toEqual([
      [1000, true],
      [1, false],
    ]);
    // Five events, two per page: three GetExecutionHistory calls per execution.
    expect(count(s.calls, 'GetExecutionHistory')).toBe(3 * 1001);
  }, 120_000);

  it('--executions on an Express state machine: its log group instead, and that alone is no failure (exit 0)', async () => {
    const express: FakeMachine = {
      ...WARM_FLOW,
      name: 'Express-1',
      type: 'EXPRESS',
      loggingConfiguration: {
        level: 'ALL',
        includeExecutionData: true,
        logGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/express-1:*`,
      },
    };
    const quiet: FakeMachine = { ...WARM_FLOW, name: 'Express-2', type: 'EXPRESS' };
    const s = await serve(
      account({ stacks: { e: [machineResource('ExpressFlow', express), machineResource('QuietFlow', quiet)] }, machines: [express, quiet] }),
    );
    const r = await verify(s, ['--stack', 'e', '--executions', '5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = r.stdout.replace(/\n {2}/g, ' ');
    expect(text).toContain(
      `ExpressFlow: executions not listable: Express; see log group arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/express-1 (level ALL, with execution data`,
    );
    expect(text).toContain(
      'QuietFlow: executions not listable: Express; Step Functions keeps no execution history for Express state machines, and this one logs nothing',
    );
    expect(count(s.calls, 'ListExecutions')).toBe(0);
  }, 60_000);

  it('a stalled endpoint: each attempt ends at --timeout, that machine is reported, the others checked', async () => {
    const s = await serve(
      account({
        stacks: { 'orders-prod': [machineResource('OrderFlow', ORDER_FLOW), machineResource('WarmFlow', WARM_FLOW)] },
        fault: (c) => (c.operation === 'DescribeStateMachine' && c.subject === smArn(HERE, ORDER_FLOW.name) ? 'stall' : undefined),
      }),
    );
    const r = await verify(s, ['--stack', 'orders-prod', '--json', '--timeout', '0.5']);
    expect(r.code).toBe(2);
    const result = JSON.parse(r.stdout) as JsonResult;
    expect(verdicts(result)).toEqual(['OrderFlow/-: unknown', 'WarmFlow/Validate: warm']);
    expect(result.rows[0].note).toBe('timed out: no answer within --timeout (5 attempts)');
    expect(s.callsOf('DescribeStateMachine').filter((c) => c.subject === smArn(HERE, ORDER_FLOW.name))).toHaveLength(5);
    // 5 attempts of 0.5 s, short backoffs between them, and the rest of the run.
    expect(r.ms).toBeLessThan(15_000);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// ResolveExternal: the bundled handler with the feature on, in its own process

/** A state machine whose states invoke the given functions (names of this account and Region, or ARNs). */
function externalTemplate(names: string[]): Record<string, unknown> {
  const states: Record<string, unknown> = {};
  names.forEach((n, k) => {
    states[`Call${k}`] = {
      Type: 'Task',
      Resource: n.startsWith('arn:') ? n : fnArn(HERE, n),
      ...(k + 1 < names.length ? { Next: `Call${k + 1}` } : { End: true }),
    };
  });
  return {
    Resources: {
      FlowRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          Policies: [
            {
              PolicyName: 'invoke',
              PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' }] },
            },
          ],
        },
      },
      Flow: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { RoleArn: { 'Fn::GetAtt': ['FlowRole', 'Arn'] }, Definition: { StartAt: 'Call0', States: states } },
      },
    },
  };
}

interface HandlerRun {
  status: string;
  errorMessage?: string;
  resources: Record<string, unknown>;
  reasons: string[];
  ms: number;
}

async function resolveOverWire(
  s: WireServer,
  names: string[],
  env: Record<string, string> = {},
  params: Record<string, string> = { ResolveExternal: 'true' },
): Promise<HandlerRun> {
  const event = {
    requestId: 'req-1',
    region: REGION,
    accountId: ACCOUNT,
    transformId: `${ACCOUNT}::WarmStepFunctions`,
    params,
    fragment: externalTemplate(names),
    templateParameterValues: {},
  };
  // An ES module, as the Lambda runtime imports the bundle.
  const script = `
    const { createHandler } = await import(${JSON.stringify(BUNDLE)});
    const reasons = [];
    const started = Date.now();
    const reply = await createHandler({ log: (l) => reasons.push(l.reason), env: process.env })(JSON.parse(process.env.WSF_EVENT));
    const states = reply.fragment && reply.fragment.Resources ? reply.fragment.Resources.Flow.Properties.Definition.States : {};
    const resources = Object.fromEntries(Object.entries(states).map(([k, v]) => [k, v.Resource]));
    process.stdout.write(JSON.stringify({ status: reply.status, errorMessage: reply.errorMessage, resources, reasons: reasons.filter(Boolean), ms: Date.now() - started }));
  `;
  const r = await spawn(['--input-type=module', '-e', script], {
    ...wireEnv(s, REGION),
    WSF_EVENT: JSON.stringify(event),
    WARM_RESOLVE_EXTERNAL: 'true',
    ...env,
  });
  if (r.code !== 0) throw new Error(`handler process failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as HandlerRun;
}

const warmFunctions = (names: string[]): FakeAccount['functions'] =>
  Object.fromEntries(names.map((n) => [n, { pc: { live: { status: 'READY' as const } }, aliases: { live: '1' } }]));

describe('ResolveExternal over the wire (dist/macro.js)', () => {
  it.each([8, 12])(
    '%i external functions, each throttled once (429 TooManyRequestsException): every one resolved, well inside the budget',
    async (n) => {
      const names = Array.from({ length: n }, (_, k) => `ext-${k + 1}`);
      const s = await serve({
        ...HERE,
        stacks: {},
        machines: [],
        functions: warmFunctions(names),
        fault: (c) => (c.operation === 'ListProvisionedConcurrencyConfigs' && c.seen === 0 ? 'throttle' : undefined),
      });
      const r = await resolveOverWire(s, names);
      expect(r.status).toBe('success');
      expect(Object.values(r.resources)).toEqual(names.map((x) => `${fnArn(HERE, x)}:live`));
      expect(count(s.calls, 'ListProvisionedConcurrencyConfigs')).toBe(2 * n);
      expect(r.ms).toBeLessThan(5_000); // the budget is 10 s
    },
    60_000,
  );

  it('paging: ListProvisionedConcurrencyConfigs and ListAliases follow NextMarker', async () => {
    const s = await serve({
      ...HERE,
      stacks: {},
      machines: [],
      functions: { paged: { pc: { blue: {}, '7': {}, live: {} }, aliases: { alpha: '1', blue: '2', green: '3' }, pageSize: 1 } },
    });
    const r = await resolveOverWire(s, ['paged'], {}, { ResolveExternal: 'true', AliasName: 'blue' });
    expect(r.status).toBe('success');
    expect(r.resources).toEqual({ Call0: `${fnArn(HERE, 'paged')}:blue` });
    expect(s.callsOf('ListProvisionedConcurrencyConfigs').map((c) => c.params.Marker !== undefined)).toEqual([false, true, true]);
    expect(s.callsOf('ListAliases').map((c) => c.params.Marker !== undefined)).toEqual([false, true, true]);
  }, 60_000);

  it('access denied on ListAliases and a missing function: warnings naming each; the other function is resolved', async () => {
    const s = await serve({
      ...HERE,
      stacks: {},
      machines: [],
      functions: warmFunctions(['ok-fn', 'denied-fn']),
      fault: (c) => (c.operation === 'ListAliases' && c.subject === fnArn(HERE, 'denied-fn') ? 'denied' : undefined),
    });
    const r = await resolveOverWire(s, ['ok-fn', 'denied-fn', 'gone-fn']);
    expect(r.status).toBe('success');
    expect(r.resources).toEqual({ Call0: `${fnArn(HERE, 'ok-fn')}:live`, Call1: fnArn(HERE, 'denied-fn'), Call2: fnArn(HERE, 'gone-fn') });
    const text = r.reasons.join('\n');
    // Not-found and access-denied read the same (docs/security.md), and the service's own message (which
    // names the caller) is not repeated.
    const unreadable = 'failed: not found, or the macro may not read it (it needs lambda:ListProvisionedConcurrencyConfigs and lambda:ListAliases';
    expect(r.reasons.filter((x) => x.includes(unreadable))).toHaveLength(2);
    expect(text).not.toMatch(/not authorized|Function not found|user\/ci/);
  }, 60_000);

  it('throttling that does not stop: at most 3 attempts, reported as throttled, inside the budget', async () => {
    const s = await serve({ ...HERE, stacks: {}, machines: [], functions: warmFunctions(['hot-fn']), fault: () => 'throttle' });
    const r = await resolveOverWire(s, ['hot-fn']);
    expect(r.status).toBe('success');
    expect(r.reasons.join('\n')).toMatch(/throttled by the Lambda API \(TooManyRequestsException; 3 attempts\)/);
    expect(count(s.calls, 'ListProvisionedConcurrencyConfigs')).toBe(3);
    expect(r.ms).toBeLessThan(10_000);
  }, 60_000);

  it('a stalled endpoint: every lookup ends at the budget (WARM_RESOLVE_BUDGET_MS=1500), rewrite mode succeeds, strict mode fails', async () => {
    const names = ['slow-1', 'slow-2', 'slow-3', 'slow-4', 'slow-5'];
    const s = await serve({ ...HERE, stacks: {}, machines: [], functions: warmFunctions(names), fault: () => 'stall' });
    const lenient = await resolveOverWire(s, names, { WARM_RESOLVE_BUDGET_MS: '1500' });
    expect(lenient.status).toBe('success');
    expect(lenient.ms).toBeGreaterThanOrEqual(1_400);
    expect(lenient.ms).toBeLessThan(1_500 + 2_000);
    expect(lenient.reasons.filter((x) => /timed out: the 1500 ms budget|not looked up: the 1500 ms budget/.test(x))).toHaveLength(names.length);
    // Four lookups at a time: the fifth is never sent.
    expect(count(s.calls, 'ListProvisionedConcurrencyConfigs')).toBe(4);
    const strict = await resolveOverWire(s, names, { WARM_RESOLVE_BUDGET_MS: '1500' }, { ResolveExternal: 'true', Mode: 'strict' });
    expect(strict.status).toBe('failure');
    expect(strict.errorMessage).toMatch(/timed out: the 1500 ms budget.*\(Mode strict\)/);
  }, 60_000);

  describe('lanes: partition, Region, account', () => {
    const OTHER = '111122223333';
    const eu = fnArn({ region: 'eu-west-1', account: ACCOUNT }, 'eu-fn');
    const theirs = fnArn({ region: REGION, account: OTHER }, 'shared-fn');
    const china = `arn:aws-cn:lambda:cn-north-1:${ACCOUNT}:function:cn-fn`;
    const warm = { pc: { live: { status: 'READY' as const } }, aliases: { live: '1' } };
    const fake = (): FakeAccount => ({ ...HERE, stacks: {}, machines: [], functions: warmFunctions(['here-fn']), elsewhere: { [eu]: warm, [theirs]: warm } });

    it("another Region's function is asked through that Region's endpoint (signed for it); another partition and an unnamed account are not asked", async () => {
      const s = await serve(fake());
      const r = await resolveOverWire(s, ['here-fn', eu, theirs, china]);
      expect(r.status).toBe('success');
      expect(r.resources).toEqual({ Call0: `${fnArn(HERE, 'here-fn')}:live`, Call1: `${eu}:live`, Call2: theirs, Call3: china });
      const asked = s
        .callsOf('ListProvisionedConcurrencyConfigs')
        .map((c) => `${c.subject} @ ${c.signedRegion}`)
        .sort();
      expect(asked).toEqual([`${eu} @ eu-west-1`, `${fnArn(HERE, 'here-fn')} @ ${REGION}`].sort());
      const text = r.reasons.join('\n');
      expect(text).toContain(`account ${OTHER} is not this stack's`);
      expect(text).toContain("its partition (aws-cn) is not this stack's (aws)");
    }, 60_000);

    it('ExternalAccounts names the other account: its function is looked up and rewritten; strict mode passes', async () => {
      const s = await serve(fake());
      const r = await resolveOverWire(s, [theirs], {}, { ResolveExternal: 'true', ExternalAccounts: OTHER, Mode: 'strict' });
      expect(r.status).toBe('success');
      expect(r.resources).toEqual({ Call0: `${theirs}:live` });
      expect(s.callsOf('ListAliases').map((c) => c.subject)).toEqual([theirs]);
    }, 60_000);

    it('strict mode: a missing function and a denied one fail with the same words', async () => {
      const s = await serve({ ...fake(), fault: (c) => (c.subject === fnArn(HERE, 'here-fn') ? 'denied' : undefined) });
      const denied = await resolveOverWire(s, ['here-fn'], {}, { ResolveExternal: 'true', Mode: 'strict' });
      const missing = await resolveOverWire(s, ['gone-fn'], {}, { ResolveExternal: 'true', Mode: 'strict' });
      expect(denied.status).toBe('failure');
      expect(missing.status).toBe('failure');
      expect(denied.errorMessage!.replace('here-fn', 'X')).toBe(missing.errorMessage!.replace('gone-fn', 'X'));
      expect(denied.errorMessage).not.toMatch(/not authorized|AccessDenied/);
    }, 60_000);

    it('the cap (WARM_RESOLVE_MAX_LOOKUPS=3): 5 functions, 3 asked, 2 warned about', async () => {
      const names = ['c-1', 'c-2', 'c-3', 'c-4', 'c-5'];
      const s = await serve({ ...HERE, stacks: {}, machines: [], functions: warmFunctions(names) });
      const r = await resolveOverWire(s, names, { WARM_RESOLVE_MAX_LOOKUPS: '3' });
      expect(r.status).toBe('success');
      expect(count(s.calls, 'ListProvisionedConcurrencyConfigs')).toBe(3);
      expect(r.reasons.filter((x) => x.includes('looks up at most 3 per template'))).toHaveLength(2);
    }, 60_000);
  });
});
