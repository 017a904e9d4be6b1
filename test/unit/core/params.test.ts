/**
 * The macro's Transform parameters (macro/core/params.ts): accepted forms, and errors that list every
 * problem and the accepted parameters.
 */
import { TransformError } from '../../../macro/errors';
import { ACCEPTED, MODES, parseParams, type MacroParams } from '../../../macro/core/params';

function problemOf(params: unknown): TransformError {
  try {
    parseParams(params);
  } catch (e) {
    expect(e).toBeInstanceOf(TransformError);
    return e as TransformError;
  }
  throw new Error(`expected ${JSON.stringify(params)} to be rejected`);
}

describe('accepted parameters', () => {
  test.each<[string, unknown, MacroParams]>([
    ['undefined', undefined, { resolveExternal: false }],
    ['null', null, { resolveExternal: false }],
    ['empty map', {}, { resolveExternal: false }],
    ['AliasName', { AliasName: 'live' }, { aliasName: 'live', resolveExternal: false }],
    ['StateMachines list', { StateMachines: ['A', 'B'] }, { stateMachines: ['A', 'B'], resolveExternal: false }],
    ['StateMachines comma string, trimmed, empties dropped', { StateMachines: ' A, B ,,C ' }, { stateMachines: ['A', 'B', 'C'], resolveExternal: false }],
    ['Exclude list', { Exclude: ['A'] }, { exclude: ['A'], resolveExternal: false }],
    ['Exclude string', { Exclude: 'A' }, { exclude: ['A'], resolveExternal: false }],
    ...MODES.map((m): [string, unknown, MacroParams] => [`Mode ${m}`, { Mode: m }, { mode: m, resolveExternal: false }]),
    ['ResolveExternal true', { ResolveExternal: true }, { resolveExternal: true }],
    ['ResolveExternal "true"', { ResolveExternal: 'true' }, { resolveExternal: true }],
    ['ResolveExternal "false"', { ResolveExternal: 'false' }, { resolveExternal: false }],
    ['ResolveExternal false', { ResolveExternal: false }, { resolveExternal: false }],
    [
      'everything',
      { AliasName: 'a', StateMachines: 'X', Exclude: ['Y'], Mode: 'strict', ResolveExternal: 'true' },
      { aliasName: 'a', stateMachines: ['X'], exclude: ['Y'], mode: 'strict', resolveExternal: true },
    ],
  ])('%s', (_name, params, expected) => {
    expect(parseParams(params)).toEqual(expected);
  });
});

