/**
 * The pure core: `transform(fragment, options) → { fragment, report }`.
 *
 * No I/O, no AWS SDK, no logger. It reads the template, finds the warm targets, reads each state
 * machine's definition, finds its invocation slots, decides each one, writes the definition back
 * in the form it came in, makes IAM allow the new targets, and reports every decision.
 * All problems are collected and thrown together as one TransformError.
 *
 * The input is never mutated: the output shares every untouched part with it.
 */
import { checkEdit } from './acyclic';
import { Dependencies, formatCycle } from './dependencies';
import { ReadError, TransformError, type Problem } from './errors';
import { readDefinition, type DefinitionModel } from './definition/read';
import { findSlots, type SlotNote } from './definition/slots';
import { expandParts, partsToValue } from './intrinsics/parts';
import { classifyParts } from './references';
import { writeDefinition } from './definition/write';
import { IamFixer, type Grant } from './iam';
import { Editor, getOwn, hasOwn, intrinsicName, isObject, jsonEqual, setOwn } from './json';
import { ReportBuilder, metadataEntries } from './report';
import { decide, type Edit } from './rewrite';
import { WarmTargets } from './targets';
import { readTemplate, STATE_MACHINE_TYPES, unreadableIn, type Resource, type TemplateIndex } from './template';
import { touchesWarm } from './touches';
import type { Decision, Json, JsonObject, StoredDefinition, TransformOptions, TransformResult } from './types';
import { describeLocation, storedRef, type StoredRef } from './definition/stored';

export function transform(fragment: unknown, options: TransformOptions = {}): TransformResult {
  try {
    return run(fragment, options);
  } catch (e) {
    // Whatever nests deeper than the reader's iterative parts (a 10,000-deep Fn::Sub in Metadata,
    // say) fails as one clear problem, never as a stack trace.
    if (e instanceof RangeError) {
      throw new TransformError([{ path: '(fragment)', message: `the template is nested too deeply to process (${e.message})` }], { cause: e });
    }
    throw e;
  }
}

