import 'aws-sdk-client-mock-jest';
/**
 * `warm-step-functions verify` (macro/cli/commands/verify.ts) against a deployed stack, with every AWS API
 * served by aws-sdk-client-mock (CloudFormation, Step Functions, Lambda).
 *
 * The main scenario is the stack `orders-prod`:
 * - OrderFlow: Validate → orders-validate:live (provisioned concurrency READY, warm),
 *   Charge → lambda:invoke of the unqualified orders-charge although `live` is warm (cold),
 *   Notify → orders-notify, which has no provisioned concurrency (no-pc).
 * - RefundFlow: Refund → lambda:invoke `orders-refund:live`, provisioned concurrency IN_PROGRESS
 *   (not ready), Audit → orders-validate:live again (warm), Reconcile → orders-reconcile:3,
 *   provisioned concurrency FAILED (not ready).
 *
 * The text table (formatTable) is at most 80 columns: a 1-character mark column (`!` cold or
 * not ready, `?` not checked), then STATE MACHINE, STATE, FUNCTION, QUALIFIER, PC, ALLOC/REQ
 * (widths 13, 13, 16, 10, 11, 9, one space apart); problem lines and the summary wrap at 80
 * with a two-space indent, and ARNs longer than a line are cut across lines.
 */
import {
  CloudFormationClient,
  ListStackResourcesCommand,
  type ListStackResourcesCommandInput,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  ProvisionedConcurrencyConfigNotFoundException,
  ResourceNotFoundException,
  type GetAliasCommandInput,
  type GetFunctionConfigurationCommandInput,
  type GetProvisionedConcurrencyConfigCommandInput,
  type ListProvisionedConcurrencyConfigsCommandInput,
} from '@aws-sdk/client-lambda';
import {
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  type DescribeStateMachineCommandInput,
  type GetExecutionHistoryCommandInput,
  type HistoryEvent,
  type ListExecutionsCommandInput,
} from '@aws-sdk/client-sfn';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { run, type Io } from '../../macro/cli/main';
import { exitCode, formatTable, runVerify, verifyStack, type VerifyClients, type VerifyResult, type VerifyRow } from '../../macro/cli/commands/verify';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const fnArn = (name: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const smArn = (name: string): string => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
const INVOKE = 'arn:aws:states:::lambda:invoke';
const T0 = new Date('2025-03-04T09:00:00Z');

// ---------------------------------------------------------------------------------------------
// Fakes behind the mocks

type Status = 'READY' | 'IN_PROGRESS' | 'FAILED';
interface FakeFunction {
  pc?: Record<string, { status: Status; allocated: number; requested: number }>;
  aliases?: Record<string, string>;
  /** What GetFunctionConfiguration returns beyond the name (SnapStart, DurableConfig, CapacityProviderConfig). */
  config?: Record<string, unknown>;
}

interface FakeMachine {
  logicalId: string;
  name: string;
  definition: unknown;
  /** Each execution's history, as pages of events. */
  executions?: { name: string; pages: HistoryEvent[][] }[];
  type?: 'STANDARD' | 'EXPRESS';
  logging?: { level: 'ALL' | 'ERROR' | 'FATAL' | 'OFF'; includeExecutionData: boolean; destinations?: { cloudWatchLogsLogGroup: { logGroupArn: string } }[] };
}

interface FakeStack {
  /** Pages of ListStackResources. */
  pages: StackResourceSummary[][];
  machines: FakeMachine[];
  functions: Record<string, FakeFunction>;
}

const resource = (logicalId: string, type: string, physicalId: string): StackResourceSummary => ({
  LogicalResourceId: logicalId,
  PhysicalResourceId: physicalId,
  ResourceType: type,
  ResourceStatus: 'UPDATE_COMPLETE',
  LastUpdatedTimestamp: T0,
});

const machineResource = (m: FakeMachine): StackResourceSummary => resource(m.logicalId, 'AWS::StepFunctions::StateMachine', smArn(m.name));

function nameOf(functionName: string | undefined): string {
  const parts = (functionName ?? '').split(':');
  return parts.length >= 7 ? parts[6] : parts[0];
}

const notFound = (what: string): ResourceNotFoundException =>
  new ResourceNotFoundException({ message: `Function not found: ${what}`, $metadata: { httpStatusCode: 404 } });

interface Mocks {
  cloudformation: AwsClientStub<CloudFormationClient>;
  sfn: AwsClientStub<SFNClient>;
  lambda: AwsClientStub<LambdaClient>;
}

function serve(mocks: Mocks, stack: FakeStack, stackName = 'orders-prod'): void {
  mocks.cloudformation.on(ListStackResourcesCommand).callsFake((input: ListStackResourcesCommandInput) => {
    if (input.StackName !== stackName) {
      throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), {
        name: 'ValidationError',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    }
    const k = input.NextToken === undefined ? 0 : Number(input.NextToken.replace('token-', ''));
    return { StackResourceSummaries: stack.pages[k], NextToken: k + 1 < stack.pages.length ? `token-${k + 1}` : undefined };
  });
  const machine = (arn: string | undefined): FakeMachine => {
    const m = stack.machines.find((x) => smArn(x.name) === arn);
    if (!m) throw Object.assign(new Error(`State Machine Does Not Exist: '${arn}'`), { name: 'StateMachineDoesNotExist' });
    return m;
  };
  mocks.sfn.on(DescribeStateMachineCommand).callsFake((input: DescribeStateMachineCommandInput) => {
    const m = machine(input.stateMachineArn);
    return {
      stateMachineArn: smArn(m.name),
      name: m.name,
      status: 'ACTIVE',
      definition: typeof m.definition === 'string' ? m.definition : JSON.stringify(m.definition),
      roleArn: `arn:aws:iam::${ACCOUNT}:role/${m.name}-role`,
      type: m.type ?? 'STANDARD',
      creationDate: T0,
      ...(m.logging ? { loggingConfiguration: m.logging } : {}),
    };
  });
  mocks.sfn.on(ListExecutionsCommand).callsFake((input: ListExecutionsCommandInput) => {
    const m = machine(input.stateMachineArn);
    if (m.type === 'EXPRESS')
      throw Object.assign(new Error('This operation is not supported by this type of state machine'), { name: 'StateMachineTypeNotSupported' });
    // Pages of at most maxResults (the API's limit is 1,000), newest first, as the API returns them.
    if ((input.maxResults ?? 100) > 1000) throw Object.assign(new Error('maxResults must be at most 1000'), { name: 'ValidationException' });
    const from = input.nextToken === undefined ? 0 : Number(input.nextToken.replace('executions-', ''));
    const to = from + (input.maxResults ?? 100);
    const list = (m.executions ?? []).slice(from, to);
    return {
      nextToken: to < (m.executions ?? []).length ? `executions-${to}` : undefined,
      executions: list.map((e) => ({
        executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${m.name}:${e.name}`,
        stateMachineArn: smArn(m.name),
        name: e.name,
        status: 'SUCCEEDED',
        startDate: T0,
      })),
    };
  });
  mocks.sfn.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryCommandInput) => {
    const [, , , , , , machineName, execName] = (input.executionArn ?? '').split(':');
    const ex = machine(smArn(machineName)).executions?.find((e) => e.name === execName);
    if (!ex) throw Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' });
    const k = input.nextToken === undefined ? 0 : Number(input.nextToken.replace('history-', ''));
    return { events: ex.pages[k], nextToken: k + 1 < ex.pages.length ? `history-${k + 1}` : undefined };
  });

  const fn = (functionName: string | undefined): [string, FakeFunction] => {
    const name = nameOf(functionName);
    if (!Object.prototype.hasOwnProperty.call(stack.functions, name)) throw notFound(functionName ?? '');
    return [name, stack.functions[name]];
  };
  mocks.lambda.on(ListProvisionedConcurrencyConfigsCommand).callsFake((input: ListProvisionedConcurrencyConfigsCommandInput) => {
    const [name, f] = fn(input.FunctionName);
    // One configuration per page, to exercise NextMarker.
    const all = Object.entries(f.pc ?? {});
    const k = input.Marker === undefined ? 0 : Number(input.Marker.replace('marker-', ''));
    const page = all.slice(k, k + 1).map(([q, c]) => ({
      FunctionArn: `${fnArn(name)}:${q}`,
      Status: c.status,
      AllocatedProvisionedConcurrentExecutions: c.allocated,
      AvailableProvisionedConcurrentExecutions: c.allocated,
      RequestedProvisionedConcurrentExecutions: c.requested,
      LastModified: '2025-03-01T12:00:00+0000',
    }));
    return { ProvisionedConcurrencyConfigs: page, NextMarker: k + 1 < all.length ? `marker-${k + 1}` : undefined };
  });
  mocks.lambda.on(GetProvisionedConcurrencyConfigCommand).callsFake((input: GetProvisionedConcurrencyConfigCommandInput) => {
    const [, f] = fn(input.FunctionName);
    const c = f.pc?.[input.Qualifier ?? ''];
    if (!c)
      throw new ProvisionedConcurrencyConfigNotFoundException({
        message: 'No Provisioned Concurrency Config found for this function',
        $metadata: { httpStatusCode: 404 },
      });
    return {
      Status: c.status,
      AllocatedProvisionedConcurrentExecutions: c.allocated,
      AvailableProvisionedConcurrentExecutions: c.allocated,
      RequestedProvisionedConcurrentExecutions: c.requested,
      ...(c.status === 'FAILED' ? { StatusReason: 'FUNCTION_ERROR_INIT_FAILURE' } : {}),
    };
  });
  mocks.lambda.on(GetFunctionConfigurationCommand).callsFake((input: GetFunctionConfigurationCommandInput) => {
    const [name, f] = fn(input.FunctionName);
    return { FunctionName: name, FunctionArn: fnArn(name), ...(f.config ?? {}) };
  });
  mocks.lambda.on(GetAliasCommand).callsFake((input: GetAliasCommandInput) => {
    const [name, f] = fn(input.FunctionName);
    const version = f.aliases?.[input.Name ?? ''];
    if (version === undefined) throw notFound(`${fnArn(name)}:${input.Name}`);
    return { AliasArn: `${fnArn(name)}:${input.Name}`, Name: input.Name, FunctionVersion: version };
  });
}

// ---------------------------------------------------------------------------------------------
// Execution histories

let eventId = 0;
const ev = (type: string, details: Partial<HistoryEvent> = {}, previousEventId?: number): HistoryEvent => ({
  id: ++eventId,
  previousEventId: previousEventId ?? eventId - 1,
  timestamp: new Date(T0.getTime() + eventId * 100),
  type: type as HistoryEvent['type'],
  ...details,
});
const entered = (name: string): HistoryEvent => ev('TaskStateEntered', { stateEnteredEventDetails: { name, input: '{}' } });
const lambdaScheduled = (resource: string): HistoryEvent => ev('LambdaFunctionScheduled', { lambdaFunctionScheduledEventDetails: { resource, input: '{}' } });
const taskScheduled = (resource: string, parameters: object, resourceType = 'lambda', previous?: number): HistoryEvent =>
  ev('TaskScheduled', { taskScheduledEventDetails: { resourceType, resource, region: REGION, parameters: JSON.stringify(parameters) } }, previous);

function orderHistory(): HistoryEvent[][] {
  eventId = 0;
  return [
    [
      ev('ExecutionStarted', { executionStartedEventDetails: { input: '{}', roleArn: `arn:aws:iam::${ACCOUNT}:role/OrderFlow-role` } }),
      entered('Validate'),
      lambdaScheduled(`${fnArn('orders-validate')}:live`),
      ev('LambdaFunctionStarted'),
      ev('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: '{}' } }),
      ev('TaskStateExited', { stateExitedEventDetails: { name: 'Validate', output: '{}' } }),
    ],
    [
      entered('Charge'),
      taskScheduled('invoke', { FunctionName: fnArn('orders-charge'), Payload: { orderId: 'o-1' } }),
      ev('TaskStarted', { taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } }),
      ev('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{}' } }),
      ev('TaskStateExited', { stateExitedEventDetails: { name: 'Charge', output: '{}' } }),
    ],
    [
      entered('Notify'),
      lambdaScheduled(fnArn('orders-notify')),
      ev('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: '{}' } }),
      ev('TaskStateExited', { stateExitedEventDetails: { name: 'Notify', output: '{}' } }),
      ev('ExecutionSucceeded', { executionSucceededEventDetails: { output: '{}' } }),
    ],
  ];
}

function refundHistory(): HistoryEvent[][] {
  eventId = 0;
  return [
    [
      ev('ExecutionStarted', { executionStartedEventDetails: { input: '{}', roleArn: `arn:aws:iam::${ACCOUNT}:role/RefundFlow-role` } }),
      entered('Refund'),
      taskScheduled('invoke.waitForTaskToken', { FunctionName: 'orders-refund:live', Payload: { 'token.$': '$$.Task.Token' } }),
      ev('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', output: '{}' } }),
      entered('Enqueue'),
      taskScheduled('sendMessage', { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/refunds', MessageBody: '{}' }, 'sqs'),
      ev('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'sqs', resource: 'sendMessage', output: '{}' } }),
      ev('ExecutionSucceeded', { executionSucceededEventDetails: { output: '{}' } }),
    ],
  ];
}

// ---------------------------------------------------------------------------------------------
// The main scenario

const ORDER_FLOW: FakeMachine = {
  logicalId: 'OrderFlow',
  name: 'OrderFlow-k3J9xQ2mZ8pL',
  definition: {
    Comment: 'Order fulfilment',
    StartAt: 'Validate',
    States: {
      Validate: { Type: 'Task', Resource: `${fnArn('orders-validate')}:live`, Next: 'Charge' },
      Charge: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: fnArn('orders-charge'), 'Payload.$': '$' }, Next: 'Notify' },
      Notify: { Type: 'Task', Resource: fnArn('orders-notify'), End: true },
    },
  },
};

const REFUND_FLOW: FakeMachine = {
  logicalId: 'RefundFlow',
  name: 'RefundFlow-P0aW7rT1sV4e',
  definition: {
    StartAt: 'Refund',
    States: {
      Refund: {
        Type: 'Task',
        Resource: `${INVOKE}.waitForTaskToken`,
        Parameters: { FunctionName: 'orders-refund:live', Payload: { 'token.$': '$$.Task.Token' } },
        Next: 'Audit',
      },
      Audit: { Type: 'Task', Resource: `${fnArn('orders-validate')}:live`, Next: 'Reconcile' },
      Reconcile: { Type: 'Task', Resource: `${fnArn('orders-reconcile')}:3`, Next: 'Enqueue' },
      Enqueue: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/refunds', 'MessageBody.$': '$' },
        End: true,
      },
    },
  },
};

const FUNCTIONS: Record<string, FakeFunction> = {
  'orders-validate': { pc: { live: { status: 'READY', allocated: 5, requested: 5 } }, aliases: { live: '14' } },
  'orders-charge': { pc: { live: { status: 'READY', allocated: 10, requested: 10 } }, aliases: { live: '9' } },
  'orders-notify': {},
  'orders-refund': { pc: { live: { status: 'IN_PROGRESS', allocated: 2, requested: 10 } }, aliases: { live: '4' } },
  'orders-reconcile': { pc: { '2': { status: 'READY', allocated: 1, requested: 1 }, '3': { status: 'FAILED', allocated: 0, requested: 5 } } },
};

function ordersProd(): FakeStack {
  return {
    pages: [
      [
        resource('OrderFlowRole', 'AWS::IAM::Role', 'orders-prod-OrderFlowRole-1ABC'),
        machineResource(ORDER_FLOW),
        resource('ValidateFunction', 'AWS::Lambda::Function', 'orders-validate'),
      ],
      [resource('RefundQueue', 'AWS::SQS::Queue', 'https://sqs.us-east-1.amazonaws.com/123456789012/refunds'), machineResource(REFUND_FLOW)],
    ],
    machines: [
      { ...ORDER_FLOW, executions: [{ name: '7f1c2a90-5b1e-4c3a-9d55-0e6f1b2c3d4e', pages: orderHistory() }] },
      { ...REFUND_FLOW, executions: [{ name: 'b2e4d6f8-0a1c-4e3a-8b5d-7f9e1a3c5b7d', pages: refundHistory() }] },
    ],
    functions: FUNCTIONS,
  };
}

// ---------------------------------------------------------------------------------------------

let mocks: Mocks;
const clients = (region = REGION): VerifyClients => ({
  cloudformation: new CloudFormationClient({ region }),
  sfn: new SFNClient({ region }),
  lambda: new LambdaClient({ region }),
});

beforeEach(() => {
  mocks = { cloudformation: mockClient(CloudFormationClient), sfn: mockClient(SFNClient), lambda: mockClient(LambdaClient) };
});
afterEach(() => {
  mocks.cloudformation.restore();
  mocks.sfn.restore();
  mocks.lambda.restore();
});

/** An Io that collects the output (verify reads no file). */
function collect(): { io: Io; out: { stdout: string; stderr: string } } {
  const out = { stdout: '', stderr: '' };
  const io: Io = {
    stdout: (s) => void (out.stdout += s),
    stderr: (s) => void (out.stderr += s),
    readFile: (path) => {
      throw new Error(`verify must not read files (${path})`);
    },
    readStdin: () => {
      throw new Error('verify must not read stdin');
    },
  };
  return { io, out };
}

async function cli(
  argv: string[],
  makeClients: (region?: string, profile?: string) => VerifyClients = clients,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, out } = collect();
  const code = await runVerify(argv, io, makeClients);
  return { code, ...out };
}

/** The table with the continuation lines ("\n  ...") of wrapped problem and summary lines joined back. */
const unwrap = (table: string): string => table.replace(/\n {2}(?=\S)/g, ' ');

/** Lines longer than 80 columns (none should be). */
const overlong = (text: string): string[] => text.split('\n').filter((l) => l.length > 80);

const SUMMARY_HEADER = '  STATE MACHINE STATE         FUNCTION         QUALIFIER  PC          ALLOC/REQ';

const pick = (rows: VerifyRow[]) =>
  rows.map((r) => ({ sm: r.stateMachine, state: r.state, fn: r.function, q: r.qualifier, status: r.status, verdict: r.verdict }));

describe('verifyStack', () => {
  it('reads every state machine of the stack (ListStackResources paginated) and judges each Lambda task', async () => {
    serve(mocks, ordersProd());
    const result = await verifyStack('orders-prod', clients());
    expect(result.stateMachines).toBe(2);
    expect(pick(result.rows)).toEqual([
      { sm: 'OrderFlow', state: 'Validate', fn: fnArn('orders-validate'), q: 'live', status: 'READY', verdict: 'warm' },
      { sm: 'OrderFlow', state: 'Charge', fn: fnArn('orders-charge'), q: '', status: 'none', verdict: 'cold' },
      { sm: 'OrderFlow', state: 'Notify', fn: fnArn('orders-notify'), q: '', status: 'none', verdict: 'no-pc' },
      { sm: 'RefundFlow', state: 'Refund', fn: 'orders-refund', q: 'live', status: 'IN_PROGRESS', verdict: 'not-ready' },
      { sm: 'RefundFlow', state: 'Audit', fn: fnArn('orders-validate'), q: 'live', status: 'READY', verdict: 'warm' },
      { sm: 'RefundFlow', state: 'Reconcile', fn: fnArn('orders-reconcile'), q: '3', status: 'FAILED', verdict: 'not-ready' },
    ]);
    expect(result.rows.find((r) => r.state === 'Charge')?.note).toBe('provisioned concurrency is on live');
    expect(result.rows.find((r) => r.state === 'Refund')).toMatchObject({ allocated: 2, requested: 10, note: 'alias → version 4' });
    expect(result.executions).toEqual([]);
    expect(exitCode(result)).toBe(1);

    expect(mocks.cloudformation).toHaveReceivedCommandTimes(ListStackResourcesCommand, 2);
    expect(mocks.cloudformation).toHaveReceivedNthCommandWith(1, ListStackResourcesCommand, { StackName: 'orders-prod', NextToken: undefined });
    expect(mocks.cloudformation).toHaveReceivedNthCommandWith(2, ListStackResourcesCommand, { StackName: 'orders-prod', NextToken: 'token-1' });
    expect(mocks.sfn).toHaveReceivedCommandTimes(DescribeStateMachineCommand, 2);
    expect(mocks.sfn).not.toHaveReceivedCommand(ListExecutionsCommand);
  });

  it('lists the provisioned concurrency of each function once, following NextMarker, even when several states invoke it', async () => {
    serve(mocks, ordersProd());
    await verifyStack('orders-prod', clients());
    // orders-validate is invoked by OrderFlow/Validate and RefundFlow/Audit.
    expect(mocks.lambda).toHaveReceivedCommandWith(ListProvisionedConcurrencyConfigsCommand, { FunctionName: fnArn('orders-validate') });
    const listed = mocks.lambda
      .commandCalls(ListProvisionedConcurrencyConfigsCommand)
      .map((c) => `${c.args[0].input.FunctionName} ${c.args[0].input.Marker ?? '-'}`);
    expect(listed.sort()).toEqual(
      [
        `${fnArn('orders-validate')} -`,
        `${fnArn('orders-charge')} -`,
        `${fnArn('orders-notify')} -`,
        'orders-refund -',
        `${fnArn('orders-reconcile')} -`,
        `${fnArn('orders-reconcile')} marker-1`, // two configurations, one per page
      ].sort(),
    );
  });

  it('provisioned concurrency FAILED or IN_PROGRESS alone: "not ready", exit 1', async () => {
    for (const status of ['FAILED', 'IN_PROGRESS'] as const) {
      serve(mocks, {
        pages: [[machineResource(REFUND_FLOW)]],
        machines: [
          { ...REFUND_FLOW, definition: { StartAt: 'Refund', States: { Refund: { Type: 'Task', Resource: `${fnArn('orders-refund')}:live`, End: true } } } },
        ],
        functions: { 'orders-refund': { pc: { live: { status, allocated: 0, requested: 10 } }, aliases: { live: '4' } } },
      });
      const { code, stdout, stderr } = await cli(['--stack', 'orders-prod']);
      expect(code).toBe(1);
      expect(stderr).toBe('');
      expect(stdout).toBe(
        [
          SUMMARY_HEADER,
          `! RefundFlow    Refund        orders-refund    live       ${status.padEnd(11)} 0/10`,
          '',
          'not ready: RefundFlow/Refund invokes',
          `  ${fnArn('orders-refund')}:live (alias →`,
          '  version 4)',
          '',
          '1 state machine(s), 1 Lambda task(s): 0 warm, 0 cold, 1 not ready, 0 without',
          '  provisioned concurrency, 0 not checked.',
          '',
        ].join('\n'),
      );
    }
  });

  it('every task warm: exit 0', async () => {
    serve(mocks, {
      pages: [[machineResource(ORDER_FLOW)]],
      machines: [
        { ...ORDER_FLOW, definition: { StartAt: 'Validate', States: { Validate: { Type: 'Task', Resource: `${fnArn('orders-validate')}:live`, End: true } } } },
      ],
      functions: FUNCTIONS,
    });
    const { code, stdout, stderr } = await cli(['--stack', 'orders-prod']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        SUMMARY_HEADER,
        '  OrderFlow     Validate      orders-validate  live       READY       5/5',
        '',
        '1 state machine(s), 1 Lambda task(s): 1 warm, 0 cold, 0 not ready, 0 without',
        '  provisioned concurrency, 0 not checked.',
        '',
      ].join('\n'),
    );
  });

  it.each<[string, Status, string, 'warm' | 'not-ready', number]>([
    ['READY', 'READY', ' ', 'warm', 0],
    ['IN_PROGRESS', 'IN_PROGRESS', '!', 'not-ready', 1],
  ])('an alias whose version has provisioned concurrency (%s) is judged by that version', async (_name, status, mark, verdict, code) => {
    // PC is configured on version 14 (not on the alias `live`, which points to it):
    // GetProvisionedConcurrencyConfig(live) is not found, so the alias's version decides.
    serve(mocks, {
      pages: [[machineResource(ORDER_FLOW)]],
      machines: [
        { ...ORDER_FLOW, definition: { StartAt: 'Validate', States: { Validate: { Type: 'Task', Resource: `${fnArn('orders-validate')}:live`, End: true } } } },
      ],
      functions: { 'orders-validate': { pc: { '14': { status, allocated: 3, requested: 8 } }, aliases: { live: '14' } } },
    });
    const result = await verifyStack('orders-prod', clients());
    expect(result.rows).toEqual([
      {
        stateMachine: 'OrderFlow',
        state: 'Validate',
        statePath: 'States.Validate',
        invoked: `${fnArn('orders-validate')}:live`,
        function: fnArn('orders-validate'),
        qualifier: 'live',
        status,
        allocated: 3,
        requested: 8,
        verdict,
        note: 'alias → version 14',
      },
    ]);
    expect(mocks.lambda).toHaveReceivedCommandWith(GetProvisionedConcurrencyConfigCommand, { FunctionName: fnArn('orders-validate'), Qualifier: 'live' });
    expect(mocks.lambda).toHaveReceivedCommandWith(GetAliasCommand, { FunctionName: fnArn('orders-validate'), Name: 'live' });
    expect(formatTable(result).split('\n')[1]).toBe(`${mark} OrderFlow     Validate      orders-validate  live       ${status.padEnd(11)} 3/8`);
    expect(exitCode(result)).toBe(code);
  });

  it('an alias whose version has no provisioned concurrency while another qualifier has: cold', async () => {
    serve(mocks, {
      pages: [[machineResource(ORDER_FLOW)]],
      machines: [
        {
          ...ORDER_FLOW,
          definition: { StartAt: 'Validate', States: { Validate: { Type: 'Task', Resource: `${fnArn('orders-validate')}:canary`, End: true } } },
        },
      ],
      functions: { 'orders-validate': { pc: { '14': { status: 'READY', allocated: 3, requested: 3 } }, aliases: { live: '14', canary: '15' } } },
    });
    const result = await verifyStack('orders-prod', clients());
    expect(result.rows).toEqual([expect.objectContaining({ qualifier: 'canary', status: 'none', verdict: 'cold', note: 'provisioned concurrency is on 14' })]);
    expect(exitCode(result)).toBe(1);
  });

  it('a stack with no state machine: exit 0, and neither Step Functions nor Lambda is called', async () => {
    serve(mocks, { pages: [[resource('Bucket', 'AWS::S3::Bucket', 'orders-prod-bucket-1x2y3z')]], machines: [], functions: {} });
    const { code, stdout, stderr } = await cli(['--stack', 'orders-prod', '--executions', '5']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        SUMMARY_HEADER,
        '',
        '0 state machine(s), 0 Lambda task(s): 0 warm, 0 cold, 0 not ready, 0 without',
        '  provisioned concurrency, 0 not checked.',
        '',
      ].join('\n'),
    );
    expect(mocks.sfn).not.toHaveReceivedAnyCommand();
    expect(mocks.lambda).not.toHaveReceivedAnyCommand();
  });

  it('AccessDenied on the Lambda API: the row is "unknown" with the reason, and the other functions are still checked', async () => {
    serve(mocks, ordersProd());
    mocks.lambda
      .on(ListProvisionedConcurrencyConfigsCommand, { FunctionName: fnArn('orders-charge') })
      .rejects(
        Object.assign(
          new Error(`User: arn:aws:sts::${ACCOUNT}:assumed-role/dev/alice is not authorized to perform: lambda:ListProvisionedConcurrencyConfigs`),
          { name: 'AccessDeniedException' },
        ),
      );
    const result = await verifyStack('orders-prod', clients());
    expect(result.rows.find((r) => r.state === 'Charge')).toMatchObject({ verdict: 'unknown', note: 'access denied to the Lambda API' });
    expect(result.rows.find((r) => r.state === 'Validate')).toMatchObject({ verdict: 'warm' });
    const table = formatTable(result);
    expect(table.split('\n')[2]).toBe('? OrderFlow     Charge        orders-charge    (none)     none        -');
    expect(table).toContain(
      ['', 'not checked: OrderFlow/Charge invokes', `  ${fnArn('orders-charge')} (access denied to`, '  the Lambda API)', 'not ready: RefundFlow/Refund'].join(
        '\n',
      ),
    );
    expect(table).toContain('2 warm, 0 cold, 2 not ready, 1 without\n  provisioned concurrency, 1 not checked.\n');
    // Cold or not-ready rows remain: 1 wins over "could not check".
    expect(exitCode(result)).toBe(1);
  });

  it('only "not checked" besides warm rows: exit 2, the table on stdout and the reason on stderr', async () => {
    serve(mocks, {
      pages: [[machineResource(ORDER_FLOW)]],
      machines: [
        {
          ...ORDER_FLOW,
          definition: {
            StartAt: 'Validate',
            States: {
              Validate: { Type: 'Task', Resource: `${fnArn('orders-validate')}:live`, Next: 'Notify' },
              Notify: { Type: 'Task', Resource: fnArn('orders-notify'), End: true },
            },
          },
        },
      ],
      functions: FUNCTIONS,
    });
    mocks.lambda
      .on(ListProvisionedConcurrencyConfigsCommand, { FunctionName: fnArn('orders-notify') })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    const { code, stdout, stderr } = await cli(['--stack', 'orders-prod']);
    expect(code).toBe(2);
    expect(stdout).toBe(
      [
        SUMMARY_HEADER,
        '  OrderFlow     Validate      orders-validate  live       READY       5/5',
        '? OrderFlow     Notify        orders-notify    (none)     none        -',
        '',
        'not checked: OrderFlow/Notify invokes',
        `  ${fnArn('orders-notify')}`,
        '  (TooManyRequestsException: Rate exceeded)',
        '',
        '1 state machine(s), 2 Lambda task(s): 1 warm, 0 cold, 0 not ready, 0 without',
        '  provisioned concurrency, 1 not checked.',
        '',
      ].join('\n'),
    );
    expect(stderr).toBe('error: some tasks could not be checked (see "not checked" above)\n');
  });

  it('a function that no longer exists: "unknown", function not found', async () => {
    const stack = ordersProd();
    serve(mocks, { ...stack, functions: Object.fromEntries(Object.entries(FUNCTIONS).filter(([k]) => k !== 'orders-notify')) });
    const result = await verifyStack('orders-prod', clients());
    expect(result.rows.find((r) => r.state === 'Notify')).toMatchObject({ verdict: 'unknown', note: 'function not found' });
  });

  it('a definition that cannot be read: one "unknown" row for the state machine', async () => {
    serve(mocks, { pages: [[machineResource(ORDER_FLOW)]], machines: [{ ...ORDER_FLOW, definition: '{"StartAt": "A", "States": {' }], functions: {} });
    const result = await verifyStack('orders-prod', clients());
    expect(result.rows).toEqual([
      expect.objectContaining({ stateMachine: 'OrderFlow', verdict: 'unknown', note: expect.stringMatching(/^cannot read definition: /) }),
    ]);
    expect(exitCode(result)).toBe(2);
    expect(formatTable(result).split('\n')[1]).toMatch(/^\? OrderFlow {5}/);
  });

  // KNOWN DEFECT (macro/cli/commands/verify.ts, format/table.ts and runVerify): for a definition that cannot be
  // read, the problem line is built as if for a task with an empty state and invocation
  // ("not checked: OrderFlow/ invokes  (cannot read definition: ...)"), and stderr blames
  // "the Lambda API refused or failed", which played no part. Flip to `it` when fixed.
  it('a definition that cannot be read: the problem line names the state machine and the reason, and stderr does not blame the Lambda API', async () => {
    serve(mocks, { pages: [[machineResource(ORDER_FLOW)]], machines: [{ ...ORDER_FLOW, definition: '{"StartAt": "A", "States": {' }], functions: {} });
    const { code, stdout, stderr } = await cli(['--stack', 'orders-prod']);
    expect(code).toBe(2);
    expect(unwrap(stdout)).toMatch(/^not checked: OrderFlow\b.*cannot read definition: invalid JSON/m);
    expect(stdout).not.toContain('OrderFlow/ invokes');
    expect(stderr).toMatch(/^error: /);
    expect(stderr).not.toMatch(/Lambda API/);
  });
});

describe('verifyStack: what the issue-14 run against the wire showed', () => {
  const machineOf = (definition: unknown, extra: Partial<FakeMachine> = {}): FakeMachine => ({
    logicalId: 'OrderFlow',
    name: ORDER_FLOW.name,
    definition,
    ...extra,
  });
  const validate = { Type: 'Task', Resource: `${fnArn('orders-validate')}:live`, End: true };

  it('a computed FunctionName.$ is a row "not checked" (no longer left out), so the run exits 2 as check does', async () => {
    const definition = {
      StartAt: 'Pick',
      States: { Pick: { Type: 'Task', Resource: INVOKE, Parameters: { 'FunctionName.$': '$.fn', 'Payload.$': '$' }, Next: 'Validate' }, Validate: validate },
    };
    serve(mocks, { pages: [[machineResource(ORDER_FLOW)]], machines: [machineOf(definition)], functions: FUNCTIONS });
    const result = await verifyStack('orders-prod', clients());
    expect(pick(result.rows)).toEqual([
      { sm: 'OrderFlow', state: 'Pick', fn: '', q: '', status: 'none', verdict: 'unknown' },
      { sm: 'OrderFlow', state: 'Validate', fn: fnArn('orders-validate'), q: 'live', status: 'READY', verdict: 'warm' },
    ]);
    expect(result.rows[0].note).toBe('Parameters.FunctionName.$ is computed at run time; verify cannot tell which function it invokes');
    expect(exitCode(result)).toBe(2);
    expect(unwrap(formatTable(result))).toContain(
      'not checked: OrderFlow/Pick: Parameters.FunctionName.$ is computed at run time; verify cannot tell which function it invokes',
    );
  });

  it('JSONata Arguments computed at run time: not checked either', async () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'Pick',
      States: { Pick: { Type: 'Task', Resource: INVOKE, Arguments: { FunctionName: '{% $states.input.fn %}' }, End: true } },
    };
    serve(mocks, { pages: [[machineResource(ORDER_FLOW)]], machines: [machineOf(definition)], functions: FUNCTIONS });
    const result = await verifyStack('orders-prod', clients());
    expect(result.rows).toEqual([
      expect.objectContaining({
        state: 'Pick',
        verdict: 'unknown',
        note: expect.stringMatching(/JSONata expression computed at run time; verify cannot tell/),
      }),
    ]);
  });

  it('an explicit Qualifier is what the task invokes; a Qualifier.$ is not checked', async () => {
    const definition = {
      StartAt: 'Live',
      States: {
        Live: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: 'orders-charge', Qualifier: 'live' }, Next: 'Latest' },
        Latest: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: fnArn('orders-charge'), Qualifier: '$LATEST' }, Next: 'Picked' },
        Picked: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: 'orders-charge', 'Qualifier.$': '$.q' }, End: true },
      },
    };
    serve(mocks, { pages: [[machineResource(ORDER_FLOW)]], machines: [machineOf(definition)], functions: FUNCTIONS });
    const result = await verifyStack('orders-prod', clients());
    expect(pick(result.rows)).toEqual([
      { sm: 'OrderFlow', state: 'Live', fn: 'orders-charge', q: 'live', status: 'READY', verdict: 'warm' },
      { sm: 'OrderFlow', state: 'Latest', fn: fnArn('orders-charge'), q: '$LATEST', status: 'none', verdict: 'cold' },
      { sm: 'OrderFlow', state: 'Picked', fn: '', q: '', status: 'none', verdict: 'unknown' },
    ]);
    expect(result.rows[2].note).toBe('its Qualifier is computed at run time; verify cannot tell which qualifier it invokes');
  });

  it.each<[string, Error, string]>([
    [
      'deleted meanwhile',
      Object.assign(new Error(`State Machine Does Not Exist: '${smArn(ORDER_FLOW.name)}'`), { name: 'StateMachineDoesNotExist' }),
      `state machine ${smArn(ORDER_FLOW.name)} does not exist (deleted since the stack was deployed?)`,
    ],
    [
      'denied',
      Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }),
      'access denied to the Step Functions API (needs states:DescribeStateMachine)',
    ],
    [
      'timed out',
      Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: { attempts: 5 } }),
      'timed out: no answer within --timeout (5 attempts)',
    ],
  ])('one failing DescribeStateMachine (%s): a row for that machine, the others still checked, the table printed, exit 2', async (_name, error, note) => {
    serve(mocks, ordersProd());
    mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: smArn(ORDER_FLOW.name) }).rejects(error);
    const { code, stdout, stderr } = await cli(['--stack', 'orders-prod', '--json']);
    expect(code).toBe(1); // RefundFlow still has a task whose provisioned concurrency is not READY
    const result = JSON.parse(stdout) as VerifyResult;
    expect(result.rows[0]).toEqual({
      stateMachine: 'OrderFlow',
      state: '',
      statePath: '',
      invoked: '',
      function: '',
      qualifier: '',
      status: 'none',
      verdict: 'unknown',
      note,
    });
    expect(result.rows.slice(1).map((r) => r.stateMachine)).toEqual(['RefundFlow', 'RefundFlow', 'RefundFlow']);
    expect(stderr).toBe('');
    const table = await cli(['--stack', 'orders-prod']);
    expect(unwrap(table.stdout)).toContain(`not checked: OrderFlow: ${note}`);
  });

  it('the same with nothing cold elsewhere: exit 2', async () => {
    serve(mocks, { pages: [[machineResource(ORDER_FLOW)]], machines: [], functions: FUNCTIONS });
    const { code, stdout, stderr } = await cli(['--stack', 'orders-prod']);
    expect(code).toBe(2);
    expect(stdout).toMatch(/^\? OrderFlow/m);
    expect(stderr).toBe('error: some tasks could not be checked (see "not checked" above)\n');
  });

  describe('--executions on an Express state machine', () => {
    const group = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/OrderFlow-Logs:*`;
    const express = (logging?: FakeMachine['logging']): FakeMachine =>
      machineOf({ StartAt: 'Validate', States: { Validate: validate } }, { type: 'EXPRESS', logging });

    it('with logging of execution data: names the log group; no ListExecutions; exit 0', async () => {
      serve(mocks, {
        pages: [[machineResource(ORDER_FLOW)]],
        machines: [express({ level: 'ALL', includeExecutionData: true, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: group } }] })],
        functions: FUNCTIONS,
      });
      const { code, stdout, stderr } = await cli(['--stack', 'orders-prod', '--executions', '10']);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      // The ARN is longer than the cut of a table line: compare without the line breaks.
      expect(stdout.replace(/\n {2}/g, '').replace(/ /g, '')).toContain(
        `OrderFlow: executions not listable: Express; see log group ${group.slice(0, -2)} (level ALL, with execution data: each TaskScheduled or LambdaFunctionScheduled event names the ARN a task invoked)`.replace(
          / /g,
          '',
        ),
      );
      expect(mocks.sfn).not.toHaveReceivedCommand(ListExecutionsCommand);
      expect(overlong(stdout)).toEqual([]);
      const json = JSON.parse((await cli(['--stack', 'orders-prod', '--executions', '10', '--json'])).stdout) as VerifyResult;
      expect(json.executionErrors).toEqual([]);
      expect(json.executionNotes).toEqual([{ stateMachine: 'OrderFlow', message: expect.stringMatching(/^executions not listable: Express; see log group /) }]);
    });

    it('logging at level ERROR without execution data: says what the log group will not show', async () => {
      serve(mocks, {
        pages: [[machineResource(ORDER_FLOW)]],
        machines: [express({ level: 'ERROR', includeExecutionData: false, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: group } }] })],
        functions: FUNCTIONS,
      });
      const { code, stdout } = await cli(['--stack', 'orders-prod', '--executions', '1']);
      expect(code).toBe(0);
      expect(unwrap(stdout)).toContain('(level ERROR, without execution data: it does not show which qualifier each task ran)');
    });

    it('no logging: says so, still exit 0; and a cold task still gives exit 1', async () => {
      const cold = machineOf({ StartAt: 'Charge', States: { Charge: { Type: 'Task', Resource: fnArn('orders-charge'), End: true } } }, { type: 'EXPRESS' });
      serve(mocks, { pages: [[machineResource(ORDER_FLOW)]], machines: [express()], functions: FUNCTIONS });
      const quiet = await cli(['--stack', 'orders-prod', '--executions', '1']);
      expect(quiet.code).toBe(0);
      expect(unwrap(quiet.stdout)).toContain(
        'OrderFlow: executions not listable: Express; Step Functions keeps no execution history for Express state machines, and this one logs nothing',
      );
      mocks.sfn.reset();
      serve(mocks, { pages: [[machineResource(ORDER_FLOW)]], machines: [cold], functions: FUNCTIONS });
      expect((await cli(['--stack', 'orders-prod', '--executions', '1'])).code).toBe(1);
    });
  });
});

