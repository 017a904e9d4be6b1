/**
 * The realistic cases of `npm run bench` (called by bench/run.mjs): a real Serverless service at
 * 100 KB and at 1 MB, and the invocation-dense template (bench/realistic.mjs), each held to a
 * ratio against the JSON round trip of the same fragment, measured in the same run.
 *
 * The measured path is the deployed one, logs included: `createHandler({log: consoleSink(env)})`
 * with the bundle's own console sink at the application log level INFO, once in Lambda's text log
 * format and once in its JSON log format. The console under the sink stands in for the Lambda
 * Node.js runtime's: it formats each line as the runtime would (text: timestamp, request ID,
 * level and the message; JSON: one JSON object with the message nested), and counts the bytes
 * instead of writing them.
 *
 * Timing is interleaved as in run.mjs, one case at a time (so that the small case gets as many
 * rounds as it needs on a busy machine): each round times the text-format handler, the JSON-format
 * handler and the floor `JSON.parse(JSON.stringify(fragment))`, in rotating order; medians over the
 * rounds. A case passes when the worse of its two formats is within its target.
 */
import { format } from 'node:util';
import { denseTemplate, scaledService } from './realistic.mjs';

const KB = 1024;
const MB = 1024 * 1024;

/** The cases and their targets (handler / floor, the worse log format). */
export const REALISTIC_CASES = [
  { key: 'service-100K', label: 'Serverless service, 100 KB', make: () => scaledService(100 * KB), target: 2.5 },
  { key: 'service-1M', label: 'Serverless service, 1 MB', make: () => scaledService(1 * MB), target: 2.5 },
  { key: 'dense', label: 'dense: 2 machines x 2,500 Lambda tasks', make: () => denseTemplate(), target: 5 },
];

const WARM_MS = 3_000; // per case: at least 10 rounds, then until 3 s or 200 rounds
const MEASURE_MS = 8_000; // per case: at least 31 rounds, then until 8 s or 2001 rounds

