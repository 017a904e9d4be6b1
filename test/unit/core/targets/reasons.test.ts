/**
 * Reasons (macro/core/targets/reasons.ts, find.ts, sam.ts): which published target a function's
 * configuration requires, and why; SAM Globals merged as SAM merges them; one alias per exclusive
 * Condition; the Reasons parameter.
 */
import { parseParams } from '../../../../macro/core/params';
import { consequenceOf, configured, functionReasons, parseReasons, REASONS } from '../../../../macro/core/targets/reasons';
import { exclusiveGuards, samProperties } from '../../../../macro/core/targets/sam';
import { WarmTargets, type Resolution } from '../../../../macro/core/targets/find';
import { readTemplate } from '../../../../macro/core/template/read';
import { transform } from '../../../../macro/core/transform';
import { logDecisions } from '../../../../macro/lambda/log';
import { TransformError } from '../../../../macro/errors';
import type { Decision, Json, JsonObject, Reason } from '../../../../macro/types';

const REF = (id: string): Json => ({ Ref: id });
const lambdaFn = (props: JsonObject = {}): JsonObject => ({ Type: 'AWS::Lambda::Function', Properties: props });
const version = (of: Json, props: JsonObject = {}): JsonObject => ({ Type: 'AWS::Lambda::Version', Properties: { FunctionName: of, ...props } });
const alias = (of: Json, name: string, versionId: string, extra: JsonObject = {}, props: JsonObject = {}): JsonObject => ({
  Type: 'AWS::Lambda::Alias',
  ...extra,
  Properties: { FunctionName: of, Name: name, FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] }, ...props },
});
const SNAP: JsonObject = { SnapStart: { ApplyOn: 'PublishedVersions' } };
const DURABLE: JsonObject = { DurableConfig: { ExecutionTimeout: 3600 } };
const MI: JsonObject = {
  CapacityProviderConfig: {
    LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: 'arn:aws:lambda:us-east-1:123456789012:capacity-provider:p' },
  },
};
const PC: JsonObject = { ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } };

function targetsOf(template: JsonObject, aliasName?: string, enabled?: Reason[]): WarmTargets {
  return new WarmTargets(readTemplate(template, 'us-east-1', '123456789012'), aliasName, enabled && new Set(enabled));
}
const resources = (r: JsonObject): JsonObject => ({ Resources: r });

function machine(resource: Json): JsonObject {
  return {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: { RoleArn: 'arn:aws:iam::123456789012:role/r', Definition: { StartAt: 'W', States: { W: { Type: 'Task', Resource: resource, End: true } } } },
  };
}
function run(template: JsonObject, params: JsonObject = {}): { fragment: JsonObject; decisions: Decision[] } {
  const r = transform(template, { ...parseParams(params), region: 'us-east-1', accountId: '123456789012' });
  return { fragment: r.fragment as JsonObject, decisions: r.report.decisions };
}
const resourceOf = (fragment: JsonObject): Json =>
  ((((fragment.Resources as JsonObject).Flow as JsonObject).Properties as JsonObject).Definition as any).States.W.Resource;

describe('function-level reasons', () => {
  test.each<[string, JsonObject, Reason[]]>([
    ['SnapStart on published versions', SNAP, ['SnapStart']],
    ['SnapStart None', { SnapStart: { ApplyOn: 'None' } }, []],
    ['DurableConfig', DURABLE, ['Durable']],
    ['CapacityProviderConfig', MI, ['ManagedInstances']],
    ['DurableConfig: AWS::NoValue', { DurableConfig: { Ref: 'AWS::NoValue' } }, []],
    ['nothing', {}, []],
  ])('%s', (_name, props, expected) => {
    expect(functionReasons(props, new Set(REASONS)).map((r) => r.reason)).toEqual(expected);
  });

  test('a reason turned off is not read', () => {
    expect(functionReasons({ ...SNAP, ...DURABLE }, new Set<Reason>(['Durable'])).map((r) => r.reason)).toEqual(['Durable']);
  });

  test('Fn::If [C, config, NoValue] is in effect when C holds', () => {
    expect(configured({ 'Fn::If': ['IsProd', { ApplyOn: 'PublishedVersions' }, { Ref: 'AWS::NoValue' }] }, () => true)).toEqual([
      { condition: 'IsProd', negate: false },
    ]);
  });
});