describe('rejected parameters', () => {
  test.each<[string, unknown, string]>([
    ['a list instead of a map', ['AliasName'], 'the Transform parameters must be a map, got ["AliasName"]'],
    ['a string instead of a map', 'x', 'the Transform parameters must be a map, got "x"'],
    ['unknown parameter', { Alias: 'live' }, 'unknown parameter "Alias"'],
    ['parameter names are case-sensitive', { aliasname: 'live' }, 'unknown parameter "aliasname"'],
    ['empty AliasName', { AliasName: '' }, 'AliasName must be a non-empty string, got ""'],
    ['AliasName not a string', { AliasName: 3 }, 'AliasName must be a non-empty string, got 3'],
    ['StateMachines a number', { StateMachines: 3 }, 'StateMachines must be a list of logical IDs (or a comma-separated string), got 3'],
    [
      'StateMachines with a non-string item',
      { StateMachines: ['A', 1] },
      'StateMachines must be a list of logical IDs (or a comma-separated string), got ["A",1]',
    ],
    ['Exclude with an empty item', { Exclude: ['A', ''] }, 'Exclude must be a list of logical IDs (or a comma-separated string), got ["A",""]'],
    ['Mode unknown', { Mode: 'fast' }, 'Mode must be one of rewrite, report, strict; got "fast"'],
    ['Mode wrong case', { Mode: 'Strict' }, 'Mode must be one of rewrite, report, strict; got "Strict"'],
    ['Mode not a string', { Mode: ['rewrite'] }, 'Mode must be one of rewrite, report, strict; got ["rewrite"]'],
    ['Exclude an empty list', { Exclude: [] }, 'Exclude is empty; omit it to process every state machine'],
    ['StateMachines only commas', { StateMachines: ' , ,' }, 'StateMachines is empty; omit it to process every state machine'],
    ['ResolveExternal "yes"', { ResolveExternal: 'yes' }, 'ResolveExternal must be true or false, got "yes"'],
    ['ResolveExternal 1', { ResolveExternal: 1 }, 'ResolveExternal must be true or false, got 1'],
  ])('%s', (_name, params, message) => {
    const e = problemOf(params);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0].path).toBe('Transform/WarmStepFunctions/Parameters');
    expect(e.problems[0].message).toContain(message);
    expect(e.message).toBe(`Transform/WarmStepFunctions/Parameters: ${e.problems[0].message}`);
    expect(e.problems[0].message.endsWith('.')).toBe(true);
  });

  test('every problem is listed, then the accepted parameters (when one is unknown)', () => {
    const e = problemOf({ Mode: 'x', Bogus: 1, AliasName: '' });
    expect(e.problems[0].message).toBe(
      `Mode must be one of rewrite, report, strict; got "x"; unknown parameter "Bogus"; AliasName must be a non-empty string, got "". Accepted parameters: ${ACCEPTED.join('; ')}.`,
    );
  });

  test('known parameters with bad values: the problems only, without the accepted list', () => {
    const e = problemOf({ Mode: 'x', AliasName: '' });
    expect(e.problems[0].message).toBe('Mode must be one of rewrite, report, strict; got "x"; AliasName must be a non-empty string, got "".');
  });

  test('a parameters value that is not a map: the accepted list', () => {
    expect(problemOf('x').problems[0].message).toContain(`Accepted parameters: ${ACCEPTED.join('; ')}.`);
  });

  test('the accepted list names every parameter', () => {
    const e = problemOf({ Nope: 1 });
    for (const name of ['AliasName', 'StateMachines', 'Exclude', 'Mode', 'ResolveExternal']) expect(e.message).toContain(`${name} (`);
  });

  test('__proto__ as a parameter name is unknown, not a prototype', () => {
    const params = JSON.parse('{"__proto__": {"Mode": "strict"}}');
    expect(problemOf(params).problems[0].message).toContain('unknown parameter "__proto__"');
  });
});

describe("ExternalAccounts (the accounts ResolveExternal may look up besides the stack's own)", () => {
  test.each<[string, unknown, string[]]>([
    ['a list', ['111122223333', '444455556666'], ['111122223333', '444455556666']],
    ['a comma-separated string, trimmed', ' 111122223333 , 444455556666 ', ['111122223333', '444455556666']],
    ['duplicates kept once', ['111122223333', '111122223333'], ['111122223333']],
  ])('accepted: %s', (_name, value, expected) => {
    expect(parseParams({ ExternalAccounts: value })).toEqual({ resolveExternal: false, externalAccounts: expected });
  });

  test("absent: no list (the lookups stay in the stack's own account)", () => {
    expect(parseParams({ ResolveExternal: true }).externalAccounts).toBeUndefined();
  });

  test.each<[string, unknown]>([
    ['a wildcard', '*'],
    ['an 11-digit ID', ['11112222333']],
    ['an ARN', ['arn:aws:iam::111122223333:root']],
    ['a number', 111122223333],
    ['an empty list', []],
    ['only commas', ' , '],
    ['a list with an empty item', ['111122223333', '']],
  ])('rejected: %s', (_name, value) => {
    const e = problemOf({ ExternalAccounts: value });
    expect(e.problems[0].message).toBe(
      `ExternalAccounts must be a list of 12-digit AWS account IDs (or a comma-separated string), got ${JSON.stringify(value)}.`,
    );
  });

  test('named in the accepted list', () => {
    expect(problemOf({ Nope: 1 }).message).toContain('ExternalAccounts (list of 12-digit account IDs');
  });
});
