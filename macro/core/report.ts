/**
 * What a modified state machine records in `Metadata.WarmStepFunctions`, so that the processed
 * template shows what changed. (The report itself is built by `mode.ts`; its texts are in
 * `messages.ts`.)
 */
import type { Json } from '../types';
import { formatCycle } from './template/dependencies';
import { capText, formatCount, LIMITS } from '../limits';
import { render } from '../messages';
import type { Edit } from './definition/edit';

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
    ...(e.slot.when?.length ? { when: e.slot.when.map((w) => ({ condition: w.condition, value: w.value })) } : {}),
    ...(e.cycle ? { why: capText(`literal ARN: a reference would make a circular dependency (${formatCycle(e.cycle)})`, LIMITS.reasonText) } : {}),
  }));
  if (edits.length > LIMITS.metadataEntries) {
    entries.push({ omitted: edits.length - LIMITS.metadataEntries, why: render('limit.metadataOmitted', { limit: formatCount(LIMITS.metadataEntries) }) });
  }
  return entries;
}
