/**
 * Helpers for running the macro over the real-world template corpus (`shared/corpus`, beside the repository):
 * locating and loading the templates, an independent oracle that finds the Lambda functions each state machine
 * invokes, `warm(template)` that gives those functions provisioned concurrency, and a structural diff.
 *
 * The oracle is written independently of macro/ on purpose: nothing here imports product code. It works on the
 * materialised definition (every intrinsic replaced by a sample value, see `materialize` in ./validate), where
 * `Ref X` / `GetAtt X.Arn` become `arn:aws:lambda:us-east-1:123456789012:function:X`, so every invocation target
 * can be mapped back to a logical ID (or to a function's literal FunctionName).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { materialize, resolveIntrinsics, SAMPLE_ACCOUNT, SAMPLE_REGION, sampleArn } from './validate';

// ---------------------------------------------------------------------------------------------------------------
// Locating and loading the corpus
// ---------------------------------------------------------------------------------------------------------------

/** Sub-folders of the corpus, each a flat folder of JSON templates. */
export const CORPUS_FOLDERS = ['sam-translator-output', 'cdk-integ'] as const;

/** The corpus lives in `shared/corpus` beside the repository (CI copies `shared/` next to a fresh clone). */
export function corpusRoot(repoRoot: string): string {
  return path.resolve(repoRoot, '..', 'shared', 'corpus');
}

export interface CorpusEntry {
  /** `<folder>/<file>`: the test name. */
  name: string;
  file: string;
}

/** Every template of the corpus, sorted; throws (with what is missing) when the corpus is not there. */
export function listCorpus(root: string): CorpusEntry[] {
  if (!fs.existsSync(root)) {
    throw new Error(
      `The template corpus is missing: expected ${root} (shared/corpus beside the repository, with ${CORPUS_FOLDERS.join(' and ')}). ` +
        'Copy shared/ next to the clone before running the integration tests.',
    );
  }
  const out: CorpusEntry[] = [];
  for (const folder of CORPUS_FOLDERS) {
    const dir = path.join(root, folder);
    if (!fs.existsSync(dir)) throw new Error(`The template corpus is incomplete: ${dir} is missing.`);
    for (const f of fs.readdirSync(dir).sort()) {
      if (f.endsWith('.json')) out.push({ name: `${folder}/${f}`, file: path.join(dir, f) });
    }
  }
  return out;
}

export type Template = { Resources: Record<string, Resource>; [key: string]: unknown };
export type Resource = { Type: string; Properties?: Record<string, any>; Condition?: string; Metadata?: any; [key: string]: unknown };

/** Reads a corpus template as CloudFormation sends it to a macro: long-form JSON without the Transform key. */
export function loadTemplate(file: string): Template {
  const t = JSON.parse(fs.readFileSync(file, 'utf8')) as Template;
  delete t.Transform;
  return t;
}

// ---------------------------------------------------------------------------------------------------------------
// State machines and their definitions
// ---------------------------------------------------------------------------------------------------------------

export const STATE_MACHINE_TYPES = new Set(['AWS::StepFunctions::StateMachine', 'AWS::Serverless::StateMachine']);
export const FUNCTION_TYPES = new Set(['AWS::Lambda::Function', 'AWS::Serverless::Function']);
export const DEFINITION_PROPERTIES = ['Definition', 'DefinitionString'] as const;

export interface StateMachineInfo {
  id: string;
  type: string;
  /** 'Definition' | 'DefinitionString', or undefined when the definition is elsewhere (S3) or missing. */
  property?: string;
  /** The materialised ASL, when the definition is inline and materialises. */
  asl?: any;
  /** Why there is no `asl`. */
  unreadable?: string;
}

