/**
 * Step 5 of the pipeline: decide, slot by slot, what each invocation becomes.
 *
 * The decision is pure data (an `Edit` or a reason to leave the slot alone); `definition/write.ts`
 * applies the edits in the form the definition came in.
 */
import { expandParts, formatParts, formatValue, isHole, partsOf, partsToValue, soleHole } from './intrinsics/parts';
import { intrinsicName } from './json';
import { getAttPair, refName, unreadableIn } from './template';
import type { Problem } from './errors';
import { classifyParts, type LambdaRef } from './references';
import type { Slot } from './definition/slots';
import type { Guard, WarmTarget, WarmTargets } from './targets';
import { describeReasons, REASON_INFO, type Reason } from './reasons';
import type { TemplateIndex } from './template';
import type { ExternalLookup, Json } from './types';

export interface Edit {
  slot: Slot;
  /** The slot's new content. */
  value: Json;
  /** What IAM must allow: each new target (guarded like the slot), with the function it belongs to. */
  grants: { fn?: string; value: Json; unqualified?: Json }[];
  fn?: string;
  target?: WarmTarget;
  /** Why the invocation must use the new target. */
  reasons: Reason[];
  /** The slot named `:$LATEST` explicitly (which changes what it did: see consequenceOf). */
  latest?: boolean;
  from: string;
  to: string;
  /**
   * Set when the target is written as its literal ARN: a reference to it would have closed this
   * circular dependency (`[StateMachine, Target, …, StateMachine]`).
   */
  cycle?: string[];
}

export type SlotDecision =
  | { kind: 'rewrite'; edit: Edit }
  | { kind: 'warm'; fn?: string; reason: string }
  /** `warmElsewhere: false`: the function's provisioned concurrency never exists alongside this state machine. */
  | { kind: 'cold'; fn?: string; reason: string; strict: boolean; warmElsewhere?: false; reasons?: Reason[] }
  | { kind: 'external'; arn: string; reason: string; failed: boolean }
  | { kind: 'error'; fn?: string; message: string }
  | { kind: 'missing'; name: string }
  /** The slot refers to a resource the macro cannot read (no Type, say): it cannot tell what the state invokes. */
  | { kind: 'unreadable'; problem: Problem }
  /** A Lambda invocation whose function the macro cannot tell (an Fn::ImportValue, a name built from a parameter...). */
  | { kind: 'unresolved'; reason: string }
  | { kind: 'ignore' };

export interface DecideContext {
  index: TemplateIndex;
  targets: WarmTargets;
  external?: Record<string, ExternalLookup>;
  aliasName?: string;
  /**
   * The condition of the state machine's own resource, if any: wherever its definition is
   * evaluated, that condition is true, so a target guarded by it needs no Fn::If there.
   */
  holds?: string;
}

