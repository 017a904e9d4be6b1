/**
 * Template values as plain data (macro/cfn/json.ts): own-property access, `__proto__` as a key,
 * structural equality, and the copy-on-write Editor that never mutates its input.
 */
import fc from 'fast-check';
import { describe as describeValue, Editor, getOwn, hasOwn, isObject, jsonEqual, setOwn } from '../../../macro/cfn/json';
import type { Json, JsonObject } from '../../../macro/types';
import { intrinsicName } from '../../../macro/cfn/intrinsics';

/** Deep-freezes a value so that any write to the input throws (strict mode). */
function deepFreeze<T>(v: T): T {
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) {
      Object.freeze(x);
      for (const k of Object.keys(x)) stack.push((x as Record<string, unknown>)[k]);
    }
  }
  return v;
}

describe('own properties', () => {
  test('isObject', () => {
    expect([{}, { a: 1 }, [], null, 'x', 1, undefined].map(isObject)).toEqual([true, true, false, false, false, false, false]);
  });

  test('getOwn never returns inherited properties', () => {
    const o = { a: 1 };
    expect(getOwn(o, 'a')).toBe(1);
    expect(getOwn(o, 'constructor')).toBeUndefined();
    expect(getOwn(o, 'toString')).toBeUndefined();
    expect(getOwn(o, '__proto__')).toBeUndefined();
    expect(getOwn([1], '0')).toBeUndefined();
    expect(getOwn(null, 'a')).toBeUndefined();
    expect(hasOwn(o, 'hasOwnProperty')).toBe(false);
  });

  test('getOwn reads an own __proto__ key (as JSON.parse creates it)', () => {
    const o = JSON.parse('{"__proto__": {"x": 1}}');
    expect(getOwn(o, '__proto__')).toEqual({ x: 1 });
    expect(o.x).toBeUndefined();
  });

  test('setOwn with __proto__ defines an own enumerable key and leaves the prototype alone', () => {
    const o: JsonObject = {};
    setOwn(o, '__proto__', { polluted: true });
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(['__proto__']);
    expect((o as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(o)).toBe('{"__proto__":{"polluted":true}}');
    setOwn(o, '__proto__', 2);
    expect(getOwn(o, '__proto__')).toBe(2);
    setOwn(o, 'constructor', 'c');
    expect(Object.keys(o)).toEqual(['__proto__', 'constructor']);
  });

  test('intrinsicName', () => {
    expect(intrinsicName({ Ref: 'X' })).toBe('Ref');
    expect(intrinsicName({ Condition: 'C' })).toBe('Condition');
    expect(intrinsicName({ 'Fn::Sub': 'x' })).toBe('Fn::Sub');
    expect(intrinsicName({ Ref: 'X', Other: 1 })).toBeUndefined();
    expect(intrinsicName({ Name: 'x' })).toBeUndefined();
    expect(intrinsicName([{ Ref: 'X' }])).toBeUndefined();
    expect(intrinsicName('Ref')).toBeUndefined();
    expect(intrinsicName(null)).toBeUndefined();
  });
});

describe('jsonEqual', () => {
  test.each<[string, unknown, unknown, boolean]>([
    ['same scalars', 1, 1, true],
    ['different scalars', 1, 2, false],
    ['number vs string', 1, '1', false],
    ['null vs object', null, {}, false],
    ['null vs null', null, null, true],
    ['list vs object', [], {}, false],
    ['lists', [1, [2, { a: 3 }]], [1, [2, { a: 3 }]], true],
    ['list lengths', [1], [1, 2], false],
    ['objects', { a: { b: [1] } }, { a: { b: [1] } }, true],
    ['extra key', { a: 1 }, { a: 1, b: 2 }, false],
    ['different key', { a: 1 }, { b: 1 }, false],
    ['nested difference', { a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] }, false],
    ['__proto__ keys', JSON.parse('{"__proto__": 1}'), JSON.parse('{"__proto__": 1}'), true],
    ['__proto__ vs nothing', JSON.parse('{"__proto__": 1}'), {}, false],
  ])('%s', (_name, a, b, expected) => {
    expect(jsonEqual(a, b)).toBe(expected);
    expect(jsonEqual(b, a)).toBe(expected);
  });

  test('deep values do not overflow the stack', () => {
    let a: Json = 'leaf';
    let b: Json = 'leaf';
    for (let k = 0; k < 100000; k++) {
      a = [a];
      b = [b];
    }
    expect(jsonEqual(a, b)).toBe(true);
    expect(jsonEqual(a, [b])).toBe(false);
  });

  test('property: agrees with JSON.stringify equality for key-ordered values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }), (a, b) => {
        // -0 and 0 stringify the same but are equal anyway under ===.
        expect(jsonEqual(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b));
        expect(jsonEqual(a, JSON.parse(JSON.stringify(a)))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('describe', () => {
  test('bounded, compact text', () => {
    expect(describeValue({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    const long = describeValue('x'.repeat(500), 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith('…')).toBe(true);
    expect(describeValue(undefined)).toBe('undefined');
  });
});

describe('Editor (copy-on-write)', () => {
  const input = (): JsonObject =>
    deepFreeze({
      Resources: {
        A: { Type: 'T', Properties: { List: [1, { x: 'y' }], Keep: { deep: true } } },
        B: { Type: 'U' },
      },
      Outputs: { O: { Value: 1 } },
    });

  test('set copies only the containers on the path; the input is never mutated', () => {
    const src = input();
    const before = JSON.stringify(src);
    const ed = new Editor(src);
    ed.set(['Resources', 'A', 'Properties', 'List', 1, 'x'], 'z');
    expect(JSON.stringify(src)).toBe(before);
    const out = ed.root as typeof src & { Resources: JsonObject };
    expect(out).not.toBe(src);
    expect(out.Resources).not.toBe(src.Resources);
    const a = (out.Resources as JsonObject).A as { Properties: { List: Json[]; Keep: Json } };
    const srcA = (src.Resources as JsonObject).A as { Properties: { List: Json[]; Keep: Json } };
    expect(a).not.toBe(srcA);
    expect(a.Properties.List).not.toBe(srcA.Properties.List);
    expect(a.Properties.List[1]).toEqual({ x: 'z' });
    expect(a.Properties.List[0]).toBe(1);
    // Off the path: shared.
    expect(a.Properties.Keep).toBe(srcA.Properties.Keep);
    expect((out.Resources as JsonObject).B).toBe((src.Resources as JsonObject).B);
    expect(out.Outputs).toBe(src.Outputs);
  });

  test('a container is copied once, then edited in place', () => {
    const ed = new Editor(input());
    const first = ed.writable(['Resources', 'A']);
    ed.set(['Resources', 'A', 'New'], 1);
    const second = ed.writable(['Resources', 'A']);
    expect(second).toBe(first);
    expect((second as JsonObject).New).toBe(1);
  });

  test('get reads the current state, own properties only', () => {
    const ed = new Editor(input());
    expect(ed.get(['Resources', 'A', 'Properties', 'List', 1, 'x'])).toBe('y');
    ed.set(['Resources', 'A', 'Properties', 'List', 1, 'x'], 'z');
    expect(ed.get(['Resources', 'A', 'Properties', 'List', 1, 'x'])).toBe('z');
    expect(ed.get(['Resources', 'Missing', 'x'])).toBeUndefined();
    expect(ed.get(['Resources', 'constructor'])).toBeUndefined();
    expect(ed.get(['Outputs', 'O', 'Value', 'deeper'])).toBeUndefined();
    expect(ed.get([])).toBe(ed.root);
  });

  test('set adds a new key, and replaces whole values', () => {
    const src = input();
    const ed = new Editor(src);
    ed.set(['Resources', 'C'], { Type: 'V' });
    ed.set(['Outputs'], {});
    expect(Object.keys(ed.root.Resources as JsonObject)).toEqual(['A', 'B', 'C']);
    expect(ed.root.Outputs).toEqual({});
    expect(Object.keys(src.Resources as JsonObject)).toEqual(['A', 'B']);
  });

  test('writing through a scalar is an error', () => {
    const ed = new Editor(input());
    expect(() => ed.set(['Resources', 'A', 'Type', 'x'], 1)).toThrow(/no container at Resources\/A\/Type/);
    // A missing map on the way is created (a role without Properties gets them).
    ed.set(['Nope', 'x'], 1);
    expect(ed.root.Nope).toEqual({ x: 1 });
  });

  test('__proto__ keys: copied as data, written as data, never a prototype', () => {
    const src = deepFreeze(JSON.parse('{"Resources": {"__proto__": {"Type": "T", "Properties": {}}}, "__proto__": {"x": 1}}')) as JsonObject;
    const ed = new Editor(src);
    expect(Object.keys(ed.root)).toEqual(['Resources', '__proto__']);
    expect(Object.getPrototypeOf(ed.root)).toBe(Object.prototype);
    ed.set(['Resources', '__proto__', 'Properties', 'P'], 'v');
    const res = ed.root.Resources as JsonObject;
    expect(Object.getPrototypeOf(res)).toBe(Object.prototype);
    expect(Object.keys(res)).toEqual(['__proto__']);
    expect(getOwn(res, '__proto__')).toEqual({ Type: 'T', Properties: { P: 'v' } });
    expect(getOwn(src.Resources, '__proto__')).toEqual({ Type: 'T', Properties: {} });
    ed.set(['Resources', '__proto__'], 'replaced');
    expect(getOwn(ed.root.Resources, '__proto__')).toBe('replaced');
    expect(({} as Record<string, unknown>).Type).toBeUndefined();
    expect(JSON.parse(JSON.stringify(ed.root))).toEqual(JSON.parse('{"Resources": {"__proto__": "replaced"}, "__proto__": {"x": 1}}'));
  });

  test('a section of thousands of entries is copied with its keys in the same order', () => {
    const resources: JsonObject = {};
    for (let i = 0; i < 2000; i++) resources[i % 3 ? `R${2000 - i}` : String(i)] = { Type: 'T' };
    const src = deepFreeze({ Resources: resources }) as JsonObject;
    const ed = new Editor(src);
    ed.set(['Resources', 'R1', 'Type'], 'U');
    expect(Object.keys(ed.root.Resources as JsonObject)).toEqual(Object.keys(resources));
    expect(getOwn(ed.root.Resources, 'R1')).toEqual({ Type: 'U' });
    expect(getOwn(resources, 'R1')).toEqual({ Type: 'T' });
  });

  test('property: random edits never change a frozen input, and the output has exactly the edits', () => {
    const path = fc.array(fc.constantFrom('a', 'b', '__proto__'), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(fc.tuple(path, fc.integer())), (edits) => {
        // Build an input that has every container the edits pass through.
        const build = (depth: number): JsonObject => {
          const o: JsonObject = {};
          if (depth < 4) for (const k of ['a', 'b', '__proto__']) setOwn(o, k, build(depth + 1));
          return o;
        };
        const src = deepFreeze(build(0));
        const snapshot = JSON.stringify(src);
        const ed = new Editor(src);
        const expected = JSON.parse(snapshot) as JsonObject;
        for (const [p, v] of edits) {
          // Only write where the parent is still an object in the expected value.
          let parent: Json = expected;
          let ok = true;
          for (const k of p.slice(0, -1)) {
            const next: Json | undefined = getOwn(parent, k);
            if (!isObject(next)) {
              ok = false;
              break;
            }
            parent = next;
          }
          if (!ok) continue;
          ed.set(p, v);
          setOwn(parent as JsonObject, p[p.length - 1], v);
        }
        expect(JSON.stringify(src)).toBe(snapshot);
        expect(JSON.stringify(ed.root)).toBe(JSON.stringify(expected));
      }),
      { numRuns: 200 },
    );
  });
});
