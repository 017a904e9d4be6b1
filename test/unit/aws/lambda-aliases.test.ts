import 'aws-sdk-client-mock-jest';
/**
 * ResolveExternal (macro/aws/lambda-aliases.ts, driven through macro/lambda/handler.ts): literal Lambda ARNs
 * or names in invocation slots that name no function in the template are looked up with the
 * Lambda API, and the core rewrites them to the one alias that has provisioned concurrency.
 *
 * Every Lambda call is served by aws-sdk-client-mock (`mockClient(LambdaClient)` stubs the class
 * prototype, so the client that lambda-aliases.ts builds itself is mocked too). aws-sdk-client-mock
 * replaces `Client#send` itself, so the SDK's middleware stack, including the retry middleware,
 * never runs under it: a throttling error from the mock reaches lambda-aliases.ts as is. The retry
 * behaviour is therefore checked in three other ways: the retry strategy of the client that
 * lambda-aliases.ts builds (BudgetRetryStrategy, 3 attempts) and its decisions; in "the real SDK
 * middleware" below, a real LambdaClient whose HTTP handler (not `send`) is replaced, so that
 * retries really happen; and over the wire (test/integration/wire.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  LambdaClient,
  ListAliasesCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
  type ListAliasesCommandInput,
  type ListProvisionedConcurrencyConfigsCommandInput,
} from '@aws-sdk/client-lambda';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { TransformError } from '../../../macro/errors';
import { createHandler } from '../../../macro/lambda/handler';
import { runAtBuildTime } from '../../../macro/frontends/build-time';
import { DEFAULT_CONCURRENCY, externalCandidates, resolveExternal, UNREADABLE } from '../../../macro/aws/lambda-aliases';
import { transform } from '../../../macro/core/transform';
import type { Json, JsonObject, MacroReply, TransformOptions } from '../../../macro/types';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const arn = (name: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const OPTIONS: TransformOptions = { region: REGION, accountId: ACCOUNT };
const INVOKE = 'arn:aws:states:::lambda:invoke';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Templates

/** A state machine `Flow` with its role `FlowRole`, which may invoke the given ARNs. */
function template(states: JsonObject, granted: string[] = [arn('orders-charge')], extra: JsonObject = {}): JsonObject {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
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
              PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: granted }] },
            },
          ],
        },
      },
      Flow: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { RoleArn: { 'Fn::GetAtt': ['FlowRole', 'Arn'] }, Definition: { StartAt: Object.keys(states)[0], States: states } },
      },
      ...extra,
    },
  };
}

/** One Task per function, chained. */
function tasks(names: string[]): JsonObject {
  const states: JsonObject = {};
  names.forEach((n, k) => {
    states[`Call${k}`] = { Type: 'Task', Resource: arn(n), ...(k + 1 < names.length ? { Next: `Call${k + 1}` } : { End: true }) };
  });
  return states;
}

/** orders-charge invoked four ways: ARN as Resource, bare name and ARN:$LATEST in lambda:invoke, inside a Parallel branch. */
const CHARGE_EVERYWHERE: JsonObject = {
  Charge: { Type: 'Task', Resource: arn('orders-charge'), Next: 'Fan' },
  Fan: {
    Type: 'Parallel',
    Branches: [
      { StartAt: 'Retry', States: { Retry: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: 'orders-charge', 'Payload.$': '$' }, End: true } } },
      {
        StartAt: 'Again',
        States: {
          Again: {
            Type: 'Task',
            Resource: `${INVOKE}.waitForTaskToken`,
            Parameters: { FunctionName: `${arn('orders-charge')}:$LATEST`, 'Payload.$': '$' },
            End: true,
          },
        },
      },
    ],
    Next: 'Ship',
  },
  Ship: { Type: 'Task', Resource: arn('orders-ship'), End: true },
};

function event(fragment: unknown, params: Record<string, unknown> = { ResolveExternal: 'true' }): Record<string, unknown> {
  return {
    requestId: 'req-1',
    region: REGION,
    accountId: ACCOUNT,
    transformId: `${ACCOUNT}::WarmStepFunctions`,
    params,
    fragment,
    templateParameterValues: {},
  };
}

type Lines = Record<string, unknown>[];
async function runHandler(
  fragment: unknown,
  params?: Record<string, unknown>,
  env: Record<string, string | undefined> = { WARM_RESOLVE_EXTERNAL: 'true' },
): Promise<{ reply: MacroReply; lines: Lines }> {
  const lines: Lines = [];
  const reply = await createHandler({ log: (l) => lines.push(l), env })(event(fragment, params));
  return { reply, lines };
}

const statesOf = (fragment: unknown): Record<string, Json> => {
  const flow = (fragment as { Resources: Record<string, { Properties: { Definition: { States: Record<string, Json> } } }> }).Resources.Flow;
  return flow.Properties.Definition.States;
};

