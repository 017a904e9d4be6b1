/**
 * One state machine, through the pipeline: read its definition (inline or stored), find its
 * invocation slots, decide each, write the definition back, make its role allowed to invoke the
 * new targets, and record it all in the run's `Outcome` (which applies the mode at the end).
 */
import { consequenceOf, describeReasons, PC_REASON, type Reason } from './targets/reasons';
import { checkEdit, editMemo, type EditMemo } from './decide/cycles';
import { Editor, getOwn, hasOwn, isObject, jsonEqual, setOwn, jsonText, keysOf, isString } from '../cfn/json';
import { ifArgs, intrinsicName, refName, IF, NO_VALUE } from '../cfn/intrinsics';
import { expandParts, partsToValue } from '../cfn/parts';
import { type Dependencies, formatCycle } from './template/dependencies';
import type { Edit } from './definition/edit';
import type { stateLocator } from './definition/locate';
import { DEFINITION_STRING, readDefinition, type DefinitionModel } from './definition/read';
import { findSlots, type Slot, type SlotNote } from './definition/slots';
import type { When } from './definition/ast';
import { describeLocation, storedRef } from './definition/stored';
import { writeDefinition } from './definition/write';
import { ReadError } from '../errors';
import type { Grant, IamFixer } from './iam';
import { strictProblem, type Outcome, type DecisionRecord, type StrictProblem } from './mode';
import { classifyParts } from './decide/references';
import { metadataEntries } from './report';
import { decideOnce, decideQualifier, reasonOf, type SlotDecision } from './decide/slot';
import type { WarmTargets } from './targets/find';
import { roleKey, unreadableIn, type Resource, type TemplateIndex, RESOURCES, PROPERTIES, SAM_STATE_MACHINE } from './template/read';
import { touchesWarm } from './definition/warm-mention';
import {
  MACRO_NAME,
  type Decision,
  type Json,
  type JsonObject,
  type StoredDefinition,
  type StoredRef,
  type TransformOptions,
  type ValueLocation,
} from '../types';
import type { MessageId } from '../messages';
import { checkNesting, formatCount, LimitError, LIMITS } from '../limits';

/** What every state machine of one run shares. */
export interface RunContext {
  index: TemplateIndex;
  targets: WarmTargets;
  editor: Editor;
  deps: Dependencies;
  iam: IamFixer;
  /** Names a new DefinitionSubstitutions key must not take. */
  reserved: Iterable<string>;
  options: TransformOptions;
  out: Outcome;
  /** Locates the decisions about states in the template's source; none are located without it. */
  locate?: typeof stateLocator;
  /** What the run's rewrites say of their reasons (made on first use). */
  said?: Said;
  /** Whether a rewrite may close a circular dependency at all (see template/mentions.ts); without it, every rewrite is checked. */
  mayCloseCircles?: boolean;
}

/** A stored definition the edge read: where the template names it, and its text (parsed, for SAM's Definition). */
type StoredInfo = { ref: StoredRef; parsed?: JsonObject } & Omit<Extract<StoredDefinition, { status: 'ok' }>, 'status'>;

/**
 * One definition to rewrite: the state machine's, or one branch of a DefinitionString chosen by
 * `Fn::If` between texts (`at`: its path under the property, `when`: the conditions that choose it).
 */
type Model = DefinitionModel & { stored?: StoredInfo; at?: (string | number)[]; when?: When[]; raw?: Json };

/** The action of a decision that warns. */
const WARNING = 'warning';

/** Where a decision about one state machine sits, and what it says. */
type At = Omit<DecisionRecord, 'action' | 'topic' | 'messageId' | 'data'>;

/** Where the decisions about the states of one state machine sit: the same for all of them. */
interface Where {
  stateMachine: string;
  templatePath: string;
  /** The stored definition's source, if any. */
  source: string | undefined;
  /** Locates a state in the template's source (none for a stored definition). */
  locator: ((statePath: string, when?: readonly When[]) => ValueLocation | undefined) | undefined;
}

