/**
 * An edit of one invocation slot: what the decision (`decide/slot.ts`) produces and what the writer
 * (`write.ts`), the dependency check and the report consume. It lives here, below all of them, so
 * that no arrow runs back up the pipeline.
 */
import type { WarmTarget } from '../targets/find';
import type { Json, Reason } from '../../types';
import type { Slot } from './slots';

export interface Edit {
  slot: Slot;
  /** The slot's new content. */
  value: Json;
  /** What IAM must allow: each new target (guarded like the slot), with the function it belongs to. */
  grants: { fn?: string; value: Json; unqualified?: Json }[];
  fn?: string;
  target?: WarmTarget;
  /** Why the invocation must use the new target (provisioned concurrency, SnapStart, durable, Managed Instances). */
  reasons: Reason[];
  /** The slot named `:$LATEST` explicitly (which changes what it did: see consequenceOf in macro/core/targets/reasons.ts). */
  latest?: boolean;
  from: string;
  to: string;
  /**
   * Set when the target is written as its literal ARN: a reference to it would have closed this
   * circular dependency (`[StateMachine, Target, …, StateMachine]`).
   */
  cycle?: string[];
}
