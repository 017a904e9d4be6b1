/**
 * macro/core/iam/principal.ts: which policy resources may reach a principal is decided by whether a
 * resource's JSON text holds the principal's ID or name (or the role's text the policy's ID) as a JSON
 * string. For values that never change, the answer comes from their strings, read once (`stringsOf`),
 * for the names `plainName` accepts. The oracle is the text search itself, on random values whose
 * strings are made of the characters that matter: quotes, backslashes, JSON's punctuation, control
 * characters and surrogates.
 */
import fc from 'fast-check';
import { plainName, stringsOf } from '../../../../macro/core/iam/principal';
import type { Json } from '../../../../macro/types';

const chars = fc.constantFrom('a', 'B', '1', '"', '\\', ':', ',', ']', '}', '[', '{', ' ', '\n', '\u0001', '\ud800', '\udc00', 'é', '-');
const str = fc.array(chars, { maxLength: 6 }).map((a) => a.join(''));
const json: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    str,
    fc.integer(),
    fc.constant(null),
    fc.boolean(),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(str, tie('v'), { maxKeys: 4 }),
  ),
})).v;

describe('stringsOf and plainName: the same answer as searching the JSON text', () => {
  test('for every plain name, "name" is in the text exactly when it is in the strings', () => {
    fc.assert(
      fc.property(json, str, (value, name) => {
        fc.pre(plainName(name));
        expect(stringsOf(value).has(name)).toBe(JSON.stringify(value).includes(JSON.stringify(name)));
      }),
      { numRuns: 20_000 },
    );
  });

  test('names of the template: logical IDs and role names are plain; one with a quote, a backslash, or a leading comma is not', () => {
    for (const n of ['OrdersRole', 'Fn0', 'my-role+x=y,z.w@q_1', 'role/path', 'café']) expect(plainName(n)).toBe(true);
    for (const n of ['', 'a"b', 'a\\b', ',x', ':x', ']x', '}x', 'a\nb', 'a\ud800']) expect(plainName(n)).toBe(false);
  });

  test('an embedded quote makes its tail a match, as in the text', () => {
    const value = { Description: 'say "Role1', Roles: ['Other'] };
    expect(JSON.stringify(value).includes('"Role1"')).toBe(true);
    expect(stringsOf(value).has('Role1')).toBe(true);
    expect(stringsOf(value).has('Other')).toBe(true);
    expect(stringsOf(value).has('Roles')).toBe(true);
    expect(stringsOf(value).has('Role')).toBe(false);
  });
});
