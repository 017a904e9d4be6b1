/**
 * What `verify` finds in a deployed stack (macro/cli/commands/verify-stack.ts): each Lambda task of each
 * state machine judged by the provisioned concurrency it reaches and its function's configuration, every
 * AWS API served by aws-sdk-client-mock (test/support/verify-stack.ts: the stack `orders-prod`).
 */
import 'aws-sdk-client-mock-jest';
import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  ListProvisionedConcurrencyConfigsCommand,
} from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { verifyStack } from '../../../../macro/cli/commands/verify-stack';
import { exitCode } from '../../../../macro/cli/commands/verify';
import { formatTable } from '../../../../macro/cli/format/table';
import type { VerifyResult } from '../../../../macro/cli/commands/verify-result';
import {
  REGION,
  ACCOUNT,
  fnArn,
  smArn,
  INVOKE,
  resource,
  machineResource,
  serve,
  ORDER_FLOW,
  REFUND_FLOW,
  FUNCTIONS,
  ordersProd,
  clients,
  verifyCli,
  unwrap,
  overlong,
  SUMMARY_HEADER,
  pick,
  type Status,
  type FakeMachine,
  type FakeStack,
  type Mocks,
  mockAws,
  restoreAws,
} from '../../../support/verify-stack';

let mocks: Mocks;
beforeEach(() => {
  mocks = mockAws();
});
afterEach(() => restoreAws(mocks));

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
      const { code, stdout, stderr } = await verifyCli(['--stack', 'orders-prod']);
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
    const { code, stdout, stderr } = await verifyCli(['--stack', 'orders-prod']);
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
    const { code, stdout, stderr } = await verifyCli(['--stack', 'orders-prod', '--executions', '5']);
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
    const { code, stdout, stderr } = await verifyCli(['--stack', 'orders-prod']);
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
    const { code, stdout, stderr } = await verifyCli(['--stack', 'orders-prod']);
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
    const { code, stdout, stderr } = await verifyCli(['--stack', 'orders-prod', '--json']);
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
    const table = await verifyCli(['--stack', 'orders-prod']);
    expect(unwrap(table.stdout)).toContain(`not checked: OrderFlow: ${note}`);
  });

  it('the same with nothing cold elsewhere: exit 2', async () => {
    serve(mocks, { pages: [[machineResource(ORDER_FLOW)]], machines: [], functions: FUNCTIONS });
    const { code, stdout, stderr } = await verifyCli(['--stack', 'orders-prod']);
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
      const { code, stdout, stderr } = await verifyCli(['--stack', 'orders-prod', '--executions', '10']);
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
      const json = JSON.parse((await verifyCli(['--stack', 'orders-prod', '--executions', '10', '--json'])).stdout) as VerifyResult;
      expect(json.executionErrors).toEqual([]);
      expect(json.executionNotes).toEqual([{ stateMachine: 'OrderFlow', message: expect.stringMatching(/^executions not listable: Express; see log group /) }]);
    });

    it('logging at level ERROR without execution data: says what the log group will not show', async () => {
      serve(mocks, {
        pages: [[machineResource(ORDER_FLOW)]],
        machines: [express({ level: 'ERROR', includeExecutionData: false, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: group } }] })],
        functions: FUNCTIONS,
      });
      const { code, stdout } = await verifyCli(['--stack', 'orders-prod', '--executions', '1']);
      expect(code).toBe(0);
      expect(unwrap(stdout)).toContain('(level ERROR, without execution data: it does not show which qualifier each task ran)');
    });

    it('no logging: says so, still exit 0; and a cold task still gives exit 1', async () => {
      const cold = machineOf({ StartAt: 'Charge', States: { Charge: { Type: 'Task', Resource: fnArn('orders-charge'), End: true } } }, { type: 'EXPRESS' });
      serve(mocks, { pages: [[machineResource(ORDER_FLOW)]], machines: [express()], functions: FUNCTIONS });
      const quiet = await verifyCli(['--stack', 'orders-prod', '--executions', '1']);
      expect(quiet.code).toBe(0);
      expect(unwrap(quiet.stdout)).toContain(
        'OrderFlow: executions not listable: Express; Step Functions keeps no execution history for Express state machines, and this one logs nothing',
      );
      mocks.sfn.reset();
      serve(mocks, { pages: [[machineResource(ORDER_FLOW)]], machines: [cold], functions: FUNCTIONS });
      expect((await verifyCli(['--stack', 'orders-prod', '--executions', '1'])).code).toBe(1);
    });
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

  it("Managed Instances unqualified with an alias of the stack: a cold path (it runs $LATEST.PUBLISHED, not the alias's version), as check says", async () => {
    const s = stack();
    s.pages = [
      [
        ...s.pages[0],
        resource('FleetLive', 'AWS::Lambda::Alias', `${fnArn('orders-fleet')}:live`),
        resource('QuoteLive', 'AWS::Lambda::Alias', `${fnArn('orders-quote')}:live`),
      ],
    ];
    serve(mocks, s);
    const result = await verifyStack('orders-prod', clients());
    expect(result.rows.map((r) => [r.state, r.verdict])).toEqual([
      ['Saga', 'fails'],
      ['SagaProd', 'no-pc'],
      ['Quote', 'cold'],
      ['Fleet', 'cold'],
      ['FleetLatest', 'fails'],
      ['Notify', 'no-pc'],
    ]);
    expect(result.rows[3].note).toBe(
      "Managed Instances (CapacityProviderConfig): that call runs $LATEST.PUBLISHED, not the version the stack's alias live pins; invoke the alias",
    );
    expect(formatTable(result)).toContain('cold path: SagaFlow/Fleet invokes');
  });

  it('a configuration that cannot be read: judged as before (no reason)', async () => {
    serve(mocks, stack());
    mocks.lambda.on(GetFunctionConfigurationCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const result = await verifyStack('orders-prod', clients());
    expect(result.rows.map((r) => r.verdict)).toEqual(['no-pc', 'no-pc', 'no-pc', 'no-pc', 'no-pc', 'no-pc']);
  });

  describe('a version or alias of a SnapStart function without provisioned concurrency: its snapshot decides', () => {
    const QUOTE_FLOW: FakeMachine = {
      logicalId: 'QuoteFlow',
      name: 'QuoteFlow-Z9x8C7v6B5n4',
      definition: {
        StartAt: 'Live',
        States: {
          Live: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: `${fnArn('orders-quote')}:live` }, Next: 'Pinned' },
          Pinned: { Type: 'Task', Resource: `${fnArn('orders-quote')}:4`, Next: 'Old' },
          Old: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: fnArn('orders-quote'), Qualifier: '2' }, Next: 'Plain' },
          Plain: { Type: 'Task', Resource: `${fnArn('orders-notify')}:1`, End: true },
        },
      },
    };
    const quoteStack = (): FakeStack => ({
      pages: [[machineResource(QUOTE_FLOW), resource('QuoteLive', 'AWS::Lambda::Alias', `${fnArn('orders-quote')}:live`)]],
      machines: [QUOTE_FLOW],
      functions: {
        'orders-quote': {
          aliases: { live: '5' },
          config: { SnapStart: { ApplyOn: 'PublishedVersions', OptimizationStatus: 'Off' } },
          versions: {
            '2': { SnapStart: { ApplyOn: 'PublishedVersions', OptimizationStatus: 'Off' } },
            '4': { SnapStart: { ApplyOn: 'PublishedVersions', OptimizationStatus: 'On' } },
            '5': { SnapStart: { ApplyOn: 'PublishedVersions', OptimizationStatus: 'On' } },
          },
        },
        'orders-notify': { config: { SnapStart: { ApplyOn: 'None' } }, versions: { '1': {} } },
      },
    });

    it('snapshot active: warm; a version published before SnapStart (Off): not ready, exit 1; a function without SnapStart: as before', async () => {
      serve(mocks, quoteStack());
      const result = await verifyStack('orders-prod', clients());
      expect(result.rows.map((r) => [r.state, r.qualifier, r.verdict, r.reasons, r.note])).toEqual([
        ['Live', 'live', 'warm', ['SnapStart'], 'SnapStart snapshot active'],
        ['Pinned', '4', 'warm', ['SnapStart'], 'SnapStart snapshot active'],
        [
          'Old',
          '2',
          'not-ready',
          ['SnapStart'],
          'SnapStart is not active on this version (OptimizationStatus Off): it was published before SnapStart was turned on, or its snapshot is not ready yet; publish a new version and point the task at it',
        ],
        ['Plain', '1', 'no-pc', undefined, undefined],
      ]);
      expect(exitCode(result)).toBe(1);
      const table = formatTable(result);
      expect(table).toContain('! QuoteFlow     Old           orders-quote     2          SnapStart   -');
      expect(table).toContain('not ready: QuoteFlow/Old invokes');
      // The function's configuration once, then each qualifier of the SnapStart function once.
      const asked = mocks.lambda.commandCalls(GetFunctionConfigurationCommand).map((c) => c.args[0].input.Qualifier ?? '(function)');
      expect(asked.sort()).toEqual(['(function)', '(function)', '2', '4', 'live']);
    });

    it('every snapshot active: exit 0, counted warm', async () => {
      const s = quoteStack();
      const versions = s.functions['orders-quote'].versions ?? {};
      versions['2'] = { SnapStart: { ApplyOn: 'PublishedVersions', OptimizationStatus: 'On' } };
      serve(mocks, s);
      const result = await verifyStack('orders-prod', clients());
      expect(result.rows.map((r) => r.verdict)).toEqual(['warm', 'warm', 'warm', 'no-pc']);
      expect(exitCode(result)).toBe(0);
      const table = formatTable(result);
      expect(table).toContain('  QuoteFlow     Live          orders-quote     live       SnapStart   -');
      expect(table).toContain('  QuoteFlow     Plain         orders-notify    1          none        -');
      expect(table.replace(/\s+/g, ' ')).toContain('4 Lambda task(s): 3 warm, 0 cold, 0 not ready, 1 without provisioned concurrency, 0 not checked.');
    });

    it('a version that no longer exists: not checked, with the Lambda error', async () => {
      const s = quoteStack();
      const versions = s.functions['orders-quote'].versions ?? {};
      delete versions['4'];
      versions['2'] = versions['5'];
      serve(mocks, s);
      const result = await verifyStack('orders-prod', clients());
      expect(result.rows.map((r) => r.verdict)).toEqual(['warm', 'unknown', 'warm', 'no-pc']);
      expect(result.rows[1]).toMatchObject({ state: 'Pinned', verdict: 'unknown' });
      expect(result.rows[1].note).toMatch(/not found/i);
      expect(exitCode(result)).toBe(2);
    });
  });
});
