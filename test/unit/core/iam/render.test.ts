/**
 * The IAM wildcard matcher (macro/core/iam/render.ts `wildcard`): the same answers as a regular
 * expression built from the pattern, and no backtracking over names the template controls.
 */
import fc from 'fast-check';
import { wildcard } from '../../../../macro/core/iam/render';

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
