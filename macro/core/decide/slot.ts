/**
 * Step 5 of the pipeline: decide, slot by slot, what each invocation becomes.
 *
 * The decision is pure data (an `Edit` or a reason to leave the slot alone); `definition/write.ts`
 * applies the edits in the form the definition came in.
 */
import { expandParts, formatPartsBounded, formatValue, isHole, partsOf, partsToValue, soleHole, type Part } from '../../cfn/parts';
import { unreadableIn, type TemplateIndex } from '../template/read';
import type { Problem } from '../../errors';
import { classifyParts, versionOf, type LambdaRef } from './references';
import { TASK_RESOURCE, type Slot, type SlotNote } from '../definition/slots';
import type { Guard, WarmTarget, WarmTargets } from '../targets/find';
import { describeReasons, MI_REASON, PC_REASON, REASON_INFO, REASONS, type Reason } from '../targets/reasons';
import { render, type MessageId } from '../../messages';
import type { ExternalLookup, Json, MessageData } from '../../types';
import type { Edit } from '../definition/edit';
import { getAttPair, ifArgs, intrinsicName, refName, GET_ATT, NO_VALUE } from '../../cfn/intrinsics';
import { isArray, isString } from '../../cfn/json';

export type { Edit };

/**
 * Why a slot stays as it is: a message id and its data (macro/messages.ts). Its text is rendered
 * only where it is read (`reasonOf`): most runs never read it outside the report, which renders it.
 */
interface Why {
  messageId: MessageId;
  data: MessageData;
}

function why(messageId: MessageId, data: MessageData): Why {
  return { messageId, data };
}