/** What the Lambda Node.js runtime writes for console.info / warn / error, counted instead of written. */
function lambdaConsole(logFormat, requestId, counter) {
  const line = (level) =>
    logFormat === 'JSON'
      ? (message) => {
          const text = JSON.stringify({ timestamp: new Date().toISOString(), level, requestId, message });
          counter.bytes += text.length + 1;
          counter.lines++;
        }
      : (message) => {
          const text = `${new Date().toISOString()}\t${requestId}\t${level}\t${format(message).replace(/\n/g, '\r')}\n`;
          counter.bytes += text.length;
          counter.lines++;
        };
  return { info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}

/**
 * Prepares, checks and times the realistic cases. `h` holds run.mjs's helpers: the bundle's module,
 * makeHandler, eventFor, median, quantile, check and ms.
 */
export async function timeRealistic(h) {
  const { macro, makeHandler, eventFor, median, quantile, check, ms } = h;
  check(typeof macro.consoleSink === 'function', 'the bundle does not export consoleSink: the realistic cases need the deployed log sink');
  const prepared = [];
  for (const c of REALISTIC_CASES) {
    const fragment = c.make();
    const text = JSON.stringify(fragment);
    const requestId = `bench-${c.key}`;
    const event = eventFor(fragment, requestId);
    const sides = {};
    const counts = {};
    for (const logFormat of ['text', 'JSON']) {
      const counter = { bytes: 0, lines: 0 };
      const env = { AWS_LAMBDA_LOG_LEVEL: 'INFO', ...(logFormat === 'JSON' ? { AWS_LAMBDA_LOG_FORMAT: 'JSON' } : {}) };
      const handler = makeHandler({ log: macro.consoleSink(env, lambdaConsole(logFormat, requestId, counter)), env: {} });
      // One counted call: it succeeds, rewrites, writes one line per decision and the summary, and leaves its input alone.
      let decisions = 0;
      const reply = await makeHandler({ log: () => decisions++, env: {} })(event);
      check(reply.status === 'success', `${c.label}: handler failed: ${String(reply.errorMessage).slice(0, 500)}`);
      const rewritten = Object.values(reply.fragment.Resources).reduce(
        (n, r) => n + (Array.isArray(r.Metadata?.WarmStepFunctions) ? r.Metadata.WarmStepFunctions.length : 0),
        0,
      );
      check(rewritten > 0, `${c.label}: the macro rewrote nothing`);
      await handler(event);
      check(counter.lines === decisions, `${c.label}: the ${logFormat} log format wrote ${counter.lines} lines for ${decisions} records`);
      check(JSON.stringify(fragment) === text, `${c.label}: the handler mutated its input`);
      counts[logFormat] = { lines: counter.lines, bytes: counter.bytes, rewritten };
      sides[logFormat] = async () => {
        const t0 = ms();
        await handler(event);
        return ms() - t0;
      };
    }
    sides.floor = async () => {
      const t0 = ms();
      JSON.parse(JSON.stringify(fragment));
      return ms() - t0;
    };
    prepared.push({ c, bytes: text.length, resources: Object.keys(fragment.Resources).length, sides, counts, samples: { text: [], JSON: [], floor: [] } });
  }
  const names = ['text', 'JSON', 'floor'];
  for (const p of prepared) {
    const round = async (r, record) => {
      for (let q = 0; q < names.length; q++) {
        const side = names[(q + r) % names.length];
        const t = await p.sides[side]();
        if (record) p.samples[side].push(t);
      }
    };
    const warmEnd = ms() + WARM_MS;
    for (let r = 0; r < 10 || (ms() < warmEnd && r < 200); r++) await round(r, false);
    if (typeof global.gc === 'function') global.gc();
    const end = ms() + MEASURE_MS;
    for (let r = 0; r < 31 || (ms() < end && r < 2001); r++) await round(r, true);
  }
  return prepared.map((p) => {
    const m = Object.fromEntries(names.map((n) => [n, median(p.samples[n])]));
    const iqr = Object.fromEntries(names.map((n) => [n, [quantile(p.samples[n], 0.25), quantile(p.samples[n], 0.75)]]));
    const ratio = { text: m.text / m.floor, JSON: m.JSON / m.floor };
    return { ...p, median: m, iqr, ratio, worst: Math.max(ratio.text, ratio.JSON), runs: p.samples.floor.length };
  });
}

/** The table rows of the realistic cases, and their rows for the targets table. */
export function realisticRows(results) {
  const f = (x) => x.toFixed(2);
  const rows = results.map((r) => [
    `${r.c.label} (${(r.bytes / KB).toFixed(0)} KB)`,
    r.resources,
    `${r.counts.text.rewritten}`,
    `${r.counts.text.lines} / ${(r.counts.text.bytes / KB).toFixed(0)} KB / ${(r.counts.JSON.bytes / KB).toFixed(0)} KB`,
    `${f(r.median.text)} (${f(r.iqr.text[0])}-${f(r.iqr.text[1])})`,
    `${f(r.median.JSON)} (${f(r.iqr.JSON[0])}-${f(r.iqr.JSON[1])})`,
    `${f(r.median.floor)} (${f(r.iqr.floor[0])}-${f(r.iqr.floor[1])})`,
    `${f(r.ratio.text)} / ${f(r.ratio.JSON)}`,
    r.runs,
  ]);
  const head = [
    'realistic template',
    'resources',
    'rewritten',
    'log lines / text / JSON',
    'handler ms, text logs (IQR)',
    'handler ms, JSON logs (IQR)',
    'floor ms (IQR)',
    'ratio text / JSON',
    'runs',
  ];
  const targets = results.map((r) => [
    `ratio, ${r.c.label} (worse log format)`,
    f(r.worst),
    `<= ${r.c.target.toFixed(1)}`,
    r.worst <= r.c.target ? 'PASS' : 'FAIL',
  ]);
  return { head, rows, targets };
}
