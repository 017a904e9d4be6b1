/**
 * A deployed stack for `warm-step-functions verify`'s tests, with every AWS API served by aws-sdk-client-mock
 * (CloudFormation, Step Functions, Lambda).
 *
 * The main scenario is the stack `orders-prod`:
 * - OrderFlow: Validate → orders-validate:live (provisioned concurrency READY, warm),
 *   Charge → lambda:invoke of the unqualified orders-charge although `live` is warm (cold),
 *   Notify → orders-notify, which has no provisioned concurrency (no-pc).
 * - RefundFlow: Refund → lambda:invoke `orders-refund:live`, provisioned concurrency IN_PROGRESS
 *   (not ready), Audit → orders-validate:live again (warm), Reconcile → orders-reconcile:3,
 *   provisioned concurrency FAILED (not ready).
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
import type { VerifyClients } from '../../macro/aws/stack';
import { runVerify, type MakeClients } from '../../macro/cli/commands/verify';
import type { VerifyRow } from '../../macro/cli/commands/verify-result';
import { runCommand } from '../../macro/cli/main';
import { captureIo, type CliResult } from './cli';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const fnArn = (name: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
export const smArn = (name: string): string => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
export const INVOKE = 'arn:aws:states:::lambda:invoke';
export const T0 = new Date('2025-03-04T09:00:00Z');

// ---------------------------------------------------------------------------------------------
// Fakes behind the mocks

export type Status = 'READY' | 'IN_PROGRESS' | 'FAILED';
export interface FakeFunction {
  pc?: Record<string, { status: Status; allocated: number; requested: number }>;
  aliases?: Record<string, string>;
  /** What GetFunctionConfiguration returns beyond the name (SnapStart, DurableConfig, CapacityProviderConfig). */
  config?: Record<string, unknown>;
  /** What GetFunctionConfiguration returns for a version (asked by version or by an alias of it), over `config`. */
  versions?: Record<string, Record<string, unknown>>;
}

export interface FakeMachine {
  logicalId: string;
  name: string;
  definition: unknown;
  /** Each execution's history, as pages of events. */
  executions?: { name: string; pages: HistoryEvent[][] }[];
  type?: 'STANDARD' | 'EXPRESS';
  logging?: { level: 'ALL' | 'ERROR' | 'FATAL' | 'OFF'; includeExecutionData: boolean; destinations?: { cloudWatchLogsLogGroup: { logGroupArn: string } }[] };
}

export interface FakeStack {
  /** Pages of ListStackResources. */
  pages: StackResourceSummary[][];
  machines: FakeMachine[];
  functions: Record<string, FakeFunction>;
}

export const resource = (logicalId: string, type: string, physicalId: string): StackResourceSummary => ({
  LogicalResourceId: logicalId,
  PhysicalResourceId: physicalId,
  ResourceType: type,
  ResourceStatus: 'UPDATE_COMPLETE',
  LastUpdatedTimestamp: T0,
});

export const machineResource = (m: FakeMachine): StackResourceSummary => resource(m.logicalId, 'AWS::StepFunctions::StateMachine', smArn(m.name));

function nameOf(functionName: string | undefined): string {
  const parts = (functionName ?? '').split(':');
  return parts.length >= 7 ? parts[6] : parts[0];
}

export const notFound = (what: string): ResourceNotFoundException =>
  new ResourceNotFoundException({ message: `Function not found: ${what}`, $metadata: { httpStatusCode: 404 } });

export interface Mocks {
  cloudformation: AwsClientStub<CloudFormationClient>;
  sfn: AwsClientStub<SFNClient>;
  lambda: AwsClientStub<LambdaClient>;
}

/** Serves `stack` as `stackName` through the mocks: CloudFormation, Step Functions and Lambda. */
export function serve(mocks: Mocks, stack: FakeStack, stackName = 'orders-prod'): void {
  serveCloudFormation(mocks, stack, stackName);
  serveStepFunctions(mocks, stack);
  serveLambda(mocks, stack);
}

function serveCloudFormation(mocks: Mocks, stack: FakeStack, stackName: string): void {
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
}

function serveStepFunctions(mocks: Mocks, stack: FakeStack): void {
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
}

