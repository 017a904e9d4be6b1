/**
 * The Lambda tasks of a deployed definition, as `verify` checks them: each state that invokes a function,
 * with what it invokes, or why verify cannot tell (a function or qualifier computed at run time).
 */
import { textOf } from '../../core/definition/ast';
import { readDefinition } from '../../core/definition/read';
import { findSlots } from '../../core/definition/slots';

export interface VerifyTask {
  state: string;
  statePath: string;
  order: number;
  /** The function as invoked (name or ARN, with its qualifier if any); undefined when it cannot be told. */
  invoked?: string;
  note?: string;
}

export type DefinitionScan = ReturnType<typeof findSlots>;

/** The invocation slots of a state machine's definition (its text); throws when it cannot be read. */
export function scanDefinition(logicalId: string, definition: string): DefinitionScan {
  return findSlots(readDefinition(logicalId, 'DefinitionString', definition, undefined).root);
}

/** The tasks of a scanned definition, in the definition's order. */
export function definitionTasks(scan: DefinitionScan): VerifyTask[] {
  const tasks: VerifyTask[] = [];
  for (const slot of scan.slots)
    tasks.push({
      state: slot.state,
      statePath: slot.statePath,
      order: slot.order,
      invoked: slot.leaf.parts.map((p) => (typeof p === 'string' ? p : '?')).join(''),
    });
  // Tasks the slot finder leaves to the template's author: each is checked, or said to be unchecked.
  for (const n of scan.notes) {
    if (n.kind === 'dynamic' || n.kind === 'deploy-time') {
      tasks.push({ state: n.state, statePath: n.statePath, order: n.order, note: `${n.message}; verify cannot tell which function it invokes` });
      continue;
    }
    const fnName = textOf(n.functionName);
    const qualifier = n.dynamicQualifier ? undefined : textOf(n.qualifier);
    if (fnName !== undefined && qualifier !== undefined) {
      // `FunctionName` with an explicit `Qualifier`: Step Functions invokes that qualifier.
      tasks.push({ state: n.state, statePath: n.statePath, order: n.order, invoked: splitQualifier(fnName).qualifier ? fnName : `${fnName}:${qualifier}` });
    } else {
      tasks.push({
        state: n.state,
        statePath: n.statePath,
        order: n.order,
        note: 'its Qualifier is computed at run time; verify cannot tell which qualifier it invokes',
      });
    }
  }
  return tasks.sort((a, b) => a.order - b.order); // stable: a task with both Parameters and Arguments keeps its order
}

/** The function and the qualifier ('' for none) of an invoked name or ARN. */
export function splitQualifier(invoked: string): { fn: string; qualifier: string } {
  // arn:aws:lambda:region:account:function:name[:qualifier], account:function:name[:q], or name[:q]
  const parts = invoked.split(':');
  const at = parts.indexOf('function');
  if (at >= 0) {
    const fn = parts.slice(0, at + 2).join(':');
    return { fn, qualifier: parts[at + 2] ?? '' };
  }
  return parts.length === 2 ? { fn: parts[0], qualifier: parts[1] } : { fn: invoked, qualifier: '' };
}
