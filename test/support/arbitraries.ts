/**
 * fast-check generators of CloudFormation templates for the WarmStepFunctions macro.
 *
 * `validCase()` builds a random but well-formed template from a random *plan* and records, while
 * building it, everything a checker needs to know without asking the macro: which string of which
 * definition invokes which function, whether that function has a provisioned-concurrency target,
 * the target's logical ID and the conditions under which it exists (`Oracle`). Plans shrink well,
 * so counterexamples come out small.
 *
 * `brokenCase()` starts from a valid template and damages it (junk values anywhere, ambiguous
 * warm aliases, unreadable definitions, very deep nesting, odd options): only "never crashes"
 * style properties hold for it. `anythingCase()` feeds arbitrary values as the fragment.
 *
 * Deployment: account 123456789012; the region (and so the partition: aws, aws-cn, aws-us-gov)
 * is part of the plan, and every generated ARN follows it.
 */
import fc from 'fast-check';
import type { Json, JsonObject, TransformOptions } from '../../macro/types';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const CONDITIONS = ['Cond0', 'Cond1', 'Cond2'] as const;

/* ------------------------------------------------------------------------------------------ */
/* The oracle: what the generator knows about the template it built.                          */
/* ------------------------------------------------------------------------------------------ */

/** A condition that must hold (or, negated, must not hold) for a target to exist / be warm. */
export interface CondGuard {
  condition: string;
  negate: boolean;
}

export interface WarmInfo {
  /** Logical ID the slot must end up referring to (`Ref`), e.g. `Fn0Alias` or `Fn0.Alias` (SAM). */
  target: string;
  kind: 'alias' | 'version' | 'sam';
  /** Conditions under which the target exists with provisioned concurrency. */
  guards: CondGuard[];
  /** Literal alias name, when there is one. */
  aliasName?: string;
  /** Version the warm alias points to (`FunctionVersion: GetAtt [V, Version]`). */
  viaVersion?: string;
  /** The target resource's own `Condition` (the target does not exist when it is false). */
  resourceCondition?: string;
}

export interface FnInfo {
  id: string;
  sam: boolean;
  /** Literal FunctionName, when the template sets one. */
  name?: string;
  warm?: WarmInfo;
  coldAlias?: string;
  coldVersion?: string;
  /** A second warm qualifier that is not the target (a warm version next to a warm alias). */
  extraWarmVersion?: string;
}

/** One string of a definition that Step Functions reads as a function to invoke, or as data. */
export interface ValueInfo {
  machine: string;
  /** Path of the string in the ASL document, e.g. `['States','A','Parameters','FunctionName']`. */
  aslPath: (string | number)[];
  /** Path of the state, as the macro reports it: `States.P.Branches[0].States.A`. */
  statePath: string;
  state: string;
  invocation: boolean;
  /** Function this value refers to, when it is an in-template function. */
  fn?: string;
  /** Expected: after the transform, this invocation resolves to `fn`'s warm target (under its guards). */
  rewrite: boolean;
  /** For a function outside the template with a warm alias (from ResolveExternal): the alias ARN it must become. */
  externalTarget?: string;
  form: string;
}

export interface MachineInfo {
  id: string;
  type: 'AWS::StepFunctions::StateMachine' | 'AWS::Serverless::StateMachine';
  property: 'Definition' | 'DefinitionString';
  form: DefinitionForm;
  /** In-template role whose policies must allow the new targets (StepFunctions RoleArn / SAM Role). */
  role?: string;
  /** SAM state machine whose role SAM builds from `Policies`. */
  samPolicies: boolean;
  /** The options let the macro process this machine. */
  processed: boolean;
}

export interface Oracle {
  functions: FnInfo[];
  values: ValueInfo[];
  machines: MachineInfo[];
  /** Conditions that appear in guards (the checkers enumerate their truth assignments). */
  conditions: string[];
  /** The options leave the template as it is (Mode report). */
  reportOnly: boolean;
  env: Env;
}

export interface ValidCase {
  template: JsonObject;
  options: TransformOptions;
  oracle: Oracle;
}

export interface LooseCase {
  template: unknown;
  options: TransformOptions;
  /** What was done to the template (for counterexample reports). */
  damage: string[];
}

/* ------------------------------------------------------------------------------------------ */
/* Small helpers.                                                                             */
/* ------------------------------------------------------------------------------------------ */

/** Sets an own data property, also for `__proto__`. */
export function put(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}

export function obj(entries: [string, unknown][]): JsonObject {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) put(o, k, v);
  return o as JsonObject;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/* ------------------------------------------------------------------------------------------ */
/* Odd keys and values.                                                                       */
/* ------------------------------------------------------------------------------------------ */

export const ODD_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
  ' ',
  'ключ',
  '🔥',
  'a.b',
  '$',
  'Ref',
  'Fn::If',
  'Fn::Sub',
  'Type',
];
const ODD_STRINGS = [
  '',
  '${notAKey}',
  '${!escaped}',
  '$',
  '"quoted"',
  'back\\slash',
  'line\nbreak',
  '\uE000',
  'ünïcødé ✓',
  '🔥',
  '{% $states.input %}',
  'arn:aws:lambda:us-east-1:123456789012:function:external-fn',
];

const oddKey = fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 6 }));
const oddScalar: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(...ODD_STRINGS),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
/** A JSON value whose objects have odd keys (`__proto__` as an own key, empty, unicode...). */
export const oddJson: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    oddScalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.array(fc.tuple(oddKey, tie('v')), { maxLength: 4 }).map(notIntrinsic),
  ),
})).v;
export const oddObject: fc.Arbitrary<JsonObject> = fc.array(fc.tuple(oddKey, oddJson), { minLength: 1, maxLength: 4 }).map(notIntrinsic);

/** An object of odd keys that CloudFormation would not read as an intrinsic function (never a lone `Ref`/`Fn::` key). */
function notIntrinsic(entries: [string, Json][]): JsonObject {
  const o = obj(entries);
  const keys = Object.keys(o);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'))) put(o, 'x', 1);
  return o;
}

/* ------------------------------------------------------------------------------------------ */
/* Plans.                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/**
 * `snapstart`: a function-level reason and no provisioned concurrency (SnapStart, DurableConfig or
 * CapacityProviderConfig, by the function's index); its alias (or SAM's) is the target.
 */
type WarmChoice = 'none' | 'alias' | 'alias-via-version' | 'version' | 'alias+warm-version' | 'zero' | 'sam' | 'snapstart';

interface FnPlan {
  sam: boolean;
  named: boolean;
  /** `app-fn0`, the logical ID of another function (`Fn1`), or `App_Fn_0`. */
  nameStyle: 'app' | 'other-id' | 'underscore';
  warm: WarmChoice;
  aliasNamed: boolean;
  resCond: number | null;
  pcIf: { cond: number; negate: boolean } | null;
  coldAlias: boolean;
  coldVersion: boolean;
  fnRef: 'ref' | 'getatt' | 'name' | 'arn';
  pcRef: boolean;
}

/** Every reference form the generator writes (the coverage test expects each one). */
export const REF_FORMS = [
  'getatt-list',
  'getatt-string',
  'ref',
  'sub-arn',
  'sub-var-arn',
  'pseudo-arn',
  'pseudo-arn-ref',
  'join-arn',
  'literal-arn',
  'literal-partial',
  'literal-name',
  'warm-qualifier',
  'alias-version',
  'cold-alias',
  'cold-version',
  'qualified-literal',
  'guarded',
  'external',
  'foreign-arn',
  'param-ref',
  'import',
] as const;
type RefForm = (typeof REF_FORMS)[number];

interface RefPlan {
  fn: number;
  form: RefForm;
  latest: boolean;
  enc: number;
}

type StatePlan =
  | {
      kind: 'task';
      field: 'Resource' | 'Parameters' | 'Arguments';
      wait: boolean;
      pseudoPartition: boolean;
      qualifier: boolean;
      ref: RefPlan;
      payload: RefPlan | null;
      name: string | null;
    }
  | { kind: 'other'; service: 'sqs' | 'getFunction' | 'dynamic' | 'jsonataDynamic' | 'ecs' | 'activity'; ref: RefPlan; name: string | null }
  | { kind: 'pass'; entries: [string, RefPlan | Json][]; decoy: RefPlan | null; name: string | null }
  | { kind: 'parallel'; branches: StatePlan[][]; name: string | null }
  | { kind: 'map'; key: 'Iterator' | 'ItemProcessor'; states: StatePlan[]; name: string | null }
  | { kind: 'simple'; type: 'Wait' | 'Succeed' | 'Choice' | 'Fail'; name: string | null };

/** `join-nl-sub`: Fn::Join "\n" of lines, where a line that holds references is an Fn::Sub piece. */
export type DefinitionForm = 'object' | 'string' | 'sub' | 'sub-vars' | 'join' | 'join-nl' | 'join-nl-sub';

interface RolePlan {
  form: 'getatt' | 'getatt-string' | 'sub' | 'external';
  grant: 'none' | 'getatt' | 'cdk' | 'name-star' | 'star' | 'lambda-star' | 'conditional' | 'sub-arn' | 'deny' | 'sub-star';
  where: 'inline' | 'policy' | 'managed' | 'managed-roles' | 'inline-if' | 'role-policy';
  single: boolean;
  shared: boolean;
  action: 'string' | 'list' | 'lower' | 'wild';
}

interface MachinePlan {
  sam: boolean;
  form: DefinitionForm;
  pretty: boolean;
  /** Indentation and line ends of the JSON text, and whether literal slot strings use `\uXXXX` escapes. */
  indent: 'spaces' | 'tab';
  crlf: boolean;
  escapes: boolean;
  cuts: number[];
  states: StatePlan[];
  role: RolePlan;
  samPolicies: 'none' | 'invoke-policy' | 'statement' | 'managed-name' | 'single' | 'role';
  metadata: JsonObject | null;
  /** Metadata chosen by a condition (`Fn::If`), which CloudFormation resolves like any property. */
  metadataIf: boolean;
  naming: 'plain' | 'shadow' | 'macro-like';
  extraSubstitution: boolean;
  /** A Pass state whose Result has a DefinitionSubstitutions placeholder as a key. */
  keyPlaceholder: boolean;
  tags: boolean;
}

interface TemplatePlan {
  region: string;
  fns: FnPlan[];
  machines: MachinePlan[];
  unrelated: { type: string; props: JsonObject; metadata: JsonObject | null }[];
  outputs: boolean;
  topMetadata: JsonObject | null;
  options: { mode: 'rewrite' | 'report'; select: 'all' | 'only-first' | 'exclude-first'; aliasName: boolean; external: boolean };
}

const weighted = <T>(...xs: [number, fc.Arbitrary<T>][]): fc.Arbitrary<T> => fc.oneof(...xs.map(([weight, arbitrary]) => ({ weight, arbitrary })));
const condIdx = fc.nat({ max: CONDITIONS.length - 1 });

const fnPlanArb: fc.Arbitrary<FnPlan> = fc.record({
  sam: weighted([4, fc.constant(false)], [1, fc.constant(true)]),
  named: fc.boolean(),
  nameStyle: fc.constantFrom<FnPlan['nameStyle']>('app', 'other-id', 'underscore'),
  warm: weighted<WarmChoice>(
    [2, fc.constant('none')],
    [4, fc.constant('alias')],
    [2, fc.constant('alias-via-version')],
    [2, fc.constant('version')],
    [1, fc.constant('alias+warm-version')],
    [1, fc.constant('zero')],
    [2, fc.constant('sam')],
    [2, fc.constant('snapstart')],
  ),
  aliasNamed: weighted([4, fc.constant(true)], [1, fc.constant(false)]),
  resCond: fc.option(condIdx, { freq: 3 }),
  pcIf: fc.option(fc.record({ cond: condIdx, negate: fc.boolean() }), { freq: 3 }),
  coldAlias: fc.boolean(),
  coldVersion: fc.boolean(),
  fnRef: fc.constantFrom<FnPlan['fnRef']>('ref', 'getatt', 'name', 'arn'),
  pcRef: fc.boolean(),
});

