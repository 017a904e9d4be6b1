/**
 * The dependency graph (macro/core/template/dependencies.ts) that every writer asks before it adds a reference,
 * the literal ARNs it falls back on (macro/core/targets/literal.ts), and the independent cycle detector of the
 * property tests (test/support/cycles.ts), checked against each other.
 */
import fc from 'fast-check';
import { Dependencies, formatCycle } from '../../../../macro/core/template/dependencies';
import { literalize, literalOf } from '../../../../macro/core/targets/literal';
import { WarmTargets } from '../../../../macro/core/targets/find';
import { readTemplate } from '../../../../macro/core/template/read';
import type { Json, JsonObject } from '../../../../macro/types';
import { dependencyGraph, findCycle } from '../../../support/cycles';

const graphOf = (resources: JsonObject): Dependencies => new Dependencies((id) => (Object.hasOwn(resources, id) ? resources[id] : undefined));
const res = (props: JsonObject = {}, extra: JsonObject = {}): JsonObject => ({ Type: 'Custom::R', Properties: props, ...extra });
/** Does `from` depend on one of `to`, directly or through other resources? */
const reaches = (deps: Dependencies, from: string, ...to: string[]): boolean => deps.path(from, to) !== undefined;

describe('Dependencies', () => {
  test('Ref, GetAtt (both forms), ${X} and ${X.Y} in Fn::Sub, DependsOn (string or list); not Fn::Sub variables or escapes', () => {
    const resources: JsonObject = {
      A: res(
        { a: { Ref: 'B' }, b: { 'Fn::GetAtt': ['C', 'Arn'] }, c: { 'Fn::GetAtt': 'D.Arn' }, d: { 'Fn::Sub': ['${E}${F.Arn}${v}${!G}', { v: { Ref: 'H' } }] } },
        { DependsOn: 'I' },
      ),
      B: res(),
      C: res(),
      D: res(),
      E: res(),
      F: res(),
      G: res(),
      H: res(),
      I: res({}, { DependsOn: ['J', 'NotThere'] }),
      J: res(),
      v: res(),
    };
    const deps = graphOf(resources);
    for (const to of ['B', 'C', 'D', 'E', 'F', 'H', 'I', 'J']) expect([to, reaches(deps, 'A', to)]).toEqual([to, true]);
    for (const to of ['G', 'v']) expect([to, reaches(deps, 'A', to)]).toEqual([to, false]);
    expect(deps.path('A', ['J'])).toEqual(['A', 'I', 'J']);
  });

  test('of two equally short chains, the search takes the edge read first (the same order on every read)', () => {
    const chain = (props: JsonObject, extra: JsonObject = {}): string[] | undefined =>
      graphOf({ A: res(props, extra), B: res({ t: { Ref: 'T' } }), C: res({ t: { Ref: 'T' } }), D: res({ t: { Ref: 'T' } }), T: res() }).path('A', ['T']);
    // The walk stacks a map's values and a list's items, so it reads the last first.
    expect(chain({ p: { Ref: 'C' }, q: { Ref: 'B' } })).toEqual(['A', 'B', 'T']);
    expect(chain({ p: { Ref: 'B' }, q: { Ref: 'C' } })).toEqual(['A', 'C', 'T']);
    expect(chain({ p: [{ Ref: 'C' }, { Ref: 'B' }] })).toEqual(['A', 'B', 'T']);
    // An object's own Fn::Sub before what its values hold; SAM's `C.Alias` is C.
    expect(chain({ p: { 'Fn::Sub': ['${C.Alias}', { v: { Ref: 'B' } }] } })).toEqual(['A', 'C', 'T']);
    // The resource's own keys in order (Properties, then Metadata), each read through before the next; DependsOn last.
    expect(
      graphOf({ A: { ...res({ p: { Ref: 'C' } }), Metadata: { m: { Ref: 'B' } } }, B: res({ t: { Ref: 'T' } }), C: res({ t: { Ref: 'T' } }), T: res() }).path(
        'A',
        ['T'],
      ),
    ).toEqual(['A', 'C', 'T']);
    expect(chain({ p: { Ref: 'D' } }, { DependsOn: ['B', 'C'] })).toEqual(['A', 'D', 'T']);
    expect(chain({}, { DependsOn: ['C', 'B', 'C'] })).toEqual(['A', 'C', 'T']);
  });

  test("a resource added later (the macro's own policy) is known once the writer says it changed; an edge written later is read then", () => {
    const resources: JsonObject = { SM: res({ role: { Ref: 'Policy' } }), Role: res() };
    const deps = graphOf(resources);
    expect(deps.exists('Policy')).toBe(false);
    expect(reaches(deps, 'SM', 'Policy')).toBe(false);
    expect(deps.references({ Ref: 'Policy' })).toEqual(new Set());
    resources.Policy = res({ roles: [{ Ref: 'Role' }] });
    deps.changed('Policy');
    expect(deps.exists('Policy')).toBe(true);
    expect(deps.references({ Ref: 'Policy' })).toEqual(new Set(['Policy']));
    expect(deps.path('Policy', ['Role'])).toEqual(['Policy', 'Role']);
    // SM was read before Policy existed: its edges are read again when it is said to have changed.
    deps.changed('SM');
    expect(deps.path('SM', ['Role'])).toEqual(['SM', 'Policy', 'Role']);
  });

  test("a Ref to SAM's Fn.Alias (or Fn.Version) is a dependency on Fn", () => {
    const deps = graphOf({ Fn: { Type: 'AWS::Serverless::Function', Properties: {} }, SM: res({ d: { Ref: 'Fn.Alias' }, e: { 'Fn::Sub': '${Fn.Version}' } }) });
    expect(deps.references({ Ref: 'Fn.Alias' })).toEqual(new Set(['Fn']));
    expect(deps.path('SM', ['Fn'])).toEqual(['SM', 'Fn']);
  });

  test('both branches of an Fn::If count; pseudo parameters and parameters do not', () => {
    const deps = graphOf({ A: res({ x: { 'Fn::If': ['C', { Ref: 'B' }, { Ref: 'AWS::Region' }] }, y: { Ref: 'Param' } }), B: res() });
    expect(deps.references({ 'Fn::If': ['C', { Ref: 'B' }, { Ref: 'AWS::NoValue' }] })).toEqual(new Set(['B']));
    expect(reaches(deps, 'A', 'B')).toBe(true);
  });

  test('cycle: the shortest circle that new edges would close, as [from, …, from]', () => {
    // Flow → Live → Version → Fn → Flow (the function's environment refers to the state machine).
    const resources: JsonObject = {
      Fn: res({ Environment: { Variables: { FLOW: { Ref: 'Flow' } } } }),
      Version: res({ FunctionName: { Ref: 'Fn' } }),
      Live: res({ FunctionName: { Ref: 'Fn' }, FunctionVersion: { 'Fn::GetAtt': ['Version', 'Version'] } }),
      Flow: res(),
      Other: res(),
    };
    const deps = graphOf(resources);
    expect(deps.cycle('Flow', ['Live'])).toEqual(['Flow', 'Live', 'Fn', 'Flow']);
    expect(formatCycle(deps.cycle('Flow', ['Version'])!)).toBe('Flow → Version → Fn → Flow');
    expect(deps.cycle('Flow', ['Other'])).toBeUndefined();
    expect(deps.cycle('Other', ['Live'])).toBeUndefined();
    // An edge the macro plans (not written yet) counts when passed along, and only then.
    expect(deps.cycle('Other', ['Live'], [['Flow', 'Other']])).toEqual(['Other', 'Live', 'Fn', 'Flow', 'Other']);
    expect(deps.cycle('Other', ['Live'])).toBeUndefined();
  });

  test('reads each resource as it is now: after `changed`, a rewritten resource is read again', () => {
    const resources: JsonObject = { A: res({ x: { Ref: 'B' } }), B: res() };
    const deps = graphOf(resources);
    expect(reaches(deps, 'A', 'B')).toBe(true);
    resources.A = res({ x: 'literal' });
    expect(reaches(deps, 'A', 'B')).toBe(true); // cached
    deps.changed('A');
    expect(reaches(deps, 'A', 'B')).toBe(false);
    resources.New = res({}, { DependsOn: 'A' });
    expect(deps.exists('New')).toBe(true);
    expect(reaches(deps, 'New', 'A')).toBe(true);
  });

  test('property: Dependencies finds a circle exactly when the independent detector does', () => {
    const ids = ['R0', 'R1', 'R2', 'R3', 'R4'];
    const ref = fc.constantFrom(...ids);
    const link = fc.oneof(
      ref.map((id): Json => ({ Ref: id })),
      ref.map((id): Json => ({ 'Fn::GetAtt': [id, 'Arn'] })),
      ref.map((id): Json => ({ 'Fn::GetAtt': `${id}.Arn` })),
      ref.map((id): Json => ({ 'Fn::Sub': `x-\${${id}}` })),
      ref.map((id): Json => ({ 'Fn::Sub': ['${v}', { v: { Ref: id } }] })),
      ref.map((id): Json => ({ 'Fn::Sub': `\${!${id}}` })), // an escape: no dependency
      ref.map((id): Json => ({ 'Fn::If': ['C', 'x', { Ref: id }] })),
    );
    const resource = fc.record({ links: fc.array(link, { maxLength: 2 }), dependsOn: fc.array(ref, { maxLength: 1 }) });
    fc.assert(
      fc.property(fc.tuple(...ids.map(() => resource)), (list) => {
        const resources: JsonObject = {};
        list.forEach((r, k) => {
          resources[ids[k]] = res({ links: r.links }, r.dependsOn.length ? { DependsOn: r.dependsOn } : {});
        });
        const deps = graphOf(resources);
        const graph = dependencyGraph({ Resources: resources });
        // A circle exists iff some resource reaches itself through one of its direct dependencies.
        const macro = ids.some((id) => deps.cycle(id, graph.get(id)!) !== undefined);
        expect(macro).toBe(findCycle({ Resources: resources }) !== undefined);
        for (const id of ids) for (const to of graph.get(id)!) expect(reaches(deps, id, to)).toBe(true);
      }),
      { numRuns: 500, seed: 12 },
    );
  });

  test("a search left incomplete by the caller's `unreaching` (which may reach another state machine) is not kept", () => {
    const machine = (links: string[]): JsonObject => ({ Type: 'AWS::StepFunctions::StateMachine', Properties: { links: links.map((t) => ({ Ref: t })) } });
    const deps = graphOf({ A: res({ b: { Ref: 'B' } }), B: res({ s: { Ref: 'S1' } }), S0: machine([]), S1: machine([]) });
    const unreaching = {};
    // B does not reach S0 (and is kept in unreaching); A's search then stops at B.
    expect(deps.path('B', ['S0'], [], unreaching)).toBeUndefined();
    expect(deps.path('A', ['S0'], [], unreaching)).toBeUndefined();
    expect(deps.path('A', ['S1'])).toEqual(['A', 'B', 'S1']);
  });

  test('property: what one graph keeps between questions (resources that reach no state machine) changes no answer', () => {
    // One graph asked many questions while resources change (each said `changed`): rewritten, or given more edges,
    // against a graph made fresh for each question (it keeps nothing).
    const ids = ['S0', 'S1', 'R0', 'R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7'];
    const type = (id: string): string => (id.startsWith('S') ? 'AWS::StepFunctions::StateMachine' : 'Custom::R');
    const links = fc.array(fc.constantFrom(...ids), { maxLength: 2 });
    // Mostly questions for state machines (those the graph keeps what it learns for), some for others.
    const to = fc.oneof(fc.constantFrom(['S0'], ['S1'], ['S0', 'S1']), fc.subarray(ids, { minLength: 1, maxLength: 2 }));
    // A change or an added edge mostly makes a state machine reachable from where it was not.
    const more = fc.array(fc.constantFrom('S0', 'S1', 'R0'), { minLength: 1, maxLength: 2 });
    const step = fc.oneof(
      { arbitrary: fc.record({ ask: fc.constantFrom(...ids), to, extra: fc.boolean() }), weight: 4 },
      { arbitrary: fc.record({ change: fc.constantFrom(...ids), links: fc.oneof(links, more) }), weight: 1 },
      { arbitrary: fc.record({ add: fc.constantFrom(...ids), links: fc.oneof(links, more) }), weight: 1 },
    );
    fc.assert(
      fc.property(fc.tuple(...ids.map(() => links)), fc.array(step, { maxLength: 40 }), (initial, steps) => {
        const resources: JsonObject = {};
        const linksOf = new Map<string, string[]>();
        const write = (id: string, to: string[]): void => {
          linksOf.set(id, to);
          resources[id] = { Type: type(id), Properties: { links: to.map((t) => ({ Ref: t })) } };
        };
        for (const [k, to] of initial.entries()) write(ids[k], to);
        const kept = graphOf(resources);
        // A caller's `unreaching`, by `to`, valid while nothing changes.
        let unreaching = new Map<string, object>();
        for (const s of steps) {
          if ('change' in s) {
            write(s.change, s.links);
            kept.changed(s.change);
            unreaching = new Map();
          } else if ('add' in s) {
            // Edges written beside the resource's own (a statement added to a role, a DependsOn).
            write(s.add, [...linksOf.get(s.add)!, ...s.links]);
            kept.changed(s.add);
            unreaching = new Map();
          } else {
            const fresh = graphOf(resources);
            const extra: [string, string][] = s.extra ? [[s.ask, 'R0']] : [];
            const key = s.to.join();
            if (!unreaching.has(key)) unreaching.set(key, {});
            const memo = s.extra ? undefined : unreaching.get(key);
            expect(kept.path(s.ask, s.to, extra, memo)).toEqual(fresh.path(s.ask, s.to, extra));
          }
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});

describe('the independent detector (test/support/cycles.ts)', () => {
  test.each<[string, JsonObject, string[] | undefined]>([
    ['none', { A: res({ x: { Ref: 'B' } }), B: res() }, undefined],
    ['Ref', { A: res({ x: { Ref: 'B' } }), B: res({ x: { Ref: 'A' } }) }, ['A', 'B', 'A']],
    ['GetAtt string form and DependsOn', { A: res({ x: { 'Fn::GetAtt': 'B.Arn' } }), B: res({}, { DependsOn: 'A' }) }, ['A', 'B', 'A']],
    ['Fn::Sub ${X.Y}', { A: res({ x: { 'Fn::Sub': '${B.Arn}' } }), B: res({ x: { Ref: 'A' } }) }, ['A', 'B', 'A']],
    ['a variable is not a reference', { A: res({ x: { 'Fn::Sub': ['${B}', { B: 'x' }] } }), B: res({ x: { Ref: 'A' } }) }, undefined],
    ['an escape is not a reference', { A: res({ x: { 'Fn::Sub': '${!B}' } }), B: res({ x: { Ref: 'A' } }) }, undefined],
    ['SAM Fn.Alias', { Fn: res({ x: { Ref: 'SM' } }), SM: res({ x: { Ref: 'Fn.Alias' } }) }, ['Fn', 'SM', 'Fn']],
    ['a Condition names no resource', { A: res({}, { Condition: 'B' }), B: res({ x: { Ref: 'A' } }) }, undefined],
  ])('%s', (_name, resources, cycle) => {
    expect(findCycle({ Resources: resources })).toEqual(cycle);
  });
});

describe('literal ARNs', () => {
  const index = readTemplate({
    Parameters: { P: { Type: 'String' } },
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'my-fn' } },
      Live: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Fn' }, FunctionVersion: '1', Name: 'live' } },
      Named: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Fn' }, FunctionVersion: '1', Name: { Ref: 'P' } } },
      Ver: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
      Computed: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: { 'Fn::Sub': '${AWS::StackName}-x' } } },
      ComputedLive: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Computed' }, FunctionVersion: '1', Name: 'live' } },
      Sam: {
        Type: 'AWS::Serverless::Function',
        Properties: { FunctionName: 'sam-fn', AutoPublishAlias: 'prod', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 } },
      },
    },
  });
  const targets = new WarmTargets(index);
  const sub = (qualified: string): Json => ({ 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${qualified}` });

  test.each<[string, unknown]>([
    ['Fn', { ok: true, value: sub('my-fn') }],
    ['Live', { ok: true, value: sub('my-fn:live') }],
    ['Sam.Alias', { ok: true, value: sub('sam-fn:prod') }],
    ['Named', { ok: false, why: 'the Name of Named is not a literal' }],
    ['Ver', { ok: false, why: 'Ver is a version, whose number is known only once it is published' }],
    ['ComputedLive', { ok: false, why: 'the FunctionName of Computed is not a literal' }],
  ])('%s', (id, expected) => {
    expect(literalOf(id, index, targets)).toEqual(expected);
  });

  test('literalize replaces only the references it is asked to, inside Fn::If', () => {
    const value: Json = { 'Fn::If': ['C', { Ref: 'Live' }, { 'Fn::GetAtt': ['Fn', 'Arn'] }] };
    expect(literalize(value, (id) => id === 'Live', index, targets)).toEqual({
      ok: true,
      value: { 'Fn::If': ['C', sub('my-fn:live'), { 'Fn::GetAtt': ['Fn', 'Arn'] }] },
    });
    expect(literalize(value, () => true, index, targets)).toEqual({ ok: true, value: { 'Fn::If': ['C', sub('my-fn:live'), sub('my-fn')] } });
    expect(literalize({ Ref: 'Ver' }, () => true, index, targets)).toMatchObject({ ok: false });
  });
});
