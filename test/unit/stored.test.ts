import 'aws-sdk-client-mock-jest';
/**
 * Definitions stored outside the template (issue 13): where they are (macro/core/definition/stored.ts),
 * how the core reads and writes them once an edge hands them over, how the Lambda edge reads S3
 * (macro/aws/s3-definitions.ts, under aws-sdk-client-mock and with the real SDK middleware),
 * how the handler wires it, and how the CLI reads local files and CDK assets (macro/cli/definitions.ts).
 * The S3 wire itself (a local S3 server) is tested in test/integration/s3-definitions.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { localDefinitions } from '../../macro/cli/definitions';
import { parseS3Uri, storedRef, storedRefs } from '../../macro/core/definition/stored';
import { TransformError } from '../../macro/errors';
import { BudgetRetryStrategy } from '../../macro/aws/budget';
import { createHandler, S3_NOT_ENABLED, type HandlerDeps } from '../../macro/lambda/handler';
import { readS3Definitions } from '../../macro/aws/s3-definitions';
import { transform } from '../../macro/core/transform';
import type { JsonObject, MacroReply, StoredDefinition, TransformOptions } from '../../macro/types';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const OPTIONS: TransformOptions = { region: REGION, accountId: ACCOUNT };

/** A definition that invokes `${WorkArn}` and, when `shared`, also carries it as data. */
function definitionText(shared = false): string {
  const work: JsonObject = {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: '${WorkArn}', 'Payload.$': '$' },
    End: true,
  };
  if (shared) (work.Parameters as JsonObject).Payload = { worker: '${WorkArn}' };
  if (shared) delete (work.Parameters as JsonObject)['Payload.$'];
  return JSON.stringify({ StartAt: 'Work', States: { Work: work } }, null, 2);
}

/** `Work` (warm through alias `Live`), and state machine `Flow` of the given type whose definition is stored. */
function template(type: 'AWS::StepFunctions::StateMachine' | 'AWS::Serverless::StateMachine', location: JsonObject, mode?: string): JsonObject {
  const props: JsonObject =
    type === 'AWS::Serverless::StateMachine'
      ? {
          ...location,
          DefinitionSubstitutions: { WorkArn: { 'Fn::GetAtt': ['Work', 'Arn'] } },
          Policies: [{ LambdaInvokePolicy: { FunctionName: { Ref: 'Work' } } }],
        }
      : { RoleArn: 'arn:aws:iam::123456789012:role/flow', ...location, DefinitionSubstitutions: { WorkArn: { 'Fn::GetAtt': ['Work', 'Arn'] } } };
  return {
    ...(mode ? { Transform: { Name: 'WarmStepFunctions', Parameters: { Mode: mode } } } : {}),
    Resources: {
      Work: {
        Type: 'AWS::Lambda::Function',
        Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler', Role: 'arn:aws:iam::123456789012:role/fn', Code: { ZipFile: 'x' } },
      },
      WorkVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Work' } } },
      Live: {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { Ref: 'Work' },
          FunctionVersion: { 'Fn::GetAtt': ['WorkVersion', 'Version'] },
          Name: 'live',
          ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
        },
      },
      Flow: { Type: type, Properties: props },
    },
  };
}

const S3_LOCATION = { DefinitionS3Location: { Bucket: 'defs', Key: 'flows/flow.asl.json', Version: 'v7' } };
const ok = (text: string, source = 's3://defs/flows/flow.asl.json (version v7)'): Record<string, StoredDefinition> => ({
  Flow: { status: 'ok', source, text },
});
const props = (fragment: unknown): JsonObject => (fragment as { Resources: { Flow: { Properties: JsonObject } } }).Resources.Flow.Properties;

