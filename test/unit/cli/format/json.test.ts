/**
 * `check --format json` (macro/cli/format/json.ts): every finding carries the file, its line and column in
 * the input as written (YAML or JSON, inside a DefinitionString where the lines map), and the state path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding as CheckFinding } from '../../../../macro/cli/commands/check-findings';
import { cli } from '../../../support/cli';
import { FLOWS_YAML, FUNCTIONS_YAML, where } from '../../../support/cli-templates';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** A finding as `--format json` writes it: grouped by kind, so without its `kind`. */
type Finding = Omit<CheckFinding, 'kind'>;
interface JsonOut {
  file: string;
  checked: string;
  exitCode: number;
  coldPaths: Finding[];
  notChecked: Finding[];
  macroFails: Finding[];
}

describe('check --format json', () => {
  it('each cold path: file, line and column where the state invokes the function, state machine, state path, and the warm target', async () => {
    const r = await cli(['check', 'flows.yaml', '--format', 'json', '--region', 'us-east-1', '--account-id', '123456789012'], { 'flows.yaml': FLOWS_YAML });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect({ file: out.file, checked: out.checked, exitCode: out.exitCode }).toEqual({ file: 'flows.yaml', checked: 'as written', exitCode: 1 });
    const at = (f: Finding) => ({ sm: f.stateMachine, path: f.statePath, line: f.line, column: f.column });
    expect(out.coldPaths.map(at)).toEqual([
      // A Definition object: the key that names the function.
      { sm: 'ObjectFlow', path: 'States.Fan.Branches[0].States.Deep', ...where(FLOWS_YAML, 'FunctionName: !GetAtt Fn.Arn') },
      // A literal block (|): the line and column inside the definition's own text.
      { sm: 'BlockFlow', path: 'States.First', ...where(FLOWS_YAML, '${Fn.Arn}', '"First": {') },
      { sm: 'BlockFlow', path: 'States.Second', ...where(FLOWS_YAML, '${Fn.Arn}:$LATEST') },
      // Fn::Join: the piece, and the column in it.
      { sm: 'JoinFlow', path: 'States.J', ...where(FLOWS_YAML, 'arn:aws:lambda:us-east-1:123456789012:function:my-fn') },
    ]);
    expect(out.coldPaths[0]).toMatchObject({
      file: 'flows.yaml',
      state: 'Deep',
      templatePath: 'Resources/ObjectFlow/Properties/Definition',
      function: 'Fn',
      invokes: '{Fn.Arn}',
      warmTarget: '{Live}',
    });
    expect(out.coldPaths[0].message).toBe('invokes {Fn.Arn} (unqualified: $LATEST), not {Live}, which has the provisioned concurrency of Fn');
    expect(out.notChecked.map(at)).toEqual([
      // FunctionName.$: the state itself.
      { sm: 'ObjectFlow', path: 'States.Dyn', ...where(FLOWS_YAML, 'Dyn:', 'Next: Dyn') },
      // DefinitionS3Location: the property.
      { sm: 'Stored', path: undefined, ...where(FLOWS_YAML, 'DefinitionS3Location:') },
    ]);
    expect(out.macroFails).toEqual([]);
  });

  it('a JSON template: the line of the key, and in a DefinitionString the column of the value inside the escaped string', async () => {
    const template = {
      Resources: {
        ...(JSON.parse(JSON.stringify(yamlResources())) as object),
        Flow: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            RoleArn: 'arn:aws:iam::123456789012:role/flow',
            DefinitionString: {
              'Fn::Sub': [
                '{"Comment": "a \\"quoted\\" \\u00e9 comment",\n "StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${fn}", "End": true}}}',
                { fn: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
              ],
            },
          },
        },
        Obj: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            RoleArn: 'arn:aws:iam::123456789012:role/flow',
            Definition: { StartAt: 'B', States: { B: { Type: 'Task', Resource: { 'Fn::GetAtt': ['Fn', 'Arn'] }, End: true } } },
          },
        },
      },
    };
    const text = JSON.stringify(template, null, 2);
    const r = await cli(['check', 't.json', '--format', 'json'], { 't.json': text });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.coldPaths.map((f) => [f.stateMachine, f.line, f.column])).toEqual([
      ['Flow', ...Object.values(where(text, '${fn}'))],
      ['Obj', ...Object.values(where(text, '"Resource": {', '"Obj"'))],
    ]);
  });

  it('nothing cold, something not checked: exit 2, and the JSON says so', async () => {
    const body = `Resources:\n${FUNCTIONS_YAML}  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: r\n      DefinitionUri: s3://b/k\n`;
    const r = await cli(['check', 't.yaml', '--format', 'json'], { 't.yaml': body });
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out).toMatchObject({
      exitCode: 2,
      coldPaths: [],
      notChecked: [{ stateMachine: 'Flow', templatePath: 'Resources/Flow/Properties/DefinitionUri', ...where(body, 'DefinitionUri:') }],
    });
  });

  it('no cold path: exit 0, empty lists', async () => {
    const body = `Transform: WarmStepFunctions\nResources:\n${FUNCTIONS_YAML}  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: r\n      Definition: {StartAt: A, States: {A: {Type: Task, Resource: !GetAtt Fn.Arn, End: true}}}\n`;
    const r = await cli(['check', 't.yaml', '--format', 'json'], { 't.yaml': body });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      file: 't.yaml',
      checked: 'after WarmStepFunctions',
      exitCode: 0,
      failsAtRunTime: [],
      coldPaths: [],
      notChecked: [],
      macroFails: [],
    });
  });

  it('the macro fails (two warm aliases, no AliasName): exit 1, the failure on stderr and as findings with their place', async () => {
    const body = `Transform: WarmStepFunctions\nResources:\n${FUNCTIONS_YAML}  Blue:\n    Type: AWS::Lambda::Alias\n    Properties:\n      FunctionName: !Ref Fn\n      FunctionVersion: !GetAtt Ver.Version\n      Name: blue\n      ProvisionedConcurrencyConfig:\n        ProvisionedConcurrentExecutions: 1\n  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: r\n      Definition: {StartAt: A, States: {A: {Type: Task, Resource: !GetAtt Fn.Arn, End: true}}}\n`;
    const r = await cli(['check', 't.yaml', '--format', 'json'], { 't.yaml': body });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^WarmStepFunctions failed: Resource with id \[Flow\] is invalid\./);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.macroFails).toEqual([
      expect.objectContaining({
        stateMachine: 'Flow',
        line: where(body, 'Definition:').line,
        message: expect.stringMatching(/^WarmStepFunctions fails: .*Live \(Name: live\), Blue \(Name: blue\)/),
      }),
    ]);
  });

  it('invalid Transform parameters: still JSON on stdout', async () => {
    const r = await cli(['check', 't.yaml', '--format', 'json', '--param', 'Mode=fast'], {
      't.yaml': `Transform: WarmStepFunctions\nResources:\n${FUNCTIONS_YAML}`,
    });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as JsonOut).macroFails).toEqual([
      expect.objectContaining({ templatePath: 'Transform/WarmStepFunctions/Parameters', line: 1 }),
    ]);
  });

  it('--format text is the default text', async () => {
    const a = await cli(['check', 'flows.yaml'], { 'flows.yaml': FLOWS_YAML });
    const b = await cli(['check', 'flows.yaml', '--format', 'text'], { 'flows.yaml': FLOWS_YAML });
    expect(b).toEqual(a);
    expect(a.stdout).toMatch(/^4 cold paths \(as written\):\n/);
  });
});

