/**
 * Warm targets (macro/core/targets/find.ts): which qualifier of a function has provisioned concurrency,
 * under which conditions, and the errors when the choice is ambiguous.
 */
import { provisionedGuards, WarmTargets, type Resolution } from '../../../../macro/core/targets/find';
import { readTemplate } from '../../../../macro/core/template/read';
import { transform } from '../../../../macro/core/transform';
import type { Json, JsonObject } from '../../../../macro/types';

const PC: Json = { ProvisionedConcurrentExecutions: 5 };
const NO_VALUE: Json = { Ref: 'AWS::NoValue' };

const fn = (name?: string): JsonObject => ({ Type: 'AWS::Lambda::Function', Properties: name ? { FunctionName: name } : {} });
const version = (of: Json, pc?: Json, extra: JsonObject = {}): JsonObject => ({
  Type: 'AWS::Lambda::Version',
  ...extra,
  Properties: { FunctionName: of, ...(pc === undefined ? {} : { ProvisionedConcurrencyConfig: pc }) },
});
const alias = (of: Json, name: Json, pc?: Json, extra: JsonObject = {}, versionId?: string): JsonObject => ({
  Type: 'AWS::Lambda::Alias',
  ...extra,
  Properties: {
    FunctionName: of,
    Name: name,
    FunctionVersion: versionId ? { 'Fn::GetAtt': [versionId, 'Version'] } : '$LATEST',
    ...(pc === undefined ? {} : { ProvisionedConcurrencyConfig: pc }),
  },
});
const samFn = (autoPublishAlias: Json | undefined, pc?: Json, extra: JsonObject = {}): JsonObject => ({
  Type: 'AWS::Serverless::Function',
  ...extra,
  Properties: {
    ...(autoPublishAlias === undefined ? {} : { AutoPublishAlias: autoPublishAlias }),
    ...(pc === undefined ? {} : { ProvisionedConcurrencyConfig: pc }),
  },
});

function targetsOf(resources: JsonObject, aliasName?: string): WarmTargets {
  return new WarmTargets(readTemplate({ Resources: resources }, 'us-east-1', '123456789012'), aliasName);
}

const REF = (id: string): Json => ({ Ref: id });

