/**
 * What `verify` finds in a deployed stack: a row per Lambda task, the executions read, and what could
 * not be read. verify-stack.ts builds it; the table renders it (format/table.ts).
 */
import type { PcStatus } from '../../aws/stack';
import type { Reason } from '../../types';

export interface VerifyRow {
  stateMachine: string;
  state: string;
  statePath: string;
  invoked: string;
  function: string;
  /** '' for the unqualified ARN. */
  qualifier: string;
  status: PcStatus;
  allocated?: number;
  requested?: number;
  /** `fails`: Lambda rejects the invocation (a durable function's unqualified ARN, `$LATEST` on Managed Instances). */
  verdict: 'warm' | 'cold' | 'fails' | 'not-ready' | 'no-pc' | 'unknown';
  note?: string;
  /** Why the function needs a published target, read from its configuration (docs/reasons.md). */
  reasons?: Reason[];
}

export interface ExecutionRow {
  stateMachine: string;
  execution: string;
  state: string;
  ran: string;
  qualifier: string;
}

export interface VerifyResult {
  rows: VerifyRow[];
  executions: ExecutionRow[];
  /** State machines whose executions (`--executions`) could not be read, and why. */
  executionErrors: { stateMachine: string; message: string }[];
  /** State machines whose executions cannot be listed by design (Express), and where to find them: not a failure. */
  executionNotes?: { stateMachine: string; message: string }[];
  stateMachines: number;
}
