/**
 * The slot finder and the decisions on the shapes of issue 18 (points 3, 4, 6) and issue 19 (point 5):
 * Fn::If above a slot, exact versions in any spelling, Qualifier next to FunctionName, Fn::ToJsonString.
 */
import { readDefinition } from '../../../../macro/core/definition/read';
import { findSlots } from '../../../../macro/core/definition/slots';
import { transform } from '../../../../macro/core/transform';
import type { Decision, Json, JsonObject } from '../../../../macro/types';

const task = (resource: Json, extra: JsonObject = {}): JsonObject => ({ Type: 'Task', Resource: resource, End: true, ...extra });
const invoke = (params: Json, key = 'Parameters'): JsonObject => ({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', [key]: params, End: true });

function scan(definition: JsonObject) {
  return findSlots(readDefinition('M', 'Definition', definition, undefined).root);
}

describe('findSlots follows Fn::If above a slot into both branches', () => {
  test('a whole state: one slot per branch, each with the condition that chooses it', () => {
    const s = scan({ StartAt: 'A', States: { A: { 'Fn::If': ['C', task({ 'Fn::GetAtt': ['F', 'Arn'] }), invoke({ FunctionName: { Ref: 'G' } })] } } });
    expect(s.slots.map((x) => [x.statePath, x.field, x.when])).toEqual([
      ['States.A', 'Resource', [{ condition: 'C', value: true }]],
      ['States.A', 'Parameters.FunctionName', [{ condition: 'C', value: false }]],
    ]);
    // The write path goes through the Fn::If: edits land in the right branch.
    expect(s.slots.map((x) => x.leaf.loc)).toEqual([
      { kind: 'value', path: ['States', 'A', 'Fn::If', 1, 'Resource'] },
      { kind: 'value', path: ['States', 'A', 'Fn::If', 2, 'Parameters', 'FunctionName'] },
    ]);
  });

  test('a whole Parameters, a States map, a Parallel branch with AWS::NoValue, nested Fn::If on the same condition', () => {
    const s = scan({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          End: true,
          Branches: [
            { StartAt: 'X', States: { 'Fn::If': ['D', { X: task({ Ref: 'F' }) }, { X: task({ Ref: 'G' }) }] } },
            {
              'Fn::If': [
                'C',
                { StartAt: 'Y', States: { Y: invoke({ 'Fn::If': ['C', { FunctionName: 'a' }, { FunctionName: 'b' }] }) } },
                { Ref: 'AWS::NoValue' },
              ],
            },
          ],
        },
      },
    });
    expect(s.slots.map((x) => `${x.statePath} ${JSON.stringify(x.when)}`)).toEqual([
      'States.P.Branches[0].States.X [{"condition":"D","value":true}]',
      'States.P.Branches[0].States.X [{"condition":"D","value":false}]',
      // Inside the branch where C is true, only the C-true Parameters can be chosen.
      'States.P.Branches[1].States.Y [{"condition":"C","value":true}]',
    ]);
  });

  test('a value filled in at deploy time where a state or Parameters stands is a note, not silence', () => {
    const s = scan({ StartAt: 'A', States: { A: { Ref: 'StateParam' }, B: invoke({ 'Fn::FindInMap': ['M', 'k', 'v'] }) } });
    expect(s.slots).toEqual([]);
    expect(s.notes.map((n) => [n.statePath, n.kind])).toEqual([
      ['States.A', 'deploy-time'],
      ['States.B', 'deploy-time'],
    ]);
    expect(s.notes[0].message).toContain('CloudFormation fills in at deploy time');
    // The same in a definition text: a bare ${Var} where a JSON value stands.
    const text = readDefinition(
      'M',
      'DefinitionString',
      { 'Fn::Sub': ['{"StartAt":"A","States":{"A":${S}}}', { S: { 'Fn::If': ['C', '{"Type":"Pass","End":true}', '{"Type":"Pass","End":true}'] } }] },
      undefined,
    );
    expect(findSlots(text.root).notes.map((n) => [n.statePath, n.kind])).toEqual([['States.A', 'deploy-time']]);
  });
});