function run(fragment: unknown, options: TransformOptions): TransformResult {
  const mode = options.mode ?? 'rewrite';
  const index = readTemplate(fragment, options.region, options.accountId);
  const targets = new WarmTargets(index, options.aliasName);
  const editor = new Editor(index.fragment);
  const report = new ReportBuilder();
  const problems: Problem[] = [];
  const strict = mode === 'strict';

  const machines = [...index.resources.values()].filter((r) => STATE_MACHINE_TYPES.has(r.type));
  for (const list of [options.stateMachines, options.exclude]) {
    for (const id of list ?? []) {
      if (!machines.some((m) => m.id === id)) {
        problems.push({
          path: 'Transform/WarmStepFunctions/Parameters',
          message: `${list === options.exclude ? 'Exclude' : 'StateMachines'} names ${id}, which is not a state machine in this template (state machines: ${machines.map((m) => m.id).join(', ') || 'none'})`,
        });
      }
    }
  }
  for (const note of targets.notes) {
    report.add({ action: 'warning', stateMachine: '', templatePath: note.path, reason: `${note.logicalId} ${note.message}` });
  }
  if (options.aliasName !== undefined && !targets.hasAliasNamed(options.aliasName)) {
    // Most likely a typo: say so, since a function with a single warm alias would quietly use it.
    const path = 'Transform/WarmStepFunctions/Parameters/AliasName';
    const reason = `AliasName is '${options.aliasName}', but no alias of this template has that name; a function with one alias with provisioned concurrency uses it, one with several fails`;
    report.add({ action: 'warning', stateMachine: '', templatePath: path, reason });
    if (strict) problems.push({ path, message: `${reason} (Mode strict)` });
  }

  const reserved = new Set<string>([...index.resources.keys(), ...index.unreadable.keys(), ...Object.keys(asObject(getOwn(index.fragment, 'Parameters')))]);
  // One dependency graph for every writer (definitions, IAM, DependsOn), read from the editor as it changes.
  const deps = new Dependencies((id) => editor.get(['Resources', id]));
  const iam = new IamFixer(index, targets, editor, deps);

  for (const sm of machines) {
    if ((options.stateMachines && !options.stateMachines.includes(sm.id)) || options.exclude?.includes(sm.id)) {
      report.add({ action: 'unchanged', stateMachine: sm.id, templatePath: `Resources/${sm.id}`, reason: 'skipped by the StateMachines/Exclude parameters' });
      continue;
    }
    const warn = (templatePath: string, reason: string, extra: Partial<Decision> = {}, strictMessage?: string): void => {
      report.add({ action: 'warning', stateMachine: sm.id, templatePath, reason, ...extra });
      if (strict) {
        const where = extra.statePath ? `state ${extra.statePath}: ` : '';
        problems.push({ logicalId: sm.id, path: templatePath, message: `${where}${strictMessage ?? reason} (Mode strict)` });
      }
    };

    const model = readModel(sm, index, targets, problems, warn, options);
    if (!model) {
      report.stateMachine(false, 0);
      continue;
    }
    const src = model.stored ? { source: model.stored.source } : {};
    const scan = findSlots(model.root);
    for (const n of scan.notes) {
      const reason = n.kind === 'dynamic' ? `${n.message}; the macro cannot tell which function it invokes` : n.message;
      if (n.kind === 'dynamic') warn(model.path, reason, { state: n.state, statePath: n.statePath, ...src });
      else {
        const cold = explicitColdPath(n, index, targets);
        const at = { stateMachine: sm.id, templatePath: model.path, state: n.state, statePath: n.statePath, ...src };
        if (cold) report.add({ action: 'unchanged', ...at, function: cold.fn, coldPath: true, reason: `${reason}, although it does not use the provisioned concurrency of ${cold.fn} (${cold.why})` });
        else report.add({ action: 'unchanged', ...at, reason });
      }
    }
    const edits: Edit[] = [];
    const errorStates = new Map<string, string[]>();
    const cycles = new Map<string, string[] | null>();
    for (const slot of scan.slots) {
      const d = decide(slot, { index, targets, external: options.external, aliasName: options.aliasName, holds: sm.condition });
      const at = { stateMachine: sm.id, templatePath: model.path, state: slot.state, statePath: slot.statePath, ...src };
      switch (d.kind) {
        case 'rewrite': {
          // Wherever the new value is written (the slot, a DefinitionSubstitutions key, an Fn::Sub
          // variable), the state machine then depends on the target: never in a circle.
          const checked = checkEdit(d.edit, sm.id, deps, index, targets, cycles);
          const target = d.edit.target ? d.edit.target.id : d.edit.to;
          if (checked.kind === 'cycle') {
            const cycle = formatCycle(checked.cycle);
            const fix = d.edit.target?.kind === 'version' ? 'put the provisioned concurrency on an alias with a literal Name' : 'give the function a literal FunctionName and its alias a literal Name';
            warn(
              model.path,
              `${slot.field} is left as it is: pointing it at ${target} would make a circular dependency (${cycle}), which CloudFormation rejects, and it has no literal ARN to use instead (${checked.why}); break the cycle, or ${fix}`,
              { state: slot.state, statePath: slot.statePath, function: d.edit.fn, from: d.edit.from, coldPath: true },
              `${slot.field} cannot point at ${target}: that would make a circular dependency (${cycle})`,
            );
            break;
          }
          const e = checked.edit;
          edits.push(e);
          report.add({
            action: 'rewritten',
            ...at,
            coldPath: true,
            function: e.fn,
            from: e.from,
            to: e.to,
            reason: `${slot.field} ${mode === 'report' ? 'would invoke' : 'now invokes'} ${target}${e.cycle ? ` by its literal ARN (a reference would make a circular dependency: ${formatCycle(e.cycle)})` : ''}${mode === 'report' ? ' (Mode report: nothing changed)' : ''}`,
          });
          break;
        }
        case 'warm':
          report.add({ action: 'unchanged', ...at, function: d.fn, reason: d.reason });
          break;
        case 'cold':
          report.add({ action: 'cold', ...at, function: d.fn, reason: d.reason, coldPath: d.warmElsewhere !== false && d.fn !== undefined && targets.isWarm(d.fn) ? true : undefined });
          if (strict && d.strict) {
            problems.push({ logicalId: sm.id, path: model.path, message: `state ${slot.statePath} stays cold: ${d.reason} (Mode strict fails on invocations that stay cold)` });
          }
          break;
        case 'external':
          report.add({ action: d.failed ? 'warning' : 'cold', ...at, external: d.arn, reason: d.reason });
          if (strict) problems.push({ logicalId: sm.id, path: model.path, message: `state ${slot.statePath}: ${d.reason} (Mode strict)` });
          break;
        case 'error': {
          // One problem per message: several states invoking the same ambiguous function share it.
          const states = errorStates.get(d.message);
          if (states) states.push(slot.statePath);
          else errorStates.set(d.message, [slot.statePath]);
          break;
        }
        case 'unreadable':
          problems.push({ ...d.problem, message: `${d.problem.message}; the macro must read it, since state ${slot.statePath} of ${sm.id} refers to it in ${slot.field}` });
          break;
        case 'missing':
          report.add({ action: 'warning', ...at, reason: `${slot.field} refers to ${d.name}, which is not a resource or parameter of this template; left as it is (CloudFormation will reject it)` });
          break;
        case 'unresolved':
          warn(model.path, d.reason, { state: slot.state, statePath: slot.statePath, ...src }, `${slot.field} cannot be resolved to a function, so the macro cannot check that it is warm`);
          break;
        case 'ignore':
          break;
      }
    }
    for (const [message, states] of errorStates) {
      problems.push({ logicalId: sm.id, path: model.path, message: `${states.length === 1 ? 'state' : 'states'} ${states.join(', ')}: ${message}` });
    }
    if (edits.length === 0 || problems.length > 0) {
      report.stateMachine(false, 0);
      continue;
    }
    // The role must be read to grant the new targets: a role the macro cannot read fails here.
    const roleKey = sm.type === 'AWS::Serverless::StateMachine' ? 'Role' : 'RoleArn';
    const brokenRole = unreadableIn(getOwn(sm.properties, roleKey), index);
    if (brokenRole) {
      problems.push({ ...brokenRole, message: `${brokenRole.message}; the macro must read it, since it is the role of ${sm.id} (${roleKey}), which must be allowed to invoke the new targets` });
      report.stateMachine(false, 0);
      continue;
    }
    // Mode report goes through the same steps on the editor, whose result it then discards: it
    // reports the IAM grants the rewrite would add too.
    const would = mode === 'report' ? ' (Mode report: nothing changed)' : '';
    try {
      if (model.stored) {
        const inlined = writeStored(sm, model, model.stored, edits, editor, reserved);
        if (typeof inlined === 'string') {
          warn(model.path, inlined, src);
          report.stateMachine(false, 0);
          continue;
        }
        if (inlined) {
          report.add({
            action: 'unchanged',
            stateMachine: sm.id,
            templatePath: model.path,
            ...src,
            reason: `the rewritten definition ${mode === 'report' ? 'would go' : 'goes'} inline as ${inlined.property} in place of ${model.stored.ref.property} (read from ${model.stored.source})`,
          });
        }
      } else writeDefinition(model, edits, { editor, reserved });
      deps.changed(sm.id);
    } catch (e) {
      problems.push({ logicalId: sm.id, path: model.path, message: `the macro could not write the definition back: ${(e as Error).message}` });
      continue;
    }
    const grants: Grant[] = edits.flatMap((e) => e.grants.map((g) => withCredentials(g, e)));
    const outcome = iam.ensure(sm, grants);
    for (const g of outcome.granted) {
      report.add({ action: 'granted', stateMachine: sm.id, templatePath: g.path, to: g.target, reason: `lambda:InvokeFunction on ${g.target}: ${g.how}${would}` });
    }
    for (const g of outcome.extended) report.add({ action: 'granted', stateMachine: sm.id, templatePath: g.path, to: g.target, reason: `${g.how}${would}` });
    for (const w of outcome.warnings) {
      if (w.note) report.add({ action: 'warning', stateMachine: sm.id, templatePath: w.path, reason: w.message });
      else warn(w.path, w.message, {}, w.strictMessage);
    }
    if (!addMetadata(editor, sm, edits)) {
      report.add({ action: 'warning', stateMachine: sm.id, templatePath: `Resources/${sm.id}/Metadata`, reason: 'Metadata is not a plain map (an intrinsic function), so the rewrites are not recorded there' });
    }
    report.stateMachine(mode !== 'report', outcome.granted.length);
  }

  if (problems.length) throw new TransformError(problems);
  return { fragment: mode === 'report' ? fragment : editor.root, report: report.build(mode) };
}