const refPlanArb: fc.Arbitrary<RefPlan> = fc.record({
  fn: fc.nat({ max: 5 }),
  form: fc.constantFrom<RefForm>(...REF_FORMS),
  latest: weighted([4, fc.constant(false)], [1, fc.constant(true)]),
  enc: fc.nat({ max: 3 }),
});

const STATE_NAMES = ['__proto__', 'constructor', 'Ünïcødé ✓', 'a.b', 'with space', 'toString', 'quote"d', 'back\\slash', 'tab\there'];
const stateName = fc.option(fc.constantFrom(...STATE_NAMES), { freq: 6 });

const statesArb: fc.Arbitrary<StatePlan[]> = fc.letrec<{ states: StatePlan[]; state: StatePlan }>((tie) => ({
  states: fc.array(tie('state'), { minLength: 1, maxLength: 4 }),
  state: fc.oneof(
    { maxDepth: 3, depthSize: 'small', withCrossShrink: true },
    fc.record({
      kind: fc.constant('task' as const),
      field: fc.constantFrom('Resource' as const, 'Parameters' as const, 'Arguments' as const),
      wait: weighted([4, fc.constant(false)], [1, fc.constant(true)]),
      pseudoPartition: fc.boolean(),
      qualifier: weighted([8, fc.constant(false)], [1, fc.constant(true)]),
      ref: refPlanArb,
      payload: fc.option(refPlanArb, { freq: 3 }),
      name: stateName,
    }),
    fc.record({
      kind: fc.constant('other' as const),
      service: fc.constantFrom('sqs' as const, 'getFunction' as const, 'dynamic' as const, 'jsonataDynamic' as const, 'ecs' as const, 'activity' as const),
      ref: refPlanArb,
      name: stateName,
    }),
    fc.record({
      kind: fc.constant('pass' as const),
      entries: fc.array(fc.tuple(oddKey, fc.oneof(refPlanArb as fc.Arbitrary<RefPlan | Json>, oddJson)), { maxLength: 4 }),
      decoy: fc.option(refPlanArb, { freq: 3 }),
      name: stateName,
    }),
    fc.record({
      kind: fc.constant('parallel' as const),
      branches: fc.array(tie('states') as fc.Arbitrary<StatePlan[]>, { minLength: 1, maxLength: 3 }),
      name: stateName,
    }),
    fc.record({
      kind: fc.constant('map' as const),
      key: fc.constantFrom('Iterator' as const, 'ItemProcessor' as const),
      states: tie('states') as fc.Arbitrary<StatePlan[]>,
      name: stateName,
    }),
    fc.record({
      kind: fc.constant('simple' as const),
      type: fc.constantFrom('Wait' as const, 'Succeed' as const, 'Choice' as const, 'Fail' as const),
      name: stateName,
    }),
  ),
})).states;

const rolePlanArb: fc.Arbitrary<RolePlan> = fc.record({
  form: weighted<RolePlan['form']>([3, fc.constant('getatt')], [1, fc.constant('getatt-string')], [1, fc.constant('sub')], [1, fc.constant('external')]),
  grant: fc.constantFrom<RolePlan['grant']>('none', 'getatt', 'cdk', 'name-star', 'star', 'lambda-star', 'conditional', 'sub-arn', 'deny', 'sub-star'),
  where: fc.constantFrom<RolePlan['where']>('inline', 'policy', 'managed', 'managed-roles', 'inline-if', 'role-policy'),
  single: fc.boolean(),
  shared: weighted([3, fc.constant(false)], [1, fc.constant(true)]),
  action: fc.constantFrom<RolePlan['action']>('string', 'list', 'lower', 'wild'),
});

const machinePlanArb: fc.Arbitrary<MachinePlan> = fc.record({
  sam: weighted([4, fc.constant(false)], [1, fc.constant(true)]),
  form: fc.constantFrom<DefinitionForm>('object', 'string', 'sub', 'sub-vars', 'join', 'join-nl', 'join-nl-sub'),
  pretty: fc.boolean(),
  indent: fc.constantFrom<MachinePlan['indent']>('spaces', 'tab'),
  crlf: weighted([3, fc.constant(false)], [1, fc.constant(true)]),
  escapes: weighted([3, fc.constant(false)], [1, fc.constant(true)]),
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
  states: statesArb,
  role: rolePlanArb,
  samPolicies: fc.constantFrom<MachinePlan['samPolicies']>('none', 'invoke-policy', 'statement', 'managed-name', 'single', 'role'),
  metadata: fc.option(oddObject, { freq: 3 }),
  metadataIf: weighted([8, fc.constant(false)], [1, fc.constant(true)]),
  naming: fc.constantFrom<MachinePlan['naming']>('plain', 'shadow', 'macro-like'),
  extraSubstitution: fc.boolean(),
  keyPlaceholder: weighted([4, fc.constant(false)], [1, fc.constant(true)]),
  tags: fc.boolean(),
});

const UNRELATED_TYPES = ['AWS::S3::Bucket', 'AWS::SQS::Queue', 'Custom::Thing', 'AWS::SNS::Topic'];

const templatePlanArb: fc.Arbitrary<TemplatePlan> = fc.record({
  region: weighted([6, fc.constant('us-east-1')], [1, fc.constant('eu-west-1')], [1, fc.constant('cn-north-1')], [1, fc.constant('us-gov-west-1')]),
  fns: fc.array(fnPlanArb, { minLength: 1, maxLength: 4 }),
  machines: fc.array(machinePlanArb, { minLength: 1, maxLength: 2 }),
  unrelated: fc.array(fc.record({ type: fc.constantFrom(...UNRELATED_TYPES), props: oddObject, metadata: fc.option(oddObject, { freq: 2 }) }), {
    maxLength: 2,
  }),
  outputs: fc.boolean(),
  topMetadata: fc.option(oddObject, { freq: 3 }),
  options: fc.record({
    mode: weighted([9, fc.constant('rewrite' as const)], [1, fc.constant('report' as const)]),
    select: weighted([8, fc.constant('all' as const)], [1, fc.constant('only-first' as const)], [1, fc.constant('exclude-first' as const)]),
    aliasName: fc.boolean(),
    external: fc.boolean(),
  }),
});

/* ------------------------------------------------------------------------------------------ */
/* Building a template from a plan.                                                           */
/* ------------------------------------------------------------------------------------------ */

type Part = string | { intr: Json };

/** The deployment: its region, and the partition that region belongs to. */
export interface Env {
  region: string;
  partition: string;
}
export const REGIONS: Record<string, string> = { 'us-east-1': 'aws', 'eu-west-1': 'aws', 'cn-north-1': 'aws-cn', 'us-gov-west-1': 'aws-us-gov' };
const arnPrefix = (env: Env): string => `arn:${env.partition}:lambda:${env.region}:${ACCOUNT}:function:`;
const PSEUDO_PREFIX: Part[] = [
  'arn:',
  { intr: { Ref: 'AWS::Partition' } },
  ':lambda:',
  { intr: { Ref: 'AWS::Region' } },
  ':',
  { intr: { Ref: 'AWS::AccountId' } },
  ':function:',
];

/** My own `Fn::If` nesting for guarded values (the form the macro documents: outermost guard first). */
export function guardValue(guards: readonly CondGuard[], warm: Json, cold: Json): Json {
  let value = warm;
  for (let k = guards.length - 1; k >= 0; k--) {
    const g = guards[k];
    value = { 'Fn::If': g.negate ? [g.condition, cold, value] : [g.condition, value, cold] };
  }
  return value;
}

interface BuiltFn {
  info: FnInfo;
  resources: [string, JsonObject][];
  conditions: Set<string>;
}

