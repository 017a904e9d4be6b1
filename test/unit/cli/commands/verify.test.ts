/**
 * `warm-step-functions verify` (macro/cli/commands/verify.ts): its options, its output (the table or
 * `--json`), its exit code and its errors, against the stack of test/support/verify-stack.ts.
 */
import 'aws-sdk-client-mock-jest';
import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { exitCode } from '../../../../macro/cli/commands/verify';
import type { VerifyResult, VerifyRow } from '../../../../macro/cli/commands/verify-result';
import { ACCOUNT, serve, ordersProd, clients, verifyCli, type Mocks, mockAws, restoreAws } from '../../../support/verify-stack';

let mocks: Mocks;
beforeEach(() => {
  mocks = mockAws();
});
afterEach(() => restoreAws(mocks));

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
    const { code, stdout, stderr } = await verifyCli(['--stack', 'orders-prod', '--json', '--executions', '2']);
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
    const { code, stdout, stderr } = await verifyCli(argv, makeClients);
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
    const { code, stdout, stderr } = await verifyCli(['--stack', 'orders-prod']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'error: no AWS credentials: Could not load credentials from any providers (set AWS_PROFILE, use --profile, or configure credentials)\n',
    );
    expect(mocks.sfn).not.toHaveReceivedAnyCommand();
  });

  it('a stack that does not exist: exit 2, says so', async () => {
    serve(mocks, ordersProd());
    const { code, stdout, stderr } = await verifyCli(['--stack', 'orders-staging']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: stack orders-staging does not exist in this account and region\n');
  });

  it('access denied to CloudFormation: exit 2 with the reason', async () => {
    mocks.cloudformation.on(ListStackResourcesCommand).rejects(
      Object.assign(new Error(`User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: cloudformation:ListStackResources`), {
        name: 'AccessDenied',
      }),
    );
    const { code, stderr } = await verifyCli(['--stack', 'orders-prod']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: access denied: User: .* cloudformation:ListStackResources\n$/);
  });

  it('--region reaches the clients', async () => {
    serve(mocks, ordersProd());
    const makeClients = jest.fn(clients);
    await verifyCli(['--stack', 'orders-prod', '--region', 'eu-central-1'], makeClients);
    expect(makeClients.mock.calls).toEqual([['eu-central-1', undefined, { timeoutS: 30 }]]);
  });

  it('--profile reaches the clients as makeClients(region, profile), and leaves process.env alone', async () => {
    serve(mocks, ordersProd());
    const makeClients = jest.fn(clients);
    const saved = process.env.AWS_PROFILE;
    process.env.AWS_PROFILE = 'unchanged-by-verify';
    try {
      const { code, stderr } = await verifyCli(['--stack', 'orders-prod', '--profile', 'orders-dev', '--region', 'eu-central-1'], makeClients);
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
    await verifyCli(['--stack', 'orders-prod', '--timeout', '2.5'], makeClients);
    expect(makeClients.mock.calls).toEqual([[undefined, undefined, { timeoutS: 2.5 }]]);
  });
});
