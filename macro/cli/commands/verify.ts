/**
 * `warm-step-functions verify --stack NAME [--region R] [--profile P] [--json] [--executions N] [--timeout S]`
 *
 * Checks a deployed stack: for every Lambda task of every state machine in the stack, which
 * qualifier it invokes and whether provisioned concurrency serves it. With `--executions N`, it
 * also reads the last N executions' history and shows which qualified ARN each task really ran
 * (what one would otherwise look up by hand in CloudWatch Logs).
 *
 * A failure that concerns one state machine (it was deleted meanwhile, access to it is denied,
 * its definition cannot be read, a request timed out) is reported on that machine's row; the
 * others are still checked. A task whose function is computed at run time (`FunctionName.$`,
 * JSONata) is reported as not checked. Express state machines keep no execution history that
 * Step Functions can list: with `--executions`, the report says where their executions are logged
 * (their CloudWatch Logs log group), and that alone is no failure.
 *
 * A task that invokes a function without provisioned concurrency unqualified (or `$LATEST`) is judged by
 * the function's configuration too (GetFunctionConfiguration, docs/reasons.md): SnapStart makes it a cold
 * path; a durable function, or `$LATEST` of a Managed Instances function, fails at run time (exit 3).
 *
 * Exit codes: 3 when a task invokes a function in a way Lambda rejects at run time; 1 when a task reaches a function that has provisioned concurrency through
 * `$LATEST`, the unqualified ARN or a qualifier without it, or through an alias whose
 * provisioned concurrency is not READY; 0 otherwise; 2 for usage or credential errors, and when
 * a task or the requested executions could not be checked (the table is printed first).
 */
import {
  aliasVersion,
  defaultClients,
  DEFAULT_TIMEOUT_S,
  describeStateMachine,
  executionHistory,
  functionConfiguration,
  lastExecutions,
  listPc,
  qualifierPc,
  stackStateMachines,
  type ClientOptions,
  type DescribeStateMachineCommandOutput,
  type HistoryEvent,
  type PcInfo,
  type PcStatus,
  type VerifyClients,
} from '../../aws/stack';
import { formatTable } from '../format/table';
import type { ExecutionRow, VerifyResult, VerifyRow } from './verify-result';
import { consequenceOf, describeReasons, REASON_INFO } from '../../core/targets/reasons';
import type { Reason } from '../../types';
import { textOf } from '../../core/definition/ast';
import { readDefinition } from '../../core/definition/read';
import { findSlots } from '../../core/definition/slots';
import { parseCommand, UsageError } from '../args';
import { COMMANDS, otherOptions, VERIFY_USAGE, VERSION } from '../commands';
import type { Io } from '../io';

export type { PcStatus, VerifyClients };
export { DEFAULT_TIMEOUT_S, formatTable };

export type { ExecutionRow, VerifyResult, VerifyRow };