/** Every Resource granted lambda:InvokeFunction by the inline policies of FlowRole. */
function grantedByRole(fragment: unknown): Json[] {
  const role = (fragment as { Resources: Record<string, { Properties: { Policies: { PolicyDocument: { Statement: JsonObject[] } }[] } }> }).Resources.FlowRole;
  return role.Properties.Policies.flatMap((p) =>
    p.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow' && s.Action === 'lambda:InvokeFunction').flatMap((s) =>
      Array.isArray(s.Resource) ? s.Resource : [s.Resource as Json],
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// A fake Lambda API behind the mock

interface FakeFunction {
  /** Qualifiers (alias names or version numbers) with provisioned concurrency. */
  pc?: { qualifier: string; status?: 'READY' | 'IN_PROGRESS' | 'FAILED' }[];
  /** Aliases; each points to version 1 unless given as `name=version`. */
  aliases?: string[];
  /** Page size of both list APIs (NextMarker when more remain). */
  pageSize?: number;
}

function nameOf(functionName: string | undefined): string {
  const parts = (functionName ?? '').split(':');
  return parts.length >= 7 ? parts[6] : parts[0];
}

function page<T>(items: T[], marker: string | undefined, size: number): { items: T[]; next?: string } {
  const start = marker === undefined ? 0 : Number(/^opaque-(\d+)$/.exec(marker)?.[1] ?? NaN);
  if (!Number.isInteger(start)) throw Object.assign(new Error(`invalid marker ${marker}`), { name: 'InvalidParameterValueException' });
  return { items: items.slice(start, start + size), next: start + size < items.length ? `opaque-${start + size}` : undefined };
}

function notFound(functionName: string | undefined): ResourceNotFoundException {
  return new ResourceNotFoundException({ message: `Function not found: ${functionName}`, $metadata: { httpStatusCode: 404 } });
}

function accessDenied(action: string): Error {
  return Object.assign(
    new Error(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/WarmStepFunctionsRole/WarmStepFunctions is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
    ),
    { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 403 } },
  );
}

function pcConfigs(name: string, f: FakeFunction) {
  return (f.pc ?? []).map((p) => ({
    FunctionArn: `${arn(name)}:${p.qualifier}`,
    Status: p.status ?? 'READY',
    RequestedProvisionedConcurrentExecutions: 5,
    AvailableProvisionedConcurrentExecutions: p.status === 'READY' || p.status === undefined ? 5 : 0,
    AllocatedProvisionedConcurrentExecutions: p.status === 'READY' || p.status === undefined ? 5 : 0,
    LastModified: '2025-01-15T10:00:00+0000',
    ...(p.status === 'FAILED' ? { StatusReason: 'FUNCTION_ERROR_INIT_FAILURE' } : {}),
  }));
}

function aliasList(name: string, f: FakeFunction) {
  return (f.aliases ?? []).map((a) => {
    const [alias, version = '1'] = a.split('=');
    return { AliasArn: `${arn(name)}:${alias}`, Name: alias, FunctionVersion: version, Description: '', RevisionId: `rev-${alias}` };
  });
}

function serve(mock: AwsClientStub<LambdaClient>, functions: Record<string, FakeFunction>): void {
  const find = (fnName: string | undefined): [string, FakeFunction] => {
    const name = nameOf(fnName);
    if (!Object.hasOwn(functions, name)) throw notFound(fnName);
    return [name, functions[name]];
  };
  mock.on(ListProvisionedConcurrencyConfigsCommand).callsFake((input: ListProvisionedConcurrencyConfigsCommandInput) => {
    const [name, f] = find(input.FunctionName);
    const p = page(pcConfigs(name, f), input.Marker, f.pageSize ?? 50);
    return { ProvisionedConcurrencyConfigs: p.items, NextMarker: p.next };
  });
  mock.on(ListAliasesCommand).callsFake((input: ListAliasesCommandInput) => {
    const [name, f] = find(input.FunctionName);
    const p = page(aliasList(name, f), input.Marker, f.pageSize ?? 50);
    return { Aliases: p.items, NextMarker: p.next };
  });
}

const CHARGE_LIVE: Record<string, FakeFunction> = {
  'orders-charge': { pc: [{ qualifier: 'live' }], aliases: ['live=7', 'canary=8'] },
  'orders-ship': {},
};

// =============================================================================================

describe('externalCandidates', () => {
  it('lists each external function once, as its unqualified ARN (names and partial ARNs completed, $LATEST dropped), sorted', () => {
    const fragment = template(
      {
        A: { Type: 'Task', Resource: arn('zeta'), Next: 'B' },
        B: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: 'alpha' }, Next: 'C' },
        C: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: `${ACCOUNT}:function:zeta` }, Next: 'D' },
        D: { Type: 'Task', Resource: `${arn('alpha')}:$LATEST`, Next: 'E' },
        E: { Type: 'Task', Resource: `${arn('pinned')}:live`, Next: 'F' }, // an explicit alias: not looked up
        F: { Type: 'Task', Resource: { 'Fn::GetAtt': ['Local', 'Arn'] }, Next: 'G' }, // in the template
        G: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: 'local-fn' }, End: true }, // in the template, by name
      },
      [],
      {
        Local: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            FunctionName: 'local-fn',
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Role: 'arn:aws:iam::123456789012:role/fn',
            Code: { ZipFile: 'x' },
          },
        },
      },
    );
    expect(externalCandidates(fragment, OPTIONS)).toEqual([arn('alpha'), arn('zeta')]);
  });

  it('skips state machines left out by StateMachines/Exclude', () => {
    const fragment = template(tasks(['orders-charge']));
    expect(externalCandidates(fragment, { ...OPTIONS, exclude: ['Flow'] })).toEqual([]);
    expect(externalCandidates(fragment, { ...OPTIONS, stateMachines: ['Flow'] })).toEqual([arn('orders-charge')]);
  });

  it('returns nothing for a template the core rejects (the real run reports the problem), and looks nothing up', async () => {
    const fragment = template(tasks(['orders-charge']));
    const options = { ...OPTIONS, stateMachines: ['NoSuchMachine'] };
    expect(() => transform(fragment, options)).toThrow(TransformError);
    expect(externalCandidates(fragment, options)).toEqual([]);
    const lambda = mockClient(LambdaClient);
    try {
      await expect(resolveExternal(fragment, options, { enabled: true })).resolves.toEqual({});
      expect(lambda).not.toHaveReceivedAnyCommand();
    } finally {
      lambda.restore();
    }
  });

  it('does not mutate the template', () => {
    const fragment = template(CHARGE_EVERYWHERE);
    const before = JSON.stringify(fragment);
    externalCandidates(fragment, OPTIONS);
    expect(JSON.stringify(fragment)).toBe(before);
  });
});

