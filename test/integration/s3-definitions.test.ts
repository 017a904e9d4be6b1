/**
 * Definitions in S3, at the S3 wire level: a local S3 server (s3rver on 127.0.0.1) that this test
 * starts, the AWS SDK's S3 client pointed at it through AWS_ENDPOINT_URL_S3 (the SDK then addresses
 * buckets path-style, since the endpoint is an IP address), and the deployed bundle (dist/macro.js,
 * what the zip holds) run under AWS's runtime interface clients against a loopback Runtime API.
 *
 * In Lambda the AWS SDK comes with the Node.js runtime (/var/runtime/node_modules). Here a
 * node_modules link in the folder above the task folder (the task folder itself holds only what the
 * zip holds) stands in for the SDK the runtime provides: the bundle's dynamic import of
 * @aws-sdk/client-s3 finds it there (NODE_PATH would serve require() only, not import()). The
 * launcher passes nothing else of the test process.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import S3rver = require('s3rver');
import { readTransform, withoutTransform } from '../../macro/cli/transform-entry';
import { parseTemplateText } from '../../macro/cli/yaml/template';
import { storedRefs } from '../../macro/core/definition/stored';
import { readS3Definitions } from '../../macro/aws/s3-definitions';
import { ACCOUNT, FIXTURE_S3, listFixtures, loadInput, REGION, runFixture } from '../support/fixtures';
import { clientPaths, launch, RUNTIME_CLIENTS, RuntimeApi, type Launched, type RuntimeClient } from '../support/lambda-runtime';

jest.setTimeout(180_000);

type Obj = Record<string, any>;
const ROOT = join(__dirname, '..', '..');
const CI = process.env.CI === 'true';
const EXAMPLE = join(ROOT, 'template', 'examples', 'sam-definition-uri');
/** Stands in for SAM CLI's managed bucket (`sam deploy` uploads DefinitionUri files there). */
const SAM_BUCKET = 'aws-sam-cli-managed-default-samclisourcebucket-0a1b2c3d4e5f';

let work: string;
let server: S3rver;
let endpoint: string;
let s3: S3Client;
let taskRoot: string;
/** A task folder like taskRoot, below a folder whose node_modules holds the AWS SDK. */
let sdkRoot: string;

/** Every object of every bucket with its ETag: to show that the macro wrote nothing. */
async function snapshot(): Promise<string[]> {
  const out: string[] = [];
  for (const bucket of [...readdirSync(FIXTURE_S3), SAM_BUCKET].sort()) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const o of page.Contents ?? []) out.push(`${bucket}/${o.Key} ${o.ETag} ${o.Size}`);
  }
  return out.sort();
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => (statSync(join(dir, e)).isDirectory() ? filesUnder(join(dir, e)) : [join(dir, e)]));
}

/**
 * What `sam deploy` does to a SAM source template before CloudFormation (and so the macro) sees it:
 * each local DefinitionUri file goes to the managed bucket under its MD5, and DefinitionUri becomes
 * {Bucket, Key}. The CLI reads the local file instead; both must produce the same state machine.
 */
async function samPackage(template: Obj, dir: string): Promise<Obj> {
  const out = JSON.parse(JSON.stringify(template));
  for (const r of Object.values<Obj>(out.Resources)) {
    const uri = r.Properties?.DefinitionUri;
    if (r.Type !== 'AWS::Serverless::StateMachine' || typeof uri !== 'string' || uri.startsWith('s3://')) continue;
    if (!existsSync(join(dir, uri))) continue; // `sam deploy` would stop here; the macro then warns about the local path
    const body = readFileSync(join(dir, uri));
    const key = `sam-app/${createHash('md5').update(body).digest('hex')}`;
    await s3.send(new PutObjectCommand({ Bucket: SAM_BUCKET, Key: key, Body: body }));
    r.Properties.DefinitionUri = { Bucket: SAM_BUCKET, Key: key };
  }
  return out;
}

/** The packaged template's DefinitionUri maps put back to the local paths (to compare with the CLI's output). */
function unpackaged(fragment: Obj, source: Obj): Obj {
  const out = JSON.parse(JSON.stringify(fragment));
  for (const [id, r] of Object.entries<Obj>(out.Resources ?? {})) {
    if (r.Properties?.DefinitionUri?.Bucket === SAM_BUCKET) r.Properties.DefinitionUri = source.Resources[id].Properties.DefinitionUri;
  }
  return out;
}