describe('--executions N', () => {
  it('reads the last N executions (GetExecutionHistory paginated): TaskScheduled lambda invoke FunctionName and LambdaFunctionScheduled', async () => {
    serve(mocks, ordersProd());
    const result = await verifyStack('orders-prod', clients(), { executions: 3 });
    expect(result.executions).toEqual([
      {
        stateMachine: 'OrderFlow',
        execution: '7f1c2a90-5b1e-4c3a-9d55-0e6f1b2c3d4e',
        state: 'Validate',
        ran: `${fnArn('orders-validate')}:live`,
        qualifier: 'live',
      },
      { stateMachine: 'OrderFlow', execution: '7f1c2a90-5b1e-4c3a-9d55-0e6f1b2c3d4e', state: 'Charge', ran: fnArn('orders-charge'), qualifier: '' },
      { stateMachine: 'OrderFlow', execution: '7f1c2a90-5b1e-4c3a-9d55-0e6f1b2c3d4e', state: 'Notify', ran: fnArn('orders-notify'), qualifier: '' },
      // The SQS task of RefundFlow is not a Lambda invocation: no row.
      { stateMachine: 'RefundFlow', execution: 'b2e4d6f8-0a1c-4e3a-8b5d-7f9e1a3c5b7d', state: 'Refund', ran: 'orders-refund:live', qualifier: 'live' },
    ]);
    expect(mocks.sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: smArn(ORDER_FLOW.name), maxResults: 3 });
    const order = mocks.sfn.commandCalls(GetExecutionHistoryCommand).filter((c) => c.args[0].input.executionArn?.includes('OrderFlow'));
    expect(order.map((c) => c.args[0].input.nextToken)).toEqual([undefined, 'history-1', 'history-2']);
    expect(mocks.sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 4);
  });

  it('only the last N: --executions 1 reads one of several executions', async () => {
    const stack = ordersProd();
    stack.machines = [
      {
        ...ORDER_FLOW,
        executions: [
          { name: 'newest', pages: orderHistory() },
          { name: 'older', pages: orderHistory() },
        ],
      },
    ];
    stack.pages = [[machineResource(ORDER_FLOW)]];
    serve(mocks, stack);
    const { stdout } = await cli(['--stack', 'orders-prod', '--executions', '1', '--json']);
    const parsed = JSON.parse(stdout) as VerifyResult;
    expect(new Set(parsed.executions.map((e) => e.execution))).toEqual(new Set(['newest']));
    expect(mocks.sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { maxResults: 1 });
    expect(mocks.sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 3);
  });

  it('more than 1,000 executions: ListExecutions is paginated (1,000 per page) until N are read, newest first', async () => {
    eventId = 0;
    const history = [[entered('Validate'), lambdaScheduled(`${fnArn('orders-validate')}:live`)]];
    const many = Array.from({ length: 1500 }, (_, k) => ({ name: `run-${String(1500 - k).padStart(4, '0')}`, pages: history }));
    serve(mocks, {
      pages: [[machineResource(ORDER_FLOW)]],
      machines: [{ ...ORDER_FLOW, definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }, executions: many }],
      functions: {},
    });
    const result = await verifyStack('orders-prod', clients(), { executions: 1200 });
    expect(mocks.sfn.commandCalls(ListExecutionsCommand).map((c) => [c.args[0].input.maxResults, c.args[0].input.nextToken])).toEqual([
      [1000, undefined],
      [200, 'executions-1000'],
    ]);
    expect(result.executions).toHaveLength(1200);
    expect(result.executions[0].execution).toBe('run-1500');
    expect(result.executions[1199].execution).toBe('run-0301');
    expect(mocks.sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 1200);
    expect(result.executionErrors).toEqual([]);
  });

  it('fewer executions than N: one page, all of them', async () => {
    serve(mocks, ordersProd());
    const result = await verifyStack('orders-prod', clients(), { executions: 5000 });
    expect(mocks.sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: smArn(ORDER_FLOW.name), maxResults: 1000 });
    expect(mocks.sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 2);
    expect(result.executions).toHaveLength(4);
  });

  it('a denied execution history spoils only that state machine: the table is printed, the reason named, exit 2', async () => {
    const stack = ordersProd();
    // Only warm tasks, so that the exit code reflects the executions alone.
    stack.machines = [
      {
        ...stack.machines[0],
        definition: { StartAt: 'Validate', States: { Validate: { Type: 'Task', Resource: `${fnArn('orders-validate')}:live`, End: true } } },
      },
      stack.machines[1],
    ];
    stack.machines[1] = { ...stack.machines[1], definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } };
    serve(mocks, stack);
    mocks.sfn
      .on(GetExecutionHistoryCommand, { executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${ORDER_FLOW.name}:7f1c2a90-5b1e-4c3a-9d55-0e6f1b2c3d4e` })
      .rejects(
        Object.assign(new Error(`User: arn:aws:sts::${ACCOUNT}:assumed-role/dev/alice is not authorized to perform: states:GetExecutionHistory`), {
          name: 'AccessDeniedException',
        }),
      );
    const { code, stdout, stderr } = await cli(['--stack', 'orders-prod', '--executions', '1']);
    expect(code).toBe(2);
    expect(stdout).toContain('  OrderFlow     Validate      orders-validate  live       READY       5/5');
    // RefundFlow's execution is still read.
    expect(stdout).toContain('Last executions (what each task really ran):');
    expect(stdout).toContain('\n  RefundFlow    Refund        …5d-7f9e1a3c5b7d live\n');
    expect(stdout).toContain(
      '\n\nexecutions not read: OrderFlow: access denied to the Step Functions API (needs\n  states:ListExecutions and states:GetExecutionHistory)\n',
    );
    expect(stderr).toBe('error: some executions could not be read (see "executions not read" above)\n');
    const { stdout: json } = await cli(['--stack', 'orders-prod', '--executions', '1', '--json']);
    expect((JSON.parse(json) as VerifyResult).executionErrors).toEqual([
      { stateMachine: 'OrderFlow', message: 'access denied to the Step Functions API (needs states:ListExecutions and states:GetExecutionHistory)' },
    ]);
  });

  it('a history that fails on the second execution keeps the rows of the first', async () => {
    const stack = ordersProd();
    stack.pages = [[machineResource(ORDER_FLOW)]];
    stack.machines = [
      {
        ...ORDER_FLOW,
        executions: [
          { name: 'newest', pages: orderHistory() },
          { name: 'older', pages: orderHistory() },
        ],
      },
    ];
    serve(mocks, stack);
    mocks.sfn
      .on(GetExecutionHistoryCommand, { executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${ORDER_FLOW.name}:older` })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const result = await verifyStack('orders-prod', clients(), { executions: 2 });
    expect(result.executions.map((e) => e.execution)).toEqual(['newest', 'newest', 'newest']);
    expect(result.executionErrors).toEqual([{ stateMachine: 'OrderFlow', message: 'ThrottlingException: Rate exceeded' }]);
  });

  it('Parallel branches: each invocation is attributed to its own state by following previousEventId, also after a retry', async () => {
    eventId = 0;
    const started = ev('ExecutionStarted', { executionStartedEventDetails: { input: '{}' } });
    const fan = ev('ParallelStateEntered', { stateEnteredEventDetails: { name: 'Fan', input: '{}' } });
    const a = entered('ChargeCard');
    const b = entered('ReserveStock');
    // The branches interleave: the last state entered is ReserveStock when ChargeCard schedules.
    const chargeScheduled = taskScheduled('invoke', { FunctionName: `${fnArn('orders-charge')}:live` }, 'lambda', a.id);
    const stockScheduled = taskScheduled('invoke', { FunctionName: fnArn('orders-stock') }, 'lambda', b.id);
    const chargeFailed = ev(
      'TaskFailed',
      { taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'Lambda.TooManyRequestsException' } },
      chargeScheduled.id,
    );
    const stockSucceeded = ev('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{}' } }, stockScheduled.id);
    // ChargeCard's Retry: scheduled again, chained to the failure (three hops back to its state).
    const chargeRetried = taskScheduled('invoke', { FunctionName: `${fnArn('orders-charge')}:live` }, 'lambda', chargeFailed.id);
    const history = [started, fan, a, b, chargeScheduled, stockScheduled, chargeFailed, stockSucceeded, chargeRetried];
    expect(chargeRetried.previousEventId).toBe(chargeFailed.id);
    serve(mocks, {
      pages: [[machineResource(ORDER_FLOW)]],
      machines: [{ ...ORDER_FLOW, definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }, executions: [{ name: 'run-1', pages: [history] }] }],
      functions: {},
    });
    const result = await verifyStack('orders-prod', clients(), { executions: 1 });
    expect(result.executions.map((e) => [e.state, e.ran, e.qualifier])).toEqual([
      ['ChargeCard', `${fnArn('orders-charge')}:live`, 'live'],
      ['ReserveStock', fnArn('orders-stock'), ''],
      ['ChargeCard', `${fnArn('orders-charge')}:live`, 'live'],
    ]);
  });

  it('Map iterations: an invocation belongs to the state its own iteration entered, across history pages', async () => {
    eventId = 0;
    const started = ev('ExecutionStarted', { executionStartedEventDetails: { input: '{}' } });
    const map = ev('MapStateEntered', { stateEnteredEventDetails: { name: 'ForEachItem', input: '[]' } });
    const it0 = ev('MapIterationStarted', { mapIterationStartedEventDetails: { name: 'ForEachItem', index: 0 } }, map.id);
    const it1 = ev('MapIterationStarted', { mapIterationStartedEventDetails: { name: 'ForEachItem', index: 1 } }, map.id);
    const price0 = ev('TaskStateEntered', { stateEnteredEventDetails: { name: 'PriceItem', input: '{}' } }, it0.id);
    const price0Scheduled = lambdaScheduled(`${fnArn('orders-price')}:live`);
    const price0Done = ev('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: '{}' } }, price0Scheduled.id);
    const reserve0 = ev('TaskStateEntered', { stateEnteredEventDetails: { name: 'ReserveItem', input: '{}' } }, price0Done.id);
    const price1 = ev('TaskStateEntered', { stateEnteredEventDetails: { name: 'PriceItem', input: '{}' } }, it1.id);
    // Iteration 0 schedules ReserveItem after iteration 1 entered PriceItem, and the other way round.
    const reserve0Scheduled = taskScheduled('invoke', { FunctionName: 'orders-reserve' }, 'lambda', reserve0.id);
    const price1Scheduled = ev('LambdaFunctionScheduled', { lambdaFunctionScheduledEventDetails: { resource: fnArn('orders-price'), input: '{}' } }, price1.id);
    serve(mocks, {
      pages: [[machineResource(ORDER_FLOW)]],
      machines: [
        {
          ...ORDER_FLOW,
          definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
          executions: [
            {
              name: 'run-1',
              pages: [
                [started, map, it0, it1, price0, price0Scheduled, price0Done, reserve0],
                [price1, reserve0Scheduled, price1Scheduled],
              ],
            },
          ],
        },
      ],
      functions: {},
    });
    const result = await verifyStack('orders-prod', clients(), { executions: 1 });
    expect(result.executions.map((e) => [e.state, e.ran, e.qualifier])).toEqual([
      ['PriceItem', `${fnArn('orders-price')}:live`, 'live'],
      ['ReserveItem', 'orders-reserve', ''],
      ['PriceItem', fnArn('orders-price'), ''],
    ]);
  });
});