/** The function-level reason of the k-th function in `snapstart` mode: SnapStart, a durable function, Managed Instances. */
function functionReason(k: number): JsonObject {
  if (k % 3 === 0) return { SnapStart: { ApplyOn: 'PublishedVersions' } };
  if (k % 3 === 1) return { DurableConfig: { ExecutionTimeout: 900 } };
  return {
    CapacityProviderConfig: {
      LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:capacity-provider:fleet` },
    },
  };
}

/** What the steps of buildFunction share: the function, its resources and conditions so far. */
interface FnBuild {
  plan: FnPlan;
  k: number;
  id: string;
  info: FnInfo;
  resources: [string, JsonObject][];
  conditions: Set<string>;
  /** The ProvisionedConcurrencyConfig of a warm target. */
  pc: Json;
  /** The Condition of the function's targets, when they have one. */
  resCond: string | undefined;
  warm: WarmChoice;
  /** How an alias or version names the function. */
  fnRefValue: () => Json;
}

function buildFunction(given: FnPlan, k: number, env: Env): BuiltFn {
  // Provisioned concurrency under the negation of the target's own Condition never holds, and the macro leaves such a
  // target cold (cfn/conditions.ts; test/unit/cfn/conditions.test.ts and the exclusive-Conditions tests cover it):
  // this oracle does not model conditions that rule each other out, so the generator writes the config under the
  // Condition itself there.
  const plan = given.pcIf?.negate && given.resCond === given.pcIf.cond ? { ...given, pcIf: { ...given.pcIf, negate: false } } : given;
  const id = `Fn${k}`;
  const name = !plan.named ? undefined : plan.nameStyle === 'other-id' ? `Fn${k + 1}` : plan.nameStyle === 'underscore' ? `App_Fn_${k}` : `app-fn${k}`;
  const info: FnInfo = { id, sam: plan.sam, name };
  const resources: [string, JsonObject][] = [];
  const conditions = new Set<string>();
  const fnRefValue = (): Json =>
    plan.fnRef === 'getatt'
      ? { 'Fn::GetAtt': [id, 'Arn'] }
      : plan.fnRef === 'name' && name
        ? name
        : plan.fnRef === 'arn' && name
          ? `${arnPrefix(env)}${name}`
          : { Ref: id };
  const pcAmount: Json = plan.pcRef ? { Ref: 'PcAmount' } : 2;
  let pc: Json = { ProvisionedConcurrentExecutions: pcAmount };
  if (plan.pcIf) {
    const c = CONDITIONS[plan.pcIf.cond];
    conditions.add(c);
    pc = { 'Fn::If': plan.pcIf.negate ? [c, { Ref: 'AWS::NoValue' }, pc] : [c, pc, { Ref: 'AWS::NoValue' }] };
  }
  const resCond = plan.resCond === null ? undefined : CONDITIONS[plan.resCond];

  let warm = plan.warm;
  if (plan.sam && warm !== 'sam' && warm !== 'none' && warm !== 'zero' && warm !== 'snapstart') warm = 'sam';
  if (!plan.sam && warm === 'sam') warm = 'alias';

  const b: FnBuild = { plan, k, id, info, resources, conditions, pc, resCond, warm, fnRefValue };
  const fnProps = addFunctionResource(b);
  if (!plan.sam) addAliasesAndVersions(b, fnProps);
  addColdTargets(b);
  if (info.warm) for (const g of info.warm.guards) conditions.add(g.condition);
  return { info, resources, conditions };
}

/** The function resource itself (for SAM, with its AutoPublishAlias target); returns its Properties. */
function addFunctionResource(b: FnBuild): JsonObject {
  const { plan, k, id, info, pc, warm } = b;
  const fnProps: JsonObject = { Handler: 'index.handler', Runtime: 'nodejs20.x' };
  if (plan.sam) {
    fnProps.CodeUri = 'src/';
    fnProps.AutoPublishAlias = 'live';
    if (warm === 'sam') {
      fnProps.ProvisionedConcurrencyConfig = pc;
      const guards: CondGuard[] = [];
      if (plan.pcIf) guards.push({ condition: CONDITIONS[plan.pcIf.cond], negate: plan.pcIf.negate });
      info.warm = { target: `${id}.Alias`, kind: 'sam', guards, aliasName: 'live' };
    } else if (warm === 'zero') {
      fnProps.ProvisionedConcurrencyConfig = { ProvisionedConcurrentExecutions: 0 };
    } else if (warm === 'snapstart') {
      Object.assign(fnProps, functionReason(k));
      info.warm = { target: `${id}.Alias`, kind: 'sam', guards: [], aliasName: 'live' };
    }
  } else {
    fnProps.Code = { ZipFile: 'exports.handler = async () => ({})' };
    fnProps.Role = 'arn:aws:iam::123456789012:role/fn-role';
  }
  if (info.name) fnProps.FunctionName = info.name;
  b.resources.push([id, { Type: plan.sam ? 'AWS::Serverless::Function' : 'AWS::Lambda::Function', Properties: fnProps }]);
  return fnProps;
}

/** A Lambda function's alias or version that is its target (or a cold one, for `zero`); SnapStart goes on `fnProps`. */
function addAliasesAndVersions(b: FnBuild, fnProps: JsonObject): void {
  const { plan, k, id, info, resources, pc, resCond, warm, fnRefValue } = b;
  const withCond = (r: JsonObject): JsonObject => {
    if (resCond) {
      b.conditions.add(resCond);
      return { ...r, Condition: resCond };
    }
    return r;
  };
  const targetGuards = (): CondGuard[] => {
    const g: CondGuard[] = [];
    if (resCond) g.push({ condition: resCond, negate: false });
    if (plan.pcIf) g.push({ condition: CONDITIONS[plan.pcIf.cond], negate: plan.pcIf.negate });
    return g;
  };
  const versionId = `${id}Version`;
  const aliasId = `${id}Alias`;
  const aliasName = plan.aliasNamed ? 'live' : undefined;
  const aliasNameValue: Json = aliasName ?? { 'Fn::Sub': '${AWS::StackName}-live' };
  if (warm === 'alias' || warm === 'alias-via-version' || warm === 'alias+warm-version' || warm === 'zero') {
    const via = warm === 'alias-via-version';
    if (via) resources.push([versionId, { Type: 'AWS::Lambda::Version', Properties: { FunctionName: fnRefValue() } }]);
    const props: JsonObject = {
      FunctionName: fnRefValue(),
      FunctionVersion: via ? { 'Fn::GetAtt': [versionId, 'Version'] } : '$LATEST',
      Name: aliasNameValue,
      ProvisionedConcurrencyConfig: warm === 'zero' ? { ProvisionedConcurrentExecutions: 0 } : pc,
    };
    if (warm === 'zero') {
      resources.push([aliasId, { Type: 'AWS::Lambda::Alias', Properties: props }]);
      info.coldAlias = aliasId;
    } else {
      resources.push([aliasId, withCond({ Type: 'AWS::Lambda::Alias', Properties: props })]);
      info.warm = { target: aliasId, kind: 'alias', guards: targetGuards(), aliasName, viaVersion: via ? versionId : undefined, resourceCondition: resCond };
    }
    if (warm === 'alias+warm-version') {
      const extra = `${id}WarmVersion`;
      resources.push([
        extra,
        { Type: 'AWS::Lambda::Version', Properties: { FunctionName: fnRefValue(), ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 } } },
      ]);
      info.extraWarmVersion = extra;
    }
  } else if (warm === 'snapstart') {
    // SnapStart on published versions: the function's one alias, with no provisioned concurrency, is its target.
    Object.assign(fnProps, functionReason(k));
    resources.push([versionId, { Type: 'AWS::Lambda::Version', Properties: { FunctionName: fnRefValue() } }]);
    resources.push([
      aliasId,
      withCond({
        Type: 'AWS::Lambda::Alias',
        Properties: { FunctionName: fnRefValue(), FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] }, Name: aliasNameValue },
      }),
    ]);
    // No viaVersion: the published version itself restores the snapshot, so invoking it is no cold path.
    info.warm = { target: aliasId, kind: 'alias', guards: resCond ? [{ condition: resCond, negate: false }] : [], aliasName, resourceCondition: resCond };
  } else if (warm === 'version') {
    resources.push([versionId, withCond({ Type: 'AWS::Lambda::Version', Properties: { FunctionName: fnRefValue(), ProvisionedConcurrencyConfig: pc } })]);
    info.warm = { target: versionId, kind: 'version', guards: targetGuards(), resourceCondition: resCond };
  }
}

/** An alias and a version without provisioned concurrency, when the plan asks for them. */
function addColdTargets(b: FnBuild): void {
  const { plan, id, info, resources, warm, fnRefValue } = b;
  // Every alias and version of a SnapStart function is a published target: none of them is cold.
  if (plan.coldAlias && !info.coldAlias && warm !== 'snapstart') {
    const cold = `${id}ColdAlias`;
    resources.push([cold, { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: fnRefValue(), FunctionVersion: '$LATEST', Name: 'cold' } }]);
    info.coldAlias = cold;
  }
  if (plan.coldVersion && warm !== 'snapstart') {
    const cold = `${id}ColdVersion`;
    resources.push([cold, { Type: 'AWS::Lambda::Version', Properties: { FunctionName: fnRefValue() } }]);
    info.coldVersion = cold;
  }
}

interface ResolvedRef {
  parts: Part[];
  fn?: string;
  /** For an invocation slot: will the macro point it at the warm target? */
  rewrite: boolean;
  form: string;
}

/** What resolveRef's downgrades (`need`) guarantee the function has for the form it keeps. */
function needed<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('resolveRef kept a form that the function cannot support');
  return v;
}

/** Turns a reference plan into concrete parts, downgrading forms the function cannot support. */
function resolveRef(plan: RefPlan, fns: FnInfo[], where: 'Resource' | 'FunctionName' | 'data', env: Env): ResolvedRef {
  const ARN_PREFIX = arnPrefix(env);
  const f = fns[plan.fn % fns.length];
  let form: RefForm = plan.form;
  const w = f.warm;
  const need = (ok: boolean): void => {
    if (!ok) form = 'getatt-list';
  };
  if (form === 'literal-name' || form === 'literal-partial') {
    if (where === 'Resource') form = 'literal-arn';
  }
  if (form === 'literal-arn' || form === 'literal-name' || form === 'literal-partial' || form === 'qualified-literal' || form === 'foreign-arn')
    need(f.name !== undefined);
  if (form === 'warm-qualifier') need(w !== undefined && w.resourceCondition === undefined);
  if (form === 'alias-version') need(w?.viaVersion !== undefined);
  if (form === 'cold-alias') need(f.coldAlias !== undefined);
  if (form === 'cold-version') need(f.coldVersion !== undefined);
  if (form === 'guarded') need(w !== undefined && w.guards.length > 0);
  const latest = plan.latest ? [':$LATEST'] : [];
  const fnForm = (parts: Part[]): ResolvedRef => ({
    parts: [...parts, ...latest],
    fn: f.id,
    rewrite: w !== undefined,
    form: form + (plan.latest ? ':$LATEST' : ''),
  });
  const fixed = (parts: Part[], fn: string | undefined, rewrite = false): ResolvedRef => ({ parts, fn, rewrite, form });
  switch (form) {
    case 'getatt-list':
      return fnForm([{ intr: { 'Fn::GetAtt': [f.id, 'Arn'] } }]);
    case 'getatt-string':
      return fnForm([{ intr: { 'Fn::GetAtt': `${f.id}.Arn` } }]);
    case 'ref':
      return fnForm([{ intr: { Ref: f.id } }]);
    case 'sub-arn':
      return fnForm([{ intr: { 'Fn::Sub': `\${${f.id}.Arn}` } }]);
    case 'sub-var-arn':
      return fnForm([{ intr: { 'Fn::Sub': ['${X}', { X: { 'Fn::GetAtt': [f.id, 'Arn'] } }] } }]);
    case 'pseudo-arn':
      return f.name ? fnForm([...PSEUDO_PREFIX, f.name]) : fnForm([...PSEUDO_PREFIX, { intr: { Ref: f.id } }]);
    case 'pseudo-arn-ref':
      return fnForm([...PSEUDO_PREFIX, { intr: { Ref: f.id } }]);
    case 'join-arn':
      return fnForm([
        {
          intr: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':lambda:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':function:', { Ref: f.id }],
            ],
          },
        },
      ]);
    case 'literal-arn':
      return fnForm([ARN_PREFIX + f.name]);
    case 'literal-partial':
      return fnForm([`${ACCOUNT}:function:${f.name}`]);
    case 'literal-name':
      return fnForm([needed(f.name)]);
    case 'warm-qualifier':
      return fixed([{ intr: { Ref: needed(w).target } }], f.id);
    case 'alias-version':
      return fixed([{ intr: { Ref: needed(w?.viaVersion) } }], f.id, true);
    case 'cold-alias':
      return fixed([{ intr: { Ref: needed(f.coldAlias) } }], f.id);
    case 'cold-version':
      return fixed([{ intr: { Ref: needed(f.coldVersion) } }], f.id);
    case 'qualified-literal':
      return fixed([`${ARN_PREFIX}${f.name}:${w?.aliasName ?? '7'}`], f.id);
    case 'guarded': {
      const g = needed(w);
      return fixed([{ intr: guardValue(g.guards, { Ref: g.target }, { 'Fn::GetAtt': [f.id, 'Arn'] }) }], f.id);
    }
    case 'external':
      return fixed([where === 'FunctionName' && plan.enc === 0 ? 'external-fn' : `${ARN_PREFIX}external-fn${plan.latest ? ':$LATEST' : ''}`], undefined);
    case 'foreign-arn':
      // Same name, another region or account: a different function.
      return fixed(
        [
          plan.enc % 2 === 0
            ? `arn:${env.partition}:lambda:${env.region === 'eu-west-1' ? 'us-west-2' : 'eu-west-1'}:${ACCOUNT}:function:${f.name}`
            : `arn:${env.partition}:lambda:${env.region}:210987654321:function:${f.name}`,
        ],
        undefined,
      );
    case 'param-ref':
      return fixed([{ intr: { Ref: 'FnParam' } }], undefined);
    case 'import':
      return fixed([{ intr: { 'Fn::ImportValue': 'shared-function-arn' } }], undefined);
  }
}

/** Builds a machine's ASL document with placeholders (private-use characters) for the values. */
interface AslBuild {
  asl: JsonObject;
  values: { ref: ResolvedRef; enc: number; info: ValueInfo }[];
}

const PH_OPEN = '\uE100';
const PH_CLOSE = '\uE101';
/** Stands for `${<first DefinitionSubstitutions key>}` in a key, filled in once the keys are known. */
const KEY_MARK = '\uE102';

function buildAsl(machineId: string, plan: MachinePlan, fns: FnInfo[], env: Env): AslBuild {
  const builder = new AslBuilder(machineId, fns, env);
  const asl = builder.machine(plan.states, '', []);
  if (plan.keyPlaceholder) {
    let name = 'KeyPass';
    while (Object.hasOwn(asl.States as JsonObject, name)) name += 'x';
    put(asl.States as JsonObject, name, { Type: 'Pass', Result: obj([[KEY_MARK, 'the key is a substitution']]), End: true });
  }
  return { asl: { Comment: 'generated', ...asl }, values: builder.values };
}

/** Where a state is being built: its name, paths and transition, and how its values become placeholders. */
interface StateAt {
  name: string;
  statePath: string;
  at: (string | number)[];
  flow: JsonObject;
  /** The name of the next state, if any. */
  next: string | undefined;
  /** A reference as a placeholder: resolved for `where`, at `path` in the state. */
  slot: (ref: RefPlan, where: 'Resource' | 'FunctionName' | 'data', path: (string | number)[], invocation: boolean) => string;
  /** A value that is no reference to a function (a service ARN) as a placeholder. */
  fixed: (ref: ResolvedRef, path: (string | number)[]) => string;
}

/** buildAsl's state: the values placed so far and the counter of generated state names. */
class AslBuilder {
  readonly values: AslBuild['values'] = [];
  private counter = 0;
  private readonly statesArn: string;

  constructor(
    private readonly machineId: string,
    private readonly fns: FnInfo[],
    private readonly env: Env,
  ) {
    this.statesArn = `arn:${env.partition}:states:::`;
  }

  private placeholder(ref: ResolvedRef, enc: number, info: Omit<ValueInfo, 'machine' | 'fn' | 'rewrite' | 'form'>): string {
    this.values.push({ ref, enc, info: { ...info, machine: this.machineId, fn: ref.fn, rewrite: info.invocation && ref.rewrite, form: ref.form } });
    return `${PH_OPEN}${this.values.length - 1}${PH_CLOSE}`;
  }

  private partitionParts(pseudo: boolean, service: string): ResolvedRef {
    return {
      parts: pseudo ? ['arn:', { intr: { Ref: 'AWS::Partition' } }, `:states:::${service}`] : [`${this.statesArn}${service}`],
      rewrite: false,
      form: 'service',
    };
  }

  machine(states: StatePlan[], prefix: string, aslPrefix: (string | number)[]): JsonObject {
    const used = new Set<string>();
    const names: string[] = states.map((s) => {
      let n = s.name !== null && !used.has(s.name) ? s.name : `S${this.counter++}`;
      while (used.has(n)) n = `S${this.counter++}`;
      used.add(n);
      return n;
    });
    const statesObj: Record<string, unknown> = {};
    states.forEach((s, k) => {
      const name = names[k];
      const statePath = `${prefix}States.${name}`;
      const at = [...aslPrefix, 'States', name];
      const last = k === states.length - 1;
      const flow: JsonObject = last ? { End: true } : { Next: names[k + 1] };
      const slot = (ref: RefPlan, where: 'Resource' | 'FunctionName' | 'data', path: (string | number)[], invocation: boolean): string =>
        this.placeholder(resolveRef(ref, this.fns, where, this.env), ref.enc, { aslPath: [...at, ...path], statePath, state: name, invocation });
      const fixed = (ref: ResolvedRef, path: (string | number)[]): string =>
        this.placeholder(ref, 0, { aslPath: [...at, ...path], statePath, state: name, invocation: false });
      put(statesObj, name, this.state(s, { name, statePath, at, flow, next: names[k + 1], slot, fixed }));
    });
    return { StartAt: names[0], States: statesObj as JsonObject };
  }

  private state(s: StatePlan, c: StateAt): JsonObject {
    const { name, statePath, at, flow } = c;
    switch (s.kind) {
      case 'task':
        return this.taskState(s, c);
      case 'other':
        return this.otherState(s, c);
      case 'pass':
        return passState(s, c);
      case 'parallel':
        return {
          Type: 'Parallel',
          Branches: s.branches.map((b, j) => this.machine(b, `${statePath}.Branches[${j}].`, [...at, 'Branches', j])),
          ...flow,
        };
      case 'map': {
        const inner = this.machine(s.states, `${statePath}.${s.key}.`, [...at, s.key]);
        if (s.key === 'ItemProcessor') inner.ProcessorConfig = { Mode: 'INLINE' };
        return { Type: 'Map', ItemsPath: '$.items', [s.key]: inner, ...flow };
      }
      case 'simple':
        if (s.type === 'Wait') return { Type: 'Wait', Seconds: 1, ...flow };
        if (s.type === 'Choice') return { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: c.next ?? name }], Default: c.next ?? name };
        if (s.type === 'Fail') return { Type: 'Fail', Error: 'E', Cause: 'c' };
        return { Type: 'Succeed' };
    }
  }

  /** A Lambda Task: the function as its Resource, or in the Parameters (Arguments) of lambda:invoke. */
  private taskState(s: Extract<StatePlan, { kind: 'task' }>, { slot, fixed, flow }: StateAt): JsonObject {
    if (s.field === 'Resource') return { Type: 'Task', Resource: slot(s.ref, 'Resource', ['Resource'], true), ...flow };
    const service = s.wait ? 'lambda:invoke.waitForTaskToken' : 'lambda:invoke';
    const container = s.field;
    const params: JsonObject = { FunctionName: slot(s.ref, 'FunctionName', [container, 'FunctionName'], !s.qualifier) };
    if (s.qualifier) params.Qualifier = 'live';
    // Data next to the invocation: a function ARN in the payload is not an invocation.
    if (s.payload) params.Payload = { fn: slot(s.payload, 'data', [container, 'Payload', 'fn'], false) };
    else if (container === 'Parameters') params['Payload.$'] = '$';
    else params.Payload = '{% $states.input %}';
    const st: JsonObject = { Type: 'Task', Resource: fixed(this.partitionParts(s.pseudoPartition, service), ['Resource']), [container]: params, ...flow };
    if (container === 'Arguments') st.QueryLanguage = 'JSONata';
    return st;
  }

  /** A Task of another service (a function ARN in it is data), or a Lambda invocation computed at run time. */
  private otherState(s: Extract<StatePlan, { kind: 'other' }>, { slot, flow }: StateAt): JsonObject {
    const statesArn = this.statesArn;
    switch (s.service) {
      case 'sqs':
        return {
          Type: 'Task',
          Resource: `${statesArn}sqs:sendMessage`,
          Parameters: {
            QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
            MessageBody: { target: slot(s.ref, 'data', ['Parameters', 'MessageBody', 'target'], false) },
          },
          ...flow,
        };
      case 'getFunction':
        return {
          Type: 'Task',
          Resource: `${statesArn}aws-sdk:lambda:getFunction`,
          Parameters: { FunctionName: slot(s.ref, 'data', ['Parameters', 'FunctionName'], false) },
          ...flow,
        };
      case 'dynamic':
        return { Type: 'Task', Resource: `${statesArn}lambda:invoke`, Parameters: { 'FunctionName.$': '$.fn', 'Payload.$': '$' }, ...flow };
      case 'jsonataDynamic':
        return {
          Type: 'Task',
          QueryLanguage: 'JSONata',
          Resource: `${statesArn}lambda:invoke`,
          Arguments: { FunctionName: '{% $states.input.fn %}' },
          ...flow,
        };
      case 'ecs':
        return {
          Type: 'Task',
          Resource: `${statesArn}ecs:runTask.sync`,
          Parameters: { Cluster: 'c', Overrides: { Lambda: slot(s.ref, 'data', ['Parameters', 'Overrides', 'Lambda'], false) } },
          ...flow,
        };
      case 'activity':
        return { Type: 'Task', Resource: `arn:${this.env.partition}:states:${this.env.region}:${ACCOUNT}:activity:work`, ...flow };
    }
  }
}

/** A Pass state whose Result holds data (references among it), and maybe a decoy shaped like a state machine. */
function passState(s: Extract<StatePlan, { kind: 'pass' }>, { slot, flow }: StateAt): JsonObject {
  const result: Record<string, unknown> = {};
  for (const [key, v] of s.entries) {
    if (Object.hasOwn(result, key)) continue;
    const value = isRefPlan(v) ? slot(v, 'data', ['Result', key], false) : v;
    put(result, key, value);
  }
  // A decoy: data shaped like a state machine with a Lambda Task.
  if (s.decoy && !Object.hasOwn(result, 'States')) {
    put(result, 'States', { T: { Type: 'Task', Resource: slot(s.decoy, 'Resource', ['Result', 'States', 'T', 'Resource'], false), End: true } });
  }
  const keys = Object.keys(result);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'))) put(result, 'x', 1);
  return { Type: 'Pass', Result: result as JsonObject, ResultPath: '$.meta', ...flow };
}

function isRefPlan(v: unknown): v is RefPlan {
  return (
    isPlainObject(v) &&
    typeof v.form === 'string' &&
    (REF_FORMS as readonly string[]).includes(v.form as string) &&
    typeof v.fn === 'number' &&
    typeof v.enc === 'number' &&
    typeof v.latest === 'boolean' &&
    Object.keys(v).length === 4
  );
}

const SHADOW_NAMES = ['Stage', 'PcAmount', 'Other0', 'Machine1', 'Machine0'];

/** Names for Fn::Sub variables and DefinitionSubstitutions keys, one per distinct value (so values are shared). */
class Names {
  private readonly vars = new Map<string, string>();
  private readonly subs = new Map<string, string>();
  readonly varMap: Record<string, unknown> = {};
  readonly subMap: Record<string, unknown> = {};
  constructor(private readonly naming: MachinePlan['naming']) {}

  private nameFor(value: Json, kind: 'var' | 'sub', taken: Map<string, string>): string {
    const key = JSON.stringify(value);
    const known = taken.get(key);
    if (known) return known;
    const n = taken.size;
    let name: string;
    // A variable named like a parameter or another resource shadows it inside this Fn::Sub.
    if (this.naming === 'shadow' && kind === 'var') name = SHADOW_NAMES[n % SHADOW_NAMES.length];
    else if (this.naming === 'macro-like') name = `WarmStepFunctions${refTarget(value) ?? 'Target'}${n === 0 ? '' : n + 1}`;
    else name = kind === 'var' ? `V${n}` : `k${n}`;
    while ([...taken.values()].includes(name)) name += 'x';
    taken.set(key, name);
    put(kind === 'var' ? this.varMap : this.subMap, name, value);
    return name;
  }
  variable(value: Json): string {
    return this.nameFor(value, 'var', this.vars);
  }
  substitution(value: Json): string {
    return this.nameFor(value, 'sub', this.subs);
  }
}

function refTarget(v: Json): string | undefined {
  if (isPlainObject(v) && typeof v.Ref === 'string') return v.Ref.replace(/[^A-Za-z0-9]/g, '');
  return undefined;
}

/** `${X}` / `${X.Y}` text for a Ref/GetAtt that Fn::Sub can hold inline, or an inline Fn::Sub's template. */
function inlineText(intr: Json): string | undefined {
  if (!isPlainObject(intr)) return undefined;
  const keys = Object.keys(intr);
  if (keys.length !== 1) return undefined;
  const v = intr[keys[0]];
  if (keys[0] === 'Ref' && typeof v === 'string' && /^[A-Za-z0-9]+(::[A-Za-z0-9]+)*$/.test(v)) return `\${${v}}`;
  if (keys[0] === 'Fn::GetAtt') {
    const pair = Array.isArray(v) ? v : typeof v === 'string' ? v.split('.') : [];
    if (pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string' && /^[A-Za-z0-9]+$/.test(pair[0])) return `\${${pair[0]}.${pair[1]}}`;
  }
  if (keys[0] === 'Fn::Sub' && typeof v === 'string') return v;
  return undefined;
}

/** A chunk of definition text: literal text, Fn::Sub syntax written as is, or an intrinsic (a Join piece). */
type Chunk = { lit: string } | { raw: string } | { intr: Json };

/** A string's JSON text without the quotes; with `escapes`, `-`, `:` and `$` are written as `\u002d`, `\u003a`, `\u0024`. */
function jsonInner(s: string, escapes = false): string {
  const text = JSON.stringify(s).slice(1, -1);
  return escapes ? text.replace(/[-:$]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : text;
}

function encodeText(ref: ResolvedRef, enc: number, form: DefinitionForm, names: Names, escapes: boolean): Chunk[] {
  const out: Chunk[] = [];
  for (const p of ref.parts) {
    if (typeof p === 'string') {
      out.push({ lit: jsonInner(p, escapes && ref.form !== 'service') });
      continue;
    }
    const intr = p.intr;
    switch (form) {
      case 'string':
      case 'join-nl':
      case 'object':
        out.push({ lit: `\${${names.substitution(intr)}}` });
        break;
      case 'join':
        out.push(enc === 2 ? { lit: `\${${names.substitution(intr)}}` } : { intr });
        break;
      case 'join-nl-sub': {
        const inline = inlineText(intr);
        out.push(enc === 2 || inline === undefined ? { raw: `\${!${names.substitution(intr)}}` } : { raw: inline });
        break;
      }
      case 'sub':
      case 'sub-vars': {
        const inline = inlineText(intr);
        if (enc === 2) out.push({ raw: `\${!${names.substitution(intr)}}` });
        else if (inline !== undefined && (form === 'sub' ? enc !== 1 : enc !== 0)) out.push({ raw: inline });
        else out.push({ raw: `\${${names.variable(intr)}}` });
        break;
      }
    }
  }
  return out;
}

function encodeObjectValue(ref: ResolvedRef, enc: number, names: Names): Json {
  const parts = ref.parts;
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
  if (parts.length === 1 && enc === 3) return { 'Fn::Sub': ['${P0}', obj([['P0', (parts[0] as { intr: Json }).intr]])] };
  if (parts.length === 1 && enc !== 2) return (parts[0] as { intr: Json }).intr;
  if (enc === 2) return parts.map((p) => (typeof p === 'string' ? p : `\${${names.substitution(p.intr)}}`)).join('');
  const inline = parts.map((p) => (typeof p === 'string' ? p.split('${').join('${!') : inlineText(p.intr)));
  if (enc === 1 && inline.every((t) => t !== undefined)) return { 'Fn::Sub': inline.join('') };
  if (enc === 3) {
    const vars: Record<string, unknown> = {};
    let n = 0;
    const text = parts
      .map((p) => {
        if (typeof p === 'string') return p.split('${').join('${!');
        const t = inlineText(p.intr);
        if (t !== undefined) return t;
        const v = `P${n++}`;
        put(vars, v, p.intr);
        return `\${${v}}`;
      })
      .join('');
    return { 'Fn::Sub': [text, vars as JsonObject] };
  }
  return { 'Fn::Join': ['', parts.map((p) => (typeof p === 'string' ? p : p.intr))] };
}

/** Replaces every placeholder string of an ASL object (object form). */
function fillObject(v: Json, fill: (n: number) => Json, key: () => string): Json {
  if (typeof v === 'string') {
    const m = new RegExp(`^${PH_OPEN}(\\d+)${PH_CLOSE}$`).exec(v);
    return m ? fill(Number(m[1])) : v;
  }
  if (Array.isArray(v)) return v.map((x) => fillObject(x, fill, key));
  if (isPlainObject(v)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) put(o, k === KEY_MARK ? key() : k, fillObject(v[k] as Json, fill, key));
    return o as JsonObject;
  }
  return v;
}

/** `${k}` for the first DefinitionSubstitutions key (a literal word when there is none). */
function keyPlaceholder(names: Names): string {
  const first = Object.keys(names.subMap)[0];
  return first === undefined ? 'no-substitution' : `\${${first}}`;
}

function escapeSub(text: string): string {
  return text.split('${').join('${!');
}

interface BuiltDefinition {
  property: 'Definition' | 'DefinitionString';
  value: Json;
  substitutions?: JsonObject;
}

function buildDefinition(plan: MachinePlan, form: DefinitionForm, build: AslBuild, names: Names): BuiltDefinition {
  if (form === 'object') {
    const filled = fillObject(
      build.asl,
      (n) => encodeObjectValue(build.values[n].ref, build.values[n].enc, names),
      () => KEY_MARK,
    );
    const value = fillObject(
      filled,
      (n) => n,
      () => keyPlaceholder(names),
    );
    return { property: 'Definition', value };
  }
  const pretty = plan.pretty || form === 'join-nl' || form === 'join-nl-sub';
  let text = JSON.stringify(build.asl, null, pretty ? (plan.indent === 'tab' ? '\t' : 2) : undefined);
  // Raw line ends occur only between tokens (inside strings they are escaped), so CRLF is safe.
  if (plan.crlf) text = text.replace(/\n/g, '\r\n');
  const chunks: Chunk[] = [];
  const re = new RegExp(`${PH_OPEN}(\\d+)${PH_CLOSE}`, 'g');
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) chunks.push({ lit: text.slice(last, m.index) });
    const v = build.values[Number(m[1])];
    chunks.push(...encodeText(v.ref, v.enc, form, names, plan.escapes));
    last = m.index + m[0].length;
  }
  if (last < text.length) chunks.push({ lit: text.slice(last) });
  if (plan.keyPlaceholder) for (const c of chunks) if ('lit' in c) c.lit = c.lit.split(KEY_MARK).join(keyPlaceholder(names));

  switch (form) {
    case 'string':
      return { property: 'DefinitionString', value: chunks.map((c) => ('lit' in c ? c.lit : '')).join('') };
    case 'join-nl': {
      const flat = chunks.map((c) => ('lit' in c ? c.lit : '')).join('');
      return { property: 'DefinitionString', value: { 'Fn::Join': ['\n', flat.split('\n')] } };
    }
    case 'join-nl-sub': {
      const lines: Json[] = [];
      let line: Chunk[] = [];
      const flush = (): void => {
        const sub = line.some((c) => 'raw' in c);
        lines.push(
          sub
            ? { 'Fn::Sub': line.map((c) => ('lit' in c ? escapeSub(c.lit) : 'raw' in c ? c.raw : '')).join('') }
            : line.map((c) => ('lit' in c ? c.lit : '')).join(''),
        );
        line = [];
      };
      for (const c of chunks) {
        if (!('lit' in c)) {
          line.push(c);
          continue;
        }
        const parts = c.lit.split('\n');
        parts.forEach((t, k) => {
          if (k > 0) flush();
          if (t) line.push({ lit: t });
        });
      }
      flush();
      return { property: 'DefinitionString', value: { 'Fn::Join': ['\n', lines] } };
    }
    case 'sub':
    case 'sub-vars': {
      const template = chunks.map((c) => ('lit' in c ? escapeSub(c.lit) : 'raw' in c ? c.raw : '')).join('');
      const vars = names.varMap as JsonObject;
      const value: Json = form === 'sub' && Object.keys(vars).length === 0 ? { 'Fn::Sub': template } : { 'Fn::Sub': [template, vars] };
      return { property: 'DefinitionString', value };
    }
    case 'join': {
      const pieces: Json[] = [];
      for (const c of chunks) {
        if ('intr' in c) pieces.push(c.intr);
        else {
          const t = 'lit' in c ? c.lit : c.raw;
          if (typeof pieces[pieces.length - 1] === 'string') pieces[pieces.length - 1] = (pieces[pieces.length - 1] as string) + t;
          else pieces.push(t);
        }
      }
      // Cut text pieces at random places: a string of the definition may then span several pieces.
      const cut: Json[] = [];
      for (const p of pieces) {
        if (typeof p !== 'string' || plan.cuts.length === 0) {
          cut.push(p);
          continue;
        }
        const at = [...new Set(plan.cuts.map((c) => c % (p.length + 1)))].filter((c) => c > 0 && c < p.length).sort((a, b) => a - b);
        let from = 0;
        for (const c of at) {
          cut.push(p.slice(from, c));
          from = c;
        }
        cut.push(p.slice(from));
      }
      return { property: 'DefinitionString', value: { 'Fn::Join': ['', cut] } };
    }
  }
}

const PARAMETERS: JsonObject = {
  Stage: { Type: 'String', Default: 'dev' },
  // One parameter per condition: the oracle treats the conditions as independent, and so are these
  // (comparisons of one parameter with different values would rule out combinations: cfn/conditions.ts).
  Flag0: { Type: 'String', Default: 'off' },
  Flag1: { Type: 'String', Default: 'off' },
  Flag2: { Type: 'String', Default: 'off' },
  FnParam: { Type: 'String', Default: 'arn:aws:lambda:us-east-1:123456789012:function:other' },
  PcAmount: { Type: 'Number', Default: 1 },
};

function lambdaInvokeAction(plan: RolePlan): Json {
  switch (plan.action) {
    case 'string':
      return 'lambda:InvokeFunction';
    case 'list':
      return ['lambda:InvokeFunction', 'lambda:InvokeAsync'];
    case 'lower':
      return 'lambda:invokefunction';
    case 'wild':
      return 'lambda:Invoke*';
  }
}

/** Grant statements for the functions the machine may invoke, in the style the plan asks for. */
function grantStatements(plan: RolePlan, fns: FnInfo[]): Json[] {
  const action = lambdaInvokeAction(plan);
  const arns = (f: FnInfo): Json[] => {
    switch (plan.grant) {
      case 'cdk':
        return [{ 'Fn::GetAtt': [f.id, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [f.id, 'Arn'] }, ':*']] }];
      case 'name-star':
        return f.name
          ? [{ 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${f.name}*` }]
          : [{ 'Fn::GetAtt': [f.id, 'Arn'] }];
      case 'sub-arn':
        return [{ 'Fn::Sub': `\${${f.id}.Arn}` }];
      case 'sub-star':
        return [{ 'Fn::GetAtt': [f.id, 'Arn'] }, { 'Fn::Sub': `\${${f.id}.Arn}:*` }];
      default:
        return [{ 'Fn::GetAtt': [f.id, 'Arn'] }];
    }
  };
  switch (plan.grant) {
    case 'none':
      return [];
    case 'star':
      return [{ Effect: 'Allow', Action: action, Resource: '*' }];
    case 'lambda-star':
      return [{ Effect: 'Allow', Action: 'lambda:*', Resource: 'arn:aws:lambda:*:*:function:*' }];
    case 'conditional':
      return [
        {
          Effect: 'Allow',
          Action: action,
          Resource: fns.map((f) => ({ 'Fn::GetAtt': [f.id, 'Arn'] })),
          Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
        },
      ];
    case 'deny':
      return [
        { Effect: 'Deny', Action: 'lambda:DeleteFunction', Resource: '*' },
        { Effect: 'Allow', Action: action, Resource: fns.flatMap(arns) },
      ];
    default: {
      // With `single`, a lone resource is written as a value rather than a list of one.
      const resources = fns.flatMap(arns);
      return [{ Effect: 'Allow', Action: action, Resource: plan.single && resources.length === 1 ? resources[0] : resources }];
    }
  }
}