/** Resolves when `ok()` holds, or after `ms` (the assertion that follows then fails with its own message). */
async function until(ok: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !ok() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 25));
}

function event(fragment: unknown, params: Obj = {}, requestId = `req-${Math.random().toString(16).slice(2)}`): Obj {
  return { region: REGION, accountId: ACCOUNT, fragment, transformId: `${ACCOUNT}::WarmStepFunctions`, params, requestId, templateParameterValues: {} };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'wsf-s3-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(work, 's3') });
  const { address, port } = await server.run();
  endpoint = `http://${address}:${port}`;
  s3 = new S3Client({ region: REGION, endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  // The fixtures' stand-in for S3 (test/fixtures/s3/<bucket>/<key>), and SAM's managed bucket.
  for (const bucket of readdirSync(FIXTURE_S3)) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const file of filesUnder(join(FIXTURE_S3, bucket))) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: relative(join(FIXTURE_S3, bucket), file).split('\\').join('/'), Body: readFileSync(file) }));
    }
  }
  await s3.send(new CreateBucketCommand({ Bucket: SAM_BUCKET }));
  // The task folder: what the deployment zip holds (the bundle, and its package.json when the build
  // writes one; see lambda-runtime.test.ts).
  taskRoot = join(work, 'task');
  mkdirSync(join(taskRoot, 'dist'), { recursive: true });
  for (const f of ['macro.js', 'package.json']) if (existsSync(join(ROOT, 'dist', f))) copyFileSync(join(ROOT, 'dist', f), join(taskRoot, 'dist', f));
  // Stands in for the AWS SDK of the Lambda Node.js runtime (see the top of this file); only the session
  // with s3DefinitionBuckets uses it: the default session runs from a task folder without it.
  sdkRoot = join(work, 'with-sdk');
  mkdirSync(join(sdkRoot, 'task', 'dist'), { recursive: true });
  for (const f of readdirSync(join(taskRoot, 'dist'))) copyFileSync(join(taskRoot, 'dist', f), join(sdkRoot, 'task', 'dist', f));
  symlinkSync(join(ROOT, 'node_modules'), join(sdkRoot, 'node_modules'), 'dir');
});

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the S3 reader against the local S3 server (AWS_ENDPOINT_URL_S3)', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    Object.assign(process.env, { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
    delete process.env.AWS_PROFILE;
  });
  afterAll(() => {
    process.env = saved;
  });

  test('reads each form, names the object by ETag, and reports a missing object and bucket as not found', async () => {
    const template = {
      Resources: {
        Uri: { Type: 'AWS::Serverless::StateMachine', Properties: { DefinitionUri: 's3://wsf-fixtures/sam/s3_uri.asl.json' } },
        Map: { Type: 'AWS::Serverless::StateMachine', Properties: { DefinitionUri: { Bucket: 'wsf-fixtures', Key: 'flows/unchanged.asl.json' } } },
        Cdk: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            DefinitionS3Location: {
              Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' },
              Key: readdirSync(join(FIXTURE_S3, `cdk-hnb659fds-assets-${ACCOUNT}-${REGION}`))[0],
            },
          },
        },
        Missing: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionS3Location: { Bucket: 'wsf-fixtures', Key: 'no/such.json' } } },
        NoBucket: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionS3Location: { Bucket: 'no-such-bucket-wsf', Key: 'k.json' } } },
        // Refused before any request: a bucket the deployment does not list, and a key that climbs out of its bucket path-style.
        Unlisted: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionS3Location: { Bucket: SAM_BUCKET, Key: 'k.json' } } },
        Climbs: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionS3Location: { Bucket: 'wsf-fixtures', Key: `../${SAM_BUCKET}/k.json` } } },
      },
    };
    const allowedBuckets = [...readdirSync(FIXTURE_S3), 'no-such-bucket-wsf'];
    const out = await readS3Definitions(storedRefs(template, { region: REGION, accountId: ACCOUNT }), { region: REGION, allowedBuckets });
    const md5 = (file: string): string =>
      createHash('md5')
        .update(readFileSync(join(FIXTURE_S3, file)))
        .digest('hex');
    expect(out.Uri).toEqual({
      status: 'ok',
      source: `s3://wsf-fixtures/sam/s3_uri.asl.json (ETag "${md5('wsf-fixtures/sam/s3_uri.asl.json')}")`,
      text: readFileSync(join(FIXTURE_S3, 'wsf-fixtures/sam/s3_uri.asl.json'), 'utf8'),
    });
    expect(out.Map).toMatchObject({ status: 'ok' });
    expect(out.Cdk).toMatchObject({
      status: 'ok',
      source: expect.stringMatching(/^s3:\/\/cdk-hnb659fds-assets-123456789012-us-east-1\/[0-9a-f]{64}\.json \(ETag "[0-9a-f]{32}"\)$/),
    });
    expect(out.Missing).toEqual({ status: 'error', source: 's3://wsf-fixtures/no/such.json', message: 'not found: no such object' });
    expect(out.NoBucket).toEqual({ status: 'error', source: 's3://no-such-bucket-wsf/k.json', message: 'not found: no such bucket' });
    expect(out.Unlisted).toEqual({
      status: 'error',
      source: `s3://${SAM_BUCKET}/k.json`,
      message: `not read: bucket '${SAM_BUCKET}' is not one that the deployment of the macro lists in s3DefinitionBuckets`,
    });
    expect(out.Climbs).toMatchObject({ status: 'error', message: expect.stringMatching(/^not read: its key has a '\.' or '\.\.' segment/) });
  });
});

