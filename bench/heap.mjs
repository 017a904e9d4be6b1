/**
 * Peak heap of one handler call, measured in a fresh process (started by bench/run.mjs).
 *
 * Usage: node --expose-gc --max-semi-space-size=S --min-semi-space-size=S bench/heap.mjs <macro.js> <resources> <targetBytes> <seed> <definitionShare>
 *
 * Method. Between two garbage collections the V8 heap only grows, so if no GC runs during the
 * call, the heap used right after the call is the highest it was during the call. The parent
 * gives this process a young generation larger than everything the call allocates, runs a full
 * GC before the call, and checks with a `gc` PerformanceObserver that no GC started during the
 * call. Then:
 *   baseline = heap used after GC, with the event (the parsed template) and the bundle loaded;
 *   peak     = heap used right after the call = baseline + everything the call allocated.
 * `peak` counts garbage too, so it is an upper bound of the live peak: with the default young
 * generation, scavenges would reclaim part of it. If a GC does run during the call, the result
 * is marked invalid (`gcDuring > 0`) and the parent retries with a larger young generation.
 *
 * The first call in the process (code not yet compiled, as on a cold Lambda) and a second call
 * are measured, and so is the floor `JSON.parse(JSON.stringify(fragment))` for comparison.
 * Prints one JSON line.
 */
import v8 from 'node:v8';
import { pathToFileURL } from 'node:url';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { generateTemplate, REGION, ACCOUNT } from './generate.mjs';

const [macroPath, resources, targetBytes, seed, definitionShare] = process.argv.slice(2);
if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');

const gcStarts = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcStarts.push(e.startTime);
}).observe({ entryTypes: ['gc'] });

// The event as the Lambda runtime hands it over: parsed from JSON text.
let text = JSON.stringify(
  generateTemplate({ resources: Number(resources), targetBytes: Number(targetBytes), seed: Number(seed), definitionShare: Number(definitionShare) }).template,
);
const bytes = text.length;
const fragment = JSON.parse(text);
text = undefined;
const macro = await import(pathToFileURL(macroPath).href);
// createHandler(deps) builds the handler over test dependencies; older builds took them as a third argument.
const makeHandler = macro.createHandler ?? ((d) => (e) => macro.handler(e, undefined, d));
const event = {
  region: REGION,
  accountId: ACCOUNT,
  fragment,
  transformId: `${ACCOUNT}::WarmStepFunctions`,
  params: {},
  requestId: 'bench-heap',
  templateParameterValues: {},
};
const handler = makeHandler({ log: () => {}, env: {} });

const settle = () => new Promise((r) => setTimeout(r, 20)); // lets the observer deliver GC entries
const used = () => v8.getHeapStatistics().used_heap_size;

async function measure(run) {
  global.gc();
  global.gc();
  await settle();
  const baseline = used();
  const t0 = performance.now();
  const result = await run();
  const peak = used();
  const t1 = performance.now();
  await settle();
  const gcDuring = gcStarts.filter((t) => t >= t0 && t <= t1).length;
  global.gc();
  const retained = used(); // `result` is still referenced here
  return { baseline, peak, retained, gcDuring, ok: result !== undefined };
}

const out = { bytes };
out.cold = await measure(async () => {
  const r = await handler(event);
  if (r.status !== 'success') throw new Error(`handler failed: ${r.errorMessage}`);
  return r;
});
out.warm = await measure(async () => handler(event));
out.floor = await measure(async () => JSON.parse(JSON.stringify(fragment)));
process.stdout.write(`${JSON.stringify(out)}\n`);
