/**
 * Step 8 of the pipeline: the report. Every decision the macro makes is recorded here; the
 * Lambda edge logs each as one JSON line, the CLI prints them, and modified state machines get
 * `Metadata.WarmStepFunctions` so the processed template shows what changed.
 */
import type { Decision, Json, Report } from './types';
import { formatCycle } from './dependencies';
import type { Edit } from './rewrite';

export class ReportBuilder {
  readonly decisions: Decision[] = [];
  private stateMachines = 0;
  private modified = 0;
  private grants = 0;

  add(d: Decision): void {
    // A state chosen by Fn::If: the reason says in which branch (two branches may decide differently).
    if (d.when?.length) d = { ...d, reason: `${d.reason} (where ${d.when.map((w) => `${w.condition} is ${w.value}`).join(' and ')}: Fn::If, resolved at deploy time)` };
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

/** The `Metadata.WarmStepFunctions` entries of one state machine. */
export function metadataEntries(edits: Edit[]): Json[] {
  return edits.map((e) => ({
    state: e.slot.state,
    path: e.slot.statePath,
    from: e.from,
    to: e.to,
    ...(e.slot.when?.length ? { when: e.slot.when.map((w) => ({ condition: w.condition, value: w.value })) } : {}),
    ...(e.cycle ? { why: `literal ARN: a reference would make a circular dependency (${formatCycle(e.cycle)})` } : {}),
  }));
}