interface Session {
  api: RuntimeApi;
  fn: Launched;
}

async function start(client: RuntimeClient, env: Record<string, string>, root = taskRoot): Promise<Session> {
  const api = new RuntimeApi();
  await api.start();
  return { api, fn: launch(client, clientPaths(client).entry, api, { taskRoot: root, handler: 'dist/macro.handler', logFormat: 'JSON', env }) };
}

async function stop(s: Session): Promise<void> {
  await s.fn.stop();
  await s.api.close();
}

describe.each(RUNTIME_CLIENTS.map((c) => [`aws-lambda-ric@${c.version} (${c.runtime})`, c] as const))('the deployed macro under %s', (_name, client) => {
  if (!clientPaths(client).installed) {
    const why = `aws-lambda-ric@${client.version} is not installed: run \`node scripts/runtime-clients.mjs\``;
    if (CI) {
      test('is installed (required under CI=true)', () => {
        throw new Error(why);
      });
      return;
    }
    test.skip(why, () => undefined);
    return;
  }

  describe('with s3DefinitionBuckets (WARM_S3_DEFINITIONS=true)', () => {
    let s: Session;
    beforeAll(async () => {
      s = await start(
        client,
        {
          WARM_S3_DEFINITIONS: 'true',
          // The buckets the fixtures name (my-artifacts and my-bucket do not exist: the reader asks, and S3 says so).
          WARM_S3_DEFINITION_BUCKETS: [...readdirSync(FIXTURE_S3), SAM_BUCKET, 'my-artifacts', 'my-bucket'].join(','),
          AWS_ENDPOINT_URL_S3: endpoint,
          // The local server's own credentials (the function's role credentials, in Lambda).
          AWS_ACCESS_KEY_ID: 'S3RVER',
          AWS_SECRET_ACCESS_KEY: 'S3RVER',
          AWS_SESSION_TOKEN: '',
        },
        join(sdkRoot, 'task'),
      );
    });
    afterAll(async () => stop(s));

    test('warms the SAM project laid out as `sam init` lays it out, as `sam deploy` hands it over; the CLI shows the same result from the local file', async () => {
      const source = parseTemplateText(readFileSync(join(EXAMPLE, 'template.yaml'), 'utf8'), 'template.yaml') as Obj;
      const packaged = await samPackage(source, EXAMPLE);
      expect(packaged.Resources.StockTradingStateMachine.Properties.DefinitionUri).toEqual({
        Bucket: SAM_BUCKET,
        Key: expect.stringMatching(/^sam-app\/[0-9a-f]{32}$/),
      });
      const r = await s.api.invoke(event(withoutTransform(packaged), readTransform(packaged).parameters));
      expect(r.kind).toBe('response');
      expect(r.body.status).toBe('success');
      const sm = r.body.fragment.Resources.StockTradingStateMachine;
      expect(sm.Properties.DefinitionSubstitutions).toMatchObject({
        StockCheckerFunctionArn: { Ref: 'StockCheckerFunction.Alias' },
        StockSellerFunctionArn: { Ref: 'StockSellerFunction.Alias' },
        StockBuyerFunctionArn: { 'Fn::GetAtt': ['StockBuyerFunction', 'Arn'] },
      });
      // The definition's text did not change: it stays in S3, where `sam deploy` put it.
      expect(sm.Properties.DefinitionUri).toEqual(packaged.Resources.StockTradingStateMachine.Properties.DefinitionUri);
      const key = packaged.Resources.StockTradingStateMachine.Properties.DefinitionUri.Key;
      await until(() => (s.fn.stdout() + s.fn.stderr()).includes(`s3://${SAM_BUCKET}/${key} (ETag`));
      const logs = s.fn.stdout() + s.fn.stderr();
      expect(logs).toContain(`s3://${SAM_BUCKET}/${packaged.Resources.StockTradingStateMachine.Properties.DefinitionUri.Key} (ETag`);
      // The CLI, on the source template with its local file: the same template but for DefinitionUri.
      const cliFile = join(ROOT, 'dist', 'cli.cjs');
      const cli = spawnSync(process.execPath, [cliFile, 'transform', join(EXAMPLE, 'template.yaml'), '--format', 'json'], { encoding: 'utf8' });
      expect(cli.status).toBe(0);
      expect(withoutTransform(unpackaged(r.body.fragment, source))).toEqual(withoutTransform(JSON.parse(cli.stdout)));
    });

    test('every fixture with a stored definition gives what the core gives (local files uploaded as `sam deploy` does)', async () => {
      const cases = listFixtures().filter((c) => storedRefs(loadInput(c), { region: REGION, accountId: ACCOUNT }).length > 0);
      expect(cases.length).toBeGreaterThanOrEqual(8);
      const mismatches: string[] = [];
      for (const c of cases) {
        const template = loadInput(c);
        const expected = runFixture(template, c);
        const packaged = await samPackage(template, join(c.inputPath, '..'));
        const r = await s.api.invoke(event(withoutTransform(packaged), readTransform(packaged).parameters));
        if (r.kind !== 'response') mismatches.push(`${c.name}: function error ${JSON.stringify(r.body)}`);
        else if (expected.ok) {
          if (r.body.status !== 'success') mismatches.push(`${c.name}: ${r.body.errorMessage}`);
          else if (JSON.stringify(unpackaged(r.body.fragment, template)) !== JSON.stringify(expected.fragment)) mismatches.push(`${c.name}: fragments differ`);
        } else if (r.body.status !== 'failure' || r.body.errorMessage !== expected.errorMessage) {
          mismatches.push(`${c.name}: expected failure "${expected.errorMessage}", got ${r.body.status} "${r.body.errorMessage ?? ''}"`);
        }
      }
      expect(mismatches).toEqual([]);
    });

    test('it never writes to S3: every object is as it was', async () => {
      const before = await snapshot();
      const template = loadInput(listFixtures().find((c) => c.name === 'stored_s3_location_after_sam')!);
      const r = await s.api.invoke(event(withoutTransform(template)));
      expect(r.body.status).toBe('success');
      expect(r.body.fragment.Resources.ScoreFlow.Properties.DefinitionString).toEqual(expect.stringContaining('${WarmStepFunctionsScoreAliaslive}'));
      expect(await snapshot()).toEqual(before);
    });
  });

  test('without s3DefinitionBuckets (the default): a warning, the template unchanged, and the AWS SDK is not needed', async () => {
    // A task folder with no SDK within reach: loading it would fail the invocation.
    const s = await start(client, { AWS_ENDPOINT_URL_S3: endpoint });
    try {
      const template = loadInput(listFixtures().find((c) => c.name === 'stored_s3_location_after_sam')!);
      const r = await s.api.invoke(event(withoutTransform(template)));
      expect(r.body.status).toBe('success');
      expect(r.body.fragment).toEqual(withoutTransform(template));
      // The runtime client may write a log line just after it posts the reply: wait for it.
      const warnings = (): string[] =>
        (s.fn.stdout() + s.fn.stderr()).split('\n').filter((l) => l.includes('"level":"WARN"') && l.includes('does not read definitions in S3'));
      await until(() => warnings().length > 0);
      expect(warnings()).toHaveLength(1);
    } finally {
      await stop(s);
    }
  });
});
