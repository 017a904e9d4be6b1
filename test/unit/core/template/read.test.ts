/**
 * readTemplate's index (macro/core/template/read.ts): the policy resources and Connectors it lists in its
 * one pass, which the IAM step reads instead of listing every resource again.
 */
import fc from 'fast-check';
import { isObject } from '../../../../macro/cfn/json';
import { getAttPair } from '../../../../macro/cfn/intrinsics';
import { tokenizeSub } from '../../../../macro/cfn/sub';
import { readTemplate, referencedResources } from '../../../../macro/core/template/read';
import type { Json } from '../../../../macro/types';

test('policyEntries: policy resources and Connectors with their Type, in template order, whatever their Properties', () => {
  const index = readTemplate({
    Resources: {
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
      B: { Type: 'AWS::IAM::ManagedPolicy', Properties: {} },
      Conn: { Type: 'AWS::Serverless::Connector', Properties: {} },
      A: { Type: 'AWS::IAM::Policy', Properties: {} },
      Bad: { Type: 'AWS::IAM::RolePolicy', Properties: 'not a map' },
      NoType: { Properties: {} },
      NotObject: 'AWS::IAM::Policy',
      Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
      '1': { Type: 'AWS::IAM::Policy' },
    },
  });
  // Object.keys order: an integer-like ID first, as everywhere the template is listed.
  expect(index.policyEntries).toEqual([
    { id: '1', type: 'AWS::IAM::Policy' },
    { id: 'B', type: 'AWS::IAM::ManagedPolicy' },
    { id: 'Conn', type: 'AWS::Serverless::Connector' },
    { id: 'A', type: 'AWS::IAM::Policy' },
    { id: 'Bad', type: 'AWS::IAM::RolePolicy' },
  ]);
});

describe('referencedResources', () => {
  /** The reader as it was before scalars were left off its stack: every value stacked, Fn::Sub found by hasOwn. */
  const before = (value: Json | undefined): string[] => {
    const out = new Set<string>();
    const stack: (Json | undefined)[] = [value];
    while (stack.length) {
      const v = stack.pop();
      if (typeof v !== 'object' || v === null) continue;
      if (Array.isArray(v)) {
        for (const x of v) stack.push(x);
        continue;
      }
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === 'Ref' && typeof v.Ref === 'string') out.add(v.Ref);
      if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
        const pair = getAttPair(v);
        if (pair) out.add(pair[0]);
      }
      if (Object.hasOwn(v, 'Fn::Sub')) {
        const sub = v['Fn::Sub'];
        const text = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
        const vars = Array.isArray(sub) && isObject(sub[1]) ? sub[1] : undefined;
        try {
          if (text?.includes('${')) {
            for (const t of tokenizeSub(text, (n) => vars !== undefined && Object.hasOwn(vars, n))) {
              if (t.kind === 'ref') out.add(t.name);
              else if (t.kind === 'getatt') out.add(t.resource);
            }
          }
        } catch {
          // An unreadable Fn::Sub names nothing.
        }
      }
      for (const k of keys) stack.push(v[k]);
    }
    return [...out];
  };
  const name = fc.constantFrom('A', 'B', 'C', 'AWS::Region');
  const leaf: fc.Arbitrary<Json> = fc.oneof(
    name.map((n): Json => ({ Ref: n })),
    name.map((n): Json => ({ 'Fn::GetAtt': [n, 'Arn'] })),
    name.map((n): Json => ({ 'Fn::GetAtt': `${n}.Arn` })),
    fc
      .array(
        fc.oneof(
          name.map((n) => `\${${n}}`),
          fc.constantFrom('x', '${!A}', '${v}', '${', '${B.Arn}'),
        ),
        { maxLength: 4 },
      )
      .map((p): Json => ({ 'Fn::Sub': p.join('') })),
    fc.constantFrom<Json>('A', 1, null, true),
  );
  const value = fc.letrec<{ v: Json }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('v'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('Ref', 'Fn::Sub', 'k', 'Fn::GetAtt'), tie('v'), { maxKeys: 3 }),
      fc
        .tuple(fc.constantFrom('${A}${v}', '${C}'), fc.dictionary(fc.constantFrom('v', 'w'), tie('v'), { maxKeys: 2 }))
        .map(([s, vars]): Json => ({ 'Fn::Sub': [s, vars] })),
    ),
  })).v;
  test('the same resources, in the same order, as the reader it replaced', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect([...referencedResources(v, (id) => (id.startsWith('AWS::') ? undefined : id))]).toEqual(before(v).filter((id) => !id.startsWith('AWS::')));
      }),
      { numRuns: 2000, seed: 5 },
    );
  });
});