/** A grant of a task with its own Credentials role: that role calls Lambda, not the state machine's. */
function withCredentials(g: Edit['grants'][number], e: Edit): Grant {
  const c = e.slot.credentials;
  if (c === undefined) return g;
  if ('dynamic' in c) return { ...g, credentials: { dynamic: true, statePath: e.slot.statePath } };
  return { ...g, credentials: { roleArn: partsToValue(expandParts(c.roleArn.parts)), statePath: e.slot.statePath } };
}

type Warn = (path: string, reason: string, extra?: Partial<Decision>, strictMessage?: string) => void;

/** A definition stored outside the template, as the edge read it. */
interface StoredInfo {
  ref: StoredRef;
  source: string;
  text: string;
  /** The text parsed as JSON, for SAM's Definition (an object). */
  parsed?: JsonObject;
}

type Model = DefinitionModel & { stored?: StoredInfo };

/** Reads the definition of one state machine, or records why it cannot be read. */
function readModel(
  sm: Resource,
  index: ReturnType<typeof readTemplate>,
  targets: WarmTargets,
  problems: Problem[],
  warn: Warn,
  options: TransformOptions,
): Model | undefined {
  const props = sm.properties;
  const base = `Resources/${sm.id}/Properties`;
  const ref = storedRef(sm.id, props, options);
  if (ref) return readStored(sm, ref, options.definitions?.[sm.id], warn);
  const property = hasOwn(props, 'DefinitionString') ? 'DefinitionString' : hasOwn(props, 'Definition') ? 'Definition' : undefined;
  if (!property) {
    warn(base, `${sm.id} has no Definition or DefinitionString`);
    return undefined;
  }
  const value = props[property];
  const subs = getOwn(props, 'DefinitionSubstitutions');
  const path = `${base}/${property}`;
  const touches = (): string | undefined => touchesWarm([value, subs], index, targets);
  if (property === 'Definition' && !isObject(value)) {
    const message = `Definition must be an object (a JSON string belongs in DefinitionString), got ${typeof value === 'string' ? 'a string' : JSON.stringify(value)}`;
    if (touches()) problems.push({ logicalId: sm.id, path, message });
    else warn(path, message);
    return undefined;
  }
  try {
    return readDefinition(sm.id, property, value, subs);
  } catch (e) {
    if (!(e instanceof ReadError) && !(e instanceof RangeError)) throw e;
    const message = e instanceof RangeError ? 'the definition is nested too deeply to read' : e.message;
    const fn = touches();
    if (fn) problems.push({ logicalId: sm.id, path, message: `cannot read the definition, which refers to ${fn}, a function with provisioned concurrency: ${message}` });
    else warn(path, `cannot read the definition (${message}); it refers to no function with provisioned concurrency, so it is left as it is`);
    return undefined;
  }
}

