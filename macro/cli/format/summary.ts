/**
 * `transform`'s text summary: what the macro did (or would do, in Mode report) to each invocation,
 * and the counts, written to stderr beside the template.
 */
import { textOf, whereText } from '../../messages';
import { describeReasons } from '../../core/targets/reasons';
import { MACRO_NAME, type Decision, type Reason, type Report } from '../../types';
import { quote, safeLine } from '../safe';

/** A rewrite for a reason beyond provisioned concurrency (the summary names it; provisioned concurrency is the default). */
function beyondProvisioned(d: Decision): d is Decision & { reasons: Reason[] } {
  return d.reasons?.some((r) => r !== 'ProvisionedConcurrency') ?? false;
}

/** `transform`'s summary on stderr: one line per decision, then the counts. */
export function formatSummary(report: Report): string {
  const lines: string[] = [];
  // Names, paths and reasons quote the template: escaped and capped (cli/safe.ts).
  const line = (d: Decision): string => {
    const where = d.statePath ? `${quote(d.stateMachine)} ${quote(d.statePath)}` : quote(d.stateMachine || d.templatePath);
    if (d.action === 'rewritten')
      // A state chosen by Fn::If is rewritten once per branch: the line says which.
      return `  ${report.mode === 'report' ? 'would rewrite' : 'rewritten'}  ${where}: ${quote(d.from)} → ${quote(d.to)}${beyondProvisioned(d) ? ` (${describeReasons(d.reasons)})` : ''}${safeLine(whereText(d.when))}`;
    if (d.action === 'granted' && report.mode === 'report') return `  would grant  ${where}: ${safeLine(textOf(d, 'rewrite'))}`;
    return `  ${d.action.padEnd(9)}  ${where}: ${safeLine(d.reason)}`;
  };
  for (const d of report.decisions) lines.push(line(d));
  const s = report.summary;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  // A guardrail the macro extended (a boundary, a Deny's NotResource) has a `granted` line of its own but is
  // no grant: the counts name it apart from the IAM grants (summary.iamGrantsAdded).
  const guardrails = report.decisions.filter((d) => d.messageId === 'iam.guardrailExtended').length;
  if (report.mode === 'report') {
    lines.push(
      `${MACRO_NAME} (Mode report, nothing changed): ${plural(s.rewritten, 'invocation')} would be rewritten in ${plural(s.stateMachines, 'state machine')}; ${plural(s.iamGrantsAdded, 'IAM grant')} would be added${guardrails ? `, ${plural(guardrails, 'guardrail')} would be extended` : ''}; ${s.cold} left cold; ${plural(s.warnings, 'warning')}.`,
    );
  } else {
    lines.push(
      `${MACRO_NAME}: ${plural(s.rewritten, 'invocation')} rewritten in ${s.modifiedStateMachines} of ${plural(s.stateMachines, 'state machine')}; ${plural(s.iamGrantsAdded, 'IAM grant')} added${guardrails ? `, ${plural(guardrails, 'guardrail')} extended` : ''}; ${s.cold} left cold; ${plural(s.warnings, 'warning')}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