export async function verifyStack(stack: string, clients: VerifyClients, opts: { executions?: number } = {}): Promise<VerifyResult> {
  const machines = await stackStateMachines(clients.cloudformation, stack);

  const functionPc = new Map<string, Promise<Map<string, PcInfo>>>();
  const pcOf = (fn: string): Promise<Map<string, PcInfo>> => {
    let p = functionPc.get(fn);
    if (!p) {
      p = listPc(clients.lambda, fn);
      functionPc.set(fn, p);
    }
    return p;
  };

  const functionReasons = new Map<string, Promise<Reason[]>>();
  const reasonsOf = (fn: string): Promise<Reason[]> => {
    let p = functionReasons.get(fn);
    if (!p) {
      p = readReasons(clients.lambda, fn);
      functionReasons.set(fn, p);
    }
    return p;
  };

  const rows: VerifyRow[] = [];
  const executions: ExecutionRow[] = [];
  const executionErrors: VerifyResult['executionErrors'] = [];
  const executionNotes: NonNullable<VerifyResult['executionNotes']> = [];
  for (const m of machines) {
    const machineRow = (note: string): VerifyRow => ({
      stateMachine: m.logicalId,
      state: '',
      statePath: '',
      invoked: '',
      function: '',
      qualifier: '',
      status: 'none',
      verdict: 'unknown',
      note,
    });
    let described: DescribeStateMachineCommandOutput;
    try {
      described = await describeStateMachine(clients.sfn, m.arn);
    } catch (e) {
      // One machine deleted meanwhile, or denied: its row says so, the others are still checked.
      rows.push(machineRow(describeMachineError(e, m.arn)));
      continue;
    }
    const definition = described.definition ?? '{}';
    let scan;
    try {
      scan = findSlots(readDefinition(m.logicalId, 'DefinitionString', definition, undefined).root);
    } catch (e) {
      rows.push(machineRow(`cannot read definition: ${(e as Error).message}`));
      continue;
    }
    const tasks: { state: string; statePath: string; order: number; invoked?: string; note?: string }[] = [];
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
    tasks.sort((a, b) => a.order - b.order); // stable: a task with both Parameters and Arguments keeps its order
    for (const task of tasks) {
      if (task.invoked === undefined) {
        rows.push({
          stateMachine: m.logicalId,
          state: task.state,
          statePath: task.statePath,
          invoked: '',
          function: '',
          qualifier: '',
          status: 'none',
          verdict: 'unknown',
          note: task.note,
        });
        continue;
      }
      const invoked = task.invoked;
      const { fn, qualifier } = splitQualifier(invoked);
      const base = { stateMachine: m.logicalId, state: task.state, statePath: task.statePath, invoked, function: fn, qualifier };
      try {
        const all = await pcOf(fn);
        if (qualifier === '' || qualifier === '$LATEST') {
          if (all.size === 0) {
            // No provisioned concurrency: the function's own configuration may still need a published target.
            const reasons = await reasonsOf(fn);
            if (reasons.length) {
              rows.push({ ...base, status: 'none', reasons, ...unqualifiedVerdict(reasons, qualifier === '$LATEST') });
              continue;
            }
          }
          rows.push({
            ...base,
            status: 'none',
            verdict: all.size > 0 ? 'cold' : 'no-pc',
            note: all.size > 0 ? `provisioned concurrency is on ${[...all.keys()].join(', ')}` : undefined,
          });
          continue;
        }
        let info = all.get(qualifier) ?? (await qualifierPc(clients.lambda, fn, qualifier));
        const isAlias = !/^\d+$/.test(qualifier) ? await aliasVersion(clients.lambda, fn, qualifier) : undefined;
        const note = isAlias ? `alias → version ${isAlias}` : undefined;
        // Provisioned concurrency on the version an alias points to also serves the alias.
        if (info.status === 'none' && isAlias && all.has(isAlias)) info = all.get(isAlias)!;
        if (info.status === 'none') {
          rows.push({
            ...base,
            ...info,
            verdict: all.size > 0 ? 'cold' : 'no-pc',
            note: all.size > 0 ? `provisioned concurrency is on ${[...all.keys()].join(', ')}` : note,
          });
        } else {
          rows.push({ ...base, ...info, verdict: info.status === 'READY' ? 'warm' : 'not-ready', note });
        }
      } catch (e) {
        rows.push({ ...base, status: 'none', verdict: 'unknown', note: describe(e) });
      }
    }
    if (opts.executions && opts.executions > 0) {
      if (described.type === 'EXPRESS') {
        executionNotes.push({ stateMachine: m.logicalId, message: expressNote(described) });
        continue;
      }
      // A denied or failed history read spoils only this machine's part of the report.
      try {
        await executionRows(clients.sfn, m.logicalId, m.arn, opts.executions, executions);
      } catch (e) {
        executionErrors.push({ stateMachine: m.logicalId, message: describeSfn(e) });
      }
    }
  }
  return { rows, executions, executionErrors, executionNotes, stateMachines: machines.length };
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

function describeMachineError(e: unknown, arn: string): string {
  const name = (e as Error)?.name ?? 'Error';
  if (name === 'StateMachineDoesNotExist') return `state machine ${arn} does not exist (deleted since the stack was deployed?)`;
  if (name === 'AccessDeniedException') return 'access denied to the Step Functions API (needs states:DescribeStateMachine)';
  return timeoutOr(e, `${name}: ${(e as Error)?.message ?? String(e)}`);
}

function timeoutOr(e: unknown, otherwise: string): string {
  const name = (e as Error)?.name ?? '';
  if (name === 'TimeoutError' || (e as { code?: string })?.code === 'ETIMEDOUT') {
    const attempts = (e as { $metadata?: { attempts?: number } })?.$metadata?.attempts;
    return `timed out: no answer within --timeout${attempts ? ` (${attempts} attempt${attempts === 1 ? '' : 's'})` : ''}`;
  }
  return otherwise;
}

function splitQualifier(invoked: string): { fn: string; qualifier: string } {
  // arn:aws:lambda:region:account:function:name[:qualifier], account:function:name[:q], or name[:q]
  const parts = invoked.split(':');
  const at = parts.indexOf('function');
  if (at >= 0) {
    const fn = parts.slice(0, at + 2).join(':');
    return { fn, qualifier: parts[at + 2] ?? '' };
  }
  return parts.length === 2 ? { fn: parts[0], qualifier: parts[1] } : { fn: invoked, qualifier: '' };
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

/** The function a history event scheduled: a direct Lambda task, or a lambda:invoke integration. */
function ranArn(ev: HistoryEvent): string | undefined {
  if (ev.lambdaFunctionScheduledEventDetails?.resource) return ev.lambdaFunctionScheduledEventDetails.resource;
  const t = ev.taskScheduledEventDetails;
  if (t && t.resourceType === 'lambda' && t.resource?.startsWith('invoke') && t.parameters) {
    try {
      const p = JSON.parse(t.parameters) as { FunctionName?: unknown };
      return typeof p.FunctionName === 'string' ? p.FunctionName : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function describeSfn(e: unknown): string {
  const name = (e as Error)?.name ?? 'Error';
  if (name === 'AccessDeniedException') return 'access denied to the Step Functions API (needs states:ListExecutions and states:GetExecutionHistory)';
  return timeoutOr(e, `${name}: ${(e as Error)?.message ?? String(e)}`);
}

/** The reasons in a function's configuration (GetFunctionConfiguration); none when it cannot be read. */
async function readReasons(lambda: VerifyClients['lambda'], fn: string): Promise<Reason[]> {
  try {
    const c = await functionConfiguration(lambda, fn);
    const out: Reason[] = [];
    if (c?.SnapStart?.ApplyOn === 'PublishedVersions') out.push('SnapStart');
    if (c?.DurableConfig) out.push('Durable');
    if (c?.CapacityProviderConfig) out.push('ManagedInstances');
    return out;
  } catch {
    return [];
  }
}

/** What an unqualified (or `$LATEST`) task does for these reasons, with the note that says why. */
function unqualifiedVerdict(reasons: Reason[], latest: boolean): Pick<VerifyRow, 'verdict' | 'note'> {
  const consequence = consequenceOf(reasons, latest);
  const info =
    REASON_INFO[
      reasons.find((r) => REASON_INFO[r].consequence === consequence) ?? (latest && reasons.includes('ManagedInstances') ? 'ManagedInstances' : reasons[0])
    ];
  const why = latest && info.reason === 'ManagedInstances' ? 'Lambda never invokes $LATEST of a Managed Instances function' : `that call ${info.unqualified}`;
  const note = `${describeReasons(reasons)} (${info.property}): ${why}; invoke a published version or alias`;
  return { verdict: consequence === 'fails' ? 'fails' : consequence === 'cold' ? 'cold' : 'no-pc', note };
}

function describe(e: unknown): string {
  const name = (e as Error)?.name ?? 'Error';
  if (name === 'AccessDeniedException') return 'access denied to the Lambda API';
  if (name === 'ResourceNotFoundException') return 'function not found';
  return timeoutOr(e, `${name}: ${(e as Error)?.message ?? String(e)}`);
}

// ---------------------------------------------------------------------------------------------
// Command line

/**
 * 3 for an invocation Lambda rejects at run time (as `check`); 1 for a cold path or provisioned concurrency that
 * is not READY; 2 when some task or some executions could not be checked; else 0.
 */
export function exitCode(result: VerifyResult): number {
  if (result.rows.some((r) => r.verdict === 'fails')) return 3;
  if (result.rows.some((r) => r.verdict === 'cold' || r.verdict === 'not-ready')) return 1;
  return result.rows.some((r) => r.verdict === 'unknown') || result.executionErrors.length > 0 ? 2 : 0;
}

export type VerifyOptions = ClientOptions;

export type MakeClients = (region?: string, profile?: string, options?: VerifyOptions) => VerifyClients;

export async function runVerify(argv: string[], io: Io, makeClients: MakeClients = defaultClients): Promise<number> {
  let stack: string;
  let region: string | undefined;
  let profile: string | undefined;
  let json: boolean;
  let executions = 0;
  let timeoutS = DEFAULT_TIMEOUT_S;
  try {
    const { values, positionals } = parseCommand('verify', argv, COMMANDS.verify.options, otherOptions('verify'));
    if (values.help) {
      io.stdout(`${VERIFY_USAGE}\n`);
      return 0;
    }
    if (values.version) {
      io.stdout(`${VERSION}\n`);
      return 0;
    }
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]} (the stack goes after --stack)`);
    if (typeof values.stack !== 'string' || values.stack === '') throw new UsageError('verify needs --stack NAME');
    stack = values.stack;
    region = values.region as string | undefined;
    profile = values.profile as string | undefined;
    json = values.json === true;
    if (values.executions !== undefined) {
      executions = Number(values.executions);
      if (!/^\d+$/.test(String(values.executions)) || executions < 1) throw new UsageError('--executions takes a positive whole number');
    }
    if (values.timeout !== undefined) {
      timeoutS = Number(values.timeout);
      if (!/^\d+(\.\d+)?$/.test(String(values.timeout)) || !(timeoutS > 0)) throw new UsageError('--timeout takes a positive number of seconds');
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`error: ${e.message}\n\n${VERIFY_USAGE}\n`);
    return 2;
  }
  let result: VerifyResult;
  try {
    result = await verifyStack(stack, makeClients(region, profile, { timeoutS }), { executions });
  } catch (e) {
    io.stderr(`error: ${credentialMessage(e, stack)}\n`);
    return 2;
  }
  io.stdout(json ? `${JSON.stringify(result, null, 2)}\n` : formatTable(result));
  const code = exitCode(result);
  if (code === 2) {
    const what = [
      result.rows.some((r) => r.verdict === 'unknown') ? 'some tasks could not be checked (see "not checked" above)' : '',
      result.executionErrors.length ? 'some executions could not be read (see "executions not read" above)' : '',
    ];
    io.stderr(`error: ${what.filter(Boolean).join('; ')}\n`);
  }
  return code;
}

function credentialMessage(e: unknown, stack: string): string {
  const name = (e as Error)?.name ?? '';
  const message = (e as Error)?.message ?? String(e);
  if (name === 'TimeoutError') return timeoutOr(e, message).replace(/^timed out/, 'CloudFormation timed out');
  if (name === 'CredentialsProviderError' || /credential/i.test(message))
    return `no AWS credentials: ${message} (set AWS_PROFILE, use --profile, or configure credentials)`;
  if (/region/i.test(message) && /missing/i.test(message)) return 'no AWS region: pass --region or set AWS_REGION';
  if (name === 'ValidationError' && /does not exist/.test(message)) return `stack ${stack} does not exist in this account and region`;
  if (name === 'AccessDenied' || name === 'AccessDeniedException') return `access denied: ${message}`;
  return `${name || 'error'}: ${message}`;
}
