/**
 * `warm-step-functions transform` (macro/cli/commands/transform.ts) with an in-memory file system: the
 * Transform section, parameters, output formats, the summary and the report, the diff, exit codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../../../support/cli';
import { BLUE, resources, TEMPLATE, withTransform, workResource, yamlOf } from '../../../support/cli-templates';

describe('transform', () => {
  test('rewrites, prints YAML for a YAML input, summarises on stderr, exits 0', async () => {
    const r = await cli(['transform', 't.yaml'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    const out = yamlOf(r.stdout);
    expect(workResource(out)).toEqual({ Ref: 'Live' });
    expect(out.Transform).toBeUndefined();
    expect(r.stderr).toContain('rewritten  Flow States.Work:');
    expect(r.stderr).toContain('WarmStepFunctions: 1 invocation rewritten in 1 of 1 state machine; 0 IAM grants added; 0 left cold; 0 warnings.');
  });

  test('the output keeps the key order of the input', async () => {
    const r = await cli(['transform', 't.yaml'], { 't.yaml': withTransform('[AWS::Serverless-2016-10-31, WarmStepFunctions]') });
    expect(Object.keys(yamlOf(r.stdout))).toEqual(['AWSTemplateFormatVersion', 'Transform', 'Resources']);
  });

  test('reads stdin with -', async () => {
    const r = await cli(['transform', '-', '--format', 'json'], {}, TEMPLATE);
    expect(r.code).toBe(0);
    expect(workResource(JSON.parse(r.stdout))).toEqual({ Ref: 'Live' });
  });

  test('a JSON input gives JSON output; --format yaml overrides', async () => {
    const json = JSON.stringify(yamlOf(TEMPLATE), null, 2);
    const a = await cli(['transform', 't.json'], { 't.json': json });
    expect(a.code).toBe(0);
    expect(workResource(JSON.parse(a.stdout))).toEqual({ Ref: 'Live' });
    const b = await cli(['transform', 't.json', '--format', 'yaml'], { 't.json': json });
    expect(b.stdout.trimStart().startsWith('{')).toBe(false);
    expect(yamlOf(b.stdout)).toEqual(JSON.parse(a.stdout));
  });

  test('--format json on a YAML input', async () => {
    const r = await cli(['transform', 't.yaml', '--format', 'json'], { 't.yaml': TEMPLATE });
    expect(r.stdout.endsWith('}\n')).toBe(true);
    expect(JSON.parse(r.stdout).AWSTemplateFormatVersion).toBe('2010-09-09');
  });

  test.each<[string, string, unknown]>([
    ['a string: removed', 'WarmStepFunctions', undefined],
    ['a list of one: removed', '[WarmStepFunctions]', undefined],
    ['SAM first: SAM kept', '[AWS::Serverless-2016-10-31, WarmStepFunctions]', ['AWS::Serverless-2016-10-31']],
    ['SAM after: SAM kept', '[WarmStepFunctions, AWS::Serverless-2016-10-31]', ['AWS::Serverless-2016-10-31']],
    ['others kept in order', '[A, WarmStepFunctions, B]', ['A', 'B']],
    ['{Name, Parameters}: removed', '[{Name: WarmStepFunctions, Parameters: {Mode: rewrite}}, AWS::Serverless-2016-10-31]', ['AWS::Serverless-2016-10-31']],
    ['{Name} other macros with parameters kept', '[{Name: Other, Parameters: {X: 1}}, WarmStepFunctions]', [{ Name: 'Other', Parameters: { X: 1 } }]],
  ])('Transform as %s', async (_name, transform, remaining) => {
    const r = await cli(['transform', 't.yaml'], { 't.yaml': withTransform(transform) });
    expect(r.code).toBe(0);
    const out = yamlOf(r.stdout);
    expect(out.Transform).toEqual(remaining);
    expect(workResource(out)).toEqual({ Ref: 'Live' });
  });

  test('a template without the Transform is printed unchanged, with a note', async () => {
    const body = `AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n${resources()}`;
    const r = await cli(['transform', 't.yaml'], { 't.yaml': body });
    expect(r.code).toBe(0);
    expect(yamlOf(r.stdout)).toEqual(yamlOf(body));
    expect(r.stderr).toBe('t.yaml: Transform does not list WarmStepFunctions; the macro would not run, so nothing changes.\n');
  });

  test('Transform parameters are used; --param overrides them', async () => {
    const body = withTransform('[{Name: WarmStepFunctions, Parameters: {AliasName: blue}}]', resources('!GetAtt Fn.Arn', BLUE));
    const a = await cli(['transform', 't.yaml'], { 't.yaml': body });
    expect(a.code).toBe(0);
    expect(workResource(yamlOf(a.stdout))).toEqual({ Ref: 'Blue' });
    const b = await cli(['transform', 't.yaml', '--param', 'AliasName=live'], { 't.yaml': body });
    expect(b.code).toBe(0);
    expect(workResource(yamlOf(b.stdout))).toEqual({ Ref: 'Live' });
  });

  test('--param values may contain =', async () => {
    const r = await cli(['transform', 't.yaml', '--param', 'AliasName=a=b'], {
      't.yaml': withTransform('WarmStepFunctions', resources('!GetAtt Fn.Arn', BLUE)),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("AliasName is 'a=b'");
  });

  test('--param Mode=report changes nothing but reports', async () => {
    const r = await cli(['transform', 't.yaml', '--param', 'Mode=report', '--report', 'json'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    expect(workResource(yamlOf(r.stdout))).toEqual({ 'Fn::GetAtt': ['Fn', 'Arn'] });
    expect(JSON.parse(r.stderr).summary.rewritten).toBe(1);
  });

  test('--param Mode=report: the summary says nothing changed', async () => {
    const r = await cli(['transform', 't.yaml', '--param', 'Mode=report'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('would rewrite  Flow States.Work:');
    expect(r.stderr).toContain(
      'WarmStepFunctions (Mode report, nothing changed): 1 invocation would be rewritten in 1 state machine; 0 IAM grants would be added; 0 left cold; 0 warnings.',
    );
  });

  test('a grant and a guardrail extended: two granted lines, counted apart (1 IAM grant, 1 guardrail), in both modes', async () => {
    // The role grants the function itself, and a Deny with NotResource exempts only the function: the alias
    // needs a grant, and the guardrail gets the alias too (docs/iam.md, README's IAM table).
    const guarded = withTransform(
      'WarmStepFunctions',
      resources().replace(
        "                Resource: '*'\n",
        '                Resource: !GetAtt Fn.Arn\n              - Sid: OnlyFn\n                Effect: Deny\n                Action: lambda:InvokeFunction\n                NotResource: [!GetAtt Fn.Arn]\n',
      ),
    );
    const r = await cli(['transform', 't.yaml'], { 't.yaml': guarded });
    expect(r.code).toBe(0);
    const granted = r.stderr.split('\n').filter((l) => l.startsWith('  granted'));
    expect(granted).toEqual([expect.stringContaining('lambda:InvokeFunction on {Live}'), expect.stringContaining('guardrail extended')]);
    expect(r.stderr).toContain('1 invocation rewritten in 1 of 1 state machine; 1 IAM grant added, 1 guardrail extended; 0 left cold; 0 warnings.');
    const report = await cli(['transform', 't.yaml', '--param', 'Mode=report'], { 't.yaml': guarded });
    expect(report.stderr).toContain('; 1 IAM grant would be added, 1 guardrail would be extended; 0 left cold; 0 warnings.');
  });

  test('--report json writes the whole report as JSON on stderr', async () => {
    const r = await cli(['transform', 't.yaml', '--report', 'json'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stderr);
    expect(report.summary).toEqual({ stateMachines: 1, modifiedStateMachines: 1, rewritten: 1, cold: 0, warnings: 0, iamGrantsAdded: 0 });
    expect(report.decisions).toEqual([expect.objectContaining({ action: 'rewritten', stateMachine: 'Flow', state: 'Work', function: 'Fn' })]);
  });

  test('--diff prints a unified diff with - and + lines instead of the template', async () => {
    const r = await cli(['transform', 't.yaml', '--diff'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('--- t.yaml (input)');
    expect(lines).toContain('+++ t.yaml (after WarmStepFunctions)');
    expect(lines).toContain('-Transform: WarmStepFunctions');
    expect(lines.some((l) => /^-\s+Resource:\s*$/.test(l) || /^-\s+Fn::GetAtt:/.test(l))).toBe(true);
    expect(lines.some((l) => /^\+\s+Ref: Live$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('@@'))).toBe(true);
  });

  test('--diff without the Transform prints nothing', async () => {
    const r = await cli(['transform', 't.yaml', '--diff'], { 't.yaml': resources() });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  test('the macro fails: exit 1 with the message', async () => {
    const r = await cli(['transform', 't.yaml'], { 't.yaml': withTransform('WarmStepFunctions', resources('!GetAtt Fn.Arn', BLUE)) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^WarmStepFunctions failed: Resource with id \[Flow\] is invalid\. .*Live \(Name: live\), Blue \(Name: blue\)/);
  });

  test('invalid parameters: exit 1', async () => {
    const r = await cli(['transform', 't.yaml', '--param', 'Mode=fast'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^WarmStepFunctions failed: .*Mode must be one of rewrite, report, strict.*"fast"/);
  });

  test('ResolveExternal is refused by the CLI: exit 1', async () => {
    const r = await cli(['transform', 't.yaml', '--param', 'ResolveExternal=true'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ResolveExternal');
  });
});

describe('circular dependencies (issue 12)', () => {
  const fixture = (name: string): Record<string, string> => ({ [name]: readFileSync(join(__dirname, '..', '..', '..', 'fixtures', 'input', name), 'utf8') });

  // serverless-step-functions' `${functionArn}:*` grant (with serverless-pseudo-parameters) covers
  // `svc-dev-SplitPdf:provisioned` whether or not the deployment is known; the slot goes by literal ARN.
  test.each<[string, string[]]>([
    ['without --region and --account-id', []],
    ['with them', ['--region', 'us-east-1', '--account-id', '123456789012']],
  ])('transform %s: the literal ARN is covered by the grant already there, nothing is added', async (_name, where) => {
    const r = await cli(['transform', 'iam_serverless_pseudo_parameters.yaml', ...where], fixture('iam_serverless_pseudo_parameters.yaml'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('2 invocations rewritten in 1 of 1 state machine; 0 IAM grants added; 0 left cold; 0 warnings.');
    expect(r.stdout).not.toContain('WarmStepFunctionsInvoke');
  });
});

describe('CLI: defects', () => {
  // A second file is silently ignored: `transform a.yaml b.yaml` prints only a.yaml's result.
  test('an extra positional argument is a usage error', async () => {
    const r = await cli(['transform', 'a.yaml', 'b.yaml'], { 'a.yaml': TEMPLATE, 'b.yaml': TEMPLATE });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('b.yaml');
  });
});
