/**
 * Step 4 of the pipeline: find the invocation slots of a definition.
 *
 * States are visited at every depth (Parallel `Branches`, Map `Iterator` and `ItemProcessor`)
 * with an explicit stack. A slot is a string that Step Functions uses as the function to invoke:
 * - a Task's `Resource`, when it is a Lambda function ARN;
 * - `Parameters.FunctionName` (JSONPath) or `Arguments.FunctionName` (JSONata) of a Task whose
 *   `Resource` is `arn:<partition>:states:::lambda:invoke` or `...lambda:invoke.waitForTaskToken`.
 */
import { expandParts, isHole, type Part } from '../cfn/parts';
import { get, textOf, type Node, type StrNode } from './ast';
import type { Shape } from './parse';
import { refName } from '../cfn/intrinsics';
import { boundedStatePath } from '../limits';

export interface Slot {
  state: string;
  /** Path of the state in the definition, e.g. `States.Fan.Branches[0].States.Work`. */
  statePath: string;
  field: 'Resource' | 'Parameters.FunctionName' | 'Arguments.FunctionName';
  leaf: StrNode;
  /** The task's place in document order (slots and notes of one scan share the count). */
  order: number;
}

/** Something about a Task that the macro cannot or will not decide from the template. */
export interface SlotNote {
  state: string;
  statePath: string;
  kind: 'dynamic' | 'explicit-qualifier';
  message: string;
  /** explicit-qualifier: the FunctionName, and the Qualifier (a string node, or another node). */
  functionName?: StrNode;
  qualifier?: Node;
  /** explicit-qualifier: the Qualifier is `Qualifier.$`, a path computed at run time. */
  dynamicQualifier?: boolean;
  /** The task's place in document order (slots and notes of one scan share the count). */
  order: number;
}

export interface SlotScan {
  slots: Slot[];
  notes: SlotNote[];
}

/** The keys whose string values findSlots reads; definition readers may drop every other string. */
export const SLOT_KEYS: ReadonlySet<string> = new Set(['Type', 'Resource', 'FunctionName', 'Qualifier', 'Parameters', 'Arguments']);

/**
 * The part of a definition that findSlots reads: the States of every state machine at any depth
 * (Parallel Branches, Map Iterator and ItemProcessor), each state's Type and Resource, and its
 * Parameters or Arguments (an expression string, or an object whose FunctionName and Qualifier
 * are read and whose other keys are only looked up). Definition readers may drop everything else.
 */
export const SLOT_SHAPE: Shape = (() => {
  const machine: { children?: ReadonlyMap<string, Shape> } = {};
  const params: Shape = { strings: new Set(['FunctionName', 'Qualifier']) };
  const state: Shape = {
    strings: new Set(['Type', 'Resource', 'Parameters', 'Arguments']),
    children: new Map<string, Shape>([
      ['Parameters', params],
      ['Arguments', params],
      ['Branches', { items: machine }],
      ['Iterator', machine],
      ['ItemProcessor', machine],
    ]),
  };
  machine.children = new Map([['States', { other: state }]]);
  return machine;
})();

const LAMBDA_INVOKE = /^arn:(?:aws[a-z-]*|\{AWS-Partition\}):states:::lambda:invoke(?:\.waitForTaskToken)?$/;

export function findSlots(root: Node): SlotScan {
  const slots: Slot[] = [];
  const notes: SlotNote[] = [];
  const machines: { node: Node; path: string }[] = [{ node: root, path: '' }];
  let tasks = 0;
  while (machines.length) {
    const { node, path } = machines.pop()!;
    const states = get(node, 'States');
    if (states?.kind !== 'obj') continue;
    // Visit in document order: push in reverse so that the stack pops them in order.
    const entries = [...states.entries];
    const found: { node: Node; path: string }[] = [];
    for (const [name, state] of entries) {
      const statePath = `${path}States.${name}`;
      const type = resolvedText(get(state, 'Type'));
      if (type === 'Task') scanTask(name, statePath, state, slots, notes, tasks++);
      else if (type === 'Parallel') {
        const branches = get(state, 'Branches');
        if (branches?.kind === 'arr') branches.items.forEach((b, k) => found.push({ node: b, path: boundedStatePath(`${statePath}.Branches[${k}].`) }));
      } else if (type === 'Map') {
        for (const key of ['Iterator', 'ItemProcessor']) {
          const sub = get(state, key);
          if (sub) found.push({ node: sub, path: boundedStatePath(`${statePath}.${key}.`) });
        }
      }
    }
    for (let k = found.length - 1; k >= 0; k--) machines.push(found[k]);
  }
  return { slots, notes };
}

function scanTask(state: string, statePath: string, task: Node, slots: Slot[], notes: SlotNote[], order: number): void {
  const resource = get(task, 'Resource');
  if (resource?.kind !== 'str') return;
  const parts = expandParts(resource.parts);
  const shape = shapeOf(parts);
  if (LAMBDA_INVOKE.test(shape)) {
    for (const container of ['Parameters', 'Arguments'] as const) {
      const params = get(task, container);
      if (params === undefined) continue;
      const field = `${container}.FunctionName` as const;
      if (params.kind === 'str') {
        notes.push({ state, statePath, kind: 'dynamic', message: `${container} is an expression computed at run time`, order });
        continue;
      }
      if (params.kind !== 'obj') continue;
      if (params.entries.has('FunctionName.$')) {
        notes.push({ state, statePath, kind: 'dynamic', message: `${container}.FunctionName.$ is computed at run time`, order });
      }
      const fn = params.entries.get('FunctionName');
      if (fn?.kind !== 'str') continue;
      const text = resolvedText(fn);
      if (text !== undefined && /^\s*\{%[\s\S]*%\}\s*$/.test(text)) {
        notes.push({ state, statePath, kind: 'dynamic', message: `${field} is a JSONata expression computed at run time`, order });
        continue;
      }
      if (params.entries.has('Qualifier') || params.entries.has('Qualifier.$')) {
        const qualifier = params.entries.get('Qualifier') ?? params.entries.get('Qualifier.$');
        const dynamicQualifier = !params.entries.has('Qualifier');
        notes.push({ state, statePath, kind: 'explicit-qualifier', message: `${container} sets an explicit Qualifier; left as it is`, functionName: fn, qualifier, dynamicQualifier, order });
        continue;
      }
      slots.push({ state, statePath, field, leaf: fn, order });
    }
    return;
  }
  // A direct Lambda invocation: the Resource is the function's ARN (or a reference to it).
  if (/^arn:[^:]*:lambda:/.test(shape) || (parts.length > 0 && isHole(parts[0]))) {
    slots.push({ state, statePath, field: 'Resource', leaf: resource, order });
  }
}

/** Plain text of a string node, after expanding holes whose values are text (e.g. `"Type": "${var}"`). */
function resolvedText(node: Node | undefined): string | undefined {
  const direct = textOf(node);
  if (direct !== undefined || node?.kind !== 'str') return direct;
  const parts = expandParts(node.parts);
  return parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : undefined;
}

/** Text of parts with pseudo-parameter holes written as `{AWS-Partition}` and other holes as `{?}` (no colons). */
function shapeOf(parts: readonly Part[]): string {
  // The ARNs it is matched against are short: a long text (a variable used by thousands of states) is not read whole.
  let chars = 0;
  for (const p of parts) if (typeof p === 'string' && (chars += p.length) > 256) return '';
  return parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const r = refName(p.hole);
      return r && r.startsWith('AWS::') ? `{${r.replace('::', '-')}}` : '{?}';
    })
    .join('');
}