/**
 * A decision about the state `s` (a slot or a note), made at once with what it says and where the
 * state sits (the Fn::If branch `when`, if any), in the report's order; `noSource` leaves out the
 * stored source. The caller adds its own fields after these: one object per decision (a definition
 * may have thousands of states).
 */
function stateDecision(
  w: Where,
  s: { state: string; statePath: string; when: readonly When[] },
  action: DecisionRecord['action'],
  messageId: MessageId,
  data: DecisionRecord['data'],
  noSource?: boolean,
): DecisionRecord {
  const d: DecisionRecord = {
    action,
    topic: 'invocation',
    messageId,
    data,
    stateMachine: w.stateMachine,
    templatePath: w.templatePath,
    state: s.state,
    statePath: s.statePath,
  };
  if (s.when.length) d.when = s.when.map((c) => ({ condition: c.condition, value: c.value }));
  if (w.source !== undefined && !noSource) d.source = w.source;
  const location = w.locator?.(s.statePath, s.when);
  if (location) d.location = location;
  return d;
}

/** The problem Mode strict makes of a cold invocation, built only in Mode strict. */
function coldStrict(out: Outcome, sm: Resource, w: Where, statePath: string, reason: () => string): StrictProblem {
  return () => ({ logicalId: sm.id, path: w.templatePath, message: out.text('invocation.coldStrict', { statePath, reason: reason() }) });
}

/** Records a warning; in Mode strict, a problem (with `strictText`, else the warning's text). */
function warnState(ctx: RunContext, d: DecisionRecord, strictText?: string): void {
  ctx.out.add(d, () => strictProblem(d.stateMachine, d.templatePath, strictText ?? ctx.out.text(d.messageId, d.data), d.statePath));
}

/** A warning about `sm`; in Mode strict, a problem (with `strictId`'s text when the warning's own is not the right one). */
function warn(ctx: RunContext, sm: Resource, topic: Decision['topic'], at: At, messageId: MessageId, data: DecisionRecord['data'], strictText?: string): void {
  warnState(ctx, { action: WARNING, topic, messageId, data, ...at, stateMachine: sm.id }, strictText);
}

export function processStateMachine(sm: Resource, ctx: RunContext): void {
  const grants = rewrite(sm, ctx);
  ctx.out.stateMachine(sm.id, grants !== undefined, grants ?? 0);
}

/** Reads, decides, writes and grants; the number of IAM grants added when the definition was written, else undefined. */
function rewrite(sm: Resource, ctx: RunContext): number | undefined {
  const written: { model: Model; edits: Edit[] }[] = [];
  for (const model of readModel(sm, ctx) ?? []) {
    const edits = decideModel(sm, ctx, model);
    if (edits.length > 0) written.push({ model, edits });
  }
  if (written.length === 0 || ctx.out.failing) return undefined;
  return writeAndGrant(ctx, sm, written);
}