/** The text of a decision's reason. */
export function reasonOf(w: Why): string {
  return render(w.messageId, w.data);
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

/**
 * The conditions known where a slot sits: the state machine's own Condition (true wherever its
 * definition is evaluated), and the Fn::If branches above the slot, which CloudFormation resolves
 * at deploy time.
 */
/**
 * An invocation of a function that stays cold because the function has none of what the enabled Reasons
 * look for. With provisioned concurrency among them (the default), the message is that of old; without
 * it, the message names the Reasons the macro acts on, not a provisioned concurrency the function may well have.
 */
function noTarget(fn: string, targets: WarmTargets): SlotDecision {
  const excluded = targets.excludedReasons.get(fn);
  const w = !targets.enabled.has(PC_REASON)
    ? why('decide.noEnabledReason', { fn, reasons: enabledReasons(targets) })
    : excluded
      ? why('decide.noProvisionedConcurrencyExcluded', { fn, excluded: describeReasons(excluded) })
      : why('decide.noProvisionedConcurrency', { fn });
  return { kind: 'cold', fn, ...w, strict: true };
}

/** "SnapStart and durable": the Reasons the macro acts on, in their order. */
function enabledReasons(targets: WarmTargets): string {
  return describeReasons(REASONS.filter((r) => targets.enabled.has(r)));
}

function knownAt(slot: Slot, holds: string | undefined): Known {
  // Most slots sit under no condition: they share one empty map (never written: only knownAt writes, into its own).
  if (holds === undefined && !slot.when?.length) return NOTHING_KNOWN;
  const known: Known = new Map();
  if (holds !== undefined) known.set(holds, { value: true, by: 'machine' });
  for (const w of slot.when ?? []) if (!known.has(w.condition)) known.set(w.condition, { value: w.value, by: 'branch' });
  return known;
}

type Known = Map<string, { value: boolean; by: 'machine' | 'branch' }>;

const NOTHING_KNOWN: Known = new Map();

/**
 * `decide` for the slots of one state machine (one context), answering once for each distinct slot:
 * many tasks invoke the same function the same way (a definition of thousands of tasks over a few
 * dozen functions). What a decision says depends on the slot's field, its value and the conditions
 * above it, all in the key; a rewrite's edit is the remembered one with this slot's place.
 * `slotCount`: how many slots the machine has.
 */
export function decideOnce(ctx: DecideContext, slotCount = Number.POSITIVE_INFINITY): (slot: Slot) => SlotDecision {
  // A machine of a few tasks rarely repeats one: its slots are decided as they come, without keys.
  if (slotCount < MEMO_FROM) return (slot) => decide(slot, ctx);
  const root: Step = { next: new Map(), d: undefined };
  return (slot) => {
    const at = slotStep(root, slot);
    if (at === undefined) return decide(slot, ctx);
    const d = at.d;
    if (d === undefined) {
      at.d = decide(slot, ctx);
      return at.d;
    }
    return d.kind === 'rewrite' ? { kind: 'rewrite', edit: { ...d.edit, slot } } : d;
  };
}

/** From this many slots in one state machine, decideOnce remembers decisions. */
const MEMO_FROM = 32;

/** Text parts longer than this in all make a slot decided on its own (a key must stay cheap to hash). */
const KEY_TEXT = 512;

/**
 * A step of decideOnce's memo, a tree: from the root, one step per thing `decide` reads from a slot
 * (its field, the conditions above it, each part), and the decision where a slot's steps end. Finding
 * a slot already decided builds nothing (a definition may have thousands of tasks).
 */
interface Step {
  next: Map<unknown, Step>;
  d: SlotDecision | undefined;
}

function step(at: Step, k: unknown): Step {
  let s = at.next.get(k);
  if (s === undefined) {
    s = { next: new Map(), d: undefined };
    at.next.set(k, s);
  }
  return s;
}

/**
 * Where a slot's steps end, or undefined when its key would not be cheap. Each step past the field is
 * a kind (a number, or `Ref` or `Fn::GetAtt` for one whose argument is a string) then its values, as
 * many as the kind has: a condition as it holds or not, a text
 * as it is, a Ref or GetAtt by its names as written (the slot's value goes into guarded rewrites as it
 * is), any other value by its identity (a value shared by many tasks, such as an Fn::Sub variable, is
 * one object; a number or a string is its value). Each step's map thus holds either kinds or values: equal paths, equal slots to decide.
 */
function slotStep(root: Step, slot: Slot): Step | undefined {
  let at = step(root, slot.field);
  for (const w of slot.when) at = step(step(at, w.value ? 0 : 1), w.condition);
  let text = 0;
  for (const p of slot.leaf.parts) {
    if (typeof p === 'string') {
      text += p.length;
      if (text > KEY_TEXT) return undefined;
      at = step(step(at, 2), p);
      continue;
    }
    const v = p.hole;
    const fn = intrinsicName(v);
    const arg = fn === undefined ? undefined : (v as Record<string, Json>)[fn];
    if (typeof arg === 'string' && (fn === 'Ref' || fn === GET_ATT)) at = step(step(at, fn), arg);
    else if (fn === GET_ATT && isArray(arg) && arg.length === 2 && typeof arg[0] === 'string' && typeof arg[1] === 'string') {
      at = step(step(step(at, 5), arg[0]), arg[1]);
    } else at = step(step(at, 6), v);
  }
  return at;
}

export function decide(slot: Slot, ctx: DecideContext): SlotDecision {
  const known = knownAt(slot, ctx.holds);
  const parts = expandParts(slot.leaf.parts);
  const ref: LambdaRef = classifyParts(parts, ctx.index, ctx.targets);
  const single = soleHole(parts);
  if (ref.kind === 'unknown') {
    const problem = unreadableIn(
      parts.filter(isHole).map((p) => p.hole),
      ctx.index,
    );
    if (problem) return { kind: 'unreadable', problem };
  }
  if (ref.kind === 'unknown' && single !== undefined && ifArgs(single)) return decideBranches(slot, single, formatPartsBounded(parts), ctx, known);
  switch (ref.kind) {
    case 'function': {
      const res = ctx.targets.resolve(ref.fn);
      if (res.status === 'error') return { kind: 'error', fn: ref.fn, message: res.message };
      if (res.status === 'unpublished') return unpublished(ref.fn, res.reasons);
      if (res.status === 'cold') {
        // `:$LATEST` of a Managed Instances function is never invoked; its unqualified ARN runs $LATEST.PUBLISHED.
        if (ref.latest && ctx.targets.reasonsOf(ref.fn).includes(MI_REASON)) {
          const value: Json = { [GET_ATT]: [ref.fn, 'Arn'] };
          return {
            kind: 'rewrite',
            edit: {
              slot,
              value,
              grants: [{ fn: ref.fn, value }],
              fn: ref.fn,
              reasons: [MI_REASON],
              latest: true,
              from: formatPartsBounded(parts),
              to: formatValue(value),
            },
          };
        }
        return noTarget(ref.fn, ctx.targets);
      }
      if (res.target.kind === 'explicit' && ref.latest) {
        return { kind: 'warm', fn: ref.fn, ...why('decide.explicitLatest', { target: res.target.id, fn: ref.fn }) };
      }
      const absent = absentGuard(res.target.guards, known);
      if (absent) return absentCold(ref.fn, res.target, absent, known);
      const e = edit(slot, res.target, parts, known);
      if (ref.latest) e.latest = true;
      return { kind: 'rewrite', edit: e };
    }
    case 'qualifier': {
      if (ctx.targets.isWarmQualifier(ref.id)) return warmQualifier(ctx.targets, ref.fn, { id: ref.id });
      const res = ctx.targets.resolve(ref.fn);
      if (res.status === 'warm') {
        const alias = ctx.targets.aliases.get(res.target.id);
        // The exact version behind the alias (SAM's `Fn.Version` is the one behind `Fn.Alias`) moves to the alias.
        if ((alias && alias.version === ref.id) || (res.target.kind === 'sam-alias' && ref.id === `${ref.fn}.Version`)) {
          const absent = absentGuard(res.target.guards, known);
          if (absent) return absentCold(ref.fn, res.target, absent, known);
          return { kind: 'rewrite', edit: edit(slot, res.target, parts, known) };
        }
        return {
          kind: 'cold',
          fn: ref.fn,
          ...why('decide.otherQualifier', { id: ref.id, target: res.target.id }),
          strict: false,
        };
      }
      if (res.status === 'error') return { kind: 'error', fn: ref.fn, message: res.message };
      return noTarget(ref.fn, ctx.targets);
    }
    case 'qualified': {
      if (ctx.targets.warmAliasNames(ref.fn).includes(ref.qualifier)) {
        return warmQualifier(ctx.targets, ref.fn, { qualifier: ref.qualifier });
      }
      if (ctx.targets.isWarm(ref.fn)) {
        return { kind: 'cold', fn: ref.fn, ...why('decide.coldQualifier', { qualifier: ref.qualifier }), strict: false };
      }
      return noTarget(ref.fn, ctx.targets);
    }
    case 'guarded':
      return { kind: 'warm', fn: ref.fn, ...why('decide.guarded', {}) };
    case 'external':
      return decideExternal(slot, ref.arn, ref.qualifier, formatPartsBounded(parts), ctx);
    case 'unknown': {
      // A reference to nothing in the template: CloudFormation will reject it; say so now.
      const name = single === undefined ? undefined : (refName(single) ?? getAttPair(single)?.[0]);
      if (name !== undefined && !name.startsWith('AWS::') && !ctx.index.get(name) && !ctx.index.isParameter(name)) return { kind: 'missing', name };
      // A FunctionName is always a Lambda function; a Resource only when it reads as a Lambda ARN
      // (a Resource that is just a reference may be an activity or another service).
      const from = formatPartsBounded(parts);
      if (slot.field !== TASK_RESOURCE || /:lambda:/.test(from)) {
        return { kind: 'unresolved', ...why('decide.unresolved', { field: slot.field, from }) };
      }
      return { kind: 'ignore' };
    }
  }
}

/**
 * The edit that moves a slot to its target. Its texts are made here, not for every decision: most
 * decisions about a cold function need neither (`parts`: the slot's, expanded). `from` is bounded: a value expanded to a megabyte,
 * used by thousands of states, costs each a bounded text.
 */
function edit(slot: Slot, target: WarmTarget, parts: readonly Part[], known: Known): Edit {
  const value = targetValue(target, known, partsToValue(slot.leaf.parts));
  const from = formatPartsBounded(parts);
  return { slot, value, grants: targetGrants(target), fn: target.fn, target, reasons: target.reasons, from, to: formatValue(value) };
}

/**
 * The slot's new value: the target where its guards hold, else the original (one Fn::If per exclusive alias).
 * When the aliases' guards leave no case out (`exhaustive`), the last alias present takes what the others leave.
 */
function targetValue(target: WarmTarget, known: Known, original: Json): Json {
  if (!target.alternatives) return guard(within(target.guards, known), target.value, original);
  let value: Json | undefined = target.exhaustive ? undefined : original;
  for (const alt of [...target.alternatives].reverse()) {
    if (!absentWith(alt.guards, known)) value = value === undefined ? alt.value : guard(within(alt.guards, known), alt.value, value);
  }
  return value ?? original;
}

/** The grant goes to a role that may exist without the state machine's condition: fully guarded. */
function targetGrants(target: WarmTarget): Edit['grants'] {
  return (target.alternatives ?? [target]).map((t) => ({ fn: t.fn, value: guard(t.guards, t.value, { [GET_ATT]: [t.fn, 'Arn'] }) }));
}

/** Whether an explicit qualifier written as text is an alias of `fn` with provisioned concurrency. */
function isWarmAlias(targets: WarmTargets, fn: string, text: string | undefined): text is string {
  return text !== undefined && text !== '$LATEST' && targets.warmAliasNames(fn).includes(text);
}

/**
 * An invocation through a qualifier (`Ref id`, or the alias name `qualifier`) that is already the right
 * target: warm, because of its provisioned concurrency or of the function's configuration.
 */
function warmQualifier(targets: WarmTargets, fn: string, which: { id: string } | { qualifier: string }): SlotDecision {
  const id = 'id' in which ? which.id : undefined;
  const info = id !== undefined ? (targets.aliases.get(id) ?? targets.versions.get(id)) : undefined;
  const res = targets.resolve(fn);
  const reasons = info?.reasons ?? (res.status === 'warm' ? res.target.reasons : undefined) ?? [PC_REASON];
  const provisioned = reasons[0] === PC_REASON && (info === undefined || info.provisioned !== false);
  const w =
    'id' in which
      ? provisioned
        ? why('decide.warmQualifier', { id: which.id })
        : why('decide.warmPublished', { id: which.id, reasons: describeReasons(reasons) })
      : provisioned
        ? why('decide.warmAlias', { qualifier: which.qualifier })
        : why('decide.warmPublishedAlias', { qualifier: which.qualifier, reasons: describeReasons(reasons) });
  return { kind: 'warm', fn, ...w };
}

/** A function that needs a published target, of which the template has none, and no explicit qualifier helps. */
function unpublished(fn: string, reasons: Reason[]): SlotDecision {
  const info = REASON_INFO[reasons[0]];
  const w =
    reasons[0] === MI_REASON
      ? why('decide.unpublishedManagedInstances', { fn, fix: REASON_INFO.Durable.fix })
      : why('decide.unpublished', { fn, reasons: describeReasons(reasons), property: info.property, unqualified: info.unqualified, fix: info.fix });
  return { kind: 'cold', fn, reasons, strict: true, ...w };
}

/**
 * A slot that is an `Fn::If` choosing between functions (`!If [C, !GetAtt A.Arn, !GetAtt B.Arn]`):
 * each branch that invokes a warm function moves to its target; the condition stays.
 */
function decideBranches(slot: Slot, value: Json, from: string, ctx: DecideContext, known: Known): SlotDecision {
  const arg = ifArgs(value);
  if (!arg || !isString(arg[0])) return { kind: 'ignore' };
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
    if (res.status !== 'warm' || absentWith(res.target.guards, known)) return v;
    if (res.target.kind === 'explicit' && ref.latest) return v;
    target ??= res.target;
    grants.push(...targetGrants(res.target));
    return targetValue(res.target, known, v);
  };
  const next: Json = { 'Fn::If': [cond, branch(yes), branch(no)] };
  if (failure) return failure;
  if (grants.length === 0) return unmovedBranches(slot, cond, [yes, no], ctx);
  return { kind: 'rewrite', edit: { slot, value: next, grants, fn: target?.fn, target, reasons: target?.reasons ?? [], from, to: formatValue(next) } };
}