describe('resolveExternal, Lambda API mocked', () => {
  let lambda: AwsClientStub<LambdaClient>;
  beforeEach(() => {
    lambda = mockClient(LambdaClient);
  });
  afterEach(() => {
    lambda.restore();
  });

  it('makes no call when the template has no external function', async () => {
    const fragment = template({
      Only: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: { QueueUrl: 'q', 'MessageBody.$': '$' }, End: true },
    });
    await expect(resolveExternal(fragment, OPTIONS, { enabled: true })).resolves.toEqual({});
    expect(lambda).not.toHaveReceivedAnyCommand();
  });

  it('when the deployment has not enabled the feature: an error per function, no call', async () => {
    serve(lambda, CHARGE_LIVE);
    const out = await resolveExternal(template(CHARGE_EVERYWHERE), OPTIONS, { enabled: false });
    expect(Object.keys(out).sort()).toEqual([arn('orders-charge'), arn('orders-ship')]);
    for (const v of Object.values(out))
      expect(v).toEqual({ status: 'error', message: expect.stringMatching(/not enabled in this deployment.*resolveExternal=true/) });
    expect(lambda).not.toHaveReceivedAnyCommand();
  });

  it('one warm alias: found by ListProvisionedConcurrencyConfigs then ListAliases, called with the unqualified ARN and an abort signal', async () => {
    serve(lambda, CHARGE_LIVE);
    const out = await resolveExternal(template(tasks(['orders-charge', 'orders-ship'])), OPTIONS, { enabled: true });
    expect(out).toEqual({
      [arn('orders-charge')]: { status: 'warm', aliases: [{ name: 'live', arn: `${arn('orders-charge')}:live` }] },
      [arn('orders-ship')]: { status: 'cold' },
    });
    expect(lambda).toHaveReceivedCommandWith(ListProvisionedConcurrencyConfigsCommand, { FunctionName: arn('orders-charge') });
    expect(lambda).toHaveReceivedCommandWith(ListAliasesCommand, { FunctionName: arn('orders-charge') });
    // No provisioned concurrency at all: no need to list the aliases.
    expect(lambda).not.toHaveReceivedCommandWith(ListAliasesCommand, { FunctionName: arn('orders-ship') });
    // The budget reaches the SDK (the real HTTP handler aborts the request on this signal).
    for (const call of lambda.calls()) expect(((call.args as unknown[])[1] as { abortSignal?: unknown } | undefined)?.abortSignal).toBeInstanceOf(AbortSignal);
  });

  it('follows NextMarker on both ListProvisionedConcurrencyConfigs and ListAliases', async () => {
    serve(lambda, {
      // One item per page: provisioned concurrency on version 3 (page 1) and alias live (page 2);
      // aliases blue, dev, green, live (the warm one on the last page).
      'orders-charge': { pc: [{ qualifier: '3' }, { qualifier: 'live' }], aliases: ['blue=1', 'dev=2', 'green=2', 'live=3'], pageSize: 1 },
    });
    const out = await resolveExternal(template(tasks(['orders-charge'])), OPTIONS, { enabled: true });
    expect(out[arn('orders-charge')]).toEqual({ status: 'warm', aliases: [{ name: 'live', arn: `${arn('orders-charge')}:live` }] });
    const markers = (c: typeof ListAliasesCommand | typeof ListProvisionedConcurrencyConfigsCommand): (string | undefined)[] =>
      lambda.commandCalls(c).map((call) => (call.args[0].input as { Marker?: string }).Marker);
    expect(markers(ListProvisionedConcurrencyConfigsCommand)).toEqual([undefined, 'opaque-1']);
    expect(markers(ListAliasesCommand)).toEqual([undefined, 'opaque-1', 'opaque-2', 'opaque-3']);
    expect(lambda).toHaveReceivedNthSpecificCommandWith(2, ListAliasesCommand, { FunctionName: arn('orders-charge'), Marker: 'opaque-1' });
  });

  it('provisioned concurrency on one version and no alias over it: targets that version', async () => {
    serve(lambda, { 'orders-charge': { pc: [{ qualifier: '12' }], aliases: ['dev=13'] } });
    const out = await resolveExternal(template(tasks(['orders-charge'])), OPTIONS, { enabled: true });
    expect(out[arn('orders-charge')]).toEqual({ status: 'warm', aliases: [{ name: '12', arn: `${arn('orders-charge')}:12` }] });
  });

  it('several warm aliases: all returned, sorted by name', async () => {
    serve(lambda, { 'orders-charge': { pc: [{ qualifier: 'live' }, { qualifier: 'blue' }], aliases: ['live=7', 'blue=8', 'dev=9'] } });
    const out = await resolveExternal(template(tasks(['orders-charge'])), OPTIONS, { enabled: true });
    expect(out[arn('orders-charge')]).toEqual({
      status: 'warm',
      aliases: [
        { name: 'blue', arn: `${arn('orders-charge')}:blue` },
        { name: 'live', arn: `${arn('orders-charge')}:live` },
      ],
    });
  });

  it.each(['IN_PROGRESS', 'FAILED'] as const)('provisioned concurrency %s on the alias: still the alias to target', async (status) => {
    serve(lambda, { 'orders-charge': { pc: [{ qualifier: 'live', status }], aliases: ['live=7'] } });
    const out = await resolveExternal(template(tasks(['orders-charge'])), OPTIONS, { enabled: true });
    expect(out[arn('orders-charge')]).toEqual({ status: 'warm', aliases: [{ name: 'live', arn: `${arn('orders-charge')}:live` }] });
  });

  it('AccessDenied: an error outcome that names the permissions, not the service message (it names the role); nothing thrown', async () => {
    lambda.on(ListProvisionedConcurrencyConfigsCommand).rejects(accessDenied('lambda:ListProvisionedConcurrencyConfigs'));
    const out = await resolveExternal(template(tasks(['orders-charge'])), OPTIONS, { enabled: true });
    expect(out[arn('orders-charge')]).toEqual({ status: 'error', message: UNREADABLE });
    expect(UNREADABLE).toMatch(/lambda:ListProvisionedConcurrencyConfigs and lambda:ListAliases/);
    expect(JSON.stringify(out)).not.toMatch(/assumed-role|not authorized/);
  });

  // What a template author learns: with the macro's role, "no such function" and "access denied" look
  // the same from outside (docs/security.md); the deployment's own log keeps which one it was.
  it.each<[string, () => void]>([
    ['no such function', () => serve(lambda, {})],
    [
      'access denied on ListProvisionedConcurrencyConfigs',
      () => lambda.on(ListProvisionedConcurrencyConfigsCommand).rejects(accessDenied('lambda:ListProvisionedConcurrencyConfigs')),
    ],
    [
      'access denied on ListAliases',
      () => {
        serve(lambda, CHARGE_LIVE);
        lambda.on(ListAliasesCommand).rejects(accessDenied('lambda:ListAliases'));
      },
    ],
  ])('%s: the one outcome for not-found and access-denied; the detail goes to the log only', async (_name, arrange) => {
    arrange();
    const log: Record<string, unknown>[] = [];
    const out = await resolveExternal(template(tasks(['orders-charge'])), OPTIONS, { enabled: true, log: (r) => log.push(r) });
    expect(out).toEqual({ [arn('orders-charge')]: { status: 'error', message: UNREADABLE } });
    expect(log).toEqual([
      {
        level: 'WARN',
        message: 'lookup failed',
        function: arn('orders-charge'),
        error: expect.stringMatching(/^(ResourceNotFoundException|AccessDeniedException)$/),
        detail: expect.any(String),
      },
    ]);
  });

  it('a service error other than those: its name and HTTP status, never its message', async () => {
    lambda.on(ListProvisionedConcurrencyConfigsCommand).rejects(
      Object.assign(new Error('Function arn:aws:lambda:us-east-1:123456789012:function:x is in state Pending'), {
        name: 'ResourceConflictException',
        $fault: 'client',
        $metadata: { httpStatusCode: 409 },
      }),
    );
    const out = await resolveExternal(template(tasks(['orders-charge'])), OPTIONS, { enabled: true });
    expect(out[arn('orders-charge')]).toEqual({ status: 'error', message: 'ResourceConflictException (HTTP 409)' });
  });

  it('AccessDenied on ListAliases only (partial permissions): an error outcome too', async () => {
    serve(lambda, CHARGE_LIVE);
    lambda.on(ListAliasesCommand).rejects(accessDenied('lambda:ListAliases'));
    const out = await resolveExternal(template(tasks(['orders-charge'])), OPTIONS, { enabled: true });
    expect(out[arn('orders-charge')]).toEqual({ status: 'error', message: UNREADABLE });
  });

  it('a function that does not exist: an error for it, the others are still resolved', async () => {
    serve(lambda, CHARGE_LIVE);
    const out = await resolveExternal(template(tasks(['orders-charge', 'no-such-fn'])), OPTIONS, { enabled: true });
    expect(out[arn('no-such-fn')]).toEqual({ status: 'error', message: UNREADABLE });
    expect(out[arn('orders-charge')]).toMatchObject({ status: 'warm' });
  });

  it('an unexpected error is reported with its name and message', async () => {
    lambda.on(ListProvisionedConcurrencyConfigsCommand).rejects(Object.assign(new Error('Service is unavailable'), { name: 'ServiceException' }));
    const out = await resolveExternal(template(tasks(['orders-charge'])), OPTIONS, { enabled: true });
    expect(out[arn('orders-charge')]).toEqual({ status: 'error', message: 'ServiceException: Service is unavailable' });
  });

  it("builds its client with the budget-aware retry strategy, 3 attempts, in the function's Region (here not the event's)", async () => {
    const seen: { retryMode?: string; maxAttempts?: number; region?: string; strategy?: string }[] = [];
    lambda.on(ListProvisionedConcurrencyConfigsCommand).callsFake(async (_input, getClient) => {
      const client = getClient() as LambdaClient;
      const strategy = await client.config.retryStrategy();
      seen.push({
        retryMode: (strategy as { mode?: string }).mode,
        maxAttempts: await client.config.maxAttempts(),
        region: await client.config.region(),
        strategy: strategy.constructor.name,
      });
      return { ProvisionedConcurrencyConfigs: [] };
    });
    // The event is in eu-west-1; the function's ARN says us-east-1, whose endpoint alone knows it.
    await resolveExternal(template(tasks(['orders-charge'])), { ...OPTIONS, region: 'eu-west-1' }, { enabled: true });
    expect(seen).toEqual([{ retryMode: 'standard', maxAttempts: 3, region: REGION, strategy: 'BudgetRetryStrategy' }]);
  });

  // The mock replaces Client#send, so the retry middleware is bypassed: the SDK never sees the
  // throttling error and cannot retry it. What this checks is the rest of the contract: a
  // throttling error that outlives the SDK's retries is an error outcome, never a crash, and the
  // other functions are still resolved. Real retries: see "the real SDK middleware" below.
  it.each([
    [
      'TooManyRequestsException',
      () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 }, Reason: 'CallerRateLimitExceeded' }),
    ],
    ['ThrottlingException', () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } })],
  ])('%s once, then success: under the mock (no retry middleware) it is an error outcome for that function only', async (name, error) => {
    serve(lambda, CHARGE_LIVE);
    lambda
      .on(ListProvisionedConcurrencyConfigsCommand, { FunctionName: arn('orders-ship') })
      .rejectsOnce(error())
      .resolves({ ProvisionedConcurrencyConfigs: [] });
    const out = await resolveExternal(template(tasks(['orders-charge', 'orders-ship'])), OPTIONS, { enabled: true });
    expect(out[arn('orders-ship')]).toEqual({ status: 'error', message: `throttled by the Lambda API (${name})` });
    expect(out[arn('orders-charge')]).toMatchObject({ status: 'warm' });
    expect(lambda).toHaveReceivedCommandTimes(ListProvisionedConcurrencyConfigsCommand, 2);
  });

  describe('lanes (macro/aws/lanes.ts): partition, Region, account, cap', () => {
    const OTHER = '111122223333';
    const at = (name: string, region: string, account = ACCOUNT, partition = 'aws'): string => `arn:${partition}:lambda:${region}:${account}:function:${name}`;
    /** Each ListProvisionedConcurrencyConfigs call's FunctionName and the Region of the client that sent it. */
    function recordRegions(): { FunctionName?: string; region: string }[] {
      const seen: { FunctionName?: string; region: string }[] = [];
      lambda.on(ListProvisionedConcurrencyConfigsCommand).callsFake(async (input: ListProvisionedConcurrencyConfigsCommandInput, getClient) => {
        seen.push({ FunctionName: input.FunctionName, region: await (getClient() as LambdaClient).config.region() });
        return { ProvisionedConcurrencyConfigs: [] };
      });
      return seen;
    }
    const fragmentOf = (arns: string[]) =>
      template(
        Object.fromEntries(arns.map((a, k) => [`S${k}`, { Type: 'Task', Resource: a, ...(k + 1 < arns.length ? { Next: `S${k + 1}` } : { End: true }) }])),
      );

    it("a function of another Region is asked through that Region's client; the event Region's client asks for its own", async () => {
      const seen = recordRegions();
      const out = await resolveExternal(fragmentOf([arn('here-fn'), at('there-fn', 'eu-west-1')]), OPTIONS, { enabled: true });
      expect(out).toEqual({ [arn('here-fn')]: { status: 'cold' }, [at('there-fn', 'eu-west-1')]: { status: 'cold' } });
      expect(seen.sort((a, b) => a.region.localeCompare(b.region))).toEqual([
        { FunctionName: at('there-fn', 'eu-west-1'), region: 'eu-west-1' },
        { FunctionName: arn('here-fn'), region: REGION },
      ]);
    });

    it('another partition, another account (no ExternalAccounts), a Region that is no Region: no call, each says why', async () => {
      const seen = recordRegions();
      const china = at('cn-fn', 'cn-north-1', ACCOUNT, 'aws-cn');
      const theirs = at('their-fn', REGION, OTHER);
      const odd = at('odd-fn', 'evil.example.com');
      const out = await resolveExternal(fragmentOf([china, theirs, odd, arn('here-fn')]), OPTIONS, { enabled: true });
      expect(seen).toEqual([{ FunctionName: arn('here-fn'), region: REGION }]);
      expect(out[china]).toEqual({ status: 'error', message: expect.stringContaining("its partition (aws-cn) is not this stack's (aws)") });
      expect(out[theirs]).toEqual({ status: 'error', message: expect.stringContaining(`account ${OTHER} is not this stack's`) });
      expect(out[odd]).toEqual({ status: 'error', message: expect.stringContaining("'evil.example.com' is not a Region") });
    });

    it('another account named in ExternalAccounts: looked up', async () => {
      const seen = recordRegions();
      const theirs = at('their-fn', REGION, OTHER);
      const out = await resolveExternal(fragmentOf([theirs]), OPTIONS, { enabled: true, externalAccounts: [OTHER] });
      expect(out).toEqual({ [theirs]: { status: 'cold' } });
      expect(seen).toEqual([{ FunctionName: theirs, region: REGION }]);
    });

    it('the cap: the first maxLookups functions are looked up, the others are not, and the log says the cap was reached', async () => {
      recordRegions();
      const names = ['fn-a', 'fn-b', 'fn-c', 'fn-d'];
      const log: Record<string, unknown>[] = [];
      const out = await resolveExternal(template(tasks(names)), OPTIONS, { enabled: true, maxLookups: 2, log: (r) => log.push(r) });
      expect(lambda).toHaveReceivedCommandTimes(ListProvisionedConcurrencyConfigsCommand, 2);
      expect(out[arn('fn-a')]).toEqual({ status: 'cold' });
      expect(out[arn('fn-b')]).toEqual({ status: 'cold' });
      for (const n of ['fn-c', 'fn-d'])
        expect(out[arn(n)]).toEqual({ status: 'error', message: expect.stringContaining('the macro looks up at most 2 per template') });
      expect(log).toEqual([{ level: 'WARN', message: 'lookup cap reached', lookedUp: 2, notLookedUp: 2, functions: 4 }]);
    });

    it('a function whose lists go on for more pages than the cap: not looked up completely, and the calls stop', async () => {
      lambda.on(ListProvisionedConcurrencyConfigsCommand).callsFake((input: ListProvisionedConcurrencyConfigsCommandInput) => ({
        ProvisionedConcurrencyConfigs: [],
        NextMarker: `m${Number((input.Marker ?? 'm0').slice(1)) + 1}`,
      }));
      const out = await resolveExternal(template(tasks(['endless'])), OPTIONS, { enabled: true, maxPages: 3 });
      expect(out[arn('endless')]).toEqual({
        status: 'error',
        message: 'not looked up completely: its provisioned concurrency configurations fill more than 3 pages (the macro reads at most 3)',
      });
      expect(lambda).toHaveReceivedCommandTimes(ListProvisionedConcurrencyConfigsCommand, 3);
    });
  });

  describe('time budget', () => {
    it('a call that honours the abort signal (as the SDK HTTP handler does): ends at the budget with "timed out"; queued functions are not looked up', async () => {
      lambda.send.callsFake(
        (_command: unknown, options?: { abortSignal?: AbortSignal }) =>
          new Promise((_resolve, reject) => {
            options?.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })));
          }),
      );
      const started = Date.now();
      const out = await resolveExternal(template(tasks(['a-fn', 'b-fn', 'c-fn'])), OPTIONS, { enabled: true, budgetMs: 200, concurrency: 1 });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(190);
      expect(elapsed).toBeLessThan(200 + 300);
      expect(out).toEqual({
        [arn('a-fn')]: { status: 'error', message: 'timed out: the 200 ms budget for lookups ran out' },
        [arn('b-fn')]: { status: 'error', message: 'not looked up: the 200 ms budget for lookups ran out' },
        [arn('c-fn')]: { status: 'error', message: 'not looked up: the 200 ms budget for lookups ran out' },
      });
      expect(lambda).toHaveReceivedCommandTimes(ListProvisionedConcurrencyConfigsCommand, 1);
    });

    // Each send is raced against the abort signal, so a client that ignores the signal
    // (settings.client, a wrapper, a mock) cannot keep resolveExternal waiting past the budget.
    it('a call that never settles (the abort signal ignored): resolveExternal still ends at the budget (200 ms)', async () => {
      lambda.on(ListProvisionedConcurrencyConfigsCommand).callsFake(() => new Promise(() => undefined));
      const started = Date.now();
      const outcome = await Promise.race([
        resolveExternal(template(tasks(['orders-charge'])), OPTIONS, { enabled: true, budgetMs: 200 }),
        sleep(200 + 800).then(() => 'still waiting' as const),
      ]);
      const elapsed = Date.now() - started;
      expect(outcome).toEqual({ [arn('orders-charge')]: { status: 'error', message: 'timed out: the 200 ms budget for lookups ran out' } });
      expect(elapsed).toBeGreaterThanOrEqual(190);
      expect(elapsed).toBeLessThan(200 + 300);
    });

    it('the second call of a lookup never settles (ListAliases hangs): that function times out, one resolved meanwhile keeps its result', async () => {
      serve(lambda, CHARGE_LIVE);
      lambda.on(ListAliasesCommand, { FunctionName: arn('orders-charge') }).callsFake(() => new Promise(() => undefined));
      const started = Date.now();
      // Candidates are looked up in sorted order: orders-charge first, orders-ship beside it.
      const out = await resolveExternal(template(tasks(['orders-ship', 'orders-charge'])), OPTIONS, { enabled: true, budgetMs: 200, concurrency: 2 });
      expect(Date.now() - started).toBeLessThan(200 + 300);
      expect(out).toEqual({
        [arn('orders-charge')]: { status: 'error', message: 'timed out: the 200 ms budget for lookups ran out' },
        [arn('orders-ship')]: { status: 'cold' },
      });
    });

    it('a supplied client (settings.client) that ignores the abort signal is bounded too', async () => {
      const client = { send: jest.fn(() => new Promise(() => undefined)) } as unknown as LambdaClient;
      const started = Date.now();
      const out = await resolveExternal(template(tasks(['orders-charge', 'orders-ship'])), OPTIONS, { enabled: true, client, budgetMs: 150, concurrency: 1 });
      expect(Date.now() - started).toBeLessThan(150 + 300);
      expect(out).toEqual({
        [arn('orders-charge')]: { status: 'error', message: 'timed out: the 150 ms budget for lookups ran out' },
        [arn('orders-ship')]: { status: 'error', message: 'not looked up: the 150 ms budget for lookups ran out' },
      });
      expect((client.send as jest.Mock).mock.calls).toHaveLength(1);
      expect(lambda).not.toHaveReceivedAnyCommand();
    });
  });

  describe('bounded concurrency', () => {
    const names = Array.from({ length: 10 }, (_, k) => `fn-${String(k).padStart(2, '0')}`);
    function slowApi(): { max: () => number } {
      let inFlight = 0;
      let max = 0;
      const slow = async <T>(result: T): Promise<T> => {
        inFlight++;
        max = Math.max(max, inFlight);
        await sleep(15);
        inFlight--;
        return result;
      };
      lambda
        .on(ListProvisionedConcurrencyConfigsCommand)
        .callsFake((input: ListProvisionedConcurrencyConfigsCommandInput) =>
          slow({ ProvisionedConcurrencyConfigs: [{ FunctionArn: `${input.FunctionName}:live`, Status: 'READY' }] }),
        );
      lambda
        .on(ListAliasesCommand)
        .callsFake((input: ListAliasesCommandInput) => slow({ Aliases: [{ Name: 'live', AliasArn: `${input.FunctionName}:live`, FunctionVersion: '1' }] }));
      return { max: () => max };
    }

    it(`default: at most ${DEFAULT_CONCURRENCY} lookups in flight, and really in parallel`, async () => {
      expect(DEFAULT_CONCURRENCY).toBe(4);
      const api = slowApi();
      const out = await resolveExternal(template(tasks(names), []), OPTIONS, { enabled: true });
      expect(Object.values(out).every((o) => o.status === 'warm')).toBe(true);
      expect(Object.keys(out)).toHaveLength(10);
      expect(api.max()).toBeLessThanOrEqual(4);
      expect(api.max()).toBe(4);
      expect(lambda).toHaveReceivedCommandTimes(ListProvisionedConcurrencyConfigsCommand, 10);
      expect(lambda).toHaveReceivedCommandTimes(ListAliasesCommand, 10);
    });

    it('settings.concurrency lowers the bound', async () => {
      const api = slowApi();
      await resolveExternal(template(tasks(names), []), OPTIONS, { enabled: true, concurrency: 2 });
      expect(api.max()).toBe(2);
    });
  });
});

