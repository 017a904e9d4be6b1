/**
 * macro/cfn/intrinsics.ts: `referenceKey`, the memo key of a Ref or GetAtt (the dependency search and
 * decideOnce key their memos by it). The oracle: two values get the same key exactly when their JSON
 * texts are equal; anything but a Ref or GetAtt gets none.
 */
import fc from 'fast-check';
import { referenceKey } from '../../../macro/cfn/intrinsics';

const name = fc.string({ maxLength: 6 });
const reference = fc.oneof(
  name.map((n) => ({ Ref: n })),
  fc.tuple(name, name).map(([a, b]) => ({ 'Fn::GetAtt': [a, b] })),
  name.map((s) => ({ 'Fn::GetAtt': s })),
);

describe('referenceKey', () => {
  test('equal keys exactly for equal values (a GetAtt list and its `A.B` text are different values)', () => {
    fc.assert(
      fc.property(reference, reference, (a, b) => {
        const [ka, kb] = [referenceKey(a), referenceKey(b)];
        expect(ka).toBeDefined();
        expect(ka === kb).toBe(JSON.stringify(a) === JSON.stringify(b));
      }),
      { numRuns: 5_000 },
    );
    expect(referenceKey({ 'Fn::GetAtt': ['Fn', 'Arn'] })).not.toBe(referenceKey({ 'Fn::GetAtt': 'Fn.Arn' }));
  });

  test('no key for anything else', () => {
    for (const v of ['Fn', 1, null, [], { Ref: 1 }, { Ref: 'A', X: 1 }, { 'Fn::GetAtt': ['A'] }, { 'Fn::Sub': '${A}' }]) {
      expect(referenceKey(v)).toBeUndefined();
    }
  });
});