describe('formatTable', () => {
  it('one row per task with its mark, the problems spelled out, the executions, and the summary (80 columns)', async () => {
    serve(mocks, ordersProd());
    const table = formatTable(await verifyStack('orders-prod', clients(), { executions: 1 }));
    expect(table).toBe(
      [
        '  STATE MACHINE STATE         FUNCTION         QUALIFIER  PC          ALLOC/REQ',
        '  OrderFlow     Validate      orders-validate  live       READY       5/5',
        '! OrderFlow     Charge        orders-charge    (none)     none        -',
        '  OrderFlow     Notify        orders-notify    (none)     none        -',
        '! RefundFlow    Refund        orders-refund    live       IN_PROGRESS 2/10',
        '  RefundFlow    Audit         orders-validate  live       READY       5/5',
        '! RefundFlow    Reconcile     orders-reconcile 3          FAILED      0/5',
        '',
        'cold path: OrderFlow/Charge invokes',
        `  ${fnArn('orders-charge')} (provisioned`,
        '  concurrency is on live)',
        'not ready: RefundFlow/Refund invokes orders-refund:live (alias → version 4)',
        'not ready: RefundFlow/Reconcile invokes',
        `  ${fnArn('orders-reconcile')}:3`,
        '',
        'Last executions (what each task really ran):',
        '  STATE MACHINE STATE         EXECUTION        QUALIFIER',
        '  OrderFlow     Validate      …55-0e6f1b2c3d4e live',
        '  OrderFlow     Charge        …55-0e6f1b2c3d4e $LATEST',
        '  OrderFlow     Notify        …55-0e6f1b2c3d4e $LATEST',
        '  RefundFlow    Refund        …5d-7f9e1a3c5b7d live',
        '',
        '2 state machine(s), 6 Lambda task(s): 2 warm, 1 cold, 2 not ready, 1 without',
        '  provisioned concurrency, 0 not checked.',
        '',
      ].join('\n'),
    );
    expect(overlong(table)).toEqual([]);
    expect(unwrap(table)).toContain(`cold path: OrderFlow/Charge invokes ${fnArn('orders-charge')} (provisioned concurrency is on live)\n`);
    expect(unwrap(table)).toContain('2 state machine(s), 6 Lambda task(s): 2 warm, 1 cold, 2 not ready, 1 without provisioned concurrency, 0 not checked.\n');
  });

  it('the grid: column starts and widths [1, 13, 13, 16, 10, 11, 9], one space apart (79 columns)', () => {
    const header = formatTable({ stateMachines: 0, rows: [], executions: [], executionErrors: [] }).split('\n')[0];
    expect(header).toBe('  STATE MACHINE STATE         FUNCTION         QUALIFIER  PC          ALLOC/REQ');
    expect(header.length).toBe(79);
    /** The cells of a grid line, read by the widths, checking the single space between them. */
    const cells = (line: string): string[] => {
      const out: string[] = [];
      let at = 0;
      [1, 13, 13, 16, 10, 11, 9].forEach((w, k) => {
        if (k > 0) expect(line[at++] ?? ' ').toBe(' ');
        out.push(line.slice(at, at + w).trimEnd());
        at += w;
      });
      expect(line.length).toBeLessThanOrEqual(at);
      return out;
    };
    expect(cells(header)).toEqual(['', 'STATE MACHINE', 'STATE', 'FUNCTION', 'QUALIFIER', 'PC', 'ALLOC/REQ']);
    const row: VerifyRow = {
      stateMachine: 'ThirteenChars',
      state: 'ThirteenChar2',
      statePath: 'States.ThirteenChar2',
      invoked: `${fnArn('sixteen-chars-fn')}:ten-chars-`,
      function: fnArn('sixteen-chars-fn'),
      qualifier: 'ten-chars-',
      status: 'IN_PROGRESS',
      allocated: 1000,
      requested: 1000,
      verdict: 'not-ready',
    };
    const line = formatTable({ stateMachines: 1, rows: [row], executions: [], executionErrors: [] }).split('\n')[1];
    expect(cells(line)).toEqual(['!', 'ThirteenChars', 'ThirteenChar2', 'sixteen-chars-fn', 'ten-chars-', 'IN_PROGRESS', '1000/1000']);
    expect(line).toHaveLength(79);
    // One character more in any column is cut.
    const cut = formatTable({
      stateMachines: 1,
      rows: [{ ...row, stateMachine: 'FourteenChars!', state: 'FourteenChar2!', function: fnArn('seventeen-chars-f'), qualifier: 'eleven-chr-' }],
      executions: [],
      executionErrors: [],
    }).split('\n')[1];
    expect(cells(cut)).toEqual(['!', 'FourteenChar…', 'FourteenChar…', 'seventeen-chars…', 'eleven-ch…', 'IN_PROGRESS', '1000/1000']);
  });

  const LONG = 'OrderFulfillmentStateMachineWithAVeryLongLogicalId';
  const LONG_FN = fnArn('orders-service-production-validate-incoming-order-payload-v2');
  const longRow = (over: Partial<VerifyRow>): VerifyRow => ({
    stateMachine: LONG,
    state: 'ValidateTheIncomingOrderPayloadAgainstTheSchema',
    statePath: 'States.Fan.Branches[0].States.ValidateTheIncomingOrderPayloadAgainstTheSchema',
    invoked: `${LONG_FN}:provisioned-live-alias`,
    function: LONG_FN,
    qualifier: 'provisioned-live-alias',
    status: 'READY',
    allocated: 40,
    requested: 40,
    verdict: 'warm',
    ...over,
  });
  const unqualified: Partial<VerifyRow> = { qualifier: '', invoked: LONG_FN, status: 'none', allocated: undefined, requested: undefined };

  it('long names are cut with … in every column; each verdict has its mark', () => {
    const result: VerifyResult = {
      stateMachines: 1,
      rows: [
        longRow({}),
        longRow({ status: 'IN_PROGRESS', allocated: 20, requested: 100, verdict: 'not-ready' }),
        longRow({ ...unqualified, verdict: 'cold', note: 'provisioned concurrency is on provisioned-live-alias' }),
        longRow({ ...unqualified, verdict: 'no-pc' }),
        longRow({ ...unqualified, verdict: 'unknown', note: 'access denied to the Lambda API' }),
      ],
      executions: [],
      executionErrors: [],
    };
    expect(formatTable(result).split('\n').slice(1, 6)).toEqual([
      '  OrderFulfill… ValidateTheI… orders-service-… provision… READY       40/40',
      '! OrderFulfill… ValidateTheI… orders-service-… provision… IN_PROGRESS 20/100',
      '! OrderFulfill… ValidateTheI… orders-service-… (none)     none        -',
      '  OrderFulfill… ValidateTheI… orders-service-… (none)     none        -',
      '? OrderFulfill… ValidateTheI… orders-service-… (none)     none        -',
    ]);
  });

  it('every line is at most 80 columns, for long names and every verdict; an ARN longer than a line is cut across lines', async () => {
    const result: VerifyResult = {
      stateMachines: 1,
      rows: [
        longRow({}),
        longRow({ status: 'IN_PROGRESS', allocated: 20, requested: 100, verdict: 'not-ready' }),
        longRow({ ...unqualified, verdict: 'cold', note: 'provisioned concurrency is on provisioned-live-alias' }),
        longRow({ ...unqualified, verdict: 'unknown', note: 'access denied to the Lambda API' }),
      ],
      executions: [
        {
          stateMachine: LONG,
          execution: '7f1c2a90-5b1e-4c3a-9d55-0e6f1b2c3d4e',
          state: 'ValidateTheIncomingOrderPayloadAgainstTheSchema',
          ran: longRow({}).invoked,
          qualifier: 'provisioned-live-alias',
        },
      ],
      executionErrors: [
        { stateMachine: LONG, message: 'access denied to the Step Functions API (needs states:ListExecutions and states:GetExecutionHistory)' },
      ],
    };
    const table = formatTable(result);
    expect(overlong(table)).toEqual([]);
    const problems = table.split('\n\n')[1].split('\n');
    // "State machine/state" (99 characters) and the function ARN (101) are cut at 78 characters.
    const where = [`  ${LONG}/ValidateTheIncomingOrderPay`, '  loadAgainstTheSchema invokes', `  ${fnArn('orders-service-production-valid')}`];
    expect(problems).toEqual([
      'not ready:',
      ...where,
      '  ate-incoming-order-payload-v2:provisioned-live-alias',
      'cold path:',
      ...where,
      '  ate-incoming-order-payload-v2 (provisioned concurrency is on',
      '  provisioned-live-alias)',
      'not checked:',
      ...where,
      '  ate-incoming-order-payload-v2 (access denied to the Lambda API)',
    ]);
    expect(where[0]).toHaveLength(80);
    expect(where[2]).toHaveLength(80);
    // The cut pieces, put back together, give the whole text: nothing is lost.
    const text = (verdictWord: string, row: VerifyRow): string =>
      `${verdictWord}: ${row.stateMachine}/${row.state} invokes ${row.invoked}${row.note ? ` (${row.note})` : ''}`;
    const squash = (x: string): string => x.replace(/\s+/g, '');
    expect(squash(problems.join(''))).toBe(squash(text('not ready', result.rows[1]) + text('cold path', result.rows[2]) + text('not checked', result.rows[3])));
    expect(problems.filter((l) => !l.startsWith('  '))).toEqual(['not ready:', 'cold path:', 'not checked:']);
    expect(table).toContain('\n  OrderFulfill… ValidateTheI… …55-0e6f1b2c3d4e provision…\n');

    serve(mocks, ordersProd());
    expect(overlong(formatTable(await verifyStack('orders-prod', clients(), { executions: 1 })))).toEqual([]);
  });

  it('ALLOC/REQ shows the whole counts, up to 1000/1000', () => {
    const lines = formatTable({
      stateMachines: 1,
      rows: [
        longRow({ allocated: 250, requested: 1000 }),
        longRow({ allocated: 1000, requested: 1000 }),
        longRow({ allocated: undefined, requested: 7, status: 'IN_PROGRESS', verdict: 'not-ready' }),
      ],
      executions: [],
      executionErrors: [],
    }).split('\n');
    expect(lines.slice(1, 4)).toEqual([
      '  OrderFulfill… ValidateTheI… orders-service-… provision… READY       250/1000',
      '  OrderFulfill… ValidateTheI… orders-service-… provision… READY       1000/1000',
      '! OrderFulfill… ValidateTheI… orders-service-… provision… IN_PROGRESS 0/7',
    ]);
    expect(overlong(lines.join('\n'))).toEqual([]);
  });

  // KNOWN DEFECT (macro/cli/format/table.ts): ALLOC/REQ is 9 wide and cut like the other
  // columns, so 5-digit counts (regional concurrency quotas can be raised that far) lose digits:
  // 12000/12000 prints as "12000/12…". As the last column it need not be cut (or the row may use
  // the 80th column). Flip to `it` when fixed.
  it('ALLOC/REQ shows 5-digit counts whole', () => {
    const table = formatTable({ stateMachines: 1, rows: [longRow({ allocated: 12000, requested: 12000 })], executions: [], executionErrors: [] });
    expect(table.split('\n')[1]).toMatch(/ 12000\/12000$/);
  });

  it('the executions header is not truncated', async () => {
    serve(mocks, ordersProd());
    const table = formatTable(await verifyStack('orders-prod', clients(), { executions: 1 }));
    expect(table).toContain('\nLast executions (what each task really ran):\n  STATE MACHINE STATE         EXECUTION        QUALIFIER\n');
    expect(table).not.toMatch(/…$/m);
  });

  // Execution names usually share a prefix ("order-2025-03-04-0001", "...-0002"): the EXECUTION
  // column keeps their ends.
  it('with --executions 2, executions whose names share a long prefix are still told apart', () => {
    const row = (execution: string) => ({
      stateMachine: 'OrderFlow',
      execution,
      state: 'Validate',
      ran: `${fnArn('orders-validate')}:live`,
      qualifier: 'live',
    });
    const table = formatTable({ stateMachines: 1, rows: [], executions: [row('order-2025-03-04-0001'), row('order-2025-03-04-0002')], executionErrors: [] });
    const lines = table.split('\n').filter((l) => l.includes('Validate'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).not.toBe(lines[1]);
  });

  it('docs/limits.md: names from the stack (state machine, state, function, execution, notes) are printed with control characters escaped', () => {
    const evil = 'Pay\u001b[2J\n::error::owned\u202e';
    const result: VerifyResult = {
      rows: [
        {
          stateMachine: evil,
          state: evil,
          statePath: `States.${evil}`,
          invoked: `${fnArn('f')}`,
          function: fnArn('f'),
          qualifier: '',
          status: 'none',
          verdict: 'cold',
          note: evil,
        },
      ],
      executions: [{ stateMachine: evil, execution: evil, state: evil, ran: '', qualifier: '' }],
      executionErrors: [{ stateMachine: evil, message: evil }],
      stateMachines: 1,
    };
    const table = formatTable(result);
    expect(table).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(table).not.toMatch(/^::error::/m);
    expect(table).toContain('Pay\\x1b[2J\\n::error::owned\\u202e');
  });
});

describe('verifyStack: the reason a function needs a published target, from its configuration', () => {
  const SAGA_FLOW: FakeMachine = {
    logicalId: 'SagaFlow',
    name: 'SagaFlow-Q1w2E3r4T5y6',
    definition: {
      StartAt: 'Saga',
      States: {
        Saga: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: fnArn('orders-saga') }, Next: 'SagaProd' },
        SagaProd: { Type: 'Task', Resource: `${fnArn('orders-saga')}:prod`, Next: 'Quote' },
        Quote: { Type: 'Task', Resource: fnArn('orders-quote'), Next: 'Fleet' },
        Fleet: { Type: 'Task', Resource: fnArn('orders-fleet'), Next: 'FleetLatest' },
        FleetLatest: { Type: 'Task', Resource: `${fnArn('orders-fleet')}:$LATEST`, Next: 'Notify' },
        Notify: { Type: 'Task', Resource: fnArn('orders-notify'), End: true },
      },
    },
  };
  const stack = (): FakeStack => ({
    pages: [[machineResource(SAGA_FLOW)]],
    machines: [SAGA_FLOW],
    functions: {
      'orders-saga': { aliases: { prod: '3' }, config: { DurableConfig: { ExecutionTimeout: 3600 } } },
      'orders-quote': { config: { SnapStart: { ApplyOn: 'PublishedVersions', OptimizationStatus: 'Off' } } },
      'orders-fleet': {
        config: {
          CapacityProviderConfig: {
            LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: 'arn:aws:lambda:us-east-1:123456789012:capacity-provider:p' },
          },
        },
      },
      'orders-notify': { config: { SnapStart: { ApplyOn: 'None' } } },
    },
  });

  it('durable unqualified fails, SnapStart unqualified is cold, Managed Instances unqualified runs $LATEST.PUBLISHED and :$LATEST fails', async () => {
    serve(mocks, stack());
    const result = await verifyStack('orders-prod', clients());
    expect(result.rows.map((r) => [r.state, r.verdict, r.reasons])).toEqual([
      ['Saga', 'fails', ['Durable']],
      ['SagaProd', 'no-pc', undefined],
      ['Quote', 'cold', ['SnapStart']],
      ['Fleet', 'no-pc', ['ManagedInstances']],
      ['FleetLatest', 'fails', ['ManagedInstances']],
      ['Notify', 'no-pc', undefined],
    ]);
    expect(result.rows[0].note).toBe(
      'durable (DurableConfig): that call fails at run time: Lambda rejects an unqualified invocation of a durable function (InvalidParameterValueException); invoke a published version or alias',
    );
    expect(result.rows[4].note).toBe(
      'Managed Instances (CapacityProviderConfig): Lambda never invokes $LATEST of a Managed Instances function; invoke a published version or alias',
    );
    expect(exitCode(result)).toBe(3);
    // Each function's configuration is read once.
    expect(mocks.lambda).toHaveReceivedCommandTimes(GetFunctionConfigurationCommand, 4);
    const table = formatTable(result);
    expect(table).toContain('fails at run time: SagaFlow/Saga invokes');
    expect(table).toContain('cold path: SagaFlow/Quote invokes');
    expect(table.replace(/\s+/g, ' ')).toContain(
      '6 Lambda task(s): 0 warm, 1 cold, 2 failing at run time, 0 not ready, 3 without provisioned concurrency, 0 not checked.',
    );
  });

  it('a configuration that cannot be read: judged as before (no reason)', async () => {
    serve(mocks, stack());
    mocks.lambda.on(GetFunctionConfigurationCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const result = await verifyStack('orders-prod', clients());
    expect(result.rows.map((r) => r.verdict)).toEqual(['no-pc', 'no-pc', 'no-pc', 'no-pc', 'no-pc', 'no-pc']);
  });
});

