/**
 * Step 4 of the pipeline: find the invocation slots of a definition.
 *
 * States are visited at every depth (Parallel `Branches`, Map `Iterator` and `ItemProcessor`)
 * with an explicit stack. An `Fn::If` that chooses a whole machine, `States` map, state, list of
 * branches or `Parameters`/`Arguments` is followed into both branches: each slot records the
 * conditions that choose it (`when`). A slot is a string that Step Functions uses as the function to invoke:
 * - a Task's `Resource`, when it is a Lambda function ARN;
 * - `Parameters.FunctionName` (JSONPath) or `Arguments.FunctionName` (JSONata) of a Task whose
 *   `Resource` is `arn:<partition>:states:::lambda:invoke` or `...lambda:invoke.waitForTaskToken`, or the
 *   AWS SDK integration `arn:<partition>:states:::aws-sdk:lambda:invoke` (and its `.waitForTaskToken`).
 */
import { expandParts, formatParts, formatValue, isHole, type Part } from '../../cfn/parts';
import { alternatives, get, textOf, type Node, type StrNode, type When } from './ast';
import type { Shape } from './parse';
import { JOIN, refName, SUB } from '../../cfn/intrinsics';
import { hasOwn } from '../../cfn/json';
import type { Json } from '../../types';
import { boundedStatePath } from '../../limits';

export interface Slot {
  state: string;
  /** Path of the state in the definition, e.g. `States.Fan.Branches[0].States.Work`. */
  statePath: string;
  field: 'Resource' | 'Parameters.FunctionName' | 'Arguments.FunctionName' | 'Parameters.Qualifier' | 'Arguments.Qualifier';
  leaf: StrNode;
  /** The task's place in document order (slots and notes of one scan share the count). */
  order: number;
  /**
   * The `Fn::If` branches above the slot (a whole state, `Parameters`, `States`, Parallel branch or
   * Map processor chosen by a condition, which CloudFormation resolves at deploy time): the slot
   * exists where these conditions have these values. Empty when it always exists.
   */
  when: readonly When[];
  /**
   * The task's `Credentials`: Step Functions then calls Lambda with that role, not the state
   * machine's. `RoleArn` (a string node), or `RoleArn.$` (a path computed at run time).
   */
  credentials?: { roleArn: StrNode } | { dynamic: true };
}

/** Something about a Task that the macro cannot or will not decide from the template. */
export interface SlotNote {
  state: string;
  statePath: string;
  /**
   * `dynamic`: the function is computed at run time (JSONPath `.$`, JSONata);
   * `deploy-time`: a part of the definition is a value CloudFormation fills in at deploy time that
   * the macro cannot read inside (a parameter, an Fn::FindInMap, a `${Var}` standing for JSON);
   * `explicit-qualifier`: `Qualifier` next to `FunctionName`.
   */
  kind: 'dynamic' | 'deploy-time' | 'explicit-qualifier';
  message: string;
  /** explicit-qualifier: where the Qualifier is, the FunctionName, and the Qualifier (a string node, or another node). */
  container?: 'Parameters' | 'Arguments';
  functionName?: StrNode;
  qualifier?: Node;
  /** explicit-qualifier: the Qualifier is `Qualifier.$`, a path computed at run time. */
  dynamicQualifier?: boolean;
  /** The task's place in document order (slots and notes of one scan share the count). */
  order: number;
  /** As Slot.when. */
  when: readonly When[];
  /** As Slot.credentials (an explicit Qualifier's task may call Lambda with its own role). */
  credentials?: Slot['credentials'];
}

export interface SlotScan {
  slots: Slot[];
  notes: SlotNote[];
}

/** A Task's field that names what it runs: a direct Lambda invocation's slot. */
export const TASK_RESOURCE = 'Resource';

/** The keys of the string values that the macro may rewrite: a slot's, or an explicit Qualifier's. */
export const SLOT_FIELDS: ReadonlySet<string> = new Set([TASK_RESOURCE, 'FunctionName', 'Qualifier']);

/** A Task's Resource that is a Lambda function's ARN: a direct invocation, whose Resource is its slot. */
const DIRECT_LAMBDA = /^arn:[^:]*:lambda:/;

