/**
 * Definitions in S3, read for the core (the Lambda edge; loaded only when the deployment allows it
 * with WARM_S3_DEFINITIONS=true, so the AWS SDK never weighs on the cold start otherwise).
 *
 * For each state machine whose DefinitionUri / DefinitionS3Location names an S3 object, one
 * GetObject (per distinct object), with the same discipline as ResolveExternal: bounded
 * concurrency, retries that fit the time budget, and one time budget for all reads (`budgetRetry` and
 * `withinBudget`, ./budget.ts). It only reads, and only objects of the buckets its deployment lists
 * (`allowedBuckets`, from WARM_S3_DEFINITION_BUCKETS: the same list that scopes the role's
 * s3:GetObject), whose keys pass `keyProblem` below: a check of its own besides IAM's, so that a
 * template cannot make it send a request for another bucket's object even where a role would allow it.
 * Every failure becomes an `error` outcome naming the object, which the core turns into a warning
 * (a failure in Mode strict).
 */
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { describeLocation, describeObject, type DefinitionLocation, type StoredRef } from '../core/definition/stored';
import type { StoredDefinition } from '../types';
import { budgetRetry, DEFAULT_BUDGET_MS, DEFAULT_CONCURRENCY, within, withinBudget } from './budget';
import { jsonText, isString } from '../cfn/json';

export { DEFAULT_BUDGET_MS, DEFAULT_CONCURRENCY } from './budget';

export interface S3ReadSettings {
  /** The buckets the deployment lists (s3DefinitionBuckets); an object of any other bucket is not read. */
  allowedBuckets: readonly string[];
  client?: S3Client;
  /** The SDK module to use instead of loading it (tests). */
  sdk?: S3Sdk;
  region?: string;
  /** Total time budget for all reads, in ms. */
  budgetMs?: number;
  concurrency?: number;
  /** Largest object read, in bytes (Step Functions takes definitions up to 1 MiB). */
  maxBytes?: number;
}

type S3Sdk = typeof import('@aws-sdk/client-s3');

/**
 * The S3 client of the AWS SDK, loaded on first use: a dynamic import, so that the bundle loads the
 * SDK only when a definition is read, never at cold start.
 */
export function loadS3Sdk(): Promise<S3Sdk> {
  return import('@aws-sdk/client-s3');
}

/**
 * The client of one run: the deployment's region (following redirects to a bucket's own region), and
 * retries that fit the run's time budget (the SDK's adaptive mode slows a whole client down after one
 * throttling error, so that a few throttled reads spend the budget waiting).
 */
function clientFor(sdk: S3Sdk, region: string | undefined, deadline: number): S3Client {
  return new sdk.S3Client({ region, ...budgetRetry(deadline), followRegionRedirects: true });
}

export const MAX_DEFINITION_BYTES = 1024 * 1024;

type S3Location = Extract<DefinitionLocation, { kind: 's3' }>;

/**
 * S3's rules for general purpose bucket names (3-63 characters: lowercase letters, digits, dots and
 * hyphens; a letter or digit first and last; no two adjacent dots). The same pattern as the deployment
 * templates' AllowedPattern and scripts/serverless-iam.js (test/integration/deployment.test.ts).
 */
export const BUCKET_NAME = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The bucket list of WARM_S3_DEFINITION_BUCKETS (comma-separated); names that break S3's rules are dropped. */
export function allowedBucketsOf(value: string | undefined): string[] {
  return [...new Set((value ?? '').split(',').map((b) => b.trim()))].filter((b) => BUCKET_NAME.test(b));
}