/** Finds and decides the invocations of one definition; the edits to write. */
function decideModel(sm: Resource, ctx: RunContext, model: Model): Edit[] {
  const { out, options } = ctx;
  const value = model.stored ? undefined : model.raw;
  const scan = findSlots(model.root, model.when);
  // The place in the template of each state's value, for the edges (none for a stored definition).
  const locator = model.stored ? undefined : ctx.locate?.(model, value, scan);
  const where: Where = { stateMachine: sm.id, templatePath: model.path, source: model.stored?.source, locator };
  const decideCtx = { index: ctx.index, targets: ctx.targets, external: options.external, aliasName: options.aliasName, holds: sm.condition };
  const decideSlot = decideOnce(decideCtx, scan.slots.length);
  // Every invocation gets a decision: the slots, and the tasks with an explicit Qualifier.
  const decided: { slot: Slot; d: SlotDecision }[] = scan.slots.map((slot, k) => {
    if (k % 256 === 255) options.checkpoint?.(`deciding the invocations of ${sm.id}`);
    return { slot, d: decideSlot(slot) };
  });
  for (const n of scan.notes) {
    const q = n.kind === 'explicit-qualifier' ? decideQualifier(n, decideCtx) : undefined;
    if (q) decided.push({ slot: q.slot, d: q.decision });
    else recordNote(ctx, sm, n, where);
  }
  // The slots are in order already: only the explicit Qualifiers decided as slots join them out of order.
  if (decided.length > scan.slots.length) decided.sort((a, b) => a.slot.order - b.slot.order);
  const edits: Edit[] = [];
  const errorStates = new Map<string, string[]>();
  const cycles = editMemo(ctx.mayCloseCircles ?? true);
  decided.forEach(({ slot, d }) => {
    const edit = recordSlot(ctx, sm, slot, d, where, cycles, errorStates);
    if (edit) edits.push(edit);
  });
  for (const [message, states] of errorStates) {
    out.problem({
      logicalId: sm.id,
      path: model.path,
      message: out.text('invocation.error', { states: states.length === 1 ? 'state' : 'states', statePaths: states.join(', '), message }),
    });
  }
  return edits;
}

/**
 * A note about a state the macro does not decide: a FunctionName computed at run time, a part of
 * the definition filled in at deploy time (both warnings), an explicit Qualifier on a function
 * outside the template.
 */
function recordNote(ctx: RunContext, sm: Resource, n: SlotNote, w: Where): void {
  if (n.kind === 'dynamic') {
    warnState(ctx, stateDecision(w, n, WARNING, 'invocation.dynamic', { reason: n.message }));
    return;
  }
  if (n.kind === 'deploy-time') {
    warnState(ctx, stateDecision(w, n, WARNING, 'invocation.note', { reason: n.message }));
    return;
  }
  const cold = explicitColdPath(n, ctx.index, ctx.targets);
  if (cold) {
    const reasons = targetReasons(ctx.targets, cold.fn);
    const what =
      reasons[0] === PC_REASON
        ? ctx.out.text('invocation.explicitColdPathProvisioned')
        : ctx.out.text('invocation.explicitColdPathPublished', { reasons: describeReasons(reasons) });
    const data = { reason: n.message, fn: cold.fn, why: cold.why, what };
    const d = stateDecision(w, n, 'unchanged', 'invocation.explicitColdPath', data);
    d.function = cold.fn;
    d.coldPath = true;
    d.reasons = reasons;
    d.consequence = consequenceOf(reasons, cold.why === 'Qualifier $LATEST');
    // What `check` reports as a cold path, Mode strict fails on: an explicit choice is still a cold one.
    ctx.out.add(
      d,
      coldStrict(ctx.out, sm, w, n.statePath, () => ctx.out.text('invocation.explicitColdPath', data)),
    );
  } else ctx.out.add(stateDecision(w, n, 'unchanged', 'invocation.note', { reason: n.message }));
}

/**
 * What the rewrites of a run say of their reasons (the `because` text and the consequence), by their
 * reasons: the rewrites to one target share its reasons (one array), so a definition of thousands of
 * tasks renders them once a target, not once a task. (A rewrite of `:$LATEST`, whose
 * consequence may differ, is said on its own.)
 */
type Said = Map<readonly Reason[], [because: string, consequence: ReturnType<typeof consequenceOf>]>;

