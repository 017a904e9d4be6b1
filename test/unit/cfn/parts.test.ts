/**
 * String expressions as parts (macro/cfn/parts.ts): partsOf, expandParts, formatParts,
 * formatValue, soleHole, partsToValue.
 */
import fc from 'fast-check';
import { expandParts, formatParts, formatValue, isHole, partsOf, partsToValue, push, soleHole, type Part } from '../../../macro/cfn/parts';
import type { Json } from '../../../macro/types';

const GA = (r: string, a = 'Arn'): Json => ({ 'Fn::GetAtt': [r, a] });
const REF = (n: string): Json => ({ Ref: n });
const h = (v: Json): Part => ({ hole: v });

describe('partsOf', () => {
  test.each<[string, Json | undefined, Part[] | undefined]>([
    ['plain string', 'arn:x', ['arn:x']],
    ['empty string', '', []],
    ['number', 42, ['42']],
    ['boolean', true, ['true']],
    ['null', null, undefined],
    ['undefined', undefined, undefined],
    ['a list', ['a'], undefined],
    ['a plain object', { a: 'b' }, undefined],
    ['Ref', REF('Fn'), [h(REF('Fn'))]],
    ['GetAtt list', GA('Fn'), [h(GA('Fn'))]],
    ['GetAtt string is normalised to the list form', { 'Fn::GetAtt': 'Fn.Arn' }, [h(GA('Fn'))]],
    ['GetAtt string with a dotted attribute', { 'Fn::GetAtt': 'Db.Endpoint.Address' }, [h(GA('Db', 'Endpoint.Address'))]],
    ['GetAtt string without a dot stays as written', { 'Fn::GetAtt': 'Fn' }, [h({ 'Fn::GetAtt': 'Fn' })]],
    ['Fn::If is one hole', { 'Fn::If': ['C', REF('A'), REF('B')] }, [h({ 'Fn::If': ['C', REF('A'), REF('B')] })]],
    ['ImportValue is one hole', { 'Fn::ImportValue': 'x' }, [h({ 'Fn::ImportValue': 'x' })]],
    ['Sub string', { 'Fn::Sub': '${Fn.Arn}:$LATEST' }, [h(GA('Fn')), ':$LATEST']],
    ['Sub with a Ref and pseudo parameters', { 'Fn::Sub': 'arn:${AWS::Partition}:x:${Fn}' }, ['arn:', h(REF('AWS::Partition')), ':x:', h(REF('Fn'))]],
    ['Sub escape becomes literal text', { 'Fn::Sub': 'a${!b}c' }, ['a${b}c']],
    ['Sub with a var map: a string var is inlined', { 'Fn::Sub': ['${A}-${B}', { A: 'x', B: GA('Fn') }] }, ['x-', h(GA('Fn'))]],
    ['Sub var that is itself a Sub is flattened', { 'Fn::Sub': ['${A}!', { A: { 'Fn::Sub': '${Fn.Arn}:1' } }] }, [h(GA('Fn')), ':1!']],
    ['Sub var whose value is a plain object stays a hole', { 'Fn::Sub': ['${A}', { A: { x: 1 } }] }, [h({ x: 1 })]],
    ['Sub var names with a dot are vars', { 'Fn::Sub': ['${Db.Endpoint}', { 'Db.Endpoint': 'host' }] }, ['host']],
    ['Sub var map not an object: one hole', { 'Fn::Sub': ['${A}', 'x'] } as Json, [h({ 'Fn::Sub': ['${A}', 'x'] })]],
    ['Sub template not a string: one hole', { 'Fn::Sub': [{ Ref: 'T' }, {}] }, [h({ 'Fn::Sub': [{ Ref: 'T' }, {}] })]],
    ['Sub with an unclosed ${: one hole', { 'Fn::Sub': 'a${b' }, [h({ 'Fn::Sub': 'a${b' })]],
    ['Join ""', { 'Fn::Join': ['', [GA('Fn'), ':$LATEST']] }, [h(GA('Fn')), ':$LATEST']],
    ['Join ":" with pseudo parameters', { 'Fn::Join': [':', ['arn', REF('AWS::Partition'), 'lambda']] }, ['arn:', h(REF('AWS::Partition')), ':lambda']],
    ['Join with a nested Join and numbers', { 'Fn::Join': ['-', ['a', { 'Fn::Join': ['', ['b', 1]] }, true]] }, ['a-b1-true']],
    ['Join of an empty list', { 'Fn::Join': [',', []] }, []],
    ['Join with a non-literal list: one hole', { 'Fn::Join': [',', REF('L')] }, [h({ 'Fn::Join': [',', REF('L')] })]],
    ['Join piece that is a plain object stays a hole', { 'Fn::Join': ['', ['a', { x: 1 }]] }, ['a', h({ x: 1 })]],
    ['two keys is not an intrinsic', { Ref: 'A', 'Fn::Sub': 'x' }, undefined],
  ])('%s', (_name, value, expected) => {
    expect(partsOf(value)).toEqual(expected);
  });

  test('adjacent text is merged, so text parts never follow each other', () => {
    const parts = partsOf({ 'Fn::Join': ['', ['a', 'b', { 'Fn::Sub': 'c${!d}' }, 'e', REF('X'), 'f', 'g']] })!;
    expect(parts).toEqual(['abc${d}e', h(REF('X')), 'fg']);
  });

  test('very deep Sub nesting stops flattening instead of recursing forever', () => {
    let v: Json = 'leaf';
    for (let k = 0; k < 40; k++) v = { 'Fn::Sub': ['${V}', { V: v }] };
    const parts = partsOf(v)!;
    expect(parts.length).toBe(1);
    expect(isHole(parts[0])).toBe(true);
  });
});

