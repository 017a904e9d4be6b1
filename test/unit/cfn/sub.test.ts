/**
 * The Fn::Sub tokenizer (macro/cfn/sub.ts): one table of cases, then the helpers, then a
 * property: whatever the input, the tokens tile the source exactly (or the input is rejected).
 */
import fc from 'fast-check';
import { ReadError } from '../../../macro/errors';
import { escapeSubText, forEachSubName, inlineSubReference, splitGetAttString, tokenizeSub, type SubMode, type SubToken } from '../../../macro/cfn/sub';

/** A token without its offsets, for compact expectations. */
type Shape = { text: string } | { escape: string } | { var: string } | { ref: string } | { getatt: [string, string] };

function shape(t: SubToken): Shape {
  switch (t.kind) {
    case 'text':
      return { text: t.text };
    case 'escape':
      return { escape: t.text };
    case 'var':
      return { var: t.name };
    case 'ref':
      return { ref: t.name };
    case 'getatt':
      return { getatt: [t.resource, t.attribute] };
  }
}

/** Every token's [start, end) slice, concatenated, must be the source; offsets must be contiguous. */
function expectTiles(source: string, tokens: SubToken[]): void {
  let at = 0;
  for (const t of tokens) {
    expect(t.start).toBe(at);
    expect(t.end).toBeGreaterThan(t.start);
    at = t.end;
  }
  expect(at).toBe(source.length);
  expect(tokens.map((t) => source.slice(t.start, t.end)).join('')).toBe(source);
}

/** What each token stands for: a text token's text is its source slice; a `${...}` token's slice is the whole placeholder. */
function expectSlicesMatchKinds(source: string, tokens: SubToken[]): void {
  for (const t of tokens) {
    const slice = source.slice(t.start, t.end);
    if (t.kind === 'text') expect(slice).toBe(t.text);
    else if (t.kind === 'escape') expect(slice).toBe(`\${!${t.text.slice(2)}`);
    else if (t.kind === 'var' || t.kind === 'ref') expect(slice).toBe(`\${${t.name}}`);
    else expect(slice).toBe(`\${${t.resource}.${t.attribute}}`);
  }
}

interface Case {
  name: string;
  source: string;
  vars?: string[];
  mode?: SubMode;
  expected: Shape[];
  /** Offsets of each token, when the case is about them. */
  offsets?: [number, number][];
}

