/**
 * Whether a resource that is no state machine mentions one (macro/core/template/mentions.ts), read in the
 * nesting check's walk: the cycle check of every rewrite is skipped when none does, so the answer must never
 * be "none" while the template has such a dependency. The property checks it against the independent reading
 * of the dependency graph of the property tests (test/support/cycles.ts).
 */
import fc from 'fast-check';
import { checkNesting } from '../../../../macro/limits';
import { Mentions, stateMachineIds } from '../../../../macro/core/template/mentions';
import { STATE_MACHINE_TYPES } from '../../../../macro/core/template/read';
import type { Json, JsonObject } from '../../../../macro/types';
import { dependencyGraph } from '../../../support/cycles';

/** What the nesting check's walk finds in `template`. */
function found(template: JsonObject): boolean {
  const mentions = new Mentions(stateMachineIds(template));
  checkNesting(template, undefined, 0, undefined, mentions);
  return mentions.found;
}

const sm = (props: JsonObject = {}, extra: JsonObject = {}): JsonObject => ({ Type: 'AWS::StepFunctions::StateMachine', Properties: props, ...extra });
const fn = (props: JsonObject = {}, extra: JsonObject = {}): JsonObject => ({ Type: 'AWS::Lambda::Function', Properties: props, ...extra });

describe('Mentions: does a resource that is no state machine mention a state machine?', () => {
  test.each<[string, Json]>([
    ['Ref', { Ref: 'Flow' }],
    ['Ref beside other keys', { Ref: 'Flow', Other: 1 }],
    ['Fn::GetAtt as a list', { 'Fn::GetAtt': ['Flow', 'Name'] }],
    ['Fn::GetAtt as a string', { 'Fn::GetAtt': 'Flow.Name' }],
    ['${X} in Fn::Sub', { 'Fn::Sub': 'arn:${AWS::Partition}:states:::${Flow}' }],
    ['${X.Attr} in an Fn::Sub list', { 'Fn::Sub': ['${Flow.Name}-${v}', { v: 'x' }] }],
    ['deep in a list in Fn::If', { 'Fn::If': ['C', [{ a: [{ b: { Ref: 'Flow' } }] }], 'x'] }],
  ])('%s: yes', (_, value) => {
    expect(found({ Resources: { Flow: sm(), Worker: fn({ Environment: { Variables: { FLOW: value } } }) } })).toBe(true);
  });

  test('DependsOn as a string and as a list: yes', () => {
    expect(found({ Resources: { Flow: sm(), Worker: fn({}, { DependsOn: 'Flow' }) } })).toBe(true);
    expect(found({ Resources: { Flow: sm(), Worker: fn({}, { DependsOn: ['Other', 'Flow'] }) } })).toBe(true);
  });

  test('a state machine mentioning another (a nested workflow), Outputs, escapes, pseudo parameters, plain strings: no', () => {
    const template: JsonObject = {
      Resources: {
        Flow: sm({ DefinitionString: { 'Fn::Sub': '{"StateMachineArn": "${Child}", "Literal": "${!Worker}"}' } }),
        Child: sm({ RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } }),
        Worker: fn({ Environment: { Variables: { NAME: 'Flow', TEXT: { 'Fn::Sub': '${!Flow} in ${AWS::Region}' } } } }),
        Role: { Type: 'AWS::IAM::Role', Properties: { Policies: [{ Resource: { 'Fn::GetAtt': ['Worker', 'Arn'] } }] } },
      },
      Outputs: { FlowArn: { Value: { Ref: 'Flow' } } },
    };
    expect(found(template)).toBe(false);
  });

  test('a template without state machines is not watched at all', () => {
    expect(stateMachineIds({ Resources: { Worker: fn({}, { DependsOn: 'Worker' }) } }).size).toBe(0);
    expect([...stateMachineIds({ Resources: { A: sm(), B: { Type: 'AWS::Serverless::StateMachine' }, C: 'not a resource', D: {} } })]).toEqual(['A', 'B']);
  });

  // The cycle check of every rewrite is skipped on "no": it must never say so while a resource that is no state
  // machine depends on a state machine, directly or through others.
  test('property: "no" only when no chain of dependencies leads from a resource that is no state machine to one', () => {
    const ids = ['A', 'B', 'C', 'D', 'E', 'F'];
    const id = fc.constantFrom(...ids, 'A.Alias', 'B.Arn', 'Missing');
    const reference = fc.oneof(
      id.map((x): Json => ({ Ref: x })),
      id.map((x): Json => ({ 'Fn::GetAtt': [x.split('.')[0], 'Arn'] })),
      id.map((x): Json => ({ 'Fn::GetAtt': `${x.split('.')[0]}.Arn` })),
      fc.tuple(id, fc.constantFrom('', '!', 'AWS::Region}${')).map(([x, p]): Json => ({ 'Fn::Sub': `arn:\${${p}${x}}:*` })),
      fc.tuple(id, id).map(([x, v]): Json => ({ 'Fn::Sub': [`\${v}\${${x}}`, { v: { Ref: v } }] })),
      fc.constantFrom<Json>('plain', 1, null),
    );
    const value: fc.Arbitrary<Json> = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        reference,
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'Ref'), tie('value'), { maxKeys: 2 }),
      ),
    })).value as fc.Arbitrary<Json>;
    const resource = fc.record({
      Type: fc.constantFrom(...STATE_MACHINE_TYPES, 'AWS::Lambda::Function', 'AWS::Lambda::Alias', 'AWS::IAM::Role', 'Custom::Thing'),
      Properties: fc.dictionary(fc.constantFrom('P', 'Q'), value, { maxKeys: 2 }),
      DependsOn: fc.option(fc.oneof(id, fc.array(id, { maxLength: 2 })), { nil: undefined }),
    });
    const template = fc.dictionary(fc.constantFrom(...ids), resource, { minKeys: 1 }).map((resources): JsonObject => {
      const out: JsonObject = {};
      for (const [k, r] of Object.entries(resources)) out[k] = JSON.parse(JSON.stringify(r));
      return { Resources: out, Outputs: { O: { Value: { Ref: 'A' } } } };
    });
    let no = 0;
    let yes = 0;
    fc.assert(
      fc.property(template, (t) => {
        const resources = t.Resources as Record<string, JsonObject>;
        const isMachine = (x: string): boolean => STATE_MACHINE_TYPES.has(resources[x]?.Type as string);
        const graph = dependencyGraph(t);
        // Every resource that is no state machine, and what it depends on, through any number of resources.
        let reaches = false;
        for (const start of Object.keys(resources)) {
          if (isMachine(start)) continue;
          const seen = new Set([start]);
          const queue = [start];
          while (queue.length && !reaches) {
            for (const next of graph.get(queue.shift() as string) ?? []) {
              if (isMachine(next)) reaches = true;
              else if (!seen.has(next)) {
                seen.add(next);
                queue.push(next);
              }
            }
          }
        }
        const answer = found(t);
        if (answer) yes++;
        else no++;
        if (reaches) expect(answer).toBe(true);
      }),
      { numRuns: 600, seed: 20261208 },
    );
    // Both answers were given, so the property checked something on each side.
    expect(no).toBeGreaterThan(50);
    expect(yes).toBeGreaterThan(50);
  });
});
