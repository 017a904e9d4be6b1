/**
 * One adversarial template (test/support/probes.ts) through the handler, in a fresh process.
 *
 * Usage: node --max-old-space-size=256 bench/probe-run.mjs <macro.js> <probes.mjs> <probe key> [timeoutMs]
 * (`probes.mjs`: test/support/probes.ts bundled by bench/run.mjs, see `bundleProbes`).
 *
 * The event is parsed from JSON text, as the Lambda runtime hands it over. The context says the
 * function has `timeoutMs` (default 60 s) and 256 MB. Prints one JSON line: template bytes, the
 * handler's time, the process's peak resident memory over its baseline (the event and the bundle
 * loaded), the reply's status, its size as JSON (or the error the runtime would hit serializing
 * it), and the start of its error message. A process that dies (heap exhausted) prints nothing:
 * the parent reports that.
 */
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
const [macroPath, probesPath, key, timeoutArg] = process.argv.slice(2);
const { WORST, macroEvent } = await import(pathToFileURL(probesPath).href);
const probe = WORST.find((p) => p.key === key);
if (!probe) throw new Error(`no probe ${key}`);
const timeoutMs = Number(timeoutArg ?? 60_000);
const made = probe.make();
let text = typeof made === 'string' ? made : JSON.stringify(made);
const bytes = Buffer.byteLength(text);
const event = macroEvent(JSON.parse(text));
text = undefined;
const macro = await import(pathToFileURL(macroPath).href);
const handler = macro.createHandler({ log: () => {}, env: {} });
const baseline = process.resourceUsage().maxRSS * 1024;
const t0 = performance.now();
const deadline = Date.now() + timeoutMs;
const context = { getRemainingTimeInMillis: () => deadline - Date.now(), memoryLimitInMB: 256, functionName: 'probe', awsRequestId: 'probe' };
const reply = await handler(event, context);
const ms = performance.now() - t0;
let replyBytes;
try {
  replyBytes = Buffer.byteLength(JSON.stringify(reply));
} catch (e) {
  replyBytes = `${e.name}: ${e.message}`;
}
const peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(
  `${JSON.stringify({ key, bytes, ms, peakMB: peak / 2 ** 20, overBaselineMB: (peak - baseline) / 2 ** 20, status: reply.status, replyBytes, error: reply.errorMessage?.slice(0, 300) })}\n`,
);