/**
 * The SLOT_FIELDS, each with what its plain text must match for a rewrite to be placed in it: a Resource
 * only when it is a function's ARN (a service integration's, `arn:aws:states:::lambda:invoke`, never is);
 * undefined: any. A string with a hole may always be (see Shape's `placed`).
 */
export const PLACED: ReadonlyMap<string, RegExp | undefined> = new Map([
  [TASK_RESOURCE, DIRECT_LAMBDA],
  ['FunctionName', undefined],
  ['Qualifier', undefined],
]);

/** The keys whose string values findSlots reads; definition readers may drop every other string. */
export const SLOT_KEYS: ReadonlySet<string> = new Set([...SLOT_FIELDS, 'Type', 'Parameters', 'Arguments', 'RoleArn']);

/**
 * The part of a definition that findSlots reads: the States of every state machine at any depth
 * (Parallel Branches, Map Iterator and ItemProcessor), each state's Type and Resource, and its
 * Parameters or Arguments (an expression string, or an object whose FunctionName and Qualifier
 * are read and whose `FunctionName.$` and `Qualifier.$` are only looked up), and its Credentials.
 * Definition readers may drop everything else, keys included.
 */
export const SLOT_SHAPE: Shape = (() => {
  const machine: { children?: ReadonlyMap<string, Shape> } = {};
  const params: Shape = { strings: new Set(['FunctionName', 'Qualifier']), looked: new Set(['FunctionName.$', 'Qualifier.$']), placed: PLACED };
  const state: Shape = {
    strings: new Set(['Type', TASK_RESOURCE, 'Parameters', 'Arguments']),
    placed: PLACED,
    children: new Map<string, Shape>([
      ['Parameters', params],
      ['Arguments', params],
      ['Credentials', { strings: new Set(['RoleArn']), looked: new Set(['RoleArn.$']) }],
      ['Branches', { items: machine }],
      ['Iterator', machine],
      ['ItemProcessor', machine],
    ]),
  };
  machine.children = new Map([['States', { other: state }]]);
  return machine;
})();

// The optimized integration, and the AWS SDK integration of Lambda's Invoke API (the same FunctionName and Qualifier).
const LAMBDA_INVOKE = /^arn:(?:aws[a-z-]*|\{AWS-Partition\}):states:::(?:aws-sdk:)?lambda:invoke(?:\.waitForTaskToken)?$/;

/** The note on a value filled in at deploy time, which the macro cannot read inside. */
const deployTimeText = (what: string, value: string): string =>
  `${what} is ${value}, which CloudFormation fills in at deploy time; the macro cannot read inside it`;

/** The slots and notes of a definition (`when`: the conditions that choose it, for a branch of an Fn::If). */
export function findSlots(root: Node, when: readonly When[] = []): SlotScan {
  const slots: Slot[] = [];
  const notes: SlotNote[] = [];
  const machines: { node: Node | undefined; path: string; when: readonly When[] }[] = [{ node: root, path: '', when }];
  let tasks = 0;
  const opaque = (state: string, where: string, node: Node, when: readonly When[], what: string): void => {
    const value = deployTimeValue(node);
    if (value === undefined) return;
    notes.push({
      state,
      statePath: where,
      kind: 'deploy-time',
      message: deployTimeText(what, value),
      order: tasks++,
      when,
    });
  };
  for (let next = machines.pop(); next !== undefined; next = machines.pop()) {
    const { node, path, when } = next;
    // Visit in document order: push in reverse so that the stack pops them in order.
    const found: { node: Node | undefined; path: string; when: readonly When[] }[] = [];
    for (const machine of alternatives(node, when)) {
      if (machine.node.kind !== 'obj') {
        const at = path.slice(0, -1);
        if (path !== '') opaque('', at, machine.node, machine.when, at);
        continue;
      }
      for (const states of alternatives(get(machine.node, 'States'), machine.when)) {
        if (states.node.kind !== 'obj') {
          const at = `${path}States`;
          opaque('', at, states.node, states.when, at);
          continue;
        }
        const scanState = (name: string, statePath: string, state: Node, w: readonly When[]): void => {
          if (state.kind !== 'obj') {
            opaque(name, statePath, state, w, `state ${statePath}`);
            return;
          }
          const type = resolvedText(get(state, 'Type'));
          if (type === 'Task') scanTask(name, statePath, state, w, slots, notes, tasks++);
          else if (type === 'Parallel') {
            for (const branches of alternatives(get(state, 'Branches'), w)) {
              if (branches.node.kind === 'arr')
                branches.node.items.forEach((b, k) => {
                  found.push({ node: b, path: boundedStatePath(`${statePath}.Branches[${k}].`), when: branches.when });
                });
              else opaque(name, statePath, branches.node, branches.when, `${statePath}.Branches`);
            }
          } else if (type === 'Map') {
            for (const key of ['Iterator', 'ItemProcessor']) {
              const sub = get(state, key);
              if (sub) found.push({ node: sub, path: boundedStatePath(`${statePath}.${key}.`), when: w });
            }
          }
        };
        states.node.entries.forEach((stateNode, name) => {
          const statePath = `${path}States.${name}`;
          // Most states are no Fn::If: scanned as they are, without a list of one alternative.
          if (stateNode.kind !== 'if') scanState(name, statePath, stateNode, states.when);
          else for (const { node: state, when: w } of alternatives(stateNode, states.when)) scanState(name, statePath, state, w);
        });
      }
    }
    for (let k = found.length - 1; k >= 0; k--) machines.push(found[k]);
  }
  return { slots, notes };
}