describe('where a stored definition is', () => {
  test('DefinitionUri as s3:// URI (with and without versionId), as {Bucket, Key, Version}, and as a local path', () => {
    expect(storedRef('F', { DefinitionUri: 's3://b/k/flow.json' }, {})?.location).toEqual({ kind: 's3', bucket: 'b', bucketText: 'b', key: 'k/flow.json' });
    expect(parseS3Uri('s3://b/flow.json?versionId=abc')).toEqual({ kind: 's3', bucket: 'b', bucketText: 'b', key: 'flow.json', version: 'abc' });
    expect(storedRef('F', { DefinitionUri: { Bucket: 'b', Key: 'k', Version: '3' } }, {})?.location).toEqual({
      kind: 's3',
      bucket: 'b',
      bucketText: 'b',
      key: 'k',
      version: '3',
    });
    expect(storedRef('F', { DefinitionUri: 'statemachine/flow.asl.json' }, {})).toEqual({
      stateMachine: 'F',
      property: 'DefinitionUri',
      templatePath: 'Resources/F/Properties/DefinitionUri',
      location: { kind: 'file', path: 'statemachine/flow.asl.json' },
    });
    expect(storedRef('F', { Definition: {} }, {})).toBeUndefined();
  });

  test("CDK's asset bucket (Fn::Sub of pseudo parameters) is resolved with the deployment's region and account, and kept as written", () => {
    const loc = { DefinitionS3Location: { Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, Key: 'abc.json' } };
    expect(storedRef('F', loc, OPTIONS)?.location).toEqual({
      kind: 's3',
      bucket: 'cdk-hnb659fds-assets-123456789012-us-east-1',
      bucketText: 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}',
      key: 'abc.json',
    });
    expect(storedRef('F', loc, {})?.location).toMatchObject({ bucket: undefined, bucketText: 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' });
    expect(
      storedRef('F', { DefinitionS3Location: { Bucket: { 'Fn::Sub': 'x-${AWS::Partition}-${AWS::URLSuffix}' }, Key: 'k' } }, { region: 'cn-north-1' })
        ?.location,
    ).toMatchObject({ bucket: 'x-aws-cn-amazonaws.com.cn' });
  });

  test('a bucket the macro cannot know (a Ref to a parameter, a resource) is a problem, not a location', () => {
    expect(storedRef('F', { DefinitionS3Location: { Bucket: { Ref: 'DefsBucket' }, Key: 'k' } }, OPTIONS)).toMatchObject({
      problem: 'its Bucket is an Ref, not a literal, so the macro cannot tell which object it is',
    });
    expect(storedRef('F', { DefinitionS3Location: { Bucket: { 'Fn::Sub': '${Prefix}-defs' }, Key: 'k' } }, OPTIONS)?.problem).toMatch(/refers to Prefix/);
    expect(storedRef('F', { DefinitionS3Location: { Key: 'k' } }, OPTIONS)?.problem).toMatch(/Bucket is missing/);
  });

  test('storedRefs honours StateMachines and Exclude, and gives nothing for a template it cannot read', () => {
    const t = template('AWS::StepFunctions::StateMachine', S3_LOCATION);
    expect(storedRefs(t, OPTIONS).map((r) => r.stateMachine)).toEqual(['Flow']);
    expect(storedRefs(t, { ...OPTIONS, exclude: ['Flow'] })).toEqual([]);
    expect(storedRefs(t, { ...OPTIONS, stateMachines: ['Other'] })).toEqual([]);
    expect(storedRefs({ Resources: 5 }, OPTIONS)).toEqual([]);
  });
});

describe('the core, given a stored definition', () => {
  test('only a DefinitionSubstitutions value changes: the definition stays in S3, the report names the object', () => {
    const t = template('AWS::StepFunctions::StateMachine', S3_LOCATION);
    const { fragment, report } = transform(t, { ...OPTIONS, definitions: ok(definitionText()) });
    expect(props(fragment)).toEqual({ ...props(t), DefinitionSubstitutions: { WorkArn: { Ref: 'Live' } } });
    const rewritten = report.decisions.filter((d) => d.action === 'rewritten');
    expect(rewritten).toHaveLength(1);
    expect(rewritten[0]).toMatchObject({
      stateMachine: 'Flow',
      templatePath: 'Resources/Flow/Properties/DefinitionS3Location',
      source: 's3://defs/flows/flow.asl.json (version v7)',
    });
  });

  test('the text changes: DefinitionString in place of DefinitionS3Location (same place among the properties), substitutions kept', () => {
    const t = template('AWS::StepFunctions::StateMachine', S3_LOCATION);
    const { fragment, report } = transform(t, { ...OPTIONS, definitions: ok(definitionText(true)) });
    const p = props(fragment);
    expect(Object.keys(p)).toEqual(['RoleArn', 'DefinitionString', 'DefinitionSubstitutions']);
    const written = JSON.parse(p.DefinitionString as string);
    expect(written.States.Work.Parameters).toEqual({ FunctionName: '${WarmStepFunctionsLive}', Payload: { worker: '${WorkArn}' } });
    expect(p.DefinitionSubstitutions).toEqual({ WorkArn: { 'Fn::GetAtt': ['Work', 'Arn'] }, WarmStepFunctionsLive: { Ref: 'Live' } });
    expect(report.decisions.find((d) => /goes inline/.test(d.reason))?.reason).toBe(
      'the rewritten definition goes inline as DefinitionString in place of DefinitionS3Location (read from s3://defs/flows/flow.asl.json (version v7))',
    );
  });

  test("SAM: the rewritten definition goes inline as Definition (an object, SAM's intrinsics in it) in place of DefinitionUri", () => {
    const t = template('AWS::Serverless::StateMachine', { DefinitionUri: { Bucket: 'defs', Key: 'flows/flow.asl.json', Version: 'v7' } });
    const { fragment } = transform(t, { ...OPTIONS, definitions: ok(definitionText(true)) });
    const p = props(fragment);
    expect(Object.keys(p)).toEqual(['Definition', 'DefinitionSubstitutions', 'Policies']);
    expect((p.Definition as JsonObject).States).toEqual({
      Work: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: { Ref: 'Live' }, Payload: { worker: '${WorkArn}' } },
        End: true,
      },
    });
    expect(p.DefinitionSubstitutions).toEqual({ WorkArn: { 'Fn::GetAtt': ['Work', 'Arn'] } });
  });

  test('SAM, text that is JSON only once substitutions apply: cannot go inline, so a warning and nothing changes', () => {
    const text =
      '{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"${WorkArn}","Payload":{"worker":"${WorkArn}","n":${N}}},"End":true}}}';
    const t = template('AWS::Serverless::StateMachine', { DefinitionUri: 's3://defs/flow.json' });
    (props(t).DefinitionSubstitutions as JsonObject).N = 3;
    const { fragment, report } = transform(t, { ...OPTIONS, definitions: ok(text, 's3://defs/flow.json (ETag "e1")') });
    expect(fragment).toEqual(t);
    expect(report.decisions.filter((d) => d.action === 'warning').map((d) => d.reason)).toEqual([
      `the rewritten definition cannot go inline: SAM's Definition must be a JSON object, and the text at s3://defs/flow.json (ETag "e1") is JSON only once DefinitionSubstitutions apply; its invocations are left as they are`,
    ]);
  });

  test('nothing to change: the very same template comes back', () => {
    const t = template('AWS::StepFunctions::StateMachine', S3_LOCATION);
    delete (t.Resources as JsonObject).Live;
    const { fragment } = transform(t, { ...OPTIONS, definitions: ok(definitionText(true)) });
    expect(JSON.stringify(fragment)).toBe(JSON.stringify(t));
  });

  test('a read error or text that is not JSON: a warning naming the object; Mode strict fails with it', () => {
    const t = template('AWS::StepFunctions::StateMachine', S3_LOCATION);
    const cases: [Record<string, StoredDefinition>, string][] = [
      [
        { Flow: { status: 'error', source: 's3://defs/flows/flow.asl.json (version v7)', message: 'access denied: x' } },
        "cannot read Flow's definition at s3://defs/flows/flow.asl.json (version v7): access denied: x",
      ],
      [
        ok('StartAt: Work\n', 's3://defs/flows/flow.asl.json (ETag "e2")'),
        'the definition at s3://defs/flows/flow.asl.json (ETag "e2") is not a JSON state machine definition',
      ],
      [{}, 'Flow loads its definition from s3://defs/flows/flow.asl.json (version v7), which the macro was not given'],
    ];
    for (const [definitions, reason] of cases) {
      const { fragment, report } = transform(t, { ...OPTIONS, definitions });
      expect(fragment).toEqual(t);
      const warnings = report.decisions.filter((d) => d.action === 'warning');
      expect(warnings).toHaveLength(1);
      expect(warnings[0].templatePath).toBe('Resources/Flow/Properties/DefinitionS3Location');
      expect(warnings[0].reason.startsWith(reason)).toBe(true);
      expect(() => transform(t, { ...OPTIONS, definitions, mode: 'strict' })).toThrow(TransformError);
    }
    expect(() => transform(t, { ...OPTIONS, definitions: cases[0][0], mode: 'strict' })).toThrow(
      /Resources\/Flow\/Properties\/DefinitionS3Location: the macro cannot read the definition at s3:\/\/defs\/flows\/flow\.asl\.json \(version v7\) \(access denied: x\), so it cannot check Flow's invocations/,
    );
  });

  test('Mode report: nothing changes, the report says where the definition would go', () => {
    const t = template('AWS::StepFunctions::StateMachine', S3_LOCATION);
    const { fragment, report } = transform(t, { ...OPTIONS, mode: 'report', definitions: ok(definitionText(true)) });
    expect(fragment).toBe(t);
    expect(report.decisions.some((d) => d.reason.startsWith('the rewritten definition would go inline as DefinitionString'))).toBe(true);
  });
});