function buildTemplate(plan: TemplatePlan): ValidCase {
  const env: Env = { region: plan.region, partition: REGIONS[plan.region] };
  const resources: Record<string, unknown> = {};
  const conditionsUsed = new Set<string>();
  const builtFns = plan.fns.map((p, k) => buildFunction(p, k, env));
  const fns = builtFns.map((b) => b.info);
  for (const b of builtFns) {
    for (const [id, r] of b.resources) put(resources, id, r);
    for (const c of b.conditions) conditionsUsed.add(c);
  }

  const t: TemplateBuild = { env, resources, conditionsUsed, fns, machines: [], values: [], sharedRole: undefined };
  plan.machines.forEach((mp, k) => {
    addMachine(t, mp, k);
  });
  const { machines, values } = t;

  plan.unrelated.forEach((u, k) => {
    const r: JsonObject = { Type: u.type, Properties: u.props };
    if (u.metadata) r.Metadata = u.metadata;
    put(resources, `Other${k}`, r);
  });

  const template: JsonObject = { AWSTemplateFormatVersion: '2010-09-09', Parameters: PARAMETERS };
  const conditions: Record<string, unknown> = {};
  CONDITIONS.forEach((c, k) => {
    put(conditions, c, { 'Fn::Equals': [{ Ref: `Flag${k}` }, 'on'] });
  });
  template.Conditions = conditions as JsonObject;
  if (plan.topMetadata) template.Metadata = plan.topMetadata;
  template.Resources = resources as JsonObject;
  if (plan.outputs) template.Outputs = { Fn0Arn: { Value: { 'Fn::GetAtt': ['Fn0', 'Arn'] } } };

  const options = transformOptions(plan, t);
  const reportOnly = options.mode === 'report';
  for (const v of values) {
    const m = machines.find((x) => x.id === v.machine);
    if (!m?.processed || reportOnly) v.rewrite = false;
  }
  return { template, options, oracle: { functions: fns, values, machines, conditions: CONDITIONS.filter((c) => conditionsUsed.has(c)), reportOnly, env } };
}

