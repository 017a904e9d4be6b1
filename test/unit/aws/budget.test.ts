/**
 * The AWS reads' shared budget (macro/aws/budget.ts): the retry strategy that knows the deadline, the
 * retry settings of a client, the worker pool under one time budget, and the send that ends with it.
 * The readers' use of them: aws/lambda-aliases.test.ts, aws/s3-definitions.test.ts, stored.test.ts.
 */
import { budgetRetry, BudgetRetryStrategy, MAX_ATTEMPTS, within, withinBudget } from '../../../macro/aws/budget';

describe('BudgetRetryStrategy', () => {
  const T = 1_000_000;
  const make = (deadline: number, random = 0.5, now = T) =>
    new BudgetRetryStrategy(
      deadline,
      3,
      250,
      () => now,
      () => random,
    );

  it('retries throttling (base 500 ms) and transient errors (base 100 ms) with jitter, doubling each time', async () => {
    const s = make(T + 60_000);
    const t0 = await s.acquireInitialRetryToken('');
    expect([t0.getRetryCount(), t0.getRetryDelay()]).toEqual([0, 0]);
    const t1 = await s.refreshRetryTokenForRetry(t0, { errorType: 'THROTTLING' });
    expect([t1.getRetryCount(), t1.getRetryDelay()]).toEqual([1, 250]);
    const t2 = await s.refreshRetryTokenForRetry(t1, { errorType: 'THROTTLING' });
    expect([t2.getRetryCount(), t2.getRetryDelay()]).toEqual([2, 500]);
    const transient = await s.refreshRetryTokenForRetry(t0, { errorType: 'TRANSIENT' });
    expect(transient.getRetryDelay()).toBe(50);
  });

  it('at most 3 attempts', async () => {
    const s = make(T + 60_000);
    const t2 = await s.refreshRetryTokenForRetry(await s.refreshRetryTokenForRetry(await s.acquireInitialRetryToken(''), { errorType: 'THROTTLING' }), {
      errorType: 'THROTTLING',
    });
    await expect(s.refreshRetryTokenForRetry(t2, { errorType: 'THROTTLING' })).rejects.toThrow('no retry left (3 attempts)');
  });

  it.each(['CLIENT_ERROR', 'SERVER_ERROR'] as const)('%s is not retried', async (errorType) => {
    const s = make(T + 60_000);
    await expect(s.refreshRetryTokenForRetry(await s.acquireInitialRetryToken(''), { errorType })).rejects.toThrow('not retryable');
  });

  it('no retry whose wait would end less than 250 ms before the deadline', async () => {
    const t0 = await make(0).acquireInitialRetryToken('');
    // The wait is 250 ms (random 0.5 of 500): it fits with 500 ms left, not with 499.
    await expect(make(T + 500).refreshRetryTokenForRetry(t0, { errorType: 'THROTTLING' })).resolves.toBeDefined();
    await expect(make(T + 499).refreshRetryTokenForRetry(t0, { errorType: 'THROTTLING' })).rejects.toThrow('a retry would not fit the time budget');
  });

  it('a Retry-After hint lengthens the wait, and is refused when it does not fit', async () => {
    const t0 = await make(0).acquireInitialRetryToken('');
    const hint = { errorType: 'THROTTLING' as const, retryAfterHint: new Date(T + 2_000) };
    expect((await make(T + 10_000).refreshRetryTokenForRetry(t0, hint)).getRetryDelay()).toBe(2_000);
    await expect(make(T + 2_000).refreshRetryTokenForRetry(t0, hint)).rejects.toThrow('a retry would not fit the time budget');
  });

  it('a jitter of 0 still makes progress (no wait), and the cap is 5 s', async () => {
    const zero = make(T + 60_000, 0);
    expect((await zero.refreshRetryTokenForRetry(await zero.acquireInitialRetryToken(''), { errorType: 'THROTTLING' })).getRetryDelay()).toBe(0);
    const big = new BudgetRetryStrategy(
      T + 60_000,
      10,
      250,
      () => T,
      () => 0.999,
    );
    let t = await big.acquireInitialRetryToken('');
    for (let k = 0; k < 6; k++) t = await big.refreshRetryTokenForRetry(t, { errorType: 'THROTTLING' });
    expect(t.getRetryDelay()).toBe(4_995);
  });
});

describe('budgetRetry', () => {
  it('MAX_ATTEMPTS attempts, with a BudgetRetryStrategy for the deadline', () => {
    const r = budgetRetry(Date.now() + 1_000);
    expect(Object.keys(r)).toEqual(['maxAttempts', 'retryStrategy']);
    expect(r.maxAttempts).toBe(MAX_ATTEMPTS);
    expect(r.retryStrategy).toBeInstanceOf(BudgetRetryStrategy);
  });
});

describe('withinBudget', () => {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  it('every item once, in order, with at most `concurrency` at a time', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    await withinBudget([1, 2, 3, 4, 5, 6, 7], { budgetMs: 10_000, concurrency: 3 }, async (n) => {
      started.push(n);
      most = Math.max(most, ++running);
      await sleep(5);
      running--;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('at least one worker, and none beyond the items', async () => {
    let running = 0;
    let most = 0;
    const work = async (): Promise<void> => {
      most = Math.max(most, ++running);
      await sleep(1);
      running--;
    };
    await withinBudget([1, 2], { budgetMs: 10_000, concurrency: 0 }, work);
    expect(most).toBe(1);
    most = 0;
    await withinBudget([1, 2], { budgetMs: 10_000, concurrency: 8 }, work);
    expect(most).toBe(2);
    await expect(withinBudget([], { budgetMs: 10_000, concurrency: 4 }, work)).resolves.toBeUndefined();
  });

  it('the signal aborts when the budget has passed, and later items see it aborted', async () => {
    const seen: boolean[] = [];
    await withinBudget([1, 2], { budgetMs: 20, concurrency: 1 }, async (_n, signal) => {
      seen.push(signal.aborted);
      await within(sleep(1_000), signal).catch(() => undefined);
    });
    expect(seen).toEqual([false, true]);
  });

  it('the timer is cleared when the work ends first (nothing keeps the process alive)', async () => {
    const clear = jest.spyOn(global, 'clearTimeout');
    try {
      await withinBudget([1], { budgetMs: 60_000, concurrency: 1 }, async () => undefined);
      expect(clear).toHaveBeenCalled();
    } finally {
      clear.mockRestore();
    }
  });
});

describe('within', () => {
  it('ends with an AbortError when the signal aborts, whatever the promise does', async () => {
    const abort = new AbortController();
    const p = within(new Promise<never>(() => undefined), abort.signal);
    abort.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    await expect(within(Promise.resolve(1), abort.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('passes the value or error through while the budget lasts', async () => {
    const signal = new AbortController().signal;
    await expect(within(Promise.resolve(7), signal)).resolves.toBe(7);
    await expect(within(Promise.reject(new Error('x')), signal)).rejects.toThrow('x');
  });
});