function serveLambda(mocks: Mocks, stack: FakeStack): void {
  const fn = (functionName: string | undefined): [string, FakeFunction] => {
    const name = nameOf(functionName);
    if (!Object.hasOwn(stack.functions, name)) throw notFound(functionName ?? '');
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
    const q = input.Qualifier;
    if (q === undefined) return { FunctionName: name, FunctionArn: fnArn(name), ...(f.config ?? {}) };
    // Lambda answers for the version an alias points to; an unknown version or alias is not found.
    const version = f.aliases?.[q] ?? q;
    const v = f.versions?.[version];
    if (!v) throw notFound(`${fnArn(name)}:${q}`);
    return { FunctionName: name, FunctionArn: `${fnArn(name)}:${q}`, Version: version, ...(f.config ?? {}), ...v };
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
/** Event ids start again at 1 (each history helper below starts a new history). */
export function resetEvents(): void {
  eventId = 0;
}

export const ev = (type: string, details: Partial<HistoryEvent> = {}, previousEventId?: number): HistoryEvent => ({
  id: ++eventId,
  previousEventId: previousEventId ?? eventId - 1,
  timestamp: new Date(T0.getTime() + eventId * 100),
  type: type as HistoryEvent['type'],
  ...details,
});
export const entered = (name: string): HistoryEvent => ev('TaskStateEntered', { stateEnteredEventDetails: { name, input: '{}' } });
export const lambdaScheduled = (resource: string): HistoryEvent =>
  ev('LambdaFunctionScheduled', { lambdaFunctionScheduledEventDetails: { resource, input: '{}' } });
export const taskScheduled = (resource: string, parameters: object, resourceType = 'lambda', previous?: number): HistoryEvent =>
  ev('TaskScheduled', { taskScheduledEventDetails: { resourceType, resource, region: REGION, parameters: JSON.stringify(parameters) } }, previous);

export function orderHistory(): HistoryEvent[][] {
  resetEvents();
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

export function refundHistory(): HistoryEvent[][] {
  resetEvents();
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

export const ORDER_FLOW: FakeMachine = {
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

export const REFUND_FLOW: FakeMachine = {
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

export const FUNCTIONS: Record<string, FakeFunction> = {
  'orders-validate': { pc: { live: { status: 'READY', allocated: 5, requested: 5 } }, aliases: { live: '14' } },
  'orders-charge': { pc: { live: { status: 'READY', allocated: 10, requested: 10 } }, aliases: { live: '9' } },
  'orders-notify': {},
  'orders-refund': { pc: { live: { status: 'IN_PROGRESS', allocated: 2, requested: 10 } }, aliases: { live: '4' } },
  'orders-reconcile': { pc: { '2': { status: 'READY', allocated: 1, requested: 1 }, '3': { status: 'FAILED', allocated: 0, requested: 5 } } },
};

export function ordersProd(): FakeStack {
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
// The clients, their mocks, and the command

export const clients = (region = REGION): VerifyClients => ({
  cloudformation: new CloudFormationClient({ region }),
  sfn: new SFNClient({ region }),
  lambda: new LambdaClient({ region }),
});

/** Mocks every client of the three APIs (a test file's beforeEach; restoreAws in its afterEach). */
export function mockAws(): Mocks {
  return { cloudformation: mockClient(CloudFormationClient), sfn: mockClient(SFNClient), lambda: mockClient(LambdaClient) };
}

export function restoreAws(mocks: Mocks): void {
  mocks.cloudformation.restore();
  mocks.sfn.restore();
  mocks.lambda.restore();
}

/** `warm-step-functions verify ARGV` with these clients (verify reads no file). */
export async function verifyCli(argv: string[], makeClients: MakeClients = clients): Promise<CliResult> {
  const { io, out } = captureIo();
  const code = await runCommand('verify', argv, io, (args, commandIo) => runVerify(args, commandIo, makeClients));
  return { code, ...out };
}

/** The table with the continuation lines ("\n  ...") of wrapped problem and summary lines joined back. */
export const unwrap = (table: string): string => table.replace(/\n {2}(?=\S)/g, ' ');

/** Lines longer than 80 columns (none should be). */
export const overlong = (text: string): string[] => text.split('\n').filter((l) => l.length > 80);

export const SUMMARY_HEADER = '  STATE MACHINE STATE         FUNCTION         QUALIFIER  PC          ALLOC/REQ';

export const pick = (rows: VerifyRow[]) =>
  rows.map((r) => ({ sm: r.stateMachine, state: r.state, fn: r.function, q: r.qualifier, status: r.status, verdict: r.verdict }));