/**
 * A definition stored in S3 (or, for the CLI, a local file): read from the text the edge fetched.
 * A plain state machine's text is read as DefinitionString; SAM's as a Definition object (what it
 * will be written back as), so that SAM's intrinsics can go straight into it.
 */
function readStored(sm: Resource, ref: StoredRef, stored: StoredDefinition | undefined, warn: Warn): Model | undefined {
  const strictMessage = (why: string): string =>
    `${why}, so it cannot check ${sm.id}'s invocations. Let the macro read it (see "Definitions in S3" in the README), inline it with Definition or DefinitionString, or list ${sm.id} in Exclude`;
  const fail = (reason: string, why: string, source?: string): undefined => {
    warn(ref.templatePath, `${reason}; its invocations are left as they are`, source ? { source } : {}, strictMessage(why));
    return undefined;
  };
  if (ref.problem) return fail(`${sm.id} loads its definition from ${ref.property}, which the macro cannot locate: ${ref.problem}`, `the macro cannot locate ${sm.id}'s ${ref.property}`);
  const where = describeLocation(ref.location!);
  if (!stored) {
    if (ref.location!.kind === 'file') {
      return fail(
        `${sm.id} loads its definition from the local file ${where}, which the deployed macro cannot read (sam package / sam deploy uploads it to S3 first; the CLI reads it)`,
        `the definition is a local file`,
      );
    }
    return fail(`${sm.id} loads its definition from ${where}, which the macro was not given`, `the macro was not given the definition at ${where}`);
  }
  if (stored.status === 'error') {
    return fail(`cannot read ${sm.id}'s definition at ${stored.source}: ${stored.message}`, `the macro cannot read the definition at ${stored.source} (${stored.message})`, stored.source);
  }
  const info: StoredInfo = { ref, source: stored.source, text: stored.text };
  const props = sm.properties;
  const subs = getOwn(props, 'DefinitionSubstitutions');
  try {
    let model: DefinitionModel;
    if (sm.type === 'AWS::Serverless::StateMachine') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(stored.text);
      } catch {
        parsed = undefined;
      }
      if (isObject(parsed)) {
        info.parsed = parsed;
        model = readDefinition(sm.id, 'Definition', parsed, subs);
      } else model = readDefinition(sm.id, 'DefinitionString', stored.text, subs);
    } else model = readDefinition(sm.id, 'DefinitionString', stored.text, subs);
    return { ...model, path: ref.templatePath, stored: info };
  } catch (e) {
    if (!(e instanceof ReadError) && !(e instanceof RangeError)) throw e;
    const message = e instanceof RangeError ? 'the definition is nested too deeply to read' : e.message;
    return fail(`the definition at ${stored.source} is not a JSON state machine definition (${message})`, `the definition at ${stored.source} is not valid JSON`, stored.source);
  }
}

