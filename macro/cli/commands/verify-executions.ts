/**
 * `verify --executions N`: what each task of the last N executions really ran, read from their history
 * (the "look at the logs" step). Express state machines keep no history that Step Functions can list: the
 * report says where their executions are logged instead.
 */
import { type DescribeStateMachineCommandOutput, executionHistory, type HistoryEvent, lastExecutions, type VerifyClients } from '../../aws/stack';
import { describeExecutionsError } from './verify-errors';
import type { ExecutionRow, VerifyResult } from './verify-result';
import { splitQualifier } from './verify-tasks';

/**
 * The last `n` executions of one state machine into `result`: their rows, or why they could not be read
 * (that spoils only this machine's part of the report), or, for an Express machine, where they are logged.
 */
export async function machineExecutions(
  sfn: VerifyClients['sfn'],
  machine: { logicalId: string; arn: string },
  described: DescribeStateMachineCommandOutput,
  n: number,
  result: Pick<VerifyResult, 'executions' | 'executionErrors'> & { executionNotes: NonNullable<VerifyResult['executionNotes']> },
): Promise<void> {
  if (described.type === 'EXPRESS') {
    result.executionNotes.push({ stateMachine: machine.logicalId, message: expressNote(described) });
    return;
  }
  try {
    await executionRows(sfn, machine.logicalId, machine.arn, n, result.executions);
  } catch (e) {
    result.executionErrors.push({ stateMachine: machine.logicalId, message: describeExecutionsError(e) });
  }
}

/** Express executions are not listed by Step Functions; they are in the log group when logging includes execution data. */
function expressNote(d: DescribeStateMachineCommandOutput): string {
  const group = d.loggingConfiguration?.destinations?.map((x) => x.cloudWatchLogsLogGroup?.logGroupArn).find((a) => a);
  const level = d.loggingConfiguration?.level ?? 'OFF';
  if (!group || level === 'OFF')
    return 'executions not listable: Express; Step Functions keeps no execution history for Express state machines, and this one logs nothing (turn on logging at level ALL with execution data to see which qualifier each task ran)';
  const data = level === 'ALL' && d.loggingConfiguration?.includeExecutionData;
  return `executions not listable: Express; see log group ${group.replace(/:\*$/, '')}${data ? ' (level ALL, with execution data: each TaskScheduled or LambdaFunctionScheduled event names the ARN a task invoked)' : ` (level ${level}${d.loggingConfiguration?.includeExecutionData ? '' : ', without execution data'}: it does not show which qualifier each task ran)`}`;
}

/** Appends to `rows` as it reads, so that what was read before a failure is kept. */
async function executionRows(sfn: VerifyClients['sfn'], logicalId: string, arn: string, n: number, rows: ExecutionRow[]): Promise<void> {
  for (const ex of await lastExecutions(sfn, arn, n)) {
    const byId = new Map<number, HistoryEvent>();
    for await (const events of executionHistory(sfn, ex.executionArn)) {
      for (const ev of events) {
        if (ev.id !== undefined) byId.set(ev.id, ev);
        const ran = ranArn(ev);
        if (ran)
          rows.push({
            stateMachine: logicalId,
            execution: ex.name ?? ex.executionArn ?? '',
            state: enteringState(ev, byId),
            ran,
            qualifier: splitQualifier(ran).qualifier,
          });
      }
    }
  }
}

/** The state an event belongs to: follow previousEventId back to the event that entered it (Parallel and Map interleave). */
function enteringState(ev: HistoryEvent, byId: Map<number, HistoryEvent>): string {
  let cur: HistoryEvent | undefined = ev;
  for (let hops = 0; cur && hops < 10_000; hops++) {
    if (cur.stateEnteredEventDetails?.name) return cur.stateEnteredEventDetails.name;
    cur = cur.previousEventId !== undefined ? byId.get(cur.previousEventId) : undefined;
  }
  return '?';
}

/**
 * The service names (`resourceType`) of a TaskScheduled event whose `invoke` action (also `.waitForTaskToken`)
 * calls Lambda's Invoke: the optimized integration (`arn:aws:states:::lambda:invoke`) and the AWS SDK one
 * (`arn:aws:states:::aws-sdk:lambda:invoke`), which the macro rewrites alike (definition/slots.ts).
 */
const INVOKE_SERVICES = new Set(['lambda', 'aws-sdk:lambda']);

/**
 * The function a history event scheduled: a direct Lambda task, or a Lambda Invoke integration. Lambda's
 * Invoke takes the qualifier in FunctionName or in a Qualifier beside it: an unqualified FunctionName with
 * a Qualifier ran `FunctionName:Qualifier`.
 */
function ranArn(ev: HistoryEvent): string | undefined {
  if (ev.lambdaFunctionScheduledEventDetails?.resource) return ev.lambdaFunctionScheduledEventDetails.resource;
  const t = ev.taskScheduledEventDetails;
  if (t && INVOKE_SERVICES.has(t.resourceType ?? '') && (t.resource === 'invoke' || t.resource?.startsWith('invoke.')) && t.parameters) {
    try {
      const p = JSON.parse(t.parameters) as { FunctionName?: unknown; Qualifier?: unknown };
      if (typeof p.FunctionName !== 'string') return undefined;
      if (typeof p.Qualifier === 'string' && p.Qualifier !== '' && splitQualifier(p.FunctionName).qualifier === '') return `${p.FunctionName}:${p.Qualifier}`;
      return p.FunctionName;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
