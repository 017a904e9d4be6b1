/**
 * `decideOnce` (macro/core/decide/slot.ts): one decision per distinct slot must be exactly what `decide`
 * says for each slot, with each rewrite pointing at its own slot. The oracle is `decide` itself, run on
 * every slot of definitions whose slots differ only in what the key must tell apart: a variable's value
 * (the same name, different objects), a GetAtt's form, the conditions above the slot, the field.
 */
import { decide, decideOnce, type DecideContext } from '../../../../macro/core/decide/slot';
import { readDefinition } from '../../../../macro/core/definition/read';
import { findSlots } from '../../../../macro/core/definition/slots';
import { WarmTargets } from '../../../../macro/core/targets/find';
import { readTemplate } from '../../../../macro/core/template/read';
import type { Json, JsonObject } from '../../../../macro/types';

const fn = (id: string, warm: boolean): Record<string, unknown> => ({
  [id]: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: id.toLowerCase() } },
  ...(warm
    ? {
        [`${id}Version`]: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: id } } },
        [`${id}Live`]: {
          Type: 'AWS::Lambda::Alias',
          ...(id === 'Guarded' ? { Condition: 'IsProd' } : {}),
          Properties: {
            FunctionName: { Ref: id },
            FunctionVersion: { 'Fn::GetAtt': [`${id}Version`, 'Version'] },
            Name: 'live',
            ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
          },
        },
      }
    : {}),
});

const TEMPLATE: JsonObject = JSON.parse(
  JSON.stringify({
    Parameters: { P: { Type: 'String' } },
    Conditions: { IsProd: { 'Fn::Equals': ['a', 'a'] } },
    Resources: { ...fn('Warm', true), ...fn('Cold', false), ...fn('Guarded', true) },
  }),
);
const index = readTemplate(TEMPLATE, 'us-east-1', '123456789012');
const ctx: DecideContext = { index, targets: new WarmTargets(index) };

const invoke = (name: Json): JsonObject => ({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: name } });

/** The decisions of every slot of a definition, by decide and by decideOnce. */
function both(property: 'Definition' | 'DefinitionString', value: unknown): { each: unknown[]; once: unknown[]; slots: number } {
  const model = readDefinition('Flow', property, value as Json, undefined);
  const { slots } = findSlots(model.root);
  const once = decideOnce(ctx);
  return { each: slots.map((s) => decide(s, ctx)), once: slots.map((s) => once(s)), slots: slots.length };
}

describe('decideOnce answers as decide does, slot by slot', () => {
  test('Fn::Sub variables: different values are different slots, one value shared by several is one', () => {
    const shared = { 'Fn::GetAtt': ['Warm', 'Arn'] };
    const definition = {
      'Fn::Sub': [
        JSON.stringify({
          StartAt: 'A',
          States: {
            A: { ...invoke('${F0}'), Next: 'B' },
            B: { ...invoke('${F1}'), Next: 'C' },
            C: { ...invoke('${F2}'), Next: 'D' },
            D: { ...invoke('${F3}'), Next: 'E' },
            E: { ...invoke('${F0}'), Next: 'F' },
            F: { ...invoke('${F4}'), End: true },
          },
        }),
        {
          F0: shared,
          F1: { 'Fn::GetAtt': ['Cold', 'Arn'] },
          F2: shared,
          F3: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Guarded', 'Arn'] }]] },
          F4: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Cold', 'Arn'] }]] },
        },
      ],
    };
    const r = both('DefinitionString', definition);
    expect(r.slots).toBe(6);
    expect(r.once).toEqual(r.each);
    expect(new Set(r.each.map((d) => JSON.stringify((d as { kind: string }).kind))).size).toBeGreaterThan(1);
  });

  test('a GetAtt as a list and as `Fn.Arn`, a Ref, the same text: each rewrite points at its own slot', () => {
    const definition = {
      StartAt: 'A',
      States: {
        A: { ...invoke({ 'Fn::GetAtt': ['Guarded', 'Arn'] }), Next: 'B' },
        B: { ...invoke({ 'Fn::GetAtt': 'Guarded.Arn' }), Next: 'C' },
        C: { ...invoke({ 'Fn::GetAtt': ['Guarded', 'Arn'] }), Next: 'D' },
        D: { ...invoke({ Ref: 'Warm' }), Next: 'E' },
        E: { ...invoke({ Ref: 'Warm' }), Next: 'F' },
        F: { ...invoke('cold'), Next: 'G' },
        G: { ...invoke('cold'), End: true },
      },
    };
    const r = both('Definition', definition);
    expect(r.slots).toBe(7);
    expect(r.once).toEqual(r.each);
    const slotsOf = r.once.map((d) => (d as { edit?: { slot: { statePath: string } } }).edit?.slot.statePath);
    expect(slotsOf.slice(0, 5)).toEqual(['States.A', 'States.B', 'States.C', 'States.D', 'States.E']);
  });

  test('the conditions above a slot and its field are part of what it is', () => {
    const definition = {
      StartAt: 'A',
      States: {
        A: { 'Fn::If': ['IsProd', { ...invoke({ 'Fn::GetAtt': ['Guarded', 'Arn'] }), Next: 'B' }, { Type: 'Pass', Next: 'B' }] },
        B: { 'Fn::If': ['IsProd', { Type: 'Pass', Next: 'C' }, { ...invoke({ 'Fn::GetAtt': ['Guarded', 'Arn'] }), Next: 'C' }] },
        C: { ...invoke({ 'Fn::GetAtt': ['Guarded', 'Arn'] }), Next: 'D' },
        D: { Type: 'Task', Resource: { 'Fn::GetAtt': ['Guarded', 'Arn'] }, Next: 'E' },
        // A function the macro cannot tell: a FunctionName is one, a Resource that is just a reference may not be.
        E: { ...invoke({ Ref: 'P' }), Next: 'F' },
        F: { Type: 'Task', Resource: { Ref: 'P' }, End: true },
      },
    };
    const r = both('Definition', definition);
    expect(r.slots).toBe(6);
    expect(r.once).toEqual(r.each);
    expect(new Set(r.each.map((d) => JSON.stringify(d))).size).toBe(6);
  });
});