export function stateMachines(t: Template): StateMachineInfo[] {
  const out: StateMachineInfo[] = [];
  for (const [id, r] of Object.entries(t.Resources ?? {})) {
    if (!STATE_MACHINE_TYPES.has(r.Type)) continue;
    const p = r.Properties ?? {};
    const property = DEFINITION_PROPERTIES.find((k) => Object.hasOwn(p, k));
    const info: StateMachineInfo = { id, type: r.Type, property };
    if (!property) info.unreadable = 'DefinitionS3Location' in p || 'DefinitionUri' in p ? 'definition in S3' : 'no definition';
    else {
      try {
        info.asl = materialize(p[property], p.DefinitionSubstitutions);
      } catch (e) {
        info.unreadable = `does not materialise: ${(e as Error).message.split('\n')[0]}`;
      }
    }
    out.push(info);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The oracle: invocation slots of a materialised definition
// ---------------------------------------------------------------------------------------------------------------

export type SlotField = 'Resource' | 'Parameters.FunctionName' | 'Arguments.FunctionName';

export interface OracleSlot {
  stateMachine: string;
  /** Path of the value inside the ASL object, e.g. ['States', 'A', 'Branches', 0, 'States', 'B', 'Resource']. */
  aslPath: (string | number)[];
  state: string;
  field: SlotField;
  /** The materialised value. */
  value: string;
  /** The Task also sets `Qualifier` / `Qualifier.$` next to FunctionName. */
  explicitQualifierParameter: boolean;
  target: LambdaTarget;
}

/** What a materialised invocation value designates. */
export type LambdaTarget =
  | { kind: 'function'; fn: string; qualifier?: string }
  | { kind: 'alias'; fn: string; id: string }
  | { kind: 'version'; fn: string; id: string }
  /** A Lambda ARN or name that is no resource of the template (another account/region, or not defined here). */
  | { kind: 'external'; value: string };

/** Things in definitions that look like invocations but are not (kept to check they stay unchanged). */
export interface OracleNote {
  stateMachine: string;
  state: string;
  kind: 'dynamic' | 'aws-sdk-lambda';
  detail: string;
}

// The optimized integration and the AWS SDK integration of Lambda's Invoke API (both take FunctionName and Qualifier).
const LAMBDA_INVOKE = /^arn:[a-z-]+:states:::(aws-sdk:)?lambda:invoke(\.waitForTaskToken)?$/;
const LAMBDA_ARN = /^arn:[a-z-]+:lambda:/;
const FULL_ARN = /^arn:([a-z-]+):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_.-]+)(?::([A-Za-z0-9$_-]+))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([A-Za-z0-9_.-]+)(?::([A-Za-z0-9$_-]+))?$/;
const BARE_NAME = /^([A-Za-z0-9_-]+)(?::([A-Za-z0-9$_-]+))?$/;

/** Logical ID of the function a Lambda-ish resource's FunctionName value designates (Ref / GetAtt .Arn / literal name). */
export function functionOfValue(t: Template, v: unknown): string | undefined {
  const res = t.Resources;
  const isFn = (id: unknown): id is string => typeof id === 'string' && FUNCTION_TYPES.has(res[id]?.Type);
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if ('Ref' in o && isFn(o.Ref)) return o.Ref;
    const ga = o['Fn::GetAtt'];
    const pair = Array.isArray(ga) ? ga : typeof ga === 'string' ? [ga.split('.')[0], ga.split('.').slice(1).join('.')] : undefined;
    if (pair && pair[1] === 'Arn' && isFn(pair[0])) return pair[0];
    return undefined;
  }
  if (typeof v === 'string') {
    const m = FULL_ARN.exec(v) ?? PARTIAL_ARN.exec(v);
    const name = m ? (m.length === 6 ? m[4] : m[2]) : v;
    return functionsByLiteralName(t).get(name);
  }
  return undefined;
}

function functionsByLiteralName(t: Template): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, r] of Object.entries(t.Resources)) {
    const name = r.Properties?.FunctionName;
    if (FUNCTION_TYPES.has(r.Type) && typeof name === 'string') out.set(name, id);
  }
  return out;
}

/** Maps a materialised invocation value back to the template. */
export function targetOf(t: Template, value: string, field: SlotField): LambdaTarget {
  let name: string;
  let qualifier: string | undefined;
  const full = FULL_ARN.exec(value);
  const partial = full ? null : PARTIAL_ARN.exec(value);
  const bare = full || partial || field === 'Resource' ? null : BARE_NAME.exec(value);
  if (full) {
    if (full[2] !== SAMPLE_REGION || full[3] !== SAMPLE_ACCOUNT) return { kind: 'external', value };
    [name, qualifier] = [full[4], full[5]];
  } else if (partial) {
    if (partial[1] !== SAMPLE_ACCOUNT) return { kind: 'external', value };
    [name, qualifier] = [partial[2], partial[3]];
  } else if (bare) {
    [name, qualifier] = [bare[1], bare[2]];
  } else return { kind: 'external', value };

  const r = t.Resources[name];
  // A sample ARN names a logical ID (Ref X / GetAtt X.Arn); a literal names a function by its FunctionName.
  if (r && FUNCTION_TYPES.has(r.Type)) return { kind: 'function', fn: name, qualifier };
  if (r && (r.Type === 'AWS::Lambda::Alias' || r.Type === 'AWS::Lambda::Version') && qualifier === undefined) {
    const fn = functionOfValue(t, r.Properties?.FunctionName);
    if (fn) return { kind: r.Type === 'AWS::Lambda::Alias' ? 'alias' : 'version', fn, id: name };
    return { kind: 'external', value };
  }
  const byName = functionsByLiteralName(t).get(name);
  if (byName) return { kind: 'function', fn: byName, qualifier };
  return { kind: 'external', value };
}