// =============================================================================================

describe('handler with ResolveExternal (Lambda API mocked)', () => {
  let lambda: AwsClientStub<LambdaClient>;
  beforeEach(() => {
    lambda = mockClient(LambdaClient);
  });
  afterEach(() => {
    lambda.restore();
  });

  it('rewrites the external ARN to the qualified alias ARN in every form, records it, and lets the role invoke it', async () => {
    serve(lambda, CHARGE_LIVE);
    const input = template(CHARGE_EVERYWHERE, [arn('orders-charge'), arn('orders-ship')]);
    const before = JSON.stringify(input);
    const { reply, lines } = await runHandler(input);
    expect(reply).toMatchObject({ requestId: 'req-1', status: 'success' });
    expect(JSON.stringify(input)).toBe(before);

    const live = `${arn('orders-charge')}:live`;
    const states = statesOf(reply.fragment);
    expect(states.Charge).toEqual({ Type: 'Task', Resource: live, Next: 'Fan' });
    const branches = (states.Fan as { Branches: { States: Record<string, { Parameters: JsonObject }> }[] }).Branches;
    expect(branches[0].States.Retry.Parameters.FunctionName).toBe(live);
    expect(branches[1].States.Again.Parameters.FunctionName).toBe(live);
    expect(states.Ship).toEqual({ Type: 'Task', Resource: arn('orders-ship'), End: true });

    // IAM: the unqualified ARN does not cover the alias; the role must now allow the alias ARN,
    // once, in the statement that grants orders-charge.
    expect(grantedByRole(input)).toEqual([arn('orders-charge'), arn('orders-ship')]);
    expect(grantedByRole(reply.fragment)).toEqual([arn('orders-charge'), arn('orders-ship'), live]);

    const metadata = (reply.fragment as { Resources: { Flow: { Metadata: { WarmStepFunctions: JsonObject[] } } } }).Resources.Flow.Metadata.WarmStepFunctions;
    expect(metadata).toEqual(
      expect.arrayContaining([
        { state: 'Charge', path: 'States.Charge', from: arn('orders-charge'), to: live },
        { state: 'Retry', path: 'States.Fan.Branches[0].States.Retry', from: 'orders-charge', to: live },
        { state: 'Again', path: 'States.Fan.Branches[1].States.Again', from: `${arn('orders-charge')}:$LATEST`, to: live },
      ]),
    );
    expect(metadata).toHaveLength(3);
    expect(lines.filter((l) => l.message === 'rewritten')).toHaveLength(3);
    expect(lines.find((l) => l.message === 'summary')).toMatchObject({ rewritten: 3, iamGrantsAdded: 1 });
  });

  type RoleFragment = { Resources: { FlowRole: { Properties: { Policies: { PolicyName: string; PolicyDocument: { Statement: JsonObject[] } }[] } } } };
  const policiesOf = (fragment: unknown) => (fragment as RoleFragment).Resources.FlowRole.Properties.Policies;

  // As for in-template functions (fixture ref_literal_arn): the alias ARN joins the statement
  // that grants the unqualified ARN (Grant.unqualified), rather than a new policy.
  it.each<[string, Json]>([
    ['the literal ARN', arn('orders-charge')],
    ['a Fn::Sub ARN with pseudo parameters', { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders-charge' }],
  ])('IAM: the statement that grants the external function (%s) gets its alias ARN', async (_name, granted) => {
    serve(lambda, CHARGE_LIVE);
    const input = template(tasks(['orders-charge']), []);
    (input as RoleFragment).Resources.FlowRole.Properties.Policies[0].PolicyDocument.Statement[0].Resource = [granted];
    const { reply, lines } = await runHandler(input);
    expect(reply.status).toBe('success');
    const policies = policiesOf(reply.fragment);
    expect(policies.map((p) => p.PolicyName)).toEqual(['invoke']);
    expect(policies[0].PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [granted, `${arn('orders-charge')}:live`] },
    ]);
    expect(lines.find((l) => l.message === 'summary')).toMatchObject({ rewritten: 1, iamGrantsAdded: 1 });
  });

  it('IAM: a role that does not grant the external function at all gets a new statement for the alias', async () => {
    serve(lambda, CHARGE_LIVE);
    const { reply } = await runHandler(template(tasks(['orders-charge']), [arn('orders-other')]));
    expect(reply.status).toBe('success');
    const policies = policiesOf(reply.fragment);
    // The statement for another function is left alone.
    expect(policies[0]).toEqual({
      PolicyName: 'invoke',
      PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [arn('orders-other')] }] },
    });
    expect(grantedByRole(reply.fragment)).toEqual([arn('orders-other'), `${arn('orders-charge')}:live`]);
  });

  it('IAM: a wildcard grant that already covers the alias: nothing added', async () => {
    serve(lambda, CHARGE_LIVE);
    const input = template(tasks(['orders-charge']), [`${arn('orders-charge')}*`]);
    const { reply, lines } = await runHandler(input);
    expect(statesOf(reply.fragment).Call0).toMatchObject({ Resource: `${arn('orders-charge')}:live` });
    expect(policiesOf(reply.fragment)).toEqual(policiesOf(input));
    expect(lines.find((l) => l.message === 'summary')).toMatchObject({ rewritten: 1, iamGrantsAdded: 0 });
  });

  it('one lookup per function per invocation, however many states invoke it', async () => {
    serve(lambda, CHARGE_LIVE);
    const fragment = template(CHARGE_EVERYWHERE);
    await runHandler(fragment);
    // orders-charge (4 slots) and orders-ship (1 slot): one ListProvisionedConcurrencyConfigs each,
    // ListAliases only for the function that has provisioned concurrency.
    expect(lambda).toHaveReceivedCommandTimes(ListProvisionedConcurrencyConfigsCommand, 2);
    expect(lambda).toHaveReceivedCommandWith(ListProvisionedConcurrencyConfigsCommand, { FunctionName: arn('orders-charge') });
    expect(lambda).toHaveReceivedCommandWith(ListProvisionedConcurrencyConfigsCommand, { FunctionName: arn('orders-ship') });
    expect(lambda).toHaveReceivedCommandTimes(ListAliasesCommand, 1);
    // A new invocation of the macro looks again (nothing is cached across invocations).
    await runHandler(fragment);
    expect(lambda).toHaveReceivedCommandTimes(ListProvisionedConcurrencyConfigsCommand, 4);
    expect(lambda).toHaveReceivedCommandTimes(ListAliasesCommand, 2);
  });

  it('ResolveExternal off: no lookup, the slot is left as is and the report says how to enable it', async () => {
    serve(lambda, CHARGE_LIVE);
    const input = template(tasks(['orders-charge']));
    const { reply, lines } = await runHandler(input, {});
    expect(reply.status).toBe('success');
    expect(reply.fragment).toEqual(input);
    expect(lambda).not.toHaveReceivedAnyCommand();
    expect(lines.find((l) => l.state === 'Call0')?.reason).toMatch(/set ResolveExternal to look it up/);
  });

  it('ResolveExternal on but not enabled by the deployment (WARM_RESOLVE_EXTERNAL unset): no lookup; success with the reason in rewrite mode, failure in strict mode', async () => {
    serve(lambda, CHARGE_LIVE);
    const input = template(tasks(['orders-charge']));
    const lenient = await runHandler(input, { ResolveExternal: 'true' }, {});
    expect(lenient.reply.status).toBe('success');
    expect(lenient.reply.fragment).toEqual(input);
    expect(lenient.lines.find((l) => l.state === 'Call0')?.reason).toMatch(/not enabled in this deployment/);

    const strict = await runHandler(input, { ResolveExternal: 'true', Mode: 'strict' }, { WARM_RESOLVE_EXTERNAL: 'false' });
    expect(strict.reply).toMatchObject({
      status: 'failure',
      fragment: input,
      errorMessage: expect.stringMatching(/Flow.*not enabled in this deployment.*\(Mode strict\)/),
    });
    expect(lambda).not.toHaveReceivedAnyCommand();
  });

  it('AccessDenied: success in rewrite mode with the slot unchanged and the reason logged; failure in strict mode', async () => {
    lambda.on(ListProvisionedConcurrencyConfigsCommand).rejects(accessDenied('lambda:ListProvisionedConcurrencyConfigs'));
    const input = template(tasks(['orders-charge']));
    const lenient = await runHandler(input);
    expect(lenient.reply.status).toBe('success');
    expect(lenient.reply.fragment).toEqual(input);
    expect(lenient.lines.find((l) => l.state === 'Call0')).toMatchObject({ reason: `lookup of ${arn('orders-charge')} failed: ${UNREADABLE}` });
    // The deployment's log says which it was, with the request ID; the template author's reply does not.
    expect(lenient.lines.find((l) => l.message === 'lookup failed')).toMatchObject({
      level: 'WARN',
      requestId: 'req-1',
      function: arn('orders-charge'),
      error: 'AccessDeniedException',
    });

    const strict = await runHandler(input, { ResolveExternal: 'true', Mode: 'strict' });
    expect(strict.reply.status).toBe('failure');
    expect(strict.reply.fragment).toEqual(input);
    expect(strict.reply.errorMessage).toMatch(/^Resource with id \[Flow\] is invalid\. .*not found, or the macro may not read it.*\(Mode strict\)/);
    expect(strict.reply.errorMessage).not.toMatch(/AccessDenied|assumed-role|not authorized/);
    expect(strict.lines.some((l) => l.level === 'ERROR' && l.message === 'failure')).toBe(true);
  });

  // A lookup that failed is a warning (rewrite mode goes on, but it must not go unnoticed); a
  // lookup that succeeded and found no warm alias, or no lookup asked for, is a plain `cold`.
  it.each<
    [
      string,
      () => void,
      Record<string, unknown> | undefined,
      Record<string, string>,
      { level: string; message: string; reason: RegExp },
      { cold: number; warnings: number },
    ]
  >([
    [
      'access denied',
      () => lambda.on(ListProvisionedConcurrencyConfigsCommand).rejects(accessDenied('lambda:ListProvisionedConcurrencyConfigs')),
      undefined,
      { WARM_RESOLVE_EXTERNAL: 'true' },
      { level: 'WARN', message: 'warning', reason: /^lookup of .*orders-charge failed: not found, or the macro may not read it/ },
      { cold: 0, warnings: 1 },
    ],
    [
      'the function does not exist',
      () => serve(lambda, {}),
      undefined,
      { WARM_RESOLVE_EXTERNAL: 'true' },
      { level: 'WARN', message: 'warning', reason: /failed: not found, or the macro may not read it/ },
      { cold: 0, warnings: 1 },
    ],
    [
      'not enabled in this deployment',
      () => serve(lambda, CHARGE_LIVE),
      undefined,
      {},
      { level: 'WARN', message: 'warning', reason: /failed: ResolveExternal is not enabled in this deployment/ },
      { cold: 0, warnings: 1 },
    ],
    [
      'looked up, no alias with provisioned concurrency',
      () => serve(lambda, { 'orders-charge': { aliases: ['live=2'] } }),
      undefined,
      { WARM_RESOLVE_EXTERNAL: 'true' },
      { level: 'INFO', message: 'cold', reason: /has no alias with provisioned concurrency/ },
      { cold: 1, warnings: 0 },
    ],
    [
      'ResolveExternal off',
      () => serve(lambda, CHARGE_LIVE),
      {},
      { WARM_RESOLVE_EXTERNAL: 'true' },
      { level: 'INFO', message: 'cold', reason: /set ResolveExternal to look it up/ },
      { cold: 1, warnings: 0 },
    ],
  ])('rewrite mode, %s: the decision line and the summary', async (_name, arrange, params, env, line, summary) => {
    arrange();
    const input = template(tasks(['orders-charge']));
    const { reply, lines } = await runHandler(input, params, env);
    expect(reply).toMatchObject({ status: 'success', fragment: input });
    expect(lines.filter((l) => l.state === 'Call0')).toEqual([
      expect.objectContaining({ level: line.level, message: line.message, reason: expect.stringMatching(line.reason) }),
    ]);
    expect(lines.find((l) => l.message === 'summary')).toMatchObject({ ...summary, rewritten: 0, iamGrantsAdded: 0 });
  });

  it('a missing function: warning reason in rewrite mode, failure in strict mode; the strict message is the access-denied one', async () => {
    serve(lambda, {});
    const input = template(tasks(['gone-fn']), [arn('gone-fn')]);
    const lenient = await runHandler(input);
    expect(lenient.reply).toMatchObject({ status: 'success', fragment: input });
    expect(lenient.lines.find((l) => l.state === 'Call0')?.reason).toBe(`lookup of ${arn('gone-fn')} failed: ${UNREADABLE}`);
    const strict = await runHandler(input, { ResolveExternal: 'true', Mode: 'strict' });
    expect(strict.reply).toMatchObject({
      status: 'failure',
      errorMessage: expect.stringMatching(/gone-fn failed: not found, or the macro may not read it.*\(Mode strict\)/),
    });
    // The same function, denied instead of missing: the same failure, word for word.
    lambda.reset();
    lambda.on(ListProvisionedConcurrencyConfigsCommand).rejects(accessDenied('lambda:ListProvisionedConcurrencyConfigs'));
    const denied = await runHandler(input, { ResolveExternal: 'true', Mode: 'strict' });
    expect(denied.reply.errorMessage).toBe(strict.reply.errorMessage);
  });

  it('no alias with provisioned concurrency: left as is (reported); a failure in strict mode', async () => {
    serve(lambda, { 'orders-ship': { aliases: ['live=2'] } });
    const input = template(tasks(['orders-ship']), [arn('orders-ship')]);
    const lenient = await runHandler(input);
    expect(lenient.reply).toMatchObject({ status: 'success', fragment: input });
    expect(lenient.lines.find((l) => l.state === 'Call0')?.reason).toMatch(/has no alias with provisioned concurrency/);
    const strict = await runHandler(input, { ResolveExternal: 'true', Mode: 'strict' });
    expect(strict.reply).toMatchObject({
      status: 'failure',
      errorMessage: expect.stringMatching(/orders-ship has no alias with provisioned concurrency \(Mode strict\)/),
    });
  });

  describe('ExternalAccounts (Transform parameter)', () => {
    const OTHER = '111122223333';
    const theirs = `arn:aws:lambda:${REGION}:${OTHER}:function:shared-charge`;
    const input = () => template({ Charge: { Type: 'Task', Resource: theirs, End: true } }, [theirs]);
    const warmTheirs = () => {
      lambda
        .on(ListProvisionedConcurrencyConfigsCommand, { FunctionName: theirs })
        .resolves({ ProvisionedConcurrencyConfigs: [{ FunctionArn: `${theirs}:live`, Status: 'READY' }] });
      lambda.on(ListAliasesCommand, { FunctionName: theirs }).resolves({ Aliases: [{ Name: 'live', AliasArn: `${theirs}:live`, FunctionVersion: '3' }] });
    };

    it("without it: another account's function is not looked up (a warning; a failure in strict mode), and nothing is granted", async () => {
      warmTheirs();
      const lenient = await runHandler(input());
      expect(lenient.reply).toMatchObject({ status: 'success', fragment: input() });
      expect(lenient.lines.find((l) => l.state === 'Charge')).toMatchObject({
        level: 'WARN',
        reason: expect.stringContaining('the Transform parameter ExternalAccounts names it'),
      });
      const strict = await runHandler(input(), { ResolveExternal: 'true', Mode: 'strict' });
      expect(strict.reply).toMatchObject({
        status: 'failure',
        errorMessage: expect.stringMatching(/account 111122223333 is not this stack's.*\(Mode strict\)/),
      });
      expect(lambda).not.toHaveReceivedAnyCommand();
    });

    it('naming the account: looked up, rewritten to the warm alias, and the role may invoke it', async () => {
      warmTheirs();
      const { reply } = await runHandler(input(), { ResolveExternal: 'true', ExternalAccounts: OTHER });
      expect(reply.status).toBe('success');
      expect(statesOf(reply.fragment).Charge).toMatchObject({ Resource: `${theirs}:live` });
      expect(grantedByRole(reply.fragment)).toEqual([theirs, `${theirs}:live`]);
    });

    it('WARM_RESOLVE_MAX_LOOKUPS lowers the cap; the cap reached is a warning line of its own, with the request ID', async () => {
      serve(lambda, CHARGE_LIVE);
      const { reply, lines } = await runHandler(template(tasks(['orders-charge', 'orders-ship', 'orders-zzz'])), undefined, {
        WARM_RESOLVE_EXTERNAL: 'true',
        WARM_RESOLVE_MAX_LOOKUPS: '2',
      });
      expect(reply.status).toBe('success');
      expect(lines.find((l) => l.message === 'lookup cap reached')).toEqual({
        level: 'WARN',
        message: 'lookup cap reached',
        requestId: 'req-1',
        lookedUp: 2,
        notLookedUp: 1,
        functions: 3,
      });
      expect(lines.find((l) => l.state === 'Call2')).toMatchObject({ level: 'WARN', reason: expect.stringContaining('at most 2 per template') });
      expect(lambda).toHaveReceivedCommandTimes(ListProvisionedConcurrencyConfigsCommand, 2);
    });
  });

  describe('several warm aliases', () => {
    const SEVERAL: Record<string, FakeFunction> = { 'orders-charge': { pc: [{ qualifier: 'live' }, { qualifier: 'blue' }], aliases: ['blue=8', 'live=7'] } };

    it('without AliasName: failure naming the aliases and the parameter', async () => {
      serve(lambda, SEVERAL);
      const { reply } = await runHandler(template(tasks(['orders-charge'])));
      expect(reply.status).toBe('failure');
      expect(reply.errorMessage).toContain(
        `function ${arn('orders-charge')} has 2 aliases with provisioned concurrency: blue, live. Choose one with the Transform parameter AliasName.`,
      );
    });

    it('AliasName picks one', async () => {
      serve(lambda, SEVERAL);
      const input = template(tasks(['orders-charge']));
      const { reply } = await runHandler(input, { ResolveExternal: 'true', AliasName: 'blue' });
      expect(reply.status).toBe('success');
      expect(statesOf(reply.fragment).Call0).toMatchObject({ Resource: `${arn('orders-charge')}:blue` });
      expect(grantedByRole(reply.fragment)).toContain(`${arn('orders-charge')}:blue`);
      expect(grantedByRole(reply.fragment)).not.toContain(`${arn('orders-charge')}:live`);
    });

    it('AliasName naming none of them: failure listing the ones there are', async () => {
      serve(lambda, SEVERAL);
      const { reply } = await runHandler(template(tasks(['orders-charge'])), { ResolveExternal: 'true', AliasName: 'green' });
      expect(reply.status).toBe('failure');
      expect(reply.errorMessage).toMatch(
        /AliasName is 'green', but function .*orders-charge has no such alias with provisioned concurrency \(it has: blue, live\)/,
      );
    });
  });

  it('WARM_RESOLVE_BUDGET_MS bounds the lookups; a timeout is reported, not thrown', async () => {
    lambda.send.callsFake(
      (_command: unknown, options?: { abortSignal?: AbortSignal }) =>
        new Promise((_resolve, reject) => {
          options?.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })));
        }),
    );
    const input = template(tasks(['orders-charge']));
    const started = Date.now();
    const lenient = await runHandler(input, undefined, { WARM_RESOLVE_EXTERNAL: 'true', WARM_RESOLVE_BUDGET_MS: '150' });
    expect(Date.now() - started).toBeLessThan(150 + 300);
    expect(lenient.reply).toMatchObject({ status: 'success', fragment: input });
    expect(lenient.lines.find((l) => l.state === 'Call0')?.reason).toMatch(/timed out: the 150 ms budget/);
    const strict = await runHandler(input, { ResolveExternal: 'true', Mode: 'strict' }, { WARM_RESOLVE_EXTERNAL: 'true', WARM_RESOLVE_BUDGET_MS: '150' });
    expect(strict.reply).toMatchObject({ status: 'failure', errorMessage: expect.stringMatching(/timed out.*\(Mode strict\)/) });
  });
});

