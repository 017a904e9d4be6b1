/**
 * What `verify` finds in a deployed stack: for every Lambda task of every state machine in it, which
 * qualifier the task invokes and whether provisioned concurrency serves it (the reads are macro/aws/stack.ts).
 *
 * A failure that concerns one state machine (it was deleted meanwhile, access to it is denied, its
 * definition cannot be read, a request timed out) is reported on that machine's row; the others are still
 * checked. A task whose function is computed at run time (`FunctionName.$`, JSONata) is reported as not
 * checked. A task that invokes a function without provisioned concurrency unqualified (or `$LATEST`) is
 * judged by the function's configuration too (GetFunctionConfiguration, docs/reasons.md): SnapStart makes
 * it a cold path; a durable function, or `$LATEST` of a Managed Instances function, fails at run time.
 * A task that invokes a version or alias of a SnapStart function without provisioned concurrency is warm
 * when that version's snapshot is active (`SnapStart.OptimizationStatus` On), and not ready when it is not.
 */
import {
  aliasVersion,
  type DescribeStateMachineCommandOutput,
  describeStateMachine,
  functionConfiguration,
  listPc,
  type PcInfo,
  qualifierPc,
  stackContents,
  type VerifyClients,
} from '../../aws/stack';
import { functionNameOf } from '../../cfn/arn';
import { consequenceOf, describeReasons, REASON_INFO } from '../../core/targets/reasons';
import type { Reason } from '../../types';
import { describeLambdaError, describeMachineError } from './verify-errors';
import { machineExecutions } from './verify-executions';
import type { ExecutionRow, VerifyResult, VerifyRow } from './verify-result';
import { type DefinitionScan, definitionTasks, scanDefinition, splitQualifier, type VerifyTask } from './verify-tasks';

/** The Lambda reads of one run, each function's asked once however many tasks invoke it. */
interface FunctionReads {
  lambda: VerifyClients['lambda'];
  /** The stack's Lambda aliases by function name: the published targets the stack itself pins. */
  stackAliases: Map<string, string[]>;
  pcOf: (fn: string) => Promise<Map<string, PcInfo>>;
  reasonsOf: (fn: string) => Promise<Reason[]>;
  /** Whether the snapshot of a SnapStart function's version (or alias) is active. */
  snapshotOf: (fnAndQualifier: string) => Promise<string | undefined>;
}

function once<T>(read: (fn: string) => Promise<T>): (fn: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (fn) => {
    let p = cache.get(fn);
    if (!p) {
      p = read(fn);
      cache.set(fn, p);
    }
    return p;
  };
}

type Found = VerifyResult & { executionNotes: NonNullable<VerifyResult['executionNotes']> };

export async function verifyStack(stack: string, clients: VerifyClients, opts: { executions?: number } = {}): Promise<VerifyResult> {
  const { machines, aliases } = await stackContents(clients.cloudformation, stack);
  const reads: FunctionReads = {
    lambda: clients.lambda,
    stackAliases: aliasesByFunction(aliases),
    pcOf: once((fn) => listPc(clients.lambda, fn)),
    reasonsOf: once((fn) => readReasons(clients.lambda, fn)),
    snapshotOf: once(async (arn) => {
      const { fn, qualifier } = splitQualifier(arn);
      return (await functionConfiguration(clients.lambda, fn, qualifier)).SnapStart?.OptimizationStatus;
    }),
  };
  const rows: VerifyRow[] = [];
  const executions: ExecutionRow[] = [];
  const found: Found = { rows, executions, executionErrors: [], executionNotes: [], stateMachines: machines.length };
  for (const m of machines) {
    let described: DescribeStateMachineCommandOutput;
    try {
      described = await describeStateMachine(clients.sfn, m.arn);
    } catch (e) {
      // One machine deleted meanwhile, or denied: its row says so, the others are still checked.
      rows.push(machineRow(m.logicalId, describeMachineError(e, m.arn)));
      continue;
    }
    let scan: DefinitionScan;
    try {
      scan = scanDefinition(m.logicalId, described.definition ?? '{}');
    } catch (e) {
      rows.push(machineRow(m.logicalId, `cannot read definition: ${(e as Error).message}`));
      continue;
    }
    for (const task of definitionTasks(scan)) rows.push(await taskRow(m.logicalId, task, reads));
    if (opts.executions && opts.executions > 0) await machineExecutions(clients.sfn, m, described, opts.executions, found);
  }
  return found;
}

/** The one row of a state machine that could not be checked at all. */
function machineRow(stateMachine: string, note: string): VerifyRow {
  return { stateMachine, state: '', statePath: '', invoked: '', function: '', qualifier: '', status: 'none', verdict: 'unknown', note };
}