/** Every Lambda invocation of every readable state machine, found on the materialised definitions. */
export function findInvocations(t: Template, machines = stateMachines(t)): { slots: OracleSlot[]; notes: OracleNote[] } {
  const slots: OracleSlot[] = [];
  const notes: OracleNote[] = [];
  for (const sm of machines) {
    if (!sm.asl) continue;
    walkStates(sm.asl, [], (state, name, statePath) => {
      if (state?.Type !== 'Task' || typeof state.Resource !== 'string') return;
      const resource: string = state.Resource;
      if (LAMBDA_INVOKE.test(resource)) {
        for (const container of ['Parameters', 'Arguments'] as const) {
          const params = state[container];
          if (params === undefined) continue;
          if (typeof params === 'string' || params === null || typeof params !== 'object') {
            notes.push({ stateMachine: sm.id, state: name, kind: 'dynamic', detail: `${container} is an expression` });
            continue;
          }
          if ('FunctionName.$' in params) notes.push({ stateMachine: sm.id, state: name, kind: 'dynamic', detail: `${container}.FunctionName.$` });
          const fn = params.FunctionName;
          if (typeof fn !== 'string') continue;
          if (/^\s*\{%[\s\S]*%\}\s*$/.test(fn)) {
            notes.push({ stateMachine: sm.id, state: name, kind: 'dynamic', detail: `${container}.FunctionName is JSONata` });
            continue;
          }
          const field = `${container}.FunctionName` as SlotField;
          slots.push({
            stateMachine: sm.id,
            aslPath: [...statePath, container, 'FunctionName'],
            state: name,
            field,
            value: fn,
            explicitQualifierParameter: 'Qualifier' in params || 'Qualifier.$' in params,
            target: targetOf(t, fn, field),
          });
        }
      } else if (LAMBDA_ARN.test(resource)) {
        slots.push({
          stateMachine: sm.id,
          aslPath: [...statePath, 'Resource'],
          state: name,
          field: 'Resource',
          value: resource,
          explicitQualifierParameter: false,
          target: targetOf(t, resource, 'Resource'),
        });
      } else if (/^arn:[a-z-]+:states:::aws-sdk:lambda:/.test(resource)) {
        notes.push({ stateMachine: sm.id, state: name, kind: 'aws-sdk-lambda', detail: resource });
      }
    });
  }
  return { slots, notes };
}

