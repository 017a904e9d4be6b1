/**
 * Proves the test oracles in test/support/validate.ts work, and pins down how the underlying validators behave
 * (`@aws/cloudformation-validate` and `asl-validator`), including their blind spots.
 * Set WSF_TIMINGS=1 to print validator timings.
 */
import {
  type Finding,
  errorFindings,
  findingKey,
  formatFindings,
  materialize,
  newErrors,
  sampleArn,
  validateDefinition,
  validateTemplate,
  warmUpTemplateValidator,
} from '../support/validate';

jest.setTimeout(120_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const timings: string[] = [];
/** Number of functions that makes bigTemplate() ~50 KB of JSON. */
const BIG_N = 31;
const clone = <T>(v: T): T => structuredClone(v);
const ruleIds = (findings: Finding[]): string[] => findings.map((f) => f.ruleId ?? '?').sort();
const ARN = (id: string) => `arn:aws:lambda:us-east-1:123456789012:function:${id}`;

beforeAll(async () => {
  // First call pays for loading the WASM, building the engine and the engine's lazy initialisation
  // (unless another test file in this jest worker already did: the engine is shared per worker).
  const t0 = performance.now();
  await warmUpTemplateValidator();
  timings.push(`first validateTemplate (WASM load + engine init + warm-up validation): ${Math.round(performance.now() - t0)} ms`);
}, 300_000);

afterAll(() => {
  if (process.env.WSF_TIMINGS === '1') console.log(timings.join('\n'));
});

/** A small, valid template: role, function, version, provisioned-concurrency alias, state machine. */
function smallTemplate(): Json {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      FnRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
        },
      },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] },
          Code: { ZipFile: 'exports.handler = async () => 1;' },
        },
      },
      FnVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
      FnAlias: {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { Ref: 'Fn' },
          FunctionVersion: { 'Fn::GetAtt': ['FnVersion', 'Version'] },
          Name: 'live',
          ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
        },
      },
      SmRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: { 'Fn::Sub': 'states.${AWS::Region}.amazonaws.com' } },
                Action: 'sts:AssumeRole',
              },
            ],
          },
        },
      },
      Sm: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          RoleArn: { 'Fn::GetAtt': ['SmRole', 'Arn'] },
          Definition: {
            StartAt: 'Call',
            States: { Call: { Type: 'Task', Resource: '${FnArn}', End: true } },
          },
          DefinitionSubstitutions: { FnArn: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
        },
      },
    },
  };
}

/**
 * A ~50 KB template shaped like a Serverless Framework deployment: n functions, each with log group, version and
 * provisioned-concurrency alias, and one state machine whose DefinitionString is `Fn::Sub [json, {hash: GetAtt}]`.
 */
function bigTemplate(n: number): Json {
  const resources: Json = {
    IamRoleLambdaExecution: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
        },
        Path: '/',
        RoleName: { 'Fn::Join': ['-', ['svc', 'dev', { Ref: 'AWS::Region' }, 'lambdaRole']] },
      },
    },
  };
  const states: Json = {};
  const vars: Json = {};
  const invokeResources: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const name = `Step${i}`;
    const fn = `${name}LambdaFunction`;
    resources[`${name}LogGroup`] = {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: `/aws/lambda/svc-dev-step${i}`, RetentionInDays: 14 },
    };
    resources[fn] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { ZipFile: `exports.handler = async (e) => ({ ...e, step${i}: true });` },
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        FunctionName: `svc-dev-step${i}`,
        MemorySize: 512,
        Timeout: 60,
        Role: { 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] },
        Environment: { Variables: { STEP: String(i), STAGE: 'dev' } },
      },
      DependsOn: [`${name}LogGroup`],
    };
    resources[`${name}LambdaVersion`] = {
      Type: 'AWS::Lambda::Version',
      DeletionPolicy: 'Retain',
      Properties: { FunctionName: { Ref: fn }, CodeSha256: `${'x'.repeat(43)}=` },
    };
    resources[`${name}ProvConcLambdaAlias`] = {
      Type: 'AWS::Lambda::Alias',
      Properties: {
        FunctionName: { Ref: fn },
        FunctionVersion: { 'Fn::GetAtt': [`${name}LambdaVersion`, 'Version'] },
        Name: 'provisioned',
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
      },
    };
    const key = `h${i.toString(16).padStart(31, '0')}`;
    vars[key] = { 'Fn::GetAtt': [fn, 'Arn'] };
    states[name] = {
      Type: 'Task',
      Resource: `\${${key}}`,
      Retry: [{ ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
      ...(i + 1 < n ? { Next: `Step${i + 1}` } : { End: true }),
    };
    invokeResources.push({ 'Fn::GetAtt': [fn, 'Arn'] }, { 'Fn::Sub': ['${a}:*', { a: { 'Fn::GetAtt': [fn, 'Arn'] } }] });
  }
  resources.StateMachineRole = {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: { 'Fn::Sub': 'states.${AWS::Region}.amazonaws.com' } },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'invoke',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: invokeResources }],
          },
        },
      ],
    },
  };
  resources.Pipeline = {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: {
      DefinitionString: {
        'Fn::Sub': [JSON.stringify({ Comment: 'big', StartAt: 'Step0', States: states }, null, 2), vars],
      },
      RoleArn: { 'Fn::GetAtt': ['StateMachineRole', 'Arn'] },
      StateMachineName: 'svc-dev-pipeline',
    },
  };
  return { AWSTemplateFormatVersion: '2010-09-09', Description: 'big', Resources: resources, Transform: ['WarmStepFunctions'] };
}