describe('targets for each reason', () => {
  test('SnapStart: the alias of the function (no provisioned concurrency on it)', () => {
    const t = targetsOf(resources({ Fn: lambdaFn(SNAP), V: version(REF('Fn')), Live: alias(REF('Fn'), 'live', 'V') }));
    expect(t.resolve('Fn')).toEqual<Resolution>({
      status: 'warm',
      target: { fn: 'Fn', id: 'Live', kind: 'alias', value: REF('Live'), aliasName: 'live', guards: [], reasons: ['SnapStart'] },
    });
  });

  test('durable, version only (the CDK currentVersion without an alias): the version', () => {
    const t = targetsOf(resources({ Fn: lambdaFn(DURABLE), V: version(REF('Fn')) }));
    expect(t.resolve('Fn')).toEqual<Resolution>({
      status: 'warm',
      target: { fn: 'Fn', id: 'V', kind: 'version', value: REF('V'), guards: [], reasons: ['Durable'] },
    });
  });

  test('durable, nothing published: the explicit qualifier $LATEST', () => {
    const t = targetsOf(resources({ Fn: lambdaFn(DURABLE) }));
    expect(t.resolve('Fn')).toEqual<Resolution>({
      status: 'warm',
      target: {
        fn: 'Fn',
        id: 'Fn:$LATEST',
        kind: 'explicit',
        value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, ':$LATEST']] },
        guards: [],
        reasons: ['Durable'],
      },
    });
  });

  test('SnapStart, nothing published: no target, and why', () => {
    expect(targetsOf(resources({ Fn: lambdaFn(SNAP) })).resolve('Fn')).toEqual<Resolution>({ status: 'unpublished', reasons: ['SnapStart'] });
  });

  test('Managed Instances, nothing published: nothing to do (unqualified runs $LATEST.PUBLISHED)', () => {
    expect(targetsOf(resources({ Fn: lambdaFn(MI) })).resolve('Fn')).toEqual<Resolution>({ status: 'cold' });
  });

  test('provisioned concurrency still wins: the warm alias, not the plain one', () => {
    const t = targetsOf(
      resources({ Fn: lambdaFn(DURABLE), V: version(REF('Fn')), Dev: alias(REF('Fn'), 'dev', 'V'), Live: alias(REF('Fn'), 'live', 'V', {}, PC) }),
    );
    const r = t.resolve('Fn');
    expect(r.status === 'warm' && [r.target.id, r.target.reasons]).toEqual(['Live', ['ProvisionedConcurrency', 'Durable']]);
  });

  test('provisioned concurrency on a version with no alias keeps working', () => {
    const t = targetsOf(resources({ Fn: lambdaFn(), V: version(REF('Fn'), PC) }));
    const r = t.resolve('Fn');
    expect(r.status === 'warm' && [r.target.id, r.target.kind, r.target.reasons]).toEqual(['V', 'version', ['ProvisionedConcurrency']]);
  });

  test('two plain aliases of a SnapStart function: AliasName chooses, else an error that names the reason', () => {
    const res = { Fn: lambdaFn(SNAP), V: version(REF('Fn')), A: alias(REF('Fn'), 'a', 'V'), B: alias(REF('Fn'), 'b', 'V') };
    const r = targetsOf(resources(res)).resolve('Fn');
    expect(r.status === 'error' && r.message).toMatch(
      /function Fn has 2 aliases it can be invoked through \(its SnapStart configuration needs a published target\): A \(Name: a\), B \(Name: b\)\. Choose one/,
    );
    const chosen = targetsOf(resources(res), 'b').resolve('Fn');
    expect(chosen.status === 'warm' && chosen.target.id).toBe('B');
  });

  test('the Reasons parameter turns a reason off', () => {
    const t = targetsOf(resources({ Fn: lambdaFn(SNAP), V: version(REF('Fn')), Live: alias(REF('Fn'), 'live', 'V') }), undefined, [
      'ProvisionedConcurrency',
      'Durable',
      'ManagedInstances',
    ]);
    expect(t.resolve('Fn')).toEqual({ status: 'cold' });
  });
});