/** What buildTemplate's steps share: the resources, conditions, machines and values so far. */
interface TemplateBuild {
  env: Env;
  resources: Record<string, unknown>;
  conditionsUsed: Set<string>;
  fns: FnInfo[];
  machines: MachineInfo[];
  values: ValueInfo[];
  /** The role of the first machine whose role may be shared. */
  sharedRole: string | undefined;
}

/** The k-th state machine, its role and its values. */
function addMachine(t: TemplateBuild, mp: MachinePlan, k: number): void {
  const id = `Machine${k}`;
  const sam = mp.sam;
  const form: DefinitionForm = sam ? 'object' : mp.form;
  const build = buildAsl(id, mp, t.fns, t.env);
  const names = new Names(mp.naming);
  const def = buildDefinition(mp, form, build, names);
  if (mp.extraSubstitution) names.substitution('unused-value');
  const subs = names.subMap as JsonObject;
  const props: JsonObject = {};
  put(props, def.property, def.value);
  if (Object.keys(subs).length > 0) props.DefinitionSubstitutions = subs;
  if (mp.tags) props[sam ? 'Tags' : 'StateMachineName'] = sam ? { team: 'x' } : `machine-${k}`;
  const role = sam ? samMachineRole(t, mp, k, props) : machineRole(t, mp, k, props);
  const resource: JsonObject = { Type: sam ? 'AWS::Serverless::StateMachine' : 'AWS::StepFunctions::StateMachine', Properties: props };
  if (mp.metadataIf) {
    resource.Metadata = { 'Fn::If': [CONDITIONS[2], { owner: 'team-a' }, { owner: 'team-b' }] };
    t.conditionsUsed.add(CONDITIONS[2]);
  } else if (mp.metadata) resource.Metadata = mp.metadata;
  put(t.resources, id, resource);
  t.machines.push({
    id,
    type: sam ? 'AWS::Serverless::StateMachine' : 'AWS::StepFunctions::StateMachine',
    property: def.property,
    form,
    role,
    samPolicies: sam && mp.samPolicies !== 'role',
    processed: true,
  });
  for (const v of build.values) t.values.push(v.info);
}

