/**
 * The reply-size bound of macro/lambda/budget.ts: it must never be below what JSON.stringify writes
 * (in UTF-8 bytes), or a reply over Lambda's limit would be sent; the oracle is JSON.stringify itself.
 */
import fc from 'fast-check';
import { jsonSizeBound } from '../../../macro/lambda/budget';

const bytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));

describe('jsonSizeBound', () => {
  test('is never below the UTF-8 size JSON.stringify writes, for any JSON value (any characters)', () => {
    const anyString = fc.string({ unit: 'binary', maxLength: 40 });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        anyString,
        fc.double(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 5 }),
        fc.dictionary(anyString, tie('value'), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (v) => {
        const bound = jsonSizeBound(v, 100);
        expect(bound).toBeDefined();
        expect(bound!).toBeGreaterThanOrEqual(bytes(v));
        // The loose bound is never below the tight one.
        expect(jsonSizeBound(v, 100, false)).toBeGreaterThanOrEqual(bound!);
      }),
      { numRuns: 2000 },
    );
  });

  test('counts the longest numbers JavaScript writes (25 characters between 1e-6 and 1e-5)', () => {
    for (const n of [-0.0000013571733071272135, -0.0000011197160946557011, -1.2345678901234567e-123, -123456789012345680000]) {
      expect(jsonSizeBound(n, 10)).toBeGreaterThanOrEqual(bytes(n));
    }
    expect(bytes(-0.0000013571733071272135)).toBe(25);
  });

  test('is tight for long plain ASCII strings, and within 6 bytes a character for any other', () => {
    const long = 'arn:aws:lambda:us-east-1:123456789012:function:plain-name';
    expect(jsonSizeBound(long, 10)).toBe(bytes(long));
    const escaped = `${long}\n"quoted"`;
    expect(jsonSizeBound(escaped, 10)).toBe(escaped.length * 6 + 2);
    expect(jsonSizeBound('short', 10)).toBe(5 * 6 + 2);
  });

  test('the loose bound: 6 bytes a character of every string and key, and gives up where the tight one does', () => {
    expect(jsonSizeBound({ ab: 'cde' }, 10, false)).toBe(2 + (2 * 6 + 4) + (3 * 6 + 2));
    expect(jsonSizeBound([1, true, null], 10, false)).toBe(2 + 26 + 6 + 5);
    let deep: unknown = 'leaf';
    for (let k = 0; k < 50; k++) deep = [deep];
    expect(jsonSizeBound(deep, 49, false)).toBeUndefined();
    expect(jsonSizeBound({ d: new Date(0) }, 10, false)).toBeUndefined();
    expect(jsonSizeBound({ f: () => 1 }, 10, false)).toBeUndefined();
  });

  test('gives up past the depth it is given, and on values JSON does not write as they are', () => {
    let deep: unknown = 'leaf';
    for (let k = 0; k < 50; k++) deep = [deep];
    expect(jsonSizeBound(deep, 49)).toBeUndefined();
    expect(jsonSizeBound(deep, 51)).toBeGreaterThanOrEqual(bytes(deep));
    expect(jsonSizeBound({ n: BigInt(1) }, 10)).toBeUndefined();
    expect(jsonSizeBound({ d: new Date(0) }, 10)).toBeUndefined();
    expect(jsonSizeBound({ f: () => 1 }, 10)).toBeUndefined();
  });
});
