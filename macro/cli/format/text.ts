/**
 * `check`'s text output: the cold paths, the invocations that fail at run time and what could not be
 * checked, for people.
 */
import { REASON_INFO, REASONS } from '../../core/targets/reasons';
import { MACRO_NAME } from '../../types';
import type { CheckResult } from '../commands/check-findings';
import { quote, safeLine } from '../safe';

export function formatText(result: CheckResult): string {
  const out: string[] = [];
  const cold = result.findings.filter((f) => f.kind === 'cold-path');
  const fails = result.findings.filter((f) => f.kind === 'fails-at-run-time');
  const unchecked = result.findings.filter((f) => f.kind === 'not-checked');
  const where = result.checked;
  if (fails.length) {
    out.push(`${fails.length} invocation${fails.length === 1 ? '' : 's'} fail${fails.length === 1 ? 's' : ''} at run time (${where}):`);
    for (const f of fails) out.push(`  ${f.stateMachine} ${f.statePath}: ${f.message}`);
  }
  const listUnchecked = (): void => {
    if (unchecked.length === 0) return;
    out.push(`${unchecked.length} place${unchecked.length === 1 ? '' : 's'} could not be checked:`);
    // (A place outside any state machine, such as an Fn::ForEach loop, is named by its template path.)
    for (const f of unchecked) out.push(`  ${quote(f.stateMachine || f.templatePath)}${f.statePath ? ` ${quote(f.statePath)}` : ''}: ${safeLine(f.message)}`);
  };
  if (cold.length === 0) {
    if (fails.length) {
      listUnchecked();
      if (where === 'as written') out.push(`Add "Transform: ${MACRO_NAME}" to the template (or fix these states) to invoke the published targets.`);
      return `${out.join('\n')}\n`;
    }
    if (unchecked.length === 0)
      return `No cold paths (${where}): every state that invokes a function needing a published target (${reasonLabels(result)}) goes through it.\n`;
    out.push(`No cold paths (${where}) among the invocations the check could read.`);
    listUnchecked();
    return `${out.join('\n')}\n`;
  }
  out.push(`${cold.length} cold path${cold.length === 1 ? '' : 's'} (${where}):`);
  for (const f of cold) out.push(`  ${quote(f.stateMachine)} ${quote(f.statePath)}: ${safeLine(f.message)}`);
  listUnchecked();
  if (where === 'as written') out.push(`Add "Transform: ${MACRO_NAME}" to the template (or fix these states) to use the warm capacity.`);
  return `${out.join('\n')}\n`;
}

/** "provisioned concurrency, SnapStart, durable, Managed Instances": the reasons the check acted on. */
function reasonLabels(result: CheckResult): string {
  return (result.reasons ?? REASONS).map((r) => REASON_INFO[r].label).join(', ');
}
