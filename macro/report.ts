/**
 * Step 8 of the pipeline: the report. Every decision the macro makes is recorded here; the
 * Lambda edge logs each as one JSON line, the CLI prints them, and modified state machines get
 * `Metadata.WarmStepFunctions` so the processed template shows what changed.
 */
import type { Decision, Json, Report } from './types';
import { formatCycle } from './dependencies';
import { capText, formatCount, LIMITS } from './limits';
import type { Edit } from './rewrite';

export class ReportBuilder {
  readonly decisions: Decision[] = [];
  private stateMachines = 0;
  private modified = 0;
  private grants = 0;

  add(d: Decision): void {
    this.decisions.push(d);
  }

  stateMachine(modified: boolean, grantsAdded: number): void {
    this.stateMachines++;
    if (modified) this.modified++;
    this.grants += grantsAdded;
  }

  build(mode: Report['mode']): Report {
    const count = (a: Decision['action']): number => this.decisions.filter((d) => d.action === a).length;
    return {
      mode,
      decisions: this.decisions,
      summary: {
        stateMachines: this.stateMachines,
        modifiedStateMachines: this.modified,
        rewritten: count('rewritten'),
        cold: count('cold'),
        warnings: count('warning'),
        iamGrantsAdded: this.grants,
      },
    };
  }
}

/**
 * The `Metadata.WarmStepFunctions` entries of one state machine. Bounded, so that the reply stays
 * within Lambda's limit however deep and long-named the states are: each text is shortened in
 * the middle past `LIMITS.reportText` characters, and past `LIMITS.metadataEntries` entries one
 * last entry counts the rest (the CLI and the log lines list every rewrite).
 */
export function metadataEntries(edits: Edit[]): Json[] {
  const entries: Json[] = edits.slice(0, LIMITS.metadataEntries).map((e) => ({
    state: capText(e.slot.state),
    path: capText(e.slot.statePath),
    from: capText(e.from),
    to: capText(e.to),
    ...(e.cycle ? { why: capText(`literal ARN: a reference would make a circular dependency (${formatCycle(e.cycle)})`, LIMITS.reasonText) } : {}),
  }));
  if (edits.length > LIMITS.metadataEntries) {
    entries.push({ omitted: edits.length - LIMITS.metadataEntries, why: `at most ${formatCount(LIMITS.metadataEntries)} entries are recorded here` });
  }
  return entries;
}