// =============================================================================================
// The real SDK middleware: a real LambdaClient, built by lambda-aliases.ts with its own settings, whose
// HTTP handler is replaced (the test's credentials are placeholders; nothing leaves the process).

type HttpReply = { status: number; headers?: Record<string, string>; body: unknown };

function loadWithHttp(reply: (attempt: number, signal?: AbortSignal) => Promise<HttpReply>): {
  resolve: typeof resolveExternal;
  configs: Record<string, unknown>[];
  attempts: () => number;
} {
  const configs: Record<string, unknown>[] = [];
  let attempts = 0;
  const requestHandler = {
    handle: async (_request: unknown, options?: { abortSignal?: AbortSignal }) => {
      if (options?.abortSignal?.aborted) throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
      const r = await reply(++attempts, options?.abortSignal);
      return {
        response: {
          statusCode: r.status,
          reason: '',
          headers: { 'content-type': 'application/json', 'x-amzn-requestid': `req-${attempts}`, ...r.headers },
          body: Readable.from([Buffer.from(JSON.stringify(r.body))]),
        },
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  let mod!: typeof import('../../../macro/aws/lambda-aliases');
  let sdk!: typeof import('@aws-sdk/client-lambda');
  jest.isolateModules(() => {
    jest.doMock('@aws-sdk/client-lambda', () => {
      const actual = jest.requireActual('@aws-sdk/client-lambda');
      class LambdaClientOverFakeHttp extends actual.LambdaClient {
        constructor(config: Record<string, unknown>) {
          configs.push(config);
          super({ ...config, requestHandler, credentials: { accessKeyId: 'AKIDPLACEHOLDER', secretAccessKey: 'placeholder' } });
        }
      }
      return { ...actual, LambdaClient: LambdaClientOverFakeHttp };
    });
    mod = require('../../../macro/aws/lambda-aliases');
    sdk = require('@aws-sdk/client-lambda');
  });
  // lambda-aliases.ts loads the SDK with a dynamic import when it runs, outside this isolated registry: hand it
  // the isolated, HTTP-replaced module instead.
  return { resolve: (f, o, s) => mod.resolveExternal(f, o, { ...s, sdk }), configs, attempts: () => attempts };
}

describe('the Serverless plugin with ResolveExternal (runAtBuildTime; Lambda API mocked)', () => {
  // docs/frontends.md: the plugin looks up with the CLI's credentials; it knows the Region, not the account.
  let lambda: AwsClientStub<LambdaClient>;
  beforeEach(() => {
    lambda = mockClient(LambdaClient);
    serve(lambda, CHARGE_LIVE);
  });
  afterEach(() => {
    lambda.restore();
  });

  it('a function of an account that ExternalAccounts names is looked up and rewritten to its warm alias', async () => {
    const r = await runAtBuildTime(template(tasks(['orders-charge'])), { ResolveExternal: true, ExternalAccounts: ACCOUNT }, { region: REGION });
    expect(statesOf(r.fragment).Call0).toMatchObject({ Resource: `${arn('orders-charge')}:live` });
    expect(lambda).toHaveReceivedCommand(ListAliasesCommand);
  });

  it("without ExternalAccounts (the stack's account is not known at packaging): not looked up, a warning that names ExternalAccounts", async () => {
    const r = await runAtBuildTime(template(tasks(['orders-charge'])), { ResolveExternal: true }, { region: REGION });
    expect(statesOf(r.fragment).Call0).toMatchObject({ Resource: arn('orders-charge') });
    expect(r.report.decisions.filter((d) => d.action === 'warning').map((d) => d.reason)).toEqual([expect.stringContaining('ExternalAccounts names it')]);
    expect(lambda).not.toHaveReceivedAnyCommand();
  });
});

const throttled = (name: string): HttpReply => ({
  status: 429,
  headers: { 'x-amzn-errortype': name },
  body: { Type: 'User', message: 'Rate exceeded', Reason: 'CallerRateLimitExceeded' },
});

describe('the real SDK middleware (HTTP handler replaced)', () => {
  afterEach(() => jest.dontMock('@aws-sdk/client-lambda'));

  it.each(['TooManyRequestsException', 'ThrottlingException'])(
    '%s once, then success: the retry strategy of the client lambda-aliases.ts builds absorbs it',
    async (name) => {
      const sdk = loadWithHttp(async (attempt) => (attempt === 1 ? throttled(name) : { status: 200, body: { ProvisionedConcurrencyConfigs: [] } }));
      const out = await sdk.resolve(template(tasks(['orders-ship'])), OPTIONS, { enabled: true });
      expect(out).toEqual({ [arn('orders-ship')]: { status: 'cold' } });
      expect(sdk.attempts()).toBe(2);
      expect(sdk.configs).toEqual([expect.objectContaining({ region: REGION, maxAttempts: 3 })]);
      expect((sdk.configs[0].retryStrategy as object).constructor.name).toBe('BudgetRetryStrategy');
    },
    15_000,
  );

  it('persistent throttling: 3 attempts, then the throttling error, well inside the budget', async () => {
    const sdk = loadWithHttp(async () => throttled('TooManyRequestsException'));
    const started = Date.now();
    const out = await sdk.resolve(template(tasks(['orders-ship'])), OPTIONS, { enabled: true, budgetMs: 5_000 });
    expect(out).toEqual({ [arn('orders-ship')]: { status: 'error', message: 'throttled by the Lambda API (TooManyRequestsException; 3 attempts)' } });
    expect(sdk.attempts()).toBe(3);
    // Two waits of at most 500 ms and 1 s.
    expect(Date.now() - started).toBeLessThan(1_500 + 500);
  }, 20_000);

  // A retry whose wait would not leave time for another attempt is not made: the lookup ends at
  // once with the service's own error, instead of sleeping into the budget's end.
  it('persistent throttling with a budget too short for a retry (200 ms): one attempt, reported as throttled, at once', async () => {
    const sdk = loadWithHttp(async () => throttled('TooManyRequestsException'));
    const started = Date.now();
    const out = await sdk.resolve(template(tasks(['orders-ship'])), OPTIONS, { enabled: true, budgetMs: 200 });
    expect(out).toEqual({ [arn('orders-ship')]: { status: 'error', message: 'throttled by the Lambda API (TooManyRequestsException; 1 attempt)' } });
    expect(Date.now() - started).toBeLessThan(200 + 300);
    expect(sdk.attempts()).toBe(1);
  }, 20_000);

  it('a server that answers slower than the budget: the abort signal ends the attempt at the budget', async () => {
    const sdk = loadWithHttp(
      (_attempt, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })));
        }),
    );
    const started = Date.now();
    const out = await sdk.resolve(template(tasks(['orders-ship'])), OPTIONS, { enabled: true, budgetMs: 300 });
    expect(out).toEqual({ [arn('orders-ship')]: { status: 'error', message: 'timed out: the 300 ms budget for lookups ran out' } });
    expect(Date.now() - started).toBeLessThan(300 + 300);
  }, 20_000);
});