describe('expandParts', () => {
  test('holes that are Sub or Join are flattened, other holes stay', () => {
    const parts: Part[] = ['x', h({ 'Fn::Sub': '${Fn.Arn}:$LATEST' }), h(REF('A')), h({ 'Fn::Join': ['', ['-', 'y']] })];
    expect(expandParts(parts)).toEqual(['x', h(GA('Fn')), ':$LATEST', h(REF('A')), '-y']);
  });

  test('a GetAtt string hole becomes the list form', () => {
    expect(expandParts([h({ 'Fn::GetAtt': 'Fn.Arn' })])).toEqual([h(GA('Fn'))]);
  });

  test('does not change its input', () => {
    const parts: Part[] = [h({ 'Fn::Sub': 'a${B}' })];
    const copy = JSON.parse(JSON.stringify(parts));
    expandParts(parts);
    expect(parts).toEqual(copy);
  });
});

describe('push', () => {
  test('merges text, skips empty text, keeps holes apart', () => {
    const out: Part[] = [];
    push(out, 'a');
    push(out, '');
    push(out, 'b');
    push(out, h(REF('X')));
    push(out, h(REF('Y')));
    push(out, 'c');
    expect(out).toEqual(['ab', h(REF('X')), h(REF('Y')), 'c']);
  });
});

describe('formatParts / formatValue', () => {
  test.each<[string, Part[], string]>([
    ['text', ['arn:x'], 'arn:x'],
    ['GetAtt', [h(GA('Fn')), ':$LATEST'], '{Fn.Arn}:$LATEST'],
    ['Ref', [h(REF('Live'))], '{Live}'],
    ['Fn::If', [h({ 'Fn::If': ['HasPc', REF('Live'), GA('Fn')] })], '{Fn::If HasPc ? {Live} : {Fn.Arn}}'],
    ['other intrinsic', [h({ 'Fn::ImportValue': 'x' })], '{{"Fn::ImportValue":"x"}}'],
    ['other intrinsic holding ${', [h({ 'Fn::Base64': { 'Fn::Sub': '${A}' } })], '{{"Fn::Base64":{"Fn::Sub":"$ {A}"}}}'],
    ['text keeps its own ${', ['a${b}'], 'a${b}'],
    ['empty', [], ''],
  ])('%s', (_name, parts, text) => {
    expect(formatParts(parts)).toBe(text);
  });

  test('formatValue', () => {
    expect(formatValue({ 'Fn::Sub': 'arn:${AWS::Partition}:lambda' })).toBe('arn:{AWS::Partition}:lambda');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatValue({ 'Fn::If': ['C', { 'Fn::If': ['D', REF('A'), 'x'] }, 'y'] })).toBe('{Fn::If C ? {Fn::If D ? {A} : x} : y}');
  });

  test('an object without a prototype inside a GetAtt or an Fn::If condition is written as JSON, not thrown on', () => {
    const odd = Object.assign(Object.create(null) as Record<string, Json>, { x: 1 });
    expect(formatParts([h({ 'Fn::GetAtt': [odd, 'Arn'] })])).toBe('{{"x":1}.Arn}');
    expect(formatParts([h({ 'Fn::If': [odd, REF('A'), 'b'] })])).toBe('{Fn::If {"x":1} ? {A} : b}');
    expect(formatParts([h({ 'Fn::GetAtt': ['Fn', 'Arn'] }), h({ 'Fn::If': ['C', REF('A'), 'b'] })])).toBe('{Fn.Arn}{Fn::If C ? {A} : b}');
  });

  test('no hole is written as an Fn::Sub placeholder', () => {
    const holes: Json[] = [
      REF('A'),
      GA('Fn'),
      { 'Fn::If': ['C', REF('A'), GA('Fn')] },
      { 'Fn::Sub': ['${X}', { X: { 'Fn::ImportValue': '${Y}' } }] },
      { 'Fn::ImportValue': { 'Fn::Sub': '${Z}' } },
    ];
    for (const v of holes) expect(formatParts([h(v)])).not.toContain('${');
  });
});

describe('soleHole / partsToValue', () => {
  test('soleHole', () => {
    expect(soleHole([h(REF('A'))])).toEqual(REF('A'));
    expect(soleHole(['a'])).toBeUndefined();
    expect(soleHole([h(REF('A')), 'x'])).toBeUndefined();
    expect(soleHole([])).toBeUndefined();
  });

  test.each<[string, Part[], Json]>([
    ['nothing', [], ''],
    ['text', ['abc'], 'abc'],
    ['one hole', [h(REF('A'))], REF('A')],
    ['several', [h(GA('Fn')), ':$LATEST'], { 'Fn::Join': ['', [GA('Fn'), ':$LATEST']] }],
  ])('partsToValue: %s', (_name, parts, value) => {
    expect(partsToValue(parts)).toEqual(value);
  });

  test('property: partsOf(partsToValue(parts)) gives the parts back', () => {
    const hole = fc.oneof(
      fc.constantFrom('Fn', 'Live', 'AWS::Region').map((n) => h(REF(n))),
      fc.constantFrom('Fn', 'Db').map((n) => h(GA(n))),
      fc.constant(h({ 'Fn::If': ['C', REF('A'), REF('B')] })),
    );
    const text = fc.string({ minLength: 1, maxLength: 6 });
    const parts = fc.array(fc.oneof(text, hole), { maxLength: 6 }).map((xs) => {
      const out: Part[] = [];
      for (const x of xs) push(out, x);
      return out;
    });
    fc.assert(
      fc.property(parts, (ps) => {
        expect(partsOf(partsToValue(ps))).toEqual(ps);
      }),
      { numRuns: 500 },
    );
  });
});
