/**
 * ResolveExternal: finds the warm alias of functions that live outside the template.
 *
 * Candidates are the literal Lambda ARNs or names in invocation slots that name no function in
 * the template (the core reports them as `external`, with partial ARNs completed from the
 * event's region and account). Only those in the lanes (./lanes.ts: the event's partition, a Region
 * of it, the event's account or one ExternalAccounts names, at most `maxLookups` per template) are
 * looked up; the others get an outcome that says why. For each function, once per invocation of the
 * macro, the Lambda API of the function's Region says which qualifiers have provisioned concurrency
 * (ListProvisionedConcurrencyConfigs) and which of them are aliases (ListAliases). Those two are the
 * only calls it makes (the macro's role grants exactly them: test/integration/deployment.test.ts).
 *
 * Under load and failure (./budget.ts, shared with the S3 reader): bounded concurrency and a time
 * budget well inside the Lambda timeout (`withinBudget`), and a retry strategy that knows the budget
 * (`BudgetRetryStrategy`: throttling and transient errors, at most 3 attempts, exponential backoff
 * with jitter, and never a wait that would end past the budget). A lookup that fails becomes an `error` outcome,
 * which the core turns into a warning (rewrite mode) or a failure (strict mode). Its message never
 * tells "no such function" from "access denied" (docs/security.md: what a template author learns),
 * and never repeats the service's own message; the deployment's log gets the detail. This module
 * is loaded only when the feature is on, so the SDK never weighs on the cold start otherwise.
 */
import type { LambdaClient, ListAliasesCommandOutput, ListProvisionedConcurrencyConfigsCommandOutput } from '@aws-sdk/client-lambda';
import { TransformError } from '../errors';
import { transformWith } from '../core/transform';
import type { ExternalLookup, TransformOptions } from '../types';
import { budgetRetry, DEFAULT_BUDGET_MS, DEFAULT_CONCURRENCY, within, withinBudget } from './budget';
import { planLookups } from './lanes';
import { notEnabled } from './not-enabled';
import { isString } from '../cfn/json';

export { BudgetRetryStrategy, DEFAULT_BUDGET_MS, DEFAULT_CONCURRENCY, MAX_ATTEMPTS } from './budget';

export interface ResolveSettings {
  /** Whether the deployment switched the feature on (it grants the Lambda read permissions). */
  enabled: boolean;
  /** The client for every Region (tests); otherwise one budget-aware client per Region. */
  client?: LambdaClient;
  /** The SDK module to use instead of loading it (tests). */
  sdk?: LambdaSdk;
  /** Total time budget for all lookups, in ms. */
  budgetMs?: number;
  concurrency?: number;
  /** Accounts besides the event's own whose functions may be looked up (ExternalAccounts). */
  externalAccounts?: readonly string[];
  /** Functions looked up per template, at most (default DEFAULT_MAX_LOOKUPS of ./lanes.ts). */
  maxLookups?: number;
  /** Pages read per list call and function, at most (default MAX_PAGES). */
  maxPages?: number;
  /** Where the details go that the outcomes leave out (the deployment's log; never the template author's). */
  log?: (record: { level: 'WARN'; message: string; [field: string]: unknown }) => void;
}

type LambdaSdk = typeof import('@aws-sdk/client-lambda');

/**
 * The Lambda client of the AWS SDK, loaded on first use. A dynamic import, so that the bundle (an
 * ES module) loads the SDK only when a lookup runs, never at cold start.
 */
export function loadLambdaSdk(): Promise<LambdaSdk> {
  return import('@aws-sdk/client-lambda');
}

/** Pages of ListProvisionedConcurrencyConfigs, and of ListAliases, read per function at most (50 items a page by default). */
export const MAX_PAGES = 10;
/** The Lambda client of one run and Region: retries that fit the budget. */
export function budgetClient(sdk: LambdaSdk, region: string | undefined, deadline: number): LambdaClient {
  return new sdk.LambdaClient({ region, ...budgetRetry(deadline) });
}

/**
 * The functions ResolveExternal would look up in `fragment`: the core's `report.needs.external` of
 * a run without lookups (none when the template fails whatever the mode). The handler reads them
 * from its own run instead; this is for callers that have only the template.
 */
