/**
 * Step 5 of the pipeline: decide, slot by slot, what each invocation becomes.
 *
 * The decision is pure data (an `Edit` or a reason to leave the slot alone); `definition/write.ts`
 * applies the edits in the form the definition came in.
 */
import { expandParts, formatPartsBounded, formatValue, isHole, partsOf, partsToValue, soleHole } from './cfn/parts';
import { unreadableIn } from './template';
import type { Problem } from './errors';
import { classifyParts, type LambdaRef } from './references';
import type { Slot } from './definition/slots';
import type { Guard, WarmTarget, WarmTargets } from './targets';
import { describeReasons, REASON_INFO, type Reason } from './reasons';
import type { TemplateIndex } from './template';
import { render, type MessageId } from './messages';
import type { ExternalLookup, Json, MessageData } from './types';
import type { Edit } from './definition/edit';
import { getAttPair, ifArgs, refName } from './cfn/intrinsics';

export type { Edit };

/** Why a slot stays as it is: its text (`reason`), from its message id and data (macro/messages.ts). */
interface Why {
  reason: string;
  messageId: MessageId;
  data: MessageData;
}

function why(messageId: MessageId, data: MessageData): Why {
  return { reason: render(messageId, data), messageId, data };
}

export type SlotDecision =
  | { kind: 'rewrite'; edit: Edit }
  | ({ kind: 'warm'; fn?: string } & Why)
  /** `warmElsewhere: false`: the function's provisioned concurrency never exists alongside this state machine. */
  | ({ kind: 'cold'; fn?: string; strict: boolean; warmElsewhere?: false; reasons?: Reason[] } & Why)
  | ({ kind: 'external'; arn: string; failed: boolean } & Why)
  | { kind: 'error'; fn?: string; message: string }
  | { kind: 'missing'; name: string }
  /** The slot refers to a resource the macro cannot read (no Type, say): it cannot tell what the state invokes. */
  | { kind: 'unreadable'; problem: Problem }
  /** A Lambda invocation whose function the macro cannot tell (an Fn::ImportValue, a name built from a parameter...). */
  | ({ kind: 'unresolved' } & Why)
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
  // Bounded: a value expanded to a megabyte, used by thousands of states, costs each a bounded text.
  const from = formatPartsBounded(parts);
  const original = partsToValue(slot.leaf.parts);
  const single = soleHole(parts);
  if (ref.kind === 'unknown') {
    const problem = unreadableIn(parts.filter(isHole).map((p) => p.hole), ctx.index);
    if (problem) return { kind: 'unreadable', problem };
  }
  if (ref.kind === 'unknown' && ifArgs(single)) return decideBranches(slot, single!, from, ctx);
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
        return { kind: 'cold', fn: ref.fn, ...why('decide.noProvisionedConcurrency', { fn: ref.fn }), strict: true };
      }
      if (res.target.kind === 'explicit' && ref.latest) {
        return { kind: 'warm', fn: ref.fn, ...why('decide.explicitLatest', { target: res.target.id, fn: ref.fn }) };
      }
      if (absentWith(res.target.guards, ctx.holds)) return absentCold(ref.fn, res.target, ctx.holds!);
      return { kind: 'rewrite', edit: { ...edit(slot, res.target, original, from, ctx.holds), ...(ref.latest ? { latest: true } : {}) } };
    }
    case 'qualifier': {
      if (ctx.targets.isWarmQualifier(ref.id)) return { kind: 'warm', fn: ref.fn, ...qualifierWhy(ctx.targets, ref.fn, ref.id) };
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
          ...why('decide.otherQualifier', { id: ref.id, target: res.target.id }),
          strict: false,
        };
      }
      if (res.status === 'error') return { kind: 'error', fn: ref.fn, message: res.message };
      return { kind: 'cold', fn: ref.fn, ...why('decide.noProvisionedConcurrency', { fn: ref.fn }), strict: true };
    }
    case 'qualified': {
      if (ctx.targets.warmAliasNames(ref.fn).includes(ref.qualifier)) {
        return { kind: 'warm', fn: ref.fn, ...qualifierWhy(ctx.targets, ref.fn, undefined, ref.qualifier) };
      }
      if (ctx.targets.isWarm(ref.fn)) {
        return { kind: 'cold', fn: ref.fn, ...why('decide.coldQualifier', { qualifier: ref.qualifier }), strict: false };
      }
      return { kind: 'cold', fn: ref.fn, ...why('decide.noProvisionedConcurrency', { fn: ref.fn }), strict: true };
    }
    case 'guarded':
      return { kind: 'warm', fn: ref.fn, ...why('decide.guarded', {}) };
    case 'external':
      return decideExternal(slot, ref.arn, ref.qualifier, from, ctx);
    case 'unknown': {
      // A reference to nothing in the template: CloudFormation will reject it; say so now.
      const name = single === undefined ? undefined : (refName(single) ?? getAttPair(single)?.[0]);
      if (name !== undefined && !name.startsWith('AWS::') && !ctx.index.get(name) && !ctx.index.isParameter(name)) return { kind: 'missing', name };
      // A FunctionName is always a Lambda function; a Resource only when it reads as a Lambda ARN
      // (a Resource that is just a reference may be an activity or another service).
      if (slot.field !== 'Resource' || /:lambda:/.test(from)) {
        return { kind: 'unresolved', ...why('decide.unresolved', { field: slot.field, from }) };
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

/**
 * Why a qualifier (`Ref id`, or the alias name `qualifier`) is already the right target: its provisioned
 * concurrency, or the function's configuration.
 */
function qualifierWhy(targets: WarmTargets, fn: string, id?: string, qualifier?: string): Why {
  const info = id !== undefined ? (targets.aliases.get(id) ?? targets.versions.get(id)) : undefined;
  const res = targets.resolve(fn);
  const reasons = info?.reasons ?? (res.status === 'warm' ? res.target.reasons : undefined) ?? ['ProvisionedConcurrency'];
  const provisioned = reasons[0] === 'ProvisionedConcurrency' && (info === undefined || info.provisioned !== false);
  if (id !== undefined) return provisioned ? why('decide.warmQualifier', { id }) : why('decide.warmPublished', { id, reasons: describeReasons(reasons) });
  return provisioned ? why('decide.warmAlias', { qualifier: qualifier! }) : why('decide.warmPublishedAlias', { qualifier: qualifier!, reasons: describeReasons(reasons) });
}

/** A function that needs a published target, of which the template has none, and no explicit qualifier helps. */
function unpublished(fn: string, reasons: Reason[]): SlotDecision {
  const info = REASON_INFO[reasons[0]];
  if (reasons[0] === 'ManagedInstances') {
    return { kind: 'cold', fn, reasons, strict: true, ...why('decide.unpublishedManagedInstances', { fn, fix: REASON_INFO.Durable.fix }) };
  }
  return {
    kind: 'cold',
    fn,
    reasons,
    strict: true,
    ...why('decide.unpublished', { fn, reasons: describeReasons(reasons), property: info.property, unqualified: info.unqualified, fix: info.fix }),
  };
}

/**
 * A slot that is an `Fn::If` choosing between functions (`!If [C, !GetAtt A.Arn, !GetAtt B.Arn]`):
 * each branch that invokes a warm function moves to its target; the condition stays.
 */
function decideBranches(slot: Slot, value: Json, from: string, ctx: DecideContext): SlotDecision {
  const arg = ifArgs(value);
  if (!arg || typeof arg[0] !== 'string') return { kind: 'ignore' };
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
    ...why('decide.absent', { target: target.id, condition: holds }),
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
    return { kind: 'external', arn, ...why('decide.externalNotLookedUp', { written }), failed: false };
  }
  if (lookup.status === 'error') return { kind: 'external', arn, ...why('decide.lookupFailed', { arn, message: lookup.message }), failed: true };
  if (lookup.status === 'cold') return { kind: 'external', arn, ...why('decide.externalCold', { arn }), failed: false };
  let chosen = lookup.aliases;
  if (chosen.length > 1) {
    if (ctx.aliasName === undefined) {
      return {
        kind: 'error',
        message: render('decide.externalAmbiguous', { arn, count: chosen.length, aliases: chosen.map((a) => a.name).join(', ') }),
      };
    }
    chosen = chosen.filter((a) => a.name === ctx.aliasName);
    if (chosen.length !== 1) {
      return { kind: 'error', message: render('decide.externalNoSuchAlias', { aliasName: ctx.aliasName, arn, aliases: lookup.aliases.map((a) => a.name).join(', ') }) };
    }
  }
  const value = chosen[0].arn;
  return { kind: 'rewrite', edit: { slot, value, grants: [{ value, unqualified: arn }], reasons: ['ProvisionedConcurrency'], from, to: value } };
}
