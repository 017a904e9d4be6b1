/**
 * The Lambda edge: what CloudFormation calls. Thin by design: validate the event, call the
 * core, log the decisions, and map every error to a failure reply. It never throws.
 *
 * The exported `handler` declares exactly two parameters, (event, context): the nodejs22.x runtime
 * passes a callback as a third argument, which it ignores, and the nodejs24.x runtime refuses a
 * handler that declares three or more. Tests build a handler with their own dependencies through
 * `createHandler`.
 */
import type { Context, Handler } from 'aws-lambda';
import { lambdaCheckpoint, sendable } from './budget';
import { TransformError } from '../errors';
import { isObject, keysOf, isString } from '../cfn/json';
import { LimitError, type Sizes } from '../limits';
import { consoleSink, logDecisions, type LogSink } from './log';
import { parseParams } from '../core/params';
import { describeLocation, type StoredRef } from '../core/definition/stored';
import { transformWith } from '../core/transform';
import { loadLambdaSdk, lookupExternal } from '../aws/lambda-aliases';
import { notEnabled } from '../aws/not-enabled';
import { allowedBucketsOf, loadS3Sdk, readS3Definitions } from '../aws/s3-definitions';
import { MACRO_NAME, PARAMETERS_PATH, type MacroEvent, type MacroReply, type Needs, type TransformOptions, type TransformResult } from '../types';

export interface HandlerDeps {
  log: LogSink;
  env: Record<string, string | undefined>;
  /**
   * Looks up functions outside the template (issue 6); loaded only when ResolveExternal is on.
   * `arns`: what the core's run says it needs looked up (`report.needs.external`); `lanes`: what the
   * Transform parameters add to ResolveExternal's lanes (macro/aws/lanes.ts), and the log.
   */
  resolveExternal?: (fragment: unknown, options: TransformOptions, arns: string[], lanes: ExternalLanes) => Promise<TransformOptions['external']>;
  /** Reads definitions stored in S3 (issue 13); loaded only when the deployment allows it and the template has some. */
  readDefinitions?: (refs: StoredRef[], options: TransformOptions) => Promise<TransformOptions['definitions']>;
}

/** What the Transform parameters add to ResolveExternal's lanes (macro/aws/lanes.ts), and where its details are logged. */
export interface ExternalLanes {
  externalAccounts?: string[];
  log: LogSink;
}

export type MacroHandler = (event: unknown, context?: Context) => Promise<MacroReply>;

/** A handler over the given dependencies (the deployed one uses the console and the process environment). */
export function createHandler(deps: HandlerDeps): MacroHandler {
  return (event, context) => handle(event, deps, context);
}

/** The Lambda log sink, for a handler over other output (the benchmark counts what it would write). */
export { consoleSink };

/** What Lambda calls (`dist/macro.handler`). */
export const handler: Handler<unknown, MacroReply> = createHandler({ log: consoleSink(process.env), env: process.env });

async function handle(event: unknown, deps: HandlerDeps, context?: Context): Promise<MacroReply> {
  const requestId = isObject(event) && isString(event.requestId) ? event.requestId : '';
  const fragment = isObject(event) ? event.fragment : undefined;
  // Whatever happens, the reply is one the runtime can send (within 6 MB, serializable); the core's
  // nesting check measures the template on its way, so the size check walks only what was changed.
  const sizes: Sizes = new Map();
  const answer = await reply(event, deps, requestId, fragment, lambdaCheckpoint(context), sizes);
  const sent = sendable(answer, fragment, sizes);
  if (sent.status !== answer.status) deps.log({ level: 'ERROR', message: 'failure', requestId, errorMessage: sent.errorMessage });
  return sent;
}

async function reply(
  event: unknown,
  deps: HandlerDeps,
  requestId: string,
  fragment: unknown,
  checkpoint: TransformOptions['checkpoint'],
  sizes: Sizes,
): Promise<MacroReply> {
  try {
    const e = validateEvent(event);
    const { externalAccounts, ...params } = parseParams(e.params);
    const options: TransformOptions = { ...params, region: e.region, accountId: e.accountId };
    // Run the core, fetch what its report says it needs, and run again only if something was fetched.
    // Definitions in S3 first: ResolveExternal looks for external functions in them too.
    if (checkpoint) {
      checkpoint('starting the transform');
      options.checkpoint = checkpoint;
    }
    const run = (): Attempt => attemptTransform(e.fragment, options, sizes);
    let attempt = run();
    const refs = attempt.needs.definitions.filter((r) => r.location?.kind === 's3');
    if (refs.length > 0) {
      const read = deps.readDefinitions ?? (await loadDefinitionReader(deps.env));
      options.definitions = await read(refs, options);
      attempt = run();
    }
    if (params.resolveExternal) {
      const resolve = deps.resolveExternal ?? (await loadResolver(deps.env));
      const log: LogSink = (record) => deps.log({ ...record, requestId });
      options.external = await resolve(e.fragment, options, attempt.needs.external, { externalAccounts, log });
      if (keysOf(options.external ?? {}).length > 0) attempt = run();
    }
    if (attempt.error) throw attempt.error;
    const result = attempt.result;
    logDecisions(deps.log, requestId, result.report);
    return { requestId, status: 'success', fragment: result.fragment };
  } catch (err) {
    const known = err instanceof TransformError || err instanceof LimitError;
    const errorMessage = known ? err.message : `${MACRO_NAME} internal error: ${(err as Error)?.message ?? String(err)}`;
    deps.log({ level: 'ERROR', message: 'failure', requestId, errorMessage, stack: known ? undefined : (err as Error)?.stack });
    return { requestId, status: 'failure', fragment, errorMessage };
  }
}