describe('a function left cold for the Reasons the macro acts on', () => {
  const template = (): JsonObject =>
    resources({ Fn: lambdaFn(), V: version(REF('Fn')), Live: alias(REF('Fn'), 'live', 'V', {}, PC), Flow: machine({ 'Fn::GetAtt': ['Fn', 'Arn'] }) });

  test('without provisioned concurrency among them, the reason names them (not a provisioned concurrency the function has)', () => {
    const { fragment, decisions } = run(template(), { Reasons: 'SnapStart' });
    expect(resourceOf(fragment)).toEqual({ 'Fn::GetAtt': ['Fn', 'Arn'] });
    const cold = decisions.filter((d) => d.action === 'cold');
    expect(cold.map((d) => [d.messageId, d.reason])).toEqual([
      ['decide.noEnabledReason', 'function Fn needs no published target for SnapStart, durable and Managed Instances (the Reasons the macro acts on)'],
    ]);
  });

  test('with provisioned concurrency among them (the default), a function without it keeps the message of old', () => {
    const t = resources({ Fn: lambdaFn(), Flow: machine({ 'Fn::GetAtt': ['Fn', 'Arn'] }) });
    const cold = run(t).decisions.filter((d) => d.action === 'cold');
    expect(cold.map((d) => [d.messageId, d.reason])).toEqual([['decide.noProvisionedConcurrency', 'function Fn has no provisioned concurrency']]);
  });

  test('a SnapStart function when the Reasons leave SnapStart out: its cold line says so, not only that it has no provisioned concurrency', () => {
    const t = resources({ Fn: lambdaFn(SNAP), V: version(REF('Fn')), Live: alias(REF('Fn'), 'live', 'V'), Flow: machine({ 'Fn::GetAtt': ['Fn', 'Arn'] }) });
    for (const Reasons of ['ProvisionedConcurrency', '-SnapStart']) {
      const { fragment, decisions } = run(t, { Reasons });
      expect(resourceOf(fragment)).toEqual({ 'Fn::GetAtt': ['Fn', 'Arn'] });
      const cold = decisions.filter((d) => d.action === 'cold');
      expect(cold.map((d) => [d.messageId, d.data, d.reason])).toEqual([
        [
          'decide.noProvisionedConcurrencyExcluded',
          { fn: 'Fn', excluded: 'SnapStart' },
          'function Fn has no provisioned concurrency, and the Reasons parameter leaves out its SnapStart configuration',
        ],
      ]);
    }
    // With SnapStart on (the default), the same function moves to its alias.
    expect(resourceOf(run(t).fragment)).toEqual({ Ref: 'Live' });
  });

  test('a branch of an Fn::If left cold says the same', () => {
    const t = resources({
      Fn: lambdaFn(),
      Other: lambdaFn(),
      V: version(REF('Fn')),
      Live: alias(REF('Fn'), 'live', 'V', {}, PC),
      Flow: machine({ 'Fn::If': ['IsProd', { 'Fn::GetAtt': ['Fn', 'Arn'] }, { 'Fn::GetAtt': ['Other', 'Arn'] }] }),
    });
    t.Conditions = { IsProd: { 'Fn::Equals': ['a', 'a'] } };
    const reasons = run(t, { Reasons: 'SnapStart' })
      .decisions.map((d) => d.reason ?? '')
      .join('\n');
    expect(reasons).not.toMatch(/has no provisioned concurrency/);
    expect(reasons).toMatch(/needs no published target for SnapStart, durable and Managed Instances/);
  });
});

describe('consequences', () => {
  test.each<[Reason[], boolean, string]>([
    [['ProvisionedConcurrency'], false, 'cold'],
    [['SnapStart'], false, 'cold'],
    [['Durable'], false, 'fails'],
    [['Durable'], true, 'bypasses'],
    [['ManagedInstances'], false, 'bypasses'],
    [['ManagedInstances'], true, 'fails'],
    [['ProvisionedConcurrency', 'Durable'], false, 'fails'],
  ])('%j (explicit $LATEST: %s) → %s', (reasons, latest, expected) => {
    expect(consequenceOf(reasons, latest)).toBe(expected);
  });
});

