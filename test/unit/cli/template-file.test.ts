import type { JsonObject } from '../../../macro/types';
import { cli } from '../../support/cli';
import { resources, withTransform, workResource } from '../../support/cli-templates';

describe('a template that cannot be read: exit code 2', () => {
  test('a missing file', async () => {
    const r = await cli(['transform', 'nope.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot read nope\.yaml: ENOENT/);
    expect(r.stdout).toBe('');
  });

  test('a YAML syntax error names the file, line and column', async () => {
    const r = await cli(['transform', 'bad.yaml'], { 'bad.yaml': 'Resources:\n  A: [1, 2\n  B: 3\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: bad\.yaml:\d+:\d+: /);
  });

  test('an unknown short-form tag is a syntax error', async () => {
    const r = await cli(['check', 'bad.yaml'], { 'bad.yaml': 'Resources:\n  A: !Bogus x\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.yaml:2:');
  });

  test('a template that is not a map', async () => {
    const r = await cli(['transform', 'list.yaml'], { 'list.yaml': '- a\n- b\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: list.yaml is not a CloudFormation template (not a JSON/YAML object)\n');
  });
});

describe('YAML that PyYAML, SAM CLI and cfn-lint read: flow maps indented less than their keys', () => {
  const lenient = withTransform(
    'WarmStepFunctions',
    resources().replace(
      '      ProvisionedConcurrencyConfig:\n        ProvisionedConcurrentExecutions: 1\n',
      '      ProvisionedConcurrencyConfig: {\n    ProvisionedConcurrentExecutions: 1}\n      Tags:\n      - {Key: a,\n    Value: b}\n',
    ),
  );

  test('transform reads it as cfn-lint does and rewrites: exit 0', async () => {
    expect(lenient).toContain('      - {Key: a,\n    Value: b}');
    const r = await cli(['transform', 't.yaml', '--format', 'json'], { 't.yaml': lenient });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(workResource(out)).toEqual({ Ref: 'Live' });
    expect(out.Resources.Live.Properties).toMatchObject({
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
      Tags: [{ Key: 'a', Value: 'b' }],
    });
  });

  test('check reads it too: exit 0', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': lenient });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/^No cold paths \(after WarmStepFunctions\)/) });
  });

  test('a duplicate key is still an error, as in cfn-lint: exit 2 with its line', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': lenient.replace('Value: b}', 'Key: b}') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/t\.yaml:\d+:\d+: Map keys must be unique/);
  });
});

describe('--region and --account-id: where the template will be deployed', () => {
  // A literal ARN in eu-west-1 names the template's own function only when deploying to eu-west-1.
  const literal = withTransform('WarmStepFunctions', resources('arn:aws:lambda:eu-west-1:111122223333:function:my-fn'));

  test("transform: the deployment region and account decide whether a literal ARN is the template's own", async () => {
    const same = await cli(['transform', 't.yaml', '--region', 'eu-west-1', '--account-id', '111122223333', '--format', 'json'], { 't.yaml': literal });
    expect(same.code).toBe(0);
    expect(workResource(JSON.parse(same.stdout) as JsonObject)).toEqual({ Ref: 'Live' });
    const other = await cli(['transform', 't.yaml', '--region', 'us-east-1', '--account-id', '111122223333', '--format', 'json'], { 't.yaml': literal });
    expect(other.code).toBe(0);
    expect(workResource(JSON.parse(other.stdout) as JsonObject)).toBe('arn:aws:lambda:eu-west-1:111122223333:function:my-fn');
  });

  test('check takes them too', async () => {
    const r = await cli(['check', 't.yaml', '--region', 'eu-west-1', '--account-id', '111122223333'], { 't.yaml': literal });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No cold paths (after WarmStepFunctions)');
  });
});
