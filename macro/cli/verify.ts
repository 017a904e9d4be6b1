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
import { CloudFormationClient, ListStackResourcesCommand, type ListStackResourcesCommandOutput } from '@aws-sdk/client-cloudformation';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  type ListProvisionedConcurrencyConfigsCommandOutput,
} from '@aws-sdk/client-lambda';
import { consequenceOf, describeReasons, REASON_INFO } from '../reasons';
import type { Reason } from '../types';
import {
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  type DescribeStateMachineCommandOutput,
  type ExecutionListItem,
  type GetExecutionHistoryCommandOutput,
  type HistoryEvent,
  type ListExecutionsCommandOutput,
} from '@aws-sdk/client-sfn';
import { textOf } from '../definition/ast';
import { readDefinition } from '../definition/read';
import { findSlots } from '../definition/slots';
import { parseCommand, UsageError } from './args';
import { COMMANDS, otherOptions, VERIFY_USAGE, VERSION } from './commands';
import type { Io } from './io';

export interface VerifyClients {
  cloudformation: CloudFormationClient;
  sfn: SFNClient;
  lambda: LambdaClient;
}

export type PcStatus = 'READY' | 'IN_PROGRESS' | 'FAILED' | 'none';

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

interface PcInfo {
  status: PcStatus;
  allocated?: number;
  requested?: number;
}

export async function verifyStack(stack: string, clients: VerifyClients, opts: { executions?: number } = {}): Promise<VerifyResult> {
  const machines: { logicalId: string; arn: string }[] = [];
  let token: string | undefined;
  do {
    const page: ListStackResourcesCommandOutput = await clients.cloudformation.send(new ListStackResourcesCommand({ StackName: stack, NextToken: token }));
    for (const r of page.StackResourceSummaries ?? []) {
      if (r.ResourceType === 'AWS::StepFunctions::StateMachine' && r.PhysicalResourceId && r.LogicalResourceId) {
        machines.push({ logicalId: r.LogicalResourceId, arn: r.PhysicalResourceId });
      }
    }
    token = page.NextToken;
  } while (token);

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
    const machineRow = (note: string): VerifyRow => ({ stateMachine: m.logicalId, state: '', statePath: '', invoked: '', function: '', qualifier: '', status: 'none', verdict: 'unknown', note });
    let described: DescribeStateMachineCommandOutput;
    try {
      described = await clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: m.arn }));
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
    for (const slot of scan.slots) tasks.push({ state: slot.state, statePath: slot.statePath, order: slot.order, invoked: slot.leaf.parts.map((p) => (typeof p === 'string' ? p : '?')).join('') });
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
        tasks.push({ state: n.state, statePath: n.statePath, order: n.order, note: 'its Qualifier is computed at run time; verify cannot tell which qualifier it invokes' });
      }
    }
    tasks.sort((a, b) => a.order - b.order); // stable: a task with both Parameters and Arguments keeps its order
    for (const task of tasks) {
      if (task.invoked === undefined) {
        rows.push({ stateMachine: m.logicalId, state: task.state, statePath: task.statePath, invoked: '', function: '', qualifier: '', status: 'none', verdict: 'unknown', note: task.note });
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
          rows.push({ ...base, status: 'none', verdict: all.size > 0 ? 'cold' : 'no-pc', note: all.size > 0 ? `provisioned concurrency is on ${[...all.keys()].join(', ')}` : undefined });
          continue;
        }
        let info = all.get(qualifier) ?? (await qualifierPc(clients.lambda, fn, qualifier));
        const isAlias = !/^\d+$/.test(qualifier) ? await aliasVersion(clients.lambda, fn, qualifier) : undefined;
        const note = isAlias ? `alias → version ${isAlias}` : undefined;
        // Provisioned concurrency on the version an alias points to also serves the alias.
        if (info.status === 'none' && isAlias && all.has(isAlias)) info = all.get(isAlias)!;
        if (info.status === 'none') {
          rows.push({ ...base, ...info, verdict: all.size > 0 ? 'cold' : 'no-pc', note: all.size > 0 ? `provisioned concurrency is on ${[...all.keys()].join(', ')}` : note });
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
  if (!group || level === 'OFF') return 'executions not listable: Express; Step Functions keeps no execution history for Express state machines, and this one logs nothing (turn on logging at level ALL with execution data to see which qualifier each task ran)';
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

async function listPc(lambda: LambdaClient, fn: string): Promise<Map<string, PcInfo>> {
  const out = new Map<string, PcInfo>();
  let marker: string | undefined;
  do {
    const page: ListProvisionedConcurrencyConfigsCommandOutput = await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: fn, Marker: marker }));
    for (const c of page.ProvisionedConcurrencyConfigs ?? []) {
      const q = c.FunctionArn ? c.FunctionArn.slice(c.FunctionArn.lastIndexOf(':') + 1) : '';
      out.set(q, { status: (c.Status as PcStatus) ?? 'none', allocated: c.AllocatedProvisionedConcurrentExecutions, requested: c.RequestedProvisionedConcurrentExecutions });
    }
    marker = page.NextMarker;
  } while (marker);
  return out;
}