describe('the report names the reason and the consequence', () => {
  test('durable, unqualified: rewritten to the alias; the decision says durable, fails', () => {
    const { fragment, decisions } = run(
      resources({ Fn: lambdaFn(DURABLE), V: version(REF('Fn')), Live: alias(REF('Fn'), 'live', 'V'), Flow: machine({ 'Fn::GetAtt': ['Fn', 'Arn'] }) }),
    );
    expect(resourceOf(fragment)).toEqual(REF('Live'));
    const d = decisions.find((x) => x.action === 'rewritten')!;
    expect(d).toMatchObject({ reasons: ['Durable'], consequence: 'fails', coldPath: true });
    expect(d.reason).toBe('Resource now invokes Live (durable)');
  });

  test('durable, explicit $LATEST and nothing published: already right, not rewritten again', () => {
    const value = { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, ':$LATEST']] };
    const { fragment, decisions } = run(resources({ Fn: lambdaFn(DURABLE), Flow: machine(value) }));
    expect(resourceOf(fragment)).toEqual(value);
    expect(decisions.filter((x) => x.stateMachine === 'Flow').map((x) => x.action)).toEqual(['unchanged']);
  });

  test('SnapStart, nothing published: a cold path with the exact fix; Mode strict fails', () => {
    const template = resources({ Fn: lambdaFn(SNAP), Flow: machine({ 'Fn::GetAtt': ['Fn', 'Arn'] }) });
    const d = run(template).decisions.find((x) => x.action === 'cold')!;
    expect(d).toMatchObject({ coldPath: true, reasons: ['SnapStart'], consequence: 'cold' });
    expect(d.reason).toMatch(/publish a version and an alias \(SAM: AutoPublishAlias/);
    expect(() => run(template, { Mode: 'strict' })).toThrow(TransformError);
  });

  test('Managed Instances, explicit $LATEST with nothing published: moved to the unqualified ARN, a failure avoided', () => {
    const { fragment, decisions } = run(resources({ Fn: lambdaFn(MI), Flow: machine({ 'Fn::Sub': '${Fn.Arn}:$LATEST' }) }));
    expect(resourceOf(fragment)).toEqual({ 'Fn::GetAtt': ['Fn', 'Arn'] });
    expect(decisions.find((x) => x.action === 'rewritten')).toMatchObject({ reasons: ['ManagedInstances'], consequence: 'fails' });
  });
});

describe('SAM Globals, merged as SAM merges them', () => {
  const index = (globals: JsonObject, fn: JsonObject) => readTemplate({ Globals: { Function: globals }, Resources: { Fn: fn } });
  const sam = (props: JsonObject, extra: JsonObject = {}): JsonObject => ({ Type: 'AWS::Serverless::Function', ...extra, Properties: props });

  test('maps merge key by key, lists concatenate, scalars and intrinsics on the resource win', () => {
    const i = index(
      { AutoPublishAlias: 'live', Environment: { Variables: { A: '1', B: '2' } }, Layers: ['g'], MemorySize: 128, SnapStart: { ApplyOn: 'PublishedVersions' } },
      sam({ Environment: { Variables: { B: '3' } }, Layers: ['l'], MemorySize: { Ref: 'Mem' }, AutoPublishAlias: 'prod' }),
    );
    expect(samProperties(i, i.get('Fn')!)).toEqual({
      AutoPublishAlias: 'prod',
      Environment: { Variables: { A: '1', B: '3' } },
      Layers: ['g', 'l'],
      MemorySize: { Ref: 'Mem' },
      SnapStart: { ApplyOn: 'PublishedVersions' },
    });
  });

  test('IgnoreGlobals: "*" and a list of keys', () => {
    const all = index({ AutoPublishAlias: 'live' }, sam({ Handler: 'h' }, { IgnoreGlobals: '*' }));
    expect(samProperties(all, all.get('Fn')!)).toEqual({ Handler: 'h' });
    const some = index({ AutoPublishAlias: 'live', Runtime: 'java21' }, sam({}, { IgnoreGlobals: ['AutoPublishAlias'] }));
    expect(samProperties(some, some.get('Fn')!)).toEqual({ Runtime: 'java21' });
  });

  test('AutoPublishAlias and provisioned concurrency from Globals make a warm SAM alias', () => {
    const t = new WarmTargets(index({ AutoPublishAlias: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 } }, sam({ Handler: 'h' })));
    const r = t.resolve('Fn');
    expect(r.status === 'warm' && [r.target.id, r.target.aliasName, r.target.reasons]).toEqual(['Fn.Alias', 'live', ['ProvisionedConcurrency']]);
  });

  test('DurableConfig from Globals, AutoPublishAlias on the function', () => {
    const t = new WarmTargets(index({ DurableConfig: { ExecutionTimeout: 60 } }, sam({ AutoPublishAlias: 'prod' })));
    const r = t.resolve('Fn');
    expect(r.status === 'warm' && [r.target.id, r.target.reasons]).toEqual(['Fn.Alias', ['Durable']]);
  });
});

