/**
 * Measures one adversarial template in this process (run by test/unit/resources.test.ts, bundled
 * with esbuild, in a fresh `node --expose-gc --max-semi-space-size=S --min-semi-space-size=S`).
 *
 * Usage: node … measure-probe.cjs <class> <size> <rounds>
 *
 * Time: after a warm-up, the median of `rounds` interleaved calls of the core transform and of the floor
 * `JSON.parse(JSON.stringify(template))` (a linear baseline). Memory: the bytes the first call
 * allocates, read as the growth of the heap between a full GC and the end of the call, with a young
 * generation larger than the call allocates, so that no GC runs during it (checked with a `gc`
 * PerformanceObserver, as bench/heap.mjs does); the floor is measured the same way.
 * Prints one JSON line: { ms, floorMs, bytes, floorBytes, gcDuring, outcome }.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { TransformError } from '../../macro/errors';
import { transform } from '../../macro/core/transform';
import { PROBE_CLASSES } from './probe-classes';

declare const gc: () => void;

const [cls, sizeArg, roundsArg] = process.argv.slice(2);
const make = PROBE_CLASSES[cls];
if (!make) throw new Error(`no probe class ${cls}`);
const made = make(Number(sizeArg));
const text = typeof made === 'string' ? made : JSON.stringify(made);
const template = JSON.parse(text);
const opts = { region: 'us-east-1', accountId: '123456789012' };

let outcome = 'success';
const run = (): void => {
  try {
    JSON.stringify(transform(template, opts).fragment);
  } catch (e) {
    if (!(e instanceof TransformError)) throw e;
    outcome = e.message;
  }
};
const floor = (): void => {
  JSON.parse(JSON.stringify(template));
};

const gcStarts: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcStarts.push(e.startTime);
}).observe({ entryTypes: ['gc'] });

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

async function allocated(f: () => void): Promise<{ bytes: number; gcDuring: number }> {
  gc();
  gc();
  await settle();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  f();
  const after = process.memoryUsage().heapUsed;
  const t1 = performance.now();
  await settle();
  return { bytes: after - before, gcDuring: gcStarts.filter((t) => t >= t0 && t <= t1).length };
}

async function main(): Promise<void> {
  const mem = await allocated(run);
  const floorMem = await allocated(floor);
  const rounds = Number(roundsArg);
  // Warm-up: compiled code on both sides before timing.
  for (let r = 0; r < 3; r++) {
    run();
    floor();
  }
  const times: number[] = [];
  const floors: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const pair: [() => void, number[]][] = [
      [run, times],
      [floor, floors],
    ];
    if (r % 2) pair.reverse();
    for (const [f, into] of pair) {
      const t0 = performance.now();
      f();
      into.push(performance.now() - t0);
    }
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1];
  process.stdout.write(
    `${JSON.stringify({ ms: median(times), floorMs: median(floors), bytes: mem.bytes, floorBytes: floorMem.bytes, gcDuring: mem.gcDuring + floorMem.gcDuring, outcome, templateBytes: text.length })}\n`,
  );
}

void main();