/** Visits every state at every depth (Parallel Branches, Map Iterator / ItemProcessor). */
function walkStates(machine: any, base: (string | number)[], visit: (state: any, name: string, statePath: (string | number)[]) => void): void {
  const states = machine?.States;
  if (!states || typeof states !== 'object') return;
  for (const [name, state] of Object.entries<any>(states)) {
    const statePath = [...base, 'States', name];
    visit(state, name, statePath);
    if (state?.Type === 'Parallel' && Array.isArray(state.Branches)) {
      state.Branches.forEach((b: unknown, k: number) => {
        walkStates(b, [...statePath, 'Branches', k], visit);
      });
    }
    if (state?.Type === 'Map') {
      for (const key of ['Iterator', 'ItemProcessor']) if (state[key]) walkStates(state[key], [...statePath, key], visit);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// warm(template): provisioned concurrency on the functions the state machines invoke
// ---------------------------------------------------------------------------------------------------------------

export const WARM_ALIAS_NAME = 'warm';

export interface WarmPlan {
  template: Template;
  /** Function logical ID → logical ID of the alias that now carries provisioned concurrency. */
  aliasOf: Map<string, string>;
  /** Function logical ID → what was done: a new alias, or PC added to an existing one. */
  how: Map<string, 'new-alias' | 'new-alias-on-invoked-version' | 'existing-alias' | 'already-warm'>;
  /** Alias logical ID → the version its FunctionVersion points to (GetAtt [V, Version]). */
  versionOfAlias: Map<string, string | undefined>;
}

const PC = { ProvisionedConcurrentExecutions: 1 };

/** Aliases of a function, in document order. */
export function aliasesOf(t: Template, fn: string): string[] {
  return Object.entries(t.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Alias' && functionOfValue(t, r.Properties?.FunctionName) === fn)
    .map(([id]) => id);
}

function versionOf(aliasResource: Resource): string | undefined {
  const fv = aliasResource.Properties?.FunctionVersion;
  const ga = fv && typeof fv === 'object' ? (fv as Record<string, unknown>)['Fn::GetAtt'] : undefined;
  const pair = Array.isArray(ga) ? ga : typeof ga === 'string' ? ga.split('.') : undefined;
  return pair && pair[1] === 'Version' && typeof pair[0] === 'string' ? pair[0] : undefined;
}

/**
 * A copy of the template in which every function a state machine invokes (per the oracle) has provisioned
 * concurrency on exactly one alias:
 *  - a function with aliases: PC on the alias a state machine invokes, else on its first alias;
 *  - otherwise a new `<Fn>WarmAlias` (Name 'warm') with PC, on a new `<Fn>WarmVersion` — or, when a state machine
 *    invokes one of the function's Version resources, on that version (as `currentVersion.addAlias(...)` in CDK).
 *  New resources carry the function's Condition, if any.
 */
export function warm(t: Template, slots: OracleSlot[] = findInvocations(t).slots): WarmPlan {
  const out = structuredClone(t) as Template;
  const aliasOf = new Map<string, string>();
  const how: WarmPlan['how'] = new Map();
  const versionOfAlias = new Map<string, string | undefined>();
  const fns: string[] = [];
  for (const s of slots) if (s.target.kind !== 'external' && !fns.includes(s.target.fn)) fns.push(s.target.fn);
  for (const fn of functionsOfUnreadableDefinitions(t)) if (!fns.includes(fn)) fns.push(fn);
  for (const fn of fns) {
    const mine = slots.filter((s) => s.target.kind !== 'external' && s.target.fn === fn);
    const aliases = aliasesOf(out, fn);
    if (aliases.length > 0) {
      const invoked = mine.map((s) => s.target).find((x): x is { kind: 'alias'; fn: string; id: string } => x.kind === 'alias');
      const id = invoked?.id ?? aliases[0];
      const props = out.Resources[id].Properties;
      // aliasesOf (and an alias a state invokes) is an alias with Properties.
      if (props === undefined) throw new Error(`alias ${id} has no Properties`);
      how.set(fn, props.ProvisionedConcurrencyConfig ? 'already-warm' : 'existing-alias');
      if (!props.ProvisionedConcurrencyConfig) props.ProvisionedConcurrencyConfig = { ...PC };
      aliasOf.set(fn, id);
      versionOfAlias.set(id, versionOf(out.Resources[id]));
      continue;
    }
    const condition = out.Resources[fn].Condition;
    const withCondition = (r: Resource): Resource => (condition ? { ...r, Condition: condition } : r);
    const invokedVersion = mine.map((s) => s.target).find((x): x is { kind: 'version'; fn: string; id: string } => x.kind === 'version');
    let version = invokedVersion?.id;
    if (!version) {
      version = freshId(out, `${fn}WarmVersion`);
      out.Resources[version] = withCondition({ Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: fn } } });
    }
    const alias = freshId(out, `${fn}WarmAlias`);
    out.Resources[alias] = withCondition({
      Type: 'AWS::Lambda::Alias',
      Properties: {
        FunctionName: { Ref: fn },
        FunctionVersion: { 'Fn::GetAtt': [version, 'Version'] },
        Name: WARM_ALIAS_NAME,
        ProvisionedConcurrencyConfig: { ...PC },
      },
    });
    aliasOf.set(fn, alias);
    how.set(fn, invokedVersion ? 'new-alias-on-invoked-version' : 'new-alias');
    versionOfAlias.set(alias, version);
  }
  return { template: out, aliasOf, how, versionOfAlias };
}

/**
 * Functions referenced (Ref / GetAtt .Arn, also inside Fn::Sub / Fn::Join) from the DefinitionSubstitutions of
 * state machines whose definition cannot be read here (S3): most likely invoked, but nobody can tell which way.
 */
export function functionsOfUnreadableDefinitions(t: Template, machines = stateMachines(t)): string[] {
  const out: string[] = [];
  for (const sm of machines) {
    if (sm.asl) continue;
    for (const id of referencedIds(t.Resources[sm.id].Properties?.DefinitionSubstitutions)) {
      if (FUNCTION_TYPES.has(t.Resources[id]?.Type) && !out.includes(id)) out.push(id);
    }
  }
  return out;
}

/** Logical IDs named by Ref, GetAtt or `${X}` / `${X.Attr}` in Fn::Sub anywhere inside a value. */
export function referencedIds(v: unknown): string[] {
  const out = new Set<string>();
  const stack = [v];
  while (stack.length) {
    const x = stack.pop();
    if (Array.isArray(x)) stack.push(...x);
    else if (x !== null && typeof x === 'object') {
      for (const [k, y] of Object.entries(x as Record<string, unknown>)) {
        if (k === 'Ref' && typeof y === 'string') out.add(y);
        else if (k === 'Fn::GetAtt') out.add(String(Array.isArray(y) ? y[0] : String(y).split('.')[0]));
        else if (k === 'Fn::Sub') {
          const tpl = Array.isArray(y) ? y[0] : y;
          if (typeof tpl === 'string') for (const m of tpl.matchAll(/\$\{([^!}][^}.]*)[^}]*\}/g)) out.add(m[1].trim());
          stack.push(Array.isArray(y) ? y[1] : undefined);
        } else stack.push(y);
      }
    }
  }
  return [...out];
}

/**
 * The warm targets a template already has, as a plan: per function, its one alias with provisioned concurrency,
 * else its one version with provisioned concurrency. `ambiguous` lists functions with several (the macro must
 * then refuse, unless told which alias to use).
 */