/** A template: F (warm alias FLive on version FV), G cold; a role that grants F and G. */
function template(definition: JsonObject, property: 'Definition' | 'DefinitionString' = 'Definition', value?: Json): JsonObject {
  return {
    Conditions: { C: { 'Fn::Equals': ['a', 'b'] } },
    Resources: {
      F: {
        Type: 'AWS::Lambda::Function',
        Properties: { Runtime: 'nodejs20.x', Handler: 'i.h', Role: 'arn:aws:iam::123456789012:role/r', Code: { ZipFile: 'x' } },
      },
      G: {
        Type: 'AWS::Lambda::Function',
        Properties: { Runtime: 'nodejs20.x', Handler: 'i.h', Role: 'arn:aws:iam::123456789012:role/r', Code: { ZipFile: 'x' } },
      },
      FV: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'F' } } },
      Old: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'F' } } },
      FLive: {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { Ref: 'F' },
          FunctionVersion: { 'Fn::GetAtt': ['FV', 'Version'] },
          Name: 'live',
          ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
        },
      },
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {},
          Policies: [
            {
              PolicyName: 'p',
              PolicyDocument: {
                Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [{ 'Fn::GetAtt': ['F', 'Arn'] }, { 'Fn::GetAtt': ['G', 'Arn'] }] }],
              },
            },
          ],
        },
      },
      M: { Type: 'AWS::StepFunctions::StateMachine', Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] }, [property]: value ?? definition } },
    },
  };
}

function run(t: JsonObject): { def: Json; decisions: Decision[] } {
  const r = transform(t, { region: 'us-east-1', accountId: '123456789012' });
  const props = ((r.fragment as JsonObject).Resources as Record<string, JsonObject>).M.Properties as JsonObject;
  return { def: props.Definition ?? props.DefinitionString, decisions: r.report.decisions.filter((d) => d.statePath !== undefined) };
}

describe('decisions per branch', () => {
  test('each branch of a whole state is rewritten or reported, and the report says which branch', () => {
    const { def, decisions } = run(
      template({ StartAt: 'A', States: { A: { 'Fn::If': ['C', task({ 'Fn::GetAtt': ['F', 'Arn'] }), task({ 'Fn::GetAtt': ['G', 'Arn'] })] } } }),
    );
    expect((def as any).States.A['Fn::If'][1].Resource).toEqual({ Ref: 'FLive' });
    expect((def as any).States.A['Fn::If'][2].Resource).toEqual({ 'Fn::GetAtt': ['G', 'Arn'] });
    expect(decisions.map((d) => [d.action, d.when])).toEqual([
      ['rewritten', [{ condition: 'C', value: true }]],
      ['cold', [{ condition: 'C', value: false }]],
    ]);
    expect(decisions[1].reason).toBe('function G has no provisioned concurrency (where C is false: Fn::If, resolved at deploy time)');
  });

  test('an Fn::If of two cold functions in one FunctionName is reported, not silent', () => {
    const { decisions } = run(template({ StartAt: 'A', States: { A: invoke({ FunctionName: { 'Fn::If': ['C', { Ref: 'G' }, { Ref: 'G' }] } }) } }));
    expect(decisions).toHaveLength(1);
    expect(decisions[0].action).toBe('cold');
    expect(decisions[0].reason).toContain('Fn::If on C (resolved at deploy time)');
  });
});

test('a Definition that is an Fn::If of two definitions: each is read and rewritten in place', () => {
  const a = { StartAt: 'A', States: { A: task({ 'Fn::GetAtt': ['F', 'Arn'] }) } };
  const { def, decisions } = run(template({ 'Fn::If': ['C', a, { StartAt: 'B', States: { B: task({ 'Fn::GetAtt': ['G', 'Arn'] }) } }] }));
  expect((def as any)['Fn::If'][1].States.A.Resource).toEqual({ Ref: 'FLive' });
  expect((def as any)['Fn::If'][2].States.B.Resource).toEqual({ 'Fn::GetAtt': ['G', 'Arn'] });
  expect(decisions.map((d) => [d.statePath, d.action])).toEqual([
    ['States.A', 'rewritten'],
    ['States.B', 'cold'],
  ]);
});