/** How a node that CloudFormation fills in at deploy time is written (`${Var}`, `Ref P`…), or undefined. */
function deployTimeValue(node: Node): string | undefined {
  if (node.kind === 'scalar') return node.hole ? formatValue(node.hole.value) : undefined;
  if (node.kind === 'str' && node.holes.length > 0 && !/^\s*\{%/.test(formatParts(node.parts))) return formatParts(node.parts);
  return undefined;
}

function scanTask(state: string, statePath: string, task: Node, when: readonly When[], slots: Slot[], notes: SlotNote[], order: number): void {
  const resource = get(task, TASK_RESOURCE);
  if (resource?.kind !== 'str') return;
  // A plain-text Resource (most are) has nothing to expand.
  // (Module-level predicates, here and in resolvedText: an arrow written in place is a closure made for every task.)
  const parts = resource.holes.length === 0 && !resource.parts.some(isHole) ? resource.parts : expandParts(resource.parts);
  const shape = shapeOf(parts);
  if (LAMBDA_INVOKE.test(shape)) {
    const t: TaskScan = { state, statePath, order, credentials: credentialsOf(task), slots, notes };
    for (const container of CONTAINERS) {
      const params = get(task, container);
      // Most are no Fn::If: scanned as they are, without a list of one alternative.
      if (params === undefined) continue;
      if (params.kind !== 'if') scanParams(t, container, params, when);
      else for (const { node, when: w } of alternatives(params, when)) scanParams(t, container, node, w);
    }
    return;
  }
  // A direct Lambda invocation: the Resource is the function's ARN (or a reference to it).
  if (DIRECT_LAMBDA.test(shape) || (parts.length > 0 && isHole(parts[0]))) {
    slots.push(slotOf(state, statePath, TASK_RESOURCE, resource, order, when, credentialsOf(task)));
  }
}

/** A slot, with its credentials only when the task has some. */
function slotOf(
  state: string,
  statePath: string,
  field: Slot['field'],
  leaf: StrNode,
  order: number,
  when: readonly When[],
  credentials: Slot['credentials'],
): Slot {
  const slot: Slot = { state, statePath, field, leaf, order, when };
  if (credentials) slot.credentials = credentials;
  return slot;
}

const CONTAINERS = ['Parameters', 'Arguments'] as const;

/** A lambda:invoke task being scanned, and where its slots and notes go. */
interface TaskScan {
  state: string;
  statePath: string;
  order: number;
  credentials: Slot['credentials'];
  slots: Slot[];
  notes: SlotNote[];
}

/** The `Parameters` (or `Arguments`) of a lambda:invoke task, where the condition `w` holds: its FunctionName slot, or a note. */
function scanParams(t: TaskScan, container: (typeof CONTAINERS)[number], params: Node, w: readonly When[]): void {
  const deployTime = deployTimeValue(params);
  if (deployTime !== undefined) {
    note(t, 'deploy-time', deployTimeText(container, deployTime), w);
    return;
  }
  if (params.kind === 'str') note(t, 'dynamic', `${container} is an expression computed at run time`, w);
  if (params.kind !== 'obj') return;
  const entries = params.entries;
  if (entries.has('FunctionName.$')) note(t, 'dynamic', `${container}.FunctionName.$ is computed at run time`, w);
  const fn = entries.get('FunctionName');
  if (fn?.kind !== 'str') return;
  const field = container === 'Parameters' ? 'Parameters.FunctionName' : 'Arguments.FunctionName';
  const text = resolvedText(fn);
  if (text !== undefined && /^\s*\{%[\s\S]*%\}\s*$/.test(text)) {
    note(t, 'dynamic', `${field} is a JSONata expression computed at run time`, w);
    return;
  }
  if (entries.has('Qualifier') || entries.has('Qualifier.$')) {
    const more: Partial<SlotNote> = {
      container,
      functionName: fn,
      qualifier: entries.get('Qualifier') ?? entries.get('Qualifier.$'),
      dynamicQualifier: !entries.has('Qualifier'),
    };
    if (t.credentials) more.credentials = t.credentials;
    note(t, 'explicit-qualifier', `${container} sets an explicit Qualifier; left as it is`, w, more);
    return;
  }
  t.slots.push(slotOf(t.state, t.statePath, field, fn, t.order, w, t.credentials));
}

/** A note about the task being scanned (`more`: what an explicit Qualifier's note adds). */
function note(t: TaskScan, kind: SlotNote['kind'], message: string, w: readonly When[], more?: Partial<SlotNote>): void {
  t.notes.push({ state: t.state, statePath: t.statePath, kind, message, order: t.order, when: w, ...more });
}

/** The task's Credentials role, when it has one. */
function credentialsOf(task: Node): Slot['credentials'] {
  const credentials = get(task, 'Credentials');
  if (credentials?.kind !== 'obj') return undefined;
  const roleArn = credentials.entries.get('RoleArn');
  if (roleArn?.kind === 'str') return { roleArn };
  return credentials.entries.has('RoleArn.$') ? { dynamic: true } : undefined;
}

/** Plain text of a string node, after expanding holes whose values are text (e.g. `"Type": "${var}"`). */
function resolvedText(node: Node | undefined): string | undefined {
  const direct = textOf(node);
  if (direct !== undefined || node?.kind !== 'str') return direct;
  // A Ref, a GetAtt… stays a hole however far it is expanded: no text (most FunctionNames are one).
  if (node.parts.some(isHole) && node.parts.every(staysHole)) return undefined;
  const parts = expandParts(node.parts);
  return parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : undefined;
}

/** A text part, or a hole that expands to no text (see mayExpandToText). */
function staysHole(p: Part): boolean {
  return typeof p === 'string' || !mayExpandToText(p.hole);
}

/**
 * Whether a hole's value may expand to text: a literal, an Fn::Sub or an Fn::Join (see partsOf,
 * which keeps any other value a hole, and checks the size only of these). Looked up, not listed
 * (most are a GetAtt or a Ref): a map with more keys than the intrinsic's is let through to
 * partsOf, which keeps it a hole.
 */
function mayExpandToText(value: Json): boolean {
  return typeof value !== 'object' || value === null || hasOwn(value, SUB) || hasOwn(value, JOIN);
}

/** Text of parts with pseudo-parameter holes written as `{AWS-Partition}` and other holes as `{?}` (no colons). */
function shapeOf(parts: readonly Part[]): string {
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0].length > 256 ? '' : parts[0];
  // The ARNs it is matched against are short: a long text (a variable used by thousands of states) is not read whole.
  let chars = 0;
  let shape = '';
  for (const p of parts) {
    if (typeof p === 'string') {
      chars += p.length;
      if (chars > 256) return '';
      shape += p;
      continue;
    }
    const r = refName(p.hole);
    shape += r?.startsWith('AWS::') ? `{${r.replace('::', '-')}}` : '{?}';
  }
  return shape;
}