describe('warm aliases under exclusive Conditions', () => {
  const template = (dev: Json): JsonObject => ({
    Parameters: { Stage: { Type: 'String' }, Region: { Type: 'String' } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] }, IsDev: dev },
    Resources: {
      Fn: lambdaFn(),
      V: version(REF('Fn')),
      Prod: alias(REF('Fn'), 'prod', 'V', { Condition: 'IsProd' }, PC),
      Dev: alias(REF('Fn'), 'dev', 'V', { Condition: 'IsDev' }, PC),
      Flow: machine({ 'Fn::GetAtt': ['Fn', 'Arn'] }),
    },
  });

  test('Stage = prod and Stage = dev never hold together: one Fn::If per alias, no AliasName needed', () => {
    const { fragment } = run(template({ 'Fn::Equals': ['dev', { Ref: 'Stage' }] }));
    expect(resourceOf(fragment)).toEqual({ 'Fn::If': ['IsProd', REF('Prod'), { 'Fn::If': ['IsDev', REF('Dev'), { 'Fn::GetAtt': ['Fn', 'Arn'] }] }] });
  });

  test('conditions that can overlap keep the failure', () => {
    expect(() => run(template({ 'Fn::Equals': [{ Ref: 'Region' }, 'eu-west-1'] }))).toThrow(
      /has 2 aliases with provisioned concurrency: Prod \(Name: prod\), Dev \(Name: dev\)/,
    );
  });

  test('a condition that negates another (IsDev: !Not [!Condition IsProd]) is exclusive, and leaves no case out: no fallback branch', () => {
    const { fragment } = run(template({ 'Fn::Not': [{ Condition: 'IsProd' }] }));
    expect(resourceOf(fragment)).toEqual({ 'Fn::If': ['IsProd', REF('Prod'), REF('Dev')] });
  });

  test('Stage allowed only prod and dev: the two aliases leave no case out; with a third value allowed, the function stays the fallback', () => {
    const only = (values: string[]): JsonObject => {
      const t = template({ 'Fn::Equals': ['dev', { Ref: 'Stage' }] });
      return { ...t, Parameters: { ...(t.Parameters as JsonObject), Stage: { Type: 'String', AllowedValues: values } } };
    };
    expect(resourceOf(run(only(['prod', 'dev'])).fragment)).toEqual({ 'Fn::If': ['IsProd', REF('Prod'), REF('Dev')] });
    expect(resourceOf(run(only(['prod', 'dev', 'test'])).fragment)).toEqual({
      'Fn::If': ['IsProd', REF('Prod'), { 'Fn::If': ['IsDev', REF('Dev'), { 'Fn::GetAtt': ['Fn', 'Arn'] }] }],
    });
  });

  test('an alias whose provisioned concurrency holds only where the alias does not exist is no warm target: the task stays', () => {
    const t = template({ 'Fn::Equals': ['dev', { Ref: 'Stage' }] });
    const resources = t.Resources as JsonObject;
    // Prod exists under IsProd; its config applies only under IsDev, which never holds with IsProd.
    resources.Prod = alias(
      REF('Fn'),
      'prod',
      'V',
      { Condition: 'IsProd' },
      { ProvisionedConcurrencyConfig: { 'Fn::If': ['IsDev', PC.ProvisionedConcurrencyConfig, { Ref: 'AWS::NoValue' }] } },
    );
    delete resources.Dev;
    const { fragment, decisions } = run(t);
    expect(resourceOf(fragment)).toEqual({ 'Fn::GetAtt': ['Fn', 'Arn'] });
    expect(decisions.filter((d) => d.action === 'rewritten')).toEqual([]);
    // Under IsProd alone it is warm there.
    resources.Prod = alias(
      REF('Fn'),
      'prod',
      'V',
      { Condition: 'IsProd' },
      { ProvisionedConcurrencyConfig: { 'Fn::If': ['IsProd', PC.ProvisionedConcurrencyConfig, { Ref: 'AWS::NoValue' }] } },
    );
    expect(resourceOf(run(t).fragment)).toEqual({ 'Fn::If': ['IsProd', REF('Prod'), { 'Fn::GetAtt': ['Fn', 'Arn'] }] });
  });

  test('exclusiveGuards: a condition and its negation; equal literals are not exclusive', () => {
    const i = readTemplate(template({ 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] }));
    expect(exclusiveGuards([{ condition: 'A', negate: false }], [{ condition: 'A', negate: true }], i)).toBe(true);
    expect(exclusiveGuards([{ condition: 'IsProd', negate: false }], [{ condition: 'IsDev', negate: false }], i)).toBe(false);
    // IsProd and IsDev of one Stage: never together; every guard of both lists is judged at once.
    const j = readTemplate(template({ 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] }));
    expect(exclusiveGuards([{ condition: 'IsProd', negate: false }], [{ condition: 'IsDev', negate: false }], j)).toBe(true);
    expect(exclusiveGuards([{ condition: 'IsProd', negate: true }], [{ condition: 'IsDev', negate: false }], j)).toBe(false);
    expect(
      exclusiveGuards(
        [
          { condition: 'IsProd', negate: true },
          { condition: 'IsDev', negate: true },
        ],
        [{ condition: 'IsDev', negate: false }],
        j,
      ),
    ).toBe(true);
  });
});

