/**
 * CloudFormation Conditions (macro/cfn/conditions.ts): which truth values a template's conditions can take
 * together, checked on hand-written cases and against an independent evaluator that tries every parameter value.
 */
import fc from 'fast-check';
import { ConditionLogic, MAX_WORLDS, type Assignment } from '../../../macro/cfn/conditions';
import type { Json, JsonObject } from '../../../macro/types';

const of = (pairs: Record<string, boolean>): Assignment => new Map(Object.entries(pairs));
const eq = (p: string, v: Json): JsonObject => ({ 'Fn::Equals': [{ Ref: p }, v] });
const cond = (name: string): JsonObject => ({ Condition: name });
const not = (x: Json): JsonObject => ({ 'Fn::Not': [x] });

describe('ConditionLogic', () => {
  test('a condition and a condition that negates it are never both true nor both false', () => {
    const logic = new ConditionLogic({ IsProd: eq('Stage', 'prod'), IsNotProd: not(cond('IsProd')) });
    expect(logic.possible(of({ IsProd: true, IsNotProd: false }))).toBe(true);
    expect(logic.possible(of({ IsProd: false, IsNotProd: true }))).toBe(true);
    expect(logic.possible(of({ IsProd: false, IsNotProd: false }))).toBe(false);
    expect(logic.possible(of({ IsProd: true, IsNotProd: true }))).toBe(false);
  });

  test('two comparisons of one parameter with different values never hold together, in either order of arguments', () => {
    const logic = new ConditionLogic({
      IsProd: eq('Stage', 'prod'),
      IsDev: { 'Fn::Equals': ['dev', { Ref: 'Stage' }] },
      AlsoProd: { 'Fn::Equals': ['prod', { Ref: 'Stage' }] },
    });
    expect(logic.possible(of({ IsProd: true, IsDev: true }))).toBe(false);
    expect(logic.possible(of({ IsProd: false, IsDev: false }))).toBe(true);
    // The same comparison written the other way round is the same one.
    expect(logic.possible(of({ IsProd: true, AlsoProd: false }))).toBe(false);
    expect(logic.possible(of({ IsProd: false, AlsoProd: false }))).toBe(true);
  });

  test("a parameter's AllowedValues: another value is never equal, and one of them always is", () => {
    const conditions = { IsProd: eq('Stage', 'prod'), IsDev: eq('Stage', 'dev'), IsQa: eq('Stage', 'qa') };
    const two = new ConditionLogic(conditions, { Stage: { Type: 'String', AllowedValues: ['prod', 'dev'] } });
    expect(two.possible(of({ IsProd: false, IsDev: false }))).toBe(false);
    expect(two.possible(of({ IsQa: true }))).toBe(false);
    expect(two.exhaustive([[{ condition: 'IsProd', negate: false }], [{ condition: 'IsDev', negate: false }]])).toBe(true);
    const three = new ConditionLogic(conditions, { Stage: { Type: 'String', AllowedValues: ['prod', 'dev', 'test'] } });
    expect(three.possible(of({ IsProd: false, IsDev: false }))).toBe(true);
    expect(three.exhaustive([[{ condition: 'IsProd', negate: false }], [{ condition: 'IsDev', negate: false }]])).toBe(false);
    // Without AllowedValues, any other value is possible.
    expect(new ConditionLogic(conditions).possible(of({ IsProd: false, IsDev: false, IsQa: false }))).toBe(true);
    // A number parameter compares as its text.
    const n = new ConditionLogic({ One: eq('N', 1), Two: eq('N', '2') }, { N: { Type: 'Number', AllowedValues: [1, 2] } });
    expect(n.possible(of({ One: false, Two: false }))).toBe(false);
    expect(n.possible(of({ One: true, Two: true }))).toBe(false);
  });

  test('Fn::And, Fn::Or and constants', () => {
    const logic = new ConditionLogic({
      IsProd: eq('Stage', 'prod'),
      InUsEast1: eq('AWS::Region', 'us-east-1'),
      ProdEast: { 'Fn::And': [cond('IsProd'), cond('InUsEast1')] },
      ProdOrEast: { 'Fn::Or': [cond('IsProd'), cond('InUsEast1')] },
      Never: { 'Fn::Equals': ['a', 'b'] },
      Always: { 'Fn::Equals': [1, '1'] },
    });
    expect(logic.possible(of({ ProdEast: true, IsProd: false }))).toBe(false);
    expect(logic.possible(of({ ProdEast: false, IsProd: true }))).toBe(true);
    expect(logic.possible(of({ ProdOrEast: false, InUsEast1: true }))).toBe(false);
    expect(logic.possible(of({ Never: true }))).toBe(false);
    expect(logic.possible(of({ Always: false }))).toBe(false);
    expect(logic.possible(of({ Always: true, Never: false }))).toBe(true);
  });

  test('what it cannot read is free: an undefined condition, a circle, a comparison of two computed values', () => {
    const logic = new ConditionLogic({
      A: cond('B'),
      B: cond('A'),
      Computed: { 'Fn::Equals': [{ 'Fn::Select': [0, { Ref: 'List' }] }, { Ref: 'Other' }] },
      NotComputed: not({ 'Fn::Equals': [{ Ref: 'Other' }, { 'Fn::Select': [0, { Ref: 'List' }] }] }),
    });
    for (const v of [true, false]) {
      expect(logic.possible(of({ Missing: v }))).toBe(true);
      expect(logic.possible(of({ A: v }))).toBe(true);
      expect(logic.possible(of({ Computed: v, Missing: !v }))).toBe(true);
    }
    // Two computed values compared alike, in either order, are one comparison.
    expect(logic.possible(of({ Computed: true, NotComputed: true }))).toBe(false);
  });

  test('filter keeps the combinations that can hold, and all of them when there are too many worlds to try', () => {
    const logic = new ConditionLogic({ IsProd: eq('Stage', 'prod'), IsNotProd: not(cond('IsProd')) });
    const all = [
      of({ IsNotProd: false, IsProd: false }),
      of({ IsNotProd: false, IsProd: true }),
      of({ IsNotProd: true, IsProd: false }),
      of({ IsNotProd: true, IsProd: true }),
    ];
    expect(logic.filter(all)).toEqual([all[1], all[2]]);
    const many: JsonObject = {};
    for (let k = 0; k <= Math.log2(MAX_WORLDS); k++) many[`C${k}`] = eq(`P${k}`, 'x');
    many.Any = { 'Fn::Or': Object.keys(many).map(cond) };
    const wide = new ConditionLogic(many);
    expect(wide.possible(of({ Any: true, C0: false }))).toBe(true);
    expect(wide.filter([of({ Any: false, C0: true }), of({ Any: true, C0: true })])).toHaveLength(2);
    expect(wide.exhaustive([[{ condition: 'Any', negate: false }], [{ condition: 'Any', negate: true }]])).toBe(false);
  });

  test('exhaustive: a condition and its negation (a guard of its own, or an Fn::If false branch) leave no case out', () => {
    const logic = new ConditionLogic({ IsProd: eq('Stage', 'prod'), IsNotProd: not(cond('IsProd')), IsDev: eq('Stage', 'dev') });
    expect(logic.exhaustive([[{ condition: 'IsProd', negate: false }], [{ condition: 'IsNotProd', negate: false }]])).toBe(true);
    expect(logic.exhaustive([[{ condition: 'IsProd', negate: false }], [{ condition: 'IsProd', negate: true }]])).toBe(true);
    expect(logic.exhaustive([[{ condition: 'IsProd', negate: false }], [{ condition: 'IsDev', negate: false }]])).toBe(false);
  });

  test('property: possible agrees with evaluating the conditions for every value of the parameters', () => {
    // Two parameters, one with AllowedValues; conditions over comparisons of them, each may use the ones before it.
    const VALUES = ['a', 'b', 'c'];
    const param = fc.constantFrom('P', 'Q');
    const leaf = fc.oneof(
      fc.tuple(param, fc.constantFrom(...VALUES, 'z')).map(([p, v]) => eq(p, v)),
      fc.tuple(fc.constantFrom(...VALUES), fc.constantFrom(...VALUES)).map(([x, y]) => ({ 'Fn::Equals': [x, y] }) as JsonObject),
    );
    const formula = (names: string[]): fc.Arbitrary<Json> =>
      fc.letrec<{ f: Json }>((tie) => ({
        f: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          leaf,
          ...(names.length ? [fc.constantFrom(...names).map(cond)] : []),
          tie('f').map(not),
          fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((xs) => ({ 'Fn::And': xs }) as JsonObject),
          fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((xs) => ({ 'Fn::Or': xs }) as JsonObject),
        ),
      })).f;
    const section = fc.tuple(formula([]), formula(['C0']), formula(['C0', 'C1'])).map(([c0, c1, c2]): JsonObject => ({ C0: c0, C1: c1, C2: c2 }));
    const parameters = { P: { Type: 'String', AllowedValues: ['a', 'b'] }, Q: { Type: 'String' } };
    // The oracle: CloudFormation's evaluation, for P in its AllowedValues and Q in every literal used and one more.
    const evaluate = (v: Json, conditions: JsonObject, env: Record<string, string>): boolean => {
      const o = v as JsonObject;
      if ('Condition' in o) return evaluate(conditions[o.Condition as string], conditions, env);
      if ('Fn::Not' in o) return !evaluate((o['Fn::Not'] as Json[])[0], conditions, env);
      if ('Fn::And' in o) return (o['Fn::And'] as Json[]).every((x) => evaluate(x, conditions, env));
      if ('Fn::Or' in o) return (o['Fn::Or'] as Json[]).some((x) => evaluate(x, conditions, env));
      const [x, y] = (o['Fn::Equals'] as Json[]).map((a) => (typeof a === 'object' && a !== null ? env[(a as { Ref: string }).Ref] : String(a)));
      return x === y;
    };
    fc.assert(
      fc.property(
        section,
        fc.subarray(['C0', 'C1', 'C2'], { minLength: 1 }),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        (conditions, names, values) => {
          const a = new Map(names.map((n, k) => [n, values[k]]));
          let oracle = false;
          for (const P of ['a', 'b'])
            for (const Q of [...VALUES, 'z', 'other']) {
              if (names.every((n) => evaluate(conditions[n], conditions, { P, Q }) === a.get(n))) oracle = true;
            }
          expect(new ConditionLogic(conditions, parameters).possible(a)).toBe(oracle);
        },
      ),
      { numRuns: 400 },
    );
  });
});