/**
 * An `Fn::If` slot with no branch to move: each branch said (CloudFormation resolves the Fn::If at
 * deploy time, so either may be the one invoked). Silent only when no branch is a Lambda function.
 */
function unmovedBranches(slot: Slot, cond: string, branches: Json[], ctx: DecideContext): SlotDecision {
  const said: string[] = [];
  let fn: string | undefined;
  let coldFn = false;
  let lambda = false;
  let allWarm = true;
  branches.forEach((v, k) => {
    if (refName(v) === NO_VALUE) return;
    const parts = partsOf(v);
    const ref = parts ? classifyParts(expandParts(parts), ctx.index, ctx.targets) : ({ kind: 'unknown' } as LambdaRef);
    const branch = k === 0 ? 'true' : 'false';
    let text: string;
    if (ref.kind === 'unknown') {
      const written = parts ? formatPartsBounded(expandParts(parts)) : formatValue(v);
      if (slot.field === TASK_RESOURCE && !/:lambda:/.test(written)) return;
      text = render('decide.branchUnresolved', { branch, written });
    } else if (ref.kind === 'external') text = render('decide.branchExternal', { branch, arn: ref.arn });
    else {
      fn ??= ref.fn;
      const warm =
        ref.kind === 'guarded' ||
        (ref.kind === 'qualifier' && ctx.targets.isWarmQualifier(ref.id)) ||
        (ref.kind === 'qualified' && ctx.targets.warmAliasNames(ref.fn).includes(ref.qualifier));
      if (warm) text = render('decide.branchWarm', { branch, fn: ref.fn });
      else if (!ctx.targets.isWarm(ref.fn)) {
        coldFn = true;
        text = ctx.targets.enabled.has(PC_REASON)
          ? render('decide.branchCold', { branch, fn: ref.fn })
          : render('decide.branchNoEnabledReason', { branch, fn: ref.fn, reasons: enabledReasons(ctx.targets) });
      } else text = render('decide.branchQualified', { branch, fn: ref.fn });
      if (warm) {
        lambda = true;
        said.push(text);
        return;
      }
    }
    lambda = true;
    allWarm = false;
    said.push(text);
  });
  if (!lambda) return { kind: 'ignore' };
  const data = { field: slot.field, condition: cond, branches: said.join('; ') };
  if (allWarm) return { kind: 'warm', fn, ...why('decide.branches', data) };
  return { kind: 'cold', fn, ...why('decide.branches', data), strict: coldFn };
}