export function decide(slot: Slot, ctx: DecideContext): SlotDecision {
  const parts = expandParts(slot.leaf.parts);
  const ref: LambdaRef = classifyParts(parts, ctx.index, ctx.targets);
  const from = formatParts(parts);
  const original = partsToValue(slot.leaf.parts);
  const single = soleHole(parts);
  if (ref.kind === 'unknown') {
    const problem = unreadableIn(parts.filter(isHole).map((p) => p.hole), ctx.index);
    if (problem) return { kind: 'unreadable', problem };
  }
  if (ref.kind === 'unknown' && intrinsicName(single) === 'Fn::If') return decideBranches(slot, single!, from, ctx);
  switch (ref.kind) {
    case 'function': {
      const res = ctx.targets.resolve(ref.fn);
      if (res.status === 'error') return { kind: 'error', fn: ref.fn, message: res.message };
      if (res.status === 'unpublished') return unpublished(ref.fn, res.reasons);
      if (res.status === 'cold') {
        // `:$LATEST` of a Managed Instances function is never invoked; its unqualified ARN runs $LATEST.PUBLISHED.
        if (ref.latest && ctx.targets.reasonsOf(ref.fn).includes('ManagedInstances')) {
          const value: Json = { 'Fn::GetAtt': [ref.fn, 'Arn'] };
          return { kind: 'rewrite', edit: { slot, value, grants: [{ fn: ref.fn, value }], fn: ref.fn, reasons: ['ManagedInstances'], latest: true, from, to: formatValue(value) } };
        }
        return { kind: 'cold', fn: ref.fn, reason: `function ${ref.fn} has no provisioned concurrency`, strict: true };
      }
      if (res.target.kind === 'explicit' && ref.latest) {
        return { kind: 'warm', fn: ref.fn, reason: `already invokes ${res.target.id}: the template publishes no version of ${ref.fn}, and a durable function accepts $LATEST` };
      }
      if (absentWith(res.target.guards, ctx.holds)) return absentCold(ref.fn, res.target, ctx.holds!);
      return { kind: 'rewrite', edit: { ...edit(slot, res.target, original, from, ctx.holds), ...(ref.latest ? { latest: true } : {}) } };
    }
    case 'qualifier': {
      if (ctx.targets.isWarmQualifier(ref.id)) return { kind: 'warm', fn: ref.fn, reason: `already invokes ${ref.id}, ${qualifierWhy(ref.id, ctx.targets)}` };
      const res = ctx.targets.resolve(ref.fn);
      if (res.status === 'warm') {
        const alias = ctx.targets.aliases.get(res.target.id);
        // The exact version behind the alias (SAM's `Fn.Version` is the one behind `Fn.Alias`) moves to the alias.
        if ((alias && alias.version === ref.id) || (res.target.kind === 'sam-alias' && ref.id === `${ref.fn}.Version`)) {
          if (absentWith(res.target.guards, ctx.holds)) return absentCold(ref.fn, res.target, ctx.holds!);
          return { kind: 'rewrite', edit: edit(slot, res.target, original, from, ctx.holds) };
        }
        return {
          kind: 'cold',
          fn: ref.fn,
          reason: `invokes ${ref.id}, which has no provisioned concurrency (that is on ${res.target.id}); an explicit qualifier is left as it is`,
          strict: false,
        };
      }
      if (res.status === 'error') return { kind: 'error', fn: ref.fn, message: res.message };
      return { kind: 'cold', fn: ref.fn, reason: `function ${ref.fn} has no provisioned concurrency`, strict: true };
    }
    case 'qualified': {
      if (ctx.targets.warmAliasNames(ref.fn).includes(ref.qualifier)) {
        return { kind: 'warm', fn: ref.fn, reason: `already invokes alias '${ref.qualifier}', ${qualifierWhy(undefined, ctx.targets, ref.fn)}` };
      }
      if (ctx.targets.isWarm(ref.fn)) {
        return { kind: 'cold', fn: ref.fn, reason: `explicit qualifier ':${ref.qualifier}' has no provisioned concurrency; left as it is`, strict: false };
      }
      return { kind: 'cold', fn: ref.fn, reason: `function ${ref.fn} has no provisioned concurrency`, strict: true };
    }
    case 'guarded':
      return { kind: 'warm', fn: ref.fn, reason: 'already guarded by the macro (Fn::If on the target condition)' };
    case 'external':
      return decideExternal(slot, ref.arn, ref.qualifier, from, ctx);
    case 'unknown': {
      // A reference to nothing in the template: CloudFormation will reject it; say so now.
      const name = single === undefined ? undefined : (refName(single) ?? getAttPair(single)?.[0]);
      if (name !== undefined && !name.startsWith('AWS::') && !ctx.index.get(name) && !ctx.index.isParameter(name)) return { kind: 'missing', name };
      // A FunctionName is always a Lambda function; a Resource only when it reads as a Lambda ARN
      // (a Resource that is just a reference may be an activity or another service).
      if (slot.field !== 'Resource' || /:lambda:/.test(from)) {
        return { kind: 'unresolved', reason: `${slot.field} is ${from}, which the macro cannot resolve to a function of this template or to a literal ARN; if that function has provisioned concurrency, point the state at its alias yourself` };
      }
      return { kind: 'ignore' };
    }
  }
}

function edit(slot: Slot, target: WarmTarget, original: Json, from: string, holds: string | undefined): Edit {
  const value = targetValue(target, holds, original);
  return { slot, value, grants: targetGrants(target), fn: target.fn, target, reasons: target.reasons, from, to: formatValue(value) };
}

/** The slot's new value: the target where its guards hold, else the original (one Fn::If per exclusive alias). */
function targetValue(target: WarmTarget, holds: string | undefined, original: Json): Json {
  if (!target.alternatives) return guard(within(target.guards, holds), target.value, original);
  let value = original;
  for (const alt of [...target.alternatives].reverse()) {
    if (!absentWith(alt.guards, holds)) value = guard(within(alt.guards, holds), alt.value, value);
  }
  return value;
}

/** The grant goes to a role that may exist without the state machine's condition: fully guarded. */
function targetGrants(target: WarmTarget): Edit['grants'] {
  return (target.alternatives ?? [target]).map((t) => ({ fn: t.fn, value: guard(t.guards, t.value, { 'Fn::GetAtt': [t.fn, 'Arn'] }) }));
}

/** Why a qualifier is already the right target: its provisioned concurrency, or the function's configuration. */
function qualifierWhy(id: string | undefined, targets: WarmTargets, fn?: string): string {
  const info = id !== undefined ? (targets.aliases.get(id) ?? targets.versions.get(id)) : undefined;
  const reasons = info?.reasons ?? (fn !== undefined ? (targets.resolve(fn) as { target?: WarmTarget }).target?.reasons : undefined) ?? ['ProvisionedConcurrency'];
  if (reasons[0] === 'ProvisionedConcurrency' && (info === undefined || info.provisioned !== false)) return 'which has provisioned concurrency';
  return `a published target, which its ${describeReasons(reasons)} configuration needs`;
}

