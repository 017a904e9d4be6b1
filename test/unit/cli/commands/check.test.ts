/**
 * `warm-step-functions check` on one template (macro/cli/commands/check.ts), as text: the cold paths, what
 * it could not see into, and its exit codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatValue } from '../../../../macro/cfn/parts';
import { cli } from '../../../support/cli';
import { BLUE, resources, TEMPLATE, withTransform } from '../../../support/cli-templates';

describe('check', () => {
  test('without the Transform: exit 1, each cold path listed, with a hint', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': resources() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 cold path (as written):\n');
    const line = r.stdout.split('\n').find((l) => l.startsWith('  Flow States.Work: '));
    expect(line).toBeDefined();
    // The line names what the state invokes and the warm target it should use.
    expect(line).toContain(`invokes ${formatValue({ 'Fn::GetAtt': ['Fn', 'Arn'] })} `);
    expect(line).toContain(formatValue({ Ref: 'Live' }));
    expect(r.stdout).toContain('Add "Transform: WarmStepFunctions" to the template');
    expect(r.stderr).toBe('');
  });

  test('the no-cold-path line names the reasons the check acted on (the Reasons parameter)', async () => {
    const r = await cli(['check', 't.yaml', '--param', 'Reasons=SnapStart'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'No cold paths (after WarmStepFunctions): every state that invokes a function needing a published target (SnapStart, durable, Managed Instances) goes through it.\n',
    );
  });

  test('with the Transform: the macro fixes the path, exit 0', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'No cold paths (after WarmStepFunctions): every state that invokes a function needing a published target (provisioned concurrency, SnapStart, durable, Managed Instances) goes through it.\n',
    );
  });

  test('already invoking the alias, no Transform: exit 0', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': resources('!Ref Live') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No cold paths (as written)');
  });

  test('a version the warm alias points to is fixed by the macro: exit 0', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': withTransform('WarmStepFunctions', resources('!Ref Ver')) });
    expect(r.code).toBe(0);
  });

  test('an explicit cold qualifier stays a cold path even with the Transform: exit 1', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': withTransform('WarmStepFunctions', resources('!Sub "${Fn.Arn}:7"')) });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 cold path (after WarmStepFunctions):');
    expect(r.stdout).toContain('Flow States.Work');
    expect(r.stdout).not.toContain('Add "Transform');
  });

  test('two cold paths are both listed', async () => {
    const body = resources().replace(
      '            End: true\n',
      '            Next: Again\n          Again:\n            Type: Task\n            Resource: !Sub "${Fn.Arn}:$LATEST"\n            End: true\n',
    );
    const r = await cli(['check', 't.yaml'], { 't.yaml': body });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('2 cold paths (as written):');
    expect(r.stdout).toContain('Flow States.Work');
    expect(r.stdout).toContain('Flow States.Again');
  });

  test('check when the macro would fail: exit 1', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': withTransform('WarmStepFunctions', resources('!GetAtt Fn.Arn', BLUE)) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('WarmStepFunctions failed:');
  });
});

describe('circular dependencies (issue 12)', () => {
  const fixture = (name: string): Record<string, string> => ({ [name]: readFileSync(join(__dirname, '..', '..', '..', 'fixtures', 'input', name), 'utf8') });

  test('check: the literal ARN the macro writes is warm', async () => {
    const r = await cli(['check', 'cycle_serverless_role.json'], fixture('cycle_serverless_role.json'));
    expect(r.stdout).toBe(
      'No cold paths (after WarmStepFunctions): every state that invokes a function needing a published target (provisioned concurrency, SnapStart, durable, Managed Instances) goes through it.\n',
    );
    expect(r.code).toBe(0);
  });

  test('check: a slot the macro must leave (no literal ARN) is a cold path, and says why', async () => {
    const r = await cli(['check', 'cycle_no_literal.yaml'], fixture('cycle_no_literal.yaml'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('3 cold paths (after WarmStepFunctions):\n');
    expect(r.stdout).toContain(
      '  Flow States.Work: Resource is left as it is: pointing it at WorkLive would make a circular dependency (Flow → WorkLive → Work → Flow)',
    );
    expect(r.stdout).not.toContain('could not be checked');
  });
});

describe('check: what it could not see into', () => {
  test('an invocation it cannot resolve and a definition in S3: listed, exit 2 when nothing is cold', async () => {
    const body =
      resources().replace(
        '            Resource: !GetAtt Fn.Arn\n',
        '            Resource: arn:aws:states:::lambda:invoke\n            Parameters: {FunctionName: !ImportValue shared-fn}\n',
      ) +
      `  Stored:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: !GetAtt Role.Arn\n      DefinitionS3Location: {Bucket: b, Key: k}\n`;
    const r = await cli(['check', 't.yaml'], { 't.yaml': body });
    expect(r.stdout).toBe(
      [
        'No cold paths (as written) among the invocations the check could read.',
        '2 places could not be checked:',
        '  Flow States.Work: Parameters.FunctionName is {{"Fn::ImportValue":"shared-fn"}}, which the macro cannot resolve to a function of this template or to a literal ARN; if that function has provisioned concurrency, point the state at its alias yourself',
        "  Stored: cannot read Stored's definition at s3://b/k: the CLI reads local files and CDK assets in cdk.out, not S3 (the deployed macro reads it when its deployment lists the bucket in s3DefinitionBuckets); its invocations are left as they are",
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(2);
  });

  test('an Fn::ForEach loop of state machines (AWS::LanguageExtensions, either order in Transform): listed by its template path, exit 2', async () => {
    const fixture = readFileSync(join(__dirname, '..', '..', '..', 'fixtures', 'input', 'realistic_cfn_foreach_loop_before_expansion.yaml'), 'utf8');
    for (const transform of ['[WarmStepFunctions, AWS::LanguageExtensions]', '[AWS::LanguageExtensions, WarmStepFunctions]', 'AWS::LanguageExtensions']) {
      const text = fixture.replace('Transform: [WarmStepFunctions, AWS::LanguageExtensions]', `Transform: ${transform}`);
      const r = await cli(['check', 't.yaml'], { 't.yaml': text });
      expect(r.stdout).toContain(
        [
          '1 place could not be checked:',
          '  Resources/Fn::ForEach::RegionalFlows: Fn::ForEach::RegionalFlows is not expanded yet (AWS::LanguageExtensions): the resources it makes (AWS::StepFunctions::StateMachine) are neither checked nor rewritten; CloudFormation expands it first if Transform lists AWS::LanguageExtensions first',
        ].join('\n'),
      );
      // Without the macro, Dispatch's own invocation is a cold path; with it, nothing is, and the loop alone gives 2.
      expect(r.code).toBe(transform === 'AWS::LanguageExtensions' ? 1 : 2);
    }
  });

  test('an explicit Qualifier $LATEST on a warm function is a cold path that the macro moves; an alias with provisioned concurrency is not', async () => {
    const task = (qualifier: string): string =>
      resources().replace(
        '            Resource: !GetAtt Fn.Arn\n',
        `            Resource: arn:aws:states:::lambda:invoke\n            Parameters: {FunctionName: !Ref Fn, Qualifier: '${qualifier}'}\n`,
      );
    // Without the macro, Qualifier $LATEST bypasses the alias; with it, the Qualifier moves to the alias.
    const cold = await cli(['check', 't.yaml'], { 't.yaml': task('$LATEST') });
    expect(cold.code).toBe(1);
    expect(cold.stdout).toContain('Flow States.Work');
    const fixed = await cli(['check', 't.yaml'], { 't.yaml': withTransform('WarmStepFunctions', task('$LATEST')) });
    expect(fixed.code).toBe(0);
    const warm = await cli(['check', 't.yaml'], { 't.yaml': withTransform('WarmStepFunctions', task('live')) });
    expect(warm.code).toBe(0);
  });
});

describe('CLI: defects', () => {
  // The CLI knows no region or account, and the core then takes a literal `aws` partition as
  // another deployment: `check` misses a cold path that the deployed macro would rewrite.
  test('check finds a cold path written as arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:NAME', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': resources('!Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:my-fn"') });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 cold path (as written):');
  });
});