describe('reading S3 (aws-sdk-client-mock)', () => {
  let s3: AwsClientStub<S3Client>;
  beforeEach(() => {
    s3 = mockClient(S3Client);
  });
  afterEach(() => s3.restore());

  const body = (text: string): Readable => Readable.from([Buffer.from(text)]);
  const refs = (t: JsonObject) => storedRefs(t, OPTIONS);

  test('one GetObject per distinct object (version pinned), named by version, else by ETag; nothing but GetObject', async () => {
    const t = template('AWS::StepFunctions::StateMachine', S3_LOCATION);
    (t.Resources as JsonObject).Other = {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { DefinitionS3Location: { Bucket: 'defs', Key: 'flows/flow.asl.json', Version: 'v7' } },
    };
    (t.Resources as JsonObject).Third = { Type: 'AWS::Serverless::StateMachine', Properties: { DefinitionUri: 's3://defs/third.json' } };
    s3.on(GetObjectCommand, { Bucket: 'defs', Key: 'flows/flow.asl.json', VersionId: 'v7' }).callsFake(() => ({
      Body: body('{"a":1}'),
      ContentLength: 7,
      VersionId: 'v7',
      ETag: '"x"',
    }));
    s3.on(GetObjectCommand, { Bucket: 'defs', Key: 'third.json' }).callsFake(() => ({ Body: body('{"b":2}'), ETag: '"e3"' }));
    const out = await readS3Definitions(refs(t), { allowedBuckets: ['defs'], client: new S3Client({ region: REGION }) });
    expect(out).toEqual({
      Flow: { status: 'ok', source: 's3://defs/flows/flow.asl.json (version v7)', text: '{"a":1}' },
      Other: { status: 'ok', source: 's3://defs/flows/flow.asl.json (version v7)', text: '{"a":1}' },
      Third: { status: 'ok', source: 's3://defs/third.json (ETag "e3")', text: '{"b":2}' },
    });
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 2);
    expect(s3.calls().every((c) => c.args[0] instanceof GetObjectCommand)).toBe(true);
  });

  test.each([
    ['NoSuchKey', 404, 'not found: no such object'],
    ['NoSuchBucket', 404, 'not found: no such bucket'],
    ['NoSuchVersion', 404, 'not found: no such version of the object'],
    ['AccessDenied', 403, 'access denied: the macro may read only the buckets its deployment lists in s3DefinitionBuckets'],
  ])('%s: an error outcome naming the object', async (name, status, message) => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status } }));
    const out = await readS3Definitions(refs(template('AWS::StepFunctions::StateMachine', S3_LOCATION)), {
      allowedBuckets: ['defs'],
      client: new S3Client({ region: REGION }),
    });
    expect(out.Flow).toMatchObject({ status: 'error', source: 's3://defs/flows/flow.asl.json (version v7)' });
    expect((out.Flow as { message: string }).message.startsWith(message)).toBe(true);
  });

  test('too large: by Content-Length, and by the bytes that arrive when there is none', async () => {
    const t = template('AWS::StepFunctions::StateMachine', S3_LOCATION);
    s3.on(GetObjectCommand)
      .callsFakeOnce(() => ({ Body: body('{}'), ContentLength: 2_000_000 }))
      .callsFake(() => ({ Body: body('x'.repeat(100)) }));
    const first = await readS3Definitions(refs(t), { allowedBuckets: ['defs'], client: new S3Client({ region: REGION }) });
    expect(first.Flow).toEqual({
      status: 'error',
      source: 's3://defs/flows/flow.asl.json (version v7)',
      message: 'too large (2000000 bytes; a definition is at most 1048576 bytes)',
    });
    const second = await readS3Definitions(refs(t), { allowedBuckets: ['defs'], client: new S3Client({ region: REGION }), maxBytes: 50 });
    expect(second.Flow).toMatchObject({ status: 'error', message: 'too large (more than 50 bytes; a definition is at most 50 bytes)' });
  });

  test('the time budget: a read that hangs ends at the budget with "timed out"', async () => {
    s3.on(GetObjectCommand).callsFake(() => new Promise(() => undefined));
    const started = Date.now();
    const out = await readS3Definitions(refs(template('AWS::StepFunctions::StateMachine', S3_LOCATION)), {
      allowedBuckets: ['defs'],
      client: new S3Client({ region: REGION }),
      budgetMs: 150,
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(out.Flow).toMatchObject({ status: 'error', message: 'timed out: the 150 ms budget for reading definitions ran out' });
  });

  test('at most `concurrency` reads at a time', async () => {
    const t: JsonObject = { Resources: {} };
    for (let i = 0; i < 9; i++)
      (t.Resources as JsonObject)[`F${i}`] = {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { DefinitionS3Location: { Bucket: 'defs', Key: `k${i}` } },
      };
    let now = 0;
    let most = 0;
    s3.on(GetObjectCommand).callsFake(async () => {
      most = Math.max(most, ++now);
      await new Promise((r) => setTimeout(r, 10));
      now--;
      return { Body: body('{}') };
    });
    const out = await readS3Definitions(refs(t), { allowedBuckets: ['defs'], client: new S3Client({ region: REGION }), concurrency: 3 });
    expect(Object.keys(out)).toHaveLength(9);
    expect(most).toBe(3);
  });

  test('a bucket that needs the region and account, when they are not given: an error outcome, no call', async () => {
    const t = template('AWS::StepFunctions::StateMachine', { DefinitionS3Location: { Bucket: { 'Fn::Sub': 'cdk-assets-${AWS::AccountId}' }, Key: 'k' } });
    const out = await readS3Definitions(storedRefs(t, {}), { allowedBuckets: ['defs'], client: new S3Client({ region: REGION }) });
    expect(out.Flow).toMatchObject({ status: 'error', message: 'its bucket name needs the region and account of the deployment' });
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 0);
  });
});

