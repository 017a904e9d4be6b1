/**
 * Property-based tests of the core transform (fast-check): 1,000 generated cases in all.
 *
 * Generators: test/support/arbitraries.ts (valid templates with an oracle of what each
 * definition string invokes; damaged templates; arbitrary values). Checks: test/support/invariants.ts.
 * scripts/fuzz.ts runs the same properties 100,000 times.
 *
 * The seed is fixed (FC_SEED=<seed> runs another one). A failure is shrunk for at most 15 s, then
 * printed with the seed and path to replay (and shrink further):
 * `npm run fuzz -- --property <id> --seed <seed> --path <path>`.
 */
import fc from 'fast-check';
import type { JsonObject } from '../../macro/types';
import { transform } from '../../macro/core/transform';
import { ODD_KEYS, REF_FORMS, clone, conditionalCase, cyclicCase, validCase, type CyclicCase, type ValidCase } from '../support/arbitraries';
import { findCycle } from '../support/cycles';
import { STATEMENTS, checkEffective, checkNoWidening, iamCase, type IamCase } from '../support/iam-cases';
import {
  PROPERTIES,
  checkCycles,
  checkIam,
  checkIdempotent,
  checkInvocations,
  checkOnlyAllowedChanges,
  checkProtoKeys,
  checkReferences,
  describeFailure,
  diff,
  prototypeSnapshot,
  runProperty,
  runValid,
} from '../support/invariants';

const TOTAL_RUNS = 1000;
/** Shrinking budget of a failing property; a passing property takes a few seconds at most. */
const SHRINK_MS = 15_000;
// A fixed seed keeps `npm test` reproducible (CI must not turn red by chance); `npm run fuzz` explores
// new seeds at 100,000 runs, and FC_SEED=<seed> replays any of them here.
const SEED = process.env.FC_SEED === undefined ? 20261127 : Number(process.env.FC_SEED);
const prototypeBefore = prototypeSnapshot();

describe.each(PROPERTIES.map((p) => [p.id, p] as const))('%s', (_id, p) => {
  test(p.title, () => {
    const runs = Math.max(1, Math.round(TOTAL_RUNS * p.share));
    const details = runProperty(p, runs, { seed: SEED, shrinkMs: SHRINK_MS });
    if (details.failed) throw new Error(describeFailure(p, details));
    expect(details.numRuns).toBe(runs);
  }, 60_000);
});

test('P7: Object.prototype and Array.prototype are untouched after all runs', () => {
  expect(prototypeSnapshot()).toBe(prototypeBefore);
  for (const key of ODD_KEYS) {
    if (key === '__proto__' || key === 'constructor' || key === 'toString' || key === 'hasOwnProperty') continue;
    expect(Object.hasOwn(Object.prototype, key)).toBe(false);
  }
  expect(({} as Record<string, unknown>).x).toBeUndefined();
});

test('the budget adds up to 1,000 runs', () => {
  const runs = PROPERTIES.reduce((n, p) => n + Math.max(1, Math.round(TOTAL_RUNS * p.share)), 0);
  expect(runs).toBe(TOTAL_RUNS);
});

/** The accounting property's generator must keep producing the shapes it promises, and decisions on them. */
test('the conditional generator puts Fn::If above states, Parameters, Arguments, States maps, branches and whole definitions, with Qualifier and Fn::ToJsonString, and the macro decides them', () => {
  const seen = new Set<string>();
  for (const c of fc.sample(conditionalCase(), { numRuns: 600, seed: 7 })) {
    for (const op of c.ops) {
      const shape =
        /(state \S.* chosen|States map|Parameters chosen|Arguments chosen|Parallel branch|Qualifier|ToJsonString|DefinitionString chosen|Definition chosen)/.exec(
          op,
        )?.[1];
      if (shape) seen.add(shape.startsWith('state ') ? 'state chosen' : shape);
    }
    const r = transform(c.template, c.options);
    for (const d of r.report.decisions) {
      if (d.when?.length) seen.add(`when:${d.action}`);
      if (d.action === 'rewritten' && /Qualifier/.test(d.reason)) seen.add('qualifier rewritten');
    }
  }
  expect([...seen].sort()).toEqual(
    [
      'Arguments chosen',
      'Definition chosen',
      'DefinitionString chosen',
      'Parallel branch',
      'Parameters chosen',
      'Qualifier',
      'States map',
      'ToJsonString',
      'qualifier rewritten',
      'state chosen',
      'when:cold',
      'when:rewritten',
      'when:unchanged',
      'when:warning',
    ].sort(),
  );
});