/** Records the decision about one slot; returns the edit to write, if any. */
function recordSlot(
  ctx: RunContext,
  sm: Resource,
  slot: Slot,
  d: SlotDecision,
  w: Where,
  cycles: EditMemo,
  errorStates: Map<string, string[]>,
): Edit | undefined {
  const { out } = ctx;
  switch (d.kind) {
    case 'rewrite': {
      // Wherever the new value is written (the slot, a DefinitionSubstitutions key, an Fn::Sub
      // variable), the state machine then depends on the target: never in a circle.
      const checked = checkEdit(d.edit, sm.id, ctx.deps, ctx.index, ctx.targets, cycles);
      const target = d.edit.target ? d.edit.target.id : d.edit.to;
      if (checked.kind === 'cycle') {
        const cycle = formatCycle(checked.cycle);
        const fix = out.text(d.edit.target?.kind === 'version' ? 'invocation.cycleFixVersion' : 'invocation.cycleFixAlias');
        // As before: a cycle warning does not name the stored source.
        const r = stateDecision(w, slot, WARNING, 'invocation.cycle', { field: slot.field, target, cycle, why: checked.why, fix }, true);
        r.function = d.edit.fn;
        r.from = d.edit.from;
        r.coldPath = true;
        warnState(ctx, r, out.text('invocation.cycleStrict', { field: slot.field, target, cycle }));
        return undefined;
      }
      const e = checked.edit;
      const literal = e.cycle ? out.text('invocation.literal', { cycle: formatCycle(e.cycle) }) : '';
      ctx.said ??= new Map();
      let text = ctx.said.get(e.reasons);
      if (!text || e.latest) {
        text = [e.reasons.length ? out.text('invocation.because', { reasons: describeReasons(e.reasons) }) : '', consequenceOf(e.reasons, e.latest)];
        if (!e.latest) ctx.said.set(e.reasons, text);
      }
      const r = stateDecision(w, slot, 'rewritten', 'invocation.rewritten', { field: slot.field, target, because: text[0], literal });
      r.coldPath = true;
      r.function = e.fn;
      r.from = e.from;
      r.to = e.to;
      if (e.reasons.length) {
        r.reasons = e.reasons;
        r.consequence = text[1];
      }
      out.add(r);
      return e;
    }
    case 'warm': {
      const r = stateDecision(w, slot, 'unchanged', d.messageId, d.data);
      r.function = d.fn;
      out.add(r);
      return undefined;
    }
    case 'cold': {
      const strict = d.strict ? coldStrict(out, sm, w, slot.statePath, () => reasonOf(d)) : undefined;
      const r = stateDecision(w, slot, 'cold', d.messageId, d.data);
      r.function = d.fn;
      r.coldPath = d.warmElsewhere !== false && d.fn !== undefined && ctx.targets.isWarm(d.fn) ? true : undefined;
      if (d.reasons) {
        r.reasons = d.reasons;
        r.consequence = consequenceOf(d.reasons);
      }
      out.add(r, strict);
      return undefined;
    }
    case 'external': {
      if (ctx.options.external?.[d.arn] === undefined) out.needExternal(d.arn);
      const r = stateDecision(w, slot, d.failed ? WARNING : 'cold', d.messageId, d.data);
      r.external = d.arn;
      out.add(r, () => strictProblem(sm.id, w.templatePath, reasonOf(d), slot.statePath));
      return undefined;
    }
    case 'error': {
      // One problem per message: several states invoking the same ambiguous function share it.
      const states = errorStates.get(d.message);
      if (states) states.push(slot.statePath);
      else errorStates.set(d.message, [slot.statePath]);
      return undefined;
    }
    case 'unreadable':
      out.problem({
        ...d.problem,
        message: out.text('invocation.unreadable', { message: d.problem.message, statePath: slot.statePath, stateMachine: sm.id, field: slot.field }),
      });
      return undefined;
    case 'missing':
      out.add(stateDecision(w, slot, WARNING, 'invocation.missing', { field: slot.field, name: d.name }));
      return undefined;
    case 'unresolved':
      warnState(ctx, stateDecision(w, slot, WARNING, d.messageId, d.data), out.text('invocation.unresolvedStrict', { field: slot.field }));
      return undefined;
    case 'ignore':
      return undefined;
  }
}

