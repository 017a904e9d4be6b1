/**
 * `verify --executions N` (macro/cli/commands/verify-executions.ts): what each task of the last N executions
 * really ran, read from their history, every AWS API served by aws-sdk-client-mock (test/support/verify-stack.ts).
 */
import 'aws-sdk-client-mock-jest';
import { GetExecutionHistoryCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { verifyStack } from '../../../../macro/cli/commands/verify-stack';
import type { VerifyResult } from '../../../../macro/cli/commands/verify-result';
import {
  REGION,
  ACCOUNT,
  fnArn,
  smArn,
  machineResource,
  serve,
  resetEvents,
  ev,
  entered,
  lambdaScheduled,
  taskScheduled,
  orderHistory,
  ORDER_FLOW,
  ordersProd,
  clients,
  verifyCli,
  type Mocks,
  mockAws,
  restoreAws,
} from '../../../support/verify-stack';

let mocks: Mocks;
beforeEach(() => {
  mocks = mockAws();
});
afterEach(() => restoreAws(mocks));

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
    const { stdout } = await verifyCli(['--stack', 'orders-prod', '--executions', '1', '--json']);
    const parsed = JSON.parse(stdout) as VerifyResult;
    expect(new Set(parsed.executions.map((e) => e.execution))).toEqual(new Set(['newest']));
    expect(mocks.sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { maxResults: 1 });
    expect(mocks.sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 3);
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
    const { code, stdout, stderr } = await verifyCli(['--stack', 'orders-prod', '--executions', '1']);
    expect(code).toBe(2);
    expect(stdout).toContain('  OrderFlow     Validate      orders-validate  live       READY       5/5');
    // RefundFlow's execution is still read.
    expect(stdout).toContain('Last executions (what each task really ran):');
    expect(stdout).toContain('\n  RefundFlow    Refund        …5d-7f9e1a3c5b7d live\n');
    expect(stdout).toContain(
      '\n\nexecutions not read: OrderFlow: access denied to the Step Functions API (needs\n  states:ListExecutions and states:GetExecutionHistory)\n',
    );
    expect(stderr).toBe('error: some executions could not be read (see "executions not read" above)\n');
    const { stdout: json } = await verifyCli(['--stack', 'orders-prod', '--executions', '1', '--json']);
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
    resetEvents();
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

  it('a Qualifier beside an unqualified FunctionName is what ran (FunctionName:Qualifier), also $LATEST', async () => {
    resetEvents();
    const started = ev('ExecutionStarted', { executionStartedEventDetails: { input: '{}' } });
    const a = entered('Charge');
    const charge = taskScheduled('invoke', { FunctionName: fnArn('orders-charge'), Qualifier: 'live', Payload: {} }, 'lambda', a.id);
    const b = entered('Latest');
    const latest = taskScheduled('invoke', { FunctionName: 'orders-notify', Qualifier: '$LATEST' }, 'lambda', b.id);
    const c = entered('Both');
    const both = taskScheduled('invoke', { FunctionName: `${fnArn('orders-stock')}:live`, Qualifier: 'live' }, 'lambda', c.id);
    serve(mocks, {
      pages: [[machineResource(ORDER_FLOW)]],
      machines: [
        {
          ...ORDER_FLOW,
          definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
          executions: [{ name: 'run-1', pages: [[started, a, charge, b, latest, c, both]] }],
        },
      ],
      functions: {},
    });
    const result = await verifyStack('orders-prod', clients(), { executions: 1 });
    expect(result.executions.map((e) => [e.state, e.ran, e.qualifier])).toEqual([
      ['Charge', `${fnArn('orders-charge')}:live`, 'live'],
      ['Latest', 'orders-notify:$LATEST', '$LATEST'],
      ['Both', `${fnArn('orders-stock')}:live`, 'live'],
    ]);
  });

  it('the AWS SDK integration of Invoke (resourceType aws-sdk:lambda, also .waitForTaskToken) is what ran too; its other actions are not invocations', async () => {
    resetEvents();
    const started = ev('ExecutionStarted', { executionStartedEventDetails: { input: '{}' } });
    const a = entered('Audit');
    const audit = taskScheduled('invoke', { FunctionName: fnArn('orders-audit'), Qualifier: 'live', InvocationType: 'Event' }, 'aws-sdk:lambda', a.id);
    const b = entered('Approve');
    const approve = taskScheduled('invoke.waitForTaskToken', { FunctionName: `${fnArn('orders-approve')}:live`, Payload: {} }, 'aws-sdk:lambda', b.id);
    const c = entered('Describe');
    const describe = taskScheduled('getFunction', { FunctionName: fnArn('orders-audit') }, 'aws-sdk:lambda', c.id);
    const d = entered('Cold');
    const cold = taskScheduled('invoke', { FunctionName: fnArn('orders-notify') }, 'aws-sdk:lambda', d.id);
    serve(mocks, {
      pages: [[machineResource(ORDER_FLOW)]],
      machines: [
        {
          ...ORDER_FLOW,
          definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
          executions: [{ name: 'run-1', pages: [[started, a, audit, b, approve, c, describe, d, cold]] }],
        },
      ],
      functions: {},
    });
    const result = await verifyStack('orders-prod', clients(), { executions: 1 });
    expect(result.executions.map((e) => [e.state, e.ran, e.qualifier])).toEqual([
      ['Audit', `${fnArn('orders-audit')}:live`, 'live'],
      ['Approve', `${fnArn('orders-approve')}:live`, 'live'],
      ['Cold', fnArn('orders-notify'), ''],
    ]);
  });

  it('Map iterations: an invocation belongs to the state its own iteration entered, across history pages', async () => {
    resetEvents();
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
