/**
 * ResolveExternal: finds the warm alias of functions that live outside the template.
 *
 * Candidates are the literal Lambda ARNs or names in invocation slots that name no function in
 * the template (the core reports them as `external`, with partial ARNs completed from the
 * event's region and account). For each function, once per invocation of the macro, the
 * Lambda API says which qualifiers have provisioned concurrency (ListProvisionedConcurrencyConfigs)
 * and which of them are aliases (ListAliases).
 *
 * Under load and failure: bounded concurrency, a retry strategy that knows the time budget
 * (`BudgetRetryStrategy`: throttling and transient errors, at most 3 attempts, exponential backoff
 * with jitter, and never a wait that would end past the budget), and a time budget well inside
 * the Lambda timeout. A lookup that fails becomes an `error` outcome,
 * which the core turns into a warning (rewrite mode) or a failure (strict mode). This module
 * is loaded only when the feature is on, so the SDK never weighs on the cold start otherwise.
 */
import type { LambdaClient, ListAliasesCommandOutput, ListProvisionedConcurrencyConfigsCommandOutput } from '@aws-sdk/client-lambda';
import { TransformError } from '../errors';
import { transform } from '../transform';
import { notEnabled } from './not-enabled';
import { BudgetRetryStrategy, MAX_ATTEMPTS, within } from './retry';

export { BudgetRetryStrategy, MAX_ATTEMPTS } from './retry';
import type { ExternalLookup, TransformOptions } from '../types';

export interface ResolveSettings {
  /** Whether the deployment switched the feature on (it grants the Lambda read permissions). */
  enabled: boolean;
  client?: LambdaClient;
  /** The SDK module to use instead of loading it (tests). */
  sdk?: LambdaSdk;
  /** Total time budget for all lookups, in ms. */
  budgetMs?: number;
  concurrency?: number;
}

type LambdaSdk = typeof import('@aws-sdk/client-lambda');

/**
 * The Lambda client of the AWS SDK, loaded on first use. A dynamic import, so that the bundle (an
 * ES module) loads the SDK only when a lookup runs, never at cold start.
 */
export function loadLambdaSdk(): Promise<LambdaSdk> {
  return import('@aws-sdk/client-lambda');
}

export const DEFAULT_BUDGET_MS = 10_000;
export const DEFAULT_CONCURRENCY = 4;
/** The Lambda client of one run: the event's region, retries that fit the budget. */
export function budgetClient(sdk: LambdaSdk, region: string | undefined, deadline: number): LambdaClient {
  return new sdk.LambdaClient({ region, maxAttempts: MAX_ATTEMPTS, retryStrategy: new BudgetRetryStrategy(deadline) });
}

/**
 * The functions ResolveExternal would look up in `fragment`: the core's `report.needs.external` of
 * a run without lookups (none when the template fails whatever the mode). The handler reads them
 * from its own run instead; this is for callers that have only the template.
 */
export function externalCandidates(fragment: unknown, options: TransformOptions): string[] {
  try {
    return transform(fragment, { ...options, mode: 'report', external: undefined }).report.needs.external;
  } catch (e) {
    if (e instanceof TransformError) return [];
    throw e;
  }
}

/** Looks up the functions `fragment` invokes outside the template (see `externalCandidates`). */
export async function resolveExternal(fragment: unknown, options: TransformOptions, settings: ResolveSettings): Promise<Record<string, ExternalLookup>> {
  const arns = externalCandidates(fragment, options);
  if (arns.length === 0) return {};
  if (!settings.enabled) return notEnabled(arns);
  return lookupExternal(arns, options, settings);
}

/** Looks up each function (unqualified ARNs, as `report.needs.external` lists them). */
export async function lookupExternal(arns: readonly string[], options: TransformOptions, settings: Omit<ResolveSettings, 'enabled'>): Promise<Record<string, ExternalLookup>> {
  const out: Record<string, ExternalLookup> = {};
  if (arns.length === 0) return out;
  const sdk = settings.sdk ?? (await loadLambdaSdk());
  const budget = settings.budgetMs ?? DEFAULT_BUDGET_MS;
  const client = settings.client ?? budgetClient(sdk, options.region, Date.now() + budget);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), budget);
  try {
    const queue = [...arns];
    const worker = async (): Promise<void> => {
      for (let arn = queue.shift(); arn !== undefined; arn = queue.shift()) {
        out[arn] = await lookup(sdk, client, arn, abort.signal, budget);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.concurrency ?? DEFAULT_CONCURRENCY, arns.length)) }, worker));
  } finally {
    clearTimeout(timer);
  }
  return out;
}


async function lookup(sdk: LambdaSdk, client: LambdaClient, arn: string, signal: AbortSignal, budget: number): Promise<ExternalLookup> {
  if (signal.aborted) return { status: 'error', message: `not looked up: the ${budget} ms budget for lookups ran out` };
  try {
    const warmQualifiers = new Set<string>();
    let marker: string | undefined;
    do {
      const page: ListProvisionedConcurrencyConfigsCommandOutput = await within(
        client.send(new sdk.ListProvisionedConcurrencyConfigsCommand({ FunctionName: arn, Marker: marker }), { abortSignal: signal }),
        signal,
      );
      for (const c of page.ProvisionedConcurrencyConfigs ?? []) {
        const q = c.FunctionArn?.slice(c.FunctionArn.lastIndexOf(':') + 1);
        if (q) warmQualifiers.add(q);
      }
      marker = page.NextMarker;
    } while (marker);
    if (warmQualifiers.size === 0) return { status: 'cold' };
    const aliases: { name: string; arn: string }[] = [];
    marker = undefined;
    do {
      const page: ListAliasesCommandOutput = await within(client.send(new sdk.ListAliasesCommand({ FunctionName: arn, Marker: marker }), { abortSignal: signal }), signal);
      for (const a of page.Aliases ?? []) {
        if (a.Name && a.AliasArn && warmQualifiers.has(a.Name)) aliases.push({ name: a.Name, arn: a.AliasArn });
      }
      marker = page.NextMarker;
    } while (marker);
    if (aliases.length === 0) {
      // Provisioned concurrency on a version only: target the version.
      const versions = [...warmQualifiers].filter((q) => /^\d+$/.test(q)).sort((a, b) => Number(a) - Number(b));
      if (versions.length === 1) return { status: 'warm', aliases: [{ name: versions[0], arn: `${arn}:${versions[0]}` }] };
      return { status: 'cold' };
    }
    aliases.sort((a, b) => a.name.localeCompare(b.name));
    return { status: 'warm', aliases };
  } catch (e) {
    return { status: 'error', message: describeError(e, signal, budget) };
  }
}

function describeError(e: unknown, signal: AbortSignal, budget: number): string {
  const name = (e as { name?: string })?.name ?? '';
  if (signal.aborted || name === 'AbortError') return `timed out: the ${budget} ms budget for lookups ran out`;
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return 'access denied: the macro role needs lambda:ListProvisionedConcurrencyConfigs and lambda:ListAliases';
  }
  if (name === 'ResourceNotFoundException') return 'the function does not exist (or is in another account or region)';
  if (name === 'TooManyRequestsException' || name === 'ThrottlingException') {
    const attempts = (e as { $metadata?: { attempts?: number } }).$metadata?.attempts;
    return `throttled by the Lambda API (${name}: ${(e as Error).message}${attempts ? `; ${attempts} attempt${attempts === 1 ? '' : 's'}` : ''})`;
  }
  return `${name || 'error'}: ${(e as Error)?.message ?? String(e)}`;
}

