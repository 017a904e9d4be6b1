import type { Log } from 'sarif';
import { cli } from '../../../support/cli';
import { where } from '../../../support/cli-templates';
import { sarifProblems } from '../../../support/sarif';

describe('check: invocations that fail at run time, and the reason of each finding', () => {
  const REASONS_YAML = `Resources:
  Saga:
    Type: AWS::Lambda::Function
    Properties:
      DurableConfig: { ExecutionTimeout: 3600 }
  SagaVersion:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Saga
  SagaProd:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Saga
      FunctionVersion: !GetAtt SagaVersion.Version
      Name: prod
  Quote:
    Type: AWS::Lambda::Function
    Properties:
      SnapStart: { ApplyOn: PublishedVersions }
  QuoteVersion:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Quote
  QuoteLive:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Quote
      FunctionVersion: !GetAtt QuoteVersion.Version
      Name: live
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      Definition:
        StartAt: Saga
        States:
          Saga:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters:
              FunctionName: !GetAtt Saga.Arn
            Next: Quote
          Quote:
            Type: Task
            Resource: !GetAtt Quote.Arn
            End: true
`;

  it('text: exit 3, the failing invocation first, then the cold path, each naming its reason', async () => {
    const r = await cli(['check', 'flow.yaml'], { 'flow.yaml': REASONS_YAML });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(
      [
        '1 invocation fails at run time (as written):',
        "  Flow States.Saga: invokes {Saga.Arn}, not {SagaProd}, which Saga's durable configuration (DurableConfig) needs: that call fails at run time: Lambda rejects an unqualified invocation of a durable function (InvalidParameterValueException)",
        '1 cold path (as written):',
        "  Flow States.Quote: invokes {Quote.Arn}, not {QuoteLive}, which Quote's SnapStart configuration (SnapStart) needs: that call runs $LATEST, which has no snapshot, so it starts cold",
        'Add "Transform: WarmStepFunctions" to the template (or fix these states) to use the warm capacity.',
        '',
      ].join('\n'),
    );
  });

  it('JSON: failsAtRunTime and coldPaths carry the reasons; SARIF: its own rule, level error, exit code 3', async () => {
    const json = JSON.parse((await cli(['check', 'flow.yaml', '--format', 'json'], { 'flow.yaml': REASONS_YAML })).stdout);
    expect(json.exitCode).toBe(3);
    expect(json.failsAtRunTime).toEqual([
      expect.objectContaining({
        stateMachine: 'Flow',
        statePath: 'States.Saga',
        function: 'Saga',
        reasons: ['Durable'],
        invokes: '{Saga.Arn}',
        warmTarget: '{SagaProd}',
        line: where(REASONS_YAML, 'FunctionName: !GetAtt Saga.Arn').line,
      }),
    ]);
    expect(json.coldPaths).toEqual([expect.objectContaining({ statePath: 'States.Quote', function: 'Quote', reasons: ['SnapStart'] })]);
    const r = await cli(['check', 'flow.yaml', '--format', 'sarif'], { 'flow.yaml': REASONS_YAML });
    expect(r.code).toBe(3);
    const log = JSON.parse(r.stdout) as Log;
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0].tool.driver.rules?.map((x) => [x.id, x.name, x.defaultConfiguration?.level])).toEqual([
      ['fails-at-run-time', 'FailsAtRunTime', 'error'],
      ['cold-path', 'ColdPath', 'error'],
    ]);
    expect(log.runs[0].invocations).toEqual([{ executionSuccessful: true, exitCode: 3 }]);
    expect(log.runs[0].results!.map((x) => [x.ruleId, x.ruleIndex, x.level, x.properties?.reasons])).toEqual([
      ['fails-at-run-time', 0, 'error', ['Durable']],
      ['cold-path', 1, 'error', ['SnapStart']],
    ]);
  });

  it('with the transform listed, the macro fixes both: exit 0', async () => {
    const r = await cli(['check', 'flow.yaml'], { 'flow.yaml': `Transform: WarmStepFunctions\n${REASONS_YAML}` });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/^No cold paths \(after WarmStepFunctions\)/) });
  });

  it('--help documents the exit codes and SARIF levels', async () => {
    const r = await cli(['check', '--help']);
    expect(r.stdout).toMatch(/3 an invocation fails at run time \(SARIF rule fails-at-run-time, level\s+error\)/);
    expect(r.stdout).toContain('docs/reasons.md');
  });
});

describe('check: Managed Instances', () => {
  const MI_YAML = `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      CapacityProviderConfig:
        LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: arn:aws:lambda:us-east-1:123456789012:capacity-provider:p }
  V:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: !GetAtt V.Version
      Name: live
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      Definition:
        StartAt: First
        States:
          First: { Type: Task, Resource: !GetAtt Fn.Arn, Next: Second }
          Second: { Type: Task, Resource: !Sub "\${Fn.Arn}:$LATEST", End: true }
`;
  it('unqualified runs $LATEST.PUBLISHED (a cold path: it misses the alias); :$LATEST fails at run time (exit 3)', async () => {
    const r = await cli(['check', 'mi.yaml', '--format', 'json'], { 'mi.yaml': MI_YAML });
    expect(r.code).toBe(3);
    const json = JSON.parse(r.stdout);
    expect(json.failsAtRunTime.map((f: { statePath: string; message: string }) => [f.statePath, f.message])).toEqual([
      [
        'States.Second',
        "invokes {Fn.Arn}:$LATEST, not {Live}, which Fn's Managed Instances configuration (CapacityProviderConfig) needs: that call fails at run time: Lambda never invokes $LATEST of a Managed Instances function",
      ],
    ]);
    expect(json.coldPaths.map((f: { statePath: string; message: string }) => [f.statePath, f.message])).toEqual([
      [
        'States.First',
        "invokes {Fn.Arn}, not {Live}, which Fn's Managed Instances configuration (CapacityProviderConfig) needs: that call runs $LATEST.PUBLISHED (Lambda never invokes $LATEST of a Managed Instances function), not the version the template publishes",
      ],
    ]);
  });
});

describe('statePathSegments', () => {
  test('a state path with dots in state names and branches resolves against the definition', async () => {
    const { statePathSegments } = await import('../../../../macro/cli/commands/check-findings');
    const def = { States: { 'a.b': { Type: 'Parallel', Branches: [{ States: { 'x.y.z': {} } }] } } };
    expect(statePathSegments(def, 'States.a.b.Branches[0].States.x.y.z')).toEqual(['States', 'a.b', 'Branches', 0, 'States', 'x.y.z']);
    expect(statePathSegments(def, 'States.nope')).toBeUndefined();
  });
});