function yamlResources(): Record<string, unknown> {
  return {
    Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'my-fn' } },
    Ver: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
    Live: {
      Type: 'AWS::Lambda::Alias',
      Properties: {
        FunctionName: { Ref: 'Fn' },
        FunctionVersion: { 'Fn::GetAtt': ['Ver', 'Version'] },
        Name: 'live',
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The examples: every cold path points at the text that invokes the function

describe('check --format json on the bundled examples, their Transform removed', () => {
  const examples = [
    'serverless-seed/compiled.json',
    'serverless-rich/compiled.json',
    'serverless-exact-version/compiled.json',
    'cdk/compiled.json',
    'cloudformation/template.yaml',
    'sam/template.yaml',
  ];
  it.each(examples)('%s', async (example) => {
    const original = readFileSync(join(ROOT, 'template', 'examples', example), 'utf8');
    const text = example.endsWith('.json')
      ? JSON.stringify({ ...(JSON.parse(original) as object), Transform: undefined }, null, 2)
      : original.replace(/^Transform:\n(?: {2}- .*\n)+|^Transform: .*\n/m, '');
    const r = await cli(['check', example, '--format', 'json'], { [example]: text });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.coldPaths.length).toBeGreaterThan(0);
    const lines = text.split('\n');
    for (const f of out.coldPaths) {
      const at = lines[f.line - 1].slice(f.column - 1);
      // The key that names the function, the reference inside a definition's text, or the reference itself.
      expect({ state: f.statePath, at: at.slice(0, 40) }).toEqual({
        state: f.statePath,
        at: expect.stringMatching(/^(Resource|FunctionName|"Resource"|"FunctionName"|\$\{|arn:|\{)/),
      });
    }
  });
});