/** Writes the edits, grants the new targets and records them in Metadata: the number of grants added, or undefined when it cannot write. */
function writeAndGrant(ctx: RunContext, sm: Resource, written: { model: Model; edits: Edit[] }[]): number | undefined {
  const { out, editor } = ctx;
  // (One model, the usual case: its own list, which nothing here changes; flatMap would copy it.)
  const edits = written.length === 1 ? written[0].edits : written.flatMap((w) => w.edits);
  // The role must be read to grant the new targets: a role the macro cannot read fails here.
  const key = roleKey(sm.type);
  const brokenRole = unreadableIn(getOwn(sm.properties, key), ctx.index);
  if (brokenRole) {
    out.problem({ ...brokenRole, message: out.text('stateMachine.brokenRole', { message: brokenRole.message, stateMachine: sm.id, roleKey: key }) });
    return undefined;
  }
  // Mode report goes through the same steps on the editor, whose result it then discards: it
  // reports the IAM grants the rewrite would add too.
  for (const { model, edits: own } of written) {
    try {
      if (model.stored) {
        const src = { source: model.stored.source };
        const inlined = writeStored(sm, model, model.stored, own, ctx);
        if (isString(inlined)) {
          warn(ctx, sm, 'definition', { templatePath: model.path, stateMachine: sm.id, ...src }, 'definition.cannotInline', { source: inlined });
          return undefined;
        }
        if (inlined) {
          const data = { property: inlined.property, stored: model.stored.ref.property, source: model.stored.source };
          out.add({ action: 'unchanged', topic: 'definition', messageId: 'definition.inlined', data, stateMachine: sm.id, templatePath: model.path, ...src });
        }
      } else writeDefinition(model, own, { editor, reserved: ctx.reserved }, model.at, written.length > 1 ? edits : own);
      ctx.deps.changed(sm.id);
    } catch (e) {
      // (Counted as not written: the run fails with this problem, so no summary is seen.)
      out.problem({ logicalId: sm.id, path: model.path, message: out.text('stateMachine.writeFailed', { message: (e as Error).message }) });
      return undefined;
    }
  }
  // (Pushed in a loop: a list and a closure per edit would be made for flatMap.)
  const grants: Grant[] = [];
  edits.forEach((e) => {
    for (const g of e.grants) grants.push(withCredentials(g, e));
  });
  const outcome = ctx.iam.ensure(sm, grants);
  // The grants, then each guardrail the macro extended (a boundary, a Deny's NotResource): a line of its own.
  for (const [messageId, list] of [
    ['iam.granted', outcome.granted],
    ['iam.guardrailExtended', outcome.extended],
  ] as const) {
    for (const g of list) {
      out.add({ action: 'granted', topic: 'iam', messageId, data: { target: g.target, how: g.how }, stateMachine: sm.id, templatePath: g.path, to: g.target });
    }
  }
  for (const w of outcome.warnings) {
    // A note (a managed policy outside the template): a warning Mode strict does not fail on.
    if (w.note) out.add({ action: WARNING, topic: 'iam', messageId: 'iam.note', data: { reason: w.message }, stateMachine: sm.id, templatePath: w.path });
    else warn(ctx, sm, 'iam', { stateMachine: sm.id, templatePath: w.path }, 'iam.warning', { reason: w.message }, w.strictMessage);
  }
  const metadata = (action: 'warning' | 'unchanged', messageId: MessageId, data: DecisionRecord['data']): void =>
    out.add({ action, topic: 'state-machine', messageId, data, stateMachine: sm.id, templatePath: `Resources/${sm.id}/Metadata` });
  if (!addMetadata(editor, sm, edits)) metadata(WARNING, 'stateMachine.metadataNotAMap', {});
  else if (edits.length > LIMITS.metadataEntries) {
    // Metadata is capped (docs/limits.md): the report says so; it and the log lines list every rewrite.
    metadata('unchanged', 'stateMachine.metadataCapped', { limit: formatCount(LIMITS.metadataEntries), rewrites: formatCount(edits.length) });
  }
  return outcome.granted.length;
}