const CASES: Case[] = [
  { name: 'empty string', source: '', expected: [] },
  { name: 'plain text', source: 'arn:aws:lambda', expected: [{ text: 'arn:aws:lambda' }] },
  {
    name: 'escape ${!Literal}',
    source: 'a${!Literal}b',
    expected: [{ text: 'a' }, { escape: '${Literal}' }, { text: 'b' }],
    offsets: [
      [0, 1],
      [1, 12],
      [12, 13],
    ],
  },
  { name: 'escape ${!} (nothing after the bang)', source: '${!}', expected: [{ escape: '${}' }], offsets: [[0, 4]] },
  { name: 'escape keeps a dotted name literal', source: '${!Db.Endpoint}', expected: [{ escape: '${Db.Endpoint}' }] },
  { name: 'escape followed by a closing brace', source: '${!a}b}', expected: [{ escape: '${a}' }, { text: 'b}' }] },
  { name: 'pseudo parameter AWS::Region', source: '${AWS::Region}', expected: [{ ref: 'AWS::Region' }], offsets: [[0, 14]] },
  {
    name: 'pseudo parameters in an ARN',
    source: 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:f',
    expected: [
      { text: 'arn:' },
      { ref: 'AWS::Partition' },
      { text: ':lambda:' },
      { ref: 'AWS::Region' },
      { text: ':' },
      { ref: 'AWS::AccountId' },
      { text: ':function:f' },
    ],
    offsets: [
      [0, 4],
      [4, 21],
      [21, 29],
      [29, 43],
      [43, 44],
      [44, 61],
      [61, 72],
    ],
  },
  { name: 'Ref to a resource', source: '${Fn}', expected: [{ ref: 'Fn' }] },
  { name: 'GetAtt Fn.Arn', source: '${Fn.Arn}', expected: [{ getatt: ['Fn', 'Arn'] }] },
  {
    name: 'dotted name splits at the first dot',
    source: 'x${Db.Endpoint.Address}y',
    expected: [{ text: 'x' }, { getatt: ['Db', 'Endpoint.Address'] }, { text: 'y' }],
    offsets: [
      [0, 1],
      [1, 23],
      [23, 24],
    ],
  },
  { name: 'var-map name', source: '${Target}', vars: ['Target'], expected: [{ var: 'Target' }] },
  { name: 'var-map name that contains a dot is a var, not a GetAtt', source: '${Db.Endpoint}', vars: ['Db.Endpoint'], expected: [{ var: 'Db.Endpoint' }] },
  {
    name: 'var map does not capture other names',
    source: '${Db.Endpoint}${Other}',
    vars: ['Db'],
    expected: [{ getatt: ['Db', 'Endpoint'] }, { ref: 'Other' }],
  },
  { name: 'var map does not capture the escape', source: '${!Target}', vars: ['Target', '!Target'], expected: [{ escape: '${Target}' }] },
  {
    name: 'adjacent variables',
    source: '${a}${b}',
    vars: ['a'],
    expected: [{ var: 'a' }, { ref: 'b' }],
    offsets: [
      [0, 4],
      [4, 8],
    ],
  },
  { name: 'a lone dollar', source: '$', expected: [{ text: '$' }] },
  { name: 'double dollar', source: '$$', expected: [{ text: '$$' }] },
  { name: 'dollar and a name', source: '$a $LATEST', expected: [{ text: '$a $LATEST' }] },
  { name: 'closing braces without ${', source: 'a}b{c}$}', expected: [{ text: 'a}b{c}$}' }] },
  { name: 'JSON text without placeholders', source: '{"a":{"b":"$"}}', expected: [{ text: '{"a":{"b":"$"}}' }] },
  {
    name: '$${x}: a dollar then a variable',
    source: '$${x}',
    expected: [{ text: '$' }, { ref: 'x' }],
    offsets: [
      [0, 1],
      [1, 5],
    ],
  },
  {
    name: ':$LATEST after a GetAtt',
    source: '${Fn.Arn}:$LATEST',
    expected: [{ getatt: ['Fn', 'Arn'] }, { text: ':$LATEST' }],
    offsets: [
      [0, 9],
      [9, 17],
    ],
  },
  { name: 'trailing dot is not a GetAtt', source: '${a.}', expected: [{ ref: 'a.' }] },
  { name: 'leading dot is not a GetAtt', source: '${.a}', expected: [{ ref: '.a' }] },
  // Mode 'substitutions' (Step Functions DefinitionSubstitutions): only the keys are placeholders.
  {
    name: 'substitutions: a known key',
    source: 'x${K}y',
    vars: ['K'],
    mode: 'substitutions',
    expected: [{ text: 'x' }, { var: 'K' }, { text: 'y' }],
    offsets: [
      [0, 1],
      [1, 5],
      [5, 6],
    ],
  },
  { name: 'substitutions: an unknown ${x} stays text', source: 'a${x}b${K}', vars: ['K'], mode: 'substitutions', expected: [{ text: 'a${x}b' }, { var: 'K' }] },
  { name: 'substitutions: a dotted key', source: '${A.B}', vars: ['A.B'], mode: 'substitutions', expected: [{ var: 'A.B' }] },
  { name: 'substitutions: a dotted name that is not a key stays text', source: '${A.B}', vars: [], mode: 'substitutions', expected: [{ text: '${A.B}' }] },
  { name: 'substitutions: ${!K} is not an escape, and not the key K', source: '${!K}', vars: ['K'], mode: 'substitutions', expected: [{ text: '${!K}' }] },
  { name: 'substitutions: an unclosed ${ stays text', source: '${K}x${y', vars: ['K'], mode: 'substitutions', expected: [{ var: 'K' }, { text: 'x${y' }] },
  { name: 'substitutions: an unclosed ${ before a key', source: '${a${K}', vars: ['K'], mode: 'substitutions', expected: [{ text: '${a' }, { var: 'K' }] },
  { name: 'substitutions: an empty ${} stays text', source: '${}', vars: [], mode: 'substitutions', expected: [{ text: '${}' }] },
  {
    name: 'substitutions: adjacent keys',
    source: '${A}${B}',
    vars: ['A', 'B'],
    mode: 'substitutions',
    expected: [{ var: 'A' }, { var: 'B' }],
    offsets: [
      [0, 4],
      [4, 8],
    ],
  },
];