/** One task's row: what it invokes, the provisioned concurrency there, and the verdict. */
async function taskRow(stateMachine: string, task: VerifyTask, reads: FunctionReads): Promise<VerifyRow> {
  const where = { stateMachine, state: task.state, statePath: task.statePath };
  if (task.invoked === undefined) return { ...where, invoked: '', function: '', qualifier: '', status: 'none', verdict: 'unknown', note: task.note };
  const invoked = task.invoked;
  const { fn, qualifier } = splitQualifier(invoked);
  const base = { ...where, invoked, function: fn, qualifier };
  try {
    const all = await reads.pcOf(fn);
    const elsewhere = all.size > 0 ? `provisioned concurrency is on ${[...all.keys()].join(', ')}` : undefined;
    if (qualifier === '' || qualifier === '$LATEST') {
      if (all.size === 0) {
        // No provisioned concurrency: the function's own configuration may still need a published target.
        const reasons = await reads.reasonsOf(fn);
        if (reasons.length) {
          const pinned = reads.stackAliases.get(functionNameOf(fn) ?? fn) ?? [];
          return { ...base, status: 'none', reasons, ...unqualifiedVerdict(reasons, qualifier === '$LATEST', pinned) };
        }
      }
      return { ...base, status: 'none', verdict: all.size > 0 ? 'cold' : 'no-pc', note: elsewhere };
    }
    let info = all.get(qualifier) ?? (await qualifierPc(reads.lambda, fn, qualifier));
    const aliased = !/^\d+$/.test(qualifier) ? await aliasVersion(reads.lambda, fn, qualifier) : undefined;
    const note = aliased ? `alias → version ${aliased}` : undefined;
    // Provisioned concurrency on the version an alias points to also serves the alias.
    const ofVersion = aliased ? all.get(aliased) : undefined;
    if (info.status === 'none' && ofVersion) info = ofVersion;
    if (info.status === 'none' && all.size === 0 && (await reads.reasonsOf(fn)).includes('SnapStart'))
      return snapStartRow(base, info, await reads.snapshotOf(invoked));
    if (info.status === 'none') return { ...base, ...info, verdict: all.size > 0 ? 'cold' : 'no-pc', note: elsewhere ?? note };
    return { ...base, ...info, verdict: info.status === 'READY' ? 'warm' : 'not-ready', note };
  } catch (e) {
    return { ...base, status: 'none', verdict: 'unknown', note: describeLambdaError(e) };
  }
}

/**
 * A version or alias of a SnapStart function without provisioned concurrency: its snapshot is what makes it
 * start warm. Lambda reports `OptimizationStatus` On for a version whose snapshot is active; Off for one
 * published before SnapStart was turned on, or whose snapshot is not ready yet.
 */
function snapStartRow(base: Omit<VerifyRow, 'status' | 'verdict'>, info: PcInfo, status: string | undefined): VerifyRow {
  const reasons: Reason[] = ['SnapStart'];
  if (status === 'On') return { ...base, ...info, reasons, verdict: 'warm', note: 'SnapStart snapshot active' };
  return {
    ...base,
    ...info,
    reasons,
    verdict: 'not-ready',
    note: `SnapStart is not active on this version (OptimizationStatus ${status ?? 'not reported'}): it was published before SnapStart was turned on, or its snapshot is not ready yet; publish a new version and point the task at it`,
  };
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

/**
 * What an unqualified (or `$LATEST`) task does for these reasons, with the note that says why. `pinned`:
 * the stack's aliases of the function. An unqualified call of a Managed Instances function runs
 * `$LATEST.PUBLISHED`, which bypasses them: a cold path, as `check` reports it in the template.
 */
function unqualifiedVerdict(reasons: Reason[], latest: boolean, pinned: string[] = []): Pick<VerifyRow, 'verdict' | 'note'> {
  const consequence = consequenceOf(reasons, latest);
  if (consequence === 'bypasses' && pinned.length > 0) {
    const info = REASON_INFO.ManagedInstances;
    const names = pinned.join(', ');
    return {
      verdict: 'cold',
      note: `${describeReasons(reasons)} (${info.property}): that call runs $LATEST.PUBLISHED, not the version the stack's alias ${names} pins; invoke the alias`,
    };
  }
  const info =
    REASON_INFO[
      reasons.find((r) => REASON_INFO[r].consequence === consequence) ?? (latest && reasons.includes('ManagedInstances') ? 'ManagedInstances' : reasons[0])
    ];
  const why = latest && info.reason === 'ManagedInstances' ? 'Lambda never invokes $LATEST of a Managed Instances function' : `that call ${info.unqualified}`;
  const note = `${describeReasons(reasons)} (${info.property}): ${why}; invoke a published version or alias`;
  return { verdict: consequence === 'fails' ? 'fails' : consequence === 'cold' ? 'cold' : 'no-pc', note };
}

/** Alias ARNs (`arn:…:function:NAME:ALIAS`) as alias names by function name. */
function aliasesByFunction(arns: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const arn of arns) {
    const { fn, qualifier } = splitQualifier(arn);
    const name = functionNameOf(fn);
    if (name === undefined || qualifier === '') continue;
    out.set(name, [...(out.get(name) ?? []), qualifier]);
  }
  return out;
}