/** A grant of a task with its own Credentials role: that role calls Lambda, not the state machine's. */
function withCredentials(g: Edit['grants'][number], e: Edit): Grant {
  const c = e.slot.credentials;
  if (c === undefined) return g;
  if ('dynamic' in c) return { ...g, credentials: { dynamic: true, statePath: e.slot.statePath } };
  return { ...g, credentials: { roleArn: partsToValue(expandParts(c.roleArn.parts)), statePath: e.slot.statePath } };
}

/**
 * Reads the definition of one state machine, or records why it cannot be read. A DefinitionString
 * chosen by `Fn::If` between texts is read branch by branch: CloudFormation picks one at deploy time.
 */
function readModel(sm: Resource, ctx: RunContext): Model[] | undefined {
  const { out, options } = ctx;
  const props = sm.properties;
  const base = `Resources/${sm.id}/Properties`;
  const ref = storedRef(sm.id, props, options);
  if (ref) {
    const stored = readStored(sm, ref, ctx);
    return stored && [stored];
  }
  const property = hasOwn(props, DEFINITION_STRING) ? DEFINITION_STRING : hasOwn(props, 'Definition') ? 'Definition' : undefined;
  if (!property) {
    warn(ctx, sm, 'state-machine', { stateMachine: sm.id, templatePath: base }, 'stateMachine.noDefinition', { stateMachine: sm.id });
    return undefined;
  }
  const value = props[property];
  const subs = getOwn(props, 'DefinitionSubstitutions');
  if (property === 'Definition' && !isObject(value)) {
    const path = `${base}/${property}`;
    const data = { got: isString(value) ? 'a string' : jsonText(value) };
    if (touchesWarm([value, subs], ctx.index, ctx.targets)) out.problem({ logicalId: sm.id, path, message: out.text('definition.notAnObject', data) });
    else warn(ctx, sm, 'definition', { stateMachine: sm.id, templatePath: path }, 'definition.notAnObject', data);
    return undefined;
  }
  const models: Model[] = [];
  for (const b of (property === DEFINITION_STRING && textBranches(value)) || [{ value, at: [], when: [] }]) {
    const path = b.at.reduce<string>((p, k) => `${p}/${k}`, `${base}/${property}`);
    try {
      // The model with its place (no copy: a model has a dozen fields).
      const m: Model = readDefinition(sm.id, property, b.value, subs);
      m.path = path;
      m.at = b.at;
      m.when = b.when;
      m.raw = b.value;
      models.push(m);
    } catch (e) {
      if (e instanceof LimitError) throw e.at({ logicalId: sm.id, path });
      if (!(e instanceof ReadError) && !(e instanceof RangeError)) throw e;
      const message = e instanceof RangeError ? out.text('definition.tooDeep') : e.message;
      const fn = touchesWarm([b.value, subs], ctx.index, ctx.targets);
      if (fn) out.problem({ logicalId: sm.id, path, message: out.text('definition.unreadableWarm', { fn, message }) });
      else warn(ctx, sm, 'definition', { stateMachine: sm.id, templatePath: path }, 'definition.unreadable', { message });
    }
  }
  // A DefinitionSubstitutions key serves every branch: a change of its value must count every use.
  // (Map.forEach: for…of over a map's entries allocates a pair and a step each, in code that runs once a state machine.)
  const shared = new Map<string, number>();
  for (const m of models) {
    m.uses.forEach((n, k) => {
      if (k.startsWith('substitution:')) shared.set(k, (shared.get(k) ?? 0) + n);
    });
  }
  for (const m of models) {
    shared.forEach((n, k) => {
      m.uses.set(k, n);
    });
  }
  return models;
}

/**
 * The branches of a DefinitionString chosen by `Fn::If` (nested ones too), each with its path under
 * the property and the conditions that choose it; a `Ref AWS::NoValue` branch has no definition.
 * Undefined when the value is no such Fn::If.
 */