describe('exact versions in any spelling move to the warm alias', () => {
  test.each([
    ['Fn::Sub with ${F.Arn}', { 'Fn::Sub': '${F.Arn}:${FV.Version}' }],
    ['Fn::Sub with ${F}', { 'Fn::Sub': '${F}:${FV.Version}' }],
    ['Fn::Join ":"', { 'Fn::Join': [':', [{ 'Fn::GetAtt': ['F', 'Arn'] }, { 'Fn::GetAtt': ['FV', 'Version'] }]] }],
    ['Fn::Join ""', { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['F', 'Arn'] }, ':', { 'Fn::GetAtt': ['FV', 'Version'] }]] }],
    ['a full ARN', { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${F}:${FV.Version}' }],
  ])('%s', (_name, value) => {
    const { def, decisions } = run(template({ StartAt: 'A', States: { A: invoke({ FunctionName: value as Json }) } }));
    expect((def as any).States.A.Parameters.FunctionName).toEqual({ Ref: 'FLive' });
    expect(decisions.map((d) => d.action)).toEqual(['rewritten']);
  });

  test('a version no warm alias points to stays, reported cold', () => {
    const { def, decisions } = run(template({ StartAt: 'A', States: { A: invoke({ FunctionName: { 'Fn::Sub': '${F.Arn}:${Old.Version}' } }) } }));
    expect((def as any).States.A.Parameters.FunctionName).toEqual({ 'Fn::Sub': '${F.Arn}:${Old.Version}' });
    expect(decisions.map((d) => [d.action, d.reason])).toEqual([
      ['cold', 'invokes Old, which has no provisioned concurrency (that is on FLive); an explicit qualifier is left as it is'],
    ]);
  });
});

describe('Qualifier next to FunctionName counts as qualified', () => {
  const withQualifier = (q: Json, key = 'Parameters') =>
    template({ StartAt: 'A', States: { A: invoke({ FunctionName: { 'Fn::GetAtt': ['F', 'Arn'] }, Qualifier: q }, key) } });

  test.each([
    ['Parameters', '$LATEST'],
    ['Arguments', '$LATEST'],
    ['Parameters', { 'Fn::GetAtt': ['FV', 'Version'] }],
  ])('%s.Qualifier %j moves to the warm alias name, and IAM allows the qualified ARN', (key, q) => {
    const r = transform(withQualifier(q as Json, key), { region: 'us-east-1', accountId: '123456789012' });
    const res = (r.fragment as JsonObject).Resources as Record<string, any>;
    expect(res.M.Properties.Definition.States.A[key].Qualifier).toBe('live');
    expect(res.M.Properties.Definition.States.A[key].FunctionName).toEqual({ 'Fn::GetAtt': ['F', 'Arn'] });
    // The qualified ARN F:live is FLive's ARN.
    expect(JSON.stringify(res.Role.Properties.Policies)).toContain('{"Ref":"FLive"}');
    expect(r.report.decisions.find((d) => d.statePath === 'States.A')).toMatchObject({ action: 'rewritten', to: 'live' });
  });

  test('the warm alias name is warm already; another alias or version is an explicit choice, reported cold', () => {
    expect(run(withQualifier('live')).decisions.map((d) => d.action)).toEqual(['unchanged']);
    const cold = run(withQualifier({ 'Fn::GetAtt': ['Old', 'Version'] }));
    expect(cold.decisions.map((d) => [d.action, d.reason])).toEqual([
      ['cold', 'Parameters.Qualifier invokes Old, which has no provisioned concurrency (that is on FLive); an explicit qualifier is left as it is'],
    ]);
    expect(run(withQualifier('7')).decisions.map((d) => d.action)).toEqual(['cold']);
  });

  test('a Qualifier.$ on a warm function is a warning (computed at run time)', () => {
    const t = template({ StartAt: 'A', States: { A: invoke({ FunctionName: { 'Fn::GetAtt': ['F', 'Arn'] }, 'Qualifier.$': '$.q' }) } });
    const { decisions } = run(t);
    expect(decisions.map((d) => d.action)).toEqual(['warning']);
    expect(decisions[0].reason).toContain('Parameters.Qualifier.$ is computed at run time');
  });
});

