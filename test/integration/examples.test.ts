/**
 * The example consumer projects in template/examples, run the way a user runs them:
 * - the drift check: regenerating the checked-in compiled templates with the real generators
 *   (Serverless Framework v3 `serverless package`, CDK in-process synthesis) gives the same files;
 * - the CLI (dist/cli.cjs, as installed by `npm ci`) on each example: exit 0, and the example's
 *   invocations move onto the warm target;
 * - the bundle alone: dist/macro.js and its package.json (what the zip holds) copied into an empty folder, imported there, and run on a real event.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(300_000);
const ROOT = join(__dirname, '..', '..');
const ENV = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.cjs'), ...args], { cwd: ROOT, encoding: 'utf8', env: ENV });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('drift check: the checked-in templates are what the real generators produce today', () => {
  test('Serverless Framework v3 examples (serverless package)', () => {
    const r = spawnSync(process.execPath, ['scripts/generate-serverless-examples.mjs', '--check'], { cwd: ROOT, encoding: 'utf8', env: ENV });
    expect({ code: r.status, out: r.stdout + r.stderr }).toEqual({ code: 0, out: expect.stringMatching(/serverless-seed/) });
  });

  test('CDK example (in-process synthesis)', () => {
    const out = execFileSync(
      'sh',
      ['-c', 'npx esbuild template/examples/cdk/synth.ts --bundle --platform=node --packages=external --log-level=warning | node - --check'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: ENV,
      },
    );
    expect(out).not.toMatch(/differ|stale|out of date/i);
  });
});

describe.each([
  [
    'Serverless (the seed service)',
    'template/examples/serverless-seed/compiled.json',
    /Hello States\.HelloWorld: \{HelloLambdaFunction\.Arn\} → \{HelloProvConcLambdaAlias\}/,
  ],
  [
    'Serverless (snapStart: true)',
    'template/examples/serverless-snapstart/compiled.json',
    /Quotes States\.Quote: \{QuoteLambdaFunction\.Arn\} → \{QuoteSnapStartLambdaAlias\} \(SnapStart\)/,
  ],
  ['SAM', 'template/examples/sam/template.yaml', /OrderFlow States\.Work: \{Worker\.Arn\} → \{Worker\.Alias\}/],
  ['CDK', 'template/examples/cdk/compiled.json', /States\.DoWork: \{Worker[0-9A-F]+\.Arn\} → \{WorkerLive[0-9A-F]+\}/],
  ['raw CloudFormation', 'template/examples/cloudformation/template.yaml', /ReportFlow States\.Build: \{Worker\.Arn\} → \{WorkerLive\}/],
])('CLI on the %s example', (_name, file, summary) => {
  test('transform: exit 0, the summary names the rewrite, the output drops only our Transform entry', () => {
    const r = cli(['transform', file, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(summary);
    const out = JSON.parse(r.stdout);
    expect(JSON.stringify(out.Transform ?? null)).not.toContain('WarmStepFunctions');
    const modified = Object.values<any>(out.Resources).filter((x) => x.Metadata?.WarmStepFunctions);
    expect(modified.length).toBeGreaterThan(0);
  });

  test('check: no cold path once the macro runs', () => {
    const r = cli(['check', file]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/^No cold paths \(after WarmStepFunctions\)/) });
  });
});

test('serverless package of a snapStart: true service: the macro makes its state machine invoke <Fn>SnapStartLambdaAlias', () => {
  const file = 'template/examples/serverless-snapstart/compiled.json';
  const template = JSON.parse(readFileSync(join(ROOT, file), 'utf8'));
  // What serverless package made: the alias `snapstart` on the published version, and a state machine that ignores it.
  expect(template.Resources.QuoteSnapStartLambdaAlias).toMatchObject({
    Type: 'AWS::Lambda::Alias',
    Properties: { Name: 'snapstart', FunctionName: { Ref: 'QuoteLambdaFunction' } },
  });
  expect(template.Resources.QuoteLambdaFunction.Properties.SnapStart).toEqual({ ApplyOn: 'PublishedVersions' });
  const before = JSON.stringify(template.Resources.Quotes.Properties.DefinitionString);
  expect(before).toContain('QuoteLambdaFunction');
  expect(before).not.toContain('QuoteSnapStartLambdaAlias');
  const r = cli(['transform', file, '--format', 'json']);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  const def = out.Resources.Quotes.Properties.DefinitionString['Fn::Sub'];
  const vars = def[1] as Record<string, unknown>;
  const quote = JSON.parse(
    def[0].replace(/\$\{([^}]+)\}/g, (_m: string, v: string) => (JSON.stringify(vars[v] ?? v).includes('QuoteSnapStartLambdaAlias') ? 'ALIAS' : v)),
  ).States.Quote;
  expect(quote.Parameters.FunctionName).toBe('ALIAS');
  expect(Object.values(vars).filter((v) => JSON.stringify(v) === JSON.stringify({ Ref: 'QuoteSnapStartLambdaAlias' }))).toHaveLength(1);
  // Notify has a version (versionFunctions) but nothing that needs it: left unqualified.
  expect(JSON.stringify(vars)).toContain('"NotifyLambdaFunction","Arn"');
  expect(cli(['check', file]).code).toBe(0);
  // As written (the Transform removed): one cold path, named SnapStart.
  const dir = mkdtempSync(join(tmpdir(), 'wsf-snapstart-'));
  try {
    delete template.Transform;
    writeFileSync(join(dir, 'plain.json'), JSON.stringify(template));
    const plain = cli(['check', join(dir, 'plain.json'), '--format', 'json']);
    expect(plain.code).toBe(1);
    expect(JSON.parse(plain.stdout).coldPaths).toEqual([
      expect.objectContaining({ statePath: 'States.Quote', reasons: ['SnapStart'], warmTarget: '{QuoteSnapStartLambdaAlias}' }),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm start: shows the diff of the seed example', () => {
  const r = spawnSync('npm', ['start', '--silent'], { cwd: ROOT, encoding: 'utf8', env: ENV });
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('-              Fn::GetAtt:');
  expect(r.stdout).toContain('+              Ref: HelloProvConcLambdaAlias');
});

test('bundle smoke test: dist/macro.js alone in an empty folder handles a real event', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsf-bundle-'));
  try {
    copyFileSync(join(ROOT, 'dist', 'macro.js'), join(dir, 'macro.js'));
    copyFileSync(join(ROOT, 'dist', 'package.json'), join(dir, 'package.json'));
    const template = JSON.parse(readFileSync(join(ROOT, 'template/examples/serverless-seed/compiled.json'), 'utf8'));
    delete template.Transform;
    const event = {
      region: 'us-east-1',
      accountId: '123456789012',
      fragment: template,
      transformId: '123456789012::WarmStepFunctions',
      params: {},
      requestId: 'smoke-1',
      templateParameterValues: {},
    };
    const script = `import { readFileSync } from 'node:fs'; const { handler } = await import('./macro.js'); process.stdout.write(JSON.stringify(await handler(JSON.parse(readFileSync(0, 'utf8')), {})))`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      input: JSON.stringify(event),
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const reply = JSON.parse(lines[lines.length - 1]);
    for (const line of lines.slice(0, -1)) expect(JSON.parse(line)).toHaveProperty('requestId', 'smoke-1');
    expect(reply).toMatchObject({ requestId: 'smoke-1', status: 'success' });
    expect(reply.fragment.Resources.Hello.Properties.DefinitionString['Fn::Sub'][1]).toEqual({
      d9c520373cb4d5c2b85bd6ec0e3422d7: { Ref: 'HelloProvConcLambdaAlias' },
      e794cfa2d86a8670d3dcf7fa128eb2e5: { Ref: 'HiProvConcLambdaAlias' },
    });
    // One JSON log line per decision plus the summary, on stdout of the function (CloudWatch Logs).
    expect(r.stderr).toBe('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