describe('tokenizeSub', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const vars = new Set(c.vars ?? []);
    const tokens = tokenizeSub(c.source, (n) => vars.has(n), c.mode ?? 'cloudformation');
    expect(tokens.map(shape)).toEqual(c.expected);
    if (c.offsets) expect(tokens.map((t) => [t.start, t.end])).toEqual(c.offsets);
    expectTiles(c.source, tokens);
    expectSlicesMatchKinds(c.source, tokens);
  });

  test('without a variable predicate, nothing is a var', () => {
    expect(tokenizeSub('${a}').map(shape)).toEqual([{ ref: 'a' }]);
  });

  test.each([
    ['unclosed at the start', '${abc', 'line 1, column 1', '"${abc"'],
    ['unclosed after text', 'text ${AWS::Region', 'line 1, column 6', '"${AWS::Region"'],
    ['unclosed after a complete variable', '${a}${b', 'line 1, column 5', '"${b"'],
    ['unclosed on a later line', '"a": "${x}",\n  "b": "${y"', 'line 2, column 9', '"${y""'],
  ])('an unclosed ${ is a ReadError with its position: %s', (_name, source, where, excerpt) => {
    let error: unknown;
    try {
      tokenizeSub(source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReadError);
    expect((error as Error).message).toContain(`unclosed '\${' at ${where} of the Fn::Sub text: ${excerpt}`);
    expect((error as Error).message).toContain("write '${!' for a literal '${'");
  });

  test.each([
    ['alone', '${}', 'line 1, column 1'],
    ['after text', 'ab${}', 'line 1, column 3'],
  ])('an empty ${} is a ReadError: %s', (_name, source, where) => {
    expect(() => tokenizeSub(source)).toThrow(ReadError);
    expect(() => tokenizeSub(source)).toThrow(`empty variable '\${}' at ${where}`);
  });

  test.each([
    ['a brace inside', '${a${b}c}'],
    ['a space', '${A B}'],
    ['a quote (a missing brace in JSON text)', '{"R": "${Fn.Arn", "Next": "B"}'],
    ['a dash', '${my-var}'],
  ])('a name with characters CloudFormation rejects is a ReadError: %s', (_name, source) => {
    expect(() => tokenizeSub(source)).toThrow(ReadError);
    expect(() => tokenizeSub(source)).toThrow(/is not a variable name/);
  });

  test('a var-map key may hold any characters (the map decides first)', () => {
    expect(tokenizeSub('${my-var}', (n) => n === 'my-var').map(shape)).toEqual([{ var: 'my-var' }]);
  });

  test('substitutions mode accepts any key name', () => {
    expect(tokenizeSub('${a b}${c}', (n) => n === 'a b', 'substitutions').map(shape)).toEqual([{ var: 'a b' }, { text: '${c}' }]);
  });

  test('the unclosed-${ message quotes a bounded excerpt', () => {
    const long = `\${${'x'.repeat(200)}`;
    expect(() => tokenizeSub(long)).toThrow(/"\$\{x{38}…"/);
  });

  test('the predicate receives the exact name between the braces', () => {
    const seen: string[] = [];
    tokenizeSub('${A}${B.C}${!D}', (n) => {
      seen.push(n);
      return false;
    });
    expect(seen).toEqual(['A', 'B.C']);
  });
});