/** A SAM state machine's Role, or the Policies SAM builds its role from; returns the role's logical ID, if any. */
function samMachineRole(t: TemplateBuild, mp: MachinePlan, k: number, props: JsonObject): string | undefined {
  if (mp.samPolicies === 'role') {
    const role = `Machine${k}Role`;
    props.Role = { 'Fn::GetAtt': [role, 'Arn'] };
    for (const c of addRole(t.resources, role, mp.role, t.fns)) t.conditionsUsed.add(c);
    return role;
  }
  const stmts = grantStatements({ ...mp.role, grant: mp.role.grant === 'none' ? 'getatt' : mp.role.grant }, t.fns);
  switch (mp.samPolicies) {
    case 'invoke-policy':
      props.Policies = t.fns.map((f) => ({ LambdaInvokePolicy: { FunctionName: f.name ?? { Ref: f.id } } }));
      break;
    case 'statement':
      props.Policies = [{ Statement: stmts }];
      break;
    case 'single':
      props.Policies = { Statement: stmts };
      break;
    case 'managed-name':
      props.Policies = ['AWSXrayWriteOnlyAccess'];
      break;
    case 'none':
      break;
  }
  return undefined;
}

/** A state machine's RoleArn: a role outside the template, its own role, or the one it shares; returns the role's logical ID, if any. */
function machineRole(t: TemplateBuild, mp: MachinePlan, k: number, props: JsonObject): string | undefined {
  if (mp.role.form === 'external') {
    props.RoleArn = `arn:aws:iam::${ACCOUNT}:role/external-role`;
    return undefined;
  }
  const role = mp.role.shared && t.sharedRole ? t.sharedRole : `Machine${k}Role`;
  if (role !== t.sharedRole) {
    for (const c of addRole(t.resources, role, mp.role, t.fns)) t.conditionsUsed.add(c);
  }
  t.sharedRole = t.sharedRole ?? role;
  props.RoleArn =
    mp.role.form === 'getatt'
      ? { 'Fn::GetAtt': [role, 'Arn'] }
      : mp.role.form === 'getatt-string'
        ? { 'Fn::GetAtt': `${role}.Arn` }
        : { 'Fn::Sub': `\${${role}.Arn}` };
  return role;
}

/** The transform's options of the plan; marks the machines it leaves out, and the values ResolveExternal rewrites. */
function transformOptions(plan: TemplatePlan, { env, resources, fns, machines, values }: TemplateBuild): TransformOptions {
  const options: TransformOptions = { region: env.region, accountId: ACCOUNT };
  if (plan.options.mode === 'report') options.mode = 'report';
  // AliasName naming an alias without provisioned concurrency is an error, so only when there is none.
  const coldLive = Object.keys(resources).some((id) => {
    const r = resources[id] as JsonObject;
    const p = r.Properties as JsonObject;
    return r.Type === 'AWS::Lambda::Alias' && p.Name === 'live' && !fns.some((f) => f.warm?.target === id);
  });
  if (plan.options.aliasName && !coldLive) options.aliasName = 'live';
  if (plan.options.select !== 'all' && machines.length > 1) {
    if (plan.options.select === 'only-first') options.stateMachines = [machines[0].id];
    else options.exclude = [machines[0].id];
    machines.forEach((m, k) => {
      m.processed = plan.options.select === 'only-first' ? k === 0 : k !== 0;
    });
  }
  if (plan.options.external) {
    // What the edge's ResolveExternal lookup found: external-fn has one alias with provisioned concurrency.
    const arn = `${arnPrefix(env)}external-fn`;
    options.external = { [arn]: { status: 'warm', aliases: [{ name: 'live', arn: `${arn}:live` }] } };
    for (const v of values) if (v.invocation && v.form.startsWith('external')) Object.assign(v, { rewrite: true, externalTarget: `${arn}:live` });
  }
  return options;
}

/** Adds a state machine role and its policies; returns the conditions it uses. */
function addRole(resources: Record<string, unknown>, id: string, plan: RolePlan, fns: FnInfo[]): string[] {
  const statements = grantStatements(plan, fns);
  const doc = (): JsonObject => ({ Version: '2012-10-17', Statement: plan.single && statements.length === 1 ? statements[0] : statements });
  const props: JsonObject = {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    },
  };
  const base: JsonObject = { PolicyName: 'logs', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }] } };
  const used: string[] = [];
  if (plan.where === 'inline-if') {
    // Policies chosen by a condition (the same grants either way, so the role is valid in both cases).
    const list = (): Json[] => (statements.length === 0 ? [base] : [base, { PolicyName: 'invoke', PolicyDocument: doc() }]);
    props.Policies = { 'Fn::If': [CONDITIONS[1], list(), list()] };
    used.push(CONDITIONS[1]);
  } else if (statements.length === 0 || plan.where === 'inline') {
    props.Policies = statements.length === 0 ? [base] : [base, { PolicyName: 'invoke', PolicyDocument: doc() }];
  } else if (plan.where === 'role-policy') {
    put(resources, `${id}RolePolicy`, { Type: 'AWS::IAM::RolePolicy', Properties: { PolicyName: 'invoke', RoleName: { Ref: id }, PolicyDocument: doc() } });
  } else if (plan.where === 'policy') {
    put(resources, `${id}Policy`, { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'invoke', Roles: [{ Ref: id }], PolicyDocument: doc() } });
  } else if (plan.where === 'managed') {
    put(resources, `${id}Managed`, { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc() } });
    props.ManagedPolicyArns = [{ Ref: `${id}Managed` }];
  } else {
    put(resources, `${id}Managed`, { Type: 'AWS::IAM::ManagedPolicy', Properties: { Roles: [{ Ref: id }], PolicyDocument: doc() } });
  }
  put(resources, id, { Type: 'AWS::IAM::Role', Properties: props });
  return used;
}

/** Well-formed templates with their oracle; at most one warm target per function. */
export function validCase(): fc.Arbitrary<ValidCase> {
  return templatePlanArb.map(buildTemplate);
}

/* ------------------------------------------------------------------------------------------ */
/* Templates whose rewrites may close a circular dependency (issue 12).                       */
/* ------------------------------------------------------------------------------------------ */

/**
 * Dependencies back from the functions to the state machines, as real templates have them:
 * Serverless's provider `environment: {X: {Ref: Flow}}` on a function, a function that runs with a
 * state machine's role, a functions' role that may start a state machine (states:StartExecution on
 * its Ref). With them, pointing a state machine at a warm target, or a role at it, can close a
 * circle.
 */
export interface BackEdges {
  /** Function k's environment refers to state machine j. */
  env: [number, number][];
  /** Function k runs with state machine j's role. */
  fnRole: [number, number][];
  /** These functions run with a role that grants states:StartExecution on state machine `machine`. */
  startRole: { fns: number[]; machine: number } | null;
  /**
   * Every reference to a function with a back edge is written as a literal ARN or name (in the
   * definitions, the data and the grants), so that the template has no circular dependency as
   * written (what Serverless users do, and serverless-step-functions does for `Ref: fn`).
   */
  literal: boolean;
}

export interface CyclicCase extends ValidCase {
  back: BackEdges;
}

const backEdgesArb: fc.Arbitrary<BackEdges> = fc.record({
  env: fc.array(fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 1 })), { maxLength: 3 }),
  fnRole: fc.array(fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 1 })), { maxLength: 2 }),
  startRole: fc.option(fc.record({ fns: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 3 }), machine: fc.nat({ max: 1 }) }), { freq: 3 }),
  literal: weighted([4, fc.constant(true)], [1, fc.constant(false)]),
});

/** Reference forms that refer to a resource, and the literal form that says the same without one. */
const LITERAL_FORM: Partial<Record<RefForm, RefForm>> = {
  'getatt-list': 'pseudo-arn',
  'getatt-string': 'literal-arn',
  ref: 'pseudo-arn',
  'sub-arn': 'literal-arn',
  'sub-var-arn': 'pseudo-arn',
  'pseudo-arn-ref': 'pseudo-arn',
  'join-arn': 'literal-arn',
  'warm-qualifier': 'qualified-literal',
  'alias-version': 'literal-arn',
  'cold-alias': 'qualified-literal',
  'cold-version': 'qualified-literal',
  guarded: 'literal-arn',
};