/** The guard that the known conditions make fail: the target cannot exist where the slot is. */
function absentGuard(guards: readonly Guard[], known: Known): Guard | undefined {
  return guards.find((g) => known.get(g.condition)?.value === g.negate);
}

function absentWith(guards: readonly Guard[], known: Known): boolean {
  return absentGuard(guards, known) !== undefined;
}

/** `g`: the target's guard that the known conditions make fail (absentGuard). */
function absentCold(fn: string, target: WarmTarget, g: Guard, known: Known): SlotDecision {
  const data = { target: target.id, condition: g.condition, exists: String(!g.negate), absent: String(g.negate) };
  return {
    kind: 'cold',
    fn,
    ...(known.get(g.condition)?.by === 'machine' ? why('decide.absent', data) : why('decide.absentInBranch', data)),
    strict: false,
    warmElsewhere: false,
  };
}

/** The guards still needed where the known conditions hold (a guard they satisfy always passes there). */
function within(guards: readonly Guard[], known: Known): readonly Guard[] {
  return guards.filter((g) => known.get(g.condition)?.value !== !g.negate);
}

/**
 * `Qualifier` next to `FunctionName` in `Parameters`/`Arguments` of `arn:aws:states:::lambda:invoke`
 * (how the CDK's `LambdaInvoke({ qualifier })` renders it): the invocation is qualified, exactly as
 * `FunctionName: <function ARN>:<qualifier>` is, and is decided the same way:
 * - the name of an alias with provisioned concurrency (or `GetAtt V.Version` of a warm version):
 *   already warm;
 * - `$LATEST`, or `GetAtt V.Version` of the version that the warm alias points to: the Qualifier
 *   moves to the warm target (its alias name, or its version number), and IAM must allow the
 *   qualified ARN (the target's own ARN);
 * - another alias name or version: cold, left as it is (an explicit choice).
 * Undefined when the FunctionName is not an unqualified function of this template: the note
 * stands as it is.
 */
