/**
 * `verify`'s reads (macro/aws/stack.ts): ListExecutions paginated, and the clients `defaultClients` builds
 * (region, profile, standard retry, request timeout), every AWS API served by aws-sdk-client-mock.
 */
import 'aws-sdk-client-mock-jest';
import { type CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { GetExecutionHistoryCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { verifyStack } from '../../../macro/cli/commands/verify-stack';
import { run } from '../../../macro/cli/main';
import { captureIo } from '../../support/cli';
import {
  fnArn,
  smArn,
  machineResource,
  serve,
  resetEvents,
  entered,
  lambdaScheduled,
  ORDER_FLOW,
  ordersProd,
  clients,
  type Mocks,
  mockAws,
  restoreAws,
} from '../../support/verify-stack';

let mocks: Mocks;
beforeEach(() => {
  mocks = mockAws();
});
afterEach(() => restoreAws(mocks));

describe('lastExecutions: ListExecutions paginated', () => {
  it('more than 1,000 executions: ListExecutions is paginated (1,000 per page) until N are read, newest first', async () => {
    resetEvents();
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
});

describe('defaultClients', () => {
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
    const { io, out } = captureIo();
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
      const { io, out } = captureIo();
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