describe('escapeSubText', () => {
  test.each([
    ['', ''],
    ['plain', 'plain'],
    ['${x}', '${!x}'],
    ['a${b}c${d}', 'a${!b}c${!d}'],
    ['$ { } $$ ${', '$ { } $$ ${!'],
    ['${!x}', '${!!x}'],
  ])('%j → %j', (input, output) => {
    expect(escapeSubText(input)).toBe(output);
  });

  test('an escaped text reads back as the original literal', () => {
    for (const text of ['a${b}c', '${!x}', '$${y}', 'arn:${AWS::Region}']) {
      const tokens = tokenizeSub(escapeSubText(text));
      expect(tokens.every((t) => t.kind === 'text' || t.kind === 'escape')).toBe(true);
      expect(tokens.map((t) => (t.kind === 'text' || t.kind === 'escape' ? t.text : '?')).join('')).toBe(text);
    }
  });
});

describe('inlineSubReference', () => {
  test.each<[string, unknown, string | undefined]>([
    ['Ref', { Ref: 'Alias' }, '${Alias}'],
    ['Ref to a pseudo parameter', { Ref: 'AWS::Region' }, '${AWS::Region}'],
    ['GetAtt list', { 'Fn::GetAtt': ['Fn', 'Arn'] }, '${Fn.Arn}'],
    ['GetAtt string', { 'Fn::GetAtt': 'Fn.Arn' }, '${Fn.Arn}'],
    ['GetAtt with a dotted attribute', { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] }, '${Db.Endpoint.Address}'],
    // SAM's `Fn.Alias` would read back as GetAtt [Fn, Alias]: it must become a variable instead.
    ['Ref with a dot', { Ref: 'Fn.Alias' }, undefined],
    ['GetAtt whose resource has a dot', { 'Fn::GetAtt': ['A.B', 'Arn'] }, undefined],
    ['GetAtt with a non-literal attribute', { 'Fn::GetAtt': ['Fn', { Ref: 'P' }] }, undefined],
    ['GetAtt string without a dot', { 'Fn::GetAtt': 'Fn' }, undefined],
    ['GetAtt list of one', { 'Fn::GetAtt': ['Fn'] }, undefined],
    ['Ref to a non-string', { Ref: 1 }, undefined],
    ['Ref with a brace', { Ref: 'a}b' }, undefined],
    ['single colon', { Ref: 'A:B' }, undefined],
    ['Fn::If', { 'Fn::If': ['C', { Ref: 'A' }, { Ref: 'B' }] }, undefined],
    ['two keys', { Ref: 'A', Other: 1 }, undefined],
    ['a string', 'text', undefined],
    ['null', null, undefined],
    ['a list', [{ Ref: 'A' }], undefined],
  ])('%s', (_name, value, expected) => {
    expect(inlineSubReference(value)).toBe(expected);
  });

  test('an inlined reference tokenizes back to the same reference', () => {
    expect(tokenizeSub(inlineSubReference({ 'Fn::GetAtt': ['Db', 'Endpoint.Address'] })!).map(shape)).toEqual([{ getatt: ['Db', 'Endpoint.Address'] }]);
    expect(tokenizeSub(inlineSubReference({ Ref: 'AWS::AccountId' })!).map(shape)).toEqual([{ ref: 'AWS::AccountId' }]);
  });
});

