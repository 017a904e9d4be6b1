/**
 * `warm-step-functions verify --stack NAME [--region R] [--profile P] [--json] [--executions N]`
 *
 * Checks a deployed stack: for every Lambda task of every state machine in the stack, which
 * qualifier it invokes and whether provisioned concurrency serves it. With `--executions N`, it
 * also reads the last N executions' history and shows which qualified ARN each task really ran
 * (what one would otherwise look up by hand in CloudWatch Logs).
 *
 * Exit codes: 1 when a task reaches a function that has provisioned concurrency through
 * `$LATEST`, the unqualified ARN or a qualifier without it, or through an alias whose
 * provisioned concurrency is not READY; 0 otherwise; 2 for usage or credential errors, and when
 * a task or the requested executions could not be checked (the table is printed first).
 */
import { CloudFormationClient, ListStackResourcesCommand, type ListStackResourcesCommandOutput } from '@aws-sdk/client-cloudformation';
import {
  GetAliasCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  type ListProvisionedConcurrencyConfigsCommandOutput,
} from '@aws-sdk/client-lambda';
import {
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  type ExecutionListItem,
  type GetExecutionHistoryCommandOutput,
  type HistoryEvent,
  type ListExecutionsCommandOutput,
} from '@aws-sdk/client-sfn';
import { readDefinition } from '../definition/read';
import { findSlots } from '../definition/slots';
import type { Io } from './main';

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
  verdict: 'warm' | 'cold' | 'not-ready' | 'no-pc' | 'unknown';
  note?: string;
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
  stateMachines: number;
}

export class VerifyUsageError extends Error {}

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

  const rows: VerifyRow[] = [];
  const executions: ExecutionRow[] = [];
  const executionErrors: VerifyResult['executionErrors'] = [];
  for (const m of machines) {
    const described = await clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: m.arn }));
    const definition = described.definition ?? '{}';
    let slots;
    try {
      slots = findSlots(readDefinition(m.logicalId, 'DefinitionString', definition, undefined).root).slots;
    } catch (e) {
      rows.push({ stateMachine: m.logicalId, state: '', statePath: '', invoked: '', function: '', qualifier: '', status: 'none', verdict: 'unknown', note: `cannot read definition: ${(e as Error).message}` });
      continue;
    }
    for (const slot of slots) {
      const invoked = slot.leaf.parts.map((p) => (typeof p === 'string' ? p : '?')).join('');
      const { fn, qualifier } = splitQualifier(invoked);
      const base = { stateMachine: m.logicalId, state: slot.state, statePath: slot.statePath, invoked, function: fn, qualifier };
      try {
        const all = await pcOf(fn);
        if (qualifier === '' || qualifier === '$LATEST') {
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
      // A denied or failed history read spoils only this machine's part of the report.
      try {
        await executionRows(clients.sfn, m.logicalId, m.arn, opts.executions, executions);
      } catch (e) {
        executionErrors.push({ stateMachine: m.logicalId, message: describeSfn(e) });
      }
    }
  }
  return { rows, executions, executionErrors, stateMachines: machines.length };
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
  return `${name}: ${(e as Error)?.message ?? String(e)}`;
}

function describe(e: unknown): string {
  const name = (e as Error)?.name ?? 'Error';
  if (name === 'AccessDeniedException') return 'access denied to the Lambda API';
  if (name === 'ResourceNotFoundException') return 'function not found';
  return `${name}: ${(e as Error)?.message ?? String(e)}`;
}

// ---------------------------------------------------------------------------------------------
// Command line

/** 1 for a cold path or provisioned concurrency that is not READY; 2 when some task or some executions could not be checked; else 0. */
export function exitCode(result: VerifyResult): number {
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
    const mark = r.verdict === 'cold' || r.verdict === 'not-ready' ? '!' : r.verdict === 'unknown' ? '?' : '';
    lines.push(tableRow([mark, r.stateMachine, r.state, fn, r.qualifier || '(none)', r.status, count]));
  }
  const problems = result.rows.filter((r) => r.verdict !== 'warm' && r.verdict !== 'no-pc');
  if (problems.length) {
    lines.push('');
    for (const r of problems) {
      const what = r.verdict === 'cold' ? 'cold path' : r.verdict === 'not-ready' ? 'not ready' : 'not checked';
      if (!r.state) lines.push(wrap(`${what}: ${r.stateMachine}: ${r.note ?? 'unknown reason'}`));
      else lines.push(wrap(`${what}: ${r.stateMachine}/${r.state} invokes ${r.invoked}${r.note ? ` (${r.note})` : ''}`));
    }
  }
  if (result.executions.length) {
    lines.push('', 'Last executions (what each task really ran):');
    lines.push(tableRow(['', 'STATE MACHINE', 'STATE', 'EXECUTION', 'QUALIFIER']));
    for (const e of result.executions) lines.push(tableRow(['', e.stateMachine, e.state, fitEnd(e.execution, COLS[3]), e.qualifier || '$LATEST']));
  }
  if (result.executionErrors.length) {
    lines.push('');
    for (const e of result.executionErrors) lines.push(wrap(`executions not read: ${e.stateMachine}: ${e.message}`));
  }
  const count = (v: VerifyRow['verdict']): number => result.rows.filter((r) => r.verdict === v).length;
  lines.push(
    '',
    wrap(`${result.stateMachines} state machine(s), ${result.rows.length} Lambda task(s): ${count('warm')} warm, ${count('cold')} cold, ${count('not-ready')} not ready, ${count('no-pc')} without provisioned concurrency, ${count('unknown')} not checked.`),
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

export async function runVerify(argv: string[], io: Io, makeClients: (region?: string, profile?: string) => VerifyClients = defaultClients): Promise<number> {
  let stack: string | undefined;
  let region: string | undefined;
  let profile: string | undefined;
  let json = false;
  let executions = 0;
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      const value = (): string => {
        const v = argv[++i];
        if (v === undefined || v.startsWith('--')) throw new VerifyUsageError(`${a} needs a value`);
        return v;
      };
      if (a === '--stack') stack = value();
      else if (a === '--region') region = value();
      else if (a === '--profile') profile = value();
      else if (a === '--json') json = true;
      else if (a === '--executions') {
        executions = Number(value());
        if (!Number.isInteger(executions) || executions < 1) throw new VerifyUsageError('--executions takes a positive whole number');
      } else throw new VerifyUsageError(`unknown option ${a}`);
    }
    if (!stack) throw new VerifyUsageError('verify needs --stack NAME');
  } catch (e) {
    io.stderr(`error: ${(e as Error).message}\nUsage: warm-step-functions verify --stack NAME [--region R] [--profile P] [--json] [--executions N]\n`);
    return 2;
  }
  let result: VerifyResult;
  try {
    result = await verifyStack(stack, makeClients(region, profile), { executions });
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
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) return `no AWS credentials: ${message} (set AWS_PROFILE, use --profile, or configure credentials)`;
  if (/region/i.test(message) && /missing/i.test(message)) return 'no AWS region: pass --region or set AWS_REGION';
  if (name === 'ValidationError' && /does not exist/.test(message)) return `stack ${stack} does not exist in this account and region`;
  if (name === 'AccessDenied' || name === 'AccessDeniedException') return `access denied: ${message}`;
  return `${name || 'error'}: ${message}`;
}

function defaultClients(region?: string, profile?: string): VerifyClients {
  const config = { region, profile, retryMode: 'adaptive' as const, maxAttempts: 6 };
  return { cloudformation: new CloudFormationClient(config), sfn: new SFNClient(config), lambda: new LambdaClient(config) };
}