describe('Fn::ToJsonString', () => {
  test('the object inside is read as the definition and written back in the same form', () => {
    const inner = { StartAt: 'A', States: { A: task({ 'Fn::GetAtt': ['F', 'Arn'] }) } };
    const { def, decisions } = run(template({}, 'DefinitionString', { 'Fn::ToJsonString': inner }));
    expect(def).toEqual({ 'Fn::ToJsonString': { StartAt: 'A', States: { A: task({ Ref: 'FLive' }) } } });
    expect(decisions.map((d) => d.action)).toEqual(['rewritten']);
  });

  test('an Fn::If choosing between two definitions inside it is read too', () => {
    const a = { StartAt: 'A', States: { A: task({ 'Fn::GetAtt': ['F', 'Arn'] }) } };
    const { def } = run(template({}, 'DefinitionString', { 'Fn::ToJsonString': { 'Fn::If': ['C', a, a] } }));
    expect((def as any)['Fn::ToJsonString']['Fn::If'][2].States.A.Resource).toEqual({ Ref: 'FLive' });
  });

  test('what it cannot read names the transform order that avoids the failure', () => {
    const order = /list AWS::LanguageExtensions before WarmStepFunctions in Transform \(CloudFormation runs transforms in the order listed/;
    // Touching a warm function: an error.
    expect(() => transform(template({}, 'DefinitionString', { 'Fn::ToJsonString': [{ 'Fn::GetAtt': ['F', 'Arn'] }] }), {})).toThrow(order);
    // Touching none: a warning, the definition left as it is.
    const r = transform(template({}, 'DefinitionString', { 'Fn::ToJsonString': { 'Fn::FindInMap': ['Defs', 'prod', 'flow'] } }), {});
    const warnings = r.report.decisions.filter((d) => d.action === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].reason).toMatch(order);
    expect(warnings[0].reason).toContain('an Fn::ToJsonString of an Fn::FindInMap');
  });
});

describe('a placeholder where a state, a branch or a processor belongs is reported, not passed over', () => {
  // SAM writes a whole state chosen by Fn::If in a Definition as `"Step": "${definition_substitution_N}"`,
  // with the Fn::If as the substitution's value: the invocation inside is filled in at deploy time.
  const text = (states: JsonObject): string => JSON.stringify({ StartAt: 'A', States: states });
  const chosen = { 'Fn::If': ['C', invoke({ FunctionName: { 'Fn::GetAtt': ['F', 'Arn'] } }), { Type: 'Pass', End: true }] };
  const cases: [string, JsonObject, string][] = [
    ['a state', { A: '${definition_substitution_1}' } as unknown as JsonObject, 'state States.A'],
    [
      "a Parallel's branch",
      { A: { Type: 'Parallel', Branches: ['${definition_substitution_1}'], End: true } } as unknown as JsonObject,
      'States.A.Branches[0]',
    ],
    ["a Map's processor", { A: { Type: 'Map', ItemProcessor: '${definition_substitution_1}', End: true } } as unknown as JsonObject, 'States.A.ItemProcessor'],
  ];
  test.each(cases)('%s: a deploy-time note, as in a Definition object', (_what, states, where) => {
    const { slots, notes } = findSlots(readDefinition('M', 'DefinitionString', text(states), { definition_substitution_1: chosen }).root);
    expect(slots).toEqual([]);
    expect(notes.map((n) => [n.kind, n.message.startsWith(`${where} is `)])).toEqual([['deploy-time', true]]);
  });

  test('through the whole run: the state is a warning in the report, and Mode strict fails on it', () => {
    const t = template({}, 'DefinitionString', text({ A: '${definition_substitution_1}' } as unknown as JsonObject));
    ((t.Resources as Record<string, JsonObject>).M.Properties as JsonObject).DefinitionSubstitutions = { definition_substitution_1: chosen };
    const { decisions } = run(t);
    expect(decisions.map((d) => [d.action, d.statePath])).toEqual([['warning', 'States.A']]);
    expect(() => transform(t, { region: 'us-east-1', accountId: '123456789012', mode: 'strict' })).toThrow(/States\.A/);
  });
});