export function decideQualifier(note: SlotNote, ctx: DecideContext): { slot: Slot; decision: SlotDecision } | undefined {
  if (note.kind !== 'explicit-qualifier' || !note.functionName || !note.container) return undefined;
  const ref = classifyParts(expandParts(note.functionName.parts), ctx.index, ctx.targets);
  if (ref.kind !== 'function' || ref.latest) return undefined;
  const fn = ref.fn;
  const field = `${note.container}.Qualifier` as const;
  const base = {
    state: note.state,
    statePath: note.statePath,
    order: note.order,
    when: note.when,
    ...(note.credentials ? { credentials: note.credentials } : {}),
  };
  const q = note.qualifier;
  if (note.dynamicQualifier || q?.kind !== 'str') {
    if (!ctx.targets.isWarm(fn)) return undefined;
    const id = note.dynamicQualifier ? 'decide.qualifierDynamic' : 'decide.qualifierNotString';
    return { slot: { ...base, field: `${note.container}.FunctionName`, leaf: note.functionName }, decision: { kind: 'unresolved', ...why(id, { field, fn }) } };
  }
  const slot: Slot = { ...base, field, leaf: q };
  const known = knownAt(slot, ctx.holds);
  const parts = expandParts(q.parts);
  const from = formatPartsBounded(parts);
  const text = parts.length === 1 && isString(parts[0]) ? parts[0] : undefined;
  const single = soleHole(parts);
  const res = ctx.targets.resolve(fn);
  if (res.status === 'error') {
    // Several candidate aliases, and the task already pins one of them (or the version one of them
    // points to): that is the choice AliasName would make, so the invocation is already on its target.
    if (isWarmAlias(ctx.targets, fn, text)) return { slot, decision: warmQualifier(ctx.targets, fn, { qualifier: text }) };
    const pinned = text === undefined && single !== undefined ? versionOf(fn, single, ctx.targets) : undefined;
    if (pinned?.kind === 'qualifier' && ctx.targets.isWarmQualifier(pinned.id)) {
      return { slot, decision: warmQualifier(ctx.targets, fn, { id: pinned.id }) };
    }
    return { slot, decision: { kind: 'error', fn, message: res.message } };
  }
  // A target that is no single qualifier (an explicit `:$LATEST`, or aliases chosen by conditions): the note stands.
  if (res.status === 'warm' && (res.target.kind === 'explicit' || res.target.kind === 'conditional')) return undefined;
  // A target required by another reason than provisioned concurrency (SnapStart, durable, Managed Instances): decided as a note.
  if (res.status === 'unpublished' || (res.status === 'warm' && res.target.reasons[0] !== PC_REASON)) return undefined;
  const coldFn = noTarget(fn, ctx.targets);
  let version: LambdaRef | undefined;
  if (text === undefined) {
    version = single === undefined ? undefined : versionOf(fn, single, ctx.targets);
    if (!version) {
      if (single !== undefined && res.status === 'warm' && guardedQualifier(single, fn, ctx.targets)) {
        return { slot, decision: { kind: 'warm', fn, ...why('decide.guarded', {}) } };
      }
      if (res.status !== 'warm') return { slot, decision: coldFn };
      return { slot, decision: { kind: 'unresolved', ...why('decide.qualifierUnresolved', { field, from, fn, target: res.target.id }) } };
    }
  }
  if (version?.kind === 'qualifier' && ctx.targets.isWarmQualifier(version.id)) {
    return { slot, decision: warmQualifier(ctx.targets, fn, { id: version.id }) };
  }
  if (isWarmAlias(ctx.targets, fn, text)) return { slot, decision: warmQualifier(ctx.targets, fn, { qualifier: text }) };
  if (res.status !== 'warm') return { slot, decision: coldFn };
  const target = res.target;
  const moves = text === '$LATEST' || (version?.kind === 'qualifier' && ctx.targets.aliases.get(target.id)?.version === version.id);
  if (!moves) {
    const what = version?.kind === 'qualifier' ? version.id : `'${text}'`;
    return { slot, decision: { kind: 'cold', fn, ...why('decide.qualifierCold', { field, what, target: target.id }), strict: true } };
  }
  const absent = absentGuard(target.guards, known);
  if (absent) return { slot, decision: absentCold(fn, target, absent, known) };
  const value = guard(within(target.guards, known), qualifierOf(target), partsToValue(q.parts));
  // IAM: the qualified ARN, which is the target's own ARN.
  const grant = guard(target.guards, target.value, { [GET_ATT]: [fn, 'Arn'] });
  return {
    slot,
    decision: { kind: 'rewrite', edit: { slot, value, grants: [{ fn, value: grant }], fn, target, reasons: target.reasons, from, to: formatValue(value) } },
  };
}