describe('resolve: one target per function', () => {
  test('a warm alias', () => {
    const t = targetsOf({ Fn: fn(), V: version(REF('Fn')), Live: alias(REF('Fn'), 'live', PC, {}, 'V') });
    expect(t.resolve('Fn')).toEqual<Resolution>({
      status: 'warm',
      target: { fn: 'Fn', id: 'Live', kind: 'alias', value: REF('Live'), aliasName: 'live', guards: [], reasons: ['ProvisionedConcurrency'] },
    });
    expect(t.aliases.get('Live')).toMatchObject({ fn: 'Fn', name: 'live', version: 'V', warm: [] });
  });

  test('a warm version', () => {
    const t = targetsOf({ Fn: fn(), V: version(REF('Fn'), PC) });
    expect(t.resolve('Fn')).toEqual<Resolution>({
      status: 'warm',
      target: { fn: 'Fn', id: 'V', kind: 'version', value: REF('V'), guards: [], reasons: ['ProvisionedConcurrency'] },
    });
  });

  test('a SAM function with AutoPublishAlias and provisioned concurrency', () => {
    const t = targetsOf({ Fn: samFn('live', PC) });
    expect(t.resolve('Fn')).toEqual<Resolution>({
      status: 'warm',
      target: { fn: 'Fn', id: 'Fn.Alias', kind: 'sam-alias', value: REF('Fn.Alias'), aliasName: 'live', guards: [], reasons: ['ProvisionedConcurrency'] },
    });
  });

  test('a SAM function whose AutoPublishAlias is not a literal', () => {
    const t = targetsOf({ Fn: samFn(REF('Stage'), PC) });
    const r = t.resolve('Fn');
    expect(r.status === 'warm' && r.target).toMatchObject({ id: 'Fn.Alias', aliasName: undefined });
  });

  test.each<[string, JsonObject]>([
    ['SAM function without AutoPublishAlias', { Fn: samFn(undefined, PC) }],
    ['SAM function without provisioned concurrency', { Fn: samFn('live') }],
    ['alias without provisioned concurrency', { Fn: fn(), Live: alias(REF('Fn'), 'live') }],
    ['alias with zero provisioned executions', { Fn: fn(), Live: alias(REF('Fn'), 'live', { ProvisionedConcurrentExecutions: 0 }) }],
    ['alias whose provisioned concurrency is AWS::NoValue', { Fn: fn(), Live: alias(REF('Fn'), 'live', NO_VALUE) }],
    ['Fn::If with no provisioned concurrency on either side', { Fn: fn(), Live: alias(REF('Fn'), 'live', { 'Fn::If': ['C', NO_VALUE, NO_VALUE] }) }],
    ['a function alone', { Fn: fn() }],
  ])('cold: %s', (_name, resources) => {
    const t = targetsOf(resources);
    expect(t.resolve('Fn')).toEqual({ status: 'cold' });
    expect(t.isWarm('Fn')).toBe(false);
    expect(t.functionsWithWarmth()).toEqual([]);
  });

  test('the alias wins over a warm version of the same function', () => {
    const t = targetsOf({ Fn: fn(), V: version(REF('Fn'), PC), Live: alias(REF('Fn'), 'live', PC, {}, 'V') });
    const r = t.resolve('Fn');
    expect(r.status === 'warm' && [r.target.kind, r.target.id]).toEqual(['alias', 'Live']);
  });

  test('the alias FunctionName may be GetAtt Arn, a literal name, or a literal ARN', () => {
    const t = targetsOf({
      A: fn('fn-a'),
      B: fn('fn-b'),
      C: fn(),
      AliasA: alias('fn-a', 'live', PC),
      AliasB: alias('arn:aws:lambda:us-east-1:123456789012:function:fn-b', 'live', PC),
      AliasC: alias({ 'Fn::GetAtt': ['C', 'Arn'] }, 'live', PC),
    });
    expect(
      ['A', 'B', 'C'].map((f) => {
        const r = t.resolve(f);
        return r.status === 'warm' ? r.target.id : r.status;
      }),
    ).toEqual(['AliasA', 'AliasB', 'AliasC']);
  });

  test('resolution is per function: other functions are not affected', () => {
    const t = targetsOf({ A: fn(), B: fn(), LiveA: alias(REF('A'), 'live', PC) });
    expect(t.resolve('A').status).toBe('warm');
    expect(t.resolve('B').status).toBe('cold');
    expect(t.resolve('Missing').status).toBe('cold');
    expect(t.functionsWithWarmth()).toEqual(['A']);
  });
});