/** The valid generator must keep producing every shape it promises, or the properties prove little. */
test('the valid generator covers every reference form, definition form and kind of warm target', () => {
  const cases: ValidCase[] = fc.sample(validCase(), { numRuns: 400, seed: 42 });
  const seen = new Set<string>();
  for (const c of cases) {
    for (const m of c.oracle.machines) seen.add(`definition:${m.form}`).add(`type:${m.type}`);
    for (const f of c.oracle.functions) seen.add(`warm:${f.warm?.kind ?? 'cold'}`).add(`guards:${Math.min(f.warm?.guards.length ?? 0, 2)}`);
    for (const v of c.oracle.values) {
      seen.add(`form:${v.form.replace(/:\$LATEST$/, '')}`);
      if (v.invocation) seen.add(`invocation:${v.aslPath.includes('Arguments') ? 'Arguments' : v.aslPath.includes('Parameters') ? 'Parameters' : 'Resource'}`);
      if (v.rewrite) seen.add(v.externalTarget ? 'rewrite:external' : 'rewrite');
      if (v.form.endsWith(':$LATEST')) seen.add('latest');
      if (v.aslPath.some((k) => k === 'Branches')) seen.add('nested:Branches');
      if (v.aslPath.some((k) => k === 'ItemProcessor')) seen.add('nested:ItemProcessor');
      if (v.aslPath.some((k) => k === 'Iterator')) seen.add('nested:Iterator');
      if (v.statePath.includes('__proto__')) seen.add('state:__proto__');
    }
    if (c.options.stateMachines || c.options.exclude) seen.add('options:select');
    if (c.options.mode === 'report') seen.add('options:report');
    if (c.options.region !== 'us-east-1') seen.add(`region:${c.options.region}`);
    const text = JSON.stringify(c.template);
    if (text.includes('DefinitionSubstitutions')) seen.add('DefinitionSubstitutions');
    if (/"Fn::Sub":\["/.test(text)) seen.add('sub-with-vars');
    if (text.includes('"__proto__"')) seen.add('key:__proto__');
  }
  const expected = [
    ...['object', 'string', 'sub', 'sub-vars', 'join', 'join-nl', 'join-nl-sub'].map((f) => `definition:${f}`),
    'type:AWS::StepFunctions::StateMachine',
    'type:AWS::Serverless::StateMachine',
    ...['alias', 'version', 'sam', 'cold'].map((k) => `warm:${k}`),
    'guards:0',
    'guards:1',
    'guards:2',
    ...REF_FORMS.map((f) => `form:${f}`),
    'form:service',
    'invocation:Resource',
    'invocation:Parameters',
    'invocation:Arguments',
    'rewrite',
    'rewrite:external',
    'latest',
    'nested:Branches',
    'nested:ItemProcessor',
    'nested:Iterator',
    'state:__proto__',
    'options:select',
    'options:report',
    'region:cn-north-1',
    'region:us-gov-west-1',
    'DefinitionSubstitutions',
    'sub-with-vars',
    'key:__proto__',
  ];
  expect(expected.filter((x) => !seen.has(x))).toEqual([]);
});

/**
 * The cycle generator must keep making templates where each writer meets a circular dependency:
 * inputs without one, whose rewrites the macro writes by literal ARN, leaves with a warning, or
 * grants by literal ARN or in its own policy; else the cycle property proves little.
 */
test('the cycle generator makes acyclic templates where every kind of cycle avoidance happens', () => {
  const cases: CyclicCase[] = fc.sample(cyclicCase(), { numRuns: 400, seed: 42 });
  const seen = new Map<string, number>();
  const bump = (k: string): void => void seen.set(k, (seen.get(k) ?? 0) + 1);
  for (const c of cases) {
    if (findCycle(c.template)) continue;
    bump('acyclic input');
    const { report } = transform(c.template, c.options);
    const has = (action: string, re: RegExp, inState?: boolean): boolean =>
      report.decisions.some((d) => d.action === action && re.test(d.reason) && (inState === undefined || (d.statePath !== undefined) === inState));
    if (has('rewritten', /by its literal ARN \(a reference would make a circular dependency/)) bump('slot: literal ARN');
    if (has('warning', /is left as it is: pointing it at .* would make a circular dependency/, true)) bump('slot: left, with a warning');
    if (has('granted', /\(by literal ARN: a reference would make a circular dependency/)) bump('grant: literal ARN');
    if (has('granted', /own AWS::IAM::Policy .*would make a circular dependency/)) bump("grant: the macro's own policy");
  }
  expect(seen.get('acyclic input')).toBeGreaterThan(cases.length / 2);
  for (const k of ['slot: literal ARN', 'slot: left, with a warning', 'grant: literal ARN', "grant: the macro's own policy"])
    expect([k, (seen.get(k) ?? 0) > 0]).toEqual([k, true]);
});

/** Each check must be able to fail: feed it outputs broken on purpose. */
describe('the checks catch broken outputs', () => {
  const cases = fc.sample(validCase(), { numRuns: 300, seed: 7 });
  const rewriting = cases.filter((c) => c.oracle.values.some((v) => v.rewrite));
  const ok = (c: ValidCase) => runValid(c);
  const first = <T>(list: T[], what: string): T => {
    if (!list.length) throw new Error(`no sample case ${what}`);
    return list[0];
  };
  const resources = (v: unknown) => (v as { Resources: Record<string, unknown> }).Resources;

  test('P5 fails when an invocation is left as it was', () => {
    const c = first(rewriting, 'with a rewrite');
    expect(() => checkInvocations(c, c.template)).toThrow(/should resolve to/);
  });

  test('P5 fails when a data value is rewritten', () => {
    const c = first(
      rewriting.filter((x) =>
        x.oracle.machines.some(
          (m) => m.form === 'object' && x.oracle.values.some((v) => v.machine === m.id && !v.invocation && v.fn && v.form === 'getatt-list'),
        ),
      ),
      'with a GetAtt data value in a Definition object',
    );
    const out = clone(ok(c).fragment) as JsonObject;
    const m = c.oracle.machines.find(
      (x) => x.form === 'object' && c.oracle.values.some((v) => v.machine === x.id && !v.invocation && v.form === 'getatt-list'),
    )!;
    const v = c.oracle.values.find((x) => x.machine === m.id && !x.invocation && x.form === 'getatt-list')!;
    let node = (resources(out)[m.id] as { Properties: { Definition: Record<string, unknown> } }).Properties.Definition as unknown;
    for (const k of v.aslPath.slice(0, -1)) node = (node as Record<string, unknown>)[k];
    (node as Record<string, unknown>)[v.aslPath[v.aslPath.length - 1]] = { Ref: `${v.fn}Alias` };
    expect(() => checkInvocations(c, out)).toThrow(/data value/);
  });

  test('IAM fails when the grants the macro added are taken away', () => {
    const caught = rewriting.some((c) => {
      const r = ok(c);
      if (diff(c.template, r.fragment) === undefined) return false;
      const out = clone(r.fragment) as JsonObject;
      const inRes = resources(c.template);
      for (const id of Object.keys(inRes)) {
        const type = (inRes[id] as { Type: string }).Type;
        if (type.startsWith('AWS::IAM::') || type === 'AWS::Serverless::StateMachine') {
          const copy = clone(inRes[id]) as { Properties: Record<string, unknown> };
          if (type === 'AWS::Serverless::StateMachine')
            copy.Properties = { ...(resources(out)[id] as { Properties: Record<string, unknown> }).Properties, Policies: copy.Properties.Policies };
          resources(out)[id] = copy as unknown as JsonObject;
        }
      }
      try {
        checkIam(c, { ...r, fragment: out });
        return false;
      } catch (e) {
        return /does not allow/.test((e as Error).message);
      }
    });
    expect(caught).toBe(true);
  });

  test('P4 fails when an unrelated resource or a role property changes', () => {
    const c = first(
      cases.filter((x) => Object.keys(resources(x.template)).includes('Machine0Role')),
      'with a role',
    );
    const out = clone(ok(c).fragment) as JsonObject;
    (resources(out).Machine0Role as { Properties: Record<string, unknown> }).Properties.Path = '/changed/';
    expect(() => checkOnlyAllowedChanges(c.template, out)).toThrow(/a role changed outside its Policies/);
    const out2 = clone(ok(c).fragment) as JsonObject;
    (resources(out2).Fn0 as { Properties: Record<string, unknown> }).Properties.Timeout = 3;
    expect(() => checkOnlyAllowedChanges(c.template, out2)).toThrow(/no business/);
  });

  test("P4 fails when the macro's own policy resource does more than it may, or a resource is added otherwise", () => {
    const c = first(
      rewriting.filter((x) => Object.keys(resources(ok(x).fragment)).some((id) => id.endsWith('WarmStepFunctionsPolicy'))),
      'whose role Policies is an intrinsic',
    );
    const out = ok(c).fragment;
    const id = Object.keys(resources(out)).find((k) => k.endsWith('WarmStepFunctionsPolicy'))!;
    expect(() => checkOnlyAllowedChanges(c.template, out)).not.toThrow();
    const broken = (edit: (policy: { Properties: Record<string, unknown> }, all: Record<string, unknown>) => void): JsonObject => {
      const o = clone(out) as JsonObject;
      edit(resources(o)[id] as { Properties: Record<string, unknown> }, resources(o));
      return o;
    };
    expect(() =>
      checkOnlyAllowedChanges(
        c.template,
        broken((p) => (p.Properties.Roles = [{ Ref: 'SomeoneElse' }])),
      ),
    ).toThrow(/attached to more than/);
    expect(() =>
      checkOnlyAllowedChanges(
        c.template,
        broken((p) => (p.Properties.PolicyDocument = { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] })),
      ),
    ).toThrow(/does more than allow/);
    expect(() =>
      checkOnlyAllowedChanges(
        c.template,
        broken((_p, all) => (all.Extra = { Type: 'AWS::SNS::Topic' })),
      ),
    ).toThrow(/not its policy/);
    expect(() =>
      checkOnlyAllowedChanges(
        c.template,
        broken((_p, all) => {
          const sm = Object.values(all).find((r) => (r as { Type: string }).Type === 'AWS::StepFunctions::StateMachine') as Record<string, unknown>;
          sm.DependsOn = ['Unrelated'];
        }),
      ),
    ).toThrow(/DependsOn changed/);
  });

  test('P6 fails on a reference to a missing resource or condition', () => {
    const c = first(rewriting, 'with a rewrite');
    const out = clone(ok(c).fragment) as JsonObject;
    (resources(out).Fn0 as { Properties: Record<string, unknown> }).Properties.Description = { 'Fn::If': ['NoSuchCondition', { Ref: 'NoSuchResource' }, ''] };
    expect(() => checkReferences(c.template, out, c.oracle.conditions)).toThrow(/NoSuch/);
  });

  test('P7 fails when an own __proto__ key is lost', () => {
    const input = { Resources: { X: { Type: 'Custom::X', Properties: JSON.parse('{"__proto__": {"a": 1}}') } } };
    const output = { Resources: { X: { Type: 'Custom::X', Properties: { a: 1 } } } };
    expect(() => checkProtoKeys(input, output)).toThrow(/__proto__/);
    const polluted = { Resources: { X: { Type: 'Custom::X', Properties: Object.create({ a: 1 }) } } };
    expect(() => checkProtoKeys({ Resources: {} }, polluted)).toThrow(/prototype/);
  });

  test('Cycles fails when the output has a circular dependency the input did not have', () => {
    const c = first(
      fc.sample(cyclicCase(), { numRuns: 200, seed: 3 }).filter((x) => !findCycle(x.template) && x.oracle.machines.length > 0),
      'without a cycle',
    );
    const r = ok(c);
    const out = clone(r.fragment) as JsonObject;
    const m = c.oracle.machines[0].id;
    const fn = c.oracle.functions[0].id;
    Object.assign(resources(out)[m] as object, { DependsOn: [fn] });
    Object.assign(resources(out)[fn] as object, { DependsOn: [m] });
    expect(() => checkCycles(c, { ...r, fragment: out })).toThrow(/circular dependency that the input did not have/);
  });

  test('Cycles fails when a warning names a cycle that is not there', () => {
    const c = first(
      fc
        .sample(cyclicCase(), { numRuns: 150, seed: 4 })
        .filter((x) => !findCycle(x.template) && ok(x).report.decisions.some((d) => d.action === 'warning' && d.statePath && /circular/.test(d.reason))),
      'with a slot left because of a cycle',
    );
    const r = ok(c);
    const decisions = r.report.decisions.map((d) =>
      d.action === 'warning' && d.statePath && /circular/.test(d.reason) ? { ...d, reason: d.reason.replace(/ → /, ' → Nowhere → ') } : d,
    );
    expect(() => checkCycles(c, { ...r, report: { ...r.report, decisions } })).toThrow(/no dependency of the template/);
  });

  test('P3 fails when the output is not a fixed point', () => {
    const c = first(
      rewriting.filter((x) => !x.oracle.reportOnly),
      'with a rewrite',
    );
    const r = ok(c);
    expect(() => checkIdempotent({ ...r, fragment: c.template }, c.options)).toThrow(/not idempotent/);
  });
});

/** The IAM generator must keep producing every caller, placement, boundary and statement shape. */
test('the IAM generator covers every calling principal, policy placement, boundary and statement shape', () => {
  const cases: IamCase[] = fc.sample(iamCase(), { numRuns: 400, seed: 42 });
  const seen = new Set<string>();
  for (const c of cases) {
    const text = JSON.stringify(c.template);
    const res = c.template.Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    const sm = res.SM;
    if (sm.Type === 'AWS::Serverless::StateMachine') seen.add('caller:sam');
    else if (text.includes('Credentials')) seen.add('caller:credentials');
    else if (JSON.stringify(sm.Properties?.RoleArn).includes('ExistingRoleArn')) seen.add('caller:if-external');
    else if (JSON.stringify(sm.Properties?.RoleArn).includes('Role2')) seen.add('caller:if-two-roles');
    else seen.add('caller:role');
    for (const [name, s] of Object.entries(STATEMENTS)) if (text.includes(JSON.stringify(s))) seen.add(`statement:${name}`);
    if (text.includes('"AWS::IAM::Policy"')) seen.add('placement:policy');
    if (text.includes('"AWS::IAM::RolePolicy"')) seen.add('placement:role-policy');
    if (text.includes('RoleManaged')) seen.add('placement:managed');
    if (text.includes('"Condition":"C1"')) seen.add('placement:conditional policy');
    if (text.includes('{"Fn::If":["C1",{"') && text.includes('"Effect"')) seen.add('statement under Fn::If');
    if (text.includes('RoleBoundary')) seen.add('boundary:template');
    if (text.includes('org-boundary')) seen.add('boundary:external');
    if (text.includes('AWSXrayWriteOnlyAccess')) seen.add('managed:external');
    if ((res.Live as { Condition?: string }).Condition) seen.add('alias under a Condition');
    if (c.options.mode === 'report') seen.add('mode:report');
  }
  const expected = [
    ...['role', 'if-two-roles', 'if-external', 'credentials', 'sam'].map((k) => `caller:${k}`),
    ...Object.keys(STATEMENTS).map((k) => `statement:${k}`),
    'placement:policy',
    'placement:role-policy',
    'placement:managed',
    'placement:conditional policy',
    'statement under Fn::If',
    'boundary:template',
    'boundary:external',
    'managed:external',
    'alias under a Condition',
    'mode:report',
  ];
  expect(expected.filter((x) => !seen.has(x))).toEqual([]);
});

/** The IAM checks must be able to fail: feed them outputs broken on purpose. */
describe('the IAM checks catch broken outputs', () => {
  // Generated cases made narrow: a plain state machine whose role allows the function alone
  // (inline), with no boundary and nothing external, so that the grant the macro adds is the only
  // thing that lets the role invoke the alias.
  const narrowed = (c: IamCase): IamCase | undefined => {
    const t = clone(c.template) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const sm = t.Resources.SM;
    if (
      c.options.mode === 'report' ||
      sm.Type !== 'AWS::StepFunctions::StateMachine' ||
      JSON.stringify(sm.Properties.RoleArn) !== '{"Fn::GetAtt":["Role","Arn"]}'
    )
      return undefined;
    if (JSON.stringify(sm.Properties).includes('Credentials')) return undefined;
    for (const id of ['RolePolicy', 'RoleManaged', 'RoleBoundary']) delete t.Resources[id];
    t.Resources.Role.Properties = {
      AssumeRolePolicyDocument: t.Resources.Role.Properties.AssumeRolePolicyDocument,
      Policies: [{ PolicyName: 'invoke', PolicyDocument: { Version: '2012-10-17', Statement: [STATEMENTS.allowFn] } }],
    };
    return { ...c, template: t as unknown as JsonObject };
  };
  const cases = fc
    .sample(iamCase(), { numRuns: 200, seed: 11 })
    .map(narrowed)
    .filter((c): c is IamCase => c !== undefined);
  const statementsOf = (out: unknown): string =>
    JSON.stringify((out as { Resources: { Role: { Properties: { Policies: unknown } } } }).Resources.Role.Properties.Policies);

  test('checkEffective: a rewrite whose grant was taken away is caught', () => {
    expect(cases.length).toBeGreaterThan(10);
    for (const c of cases) {
      const r = transform(c.template, c.options);
      const fragment = clone(r.fragment) as { Resources: { Role: { Properties: { Policies: unknown } } } };
      fragment.Resources.Role.Properties.Policies = (c.template.Resources as { Role: { Properties: { Policies: unknown } } }).Role.Properties.Policies;
      expect(statementsOf(fragment)).not.toBe(statementsOf(r.fragment));
      expect(() => checkEffective(c, { ...r, fragment })).toThrow(/may not invoke/);
    }
  });

  test('checkNoWidening: a grant widened to lambda:* on the alias, or to the whole function, is caught', () => {
    expect(cases.length).toBeGreaterThan(10);
    for (const c of cases) {
      const r = transform(c.template, c.options);
      for (const broaden of [
        (s: Record<string, unknown>): void => {
          s.Action = 'lambda:*';
        },
        (s: Record<string, unknown>): void => {
          s.Resource = [...(s.Resource as unknown[]), { 'Fn::GetAtt': ['Other', 'Arn'] }];
        },
      ]) {
        const fragment = clone(r.fragment) as {
          Resources: { Role: { Properties: { Policies: { PolicyDocument: { Statement: Record<string, unknown>[] } }[] } } };
        };
        const policies = fragment.Resources.Role.Properties.Policies;
        const grant = policies[policies.length - 1].PolicyDocument.Statement.at(-1)!;
        broaden(grant);
        expect(() => checkNoWidening(c, { ...r, fragment: fragment as unknown as JsonObject })).toThrow(/changed beyond lambda:InvokeFunction/);
      }
    }
  });
});