describe('splitGetAttString', () => {
  test.each<[string, [string, string] | undefined]>([
    ['Fn.Arn', ['Fn', 'Arn']],
    ['Db.Endpoint.Address', ['Db', 'Endpoint.Address']],
    ['NoDot', undefined],
    ['.Arn', undefined],
    ['Fn.', undefined],
    ['', undefined],
    ['a.b', ['a', 'b']],
  ])('%j', (input, expected) => {
    expect(splitGetAttString(input)).toEqual(expected);
  });
});

describe('tokenizeSub property', () => {
  const FRAGMENTS = ['a', '$', '{', '}', '!', '${x}', '${!y}', '.', '${', 'b.c', ':'];
  const source = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 24 }).map((xs) => xs.join(''));
  const modes = fc.constantFrom<SubMode>('cloudformation', 'substitutions');
  const names = fc.subarray(['x', 'y', 'b.c', 'a', '!y', '']);

  test('either a ReadError, or tokens whose slices tile the source exactly', () => {
    fc.assert(
      fc.property(source, modes, names, (s, mode, vars) => {
        const known = new Set(vars);
        let tokens: SubToken[];
        try {
          tokens = tokenizeSub(s, (n) => known.has(n), mode);
        } catch (e) {
          // Only CloudFormation's rules reject text; substitutions never do.
          expect(e).toBeInstanceOf(ReadError);
          expect(mode).toBe('cloudformation');
          return;
        }
        expectTiles(s, tokens);
        expectSlicesMatchKinds(s, tokens);
        // No two text tokens in a row: text is merged.
        for (let k = 1; k < tokens.length; k++) expect(tokens[k - 1].kind === 'text' && tokens[k].kind === 'text').toBe(false);
        if (mode === 'substitutions') {
          for (const t of tokens) expect(t.kind === 'text' || (t.kind === 'var' && known.has(t.name))).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('cloudformation mode rejects exactly the texts with an unclosed, empty or malformed placeholder', () => {
    fc.assert(
      fc.property(source, (s) => {
        // An independent reading of the rules: scan ${...} groups left to right; a group is
        // an escape (${!...}), or a name of letters, digits, _ . and :.
        let bad = false;
        for (let i = s.indexOf('${'); i !== -1; ) {
          const close = s.indexOf('}', i + 2);
          const name = close === -1 ? '' : s.slice(i + 2, close);
          if (close === -1 || (!name.startsWith('!') && !/^[A-Za-z0-9_.:]+$/.test(name))) {
            bad = true;
            break;
          }
          i = s.indexOf('${', close + 1);
        }
        let threw = false;
        try {
          tokenizeSub(s);
        } catch {
          threw = true;
        }
        expect(threw).toBe(bad);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('forEachSubName', () => {
  test('names every ${…} but a literal and a pseudo parameter, in order', () => {
    const names: string[] = [];
    forEachSubName('arn:${AWS::Partition}:${Fn.Arn}-${!Lit}-${v}${Ref}${', (n) => names.push(n));
    expect(names).toEqual(['Fn.Arn', 'v', 'Ref']);
  });

  // Its readers (the mentions of template/mentions.ts) rely on it naming at least what tokenizeSub refers to.
  test('property: every reference tokenizeSub reads is named (a superset), pseudo parameters aside', () => {
    const piece = fc.constantFrom('${A}', '${B.Arn}', '${!C}', '${AWS::Region}', '${v}', '${', '}', 'x', '${}', '${a b}', '$', '{');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
        (text) => {
          let tokens: SubToken[];
          try {
            tokens = tokenizeSub(text, (n) => n === 'v');
          } catch {
            return;
          }
          const names: string[] = [];
          forEachSubName(text, (n) => names.push(n));
          for (const t of tokens) {
            if (t.kind === 'ref' && !t.name.startsWith('AWS::')) expect(names).toContain(t.name);
            if (t.kind === 'getatt') expect(names).toContain(`${t.resource}.${t.attribute}`);
          }
        },
      ),
      { numRuns: 500, seed: 20261208 },
    );
  });
});