describe('resolve: ambiguity and AliasName', () => {
  const twoAliases = (): JsonObject => ({
    Fn: fn(),
    Blue: alias(REF('Fn'), 'blue', PC),
    Green: alias(REF('Fn'), 'green', PC),
    Cold: alias(REF('Fn'), 'cold'),
    Dyn: alias(REF('Fn'), REF('Stage'), PC),
  });

  test('several warm aliases without AliasName: an error naming every candidate', () => {
    const r = targetsOf(twoAliases()).resolve('Fn');
    expect(r.status).toBe('error');
    if (r.status !== 'error') return;
    expect(r.message).toBe(
      'function Fn has 3 aliases with provisioned concurrency: Blue (Name: blue), Green (Name: green), Dyn (Name: <not a literal>). Choose one with the Transform parameter AliasName.',
    );
    expect(r.message).not.toContain('Cold');
  });

  test('a warm alias plus a warm SAM alias is ambiguous too', () => {
    const r = targetsOf({ Fn: samFn('live', PC), Blue: alias(REF('Fn'), 'blue', PC) }).resolve('Fn');
    expect(r.status === 'error' && r.message).toContain('Blue (Name: blue), Fn.Alias (Name: live)');
  });

  test('AliasName chooses one of several', () => {
    const r = targetsOf(twoAliases(), 'green').resolve('Fn');
    expect(r.status === 'warm' && r.target.id).toBe('Green');
  });

  test('AliasName can choose the SAM alias', () => {
    const r = targetsOf({ Fn: samFn('live', PC), Blue: alias(REF('Fn'), 'blue', PC) }, 'live').resolve('Fn');
    expect(r.status === 'warm' && r.target.id).toBe('Fn.Alias');
  });

  test('AliasName that no alias of the template has (a typo): a warning, a failure in Mode strict', () => {
    const resources = {
      Fn: fn('my-fn'),
      Live: alias(REF('Fn'), 'live', PC),
      Flow: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { Definition: { StartAt: 'A', States: { A: { Type: 'Task', Resource: { 'Fn::GetAtt': ['Fn', 'Arn'] }, End: true } } } },
      },
    };
    const lenient = transform({ Resources: resources }, { aliasName: 'lvie' });
    expect(lenient.report.summary.rewritten).toBe(1);
    expect(lenient.report.decisions).toContainEqual(
      expect.objectContaining({
        action: 'warning',
        templatePath: 'Transform/WarmStepFunctions/Parameters/AliasName',
        reason: expect.stringContaining("AliasName is 'lvie', but no alias of this template has that name"),
      }),
    );
    expect(() => transform({ Resources: resources }, { aliasName: 'lvie', mode: 'strict' })).toThrow(
      /AliasName is 'lvie', but no alias of this template has that name.*\(Mode strict\)/,
    );
    expect(transform({ Resources: resources }, { aliasName: 'live' }).report.decisions.filter((d) => d.templatePath.includes('AliasName'))).toEqual([]);
  });

  test('AliasName names no alias of the function', () => {
    const r = targetsOf(twoAliases(), 'red').resolve('Fn');
    expect(r).toEqual({
      status: 'error',
      message:
        "AliasName is 'red', but function Fn has no alias named 'red'. Aliases with provisioned concurrency: Blue (Name: blue), Green (Name: green), Dyn (Name: <not a literal>).",
    });
  });

  test('AliasName names an alias without provisioned concurrency', () => {
    const r = targetsOf(twoAliases(), 'cold').resolve('Fn');
    expect(r).toEqual({
      status: 'error',
      message:
        "AliasName is 'cold', but alias Cold (Name: cold) of function Fn has no provisioned concurrency. Aliases with provisioned concurrency: Blue (Name: blue), Green (Name: green), Dyn (Name: <not a literal>).",
    });
  });

  test('AliasName does not override a single warm alias (it only chooses among several)', () => {
    const r = targetsOf({ Fn: fn(), Blue: alias(REF('Fn'), 'blue', PC) }, 'green').resolve('Fn');
    expect(r.status === 'warm' && r.target.id).toBe('Blue');
  });

  test('AliasName naming a cold alias is an error even when the function has one warm alias', () => {
    const r = targetsOf({ Fn: fn(), Blue: alias(REF('Fn'), 'blue', PC), Cold: alias(REF('Fn'), 'cold') }, 'cold').resolve('Fn');
    expect(r).toEqual({
      status: 'error',
      message:
        "AliasName is 'cold', but alias Cold (Name: cold) of function Fn has no provisioned concurrency. Aliases with provisioned concurrency: Blue (Name: blue).",
    });
  });

  test('AliasName naming a cold alias of a function without any warm alias: an error without the empty list', () => {
    const r = targetsOf({ Fn: fn(), Cold: alias(REF('Fn'), 'cold') }, 'cold').resolve('Fn');
    expect(r).toEqual({ status: 'error', message: "AliasName is 'cold', but alias Cold (Name: cold) of function Fn has no provisioned concurrency." });
  });

  test('AliasName does not affect functions that have no alias of that name and at most one warm alias', () => {
    const t = targetsOf({ A: fn(), B: fn(), Blue: alias(REF('A'), 'blue', PC), V: version(REF('B'), PC) }, 'green');
    const a = t.resolve('A');
    const b = t.resolve('B');
    expect(a.status === 'warm' && a.target.id).toBe('Blue');
    expect(b.status === 'warm' && b.target.id).toBe('V');
  });

  test('several warm versions and no warm alias: an error', () => {
    const r = targetsOf({ Fn: fn(), V1: version(REF('Fn'), PC), V2: version(REF('Fn'), PC) }).resolve('Fn');
    expect(r).toEqual({
      status: 'error',
      message: 'function Fn has 2 versions with provisioned concurrency and no such alias: V1, V2. Put provisioned concurrency on one alias.',
    });
  });

  test('several warm versions but one warm alias: the alias', () => {
    const r = targetsOf({ Fn: fn(), V1: version(REF('Fn'), PC), V2: version(REF('Fn'), PC), Live: alias(REF('Fn'), 'live', PC) }).resolve('Fn');
    expect(r.status === 'warm' && r.target.id).toBe('Live');
  });

  test('isWarm is true for an ambiguous function (it is warm, only the target is unclear)', () => {
    expect(targetsOf(twoAliases()).isWarm('Fn')).toBe(true);
  });

  test('results are cached: the same object each time', () => {
    const t = targetsOf(twoAliases());
    expect(t.resolve('Fn')).toBe(t.resolve('Fn'));
  });
});