function textBranches(value: Json, at: (string | number)[] = [], when: When[] = [], depth = 0): Branch[] | undefined {
  const args = depth > 10 ? undefined : ifArgs(value);
  const condition = args?.[0];
  if (!args || !isString(condition)) return undefined;
  return [1, 2].flatMap((k) => {
    const b: Branch = { value: args[k], at: [...at, IF, k], when: [...when, { condition, value: k === 1 }] };
    return refName(b.value) === NO_VALUE ? [] : (textBranches(b.value, b.at, b.when, depth + 1) ?? [b]);
  });
}

/** A definition value and where it sits under its property (an `Fn::If` branch, chosen `when`). */
type Branch = { value: Json; at: (string | number)[]; when: When[] };

/**
 * A definition stored in S3 (or, for the CLI, a local file): read from the text the edge fetched.
 * A plain state machine's text is read as DefinitionString; SAM's as a Definition object (what it
 * will be written back as), so that SAM's intrinsics can go straight into it.
 */
function readStored(sm: Resource, ref: StoredRef, ctx: RunContext): Model | undefined {
  const { out } = ctx;
  const stored = ctx.options.definitions?.[sm.id];
  const fail = (reasonId: MessageId, whyId: MessageId, data: DecisionRecord['data'], source?: string): undefined => {
    const reason = out.text(reasonId, data);
    const strictText = out.text('definition.storedStrict', { why: out.text(whyId, data), stateMachine: sm.id });
    warn(
      ctx,
      sm,
      'definition',
      { stateMachine: sm.id, templatePath: ref.templatePath, ...(source ? { source } : {}) },
      'definition.storedFails',
      { reason },
      strictText,
    );
    return undefined;
  };
  if (ref.problem)
    return fail('definition.storedUnlocated', 'definition.storedUnlocatedWhy', { stateMachine: sm.id, property: ref.property, problem: ref.problem });
  const location = ref.location;
  // storedRef gives either a location or the problem that kept it from one.
  if (location === undefined) throw new Error(`the stored definition of ${sm.id} has no location`);
  const where = describeLocation(location);
  if (!stored) {
    ctx.out.needDefinition(ref);
    if (location.kind === 'file') return fail('definition.storedLocalFile', 'definition.storedLocalFileWhy', { stateMachine: sm.id, where });
    return fail('definition.storedNotGiven', 'definition.storedNotGivenWhy', { stateMachine: sm.id, where });
  }
  if (stored.status === 'error') {
    return fail(
      'definition.storedReadFailed',
      'definition.storedReadFailedWhy',
      { stateMachine: sm.id, source: stored.source, message: stored.message },
      stored.source,
    );
  }
  const info: StoredInfo = { ref, source: stored.source, text: stored.text };
  const subs = getOwn(sm.properties, 'DefinitionSubstitutions');
  try {
    let model: DefinitionModel;
    if (sm.type === SAM_STATE_MACHINE) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(stored.text);
      } catch {
        parsed = undefined;
      }
      if (isObject(parsed)) {
        // Written back inline as an object: it must be as shallow as the rest of the template.
        checkNesting(parsed, `the definition at ${stored.source}`, 4);
        info.parsed = parsed;
        model = readDefinition(sm.id, 'Definition', parsed, subs);
      } else model = readDefinition(sm.id, DEFINITION_STRING, stored.text, subs);
    } else model = readDefinition(sm.id, DEFINITION_STRING, stored.text, subs);
    return { ...model, path: ref.templatePath, stored: info };
  } catch (e) {
    if (e instanceof LimitError) throw e.at({ logicalId: sm.id, path: ref.templatePath });
    if (!(e instanceof ReadError) && !(e instanceof RangeError)) throw e;
    const message = e instanceof RangeError ? out.text('definition.tooDeep') : e.message;
    return fail('definition.storedNotJson', 'definition.storedNotJsonWhy', { source: stored.source, message }, stored.source);
  }
}