/** The Qualifier that names a warm target: its alias name (from its ARN when not a literal), or its version number. */
function qualifierOf(target: WarmTarget): Json {
  if (target.kind === 'version') return { [GET_ATT]: [target.id, 'Version'] };
  if (target.aliasName !== undefined) return target.aliasName;
  // An alias ARN is `arn:<partition>:lambda:<region>:<account>:function:<name>:<alias>`.
  return { 'Fn::Select': [7, { 'Fn::Split': [':', target.value] }] };
}

/** The X of `[7, Fn::Split [':', Ref X]]` (an alias name taken from its ARN), else undefined. */
function aliasOfSelect(arg: Json): string | undefined {
  if (!isArray(arg) || arg[0] !== 7) return undefined;
  const split = (arg[1] as { 'Fn::Split'?: Json } | null)?.['Fn::Split'];
  return isArray(split) && split[0] === ':' ? refName(split[1]) : undefined;
}

/** `Fn::If [C, <a warm qualifier of fn>, <other>]` (either order), as decideQualifier writes it. */
function guardedQualifier(value: Json, fn: string, targets: WarmTargets): boolean {
  const arg = ifArgs(value);
  if (!arg) return false;
  const warm = (v: Json): boolean => {
    if (isString(v)) return targets.warmAliasNames(fn).includes(v);
    const r = versionOf(fn, v, targets);
    if (r?.kind === 'qualifier' && targets.isWarmQualifier(r.id)) return true;
    if (intrinsicName(v) === 'Fn::Select') {
      const alias = aliasOfSelect((v as { 'Fn::Select': Json })['Fn::Select']);
      return alias !== undefined && targets.isWarmQualifier(alias) && targets.functionOfQualifier(alias) === fn;
    }
    return ifArgs(v) !== undefined && guardedQualifier(v, fn, targets);
  };
  return warm(arg[1]) || warm(arg[2]);
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
      return {
        kind: 'error',
        message: render('decide.externalNoSuchAlias', { aliasName: ctx.aliasName, arn, aliases: lookup.aliases.map((a) => a.name).join(', ') }),
      };
    }
  }
  const value = chosen[0].arn;
  return { kind: 'rewrite', edit: { slot, value, grants: [{ value, unqualified: arn }], reasons: [PC_REASON], from, to: value } };
}