describe('the Reasons parameter', () => {
  test('default: all', () => {
    expect(parseParams({}).reasons).toBeUndefined();
  });
  test('naming some keeps the run-time-failure reasons on', () => {
    expect(parseParams({ Reasons: 'ProvisionedConcurrency' }).reasons).toEqual(['ProvisionedConcurrency', 'Durable', 'ManagedInstances']);
    expect(parseParams({ Reasons: ['SnapStart'] }).reasons).toEqual(['SnapStart', 'Durable', 'ManagedInstances']);
  });
  test('a failure reason is turned off only by name', () => {
    expect(parseParams({ Reasons: 'ProvisionedConcurrency,-Durable' }).reasons).toEqual(['ProvisionedConcurrency', 'ManagedInstances']);
    expect(parseParams({ Reasons: '-SnapStart' }).reasons).toEqual(['ProvisionedConcurrency', 'Durable', 'ManagedInstances']);
  });
  test('unknown names and contradictions fail', () => {
    expect(() => parseParams({ Reasons: 'Snapstart,Warm' })).toThrow(
      /Reasons names "Warm", which is not one of ProvisionedConcurrency, SnapStart, Durable, ManagedInstances/,
    );
    expect(() => parseParams({ Reasons: 'Durable,-Durable' })).toThrow(/Reasons both turns Durable on and off/);
    expect(() => parseParams({ Reasons: '' })).toThrow(/Reasons must be a non-empty list/);
    expect(parseReasons(['-ProvisionedConcurrency', '-SnapStart', '-Durable', '-ManagedInstances'])).toEqual({ enabled: new Set() });
  });
});

describe('a durable function whose DurableConfig is guarded by a Condition, nothing published', () => {
  test('the explicit $LATEST under the Condition, and a second run changes nothing', () => {
    const template: JsonObject = {
      Parameters: { Stage: { Type: 'String' } },
      Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] } },
      Resources: {
        Fn: lambdaFn({ DurableConfig: { 'Fn::If': ['IsProd', { ExecutionTimeout: 60 }, { Ref: 'AWS::NoValue' }] } }),
        Flow: machine({ 'Fn::GetAtt': ['Fn', 'Arn'] }),
      },
    };
    const first = run(template);
    const latest = { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, ':$LATEST']] };
    expect(resourceOf(first.fragment)).toEqual({ 'Fn::If': ['IsProd', latest, { 'Fn::GetAtt': ['Fn', 'Arn'] }] });
    const second = run(first.fragment);
    expect(second.fragment).toEqual(first.fragment);
    expect(second.decisions.filter((d) => d.action === 'rewritten')).toEqual([]);
  });
});

