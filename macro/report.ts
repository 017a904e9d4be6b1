/**
 * What a modified state machine records in `Metadata.WarmStepFunctions`, so that the processed
 * template shows what changed. (The report itself is built by `mode.ts`; its texts are in
 * `messages.ts`.)
 */
import type { Json } from './types';
import { formatCycle } from './dependencies';
import type { Edit } from './definition/edit';

/** The `Metadata.WarmStepFunctions` entries of one state machine. */
export function metadataEntries(edits: Edit[]): Json[] {
  return edits.map((e) => ({
    state: e.slot.state,
    path: e.slot.statePath,
    from: e.from,
    to: e.to,
    ...(e.cycle ? { why: `literal ARN: a reference would make a circular dependency (${formatCycle(e.cycle)})` } : {}),
  }));
}