export function existingPlan(t: Template): WarmPlan & { ambiguous: string[] } {
  const aliases = new Map<string, string[]>();
  const versions = new Map<string, string[]>();
  const published = { aliases: new Map<string, string[]>(), versions: new Map<string, string[]>() };
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== 'AWS::Lambda::Alias' && r.Type !== 'AWS::Lambda::Version') continue;
    const pc = r.Properties?.ProvisionedConcurrencyConfig;
    if (pc === undefined || pc === null || (pc as any).Ref === 'AWS::NoValue' || (pc as any).ProvisionedConcurrentExecutions === 0) continue;
    const fn = functionOfValue(t, r.Properties?.FunctionName);
    if (!fn) continue;
    const map = r.Type === 'AWS::Lambda::Alias' ? aliases : versions;
    map.set(fn, [...(map.get(fn) ?? []), id]);
  }
  // A function whose own configuration needs a published target (SnapStart on published versions, a durable
  // function, Lambda Managed Instances) and has no provisioned concurrency: any alias or version of it.
  const needsPublished = (fn: string): boolean => {
    const p = t.Resources[fn]?.Properties ?? {};
    const snap = p.SnapStart as { ApplyOn?: unknown } | undefined;
    return (snap !== undefined && snap.ApplyOn === 'PublishedVersions') || p.DurableConfig !== undefined || p.CapacityProviderConfig !== undefined;
  };
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== 'AWS::Lambda::Alias' && r.Type !== 'AWS::Lambda::Version') continue;
    const fn = functionOfValue(t, r.Properties?.FunctionName);
    if (!fn || aliases.has(fn) || versions.has(fn) || !needsPublished(fn)) continue;
    (r.Type === 'AWS::Lambda::Alias' ? published.aliases : published.versions).set(fn, [
      ...((r.Type === 'AWS::Lambda::Alias' ? published.aliases : published.versions).get(fn) ?? []),
      id,
    ]);
  }
  for (const [fn, ids] of published.aliases) aliases.set(fn, ids);
  for (const [fn, ids] of published.versions) versions.set(fn, ids);
  const plan = {
    template: t,
    aliasOf: new Map<string, string>(),
    how: new Map() as WarmPlan['how'],
    versionOfAlias: new Map<string, string | undefined>(),
    ambiguous: [] as string[],
  };
  for (const fn of new Set([...aliases.keys(), ...versions.keys()])) {
    const a = aliases.get(fn) ?? [];
    const v = versions.get(fn) ?? [];
    const target = a.length === 1 ? a[0] : a.length === 0 && v.length === 1 ? v[0] : undefined;
    if (!target) {
      plan.ambiguous.push(fn);
      continue;
    }
    plan.aliasOf.set(fn, target);
    plan.how.set(fn, 'already-warm');
    plan.versionOfAlias.set(target, t.Resources[target].Type === 'AWS::Lambda::Alias' ? versionOf(t.Resources[target]) : target);
  }
  return plan;
}

