/**
 * The IAM wildcard matcher (macro/core/iam/render.ts `wildcard`): the same answers as a regular
 * expression built from the pattern, and no backtracking over names the template controls.
 */
import fc from 'fast-check';
import { ArnRenderer, wildcard } from '../../../../macro/core/iam/render';
import { WarmTargets } from '../../../../macro/core/targets/find';
import { readTemplate } from '../../../../macro/core/template/read';
import type { Json } from '../../../../macro/types';

/** The reference: `*` is `.*`, `?` is `.`, anything else itself. */
function reference(pattern: string, text: string): boolean {
  const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(text);
}

test('agrees with a regular expression on patterns of *, ? and a small alphabet', () => {
  const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '?', '*', ':'), maxLength: 10 });
  const text = fc.string({ unit: fc.constantFrom('a', 'b', ':'), maxLength: 14 });
  fc.assert(
    fc.property(pattern, text, (p, t) => {
      expect(wildcard(p, t)).toBe(reference(p, t));
    }),
    { numRuns: 5_000, seed: 22 },
  );
});

test.each([
  ['arn:aws:lambda:*:*:function:orders-*', 'arn:aws:lambda:us-east-1:123456789012:function:orders-fn:live', true],
  ['arn:aws:lambda:us-east-1:123456789012:function:orders-fn', 'arn:aws:lambda:us-east-1:123456789012:function:orders-fn:live', false],
  ['arn:aws:lambda:us-east-1:123456789012:function:orders-fn:*', 'arn:aws:lambda:us-east-1:123456789012:function:orders-fn:live', true],
  ['arn:aws:lambda:us-east-?:*:function:*:live', 'arn:aws:lambda:us-east-1:123456789012:function:orders-fn:live', true],
  ['lambda:invoke*', 'lambda:invokefunction', true],
  ['*', '', true],
  ['', '', true],
  ['?', '', false],
])('%s matches %s: %s', (pattern, text, expected) => {
  expect(wildcard(pattern, text)).toBe(expected);
});

test('adversarial patterns against a 400 KB name: answered after a bounded number of steps', () => {
  const name = 'a'.repeat(400_000);
  // Each of these backtracked over the name: about 10^11 steps before.
  expect(wildcard(`*${'a'.repeat(200_000)}b`, name)).toBe(false);
  expect(wildcard(`${'*a'.repeat(100_000)}b`, name)).toBe(false);
  expect(wildcard(`*${'a'.repeat(199_999)}?b`, name)).toBe(false);
  expect(wildcard(`*${'a'.repeat(200_000)}*`, name)).toBe(true);
});

describe('ArnRenderer: an Fn::Sub of one string is rendered once for every value that repeats it', () => {
  const index = readTemplate(
    {
      Parameters: { Stage: { Type: 'String' } },
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'named' } },
        Anon: { Type: 'AWS::Lambda::Function', Properties: {} },
        Live: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Fn' }, FunctionVersion: '1', Name: 'live' } },
      },
    },
    'us-east-1',
  );
  const targets = new WarmTargets(index);
  const piece = fc.constantFrom(
    'arn:',
    'aws',
    ':',
    '*',
    '${AWS::Region}',
    '${AWS::AccountId}',
    '${Fn.Arn}',
    '${Anon.Arn}',
    '${Live}',
    '${Stage}',
    '${!x}',
    '${',
    '}',
    '${}',
  );
  const sub = fc.array(piece, { maxLength: 6 }).map((p): Json => ({ 'Fn::Sub': p.join('') }));
  // The same strings at every depth: in Joins nested up to 12 deep (renderValue stops at 10).
  const value: fc.Arbitrary<Json> = fc
    .tuple(sub, fc.nat(12), fc.constantFrom('', 'x'))
    .map(([s, depth, before]) => Array.from({ length: depth }).reduce<Json>((v) => ({ 'Fn::Join': ['', [before, v]] }), s));
  test('the same text as a renderer that renders nothing else', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 8 }), (values) => {
        const shared = new ArnRenderer(index, targets);
        for (const v of values) expect(shared.render(v)).toBe(new ArnRenderer(index, targets).render(v));
      }),
      { numRuns: 500, seed: 3 },
    );
  });
});