/** U+0000-U+001F or U+007F. */
function hasControlCharacter(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** S3 allows 1,024 bytes of UTF-8 in a key. */
const MAX_KEY_BYTES = 1024;

/**
 * Why a key is not read, or undefined. S3 keys are flat names, but a key travels in a URL path
 * (`/KEY` on the bucket's host, or `/BUCKET/KEY` path-style), and HTTP layers may resolve `.` and `..`
 * segments, merge `//`, or read `\` as `/`: the object read could then differ from the one Step
 * Functions reads for the state machine, or sit in another bucket (`../other-bucket/key` path-style).
 * Such keys are refused rather than normalized, because a normalized key names another object than the
 * template's. Control characters are refused too (no definition needs them, and they would reach logs).
 */
export function keyProblem(key: string): string | undefined {
  if (key === '') return 'its key is empty';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `its key is longer than S3's ${MAX_KEY_BYTES} bytes`;
  if (hasControlCharacter(key)) return 'its key holds a control character';
  if (key.includes('\\')) return "its key holds a backslash, which HTTP layers may read as '/'";
  const segments = key.split('/');
  if (segments.some((s) => s === '.' || s === '..'))
    return "its key has a '.' or '..' segment, which HTTP layers may resolve to another object (or, path-style, to another bucket)";
  if (segments.some((s) => s === '')) return "its key has an empty segment (a leading or trailing '/', or '//'), which HTTP layers may merge";
  return undefined;
}

/** Reads the S3 definitions of `refs`; keyed by state machine logical ID. */
export async function readS3Definitions(refs: StoredRef[], settings: S3ReadSettings): Promise<Record<string, StoredDefinition>> {
  const out: Record<string, StoredDefinition> = {};
  const allowed = new Set(settings.allowedBuckets);
  const byObject = new Map<string, { location: S3Location; machines: string[] }>();
  for (const r of refs) {
    const l = r.location;
    if (l?.kind !== 's3') continue;
    if (l.bucket === undefined) {
      out[r.stateMachine] = { status: 'error', source: describeLocation(l), message: 'its bucket name needs the region and account of the deployment' };
      continue;
    }
    const refused = refusal(l.bucket, l.key, l.version, allowed);
    if (refused) {
      out[r.stateMachine] = { status: 'error', source: describeLocation(l), message: `not read: ${refused}` };
      continue;
    }
    const id = jsonText([l.bucket, l.key, l.version ?? null]);
    const entry = byObject.get(id);
    if (entry) entry.machines.push(r.stateMachine);
    else byObject.set(id, { location: l, machines: [r.stateMachine] });
  }
  if (byObject.size === 0) return out;
  const sdk = settings.sdk ?? (await loadS3Sdk());
  const budget = settings.budgetMs ?? DEFAULT_BUDGET_MS;
  const client = settings.client ?? clientFor(sdk, settings.region, Date.now() + budget);
  const maxBytes = settings.maxBytes ?? MAX_DEFINITION_BYTES;
  await withinBudget([...byObject.values()], { budgetMs: budget, concurrency: settings.concurrency ?? DEFAULT_CONCURRENCY }, async (item, signal) => {
    const result = await read(sdk, client, item.location, signal, budget, maxBytes);
    for (const m of item.machines) out[m] = result;
  });
  return out;
}

/** Why the reader refuses an object before any request, or undefined. */
function refusal(bucket: string, key: string, version: string | undefined, allowed: ReadonlySet<string>): string | undefined {
  if (allowed.size === 0) return 'the deployment of the macro lists no bucket to read definitions from (s3DefinitionBuckets)';
  if (!allowed.has(bucket)) return `bucket '${bucket}' is not one that the deployment of the macro lists in s3DefinitionBuckets`;
  const problem = keyProblem(key);
  if (problem) return problem;
  if (version !== undefined && (version === '' || hasControlCharacter(version))) return 'its version is empty or holds a control character';
  return undefined;
}

class TooLarge extends Error {}

async function read(sdk: S3Sdk, client: S3Client, l: S3Location, signal: AbortSignal, budget: number, maxBytes: number): Promise<StoredDefinition> {
  const source = describeLocation(l);
  if (signal.aborted) return { status: 'error', source, message: `not read: the ${budget} ms budget for reading definitions ran out` };
  let body: unknown;
  try {
    const res: GetObjectCommandOutput = await within(
      client.send(new sdk.GetObjectCommand({ Bucket: l.bucket, Key: l.key, VersionId: l.version }), { abortSignal: signal }),
      signal,
    );
    body = res.Body;
    const named = describeObject(l, res.VersionId, res.ETag);
    if (res.ContentLength !== undefined && res.ContentLength > maxBytes) {
      throw new TooLarge(`${res.ContentLength} bytes`);
    }
    const text = await within(bodyText(res.Body, maxBytes), signal);
    return { status: 'ok', source: named, text };
  } catch (e) {
    destroy(body); // a body left unread (too large, or the budget ran out) holds its connection open
    return { status: 'error', source, message: describeError(e, signal, budget, maxBytes) };
  }
}

function destroy(body: unknown): void {
  const d = (body as { destroy?: () => void } | undefined)?.destroy;
  if (typeof d === 'function') d.call(body);
}

/** The body as UTF-8 text, refusing more than `maxBytes` (S3 may not send a Content-Length). */
async function bodyText(body: unknown, maxBytes: number): Promise<string> {
  if (body === undefined || body === null) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    const b = isString(chunk) ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += b.length;
    if (size > maxBytes) {
      throw new TooLarge(`more than ${maxBytes} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
}

function describeError(e: unknown, signal: AbortSignal, budget: number, maxBytes: number): string {
  if (e instanceof TooLarge) return `too large (${e.message}; a definition is at most ${maxBytes} bytes)`;
  const name = (e as { name?: string })?.name ?? '';
  const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (signal.aborted || name === 'AbortError') return `timed out: the ${budget} ms budget for reading definitions ran out`;
  if (name === 'NoSuchKey' || name === 'NotFound') return 'not found: no such object';
  if (name === 'NoSuchBucket') return 'not found: no such bucket';
  if (name === 'NoSuchVersion' || (name === 'InvalidArgument' && /version/i.test((e as Error).message ?? '')))
    return 'not found: no such version of the object';
  if (name === 'AccessDenied' || (name === 'Forbidden' && status === 403)) {
    return 'access denied: the macro may read only the buckets its deployment lists in s3DefinitionBuckets (S3 also answers AccessDenied for an object that does not exist when the reader may not list the bucket)';
  }
  return `${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${(e as Error)?.message ?? String(e)}`;
}