type Attempt = { result: TransformResult; error?: undefined; needs: Needs } | { error: TransformError; needs: Needs };

/** One run of the core: its result or its TransformError, and what it needs fetched either way. */
function attemptTransform(fragment: unknown, options: TransformOptions, sizes: Sizes): Attempt {
  try {
    // No decision is located in the template's source: the log lines do not carry it.
    const result = transformWith(fragment, options, undefined, sizes);
    return { result, needs: result.report.needs };
  } catch (e) {
    if (!(e instanceof TransformError)) throw e;
    return { error: e, needs: e.needs ?? { definitions: [], external: [] } };
  }
}

function validateEvent(event: unknown): MacroEvent {
  if (!isObject(event)) throw new TransformError([{ path: '(event)', message: 'the macro event must be a JSON object' }]);
  const missing = ['requestId', 'fragment'].filter((k) => !(k in event));
  if (missing.length) throw new TransformError([{ path: '(event)', message: `the macro event lacks ${missing.join(', ')}` }]);
  return event as unknown as MacroEvent;
}

async function loadResolver(env: HandlerDeps['env']): Promise<NonNullable<HandlerDeps['resolveExternal']>> {
  if (env.WARM_RESOLVE_EXTERNAL !== 'true') {
    // Not enabled in this deployment: answer without loading the AWS SDK.
    return async (_fragment, _options, arns) => notEnabled(arns);
  }
  // The AWS SDK is loaded (a dynamic import inside the module) only when this feature is on.
  const mod = await loadWithSdk(
    // What it needs of the module by name, not the module's namespace: the bundle then leaves out the rest.
    async () => ({ loadLambdaSdk, lookupExternal }),
    (m) => m.loadLambdaSdk(),
    `${PARAMETERS_PATH}/ResolveExternal`,
    'ResolveExternal needs',
  );
  const budgetMs = budgetOf(env.WARM_RESOLVE_BUDGET_MS);
  const maxLookups = budgetOf(env.WARM_RESOLVE_MAX_LOOKUPS); // at most this many functions per template (lanes.ts)
  return (_fragment, options, arns, lanes) =>
    mod.lookupExternal(arns, options, { budgetMs, maxLookups, externalAccounts: lanes.externalAccounts, log: lanes.log });
}

export const S3_NOT_ENABLED =
  'this deployment of the macro does not read definitions in S3 (deploy it with s3DefinitionBuckets listing the bucket, which grants s3:GetObject on it)';

async function loadDefinitionReader(env: HandlerDeps['env']): Promise<NonNullable<HandlerDeps['readDefinitions']>> {
  if (env.WARM_S3_DEFINITIONS !== 'true') {
    // Not enabled in this deployment: answer without loading the AWS SDK. (The refs asked about are those located in S3.)
    return async (refs) =>
      Object.fromEntries(
        refs.flatMap((r) =>
          r.location === undefined ? [] : [[r.stateMachine, { status: 'error', source: describeLocation(r.location), message: S3_NOT_ENABLED }] as const],
        ),
      );
  }
  // The AWS SDK is loaded (a dynamic import inside the module) only when this feature is on and the template needs it.
  const mod = await loadWithSdk(
    async () => ({ loadS3Sdk, allowedBucketsOf, readS3Definitions }),
    (m) => m.loadS3Sdk(),
    '(macro)',
    'reading definitions in S3 needs',
  );
  const budgetMs = budgetOf(env.WARM_S3_BUDGET_MS);
  // The buckets the deployment lists (the list that scopes the role's s3:GetObject): the reader checks them itself too.
  const allowedBuckets = mod.allowedBucketsOf(env.WARM_S3_DEFINITION_BUCKETS);
  return (refs, options) => mod.readS3Definitions(refs, { region: options.region, budgetMs, allowedBuckets });
}

/** An edge module that reads AWS, and the SDK it needs: a TransformError at `path` when the SDK cannot be loaded. */
async function loadWithSdk<M>(load: () => Promise<M>, sdk: (m: M) => Promise<unknown>, path: string, what: string): Promise<M> {
  try {
    const mod = await load();
    await sdk(mod);
    return mod;
  } catch (e) {
    throw new TransformError(
      [
        {
          path,
          message: `${what} the AWS SDK for JavaScript v3 (provided by the Lambda Node.js runtime), which could not be loaded: ${(e as Error).message.split('\n')[0]}`,
        },
      ],
      { cause: e },
    );
  }
}

/** A time budget in ms (or a count) from the environment, or undefined (the module's default) when unset or invalid. */
function budgetOf(value: string | undefined): number | undefined {
  const n = Math.floor(Number(value));
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