describe('exitCode', () => {
  const row = (verdict: VerifyRow['verdict']): VerifyRow => ({
    stateMachine: 'OrderFlow',
    state: 'S',
    statePath: 'States.S',
    invoked: 'f',
    function: 'f',
    qualifier: '',
    status: 'none',
    verdict,
  });
  it.each<{ name: string; verdicts: VerifyRow['verdict'][]; code: number }>([
    { name: 'fails at run time wins over everything', verdicts: ['cold', 'fails', 'unknown'], code: 3 },
    { name: 'no task', verdicts: [], code: 0 },
    { name: 'warm and without provisioned concurrency', verdicts: ['warm', 'no-pc'], code: 0 },
    { name: 'a cold path', verdicts: ['warm', 'cold'], code: 1 },
    { name: 'not ready', verdicts: ['not-ready', 'no-pc'], code: 1 },
    { name: 'cold and not checked: cold wins', verdicts: ['unknown', 'cold'], code: 1 },
    { name: 'not ready and not checked: not ready wins', verdicts: ['not-ready', 'unknown'], code: 1 },
    { name: 'not checked, nothing cold', verdicts: ['warm', 'unknown', 'no-pc'], code: 2 },
  ])('$name → $code', ({ verdicts, code }) => {
    expect(exitCode({ stateMachines: 1, rows: verdicts.map(row), executions: [], executionErrors: [] })).toBe(code);
  });

  it('executions that could not be read: 2, unless something is cold (1)', () => {
    const executionErrors = [{ stateMachine: 'OrderFlow', message: 'access denied' }];
    expect(exitCode({ stateMachines: 1, rows: [row('warm')], executions: [], executionErrors })).toBe(2);
    expect(exitCode({ stateMachines: 1, rows: [row('cold')], executions: [], executionErrors })).toBe(1);
  });
});