function freshId(t: Template, id: string): string {
  if (!(id in t.Resources)) return id;
  for (let k = 2; ; k++) if (!(`${id}${k}` in t.Resources)) return `${id}${k}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Expected effect of the macro on one slot
// ---------------------------------------------------------------------------------------------------------------

export type Expectation = { change: true; alias: string; reason: string } | { change: false; reason: string };

/**
 * What the macro must do with a slot once `plan` is applied: move it onto the warm alias when it invokes the
 * function itself (unqualified or `$LATEST`) or the version the warm alias points to; leave it as it is when it
 * already invokes the warm alias, names another explicit qualifier (a version number, another alias, a `Qualifier`
 * parameter), or is not a function of this template.
 */
export function expectationOf(slot: OracleSlot, plan: WarmPlan, t: Template): Expectation {
  const target = slot.target;
  if (target.kind === 'external') return { change: false, reason: 'not a function of this template' };
  const alias = plan.aliasOf.get(target.fn);
  if (!alias) return { change: false, reason: `function ${target.fn} was not warmed` };
  if (slot.explicitQualifierParameter) return { change: false, reason: 'explicit Qualifier parameter' };
  switch (target.kind) {
    case 'function': {
      if (target.qualifier === undefined || target.qualifier === '$LATEST') return { change: true, alias, reason: 'invokes the function' };
      const name = t.Resources[alias]?.Properties?.Name;
      return { change: false, reason: target.qualifier === name ? 'already qualified with the warm alias name' : `explicit qualifier :${target.qualifier}` };
    }
    case 'alias':
      return { change: false, reason: target.id === alias ? 'already invokes the warm alias' : `invokes another alias ${target.id}` };
    case 'version':
      if (target.id === alias) return { change: false, reason: 'already invokes the warm version' };
      return plan.versionOfAlias.get(alias) === target.id
        ? { change: true, alias, reason: `invokes ${target.id}, the version of the warm alias` }
        : { change: false, reason: `invokes another version ${target.id}` };
  }
}

/** The materialised value of `{"Ref": aliasId}`. */
export function aliasSample(aliasId: string): string {
  return sampleArn(aliasId);
}

export function getAt(root: any, p: (string | number)[]): any {
  return p.reduce((node, k) => (node == null ? undefined : node[k]), root);
}

export function setAt(root: any, p: (string | number)[], value: unknown): void {
  const parent = getAt(root, p.slice(0, -1));
  parent[p[p.length - 1]] = value;
}

// ---------------------------------------------------------------------------------------------------------------
// Structural diff and where differences may lie
// ---------------------------------------------------------------------------------------------------------------

export interface Difference {
  path: (string | number)[];
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** Every place where `b` differs from `a` (object keys added/removed, array elements, scalars). Iterative. */
export function structuralDiff(a: unknown, b: unknown): Difference[] {
  const out: Difference[] = [];
  const stack: [unknown, unknown, (string | number)[]][] = [[a, b, []]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [x, y, p] = top;
    if (x === y) continue;
    const xo = x !== null && typeof x === 'object';
    const yo = y !== null && typeof y === 'object';
    if (!xo || !yo || Array.isArray(x) !== Array.isArray(y)) {
      out.push({ path: p, kind: 'changed', before: x, after: y });
      continue;
    }
    if (Array.isArray(x)) {
      const ya = y as unknown[];
      for (let i = 0; i < Math.max(x.length, ya.length); i++) {
        if (i >= x.length) out.push({ path: [...p, i], kind: 'added', after: ya[i] });
        else if (i >= ya.length) out.push({ path: [...p, i], kind: 'removed', before: x[i] });
        else stack.push([x[i], ya[i], [...p, i]]);
      }
      continue;
    }
    const xr = x as Record<string, unknown>;
    const yr = y as Record<string, unknown>;
    for (const k of Object.keys(xr)) {
      if (!Object.hasOwn(yr, k)) out.push({ path: [...p, k], kind: 'removed', before: xr[k] });
      else stack.push([xr[k], yr[k], [...p, k]]);
    }
    for (const k of Object.keys(yr)) {
      if (!Object.hasOwn(xr, k)) out.push({ path: [...p, k], kind: 'added', after: yr[k] });
    }
  }
  return out;
}

const IAM_DOCUMENT_OF: Record<string, string> = {
  'AWS::IAM::Role': 'Policies',
  'AWS::IAM::Policy': 'PolicyDocument',
  'AWS::IAM::ManagedPolicy': 'PolicyDocument',
  'AWS::IAM::RolePolicy': 'PolicyDocument',
  'AWS::Serverless::StateMachine': 'Policies',
};

/**
 * Why a difference between the macro's input and output is not allowed, or undefined when it is: every difference
 * must lie in a state machine's definition, DefinitionSubstitutions or Metadata.WarmStepFunctions, or be an
 * addition to IAM (a role's Policies, a policy's PolicyDocument, a SAM state machine's Policies). IAM changes
 * must be additive: new keys or array elements, or a single Resource value turned into a list that starts with it.
 */
export function disallowedDifference(input: Template, d: Difference): string | undefined {
  const [section, id, area, prop] = d.path;
  const where = d.path.join('/');
  if (section !== 'Resources' || typeof id !== 'string') return `${where}: outside Resources`;
  const r = input.Resources[id];
  if (!r) return ownPolicy(input, id, d.path.length === 2 ? d.after : undefined) ? undefined : `${where}: a new resource`;
  if (STATE_MACHINE_TYPES.has(r.Type)) {
    if (area === 'DependsOn') {
      // Only the macro's own policies may be added (a single name may become a list that starts with it).
      const added =
        d.kind === 'added'
          ? Array.isArray(d.after)
            ? d.after
            : [d.after]
          : d.kind === 'changed' && Array.isArray(d.after) && d.after[0] === d.before
            ? d.after.slice(1)
            : undefined;
      const before = new Set(Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn]);
      if (added?.every((x) => before.has(x as string) || (typeof x === 'string' && OWN_POLICY.test(x)))) return undefined;
      return `${where}: DependsOn changed beyond the macro's own policies (${d.kind} ${JSON.stringify(d.before)} -> ${JSON.stringify(d.after)})`;
    }
    if (area === 'Properties' && (prop === 'Definition' || prop === 'DefinitionString' || prop === 'DefinitionSubstitutions')) return undefined;
    if (area === 'Metadata') {
      if (d.path.length === 3 && d.kind === 'added' && isOnlyKey(d.after, 'WarmStepFunctions')) return undefined;
      if (prop === 'WarmStepFunctions') return undefined;
      return `${where}: Metadata other than WarmStepFunctions`;
    }
  }
  const iamProp = IAM_DOCUMENT_OF[r.Type];
  if (iamProp && area === 'Properties' && prop === iamProp) {
    if (d.kind === 'added') return undefined;
    if (d.kind === 'changed' && d.path[d.path.length - 1] === 'Resource' && Array.isArray(d.after) && JSON.stringify(d.after[0]) === JSON.stringify(d.before)) {
      return undefined;
    }
    return `${where}: IAM change that is not an addition (${d.kind} ${JSON.stringify(d.before)} -> ${JSON.stringify(d.after)})`;
  }
  return `${where}: ${r.Type} may not change (${d.kind})`;
}

const OWN_POLICY = /^(.+)WarmStepFunctionsPolicy\d*$/;

