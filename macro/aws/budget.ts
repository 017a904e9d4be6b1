/**
 * The time budget and retry discipline shared by the Lambda edge's AWS reads (ResolveExternal's Lambda
 * lookups, definitions in S3): one time budget and worker pool for a run's requests (`withinBudget`), a
 * retry strategy that knows the deadline (`budgetRetry`), and a send that ends when the budget does
 * (`within`). No SDK import: the clients are built by their modules, which load the SDK lazily.
 */

export const MAX_ATTEMPTS = 3;
/** Total time budget for a run's reads, in ms, unless the deployment sets one. */
export const DEFAULT_BUDGET_MS = 10_000;
/** Requests in flight at once, at most, unless the caller sets it. */
export const DEFAULT_CONCURRENCY = 4;

/** What the SDK's retry middleware passes to `refreshRetryTokenForRetry` (RetryErrorInfo of @smithy/types). */
interface RetryErrorInfo {
  errorType: 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR';
  retryAfterHint?: Date;
}

/** RetryToken of @smithy/types. */
export interface BudgetRetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

const retryToken = (count: number, delay: number): BudgetRetryToken => ({ getRetryCount: () => count, getRetryDelay: () => delay });

/**
 * A RetryStrategyV2 for the SDK's retry middleware (the middleware waits `getRetryDelay()` before
 * the next attempt, and gives up with the last error when this throws).
 *
 * Why not the SDK's own modes: `adaptive` rate-limits the client after one throttling error (down
 * to 0.5 requests per second), so that a handful of throttled lookups spend the whole budget
 * waiting for client-side tokens; `standard` waits up to 1 s, 2 s, 4 s... (20 s at most) without
 * knowing the budget. This one retries throttling (base 500 ms) and transient errors (base 100 ms)
 * with full jitter, honours a Retry-After hint, makes at most `maxAttempts` attempts, and does not
 * retry when the wait would leave less than `minAttemptMs` before the deadline: the lookup then
 * reports the service's own error (throttled) instead of a timeout.
 */
export class BudgetRetryStrategy {
  readonly mode = 'standard';
  readonly #deadline: number;
  readonly #maxAttempts: number;
  readonly #minAttemptMs: number;
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(deadline: number, maxAttempts = MAX_ATTEMPTS, minAttemptMs = 250, now: () => number = Date.now, random: () => number = Math.random) {
    this.#deadline = deadline;
    this.#maxAttempts = maxAttempts;
    this.#minAttemptMs = minAttemptMs;
    this.#now = now;
    this.#random = random;
  }

  async acquireInitialRetryToken(_scope: string): Promise<BudgetRetryToken> {
    return retryToken(0, 0);
  }

  async refreshRetryTokenForRetry(token: BudgetRetryToken, info: RetryErrorInfo): Promise<BudgetRetryToken> {
    const retries = token.getRetryCount();
    if (info.errorType !== 'THROTTLING' && info.errorType !== 'TRANSIENT') throw new Error('not retryable');
    if (retries + 1 >= this.#maxAttempts) throw new Error(`no retry left (${this.#maxAttempts} attempts)`);
    const base = info.errorType === 'THROTTLING' ? 500 : 100;
    let delay = Math.floor(this.#random() * Math.min(base * 2 ** retries, 5_000));
    if (info.retryAfterHint instanceof Date) delay = Math.max(delay, info.retryAfterHint.getTime() - this.#now());
    if (this.#now() + delay + this.#minAttemptMs > this.#deadline) throw new Error('a retry would not fit the time budget');
    return retryToken(retries + 1, delay);
  }

  recordSuccess(_token: BudgetRetryToken): void {}
}

/** A promise that ends when the budget does (`signal` aborts), even if the client ignores the abort signal. */
export function within<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  const aborted = (): Error => Object.assign(new Error('aborted'), { name: 'AbortError' });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(p).then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * The retry settings of a client whose requests must end by `deadline` (ms since the epoch): at most
 * MAX_ATTEMPTS attempts, with a BudgetRetryStrategy. Spread into the SDK client's configuration.
 */
export function budgetRetry(deadline: number): { maxAttempts: number; retryStrategy: BudgetRetryStrategy } {
  return { maxAttempts: MAX_ATTEMPTS, retryStrategy: new BudgetRetryStrategy(deadline) };
}

/**
 * Runs `work` on every item with at most `concurrency` workers (at least one, at most one per item),
 * in the items' order, under one time budget: `signal` aborts when `budgetMs` has passed. Each
 * `work` turns its own failures into outcomes; the pool stops taking items only when they run out.
 */
export async function withinBudget<T>(
  items: readonly T[],
  { budgetMs, concurrency }: { budgetMs: number; concurrency: number },
  work: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), budgetMs);
  try {
    const queue = [...items];
    const worker = async (): Promise<void> => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item, abort.signal);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  } finally {
    clearTimeout(timer);
  }
}