function literalStates(states: StatePlan[], linked: (fn: number) => boolean): StatePlan[] {
  const ref = (r: RefPlan): RefPlan => {
    const literal = LITERAL_FORM[r.form];
    return linked(r.fn) && literal ? { ...r, form: literal } : r;
  };
  return states.map((s): StatePlan => {
    switch (s.kind) {
      case 'task':
        return { ...s, ref: ref(s.ref), payload: s.payload && ref(s.payload) };
      case 'other':
        return { ...s, ref: ref(s.ref) };
      case 'pass':
        return { ...s, entries: s.entries.map(([k, v]): [string, RefPlan | Json] => [k, isRefPlan(v) ? ref(v) : v]), decoy: s.decoy && ref(s.decoy) };
      case 'parallel':
        return { ...s, branches: s.branches.map((b) => literalStates(b, linked)) };
      case 'map':
        return { ...s, states: literalStates(s.states, linked) };
    }
    return s; // 'simple'
  });
}

function buildCyclic(plan: TemplatePlan, back: BackEdges): CyclicCase {
  const nf = plan.fns.length;
  const linkedSet = new Set<number>([...back.env.map(([f]) => f % nf), ...back.fnRole.map(([f]) => f % nf), ...(back.startRole?.fns ?? []).map((f) => f % nf)]);
  const linked = (fn: number): boolean => linkedSet.has(fn % nf);
  let p = plan;
  if (back.literal) {
    // Grants that name the functions by reference become grants by name (or none at all).
    const byName = new Set<RolePlan['grant']>(['getatt', 'cdk', 'sub-arn', 'sub-star', 'conditional', 'deny']);
    p = {
      ...plan,
      fns: plan.fns.map((f, k) => (linked(k) ? { ...f, named: true } : f)),
      machines: plan.machines.map((m) => ({
        ...m,
        states: literalStates(m.states, linked),
        role: byName.has(m.role.grant) ? { ...m.role, grant: m.role.single ? 'none' : 'name-star' } : m.role,
      })),
    };
  }
  const c = buildTemplate(p);
  const resources = c.template.Resources as Record<string, JsonObject>;
  const fnOf = (k: number): JsonObject => {
    const id = c.oracle.functions[k % nf].id;
    const copy = { ...resources[id], Properties: { ...(resources[id].Properties as JsonObject) } };
    put(resources, id, copy);
    return copy.Properties;
  };
  const machineOf = (j: number): MachineInfo => c.oracle.machines[j % c.oracle.machines.length];
  for (const [f, j] of back.env) {
    const props = fnOf(f);
    const vars = { ...(((props.Environment as JsonObject | undefined)?.Variables as JsonObject | undefined) ?? {}) };
    vars[`FLOW_${machineOf(j).id.toUpperCase()}`] = { Ref: machineOf(j).id };
    props.Environment = { Variables: vars };
  }
  for (const [f, j] of back.fnRole) {
    const role = machineOf(j).role;
    if (role !== undefined && resources[role] !== undefined) fnOf(f).Role = { 'Fn::GetAtt': [role, 'Arn'] };
  }
  if (back.startRole) {
    put(resources, 'FnStartRole', {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: 'start',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: machineOf(back.startRole.machine).id } }],
            },
          },
        ],
      },
    });
    for (const f of back.startRole.fns) fnOf(f).Role = { 'Fn::GetAtt': ['FnStartRole', 'Arn'] };
  }
  return { ...c, back };
}

/** Valid templates with dependencies back from functions to state machines (which may or may not make the input circular). */
export function cyclicCase(): fc.Arbitrary<CyclicCase> {
  return fc.tuple(templatePlanArb, backEdgesArb).map(([plan, back]) => buildCyclic(plan, back));
}

/* ------------------------------------------------------------------------------------------ */
/* Broken and arbitrary inputs.                                                               */
/* ------------------------------------------------------------------------------------------ */

const JUNK_KEYS = [
  '__proto__',
  'constructor',
  '',
  'Ref',
  'Fn::If',
  'Fn::Sub',
  'Fn::GetAtt',
  'Fn::Join',
  'Type',
  'Properties',
  'Resources',
  'States',
  'Resource',
  'FunctionName',
  'Condition',
  'ProvisionedConcurrencyConfig',
];
const junkKey = fc.oneof(fc.constantFrom(...JUNK_KEYS), fc.string({ maxLength: 5 }));
/** Arbitrary JSON-ish junk, intrinsic-looking objects included. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({ maxDepth: 2, key: junkKey as fc.Arbitrary<string>, withObjectString: true }),
  fc.constantFrom<unknown>(
    { Ref: 'Fn0' },
    { Ref: 'Fn0Alias' },
    { Ref: 42 },
    { 'Fn::GetAtt': 'Fn0' },
    { 'Fn::GetAtt': ['Fn0'] },
    { 'Fn::GetAtt': [{ Ref: 'x' }, 'Arn'] },
    { 'Fn::Sub': ['${X}'] },
    { 'Fn::Sub': ['${X}', []] },
    { 'Fn::Sub': '${' },
    { 'Fn::Sub': '${}' },
    { 'Fn::Join': ['', { Ref: 'List' }] },
    { 'Fn::Join': [1, []] },
    { 'Fn::If': ['Cond0'] },
    { 'Fn::If': [{ Ref: 'x' }, 1, 2] },
    { 'Fn::If': ['Cond0', { Ref: 'AWS::NoValue' }, { Ref: 'AWS::NoValue' }] },
    { Ref: 'AWS::NoValue' },
    '\uE000',
    '${Fn0.Arn}',
    '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn0.Arn}","End":true}}}',
    '{"States":',
    [],
    {},
    null,
  ),
);

type Damage =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'text'; at: number; pos: number; insert: string; remove: number }
  | { kind: 'ambiguous'; fn: number; version: boolean; named: boolean }
  | { kind: 'deep'; at: number; depth: number; shape: 'object' | 'array' | 'parallel' | 'if' | 'sub' | 'join' }
  | { kind: 'strict' }
  | { kind: 'options'; aliasName: string | null; stateMachines: string[] | null; exclude: string[] | null; mode: 'rewrite' | 'report' | 'strict' | null };

const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: junk }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('text' as const),
      at: fc.nat(),
      pos: fc.nat(),
      insert: fc.oneof(
        fc.constantFrom('${', '}', '"', '\\', '\uE000', '${!', '${AWS::Region}', '${Fn0.Arn}', '${Fn0}', ',', '{', ']', '\n', '\u0000'),
        fc.string({ maxLength: 3 }),
      ),
      remove: fc.nat({ max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ambiguous' as const), fn: fc.nat(), version: fc.boolean(), named: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deep' as const),
      at: fc.nat(),
      depth: fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 2500, max: 6000 })),
      shape: fc.constantFrom('object' as const, 'array' as const, 'parallel' as const, 'if' as const, 'sub' as const, 'join' as const),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'strict' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('options' as const),
      aliasName: fc.option(fc.constantFrom('live', 'cold', 'other', '')),
      stateMachines: fc.option(fc.array(fc.constantFrom('Machine0', 'Machine1', 'Fn0', 'Nope', '__proto__'), { maxLength: 2 })),
      exclude: fc.option(fc.array(fc.constantFrom('Machine0', 'Machine1', 'Nope'), { maxLength: 2 })),
      mode: fc.option(fc.constantFrom('rewrite' as const, 'report' as const, 'strict' as const)),
    }),
  },
);

/** Every container path and string path of a value (iterative). */
function pathsOf(root: unknown): { path: (string | number)[]; value: unknown }[] {
  const out: { path: (string | number)[]; value: unknown }[] = [];
  const stack: { path: (string | number)[]; value: unknown }[] = [{ path: [], value: root }];
  while (stack.length && out.length < 5000) {
    const e = stack.pop();
    if (e === undefined) break;
    out.push(e);
    if (Array.isArray(e.value))
      e.value.forEach((v, k) => {
        stack.push({ path: [...e.path, k], value: v });
      });
    else if (isPlainObject(e.value)) for (const k of Object.keys(e.value)) stack.push({ path: [...e.path, k], value: e.value[k] });
  }
  return out;
}

/** Deep copy keeping own `__proto__` keys (iterative). */
export function clone<T>(v: T): T {
  const copy = (x: unknown): unknown => (Array.isArray(x) ? new Array(x.length) : isPlainObject(x) ? {} : x);
  const root = copy(v);
  const stack: [unknown, unknown][] = [[v, root]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [src, dst] = top;
    if (Array.isArray(src)) {
      src.forEach((x, k) => {
        const c = copy(x);
        (dst as unknown[])[k] = c;
        if (c !== x) stack.push([x, c]);
      });
    } else if (isPlainObject(src)) {
      for (const k of Object.keys(src)) {
        const c = copy(src[k]);
        put(dst as Record<string, unknown>, k, c);
        if (c !== src[k]) stack.push([src[k], c]);
      }
    }
  }
  return root as T;
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (Array.isArray(node)) node[last as number] = value;
  else put(node, String(last), value);
  return root;
}

function deleteAt(root: unknown, path: (string | number)[]): void {
  if (path.length === 0) return;
  let node = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (Array.isArray(node)) node.splice(last as number, 1);
  else delete node[last];
}

function deepValue(depth: number, shape: Extract<Damage, { kind: 'deep' }>['shape']): unknown {
  let v: unknown = { 'Fn::GetAtt': ['Fn0', 'Arn'] };
  for (let k = 0; k < depth; k++) {
    switch (shape) {
      case 'object':
        v = { a: v };
        break;
      case 'array':
        v = [v];
        break;
      case 'parallel':
        v = { StartAt: 'P', States: { P: { Type: 'Parallel', Branches: [v], End: true } } };
        break;
      case 'if':
        v = { 'Fn::If': ['Cond0', v, { Ref: 'AWS::NoValue' }] };
        break;
      case 'sub':
        v = { 'Fn::Sub': ['${x}', { x: v }] };
        break;
      case 'join':
        v = { 'Fn::Join': ['', [v]] };
        break;
    }
  }
  return v;
}

function deepText(depth: number): string {
  const open = '{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[';
  const close = ']}}}';
  const leaf = '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${Fn0.Arn}","End":true}}}';
  return open.repeat(depth) + leaf + close.repeat(depth);
}

function applyDamage(c: ValidCase, damages: Damage[]): LooseCase {
  let template: unknown = clone(c.template);
  const options: TransformOptions = { ...c.options };
  const log: string[] = [];
  for (const d of damages) {
    const paths = pathsOf(template);
    switch (d.kind) {
      case 'replace': {
        const p = paths[d.at % paths.length];
        // A copy: fast-check may hand the same value to later runs, and the checks freeze their input.
        template = setAt(template, p.path, clone(d.value));
        log.push(`replace ${p.path.join('/')}`);
        break;
      }
      case 'delete': {
        const p = paths[d.at % paths.length];
        deleteAt(template, p.path);
        log.push(`delete ${p.path.join('/')}`);
        break;
      }
      case 'text': {
        const strings = paths.filter((p) => typeof p.value === 'string');
        if (!strings.length) break;
        const p = strings[d.at % strings.length];
        const s = p.value as string;
        const pos = d.pos % (s.length + 1);
        template = setAt(template, p.path, s.slice(0, pos) + d.insert + s.slice(pos + d.remove));
        log.push(`edit text at ${p.path.join('/')}`);
        break;
      }
      case 'ambiguous': {
        const res = isPlainObject(template) && isPlainObject(template.Resources) ? template.Resources : undefined;
        if (!res) break;
        const k = d.fn % c.oracle.functions.length;
        const f = c.oracle.functions[k];
        const id = `${f.id}Second${d.version ? 'Version' : 'Alias'}`;
        const props: JsonObject = { FunctionName: { Ref: f.id }, ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 3 } };
        if (!d.version) Object.assign(props, { FunctionVersion: '$LATEST', Name: d.named ? 'live' : 'second' });
        put(res, id, { Type: d.version ? 'AWS::Lambda::Version' : 'AWS::Lambda::Alias', Properties: props });
        log.push(`second warm ${d.version ? 'version' : 'alias'} for ${f.id}`);
        break;
      }
      case 'deep': {
        const p = paths[d.at % paths.length];
        const value = typeof p.value === 'string' && d.shape === 'parallel' ? deepText(d.depth) : deepValue(d.depth, d.shape);
        template = setAt(template, p.path, value);
        log.push(`deep ${d.shape} x${d.depth} at ${p.path.join('/')}`);
        break;
      }
      case 'strict':
        options.mode = 'strict';
        log.push('Mode strict');
        break;
      case 'options':
        if (d.aliasName !== null) options.aliasName = d.aliasName;
        if (d.stateMachines !== null) options.stateMachines = d.stateMachines;
        if (d.exclude !== null) options.exclude = d.exclude;
        if (d.mode !== null) options.mode = d.mode;
        log.push(`options ${JSON.stringify(d)}`);
        break;
    }
  }
  return { template, options, damage: log.map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l)) };
}

