/**
 * The pure core: `transform(fragment, options) → { fragment, report }`.
 *
 * No I/O, no AWS SDK, no logger. It reads the template, finds the warm targets, takes each
 * selected state machine through `state-machine.ts` (read its definition, find and decide its
 * invocation slots, write it back in the form it came in, make IAM allow the new targets), and
 * finishes in the run's mode (`mode.ts`): the output, or every problem thrown together as one
 * TransformError. The report's `needs` tells an edge what to fetch before the real run.
 *
 * The input is never mutated: the output shares every untouched part with it.
 */
import { asObject, Editor, getOwn, keysOf } from '../cfn/json';
import { Dependencies } from './template/dependencies';
import { TransformError } from '../errors';
import { IamFixer } from './iam';
import { checkNesting, LimitError, type Sizes } from '../limits';
import { render } from '../messages';
import { Outcome, strictProblem } from './mode';
import { stateLocator } from './definition/locate';
import { processStateMachine } from './state-machine';
import { WarmTargets } from './targets/find';
import { FOR_EACH, loopTypes } from './template/loops';
import { Mentions, stateMachineIds } from './template/mentions';
import {
  CONNECTOR_TYPE,
  FUNCTION_TYPES,
  POLICY_TYPES,
  readTemplate,
  selected,
  STATE_MACHINE_TYPES,
  stateMachines,
  type Resource,
  RESOURCES,
} from './template/read';
import { type JsonObject, PARAMETERS_PATH, type TransformOptions, type TransformResult } from '../types';

export function transform(fragment: unknown, options: TransformOptions = {}): TransformResult {
  return transformWith(fragment, options, options.locations === false ? undefined : stateLocator);
}

/** Where each decision about a state sits in the template's source (the CLI's findings point there). */
export type Locate = typeof stateLocator;

/**
 * `transform`, with the decisions located by `locate`, or not at all without it: the Lambda edge, which
 * logs no location, calls this one, so that its bundle leaves the locator out. With `sizes`, the
 * nesting check measures the input into it (see Sizes in limits.ts): the edge bounds its reply from it.
 */
export function transformWith(fragment: unknown, options: TransformOptions, locate?: Locate, sizes?: Sizes): TransformResult {
  try {
    // The walk over the whole template that checks its nesting also reads whether a rewrite may close a circle.
    const machines = stateMachineIds(fragment);
    const mentions = machines.size > 0 ? new Mentions(machines) : undefined;
    checkNesting(fragment, undefined, 0, sizes, mentions);
    return run(fragment, options, locate, mentions?.found ?? false);
  } catch (e) {
    // A limit of the macro (docs/limits.md): one problem that names it, wherever it was reached.
    if (e instanceof LimitError) {
      throw new TransformError([{ logicalId: e.where?.logicalId, path: e.where?.path ?? '(fragment)', message: e.message }], { cause: e });
    }
    // Whatever nests deeper than the reader's iterative parts (a 10,000-deep Fn::Sub in Metadata,
    // say) fails as one clear problem, never as a stack trace.
    if (e instanceof RangeError) {
      throw new TransformError([{ path: '(fragment)', message: render('fragment.tooDeep', { message: e.message }) }], { cause: e });
    }
    throw e;
  }
}

function run(fragment: unknown, options: TransformOptions, locate: Locate | undefined, mayCloseCircles: boolean): TransformResult {
  const out = new Outcome(options.mode ?? 'rewrite');
  const index = readTemplate(fragment, options.region, options.accountId);
  const targets = new WarmTargets(index, options.aliasName, options.reasons && new Set(options.reasons));
  const editor = new Editor(index.fragment);
  const machines = stateMachines(index);
  checkSelection(machines, options, out);
  for (const note of targets.notes) {
    out.add({
      action: 'warning',
      topic: 'targets',
      messageId: 'targets.note',
      data: { logicalId: note.logicalId, message: note.message },
      stateMachine: '',
      templatePath: note.path,
    });
  }
  unexpandedLoops(index.fragment, index.unreadable.keys(), out);
  if (options.aliasName !== undefined && !targets.hasAliasNamed(options.aliasName)) {
    // Most likely a typo: say so, since a function with a single warm alias would quietly use it.
    const path = `${PARAMETERS_PATH}/AliasName`;
    const data = { aliasName: options.aliasName };
    out.add(
      { action: 'warning', topic: 'parameters', messageId: 'parameters.aliasNameUnused', data, stateMachine: '', templatePath: path },
      strictProblem(undefined, path, out.text('parameters.aliasNameUnused', data)),
    );
  }
  // The names a new variable or substitution must not take, listed only when a definition needs one (most never do).
  const reserved: Iterable<string> = {
    *[Symbol.iterator]() {
      yield* index.resources.keys();
      yield* index.unreadable.keys();
      yield* keysOf(asObject(getOwn(index.fragment, 'Parameters')));
    },
  };
  // One dependency graph for every writer (definitions, IAM, DependsOn), read from the editor as it changes.
  // (A resource by its ID, looked up directly: the graph reads one for every reference it follows.)
  const deps = new Dependencies((id) => getOwn(getOwn(editor.root, RESOURCES), id));
  const ctx = { index, targets, editor, deps, iam: new IamFixer(index, targets, editor, deps), reserved, options, out, locate, mayCloseCircles };
  for (const sm of machines) {
    options.checkpoint?.(`reading ${sm.id}`);
    if (selected(sm.id, options)) processStateMachine(sm, ctx);
    else
      out.add({
        action: 'unchanged',
        topic: 'state-machine',
        messageId: 'stateMachine.skipped',
        data: {},
        stateMachine: sm.id,
        templatePath: `Resources/${sm.id}`,
      });
  }
  return out.finish(fragment, editor.root);
}

/** What the macro reads or writes: state machines, functions and their published targets, roles and policies. */
const MATTERS = new Set([
  ...STATE_MACHINE_TYPES,
  ...FUNCTION_TYPES,
  ...POLICY_TYPES,
  CONNECTOR_TYPE,
  'AWS::Lambda::Alias',
  'AWS::Lambda::Version',
  'AWS::IAM::Role',
]);

/**
 * An `Fn::ForEach` loop that AWS::LanguageExtensions expands after the macro (template/loops.ts) and that makes
 * resources the macro reads: a warning (Mode strict fails on it) naming them, never a silent gap.
 */
function unexpandedLoops(fragment: JsonObject, unreadable: Iterable<string>, out: Outcome): void {
  const resources = asObject(getOwn(fragment, RESOURCES));
  for (const id of unreadable) {
    if (!id.startsWith(FOR_EACH)) continue;
    const types = [...loopTypes(resources[id])].filter((t) => MATTERS.has(t));
    if (types.length === 0) continue;
    const path = `Resources/${id}`;
    const data = { loop: id, types: types.join(', ') };
    out.add({ action: 'warning', topic: 'definition', messageId: 'template.unexpandedLoop', data, stateMachine: '', templatePath: path }, () =>
      strictProblem(undefined, path, out.text('template.unexpandedLoop', data)),
    );
  }
}

/** StateMachines and Exclude must name state machines of this template. */
function checkSelection(machines: Resource[], options: TransformOptions, out: Outcome): void {
  for (const list of [options.stateMachines, options.exclude]) {
    for (const id of list ?? []) {
      if (machines.some((m) => m.id === id)) continue;
      const data = { list: list === options.exclude ? 'Exclude' : 'StateMachines', id, machines: machines.map((m) => m.id).join(', ') || 'none' };
      out.problem({ path: PARAMETERS_PATH, message: out.text('parameters.notAStateMachine', data) });
    }
  }
}