describe('guards', () => {
  test('Fn::If [C, config, NoValue]: warm when C holds', () => {
    const r = targetsOf({ Fn: fn(), Live: alias(REF('Fn'), 'live', { 'Fn::If': ['HasPc', PC, NO_VALUE] }) }).resolve('Fn');
    expect(r.status === 'warm' && r.target.guards).toEqual([{ condition: 'HasPc', negate: false }]);
  });

  test('Fn::If [C, NoValue, config]: warm when C does not hold', () => {
    const r = targetsOf({ Fn: fn(), Live: alias(REF('Fn'), 'live', { 'Fn::If': ['IsDev', NO_VALUE, PC] }) }).resolve('Fn');
    expect(r.status === 'warm' && r.target.guards).toEqual([{ condition: 'IsDev', negate: true }]);
  });

  test('Fn::If with zero executions on one side counts as no provisioned concurrency there', () => {
    const r = targetsOf({ Fn: fn(), Live: alias(REF('Fn'), 'live', { 'Fn::If': ['HasPc', PC, { ProvisionedConcurrentExecutions: 0 }] }) }).resolve('Fn');
    expect(r.status === 'warm' && r.target.guards).toEqual([{ condition: 'HasPc', negate: false }]);
  });

  test('Fn::If with provisioned concurrency on both sides: no guard', () => {
    const r = targetsOf({ Fn: fn(), Live: alias(REF('Fn'), 'live', { 'Fn::If': ['Big', PC, { ProvisionedConcurrentExecutions: 1 }] }) }).resolve('Fn');
    expect(r.status === 'warm' && r.target.guards).toEqual([]);
  });

  test('the alias Condition comes first, then the provisioned-concurrency guard', () => {
    const r = targetsOf({ Fn: fn(), Live: alias(REF('Fn'), 'live', { 'Fn::If': ['HasPc', PC, NO_VALUE] }, { Condition: 'InProd' }) }).resolve('Fn');
    expect(r.status === 'warm' && r.target.guards).toEqual([
      { condition: 'InProd', negate: false },
      { condition: 'HasPc', negate: false },
    ]);
  });

  test('a version Condition guards the version', () => {
    const r = targetsOf({ Fn: fn(), V: version(REF('Fn'), PC, { Condition: 'InProd' }) }).resolve('Fn');
    expect(r.status === 'warm' && r.target.guards).toEqual([{ condition: 'InProd', negate: false }]);
  });

  test('a SAM function Condition and an Fn::If provisioned concurrency', () => {
    const r = targetsOf({ Fn: samFn('live', { 'Fn::If': ['HasPc', PC, NO_VALUE] }, { Condition: 'InProd' }) }).resolve('Fn');
    expect(r.status === 'warm' && r.target.guards).toEqual([
      { condition: 'InProd', negate: false },
      { condition: 'HasPc', negate: false },
    ]);
  });

  test('nested Fn::If', () => {
    expect(provisionedGuards({ 'Fn::If': ['A', { 'Fn::If': ['B', NO_VALUE, PC] }, NO_VALUE] })).toEqual([
      { condition: 'A', negate: false },
      { condition: 'B', negate: true },
    ]);
  });

  test.each<[string, Json | undefined, ReturnType<typeof provisionedGuards>]>([
    ['absent', undefined, undefined],
    ['null', null, undefined],
    ['NoValue', NO_VALUE, undefined],
    ['zero executions', { ProvisionedConcurrentExecutions: 0 }, undefined],
    ['executions from a parameter', { ProvisionedConcurrentExecutions: REF('Pc') }, []],
    ['a literal config', PC, []],
    ['the whole config from a parameter-driven intrinsic', { 'Fn::FindInMap': ['M', 'K', 'V'] }, []],
  ])('provisionedGuards: %s', (_name, value, expected) => {
    expect(provisionedGuards(value)).toEqual(expected);
  });
});