/** Valid templates damaged in 1–4 ways; may be ambiguous, unreadable or not a template at all. */
export function brokenCase(): fc.Arbitrary<LooseCase> {
  return fc.tuple(validCase(), fc.array(damageArb, { minLength: 1, maxLength: 4 })).map(([c, ds]) => applyDamage(c, ds));
}

/** Arbitrary values as the fragment, or as parts of an otherwise plausible template. */
export function anythingCase(): fc.Arbitrary<LooseCase> {
  const options = fc.record(
    {
      aliasName: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
      stateMachines: fc.option(fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }), { nil: undefined }),
      mode: fc.option(fc.constantFrom('rewrite' as const, 'report' as const, 'strict' as const), { nil: undefined }),
      region: fc.option(fc.constantFrom(REGION, 'cn-north-1', 'us-gov-west-1', ''), { nil: undefined }),
      accountId: fc.option(fc.constantFrom(ACCOUNT, ''), { nil: undefined }),
    },
    { requiredKeys: [] },
  );
  const resource = fc.record(
    {
      Type: fc.oneof(
        fc.constantFrom(
          'AWS::StepFunctions::StateMachine',
          'AWS::Serverless::StateMachine',
          'AWS::Lambda::Function',
          'AWS::Lambda::Alias',
          'AWS::Lambda::Version',
          'AWS::IAM::Role',
          'AWS::IAM::Policy',
        ),
        junk,
      ),
      Properties: junk,
      Condition: junk,
    },
    { requiredKeys: ['Type'] },
  );
  const template = fc.oneof(
    junk,
    fc.record({ Resources: junk }),
    fc.record({ Resources: fc.dictionary(junkKey, resource, { maxKeys: 4 }), Conditions: junk, Parameters: junk }, { requiredKeys: ['Resources'] }),
  );
  return fc.tuple(template, options).map(([t, o]) => ({ template: clone(t), options: o as TransformOptions, damage: ['arbitrary value'] }));
}

/* ------------------------------------------------------------------------------------------ */
/* Templates with Fn::If above the invocations (issue 18, point 3).                           */
/* ------------------------------------------------------------------------------------------ */

/**
 * One change to a valid case's Definition objects, as users write them: a whole state, a whole
 * `Parameters`/`Arguments`, a whole `States` map or a Parallel branch chosen by `Fn::If` (the other
 * branch invokes another function, or is `AWS::NoValue` for the last branch of a list), a
 * `Qualifier` next to `FunctionName`, or the definition written as `Fn::ToJsonString`.
 */
export interface ConditionalOp {
  kind: 'state' | 'states' | 'params' | 'branch' | 'qualifier' | 'tojson' | 'definition' | 'text';
  /** Which candidate place (modulo their number). */
  pick: number;
  cond: number;
  /** Which function the other branch invokes, or which Qualifier (modulo). */
  alt: number;
}

const conditionalOpArb: fc.Arbitrary<ConditionalOp> = fc.record({
  kind: fc.constantFrom<ConditionalOp['kind']>('state', 'state', 'states', 'params', 'params', 'branch', 'qualifier', 'tojson', 'definition', 'text'),
  pick: fc.nat({ max: 40 }),
  cond: condIdx,
  alt: fc.nat({ max: 12 }),
});

export interface ConditionalCase extends ValidCase {
  ops: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => isPlainObject(v);
const own = (o: unknown, k: string): unknown => (isObj(o) && Object.hasOwn(o, k) ? o[k] : undefined);
const LAMBDA_INVOKE_TEXT = /:states:::lambda:invoke/;

/** The places of a definition object that an op can change (the definition as written, before any op). */
function places(def: Obj): { states: Obj[]; state: [Obj, string][]; params: [Obj, string][]; branches: unknown[][] } {
  const out = { states: [] as Obj[], state: [] as [Obj, string][], params: [] as [Obj, string][], branches: [] as unknown[][] };
  const machines: unknown[] = [def];
  while (machines.length) {
    const m = machines.pop();
    const states = own(m, 'States');
    if (!isObj(states)) continue;
    out.states.push(m as Obj);
    for (const name of Object.keys(states)) {
      const s = states[name];
      if (!isObj(s)) continue;
      out.state.push([states, name]);
      const resource = own(s, 'Resource');
      if (s.Type === 'Task' && typeof resource === 'string' && LAMBDA_INVOKE_TEXT.test(resource)) {
        for (const c of ['Parameters', 'Arguments']) if (isObj(own(s, c)) && own(own(s, c), 'FunctionName') !== undefined) out.params.push([s, c]);
      }
      const branches = own(s, 'Branches');
      if (Array.isArray(branches)) {
        out.branches.push(branches);
        machines.push(...branches);
      }
      for (const key of ['Iterator', 'ItemProcessor']) if (isObj(own(s, key))) machines.push(own(s, key));
    }
  }
  return out;
}

/** A whole DefinitionString (a text of any form) chosen by Fn::If: each branch is a definition of its own. */
function wrapDefinitionString(resources: Obj, machineIds: string[], op: ConditionalOp, cond: string, done: string[]): void {
  const texts = machineIds.filter((id) => {
    const v = own(own(resources[id], 'Properties'), 'DefinitionString');
    return v !== undefined && !(isObj(v) && 'Fn::ToJsonString' in v);
  });
  if (texts.length === 0) return;
  const id = texts[op.pick % texts.length];
  const props = own(resources[id], 'Properties') as Obj;
  props.DefinitionString = { 'Fn::If': [cond, props.DefinitionString as Json, clone(props.DefinitionString) as Json] };
  done.push(`${id}: DefinitionString chosen by Fn::If on ${cond}`);
}

function applyConditional(c: ValidCase, ops: ConditionalOp[]): ConditionalCase {
  const template = clone(c.template);
  const resources = template.Resources as Obj;
  const fns = c.oracle.functions;
  const done: string[] = [];
  const machineIds = Object.keys(resources).filter((id) => /StateMachine$/.test(String(own(resources[id], 'Type'))));
  for (const op of ops) {
    const cond = CONDITIONS[op.cond];
    const fn = fns[op.alt % fns.length];
    if (op.kind === 'text') {
      wrapDefinitionString(resources, machineIds, op, cond, done);
      continue;
    }
    const candidates = machineIds
      .map((id) => ({ id, props: own(resources[id], 'Properties') as Obj }))
      .filter((m) => isObj(own(m.props, 'Definition')) && !Object.keys(own(m.props, 'Definition') as Obj).some((k) => k.startsWith('Fn::') || k === 'Ref'));
    if (candidates.length === 0) break;
    const m = candidates[op.pick % candidates.length];
    const def = m.props.Definition as Obj;
    const p = places(def);
    const pick = <T>(list: T[]): T | undefined => (list.length ? list[Math.floor(op.pick / candidates.length) % list.length] : undefined);
    switch (op.kind) {
      case 'state': {
        const at = pick(p.state);
        if (!at || !fn) break;
        const [states, name] = at;
        const original = states[name] as Obj;
        const other: Obj = { Type: 'Task', Resource: { 'Fn::GetAtt': [fn.id, 'Arn'] } };
        for (const k of ['Next', 'End']) if (own(original, k) !== undefined) other[k] = original[k];
        if (other.Next === undefined && other.End === undefined) other.End = true;
        put(states, name, { 'Fn::If': op.alt % 2 ? [cond, original, other] : [cond, other, original] });
        done.push(`${m.id}: state ${name} chosen by Fn::If on ${cond}`);
        break;
      }
      case 'states': {
        const machine = pick(p.states);
        if (!machine) break;
        machine.States = { 'Fn::If': [cond, machine.States as Json, clone(machine.States) as Json] };
        done.push(`${m.id}: a States map chosen by Fn::If on ${cond}`);
        break;
      }
      case 'params': {
        const at = pick(p.params);
        if (!at || !fn) break;
        const [state, key] = at;
        const original = state[key] as Obj;
        const other = clone(original);
        put(other, 'FunctionName', op.alt % 3 === 0 ? { Ref: fn.id } : { 'Fn::GetAtt': [fn.id, 'Arn'] });
        state[key] = { 'Fn::If': [cond, original as Json, other as Json] };
        done.push(`${m.id}: ${key} chosen by Fn::If on ${cond}`);
        break;
      }
      case 'branch': {
        const list = pick(p.branches);
        if (!list || list.length === 0) break;
        const k = list.length - 1;
        list[k] = { 'Fn::If': op.alt % 2 ? [cond, list[k] as Json, { Ref: 'AWS::NoValue' }] : [cond, list[k] as Json, clone(list[k]) as Json] };
        done.push(`${m.id}: last Parallel branch under Fn::If on ${cond}`);
        break;
      }
      case 'qualifier': {
        const at = pick(p.params);
        if (!at) break;
        const [state, key] = at;
        const params = state[key] as Obj;
        // Literal qualifiers, and the version number of a version of the template (GetAtt V.Version).
        const versions = Object.keys(resources).filter((id) => own(resources[id], 'Type') === 'AWS::Lambda::Version');
        const qualifiers: Json[] = ['$LATEST', 'live', '7', 'cold', ...versions.map((v) => ({ 'Fn::GetAtt': [v, 'Version'] }))];
        put(params, 'Qualifier', qualifiers[op.alt % qualifiers.length]);
        done.push(`${m.id}: ${key}.Qualifier ${JSON.stringify(params.Qualifier)}`);
        break;
      }
      case 'definition': {
        // (SAM would turn an Fn::If of objects into a DefinitionSubstitutions value: plain state machines only.)
        if (own(resources[m.id], 'Type') !== 'AWS::StepFunctions::StateMachine') break;
        m.props.Definition = { 'Fn::If': [cond, def as Json, clone(def) as Json] };
        done.push(`${m.id}: Definition chosen by Fn::If on ${cond}`);
        break;
      }
      case 'tojson': {
        if (own(resources[m.id], 'Type') !== 'AWS::StepFunctions::StateMachine') break;
        const props = m.props;
        const rebuilt: Obj = {};
        for (const k of Object.keys(props))
          put(rebuilt, k === 'Definition' ? 'DefinitionString' : k, k === 'Definition' ? { 'Fn::ToJsonString': props.Definition } : props[k]);
        (resources[m.id] as Obj).Properties = rebuilt;
        done.push(`${m.id}: DefinitionString is Fn::ToJsonString`);
        break;
      }
    }
  }
  return { ...c, template, ops: done };
}

/** Valid cases with Fn::If above the invocations (and Qualifier, Fn::ToJsonString); the oracle's `values` no longer describe them. */
export function conditionalCase(): fc.Arbitrary<ConditionalCase> {
  return fc.tuple(validCase(), fc.array(conditionalOpArb, { minLength: 1, maxLength: 5 })).map(([c, ops]) => applyConditional(c, ops));
}
