/**
 * The reply-size bound of macro/lambda/budget.ts: it must never be below what JSON.stringify writes
 * (in UTF-8 bytes), or a reply over Lambda's limit would be sent; the oracle is JSON.stringify itself.
 */
import fc from 'fast-check';
import { jsonSizeBound, sendable } from '../../../macro/lambda/budget';
import { formatCount, LIMITS, MEASURED_LEVELS, nestingDepth, type Sizes } from '../../../macro/limits';
import type { JsonObject, MacroReply } from '../../../macro/types';

const bytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));

const anyString = fc.string({ unit: 'binary', maxLength: 40 });
const anyJson = fc.letrec((tie) => ({
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

/** Every object and list within the first `levels` levels of a value. */
function containers(v: unknown, levels: number, out: object[] = []): object[] {
  if (levels === 0 || typeof v !== 'object' || v === null) return out;
  out.push(v);
  for (const c of Object.values(v)) containers(c, levels - 1, out);
  return out;
}

describe('jsonSizeBound', () => {
  test('is never below the UTF-8 size JSON.stringify writes, for any JSON value (any characters)', () => {
    fc.assert(
      fc.property(anyJson, (v) => {
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

describe("the nesting check's measure of the input (Sizes), which the reply's bound reuses", () => {
  test('each object and list of the first levels gets the loose bound of jsonSizeBound', () => {
    fc.assert(
      fc.property(anyJson, (v) => {
        const sizes: Sizes = new Map();
        nestingDepth(v, 100, sizes);
        const measured = containers(v, MEASURED_LEVELS);
        expect(sizes.size).toBe(new Set(measured).size);
        for (const o of measured) expect(sizes.get(o)).toBe(jsonSizeBound(o, 100, false));
      }),
      { numRuns: 1000 },
    );
  });

  test('a value JSON does not write as it is counts more bytes than any reply may have', () => {
    const sizes: Sizes = new Map();
    const input = { a: { d: new Date(0) }, b: [() => 1], c: { f: () => 1, n: 1 } };
    nestingDepth(input, 100, sizes);
    for (const o of [input, input.a, input.b, input.c]) expect(sizes.get(o)).toBeGreaterThan(LIMITS.replyBytes);
  });

  test("a value the core changed is bounded by its own walk: a reply too large though the input's values are small", () => {
    const flow = { Type: 'AWS::StepFunctions::StateMachine', Properties: { Definition: { StartAt: 'A' } } };
    const input: JsonObject = { Resources: { Flow: flow, Queue: { Type: 'AWS::SQS::Queue' } } };
    const sizes: Sizes = new Map();
    nestingDepth(input, LIMITS.nesting, sizes);
    // The output shares the untouched Queue with the input, and holds a new Flow of 6 MB.
    const output = {
      ...input,
      Resources: { ...(input.Resources as JsonObject), Flow: { ...flow, Properties: { Definition: { Comment: 'x'.repeat(LIMITS.replyBytes) } } } },
    };
    const reply: MacroReply = { requestId: 'r', status: 'success', fragment: output };
    expect(sendable(reply, input, sizes)).toEqual({
      requestId: 'r',
      status: 'failure',
      fragment: input,
      errorMessage: `WarmStepFunctions cannot reply: the processed template is ${formatCount(bytes(reply))} bytes as JSON, over Lambda's response limit of 6,291,456 bytes (6 MB)`,
    });
    // The same reply within the limit is sent as it is.
    const small: MacroReply = { ...reply, fragment: { ...output, Resources: { ...(input.Resources as JsonObject), Flow: { ...flow } } } };
    expect(sendable(small, input, sizes)).toBe(small);
  });
});