describe('the Lambda logs name the reason', () => {
  test('each decision record carries reasons and consequence', () => {
    const { report } = transform(
      resources({ Fn: lambdaFn(SNAP), V: version(REF('Fn')), Live: alias(REF('Fn'), 'live', 'V'), Flow: machine({ 'Fn::GetAtt': ['Fn', 'Arn'] }) }),
      {
        region: 'us-east-1',
        accountId: '123456789012',
      },
    );
    const records: Record<string, unknown>[] = [];
    logDecisions((r) => records.push(r), 'req-1', report);
    expect(records.find((r) => r.message === 'rewritten')).toMatchObject({
      reasons: ['SnapStart'],
      consequence: 'cold',
      reason: 'Resource now invokes Live (SnapStart)',
      to: '{Live}',
    });
  });
});

describe('Managed Instances with PublishToLatestPublished: false and nothing published', () => {
  test('no target, and a cold path that says why and how to fix it (Mode strict fails)', () => {
    const template = resources({ Fn: lambdaFn({ ...MI, PublishToLatestPublished: false }), Flow: machine({ 'Fn::GetAtt': ['Fn', 'Arn'] }) });
    expect(targetsOf(template).resolve('Fn')).toEqual<Resolution>({ status: 'unpublished', reasons: ['ManagedInstances'] });
    const d = run(template).decisions.find((x) => x.action === 'cold')!;
    expect(d).toMatchObject({ coldPath: true, reasons: ['ManagedInstances'] });
    expect(d.reason).toMatch(/PublishToLatestPublished: false, and the template publishes no version of it: .*to fix it, publish a version and an alias/);
    expect(() => run(template, { Mode: 'strict' })).toThrow(TransformError);
  });

  test('with a version, the version is the target as usual', () => {
    const t = targetsOf(resources({ Fn: lambdaFn({ ...MI, PublishToLatestPublished: false }), V: version(REF('Fn')) }));
    const r = t.resolve('Fn');
    expect(r.status === 'warm' && r.target.id).toBe('V');
  });
});

describe('qualifiers that are already right', () => {
  test('the version of a SnapStart function restores its snapshot: left as it is', () => {
    const { fragment, decisions } = run(resources({ Fn: lambdaFn(SNAP), V: version(REF('Fn')), Live: alias(REF('Fn'), 'live', 'V'), Flow: machine(REF('V')) }));
    expect(resourceOf(fragment)).toEqual(REF('V'));
    expect(decisions.find((d) => d.statePath === 'States.W')).toMatchObject({
      action: 'unchanged',
      reason: expect.stringMatching(/already invokes V, a published target, which its SnapStart configuration needs/),
    });
  });

  test('a durable function with an alias with provisioned concurrency: a plain alias is not warm, the exact version moves to the warm alias', () => {
    const t = targetsOf(
      resources({ Fn: lambdaFn(DURABLE), V: version(REF('Fn')), Dev: alias(REF('Fn'), 'dev', 'V'), Live: alias(REF('Fn'), 'live', 'V', {}, PC) }),
    );
    expect(['Live', 'Dev', 'V'].map((id) => t.isWarmQualifier(id))).toEqual([true, false, false]);
    expect(t.warmAliasNames('Fn')).toEqual(['live']);
    const { fragment } = run(
      resources({
        Fn: lambdaFn(DURABLE),
        V: version(REF('Fn')),
        Dev: alias(REF('Fn'), 'dev', 'V'),
        Live: alias(REF('Fn'), 'live', 'V', {}, PC),
        Flow: machine(REF('V')),
      }),
    );
    expect(resourceOf(fragment)).toEqual(REF('Live'));
  });
});

