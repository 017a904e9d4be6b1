/**
 * The position-aware definition parser (macro/core/definition/parse.ts): values, string locations,
 * escapes, holes, errors with line and column, deep nesting, and data-like keys.
 */
import fc from 'fast-check';
import { ReadError } from '../../../../macro/errors';
import type { Node, StrNode } from '../../../../macro/core/definition/ast';
import { HOLE_CHAR, parseDefinitionText, type HoleInfo } from '../../../../macro/core/definition/parse';
import { findSlots, SLOT_SHAPE } from '../../../../macro/core/definition/slots';
import type { Json } from '../../../../macro/types';

const parse = (text: string, holes = new Map<number, HoleInfo>()): Node => parseDefinitionText({ text, holes });

function str(node: Node | undefined): StrNode {
  if (node?.kind !== 'str') throw new Error(`expected a string node, got ${node?.kind}`);
  return node;
}

function entry(node: Node, ...keys: (string | number)[]): Node {
  let n: Node | undefined = node;
  for (const k of keys) {
    if (n?.kind === 'obj' && typeof k === 'string') n = n.entries.get(k);
    else if (n?.kind === 'arr' && typeof k === 'number') n = n.items[k];
    else throw new Error(`no ${k} in ${n?.kind}`);
  }
  if (!n) throw new Error('missing');
  return n;
}