/** `<Role>WarmStepFunctionsPolicy[N]`: an AWS::IAM::Policy attached to that role of the template only, that only allows lambda:InvokeFunction. */
function ownPolicy(input: Template, id: string, value: unknown): boolean {
  const role = OWN_POLICY.exec(id)?.[1];
  if (role === undefined || input.Resources[role]?.Type !== 'AWS::IAM::Role') return false;
  const r = value as { Type?: string; Properties?: { Roles?: unknown; PolicyDocument?: { Statement?: unknown } } } | undefined;
  if (r?.Type !== 'AWS::IAM::Policy' || JSON.stringify(r.Properties?.Roles) !== JSON.stringify([{ Ref: role }])) return false;
  const statements = r.Properties?.PolicyDocument?.Statement;
  return (
    Array.isArray(statements) &&
    statements.length > 0 &&
    statements.every((st: { Effect?: unknown; Action?: unknown }) => st.Effect === 'Allow' && st.Action === 'lambda:InvokeFunction')
  );
}

function isOnlyKey(v: unknown, key: string): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && key in v;
}

// ---------------------------------------------------------------------------------------------------------------
// IAM: does the state machine's role allow invoking the alias?
// ---------------------------------------------------------------------------------------------------------------

/** A realistic ARN for IAM matching: functions by their (literal or logical-ID) name, aliases as `fn:Name`. */
function iamValue(t: Template, v: unknown): unknown {
  const fnName = (fn: string): string => {
    const n = t.Resources[fn]?.Properties?.FunctionName;
    return typeof n === 'string' ? n : fn;
  };
  const fnArn = (fn: string): string => `arn:aws:lambda:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:function:${fnName(fn)}`;
  const lambdaId = (id: string, attr?: string): string | undefined => {
    const r = t.Resources[id];
    if (!r) return undefined;
    if (FUNCTION_TYPES.has(r.Type)) return attr === undefined ? fnName(id) : attr === 'Arn' ? fnArn(id) : undefined;
    if (r.Type === 'AWS::Lambda::Alias' && attr === undefined) {
      const fn = functionOfValue(t, r.Properties?.FunctionName);
      return fn ? `${fnArn(fn)}:${r.Properties?.Name}` : undefined;
    }
    if (r.Type === 'AWS::Lambda::Version' && attr === undefined) {
      const fn = functionOfValue(t, r.Properties?.FunctionName);
      return fn ? `${fnArn(fn)}:1` : undefined;
    }
    return undefined;
  };
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (x === null || typeof x !== 'object') return x;
    const o = x as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === 'Ref' && typeof o.Ref === 'string') return lambdaId(o.Ref) ?? o;
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
      const ga = o['Fn::GetAtt'];
      const pair = Array.isArray(ga) ? ga : String(ga).split('.');
      return lambdaId(String(pair[0]), String(pair[1])) ?? o;
    }
    if (keys.length === 1 && keys[0] === 'Fn::Sub') {
      const arg = o['Fn::Sub'];
      const [tpl, vars] = Array.isArray(arg) ? arg : [arg, undefined];
      const replaced = String(tpl).replace(/\$\{([^!}][^}]*)\}/g, (whole, inner: string) => {
        if (vars && typeof vars === 'object' && inner in (vars as object)) return whole;
        const [id, attr] = inner.split('.');
        return lambdaId(id, attr) ?? whole;
      });
      return { 'Fn::Sub': vars === undefined ? replaced : [replaced, walk(vars)] };
    }
    const outObj: Record<string, unknown> = {};
    for (const k of keys) outObj[k] = walk(o[k]);
    return outObj;
  };
  return resolveIntrinsics(walk(v));
}

function wildcardMatch(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );
  return re.test(text);
}

/** Statements of the policies attached to a role defined in the template. */
function roleStatements(t: Template, roleId: string): unknown[] {
  const docs: unknown[] = [];
  const role = t.Resources[roleId];
  for (const p of role.Properties?.Policies ?? []) docs.push(p?.PolicyDocument);
  const managed = new Set((role.Properties?.ManagedPolicyArns ?? []).map((m: any) => m?.Ref).filter(Boolean));
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      const roles: unknown[] = r.Properties?.Roles ?? [];
      if (managed.has(id) || roles.some((x: any) => x?.Ref === roleId)) docs.push(r.Properties?.PolicyDocument);
    } else if (r.Type === 'AWS::IAM::RolePolicy' && (r.Properties?.RoleName as any)?.Ref === roleId) {
      docs.push(r.Properties?.PolicyDocument);
    }
  }
  return docs.flatMap((d: any) => (d ? (Array.isArray(d.Statement) ? d.Statement : [d.Statement]) : []));
}

/** The role of a state machine when it is an AWS::IAM::Role of the template (RoleArn: GetAtt Role.Arn). */
export function roleOf(t: Template, smId: string): string | undefined {
  const v = t.Resources[smId].Properties?.RoleArn ?? t.Resources[smId].Properties?.Role;
  const ga = v && typeof v === 'object' ? (v as any)['Fn::GetAtt'] : undefined;
  const pair = Array.isArray(ga) ? ga : typeof ga === 'string' ? ga.split('.') : undefined;
  return pair && pair[1] === 'Arn' && t.Resources[pair[0]]?.Type === 'AWS::IAM::Role' ? pair[0] : undefined;
}