describe('runVerify (the command line)', () => {
  it('--json: the full result as JSON, with the same exit code', async () => {
    serve(mocks, ordersProd());
    const { code, stdout, stderr } = await cli(['--stack', 'orders-prod', '--json', '--executions', '2']);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const parsed = JSON.parse(stdout) as VerifyResult;
    expect(parsed.stateMachines).toBe(2);
    expect(parsed.rows).toHaveLength(6);
    expect(parsed.rows[3]).toEqual({
      stateMachine: 'RefundFlow',
      state: 'Refund',
      statePath: 'States.Refund',
      invoked: 'orders-refund:live',
      function: 'orders-refund',
      qualifier: 'live',
      status: 'IN_PROGRESS',
      allocated: 2,
      requested: 10,
      verdict: 'not-ready',
      note: 'alias → version 4',
    });
    expect(parsed.executions).toHaveLength(4);
    expect(mocks.sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { maxResults: 2 });
  });

  it.each<[string, string[], RegExp]>([
    ['no arguments', [], /verify needs --stack NAME/],
    ['--stack without a value', ['--stack'], /--stack needs a value/],
    ['--stack followed by an option', ['--stack', '--json'], /--stack needs a value/],
    ['an unknown option', ['--stack', 'orders-prod', '--verbose'], /unknown option --verbose/],
    ['a positional argument', ['orders-prod'], /unexpected argument orders-prod \(the stack goes after --stack\)/],
    ['--timeout 0', ['--stack', 'orders-prod', '--timeout', '0'], /--timeout takes a positive number of seconds/],
    ['--timeout abc', ['--stack', 'orders-prod', '--timeout', 'abc'], /--timeout takes a positive number of seconds/],
    ['--json with a value', ['--stack', 'orders-prod', '--json=yes'], /--json takes no value/],
    ['--executions 0', ['--stack', 'orders-prod', '--executions', '0'], /--executions takes a positive whole number/],
    ['--executions 2.5', ['--stack', 'orders-prod', '--executions', '2.5'], /--executions takes a positive whole number/],
    ['--executions abc', ['--stack', 'orders-prod', '--executions', 'abc'], /--executions takes a positive whole number/],
    ['--region without a value', ['--stack', 'orders-prod', '--region'], /--region needs a value/],
    ['--profile without a value', ['--stack', 'orders-prod', '--profile'], /--profile needs a value/],
  ])('usage error (%s): exit 2, the message and the usage on stderr, no AWS call', async (_name, argv, message) => {
    const makeClients = jest.fn(clients);
    const { code, stdout, stderr } = await cli(argv, makeClients);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: warm-step-functions verify --stack NAME [--region R] [--profile P] [--json] [--executions N] [--timeout S]');
    expect(makeClients).not.toHaveBeenCalled();
  });

  it('no credentials: exit 2 with advice', async () => {
    mocks.cloudformation
      .on(ListStackResourcesCommand)
      .rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const { code, stdout, stderr } = await cli(['--stack', 'orders-prod']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'error: no AWS credentials: Could not load credentials from any providers (set AWS_PROFILE, use --profile, or configure credentials)\n',
    );
    expect(mocks.sfn).not.toHaveReceivedAnyCommand();
  });

  it('a stack that does not exist: exit 2, says so', async () => {
    serve(mocks, ordersProd());
    const { code, stdout, stderr } = await cli(['--stack', 'orders-staging']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: stack orders-staging does not exist in this account and region\n');
  });

  it('access denied to CloudFormation: exit 2 with the reason', async () => {
    mocks.cloudformation
      .on(ListStackResourcesCommand)
      .rejects(
        Object.assign(new Error(`User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: cloudformation:ListStackResources`), {
          name: 'AccessDenied',
        }),
      );
    const { code, stderr } = await cli(['--stack', 'orders-prod']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: access denied: User: .* cloudformation:ListStackResources\n$/);
  });

  it('--region reaches the clients', async () => {
    serve(mocks, ordersProd());
    const makeClients = jest.fn(clients);
    await cli(['--stack', 'orders-prod', '--region', 'eu-central-1'], makeClients);
    expect(makeClients.mock.calls).toEqual([['eu-central-1', undefined, { timeoutS: 30 }]]);
  });

  it('--profile reaches the clients as makeClients(region, profile), and leaves process.env alone', async () => {
    serve(mocks, ordersProd());
    const makeClients = jest.fn(clients);
    const saved = process.env.AWS_PROFILE;
    process.env.AWS_PROFILE = 'unchanged-by-verify';
    try {
      const { code, stderr } = await cli(['--stack', 'orders-prod', '--profile', 'orders-dev', '--region', 'eu-central-1'], makeClients);
      expect({ code, stderr }).toEqual({ code: 1, stderr: '' });
      expect(makeClients.mock.calls).toEqual([['eu-central-1', 'orders-dev', { timeoutS: 30 }]]);
      expect(process.env.AWS_PROFILE).toBe('unchanged-by-verify');
    } finally {
      if (saved === undefined) delete process.env.AWS_PROFILE;
      else process.env.AWS_PROFILE = saved;
    }
  });

  it('--timeout reaches the clients, in seconds', async () => {
    serve(mocks, ordersProd());
    const makeClients = jest.fn(clients);
    await cli(['--stack', 'orders-prod', '--timeout', '2.5'], makeClients);
    expect(makeClients.mock.calls).toEqual([[undefined, undefined, { timeoutS: 2.5 }]]);
  });

  it('through `warm-step-functions verify`: the default clients use the region given, standard retry (5 attempts) and the request timeout', async () => {
    const seen: { region: string; retry: string; attempts: number; profile?: string; timeout?: unknown }[] = [];
    const record = async (getClient: () => unknown): Promise<void> => {
      const c = getClient() as CloudFormationClient;
      // The handler resolves its options lazily (configProvider), as the first request would.
      const handler = c.config.requestHandler as unknown as { configProvider?: Promise<Record<string, unknown>> };
      const http = (await handler.configProvider) ?? {};
      seen.push({
        region: await c.config.region(),
        retry: ((await c.config.retryStrategy()) as { mode?: string }).mode ?? '',
        attempts: await c.config.maxAttempts(),
        profile: c.config.profile,
        timeout: { requestTimeout: http.requestTimeout, throwOnRequestTimeout: http.throwOnRequestTimeout },
      });
    };
    mocks.cloudformation.on(ListStackResourcesCommand).callsFake(async (_input, getClient) => {
      await record(getClient);
      return { StackResourceSummaries: [] };
    });
    const { io, out } = collect();
    const code = await run(['verify', '--stack', 'orders-prod', '--region', 'ap-southeast-2', '--timeout', '7'], io);
    expect({ code, stderr: out.stderr }).toEqual({ code: 0, stderr: '' });
    expect(out.stdout).toContain('0 state machine(s)');
    expect(seen).toEqual([
      { region: 'ap-southeast-2', retry: 'standard', attempts: 5, profile: undefined, timeout: { requestTimeout: 7000, throwOnRequestTimeout: true } },
    ]);
  });

  it('through `warm-step-functions verify --profile P`: all three default clients are built with that profile; AWS_PROFILE is not touched', async () => {
    serve(mocks, ordersProd());
    const saved = process.env.AWS_PROFILE;
    delete process.env.AWS_PROFILE;
    try {
      const { io, out } = collect();
      const code = await run(['verify', '--stack', 'orders-prod', '--region', 'eu-west-1', '--profile', 'orders-dev'], io);
      expect({ code, stderr: out.stderr }).toEqual({ code: 1, stderr: '' });
      expect(process.env.AWS_PROFILE).toBeUndefined();
      const configs = async (stub: { send: { thisValues: unknown[] } }) =>
        Promise.all(
          [...new Set(stub.send.thisValues)].map(async (c) => {
            const config = (c as LambdaClient).config;
            return { profile: config.profile, region: await config.region() };
          }),
        );
      for (const stub of [mocks.cloudformation, mocks.sfn, mocks.lambda]) {
        expect(await configs(stub)).toEqual([{ profile: 'orders-dev', region: 'eu-west-1' }]);
      }
    } finally {
      if (saved === undefined) delete process.env.AWS_PROFILE;
      else process.env.AWS_PROFILE = saved;
    }
  });
});