// ---------------------------------------------------------------------------------------------------------------

describe('validateTemplate', () => {
  test('a valid small template has no error findings', async () => {
    const findings = await validateTemplate(smallTemplate());
    expect(errorFindings(findings)).toEqual([]);
    // Every finding has the documented shape.
    for (const f of findings) {
      expect(['error', 'warning', 'info', 'debug']).toContain(f.severity);
      expect(f.ruleId).toMatch(/^[FEWID]\d{4}$/);
      expect(typeof f.message).toBe('string');
    }
  });

  test('accepts JSON or YAML text as well as an object', async () => {
    const yaml = 'Resources:\n  Foo:\n    Type: AWS::Foo::Bar\n';
    expect(ruleIds(errorFindings(await validateTemplate(yaml)))).toEqual(['F3006']);
    expect(ruleIds(errorFindings(await validateTemplate('{"Resources": ')))).toEqual(['F1101']);
  });

  test('clear errors are reported with exact rule ids, paths and severities', async () => {
    const t = smallTemplate();
    t.Resources.Foo = { Type: 'AWS::Foo::Bar' }; // unknown type
    t.Resources.Q = { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'Missing' } } }; // Ref to nothing
    delete t.Resources.Fn.Properties.Code; // missing required property
    t.Resources.Fn.Properties.Timeout = 'abc'; // wrong type
    const errors = errorFindings(await validateTemplate(t));
    expect(ruleIds(errors)).toEqual(['F1020', 'F3003', 'F3006', 'F3012']);
    const byRule = Object.fromEntries(errors.map((f) => [f.ruleId, f]));
    expect(byRule.F3006).toEqual({
      severity: 'error',
      level: 'FATAL',
      ruleId: 'F3006',
      message: "Unknown resource type 'AWS::Foo::Bar'",
      path: 'Resources/Foo',
      logicalId: 'Foo',
      resourceType: 'AWS::Foo::Bar',
      line: 1,
    });
    expect(byRule.F1020).toMatchObject({ path: 'Resources/Q/Properties/QueueName', level: 'FATAL' });
    expect(byRule.F1020.message).toMatch(/^'Missing' is not one of \['AWS::AccountId', /);
    expect(byRule.F3003).toMatchObject({ path: 'Resources/Fn/Properties', message: "'Code' is a required property" });
    expect(byRule.F3012).toMatchObject({ path: 'Resources/Fn/Properties/Timeout', message: "'abc' is not of type 'integer'" });
  });

  test('ERROR-level (E*) rules also count as errors; array indices appear in paths', async () => {
    const t = smallTemplate();
    t.Resources.FnRole.Properties.Policies = [
      { PolicyName: 'ok', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } },
      { PolicyName: 'bad', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allowz', Action: 's3:GetObject', Resource: '*' }] } },
    ];
    const errors = errorFindings(await validateTemplate(t));
    expect(errors).toEqual([
      expect.objectContaining({
        severity: 'error',
        level: 'ERROR',
        ruleId: 'E3510',
        path: 'Resources/FnRole/Properties/Policies/1/PolicyDocument/Statement/0/Effect',
        message: "'Allowz' is not one of ['Allow', 'Deny']",
      }),
    ]);
  });

  test('E3601 checks state machine structure in Definition / plain DefinitionString, but not Next targets', async () => {
    const withDefinition = (definition: Json) => {
      const t = smallTemplate();
      t.Resources.Sm.Properties.Definition = definition;
      return t;
    };
    const noResource = { StartAt: 'Call', States: { Call: { Type: 'Task', End: true } } };
    expect(errorFindings(await validateTemplate(withDefinition(noResource)))).toEqual([
      expect.objectContaining({
        ruleId: 'E3601',
        path: 'Resources/Sm/Properties/Definition',
        message: "Task state 'Call' is missing required 'Resource' property",
      }),
    ]);
    const badType = { StartAt: 'Call', States: { Call: { Type: 'Taskk', Resource: '${FnArn}', End: true } } };
    expect(ruleIds(errorFindings(await validateTemplate(withDefinition(badType))))).toEqual(['E3601']);

    // Blind spot: a Next to a missing state is not reported (asl-validator does report it, see below).
    const badNext = { StartAt: 'Call', States: { Call: { Type: 'Task', Resource: '${FnArn}', Next: 'Nowhere' } } };
    expect(errorFindings(await validateTemplate(withDefinition(badNext)))).toEqual([]);
  });

  test('blind spot: E3601 skips a DefinitionString built with Fn::Sub [text, vars] (the Serverless form)', async () => {
    const t = bigTemplate(2);
    const sub = t.Resources.Pipeline.Properties.DefinitionString['Fn::Sub'];
    sub[0] = sub[0].replace(/"Type": "Task"/g, '"Type": "Taskk"');
    expect(errorFindings(await validateTemplate(t))).toEqual([]);
    // ...while the same mistake in a plain string is caught:
    const plain = bigTemplate(2);
    plain.Resources.Pipeline.Properties.DefinitionString = JSON.stringify(materialize({ 'Fn::Sub': sub }));
    expect(ruleIds(errorFindings(await validateTemplate(plain)))).toEqual(['E3601', 'E3601']);
  });

  test('Transform: WarmStepFunctions is ignored silently (same findings as without it)', async () => {
    const plain = smallTemplate();
    plain.Resources.Foo = { Type: 'AWS::Foo::Bar' };
    const expected = await validateTemplate(plain);
    for (const transform of ['WarmStepFunctions', ['WarmStepFunctions'], ['AWS::Serverless-2016-10-31', 'WarmStepFunctions']]) {
      expect(await validateTemplate({ ...plain, Transform: transform })).toEqual(expected);
    }
    // A malformed Transform value is reported, though.
    expect(ruleIds(errorFindings(await validateTemplate({ ...plain, Transform: 42 })))).toEqual(['E1005', 'F3006']);
  });

  describe('SAM (AWS::Serverless-2016-10-31)', () => {
    const samFunction = (extra: Json = {}) => ({
      Type: 'AWS::Serverless::Function',
      Properties: { Runtime: 'python3.12', Handler: 'app.handler', CodeUri: 's3://bucket/key.zip', AutoPublishAlias: 'live', ...extra },
    });
    const SAM = 'AWS::Serverless-2016-10-31';

    test('a valid SAM template passes, also with WarmStepFunctions after it', async () => {
      const t = { Transform: [SAM, 'WarmStepFunctions'], Resources: { Fn: samFunction() } };
      expect(errorFindings(await validateTemplate(t))).toEqual([]);
    }, 180_000);

    test('SAM translation errors are E0001; Serverless types without the transform are E3038', async () => {
      const bad = { Transform: SAM, Resources: { Bad: { Type: 'AWS::Serverless::Function', Properties: { Nonsense: 1 } } } };
      const errors = errorFindings(await validateTemplate(bad));
      expect(ruleIds(errors)).toEqual(['E0001']);
      expect(errors[0].message).toMatch(/^Error transforming template: Resource with id \[Bad\] is invalid\./);
      expect(ruleIds(errorFindings(await validateTemplate({ Resources: { Fn: samFunction() } })))).toEqual(['E3038']);
    });

    test('limits: SAM-only references are false positives, generated resources are not schema-checked', async () => {
      // `Ref: Fn.Alias` is valid SAM (AutoPublishAlias) but reported as a missing Ref target (so
      // fixtures-validate.test.ts has SAM's real translator resolve it first)...
      const aliasRef = {
        Transform: SAM,
        Resources: { Fn: samFunction(), Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'Fn.Alias' } } } },
      };
      expect(ruleIds(errorFindings(await validateTemplate(aliasRef)))).toEqual(['F1020']);
      // ...whereas the generated logical id is known.
      aliasRef.Resources.Q.Properties.QueueName.Ref = 'FnAliaslive';
      expect(errorFindings(await validateTemplate(aliasRef))).toEqual([]);
      // MemorySize 1 would be out of bounds on the generated AWS::Lambda::Function, but is not reported.
      expect(errorFindings(await validateTemplate({ Transform: SAM, Resources: { Fn: samFunction({ MemorySize: 1 }) } }))).toEqual([]);
    });
  });

  test('opts.region drives regional resource-type availability', async () => {
    const t = { Resources: { Svc: { Type: 'AWS::AppRunner::Service', Properties: { SourceConfiguration: {} } } } };
    expect(errorFindings(await validateTemplate(t))).toEqual([]);
    expect(errorFindings(await validateTemplate(t, { region: 'cn-north-1' }))).toEqual([
      expect.objectContaining({ ruleId: 'F3006', message: "Resource type 'AWS::AppRunner::Service' does not exist in 'cn-north-1'" }),
    ]);
  });

  test('timing on a ~50 KB template', async () => {
    const t = bigTemplate(BIG_N);
    const size = JSON.stringify(t).length;
    expect(size).toBeGreaterThan(45_000);
    expect(size).toBeLessThan(60_000);
    let t0 = performance.now();
    const first = await validateTemplate(t);
    const firstMs = performance.now() - t0;
    expect(errorFindings(first)).toEqual([]);
    const laterMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      t0 = performance.now();
      expect(await validateTemplate(t)).toEqual(first); // deterministic
      laterMs.push(performance.now() - t0);
    }
    timings.push(
      `~${Math.round(size / 1024)} KB template (${Object.keys(t.Resources).length} resources, ${first.length} findings): ` +
        `first ${Math.round(firstMs)} ms, then ${laterMs.map(Math.round).join(', ')} ms`,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('newErrors', () => {
  const f = (ruleId: string, path: string, message = 'm', severity = 'error'): Finding => ({ severity, ruleId, path, message });

  test('ignores errors that already existed, reports the new ones', () => {
    const before = [f('F3006', 'Resources/Foo'), f('W3005', 'Resources/A/DependsOn', 'w', 'warning')];
    const after = [f('F3006', 'Resources/Foo'), f('F1020', 'Resources/Sm/Properties/Definition'), f('W9999', 'x', 'w', 'warning')];
    expect(newErrors(before, after)).toEqual([f('F1020', 'Resources/Sm/Properties/Definition')]);
    expect(newErrors(after, before)).toEqual([]);
  });

  test('array indices may shift; line numbers are ignored; the logical id and message count', () => {
    const before = [
      { ...f('E3510', 'Resources/R/Properties/Policies/1/PolicyDocument/Statement/0/Effect', "'x' at Properties.Policies.1.PolicyDocument"), line: 10 },
    ];
    const shifted = [
      { ...f('E3510', 'Resources/R/Properties/Policies/2/PolicyDocument/Statement/0/Effect', "'x' at Properties.Policies.2.PolicyDocument"), line: 42 },
    ];
    expect(newErrors(before, shifted)).toEqual([]);
    expect(findingKey(before[0])).toBe(findingKey(shifted[0]));
    expect(newErrors(before, [f('E3510', 'Resources/Other/Properties/Policies/1/PolicyDocument/Statement/0/Effect')])).toHaveLength(1);
    expect(newErrors(before, [f('E3510', before[0].path!, 'different message')])).toHaveLength(1);
  });

  test('counts duplicates (multiset)', () => {
    const e = f('E3601', 'Resources/Sm/Properties/Definition');
    expect(newErrors([e], [e, e])).toEqual([e]);
    expect(newErrors([e, e], [e])).toEqual([]);
  });

  test('on real validator output: breaking a template shows only the new error', async () => {
    const before = smallTemplate();
    before.Resources.Foo = { Type: 'AWS::Foo::Bar' };
    const after = clone(before);
    after.Resources.Sm.Properties.DefinitionSubstitutions.FnArn = { Ref: 'NoSuchAlias' };
    const fresh = newErrors(await validateTemplate(before), await validateTemplate(after));
    expect(fresh).toEqual([expect.objectContaining({ ruleId: 'F1020', path: 'Resources/Sm/Properties/DefinitionSubstitutions/FnArn' })]);
    expect(formatFindings(fresh)).toMatch(/^\[FATAL\] F1020 Resources\/Sm\/Properties\/DefinitionSubstitutions\/FnArn: /);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('materialize', () => {
  const expected = {
    StartAt: 'A',
    States: {
      A: { Type: 'Task', Resource: ARN('FnA'), Next: 'B' },
      B: { Type: 'Task', Resource: ARN('FnB'), End: true },
    },
  };

  test('sampleArn', () => {
    expect(sampleArn('X')).toBe('arn:aws:lambda:us-east-1:123456789012:function:X');
  });

  test('a plain JSON string', () => {
    expect(materialize(JSON.stringify(expected))).toEqual(expected);
  });

  test('Fn::Sub string: Ref, GetAtt, pseudo parameters, ${!Literal}', () => {
    const text = JSON.stringify({
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Resource: '${FnA}', Next: 'B' },
        B: { Type: 'Task', Resource: '${FnB.Arn}', Comment: '${!Literal} in ${AWS::Partition}/${AWS::Region}/${AWS::AccountId}/${AWS::URLSuffix}', End: true },
      },
    });
    const m = materialize({ 'Fn::Sub': text }) as Json;
    expect(m.States.A.Resource).toBe(ARN('FnA'));
    expect(m.States.B.Resource).toBe(ARN('FnB'));
    expect(m.States.B.Comment).toBe('${Literal} in aws/us-east-1/123456789012/amazonaws.com');
  });

  test('Fn::Sub [string, vars] with intrinsic vars (the Serverless Framework form)', () => {
    const text = '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${a}","Next":"B"},"B":{"Type":"Task","Resource":"${b}","End":true}}}';
    expect(materialize({ 'Fn::Sub': [text, { a: { 'Fn::GetAtt': ['FnA', 'Arn'] }, b: { Ref: 'FnB' } }] })).toEqual(expected);
    // Variables win over resource names; non-Arn attributes give a sample string.
    const m = materialize({ 'Fn::Sub': ['{"x":"${FnA}","y":"${Q.QueueUrl}"}', { FnA: 'literal' }] });
    expect(m).toEqual({ x: 'literal', y: 'sample-Q-QueueUrl' });
  });

  test('Fn::Join with intrinsic pieces (the CDK form)', () => {
    const value = {
      'Fn::Join': [
        '',
        [
          '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"',
          { 'Fn::GetAtt': ['FnA', 'Arn'] },
          '","Next":"B"},"B":{"Type":"Task","Resource":"arn:',
          { Ref: 'AWS::Partition' },
          ':lambda:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':function:FnB","End":true}}}',
        ],
      ],
    };
    expect(materialize(value)).toEqual(expected);
  });

  test('a parsed Definition object with intrinsics, plus DefinitionSubstitutions with intrinsics', () => {
    const definition = {
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Resource: { 'Fn::GetAtt': ['FnA', 'Arn'] }, Next: 'B' },
        B: { Type: 'Task', Resource: '${FnB}', Comment: { 'Fn::If': ['IsProd', 'prod', { Ref: 'AWS::NoValue' }] }, End: true },
        C: { Type: 'Pass', Comment: { 'Fn::If': ['IsProd', { Ref: 'AWS::NoValue' }, 'x'] }, End: true },
      },
    };
    const m = materialize(definition, { FnB: { Ref: 'FnB' } }) as Json;
    expect(m.States.A).toEqual(expected.States.A);
    expect(m.States.B).toEqual({ ...expected.States.B, Comment: 'prod' });
    expect(m.States.C).toEqual({ Type: 'Pass', End: true }); // AWS::NoValue drops the property
    expect(definition.States.A.Resource).toEqual({ 'Fn::GetAtt': ['FnA', 'Arn'] }); // input untouched
  });

  test('DefinitionSubstitutions: raw text replacement, after Fn::Sub; ${!X} survives Fn::Sub to be substituted', () => {
    const value = { 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":${!Secs},"Comment":"${!Unknown}","End":true}}}' };
    expect(materialize(value, { Secs: 5 })).toEqual({
      StartAt: 'A',
      States: { A: { Type: 'Wait', Seconds: 5, Comment: '${Unknown}', End: true } },
    });
  });

  test('throws on text that is not a JSON object', () => {
    expect(() => materialize('{"StartAt": ')).toThrow(/not valid JSON/);
    expect(() => materialize('[1]')).toThrow(/not a JSON object/);
    expect(() => materialize(42)).toThrow(/must be a string or an object/);
  });

  test('the state machine of the small template and of the ~50 KB template', async () => {
    const sm = smallTemplate().Resources.Sm.Properties;
    const small = materialize(sm.Definition, sm.DefinitionSubstitutions);
    expect(small).toEqual({ StartAt: 'Call', States: { Call: { Type: 'Task', Resource: ARN('Fn'), End: true } } });
    const big = materialize(bigTemplate(BIG_N).Resources.Pipeline.Properties.DefinitionString) as Json;
    expect(Object.keys(big.States)).toHaveLength(BIG_N);
    expect(big.States.Step3.Resource).toBe(ARN('Step3LambdaFunction'));
    expect(await validateDefinition(big)).toEqual({ valid: true, errors: [] });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('validateDefinition', () => {
  const good = {
    Comment: 'ok',
    StartAt: 'A',
    States: {
      A: { Type: 'Task', Resource: ARN('Fn'), Next: 'B' },
      B: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: `${ARN('Fn')}:live`, 'Payload.$': '$' }, Next: 'C' },
      C: { Type: 'Task', Resource: `${ARN('Fn')}:live`, End: true },
    },
  };

  test('accepts a valid definition and does not mutate it', async () => {
    const input = clone(good);
    expect(await validateDefinition(input)).toEqual({ valid: true, errors: [] });
    expect(input).toEqual(good); // asl-validator itself would add QueryLanguage to every state
  });

  test('rejects a Task without Resource', async () => {
    const def = { StartAt: 'A', States: { A: { Type: 'Task', End: true } } };
    const r = await validateDefinition(def);
    expect(r.valid).toBe(false);
    // asl-validator's wording for this is indirect: the Task schema (oneOf) fails on Type.
    expect(r.errors).toContain('SCHEMA_VALIDATION_FAILED: /States/A/Type is invalid. must be equal to one of the allowed values');
  });

  test('rejects a Next to a missing state', async () => {
    const def = { StartAt: 'A', States: { A: { Type: 'Task', Resource: ARN('Fn'), Next: 'Nowhere' } } };
    expect(await validateDefinition(def)).toEqual({
      valid: false,
      errors: [
        "MISSING_TRANSITION_TARGET: Missing 'StartAt'|'Next'|'Default' target: Nowhere",
        'MISSING_TERMINAL_STATE: State machine fsm1 is missing a terminal state',
      ],
    });
  });

  test('checks Resource ARN format (checkArn, default on)', async () => {
    const def = { StartAt: 'A', States: { A: { Type: 'Task', Resource: 'not-an-arn', End: true } } };
    expect((await validateDefinition(def)).valid).toBe(false);
    expect(await validateDefinition(def, { checkArn: false })).toEqual({ valid: true, errors: [] });
  });

  test('un-materialized placeholders/intrinsics: asl-validator accepts them, validateDefinition does not', async () => {
    const def = {
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Resource: '${FnArn}', Next: 'B' },
        B: { Type: 'Task', Resource: { 'Fn::GetAtt': ['Fn', 'Arn'] }, End: true },
      },
    };
    expect(await validateDefinition(def, { allowPlaceholders: true })).toEqual({ valid: true, errors: [] });
    expect(await validateDefinition(def)).toEqual({
      valid: false,
      errors: [
        'UNRESOLVED_PLACEHOLDER: /States/A/Resource is the placeholder ${FnArn}',
        'UNRESOLVED_INTRINSIC: /States/B/Resource is a CloudFormation intrinsic {"Fn::GetAtt":["Fn","Arn"]}',
      ],
    });
    expect(await validateDefinition(materialize(def, { FnArn: { Ref: 'FnAlias' } }))).toEqual({ valid: true, errors: [] });
  });
});