/** True when an Allow statement (without Condition) of the role grants lambda:InvokeFunction on the alias. */
export function roleMayInvoke(t: Template, roleId: string, aliasId: string): boolean {
  const target = iamValue(t, { Ref: aliasId });
  if (typeof target !== 'string') return false;
  for (const s of roleStatements(t, roleId) as any[]) {
    if (s?.Effect !== 'Allow' || s.Condition !== undefined) continue;
    const actions = (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a: unknown) => typeof a === 'string');
    if (!actions.some((a: string) => wildcardMatch(a.toLowerCase(), 'lambda:invokefunction'))) continue;
    const resources = iamValue(t, s.Resource);
    for (const r of Array.isArray(resources) ? resources : [resources]) {
      if (typeof r === 'string' && wildcardMatch(r, target)) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Data uses: the same reference as an invocation, where it is data
// ---------------------------------------------------------------------------------------------------------------

/** Names of the states `withDataUses` adds. */
export const DATA_STATES = { pass: 'CorpusPassData', sdk: 'CorpusSdkInvoke' } as const;

export interface DataUse {
  stateMachine: string;
  fn: string;
  /** How the reference is written: a DefinitionSubstitutions key shared with the invocation, or an intrinsic piece. */
  via: string;
}

/**
 * A copy of the template in which each readable state machine that invokes a function of `fns` also uses the very
 * same reference as data, twice: in a Pass state's Result and as the FunctionName of an `aws-sdk:lambda:getFunction`
 * task (neither is an invocation the macro may move; `aws-sdk:lambda:invoke` is one). The reference is the invocation's own: its
 * DefinitionSubstitutions key (`${key}`, so the key becomes shared) or, in an `Fn::Join` with an empty delimiter,
 * the same intrinsic piece. The two states are inserted first in `States` (unreachable; the macro does not care).
 */
export function withDataUses(t: Template, slots: OracleSlot[], fns: ReadonlySet<string>): { template: Template; uses: DataUse[] } {
  const out = structuredClone(t) as Template;
  const uses: DataUse[] = [];
  const done = new Set<string>();
  for (const s of slots) {
    if (s.target.kind === 'external' || !fns.has(s.target.fn) || done.has(s.stateMachine)) continue;
    const fn = s.target.fn;
    const props = out.Resources[s.stateMachine].Properties;
    const property = props?.DefinitionString !== undefined ? 'DefinitionString' : undefined;
    if (!props || !property) continue;
    const def = props[property];
    const isFnRef = (v: unknown): boolean => {
      if (!v || typeof v !== 'object') return false;
      const o = v as Record<string, unknown>;
      const ga = o['Fn::GetAtt'];
      return (Object.keys(o).length === 1 && o.Ref === fn) || (Array.isArray(ga) && ga[0] === fn && ga[1] === 'Arn');
    };
    const subs = props.DefinitionSubstitutions as Record<string, unknown> | undefined;
    const key = subs ? Object.keys(subs).find((k) => isFnRef(subs[k])) : undefined;
    const states = /"States"\s*:\s*\{/;
    const text = (hole: string): string =>
      `"${DATA_STATES.pass}":{"Type":"Pass","Result":{"fn":"${hole}"},"End":true},` +
      `"${DATA_STATES.sdk}":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:lambda:getFunction","Parameters":{"FunctionName":"${hole}"},"End":true},`;
    const insert = (source: string, hole: string): string | undefined => {
      const m = states.exec(source);
      return m ? source.slice(0, m.index + m[0].length) + text(hole) + source.slice(m.index + m[0].length) : undefined;
    };
    if (key && typeof def === 'string') {
      const next = insert(def, `\${${key}}`);
      if (next === undefined) continue;
      props[property] = next;
      uses.push({ stateMachine: s.stateMachine, fn, via: `DefinitionSubstitutions ${key}` });
    } else if (def && typeof def === 'object' && Array.isArray((def as any)['Fn::Join'])) {
      const [delimiter, pieces] = (def as any)['Fn::Join'] as [string, unknown[]];
      if (!Array.isArray(pieces)) continue;
      const at = pieces.findIndex((p) => typeof p === 'string' && states.test(p));
      if (at < 0) continue;
      const piece = pieces[at] as string;
      if (key) {
        const next = insert(piece, `\${${key}}`);
        if (next === undefined) continue;
        pieces[at] = next;
        uses.push({ stateMachine: s.stateMachine, fn, via: `DefinitionSubstitutions ${key}` });
      } else if (delimiter === '') {
        const ref = pieces.find(isFnRef);
        const m = states.exec(piece);
        if (!ref || !m) continue;
        const head = piece.slice(0, m.index + m[0].length);
        const tail = piece.slice(m.index + m[0].length);
        const parts = text('\u0000').split('\u0000'); // three texts around the two holes
        pieces.splice(at, 1, head + parts[0], structuredClone(ref), parts[1], structuredClone(ref), parts[2] + tail);
        uses.push({ stateMachine: s.stateMachine, fn, via: `Fn::Join piece ${JSON.stringify(ref)}` });
      } else continue;
    } else continue;
    done.add(s.stateMachine);
  }
  return { template: out, uses };
}
