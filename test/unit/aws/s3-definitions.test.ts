import 'aws-sdk-client-mock-jest';
/**
 * The S3 reader's own checks (macro/aws/s3-definitions.ts), besides IAM's: the buckets its
 * deployment lists, and keys that every HTTP layer sends as written. Refused objects get an error
 * outcome and no request at all. Reads themselves: stored.test.ts (mock) and
 * test/integration/s3-definitions.test.ts (a local S3 server).
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { StoredRef } from '../../../macro/core/definition/stored';
import { allowedBucketsOf, BUCKET_NAME, keyProblem, readS3Definitions } from '../../../macro/aws/s3-definitions';

const ref = (stateMachine: string, bucket: string | undefined, key: string, version?: string): StoredRef =>
  ({
    stateMachine,
    templatePath: `Resources/${stateMachine}/Properties/DefinitionS3Location`,
    location: { kind: 's3', bucket, bucketText: bucket ?? '${X}', key, ...(version !== undefined ? { version } : {}) },
  }) as StoredRef;

describe('keyProblem: keys that HTTP layers could change on the way are refused, not normalized', () => {
  test.each([
    'flows/flow.asl.json',
    'sam-app/0a1b2c3d4e5f60718293a4b5c6d7e8f9',
    '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.json',
    'a.b/..c/d..',
    '...',
    'flows/%2e%2e/x.json', // S3 keys are literal; the SDK sends '%' as %25, so nothing decodes this to '..'
    'ünïcode/定義.json',
  ])('read: %s', (key) => {
    expect(keyProblem(key)).toBeUndefined();
  });

  test.each<[string, string, RegExp]>([
    ['a parent segment', '../other-bucket/secret.json', /'\.' or '\.\.' segment/],
    ['a parent segment inside', 'flows/../../other-bucket/x.json', /'\.' or '\.\.' segment/],
    ['a trailing parent segment', 'flows/..', /'\.' or '\.\.' segment/],
    ['a current segment', 'flows/./x.json', /'\.' or '\.\.' segment/],
    ['a lone dot', '.', /'\.' or '\.\.' segment/],
    ['a leading slash', '/flows/x.json', /empty segment/],
    ['a double slash', 'flows//x.json', /empty segment/],
    ['a trailing slash', 'flows/', /empty segment/],
    ['a backslash', 'flows\\..\\x.json', /backslash/],
    ['a newline', 'flows/x.json\nfake log line', /control character/],
    ['a NUL', 'x\u0000.json', /control character/],
    ['DEL', 'x\u007f', /control character/],
    ['empty', '', /empty/],
    ['over 1,024 bytes of UTF-8', 'é'.repeat(513), /longer than S3's 1024 bytes/],
  ])('refused: %s', (_name, key, why) => {
    expect(keyProblem(key)).toMatch(why);
  });

  test('1,024 bytes exactly is a key', () => {
    expect(keyProblem('k'.repeat(1024))).toBeUndefined();
    expect(keyProblem('k'.repeat(1025))).toMatch(/longer/);
  });
});

describe('allowedBucketsOf (WARM_S3_DEFINITION_BUCKETS)', () => {
  test('the comma-separated names, trimmed, once each; anything that is not a bucket name is dropped', () => {
    expect(allowedBucketsOf(' defs, cdk-hnb659fds-assets-123456789012-us-east-1,defs,,*, a/b ,UPPER, a..b')).toEqual([
      'defs',
      'cdk-hnb659fds-assets-123456789012-us-east-1',
    ]);
  });

  test('unset or empty: no bucket', () => {
    expect(allowedBucketsOf(undefined)).toEqual([]);
    expect(allowedBucketsOf('')).toEqual([]);
  });

  test('BUCKET_NAME: S3 naming rules for general purpose buckets', () => {
    expect(['abc', 'a-b.c', 'x'.repeat(63)].every((b) => BUCKET_NAME.test(b))).toBe(true);
    expect(['ab', 'x'.repeat(64), 'Abc', 'a..b', '.abc', 'abc-', 'a*c', 'a/c', 'a c'].some((b) => BUCKET_NAME.test(b))).toBe(false);
  });
});

describe('readS3Definitions: the allowlist and the key rules, before any request', () => {
  let s3: AwsClientStub<S3Client>;
  beforeEach(() => {
    s3 = mockClient(S3Client);
    s3.on(GetObjectCommand).callsFake(() => ({ Body: Readable.from([Buffer.from('{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}')]), ETag: '"e"' }));
  });
  afterEach(() => s3.restore());
  const client = () => new S3Client({ region: 'us-east-1' });

  test('a listed bucket and a plain key: read', async () => {
    const out = await readS3Definitions([ref('Flow', 'defs', 'flows/flow.asl.json')], { allowedBuckets: ['defs'], client: client() });
    expect(out.Flow).toMatchObject({ status: 'ok' });
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'defs', Key: 'flows/flow.asl.json' });
  });

  test('a bucket the deployment does not list: refused, no request (the allowed names are not revealed)', async () => {
    const out = await readS3Definitions([ref('Flow', 'someone-elses-bucket', 'flows/flow.asl.json')], {
      allowedBuckets: ['defs', 'secret-name-bucket'],
      client: client(),
    });
    expect(out.Flow).toEqual({
      status: 'error',
      source: 's3://someone-elses-bucket/flows/flow.asl.json',
      message: "not read: bucket 'someone-elses-bucket' is not one that the deployment of the macro lists in s3DefinitionBuckets",
    });
    expect(JSON.stringify(out)).not.toContain('secret-name-bucket');
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  test('no bucket listed at all: every read refused (fails closed)', async () => {
    const out = await readS3Definitions([ref('Flow', 'defs', 'k.json')], { allowedBuckets: [], client: client() });
    expect(out.Flow).toMatchObject({
      status: 'error',
      message: 'not read: the deployment of the macro lists no bucket to read definitions from (s3DefinitionBuckets)',
    });
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  test('a key that climbs into another bucket (path-style) or is otherwise ambiguous: refused, no request; the others are read', async () => {
    const out = await readS3Definitions(
      [
        ref('Climbs', 'defs', '../secrets/prod.json'),
        ref('Slashes', 'defs', 'flows//x.json'),
        ref('Ok', 'defs', 'flows/ok.json'),
        ref('BadVersion', 'defs', 'flows/ok.json', 'v1\r\nx'),
      ],
      { allowedBuckets: ['defs'], client: client() },
    );
    expect(out.Climbs).toMatchObject({ status: 'error', message: expect.stringMatching(/^not read: its key has a '\.' or '\.\.' segment/) });
    expect(out.Slashes).toMatchObject({ status: 'error', message: expect.stringMatching(/^not read: its key has an empty segment/) });
    expect(out.BadVersion).toMatchObject({ status: 'error', message: 'not read: its version is empty or holds a control character' });
    expect(out.Ok).toMatchObject({ status: 'ok' });
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'defs', Key: 'flows/ok.json' });
  });

  test('bucket names are compared exactly (no case folding, no prefix match)', async () => {
    const out = await readS3Definitions([ref('A', 'defs-evil', 'k'), ref('B', 'def', 'k')], { allowedBuckets: ['defs'], client: client() });
    expect(out.A).toMatchObject({ status: 'error', message: expect.stringContaining("bucket 'defs-evil' is not one") });
    expect(out.B).toMatchObject({ status: 'error', message: expect.stringContaining("bucket 'def' is not one") });
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});