/** A function that needs a published target, of which the template has none, and no explicit qualifier helps. */
function unpublished(fn: string, reasons: Reason[]): SlotDecision {
  const info = REASON_INFO[reasons[0]];
  if (reasons[0] === 'ManagedInstances') {
    return {
      kind: 'cold',
      fn,
      reasons,
      strict: true,
      reason: `function ${fn} runs on Managed Instances (CapacityProviderConfig) with PublishToLatestPublished: false, and the template publishes no version of it: Lambda runs an unqualified call on $LATEST.PUBLISHED, which the macro cannot tell exists; to fix it, ${REASON_INFO.Durable.fix}, or leave PublishToLatestPublished at its default`,
    };
  }
  return {
    kind: 'cold',
    fn,
    reasons,
    strict: true,
    reason: `function ${fn} has ${describeReasons(reasons)} (${info.property}), but the template publishes no version of it: its unqualified ARN ${info.unqualified}; to fix it, ${info.fix}`,
  };
}

/**
 * A slot that is an `Fn::If` choosing between functions (`!If [C, !GetAtt A.Arn, !GetAtt B.Arn]`):
 * each branch that invokes a warm function moves to its target; the condition stays.
 */
function decideBranches(slot: Slot, value: Json, from: string, ctx: DecideContext): SlotDecision {
  const arg = (value as { 'Fn::If': Json })['Fn::If'];
  if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') return { kind: 'ignore' };
  const [cond, yes, no] = arg;
  const grants: Edit['grants'] = [];
  let target: WarmTarget | undefined;
  let failure: SlotDecision | undefined;
  const branch = (v: Json): Json => {
    const parts = partsOf(v);
    const ref = parts ? classifyParts(expandParts(parts), ctx.index, ctx.targets) : undefined;
    if (ref?.kind !== 'function') return v;
    const res = ctx.targets.resolve(ref.fn);
    if (res.status === 'error') failure ??= { kind: 'error', fn: ref.fn, message: res.message };
    if (res.status !== 'warm' || absentWith(res.target.guards, ctx.holds)) return v;
    if (res.target.kind === 'explicit' && ref.latest) return v;
    target ??= res.target;
    grants.push(...targetGrants(res.target));
    return targetValue(res.target, ctx.holds, v);
  };
  const next: Json = { 'Fn::If': [cond, branch(yes), branch(no)] };
  if (failure) return failure;
  if (grants.length === 0) return { kind: 'ignore' };
  return { kind: 'rewrite', edit: { slot, value: next, grants, fn: target?.fn, target, reasons: target?.reasons ?? [], from, to: formatValue(next) } };
}


/** True when the target cannot exist where `holds` is true (a guard requires it to be false). */
function absentWith(guards: readonly Guard[], holds: string | undefined): boolean {
  return holds !== undefined && guards.some((g) => g.negate && g.condition === holds);
}

function absentCold(fn: string, target: WarmTarget, holds: string): SlotDecision {
  return {
    kind: 'cold',
    fn,
    reason: `the provisioned concurrency of ${target.id} exists only when condition ${holds} is false, and this state machine only when it is true`,
    strict: false,
    warmElsewhere: false,
  };
}

/** The guards still needed where `holds` is known to be true (a guard on it always passes there). */
function within(guards: readonly Guard[], holds: string | undefined): readonly Guard[] {
  return holds === undefined ? guards : guards.filter((g) => g.negate || g.condition !== holds);
}

/** `Fn::If [C, warm, cold]` for each guard, innermost last. */
export function guard(guards: readonly Guard[], warm: Json, cold: Json): Json {
  let value = warm;
  for (let k = guards.length - 1; k >= 0; k--) {
    const g = guards[k];
    value = { 'Fn::If': g.negate ? [g.condition, cold, value] : [g.condition, value, cold] };
  }
  return value;
}

function decideExternal(slot: Slot, arn: string, qualifier: string | undefined, from: string, ctx: DecideContext): SlotDecision {
  if (qualifier !== undefined && qualifier !== '$LATEST') return { kind: 'ignore' };
  const lookup = ctx.external?.[arn];
  if (!lookup) {
    const written = from === arn ? arn : `${from} (${arn})`;
    return { kind: 'external', arn, reason: `${written} is not a function in this template; set ResolveExternal to look it up`, failed: false };
  }
  if (lookup.status === 'error') return { kind: 'external', arn, reason: `lookup of ${arn} failed: ${lookup.message}`, failed: true };
  if (lookup.status === 'cold') return { kind: 'external', arn, reason: `${arn} has no alias with provisioned concurrency`, failed: false };
  let chosen = lookup.aliases;
  if (chosen.length > 1) {
    if (ctx.aliasName === undefined) {
      return {
        kind: 'error',
        message: `function ${arn} has ${chosen.length} aliases with provisioned concurrency: ${chosen.map((a) => a.name).join(', ')}. Choose one with the Transform parameter AliasName.`,
      };
    }
    chosen = chosen.filter((a) => a.name === ctx.aliasName);
    if (chosen.length !== 1) {
      return { kind: 'error', message: `AliasName is '${ctx.aliasName}', but function ${arn} has no such alias with provisioned concurrency (it has: ${lookup.aliases.map((a) => a.name).join(', ')})` };
    }
  }
  const value = chosen[0].arn;
  return { kind: 'rewrite', edit: { slot, value, grants: [{ value, unqualified: arn }], reasons: ['ProvisionedConcurrency'], from, to: value } };
}