/** The ReadError message of parsing `text` (fails when it parses). */
function errorOf(text: string, holes = new Map<number, HoleInfo>()): string {
  try {
    parse(text, holes);
  } catch (e) {
    expect(e).toBeInstanceOf(ReadError);
    return (e as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

/** A plain JSON-like view of a node tree (strings as their parts), to compare shapes. */
function view(node: Node): unknown {
  switch (node.kind) {
    case 'obj':
      return Object.fromEntries([...node.entries].map(([k, v]) => [k, view(v)]));
    case 'arr':
      return node.items.map(view);
    case 'str':
      return node.parts.length === 1 && typeof node.parts[0] === 'string' ? node.parts[0] : { parts: node.parts };
    case 'scalar':
      return '<scalar>';
  }
}

describe('valid JSON', () => {
  test.each([
    ['object', '{"a":1,"b":[true,false,null],"c":"s"}', { a: '<scalar>', b: ['<scalar>', '<scalar>', '<scalar>'], c: 's' }],
    ['empty object', '{}', {}],
    ['empty list', '[]', []],
    ['nested empties', '[{},[],[[]],{"a":{}}]', [{}, [], [[]], { a: {} }]],
    ['whitespace everywhere', ' \n\t{ "a" :\r\n [ 1 , 2 ] } \n', { a: ['<scalar>', '<scalar>'] }],
    ['top-level string', '"x"', 'x'],
    ['top-level number', '-12.5e+3', '<scalar>'],
    ['top-level true', 'true', '<scalar>'],
    ['top-level null', 'null', '<scalar>'],
    ['numbers', '[0,-0,1,10,1.5,1e5,1E-5,-3.25e10]', Array(8).fill('<scalar>')],
    ['empty string', '""', { parts: [] }],
  ])('%s', (_name, text, expected) => {
    expect(view(parse(text))).toEqual(expected);
  });

  test('string locations are the content between the quotes', () => {
    const text = '{"StartAt": "A", "States": {"A": {"Resource": "arn:x", "Empty": ""}}}';
    const root = parse(text);
    for (const [path, content] of [
      [['StartAt'], 'A'],
      [['States', 'A', 'Resource'], 'arn:x'],
      [['States', 'A', 'Empty'], ''],
    ] as const) {
      const s = str(entry(root, ...path));
      expect(s.loc.kind).toBe('text');
      if (s.loc.kind !== 'text') continue;
      expect(text.slice(s.loc.start, s.loc.end)).toBe(content);
      expect(text[s.loc.start - 1]).toBe('"');
      expect(text[s.loc.end]).toBe('"');
    }
  });

  test('escapes are decoded; the location still covers the raw text', () => {
    const text = String.raw`["a\nb", "q\"q", "\u00e9", "\\\/\b\f\r\t", "\ud83d\ude00", "\u00E9x"]`;
    const root = parse(text);
    const values = ['a\nb', 'q"q', 'é', '\\/\b\f\r\t', '😀', 'éx'];
    values.forEach((v, k) => {
      const s = str(entry(root, k));
      expect(s.parts).toEqual([v]);
      if (s.loc.kind === 'text') expect(JSON.parse(`"${text.slice(s.loc.start, s.loc.end)}"`)).toBe(v);
      else throw new Error('expected a text location');
    });
  });

  test('non-ASCII text and a literal U+E000 that is not a hole stay text', () => {
    const text = `["日本", "a${HOLE_CHAR}b"]`;
    const root = parse(text);
    expect(str(entry(root, 0)).parts).toEqual(['日本']);
    expect(str(entry(root, 1)).parts).toEqual([`a${HOLE_CHAR}b`]);
    expect(str(entry(root, 1)).holes).toEqual([]);
  });
});

describe('holes', () => {
  const hole = (value: Json, name?: string): HoleInfo => ({ value, binding: name ? { kind: 'sub-var', name } : { kind: 'inline' } });

  test('holes inside a string split it into parts, with their bindings in order', () => {
    const text = `{"R": "${HOLE_CHAR}:$LATEST:${HOLE_CHAR}"}`;
    const first = text.indexOf(HOLE_CHAR);
    const second = text.lastIndexOf(HOLE_CHAR);
    const holes = new Map([
      [first, hole({ 'Fn::GetAtt': ['Fn', 'Arn'] })],
      [second, hole({ Ref: 'X' }, 'X')],
    ]);
    const s = str(entry(parse(text, holes), 'R'));
    expect(s.parts).toEqual([{ hole: { 'Fn::GetAtt': ['Fn', 'Arn'] } }, ':$LATEST:', { hole: { Ref: 'X' } }]);
    expect(s.holes).toEqual([{ binding: { kind: 'inline' } }, { binding: { kind: 'sub-var', name: 'X' } }]);
    expect(s.loc).toEqual({ kind: 'text', start: text.indexOf('"', 5) + 1, end: text.length - 2 });
  });

  test('a string that is exactly one hole', () => {
    const text = `["${HOLE_CHAR}"]`;
    const s = str(entry(parse(text, new Map([[2, hole({ Ref: 'A' })]])), 0));
    expect(s.parts).toEqual([{ hole: { Ref: 'A' } }]);
    expect(s.loc).toEqual({ kind: 'text', start: 2, end: 3 });
  });

  test('adjacent holes and escapes around holes', () => {
    const text = `["\\n${HOLE_CHAR}${HOLE_CHAR}\\t"]`;
    const a = text.indexOf(HOLE_CHAR);
    const s = str(
      entry(
        parse(
          text,
          new Map([
            [a, hole('x')],
            [a + 1, hole('y')],
          ]),
        ),
        0,
      ),
    );
    expect(s.parts).toEqual(['\n', { hole: 'x' }, { hole: 'y' }, '\t']);
  });

  test('a bare hole is a value (a number or a whole value filled in at deploy time)', () => {
    const text = `{"TimeoutSeconds": ${HOLE_CHAR}, "List": [${HOLE_CHAR}, 1]}`;
    const holes = new Map([
      [text.indexOf(HOLE_CHAR), hole({ Ref: 'Timeout' })],
      [text.lastIndexOf(HOLE_CHAR), hole({ Ref: 'N' })],
    ]);
    const root = parse(text, holes);
    expect(entry(root, 'TimeoutSeconds').kind).toBe('scalar');
    expect(entry(root, 'List', 0).kind).toBe('scalar');
    expect(entry(root, 'List', 1).kind).toBe('scalar');
  });

  test('a U+E000 outside a string that is not a hole is an error', () => {
    expect(errorOf(`[${HOLE_CHAR}]`)).toMatch(/unexpected/);
  });

  test('an error next to a hole shows the hole as ${…}', () => {
    const text = `{"a": ${HOLE_CHAR} x}`;
    expect(errorOf(text, new Map([[6, hole({ Ref: 'A' })]]))).toContain('${…}');
  });
});

describe('invalid JSON: ReadError with line and column', () => {
  test.each([
    ['empty text', '', 'line 1, column 1', 'expected a value'],
    ['only whitespace', '  \n ', 'line 2, column 2', 'expected a value'],
    ['unterminated string', '{\n  "a": "abc', 'line 2, column 8', 'unterminated string'],
    ['trailing comma in an object', '{"a": 1,}', 'line 1, column 9', 'expected a property name'],
    ['trailing comma in a list', '[1,]', 'line 1, column 4', 'expected a value'],
    ['missing colon', '{"a" 1}', 'line 1, column 6', "expected ':'"],
    ['missing comma', '{"a": 1\n "b": 2}', 'line 2, column 2', "expected ',' or '}'"],
    ['unquoted key', '{a: 1}', 'line 1, column 2', 'expected a property name'],
    ['single quotes', "['a']", 'line 1, column 2', 'unexpected'],
    ['bad escape', '["\\x"]', 'line 1, column 3', 'bad escape'],
    ['bad unicode escape', '["\\u12G4"]', 'line 1, column 3', 'bad \\u escape'],
    ['raw newline in a string', '["a\nb"]', 'line 1, column 4', 'control character'],
    ['leading zero', '[01]', 'line 1, column 3', "expected ',' or ']'"],
    ['text after the end', '{} x', 'line 1, column 4', 'after the end'],
    ['two values', '1 2', 'line 1, column 3', 'after the end'],
    ['unclosed object', '{"a": [1]', 'line 1, column 10', "expected ',' or '}', found end of text"],
    ['mismatched bracket', '[1}', 'line 1, column 3', "expected ',' or ']'"],
    ['bare minus', '[-]', 'line 1, column 2', 'unexpected'],
    ['truthy word', '[tru]', 'line 1, column 2', 'unexpected'],
    ['NaN', '[NaN]', 'line 1, column 2', 'unexpected'],
    ['comment', '{} // c', 'line 1, column 4', 'after the end'],
  ])('%s', (_name, text, where, what) => {
    const message = errorOf(text);
    expect(message).toMatch(/^invalid JSON: /);
    expect(message).toContain(where);
    expect(message).toContain(what);
  });

  test('JSON.parse agrees on what is valid for a set of near-misses', () => {
    for (const text of ['[1,]', '{"a":1,}', '[01]', '[.5]', '[1.]', '[1e]', '["\\u00"]', '[+1]', '{"a"}', '[true false]', '[1 2]', '"\t"']) {
      expect(() => JSON.parse(text)).toThrow();
      expect(() => parse(text)).toThrow(ReadError);
    }
  });

  test('the message quotes a short excerpt of the text around the error', () => {
    const text = `{"States": {"A": {"Type": "Task" "Next": "B"}}}`;
    const message = errorOf(text);
    expect(message).toContain('near "');
    expect(message).toContain('"Task" "Next"');
  });
});

describe('deep nesting and data-like keys', () => {
  test('100000 levels of nesting parse without a stack overflow', () => {
    const depth = 100000;
    const text = `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
    let node = parse(text);
    let levels = 0;
    while (node.kind === 'arr' && node.items.length === 1) {
      node = node.items[0];
      levels++;
    }
    expect(levels).toBe(depth);
    expect(str(node).parts).toEqual(['x']);
  });

  test('100000 nested objects parse', () => {
    const depth = 100000;
    const text = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    let node: Node | undefined = parse(text);
    let levels = 0;
    while (node?.kind === 'obj') {
      node = node.entries.get('a');
      levels++;
    }
    expect(levels).toBe(depth);
    expect(node?.kind).toBe('scalar');
  });

  test('an unclosed deep nesting is an error, not a crash', () => {
    expect(errorOf('['.repeat(50000))).toContain('expected a value');
  });

  test('__proto__ and constructor keys are kept as data', () => {
    const root = parse('{"__proto__": {"x": "1"}, "constructor": "c", "toString": "t"}');
    if (root.kind !== 'obj') throw new Error('expected an object');
    expect([...root.entries.keys()]).toEqual(['__proto__', 'constructor', 'toString']);
    expect(str(entry(entry(root, '__proto__'), 'x')).parts).toEqual(['1']);
    expect(str(root.entries.get('constructor')).parts).toEqual(['c']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  test('duplicate keys: the last value wins (as JSON.parse), at the first key position', () => {
    const text = '{"a": "first", "b": "mid", "a": "last"}';
    const root = parse(text);
    if (root.kind !== 'obj') throw new Error('expected an object');
    expect([...root.entries.keys()]).toEqual(['a', 'b']);
    const a = str(root.entries.get('a'));
    expect(a.parts).toEqual(['last']);
    if (a.loc.kind === 'text') expect(text.slice(a.loc.start, a.loc.end)).toBe('last');
    expect(JSON.parse(text).a).toBe('last');
  });

  test('keys with escapes are decoded', () => {
    const root = parse('{"a\\u0062\\n": 1}');
    if (root.kind !== 'obj') throw new Error('expected an object');
    expect([...root.entries.keys()]).toEqual(['ab\n']);
  });
});

describe('property: any JSON.stringify output parses, and string locations are exact', () => {
  /** Walks the value and the node tree together; checks every string leaf's location. */
  function checkLeaves(text: string, value: unknown, node: Node): number {
    const stack: [unknown, Node][] = [[value, node]];
    let strings = 0;
    while (stack.length) {
      const [v, n] = stack.pop()!;
      if (typeof v === 'string') {
        const s = str(n);
        if (s.loc.kind !== 'text') throw new Error('expected a text location');
        expect(text.slice(s.loc.start, s.loc.end)).toBe(JSON.stringify(v).slice(1, -1));
        expect(s.parts.join('')).toBe(v);
        strings++;
      } else if (Array.isArray(v)) {
        expect(n.kind).toBe('arr');
        if (n.kind !== 'arr') return strings;
        expect(n.items.length).toBe(v.length);
        v.forEach((x, k) => {
          stack.push([x, n.items[k]]);
        });
      } else if (v !== null && typeof v === 'object') {
        expect(n.kind).toBe('obj');
        if (n.kind !== 'obj') return strings;
        const keys = Object.keys(v);
        expect([...n.entries.keys()]).toEqual(keys);
        for (const k of keys) stack.push([(v as Record<string, unknown>)[k], n.entries.get(k)!]);
      } else {
        expect(n.kind).toBe('scalar');
      }
    }
    return strings;
  }

  test('compact and indented', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(undefined, 2, '\t'), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        const root = parseDefinitionText({ text, holes: new Map() });
        checkLeaves(text, JSON.parse(text), root);
      }),
      { numRuns: 500 },
    );
  });

  test('with full-unicode strings (including lone surrogates)', () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'binary' }),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: 'binary' }), tie('v'), { maxKeys: 4 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const text = JSON.stringify(v);
        checkLeaves(text, JSON.parse(text), parseDefinitionText({ text, holes: new Map() }));
      }),
      { numRuns: 300 },
    );
  });
});

describe('a shape keeps only what a reader needs (SLOT_SHAPE)', () => {
  const shaped = (text: string, holes = new Map<number, HoleInfo>()): Node => parseDefinitionText({ text, holes }, { shape: SLOT_SHAPE });

  /** What findSlots reports, in a comparable form (the leaves with their parts and locations). */
  const scan = (root: Node): unknown => {
    const { slots, notes } = findSlots(root);
    return { slots: slots.map((s) => ({ ...s, leaf: { parts: s.leaf.parts, holes: s.leaf.holes, loc: s.leaf.loc } })), notes };
  };

  const extra = fc.dictionary(
    fc.constantFrom('Comment', 'Retry', 'Catch', 'ResultSelector', 'Payload', 'Item', 'FunctionName.$', 'Qualifier', 'Type', 'States'),
    fc.jsonValue({ maxDepth: 3 }),
    { maxKeys: 3 },
  );
  const resource = fc.constantFrom(
    'arn:aws:lambda:us-east-1:123456789012:function:f',
    'arn:aws:states:::lambda:invoke',
    'arn:aws:states:::lambda:invoke.waitForTaskToken',
    'arn:aws:states:::sqs:sendMessage',
    'arn:aws-cn:lambda:cn-north-1:123456789012:function:g:live',
  );
  const machine: fc.Arbitrary<unknown> = fc.letrec<{ machine: unknown; state: unknown }>((tie) => ({
    machine: fc.record({ StartAt: fc.constant('S0'), States: fc.dictionary(fc.string({ maxLength: 6 }), tie('state'), { minKeys: 1, maxKeys: 4 }) }),
    state: fc.oneof(
      { depthSize: 'small' },
      fc
        .tuple(resource, fc.oneof(fc.record({ FunctionName: fc.string({ maxLength: 8 }) }), fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })), extra)
        .map(([r, p, x]) => ({ ...x, Type: 'Task', Resource: r, Parameters: p })),
      fc
        .tuple(resource, fc.record({ FunctionName: fc.string({ maxLength: 8 }) }), extra)
        .map(([r, a, x]) => ({ ...x, Type: 'Task', Resource: r, Arguments: a })),
      fc.tuple(fc.array(tie('machine'), { maxLength: 3 }), extra).map(([b, x]) => ({ ...x, Type: 'Parallel', Branches: b })),
      fc.tuple(tie('machine'), fc.constantFrom('Iterator', 'ItemProcessor'), extra).map(([m, k, x]) => ({ ...x, Type: 'Map', [k]: m })),
      extra.map((x) => ({ ...x, Type: 'Pass' })),
    ),
  })).machine;

  test('only the strings a rewrite may be placed in get their location; every other kept plain text is one node, without one', () => {
    const text = JSON.stringify({
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, Next: 'B' },
        B: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, Next: 'C' },
        C: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:g', Next: 'D' },
        D: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:g', End: true },
      },
    });
    const root = shaped(text);
    const state = (name: string): Node | undefined => {
      const states = root.kind === 'obj' ? root.entries.get('States') : undefined;
      return states?.kind === 'obj' ? states.entries.get(name) : undefined;
    };
    const leaf = (name: string, ...keys: string[]): StrNode => {
      let n = state(name);
      for (const k of keys) n = n?.kind === 'obj' ? n.entries.get(k) : undefined;
      return str(n);
    };
    // Type is read, never rewritten: the same node in every state, with no location. So is a service
    // integration's Resource (the task's FunctionName is its slot).
    expect(leaf('A', 'Type')).toBe(leaf('D', 'Type'));
    expect(leaf('A', 'Type')).toEqual({ kind: 'str', parts: ['Task'], holes: [], loc: { kind: 'none' } });
    expect(leaf('A', 'Resource')).toBe(leaf('B', 'Resource'));
    expect(leaf('A', 'Resource').loc).toEqual({ kind: 'none' });
    // A function's ARN as the Resource, and a FunctionName, may be rewritten: each its own node, at its own place in the text.
    for (const [x, y, keys] of [
      ['C', 'D', ['Resource']],
      ['A', 'B', ['Parameters', 'FunctionName']],
    ] as const) {
      const [a, b] = [leaf(x, ...keys), leaf(y, ...keys)];
      expect(a).not.toBe(b);
      for (const s of [a, b]) {
        if (s.loc.kind !== 'text') throw new Error('expected a text location');
        expect(JSON.parse(`"${text.slice(s.loc.start, s.loc.end)}"`)).toBe(s.parts[0]);
      }
      expect(a.loc).not.toEqual(b.loc);
    }
    // Without a shape, every string keeps its location.
    const full = parse(text);
    const fullStates = full.kind === 'obj' ? full.entries.get('States') : undefined;
    const fullA = fullStates?.kind === 'obj' ? fullStates.entries.get('A') : undefined;
    expect(str(fullA?.kind === 'obj' ? fullA.entries.get('Type') : undefined).loc.kind).toBe('text');
  });

  test('findSlots finds the same slots, at the same places, in a shaped and a full tree', () => {
    fc.assert(
      fc.property(machine, fc.constantFrom(undefined, 2), (m, indent) => {
        const text = JSON.stringify(m, null, indent);
        expect(scan(shaped(text))).toEqual(scan(parse(text)));
      }),
      { numRuns: 500 },
    );
  });

  test('keys no reader looks up are left out, values only looked up are the shared scalar; kept parts are built', () => {
    const text =
      '{"Comment":"c","States":{"A":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["x"]}],"Parameters":{"FunctionName":"f","Payload":{"k":"v"}}},' +
      '"B":{"Type":"Task","Parameters":{"FunctionName.$":"$.f","Qualifier.$":"$.q"},"Credentials":{"RoleArn.$":"$.r","X":1}},' +
      '"C":{"Type":"Task","Credentials":{"RoleArn":"role"},"Next":"D","Ty\\u0070e":"Pass","Parameters":"x"}}}';
    expect(view(shaped(text))).toEqual({
      States: {
        A: { Type: 'Task', Resource: 'r', Parameters: { FunctionName: 'f' } },
        B: { Type: 'Task', Parameters: { 'FunctionName.$': '<scalar>', 'Qualifier.$': '<scalar>' }, Credentials: { 'RoleArn.$': '<scalar>' } },
        C: { Type: 'Pass', Credentials: { RoleArn: 'role' }, Parameters: 'x' },
      },
    });
  });

  test('a shaped parse fails exactly where and as a full parse does, whatever the damage (skipContainer mirrors the main loop)', () => {
    const damage = fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', 'x', '\n', '1', ' ');
    fc.assert(
      fc.property(machine, fc.constantFrom(undefined, 2), fc.array(fc.tuple(fc.nat(), damage, fc.boolean()), { maxLength: 3 }), (m, indent, edits) => {
        let text = JSON.stringify(m, null, indent);
        for (const [at, c, insert] of edits) {
          const k = at % (text.length + 1);
          text = text.slice(0, k) + (insert ? c : '') + text.slice(insert ? k : k + 1);
        }
        const outcome = (read: () => Node): string => {
          try {
            read();
            return 'read';
          } catch (e) {
            return (e as Error).message;
          }
        };
        expect(outcome(() => shaped(text))).toBe(outcome(() => parse(text)));
      }),
      { numRuns: 500 },
    );
  });

  test('a deep dropped part is checked without frames: the same result as a full parse', () => {
    const deep = `{"States":{"A":{"Type":"Task","Retry":${'[{"a":'.repeat(5000)}1${'}]'.repeat(5000)}}}}`;
    expect(view(shaped(deep))).toEqual({ States: { A: { Type: 'Task' } } });
    const broken = deep.replace('1}]', '1]]');
    expect(() => shaped(broken)).toThrow(new ReadError(errorOf(broken)));
  });

  test('invalid JSON inside a dropped part is reported exactly as by a full parse', () => {
    const bad = ['[1,]', '{"a":1,}', '[01]', '{"a"}', '[true false]', '["\\x"]', '["\\u12G4"]', '["a\nb"]', '{a:1}', '[1}', '{"a":[1]'];
    for (const b of bad) {
      for (const text of [`{"Dropped":${b}}`, `{"States":{"A":{"Type":"Task","Retry":${b}}}}`, `{"States":{"A":{"Parameters":{"Payload":${b}}}}}`]) {
        let full: string | undefined;
        try {
          parse(text);
        } catch (e) {
          full = (e as Error).message;
        }
        expect(full).toMatch(/^invalid JSON: /);
        expect(() => shaped(text)).toThrow(new ReadError(full!));
      }
    }
  });
});