async function qualifierPc(lambda: LambdaClient, fn: string, qualifier: string): Promise<PcInfo> {
  try {
    const r = await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: qualifier }));
    return { status: (r.Status as PcStatus) ?? 'none', allocated: r.AllocatedProvisionedConcurrentExecutions, requested: r.RequestedProvisionedConcurrentExecutions };
  } catch (e) {
    if ((e as Error).name === 'ProvisionedConcurrencyConfigNotFoundException') return { status: 'none' };
    throw e;
  }
}

async function aliasVersion(lambda: LambdaClient, fn: string, alias: string): Promise<string | undefined> {
  try {
    const r = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: alias }));
    return r.FunctionVersion;
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

/** The newest `n` executions (ListExecutions returns at most 1,000 per page, newest first). */
async function lastExecutions(sfn: SFNClient, arn: string, n: number): Promise<ExecutionListItem[]> {
  const out: ExecutionListItem[] = [];
  let token: string | undefined;
  do {
    const page: ListExecutionsCommandOutput = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: Math.min(n - out.length, 1000), nextToken: token }));
    out.push(...(page.executions ?? []));
    token = page.nextToken;
  } while (token && out.length < n);
  return out.slice(0, n);
}

/** Appends to `rows` as it reads, so that what was read before a failure is kept. */
async function executionRows(sfn: SFNClient, logicalId: string, arn: string, n: number, rows: ExecutionRow[]): Promise<void> {
  for (const ex of await lastExecutions(sfn, arn, n)) {
    let token: string | undefined;
    const byId = new Map<number, HistoryEvent>();
    do {
      const page: GetExecutionHistoryCommandOutput = await sfn.send(new GetExecutionHistoryCommand({ executionArn: ex.executionArn, nextToken: token }));
      for (const ev of page.events ?? []) {
        if (ev.id !== undefined) byId.set(ev.id, ev);
        const ran = ranArn(ev);
        if (ran) rows.push({ stateMachine: logicalId, execution: ex.name ?? ex.executionArn ?? '', state: enteringState(ev, byId), ran, qualifier: splitQualifier(ran).qualifier });
      }
      token = page.nextToken;
    } while (token);
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
async function readReasons(lambda: LambdaClient, fn: string): Promise<Reason[]> {
  try {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
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
  const info = REASON_INFO[reasons.find((r) => REASON_INFO[r].consequence === consequence) ?? (latest && reasons.includes('ManagedInstances') ? 'ManagedInstances' : reasons[0])];
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

function fit(s: string, width: number): string {
  return s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width);
}

const WIDTH = 80;
/** Column widths: mark, state machine, state, function, qualifier, status, allocated/requested (79 with separators). */
const COLS = [1, 13, 13, 16, 10, 11, 9];

/** The last column is never cut (a 5-digit count may then use column 80 or 81); the others are. */
function tableRow(cells: string[]): string {
  return cells.map((c, k) => (k === cells.length - 1 && k === COLS.length - 1 ? c : fit(c, COLS[k]))).join(' ').trimEnd();
}

/** Keeps the end of a long name (execution names usually share a prefix and differ at the end). */
function fitEnd(s: string, width: number): string {
  return s.length > width ? `…${s.slice(s.length - width + 1)}` : s;
}

/** Text table, at most 80 columns wide. `!` marks a cold path or provisioned concurrency that is not READY. */
export function formatTable(result: VerifyResult): string {
  const lines: string[] = [];
  lines.push(tableRow(['', 'STATE MACHINE', 'STATE', 'FUNCTION', 'QUALIFIER', 'PC', 'ALLOC/REQ']));
  for (const r of result.rows) {
    const fn = r.function.slice(r.function.lastIndexOf(':') + 1);
    const count = r.allocated !== undefined || r.requested !== undefined ? `${r.allocated ?? 0}/${r.requested ?? 0}` : '-';
    const mark = r.verdict === 'cold' || r.verdict === 'fails' || r.verdict === 'not-ready' ? '!' : r.verdict === 'unknown' ? '?' : '';
    lines.push(tableRow([mark, r.stateMachine, r.state, fn, r.qualifier || '(none)', r.status, count]));
  }
  const problems = result.rows.filter((r) => r.verdict !== 'warm' && r.verdict !== 'no-pc');
  if (problems.length) {
    lines.push('');
    for (const r of problems) {
      const what = r.verdict === 'cold' ? 'cold path' : r.verdict === 'fails' ? 'fails at run time' : r.verdict === 'not-ready' ? 'not ready' : 'not checked';
      if (!r.state) lines.push(wrap(`${what}: ${r.stateMachine}: ${r.note ?? 'unknown reason'}`));
      else if (!r.invoked) lines.push(wrap(`${what}: ${r.stateMachine}/${r.state}: ${r.note ?? 'unknown reason'}`));
      else lines.push(wrap(`${what}: ${r.stateMachine}/${r.state} invokes ${r.invoked}${r.note ? ` (${r.note})` : ''}`));
    }
  }
  if (result.executions.length) {
    lines.push('', 'Last executions (what each task really ran):');
    lines.push(tableRow(['', 'STATE MACHINE', 'STATE', 'EXECUTION', 'QUALIFIER']));
    for (const e of result.executions) lines.push(tableRow(['', e.stateMachine, e.state, fitEnd(e.execution, COLS[3]), e.qualifier || '$LATEST']));
  }
  if (result.executionErrors.length || result.executionNotes?.length) {
    lines.push('');
    for (const e of result.executionErrors) lines.push(wrap(`executions not read: ${e.stateMachine}: ${e.message}`));
    for (const e of result.executionNotes ?? []) lines.push(wrap(`${e.stateMachine}: ${e.message}`));
  }
  const count = (v: VerifyRow['verdict']): number => result.rows.filter((r) => r.verdict === v).length;
  lines.push(
    '',
    wrap(
      `${result.stateMachines} state machine(s), ${result.rows.length} Lambda task(s): ${count('warm')} warm, ${count('cold')} cold, ${count('fails') ? `${count('fails')} failing at run time, ` : ''}${count('not-ready')} not ready, ${count('no-pc')} without provisioned concurrency, ${count('unknown')} not checked.`,
    ),
  );
  return `${lines.join('\n')}\n`;
}

/** Wraps at spaces; words longer than a line (ARNs) are cut across lines. */
function wrap(s: string, width = WIDTH): string {
  const out: string[] = [];
  let line = '';
  const words = s.split(' ').flatMap((w) => {
    const pieces: string[] = [];
    for (let k = 0; k < w.length; k += width - 2) pieces.push(w.slice(k, k + width - 2));
    return pieces.length ? pieces : [''];
  });
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = `  ${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.join('\n');
}

export const DEFAULT_TIMEOUT_S = 30;

export interface VerifyOptions {
  /** Seconds one AWS request may take (each attempt). */
  timeoutS: number;
}

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
    const what = [result.rows.some((r) => r.verdict === 'unknown') ? 'some tasks could not be checked (see "not checked" above)' : '', result.executionErrors.length ? 'some executions could not be read (see "executions not read" above)' : ''];
    io.stderr(`error: ${what.filter(Boolean).join('; ')}\n`);
  }
  return code;
}

function credentialMessage(e: unknown, stack: string): string {
  const name = (e as Error)?.name ?? '';
  const message = (e as Error)?.message ?? String(e);
  if (name === 'TimeoutError') return timeoutOr(e, message).replace(/^timed out/, 'CloudFormation timed out');
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) return `no AWS credentials: ${message} (set AWS_PROFILE, use --profile, or configure credentials)`;
  if (/region/i.test(message) && /missing/i.test(message)) return 'no AWS region: pass --region or set AWS_REGION';
  if (name === 'ValidationError' && /does not exist/.test(message)) return `stack ${stack} does not exist in this account and region`;
  if (name === 'AccessDenied' || name === 'AccessDeniedException') return `access denied: ${message}`;
  return `${name || 'error'}: ${message}`;
}

/**
 * The SDK's standard retry mode (not adaptive: after one throttling error, adaptive mode slows the
 * client to as little as 0.5 requests per second for the rest of the run), 5 attempts per call, and
 * a time limit on each attempt (a stalled request is ended, and retried like any transient error).
 */
function defaultClients(region?: string, profile?: string, options: VerifyOptions = { timeoutS: DEFAULT_TIMEOUT_S }): VerifyClients {
  const ms = Math.round(options.timeoutS * 1000);
  const config = {
    region,
    profile,
    retryMode: 'standard' as const,
    maxAttempts: 5,
    requestHandler: { requestTimeout: ms, connectionTimeout: Math.min(ms, 10_000), throwOnRequestTimeout: true },
  };
  return { cloudformation: new CloudFormationClient(config), sfn: new SFNClient(config), lambda: new LambdaClient(config) };
}