describe('reading S3: the real SDK middleware (HTTP handler replaced), with the client s3-definitions.ts builds', () => {
  /** readS3Definitions over a real S3Client whose HTTP handler answers `reply` (nothing leaves the process). */
  function loadWithHttp(reply: (attempt: number) => { status: number; headers?: Record<string, string>; body: string }) {
    const configs: Record<string, unknown>[] = [];
    let attempts = 0;
    const requestHandler = {
      handle: async () => {
        const r = reply(++attempts);
        return {
          response: {
            statusCode: r.status,
            reason: '',
            headers: { 'x-amz-request-id': `req-${attempts}`, ...r.headers },
            body: Readable.from([Buffer.from(r.body)]),
          },
        };
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
    // The real SDK module, whose S3Client sends through the replaced HTTP handler.
    const actual = jest.requireActual('@aws-sdk/client-s3');
    class S3ClientOverFakeHttp extends actual.S3Client {
      constructor(config: Record<string, unknown>) {
        configs.push(config);
        super({ ...config, requestHandler, credentials: { accessKeyId: 'AKIDPLACEHOLDER', secretAccessKey: 'placeholder' } });
      }
    }
    const sdk = { ...actual, S3Client: S3ClientOverFakeHttp };
    const read = (refs: Parameters<typeof readS3Definitions>[0], settings: Partial<Parameters<typeof readS3Definitions>[1]> = {}) =>
      readS3Definitions(refs, { allowedBuckets: ['defs'], ...settings, sdk });
    return { read, configs, attempts: () => attempts };
  }

  const slowDown = {
    status: 503,
    headers: { 'content-type': 'application/xml' },
    body: '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
  };

  test('the client: retries that fit the budget (BudgetRetryStrategy, 3 attempts), follows region redirects, in the deployment region', () => {
    const sdk = loadWithHttp(() => ({ status: 200, body: '{}' }));
    return sdk.read(storedRefs(template('AWS::StepFunctions::StateMachine', S3_LOCATION), OPTIONS), { region: REGION }).then(() => {
      expect(sdk.configs).toEqual([{ region: REGION, maxAttempts: 3, retryStrategy: expect.any(BudgetRetryStrategy), followRegionRedirects: true }]);
    });
  });

  test('persistent 503 SlowDown: at most 3 attempts, then an error naming the object, well inside the budget', async () => {
    const sdk = loadWithHttp(() => slowDown);
    const started = Date.now();
    const out = await sdk.read(storedRefs(template('AWS::StepFunctions::StateMachine', { DefinitionS3Location: { Bucket: 'defs', Key: 'k' } }), OPTIONS), {
      region: REGION,
      budgetMs: 5_000,
    });
    expect(sdk.attempts()).toBe(3);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(out.Flow).toMatchObject({ status: 'error', source: expect.stringContaining('s3://defs/k') });
  });

  test('503 SlowDown once, then the object: the retry absorbs it', async () => {
    const sdk = loadWithHttp((attempt) => (attempt === 1 ? slowDown : { status: 200, headers: { etag: '"abc"', 'content-length': '2' }, body: '{}' }));
    const out = await sdk.read(storedRefs(template('AWS::StepFunctions::StateMachine', { DefinitionS3Location: { Bucket: 'defs', Key: 'k' } }), OPTIONS), {
      region: REGION,
    });
    expect(sdk.attempts()).toBe(2);
    expect(out.Flow).toEqual({ status: 'ok', source: 's3://defs/k (ETag "abc")', text: '{}' });
  });

  test('a real 404 NoSuchKey: not retried, "not found"', async () => {
    const sdk = loadWithHttp(() => ({
      status: 404,
      headers: { 'content-type': 'application/xml' },
      body: '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
    }));
    const out = await sdk.read(storedRefs(template('AWS::StepFunctions::StateMachine', S3_LOCATION), OPTIONS), { region: REGION });
    expect(sdk.attempts()).toBe(1);
    expect(out.Flow).toMatchObject({ status: 'error', message: 'not found: no such object' });
  });
});

describe('the handler', () => {
  const event = (fragment: unknown, params: JsonObject = {}): Record<string, unknown> => ({
    region: REGION,
    accountId: ACCOUNT,
    fragment,
    transformId: `${ACCOUNT}::WarmStepFunctions`,
    params,
    requestId: 'r-1',
    templateParameterValues: {},
  });
  const deps = (extra: Partial<HandlerDeps>): HandlerDeps & { lines: Record<string, unknown>[] } => {
    const lines: Record<string, unknown>[] = [];
    return { log: (l) => lines.push(l), env: {}, lines, ...extra };
  };

  test('off (WARM_S3_DEFINITIONS unset): a warning that says how to turn it on, and no read', async () => {
    const d = deps({});
    const reply: MacroReply = await createHandler(d)(event(template('AWS::StepFunctions::StateMachine', S3_LOCATION)));
    expect(reply.status).toBe('success');
    const warning = d.lines.find((l) => l.message === 'warning');
    expect(warning).toMatchObject({ level: 'WARN', stateMachine: 'Flow', source: 's3://defs/flows/flow.asl.json (version v7)' });
    expect(warning?.reason).toBe(
      `cannot read Flow's definition at s3://defs/flows/flow.asl.json (version v7): ${S3_NOT_ENABLED}; its invocations are left as they are`,
    );
  });

  test('on: the reader gets the S3 references only (not local paths, not inline definitions), and the core its result', async () => {
    const seen: string[][] = [];
    const d = deps({
      env: { WARM_S3_DEFINITIONS: 'true' },
      readDefinitions: async (refs) => {
        seen.push(refs.map((r) => r.stateMachine));
        return { Flow: { status: 'ok', source: 's3://defs/flows/flow.asl.json (version v7)', text: definitionText(true) } };
      },
    });
    const t = template('AWS::StepFunctions::StateMachine', S3_LOCATION);
    (t.Resources as JsonObject).Local = { Type: 'AWS::Serverless::StateMachine', Properties: { DefinitionUri: 'statemachine/x.json' } };
    const reply = await createHandler(d)(event(t));
    expect(seen).toEqual([['Flow']]);
    expect(props(reply.fragment).DefinitionString).toEqual(expect.stringContaining('${WarmStepFunctionsLive}'));
    expect(d.lines.find((l) => l.stateMachine === 'Local')?.reason).toMatch(/local file statemachine\/x\.json, which the deployed macro cannot read/);
  });

  test('a template without stored definitions never calls the reader', async () => {
    const d = deps({
      env: { WARM_S3_DEFINITIONS: 'true' },
      readDefinitions: async () => {
        throw new Error('must not be called');
      },
    });
    const t = template('AWS::StepFunctions::StateMachine', { DefinitionString: definitionText() });
    expect((await createHandler(d)(event(t))).status).toBe('success');
  });
});

describe('the CLI: local files and CDK assets', () => {
  const files: Record<string, string> = {
    'app/statemachine/flow.asl.json': definitionText(),
    'cdk.out/Stack.assets.json': JSON.stringify({
      version: '55.0.0',
      files: {
        h1: {
          source: { path: 'asset.h1.json', packaging: 'file' },
          destinations: { d: { bucketName: 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}', objectKey: 'h1.json' } },
        },
      },
    }),
    'cdk.out/asset.h1.json': definitionText(true),
  };
  const readFile = (p: string): string => {
    if (!(p in files)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return files[p];
  };

  test('DefinitionUri as a path: read relative to the template; a missing file is "not found"', () => {
    const t = template('AWS::Serverless::StateMachine', { DefinitionUri: 'statemachine/flow.asl.json' });
    expect(localDefinitions(t, 'app/template.yaml', {}, readFile)).toEqual({
      Flow: { status: 'ok', source: 'statemachine/flow.asl.json', text: definitionText() },
    });
    expect(localDefinitions(t, 'elsewhere/template.yaml', {}, readFile)).toEqual({
      Flow: { status: 'error', source: 'statemachine/flow.asl.json', message: 'not found: no such file' },
    });
  });

  test("a CDK asset, through cdk.out/<Stack>.assets.json, with or without the deployment's region and account", () => {
    const t = template('AWS::StepFunctions::StateMachine', {
      DefinitionS3Location: { Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, Key: 'h1.json' },
    });
    for (const options of [{}, OPTIONS]) {
      const out = localDefinitions(t, 'cdk.out/Stack.template.json', options, readFile);
      expect(out.Flow).toMatchObject({ status: 'ok', text: definitionText(true) });
      expect((out.Flow as { source: string }).source).toMatch(/^cdk\.out\/asset\.h1\.json \(CDK asset of s3:\/\/cdk-hnb659fds-assets-/);
    }
  });

  test('an S3 object that is no local asset: the CLI says it does not read S3', () => {
    const t = template('AWS::StepFunctions::StateMachine', S3_LOCATION);
    expect(localDefinitions(t, 'cdk.out/Stack.template.json', OPTIONS, readFile).Flow).toMatchObject({
      status: 'error',
      message: expect.stringContaining('the CLI reads local files and CDK assets in cdk.out, not S3'),
    });
  });
});

test('handler: ResolveExternal looks for external functions in a definition read from S3', async () => {
  const seen: (TransformOptions['definitions'] | undefined)[] = [];
  const text = JSON.stringify({
    StartAt: 'A',
    States: { A: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:elsewhere', End: true } },
  });
  const t = template('AWS::StepFunctions::StateMachine', S3_LOCATION);
  const reply = await createHandler({
    log: () => undefined,
    env: { WARM_S3_DEFINITIONS: 'true', WARM_RESOLVE_EXTERNAL: 'true' },
    readDefinitions: async () => ({ Flow: { status: 'ok', source: 's3://defs/flows/flow.asl.json (version v7)', text } }),
    resolveExternal: async (_fragment, options) => {
      seen.push(options.definitions);
      return {
        'arn:aws:lambda:us-east-1:123456789012:function:elsewhere': {
          status: 'warm',
          aliases: [{ name: 'live', arn: 'arn:aws:lambda:us-east-1:123456789012:function:elsewhere:live' }],
        },
      };
    },
  })({ region: REGION, accountId: ACCOUNT, fragment: t, transformId: 'x', params: { ResolveExternal: true }, requestId: 'r', templateParameterValues: {} });
  expect(seen).toEqual([{ Flow: expect.objectContaining({ status: 'ok' }) }]);
  expect(JSON.parse(props(reply.fragment).DefinitionString as string).States.A.Resource).toBe('arn:aws:lambda:us-east-1:123456789012:function:elsewhere:live');
});

describe('the Lambda bundle (dist/macro.js) and the S3 client', () => {
  const ROOT = join(__dirname, '..', '..');
  const BUNDLE = join(ROOT, 'dist', 'macro.js');
  beforeAll(() => {
    const newest = Math.max(
      ...[join('lambda', 'handler.ts'), join('aws', 's3-definitions.ts'), join('core', 'definition', 'stored.ts'), join('core', 'transform.ts')].map(
        (f) => statSync(join(ROOT, 'macro', f)).mtimeMs,
      ),
    );
    if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < newest) execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  }, 150_000);

  /** Runs the bundle's handler in a fresh process with only this environment; which AWS SDK modules it loaded. */
  function runBundle(fragment: unknown, env: Record<string, string>): { status: string; reasons: string[]; sdk: string[] } {
    // Loaded with import(), as the nodejs24.x runtime loads a handler, whether the bundle is CommonJS or an
    // ES module. Modules that an ES module imports from a CommonJS package (the SDK's) are listed in the
    // CommonJS cache too.
    const script = `
      import { createRequire } from 'node:module';
      import { pathToFileURL } from 'node:url';
      const m = await import(pathToFileURL(${JSON.stringify(BUNDLE)}).href);
      const createHandler = m.createHandler ?? m.default.createHandler;
      const reasons = [];
      const reply = await createHandler({ log: (l) => reasons.push(l.reason), env: process.env })(JSON.parse(process.env.WSF_EVENT));
      const sdk = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('@aws-sdk'));
      process.stdout.write(JSON.stringify({ status: reply.status, reasons: reasons.filter(Boolean), sdk }));
    `;
    const ev = { region: REGION, accountId: ACCOUNT, fragment, transformId: 'x', params: {}, requestId: 'r', templateParameterValues: {} };
    return JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', WSF_EVENT: JSON.stringify(ev), ...env },
        encoding: 'utf8',
        timeout: 30_000,
      }),
    );
  }

  const stored = template('AWS::StepFunctions::StateMachine', S3_LOCATION);
  const inline = template('AWS::StepFunctions::StateMachine', { DefinitionString: definitionText() });

  test('off: an S3 definition gets the "not enabled" warning and the SDK is not loaded', () => {
    const run = runBundle(stored, {});
    expect(run.status).toBe('success');
    expect(run.reasons).toEqual([expect.stringContaining(S3_NOT_ENABLED)]);
    expect(run.sdk).toEqual([]);
  });

  test('on, but no definition in S3: the SDK is not loaded', () => {
    const run = runBundle(inline, { WARM_S3_DEFINITIONS: 'true' });
    expect(run.status).toBe('success');
    expect(run.sdk).toEqual([]);
  });

  test('positive control: on, with a definition in S3, loads the S3 client (here against a closed local port: a warning, within the budget)', () => {
    const run = runBundle(stored, {
      WARM_S3_DEFINITIONS: 'true',
      WARM_S3_DEFINITION_BUCKETS: 'other-bucket,defs',
      WARM_S3_BUDGET_MS: '300',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'AKIDPLACEHOLDER',
      AWS_SECRET_ACCESS_KEY: 'placeholder',
    });
    expect(run.status).toBe('success');
    expect(run.sdk.some((k) => k.includes(join('@aws-sdk', 'client-s3')))).toBe(true);
    expect(run.reasons).toEqual([expect.stringMatching(/^cannot read Flow's definition at s3:\/\/defs\/flows\/flow\.asl\.json \(version v7\): /)]);
    expect(run.reasons[0]).not.toContain('not read:');
  });

  // Defence in depth: the bucket list of the deployment reaches the reader, which refuses any other bucket itself.
  test.each<[string, Record<string, string>, RegExp]>([
    [
      'a bucket the deployment does not list',
      { WARM_S3_DEFINITION_BUCKETS: 'other-bucket' },
      /: not read: bucket 'defs' is not one that the deployment of the macro lists in s3DefinitionBuckets/,
    ],
    ['no bucket listed at all (fails closed)', {}, /: not read: the deployment of the macro lists no bucket to read definitions from/],
  ])('on, %s: refused without a request', (_name, env, reason) => {
    // A closed port: a request would fail differently ("cannot read ...: TimeoutError" or a connection error).
    const run = runBundle(stored, {
      WARM_S3_DEFINITIONS: 'true',
      ...env,
      WARM_S3_BUDGET_MS: '300',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'AKIDPLACEHOLDER',
      AWS_SECRET_ACCESS_KEY: 'placeholder',
    });
    expect(run.status).toBe('success');
    expect(run.reasons).toEqual([expect.stringMatching(reason)]);
  });
});

test('S3 reader: a body that stops arriving is destroyed when the budget runs out', async () => {
  const s3 = mockClient(S3Client);
  try {
    const stalled = new Readable({ read: () => undefined });
    stalled.push('{"StartAt"');
    s3.on(GetObjectCommand).callsFake(() => ({ Body: stalled }));
    const out = await readS3Definitions(storedRefs(template('AWS::StepFunctions::StateMachine', S3_LOCATION), OPTIONS), {
      allowedBuckets: ['defs'],
      client: new S3Client({ region: REGION }),
      budgetMs: 100,
    });
    expect(out.Flow).toMatchObject({ status: 'error', message: 'timed out: the 100 ms budget for reading definitions ran out' });
    expect(stalled.destroyed).toBe(true);
  } finally {
    s3.restore();
  }
});
