/**
 * The reads of `warm-step-functions verify` (macro/cli/commands/verify-stack.ts): a deployed stack's state machines
 * (CloudFormation), their definitions and executions (Step Functions), and the provisioned
 * concurrency, aliases and configuration of the functions their tasks invoke (Lambda). Only reads, each one call or
 * one paginated list; the command decides what they mean. The CLI loads this module (and so the AWS
 * SDK) only when it runs `verify`.
 */
import { CloudFormationClient, ListStackResourcesCommand, type ListStackResourcesCommandOutput } from '@aws-sdk/client-cloudformation';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  type GetFunctionConfigurationCommandOutput,
  type ListProvisionedConcurrencyConfigsCommandOutput,
} from '@aws-sdk/client-lambda';
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

export type { DescribeStateMachineCommandOutput, HistoryEvent };

export interface VerifyClients {
  cloudformation: CloudFormationClient;
  sfn: SFNClient;
  lambda: LambdaClient;
}

export type PcStatus = 'READY' | 'IN_PROGRESS' | 'FAILED' | 'none';

export interface PcInfo {
  status: PcStatus;
  allocated?: number;
  requested?: number;
}

/** The state machines of a stack: logical ID and ARN (ListStackResources, every page). */
export async function stackStateMachines(cloudformation: CloudFormationClient, stack: string): Promise<{ logicalId: string; arn: string }[]> {
  return (await stackContents(cloudformation, stack)).machines;
}

/**
 * The stack's state machines (logical ID and ARN) and the ARNs of its Lambda aliases (an alias's physical
 * ID is its ARN), from ListStackResources, every page.
 */
export async function stackContents(
  cloudformation: CloudFormationClient,
  stack: string,
): Promise<{ machines: { logicalId: string; arn: string }[]; aliases: string[] }> {
  const machines: { logicalId: string; arn: string }[] = [];
  const aliases: string[] = [];
  let token: string | undefined;
  do {
    const page: ListStackResourcesCommandOutput = await cloudformation.send(new ListStackResourcesCommand({ StackName: stack, NextToken: token }));
    for (const r of page.StackResourceSummaries ?? []) {
      if (r.ResourceType === 'AWS::StepFunctions::StateMachine' && r.PhysicalResourceId && r.LogicalResourceId) {
        machines.push({ logicalId: r.LogicalResourceId, arn: r.PhysicalResourceId });
      } else if (r.ResourceType === 'AWS::Lambda::Alias' && r.PhysicalResourceId) aliases.push(r.PhysicalResourceId);
    }
    token = page.NextToken;
  } while (token);
  return { machines, aliases };
}

/** One state machine's definition, type and logging (DescribeStateMachine). */
export function describeStateMachine(sfn: SFNClient, arn: string): Promise<DescribeStateMachineCommandOutput> {
  return sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
}

/** Every provisioned concurrency configuration of a function, by qualifier (ListProvisionedConcurrencyConfigs, every page). */
export async function listPc(lambda: LambdaClient, fn: string): Promise<Map<string, PcInfo>> {
  const out = new Map<string, PcInfo>();
  let marker: string | undefined;
  do {
    const page: ListProvisionedConcurrencyConfigsCommandOutput = await lambda.send(
      new ListProvisionedConcurrencyConfigsCommand({ FunctionName: fn, Marker: marker }),
    );
    for (const c of page.ProvisionedConcurrencyConfigs ?? []) {
      const q = c.FunctionArn ? c.FunctionArn.slice(c.FunctionArn.lastIndexOf(':') + 1) : '';
      out.set(q, {
        status: (c.Status as PcStatus) ?? 'none',
        allocated: c.AllocatedProvisionedConcurrentExecutions,
        requested: c.RequestedProvisionedConcurrentExecutions,
      });
    }
    marker = page.NextMarker;
  } while (marker);
  return out;
}

/** The provisioned concurrency of one qualifier (GetProvisionedConcurrencyConfig); status 'none' when it has none. */
export async function qualifierPc(lambda: LambdaClient, fn: string, qualifier: string): Promise<PcInfo> {
  try {
    const r = await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: qualifier }));
    return {
      status: (r.Status as PcStatus) ?? 'none',
      allocated: r.AllocatedProvisionedConcurrentExecutions,
      requested: r.RequestedProvisionedConcurrentExecutions,
    };
  } catch (e) {
    if ((e as Error).name === 'ProvisionedConcurrencyConfigNotFoundException') return { status: 'none' };
    throw e;
  }
}

/** The version an alias points to (GetAlias), or undefined when the qualifier is no alias. */
export async function aliasVersion(lambda: LambdaClient, fn: string, alias: string): Promise<string | undefined> {
  try {
    const r = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: alias }));
    return r.FunctionVersion;
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

/**
 * A function's configuration (GetFunctionConfiguration): SnapStart, durable, Managed Instances (docs/reasons.md).
 * With a qualifier (a version or an alias), that version's: its `SnapStart.OptimizationStatus` says whether
 * its snapshot is active.
 */
export function functionConfiguration(lambda: LambdaClient, fn: string, qualifier?: string): Promise<GetFunctionConfigurationCommandOutput> {
  return lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn, ...(qualifier ? { Qualifier: qualifier } : {}) }));
}

/** The newest `n` executions (ListExecutions returns at most 1,000 per page, newest first). */
export async function lastExecutions(sfn: SFNClient, arn: string, n: number): Promise<ExecutionListItem[]> {
  const out: ExecutionListItem[] = [];
  let token: string | undefined;
  do {
    const page: ListExecutionsCommandOutput = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: Math.min(n - out.length, 1000), nextToken: token }),
    );
    out.push(...(page.executions ?? []));
    token = page.nextToken;
  } while (token && out.length < n);
  return out.slice(0, n);
}

/** An execution's history, page by page (GetExecutionHistory), so that a caller keeps what it read before a failure. */
export async function* executionHistory(sfn: SFNClient, executionArn: string | undefined): AsyncGenerator<HistoryEvent[]> {
  let token: string | undefined;
  do {
    const page: GetExecutionHistoryCommandOutput = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken: token }));
    yield page.events ?? [];
    token = page.nextToken;
  } while (token);
}

export const DEFAULT_TIMEOUT_S = 30;

export interface ClientOptions {
  /** Seconds one AWS request may take (each attempt). */
  timeoutS: number;
}

/**
 * The SDK's standard retry mode (not adaptive: after one throttling error, adaptive mode slows the
 * client to as little as 0.5 requests per second for the rest of the run), 5 attempts per call, and
 * a time limit on each attempt (a stalled request is ended, and retried like any transient error).
 */
export function defaultClients(region?: string, profile?: string, options: ClientOptions = { timeoutS: DEFAULT_TIMEOUT_S }): VerifyClients {
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
