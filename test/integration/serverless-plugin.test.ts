/**
 * The Serverless Framework plugin with real `serverless package` (v3, offline) on every Serverless example:
 * the packaged template equals what the macro makes server-side of the same compiled template (`transform` with
 * the service's Region, as the handler gets it), the macro then finds nothing more to do (the plugin and
 * `Transform: WarmStepFunctions` together equal either alone), Mode strict fails the packaging, and with
 * serverless-plugin-split-stacks listed BEFORE it the plugin still sees the whole template.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { transform } from '../../macro/core/transform';
import { normalise, packageService, ROOT, serverlessExamples, type Packaged } from '../support/serverless-package';

jest.setTimeout(900_000);

const PLUGIN = '  - warm-step-functions\n';
const examples = serverlessExamples();
const packaged = new Map<string, Packaged>();
// serverless-plugin-split-stacks, when installed (a devDependency); SPLIT_STACKS_DIR may point at another install.
const SPLIT = [process.env.SPLIT_STACKS_DIR, join(ROOT, 'node_modules', 'serverless-plugin-split-stacks')].find(
  (d) => d && existsSync(join(d, 'package.json')),
);

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'index.cjs'))) execFileSync(process.execPath, ['scripts/build.mjs', '--no-types'], { cwd: ROOT, stdio: 'inherit' });
});

describe('every Serverless example, packaged with the plugin', () => {
  beforeAll(async () => {
    // Two `serverless package` runs at a time.
    const queue = [...examples];
    await Promise.all(
      [0, 1].map(async () => {
        for (let dir = queue.shift(); dir; dir = queue.shift()) packaged.set(basename(dir), await packageService(dir, { append: PLUGIN }));
      }),
    );
  });

  test('every Serverless example was found and packaged', () => {
    expect(examples.length).toBeGreaterThanOrEqual(7);
    for (const dir of examples) {
      const p = packaged.get(basename(dir))!;
      expect({ example: basename(dir), code: p.code, output: p.code === 0 ? '' : p.output }).toEqual({ example: basename(dir), code: 0, output: '' });
    }
  });

  describe.each(examples.map((d) => basename(d)))('%s', (name) => {
    const compiled = () => JSON.parse(readFileSync(join(ROOT, 'template', 'examples', name, 'compiled.json'), 'utf8'));

    test('the packaged template equals the macro run server-side on the same compiled template', () => {
      const p = packaged.get(name)!;
      const region = compiled().Resources ? 'us-east-1' : undefined;
      const macro = transform(compiled(), { region });
      expect(normalise(p.template!)).toEqual(macro.fragment);
    });

    test('the macro over the packaged template changes nothing more (plugin and Transform together = either alone)', () => {
      const out = normalise(packaged.get(name)!.template!);
      expect(out.Transform).toEqual(['WarmStepFunctions']);
      expect(transform(out, { region: 'us-east-1' }).fragment).toEqual(out);
    });

    test('the report is printed through the Serverless logger', () => {
      const p = packaged.get(name)!;
      const macro = transform(compiled(), { region: 'us-east-1' });
      const s = macro.report.summary;
      expect(p.output).toContain(
        `WarmStepFunctions: ${s.rewritten} invocation(s) rewritten in ${s.modifiedStateMachines} of ${s.stateMachines} state machine(s) (mode rewrite)`,
      );
      for (const d of macro.report.decisions.filter((x) => x.action === 'rewritten')) expect(p.output).toContain(d.reason);
    });
  });

  test('the seed service invokes its aliases once packaged with the plugin', () => {
    const t = packaged.get('serverless-seed')!.template!;
    const def = JSON.stringify(Object.values<any>(t.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine').Properties.DefinitionString);
    expect(def).toContain('HelloProvConcLambdaAlias');
    expect(def).toContain('HiProvConcLambdaAlias');
  });
});

test('Mode strict fails the packaging on a cold invocation', async () => {
  const p = await packageService(join(ROOT, 'template', 'examples', 'serverless-seed-cold'), {
    append: `${PLUGIN}custom:\n  warmStepFunctions:\n    Mode: strict\n`,
  });
  expect(p.code).not.toBe(0);
  expect(p.output).toMatch(/WarmStepFunctions: /);
  expect(p.template).toBeUndefined();
});

test('malformed options fail the packaging with the Transform parameter message', async () => {
  const p = await packageService(join(ROOT, 'template', 'examples', 'serverless-seed'), { append: `${PLUGIN}custom:\n  warmStepFunctions:\n    Mode: loud\n` });
  expect(p.code).not.toBe(0);
  expect(p.output).toContain('Mode must be one of rewrite, report, strict');
});

/**
 * A local CloudFormation endpoint that says the stack does not exist yet: serverless-plugin-split-stacks lists
 * the deployed stack's resources (ListStackResources) to keep them where they are, and packages a first
 * deployment when there is none. Both protocols the SDK may speak (query and JSON) get the same error.
 */
function noStackEndpoint(): Promise<{ url: string; requests: string[]; close: () => void }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push(`${req.headers['x-amz-target'] ?? ''}${body.slice(0, 200)}`);
      const message = 'Stack with id step-function-test-sbx does not exist';
      if (String(req.headers['content-type']).includes('json')) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'ValidationError;Sender' });
        res.end(JSON.stringify({ __type: 'ValidationError', message }));
      } else {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>${message}</Message></Error><RequestId>0</RequestId></ErrorResponse>`,
        );
      }
    });
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => server.close() })),
  );
}

(SPLIT ? test : test.skip)('runs before serverless-plugin-split-stacks, even when listed after it', async () => {
  const endpoint = await noStackEndpoint();
  let p: Packaged;
  try {
    p = await packageService(join(ROOT, 'template', 'examples', 'serverless-seed'), {
      append: '  - serverless-plugin-split-stacks\n  - warm-step-functions\n',
      modules: { 'serverless-plugin-split-stacks': SPLIT! },
      env: { AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint.url, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'offline', AWS_REGION: 'us-east-1' },
    });
  } finally {
    endpoint.close();
  }
  expect({ code: p.code, output: p.code === 0 ? '' : p.output }).toEqual({ code: 0, output: '' });
  expect(endpoint.requests.some((r) => r.includes('ListStackResources'))).toBe(true);
  // split-stacks moved resources into nested stacks...
  const nested = Object.values<any>(p.template!.Resources).filter((r) => r.Type === 'AWS::CloudFormation::Stack');
  expect(nested.length).toBeGreaterThan(0);
  // ...after the plugin rewrote the state machine over the whole template.
  const all = [p.template!, ...Object.values(p.others)];
  const machine = all.flatMap((t) => Object.values<any>(t.Resources ?? {})).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  expect(JSON.stringify(machine.Properties.DefinitionString)).toContain('HelloProvConcLambdaAlias');
  expect(p.output).toContain('WarmStepFunctions: 2 invocation(s) rewritten');
  // The plugin read the resources before split-stacks moved some into nested stacks: more than the root keeps.
  const count = (t: any) => Object.values<any>(t.Resources ?? {}).filter((r) => r.Type !== 'AWS::CloudFormation::Stack').length;
  const total = count(p.template!) + Object.values(p.others).reduce((n: number, t) => n + count(t), 0);
  const read = Number(/WarmStepFunctions: reading the compiled template \((\d+) resources\)/.exec(p.output)?.[1]);
  expect(read).toBeGreaterThan(count(p.template!));
  expect(read).toBeLessThanOrEqual(total);
});