describe('notes and helpers', () => {
  test('an alias with provisioned concurrency whose FunctionName is an ImportValue: a note, no target', () => {
    const t = targetsOf({ Live: alias({ 'Fn::ImportValue': 'shared-fn' }, 'live', PC) });
    expect(t.notes).toEqual([
      {
        logicalId: 'Live',
        path: 'Resources/Live/Properties/FunctionName',
        message: 'has provisioned concurrency, but its FunctionName {"Fn::ImportValue":"shared-fn"} names no function in this template; it is ignored',
      },
    ]);
    expect(t.aliases.size).toBe(0);
    expect(t.functionsWithWarmth()).toEqual([]);
  });

  test('a cold alias or version on a function outside the template: no note', () => {
    const t = targetsOf({ Live: alias('elsewhere', 'live'), V: version({ 'Fn::ImportValue': 'x' }) });
    expect(t.notes).toEqual([]);
  });

  test('a warm version on a function outside the template: a note', () => {
    const t = targetsOf({ V: version('elsewhere', PC) });
    expect(t.notes.map((n) => n.logicalId)).toEqual(['V']);
  });

  test('isWarmQualifier / functionOfQualifier / warmAliasNames', () => {
    const t = targetsOf({
      Fn: fn(),
      V: version(REF('Fn')),
      Live: alias(REF('Fn'), 'live', PC, {}, 'V'),
      Cold: alias(REF('Fn'), 'cold'),
      Sam: samFn('prod', PC),
      SamCold: samFn('prod'),
    });
    expect(['Live', 'Cold', 'V', 'Sam.Alias', 'SamCold.Alias', 'Fn', 'Nope'].map((id) => t.isWarmQualifier(id))).toEqual([
      true,
      false,
      false,
      true,
      false,
      false,
      false,
    ]);
    // SAM resolves `X.Alias` / `X.Version` of any function with AutoPublishAlias, warm or not.
    expect(['Live', 'Cold', 'V', 'Sam.Alias', 'SamCold.Alias', 'SamCold.Version', 'Fn.Alias', 'Fn'].map((id) => t.functionOfQualifier(id))).toEqual([
      'Fn',
      'Fn',
      'Fn',
      'Sam',
      'SamCold',
      'SamCold',
      undefined,
      undefined,
    ]);
    expect(t.warmAliasNames('Fn')).toEqual(['live']);
    expect(t.warmAliasNames('Sam')).toEqual(['prod']);
    expect(t.warmAliasNames('SamCold')).toEqual([]);
    expect(t.functionsWithWarmth().sort()).toEqual(['Fn', 'Sam']);
  });
});