export function externalCandidates(fragment: unknown, options: TransformOptions): string[] {
  try {
    // (Unlocated: only `needs` is read, and the Lambda bundle leaves the locator out.)
    return transformWith(fragment, { ...options, mode: 'report', external: undefined }).report.needs.external;
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

/**
 * Looks up each function of `arns` (unqualified ARNs, as `report.needs.external` lists them) that is in
 * the lanes (./lanes.ts); each of the others gets an outcome that says why it was not looked up.
 */
export async function lookupExternal(
  arns: readonly string[],
  options: TransformOptions,
  settings: Omit<ResolveSettings, 'enabled'>,
): Promise<Record<string, ExternalLookup>> {
  if (arns.length === 0) return {};
  const plan = planLookups(arns, {
    region: options.region,
    accountId: options.accountId,
    externalAccounts: settings.externalAccounts,
    maxLookups: settings.maxLookups,
  });
  const out: Record<string, ExternalLookup> = { ...plan.skipped };
  if (plan.capped > 0) {
    settings.log?.({ level: 'WARN', message: 'lookup cap reached', lookedUp: plan.lookups.length, notLookedUp: plan.capped, functions: plan.inLanes });
  }
  if (plan.lookups.length === 0) return out;
  const sdk = settings.sdk ?? (await loadLambdaSdk());
  const budget = settings.budgetMs ?? DEFAULT_BUDGET_MS;
  const deadline = Date.now() + budget;
  const clients = new Map<string, LambdaClient>();
  const clientFor = (region: string): LambdaClient => {
    if (settings.client) return settings.client;
    const known = clients.get(region);
    if (known) return known;
    const c = budgetClient(sdk, region, deadline);
    clients.set(region, c);
    return c;
  };
  const ctx: LookupContext = { sdk, budget, maxPages: settings.maxPages ?? MAX_PAGES, log: settings.log };
  try {
    await withinBudget(plan.lookups, { budgetMs: budget, concurrency: settings.concurrency ?? DEFAULT_CONCURRENCY }, async (item, signal) => {
      out[item.arn] = await lookup(ctx, clientFor(item.region), item.arn, signal);
    });
  } finally {
    for (const c of clients.values()) c.destroy();
  }
  return out;
}

interface LookupContext {
  sdk: LambdaSdk;
  budget: number;
  maxPages: number;
  log: ResolveSettings['log'];
}

class TooManyPages extends Error {}

async function lookup(ctx: LookupContext, client: LambdaClient, arn: string, signal: AbortSignal): Promise<ExternalLookup> {
  const { sdk, budget, maxPages } = ctx;
  if (signal.aborted) return { status: 'error', message: `not looked up: the ${budget} ms budget for lookups ran out` };
  try {
    const warmQualifiers = new Set<string>();
    let marker: string | undefined;
    let pages = 0;
    do {
      if (++pages > maxPages) throw new TooManyPages(`its provisioned concurrency configurations fill more than ${maxPages} pages`);
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
    pages = 0;
    do {
      if (++pages > maxPages) throw new TooManyPages(`its aliases fill more than ${maxPages} pages`);
      const page: ListAliasesCommandOutput = await within(
        client.send(new sdk.ListAliasesCommand({ FunctionName: arn, Marker: marker }), { abortSignal: signal }),
        signal,
      );
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
    const message = describeError(e, signal, budget, maxPages);
    const name = (e as { name?: string })?.name;
    // The deployment's log keeps what the outcome leaves out (which of not-found and access-denied, the service's message).
    if (!signal.aborted && name !== 'AbortError')
      ctx.log?.({ level: 'WARN', message: 'lookup failed', function: arn, error: name, detail: firstLine((e as Error)?.message) });
    return { status: 'error', message };
  }
}

const firstLine = (s: unknown): string | undefined => (isString(s) ? s.split('\n')[0].slice(0, 500) : undefined);

/**
 * What the template author reads (the report, and a strict-mode failure). Not-found and access-denied
 * read the same: with the macro's role, `aws lambda get-function` (or the two list calls) tells them
 * apart only to someone who may read the function; the template author learns no more here. Service
 * messages are left out: AWS's AccessDenied names the macro's role and account.
 */
export const UNREADABLE =
  "not found, or the macro may not read it (it needs lambda:ListProvisionedConcurrencyConfigs and lambda:ListAliases on the function; a function of another account must also allow them to the macro's role in its resource-based policy)";

function describeError(e: unknown, signal: AbortSignal, budget: number, maxPages: number): string {
  if (e instanceof TooManyPages) return `not looked up completely: ${e.message} (the macro reads at most ${maxPages})`;
  const name = (e as { name?: string })?.name ?? '';
  if (signal.aborted || name === 'AbortError') return `timed out: the ${budget} ms budget for lookups ran out`;
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'ResourceNotFoundException') return UNREADABLE;
  const meta = (e as { $metadata?: { attempts?: number; httpStatusCode?: number } }).$metadata;
  if (name === 'TooManyRequestsException' || name === 'ThrottlingException') {
    const attempts = meta?.attempts;
    return `throttled by the Lambda API (${name}${attempts ? `; ${attempts} attempt${attempts === 1 ? '' : 's'}` : ''})`;
  }
  // A service's answer: its error name and HTTP status only. Anything else (the network): its first line.
  const status = meta?.httpStatusCode;
  if (status !== undefined || (e as { $fault?: unknown }).$fault !== undefined) return `${name || 'error'}${status ? ` (HTTP ${status})` : ''}`;
  return `${name || 'error'}: ${firstLine((e as Error)?.message) ?? String(e)}`;
}