describe('an explicit Qualifier parameter of $LATEST', () => {
  test('on a Managed Instances function with an alias: left as it is (an explicit qualifier), reported as failing at run time', () => {
    const state = {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Qualifier: '$LATEST' },
      End: true,
    };
    const template = resources({
      Fn: lambdaFn(MI),
      V: version(REF('Fn')),
      Live: alias(REF('Fn'), 'live', 'V'),
      Flow: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { RoleArn: 'arn:aws:iam::123456789012:role/r', Definition: { StartAt: 'W', States: { W: state } } },
      },
    });
    const d = run(template).decisions.find((x) => x.statePath === 'States.W')!;
    expect(d).toMatchObject({ action: 'unchanged', coldPath: true, reasons: ['ManagedInstances'], consequence: 'fails' });
    expect(d.reason).toMatch(/does not use the published target that the Managed Instances configuration needs of Fn \(Qualifier \$LATEST\)/);
  });

  // docs/reasons.md, "Not done": what the macro does with `Qualifier: $LATEST`, reason by reason.
  const qualified = (fnResources: JsonObject, Qualifier: Json = '$LATEST'): JsonObject =>
    resources({
      ...fnResources,
      Flow: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          RoleArn: 'arn:aws:iam::123456789012:role/r',
          Definition: {
            StartAt: 'W',
            States: {
              W: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke',
                Parameters: { FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Qualifier },
                End: true,
              },
            },
          },
        },
      },
    });
  const parametersOf = (fragment: JsonObject): Json =>
    ((((fragment.Resources as JsonObject).Flow as JsonObject).Properties as JsonObject).Definition as any).States.W.Parameters;

  test('on a function with an alias with provisioned concurrency: moved to the alias, as `:$LATEST` is', () => {
    const { fragment, decisions } = run(qualified({ Fn: lambdaFn(), V: version(REF('Fn')), Live: alias(REF('Fn'), 'live', 'V', {}, PC) }));
    expect(parametersOf(fragment)).toEqual({ FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Qualifier: 'live' });
    expect(decisions.find((x) => x.statePath === 'States.W')).toMatchObject({ action: 'rewritten', reasons: ['ProvisionedConcurrency'] });
  });

  test('on a SnapStart function with an alias: left as it is, a cold path', () => {
    const { fragment, decisions } = run(qualified({ Fn: lambdaFn(SNAP), V: version(REF('Fn')), Live: alias(REF('Fn'), 'live', 'V') }));
    expect(parametersOf(fragment)).toMatchObject({ Qualifier: '$LATEST' });
    expect(decisions.find((x) => x.statePath === 'States.W')).toMatchObject({
      action: 'unchanged',
      coldPath: true,
      reasons: ['SnapStart'],
      consequence: 'cold',
    });
  });

  test('docs/definitions.md: on a SnapStart function, another Qualifier (the alias, a version) is left as it is and not reported', () => {
    for (const q of ['live', '7', { 'Fn::GetAtt': ['V', 'Version'] }] as Json[]) {
      const { fragment, decisions } = run(qualified({ Fn: lambdaFn(SNAP), V: version(REF('Fn')), Live: alias(REF('Fn'), 'live', 'V') }, q));
      expect(parametersOf(fragment)).toMatchObject({ Qualifier: q });
      expect(decisions.find((x) => x.statePath === 'States.W')).toMatchObject({ action: 'unchanged' });
      expect(decisions.filter((x) => x.coldPath)).toEqual([]);
    }
  });

  test('on a durable function of which the template publishes nothing: the qualifier AWS documents, no cold path (Mode strict passes)', () => {
    const template = qualified({ Fn: lambdaFn(DURABLE) });
    const { fragment, decisions } = run(template);
    expect(parametersOf(fragment)).toMatchObject({ Qualifier: '$LATEST' });
    const d = decisions.find((x) => x.statePath === 'States.W')!;
    expect(d.action).toBe('unchanged');
    expect(d.coldPath).toBeUndefined();
    expect(() => run(template, { Mode: 'strict' })).not.toThrow();
  });

  test('on a Managed Instances function of which the template publishes nothing: left as it is, not reported as a cold path or a failure', () => {
    const { fragment, decisions } = run(qualified({ Fn: lambdaFn(MI) }));
    expect(parametersOf(fragment)).toMatchObject({ Qualifier: '$LATEST' });
    expect(decisions.filter((x) => x.coldPath)).toEqual([]);
  });
});