/**
 * Writes the edits of a stored definition: when only DefinitionSubstitutions change, the definition
 * stays where it is; when its text changes, the rewritten definition goes inline (SAM's Definition
 * in place of DefinitionUri, DefinitionString in place of DefinitionS3Location), at the same place
 * among the properties. Returns what went inline, undefined when nothing did, or (a string) the
 * source that cannot go inline.
 */
function writeStored(sm: Resource, model: Model, stored: StoredInfo, edits: Edit[], ctx: RunContext): { property: string } | string | undefined {
  const propsPath = [RESOURCES, sm.id, PROPERTIES];
  // Written on a scratch editor first (copy-on-write: the real one is untouched), then applied.
  const scratch = new Editor(ctx.editor.root);
  if (stored.parsed) scratch.set([...propsPath, 'Definition'], stored.parsed);
  writeDefinition(model, edits, { editor: scratch, reserved: ctx.reserved });
  const written = scratch.get(propsPath) as JsonObject;
  const value = written[model.property];
  const changed = stored.parsed ? !jsonEqual(value, stored.parsed) : value !== stored.text;
  if (changed && sm.type === SAM_STATE_MACHINE && !stored.parsed) return stored.source;
  const out: JsonObject = {};
  for (const k of keysOf(written)) {
    if (k === model.property) continue;
    if (k === stored.ref.property) {
      if (changed) setOwn(out, model.property, value);
      else setOwn(out, k, written[k]);
    } else setOwn(out, k, written[k]);
  }
  ctx.editor.set(propsPath, out);
  return changed ? { property: model.property } : undefined;
}

/**
 * An explicit Qualifier that certainly misses the function's provisioned concurrency: `$LATEST`, or
 * the name of one of its aliases that has none. (A version number cannot be judged before deployment.)
 */
function explicitColdPath(note: SlotNote, index: TemplateIndex, targets: WarmTargets): { fn: string; why: string } | undefined {
  if (!note.functionName || note.qualifier?.kind !== 'str') return undefined;
  const ref = classifyParts(expandParts(note.functionName.parts), index, targets);
  if (ref.kind !== 'function' || !targets.isWarm(ref.fn)) return undefined;
  const parts = expandParts(note.qualifier.parts);
  const q = parts.length === 1 && isString(parts[0]) ? parts[0] : undefined;
  if (q === '$LATEST') {
    // A durable function of which the template publishes nothing: `$LATEST` is its target (the qualifier AWS documents).
    const res = targets.resolve(ref.fn);
    return res.status === 'warm' && res.target.kind === 'explicit' ? undefined : { fn: ref.fn, why: 'Qualifier $LATEST' };
  }
  const fn = ref.fn;
  if (q !== undefined && [...targets.aliases.values()].some((a) => a.fn === fn && a.name === q && !a.warm)) {
    return { fn, why: `alias ${q} has no provisioned concurrency` };
  }
  return undefined;
}

/** Why a function needs its target (provisioned concurrency when it has it, else its configuration). */
function targetReasons(targets: WarmTargets, fn: string): Reason[] {
  const res = targets.resolve(fn);
  if (res.status === 'warm') return res.target.reasons;
  if (res.status === 'unpublished') return res.reasons;
  const own = targets.reasonsOf(fn);
  return own.length ? own : [PC_REASON];
}

/** Records the rewrites in `Metadata.WarmStepFunctions`; false when Metadata is not a plain map (e.g. an Fn::If). */
function addMetadata(editor: Editor, sm: Resource, edits: Edit[]): boolean {
  const path = [RESOURCES, sm.id];
  const current = getOwn(sm.raw, 'Metadata');
  const entries = metadataEntries(edits);
  if (current === undefined) editor.set([...path, 'Metadata'], { [MACRO_NAME]: entries });
  else if (isObject(current) && intrinsicName(current) === undefined) editor.set([...path, 'Metadata', MACRO_NAME], entries);
  else return false;
  return true;
}