// =============================================================================================
// The Lambda bundle: the AWS SDK is loaded only when the lookups can actually happen.

const ROOT = join(__dirname, '..', '..', '..');
const BUNDLE = join(ROOT, 'dist', 'macro.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

interface BundleRun {
  status: string;
  errorMessage?: string;
  reasons: string[];
  sdk: string[];
}

/** Calls the bundled handler in a fresh Node process and lists the @aws-sdk modules it loaded. */
function runBundle(fragment: unknown, params: Record<string, unknown>, env: Record<string, string>): BundleRun {
  // An ES module, like the Lambda runtime's import() of the handler file. Modules that an ES module
  // imports from a CommonJS package (the SDK's) are listed in the CommonJS cache too.
  const script = `
    import { createRequire } from 'node:module';
    const { createHandler } = await import(${JSON.stringify(BUNDLE)});
    const reasons = [];
    const reply = await createHandler({ log: (l) => reasons.push(l.reason), env: process.env })(JSON.parse(process.env.WSF_EVENT));
    const sdk = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('@aws-sdk'));
    process.stdout.write(JSON.stringify({ status: reply.status, errorMessage: reply.errorMessage, reasons: reasons.filter(Boolean), sdk }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', WSF_EVENT: JSON.stringify(event(fragment, params)), ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(out) as BundleRun;
}

describe('the Lambda bundle (dist/macro.js) and the AWS SDK', () => {
  beforeAll(() => {
    const stale =
      !existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < Math.max(newestSource(join(ROOT, 'macro')), statSync(join(ROOT, 'scripts', 'build.mjs')).mtimeMs);
    if (stale) execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  }, 150_000);

  const external = template(tasks(['orders-charge']));
  const noExternal = template({ Only: { Type: 'Pass', End: true } });

  it('ResolveExternal off: the SDK is not loaded', () => {
    const run = runBundle(external, {}, { WARM_RESOLVE_EXTERNAL: 'true' });
    expect(run.status).toBe('success');
    expect(run.reasons.join('\n')).toMatch(/set ResolveExternal to look it up/);
    expect(run.sdk).toEqual([]);
  });

  it('positive control: ResolveExternal on and enabled loads the SDK from the bundle (no external function, so no call)', () => {
    const run = runBundle(noExternal, { ResolveExternal: 'true' }, { WARM_RESOLVE_EXTERNAL: 'true' });
    expect(run.status).toBe('success');
    expect(run.sdk.some((k) => k.includes(`${join('@aws-sdk', 'client-lambda')}`))).toBe(true);
  });

  // With the feature off in the deployment, macro/aws/not-enabled.ts answers "not enabled"
  // without the SDK: nothing could be looked up anyway.
  it.each<[string, Record<string, string>]>([
    ['unset', {}],
    ["'false'", { WARM_RESOLVE_EXTERNAL: 'false' }],
    ["'TRUE' (only 'true' enables it)", { WARM_RESOLVE_EXTERNAL: 'TRUE' }],
  ])('ResolveExternal on, WARM_RESOLVE_EXTERNAL %s: success, each lookup reported as not enabled, and the SDK is not loaded', (_name, env) => {
    const run = runBundle(external, { ResolveExternal: 'true' }, env);
    expect(run.status).toBe('success');
    expect(run.reasons).toEqual([expect.stringMatching(/^lookup of .*orders-charge failed: ResolveExternal is not enabled in this deployment/)]);
    expect(run.sdk).toEqual([]);
  });
});