/**
 * Writes the edits of a stored definition: when only DefinitionSubstitutions change, the definition
 * stays where it is; when its text changes, the rewritten definition goes inline (SAM's Definition
 * in place of DefinitionUri, DefinitionString in place of DefinitionS3Location), at the same place
 * among the properties. Returns what went inline, undefined when nothing did, or why it cannot.
 */
function writeStored(sm: Resource, model: Model, stored: StoredInfo, edits: Edit[], editor: Editor, reserved: ReadonlySet<string>): { property: string } | string | undefined {
  const propsPath = ['Resources', sm.id, 'Properties'];
  // Written on a scratch editor first (copy-on-write: the real one is untouched), then applied.
  const scratch = new Editor(editor.root);
  if (stored.parsed) scratch.set([...propsPath, 'Definition'], stored.parsed);
  writeDefinition(model, edits, { editor: scratch, reserved });
  const written = scratch.get(propsPath) as JsonObject;
  const value = written[model.property];
  const changed = stored.parsed ? !jsonEqual(value, stored.parsed) : value !== stored.text;
  if (changed && sm.type === 'AWS::Serverless::StateMachine' && !stored.parsed) {
    return `the rewritten definition cannot go inline: SAM's Definition must be a JSON object, and the text at ${stored.source} is JSON only once DefinitionSubstitutions apply; its invocations are left as they are`;
  }
  const out: JsonObject = {};
  for (const k of Object.keys(written)) {
    if (k === model.property) continue;
    if (k === stored.ref.property) {
      if (changed) setOwn(out, model.property, value);
      else setOwn(out, k, written[k]);
    } else setOwn(out, k, written[k]);
  }
  editor.set(propsPath, out);
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
  const q = parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : undefined;
  if (q === '$LATEST') return { fn: ref.fn, why: 'Qualifier $LATEST' };
  const fn = ref.fn;
  if (q !== undefined && [...targets.aliases.values()].some((a) => a.fn === fn && a.name === q && !a.warm)) {
    return { fn, why: `alias ${q} has no provisioned concurrency` };
  }
  return undefined;
}

/** Records the rewrites in `Metadata.WarmStepFunctions`; false when Metadata is not a plain map (e.g. an Fn::If). */
function addMetadata(editor: Editor, sm: Resource, edits: Edit[]): boolean {
  const path = ['Resources', sm.id];
  const current = getOwn(sm.raw, 'Metadata');
  const entries = metadataEntries(edits);
  if (current === undefined) editor.set([...path, 'Metadata'], { WarmStepFunctions: entries });
  else if (isObject(current) && intrinsicName(current) === undefined) editor.set([...path, 'Metadata', 'WarmStepFunctions'], entries);
  else return false;
  return true;
}

function asObject(v: Json | undefined): JsonObject {
  return isObject(v) ? v : {};
}
