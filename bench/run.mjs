/**
 * Benchmark of the macro at CloudFormation's limits (500 resources, 1 MB of JSON).
 *
 * Usage (after `npm run build`): node --expose-gc bench/run.mjs [--macro path/to/macro.js] [--strict]
 *
 * For each generated template (bench/generate.mjs, seeded) it measures, in this process and
 * interleaved, the full Lambda path `createHandler({log: no-op})(event)` of dist/macro.js
 * and the floor `JSON.parse(JSON.stringify(fragment))`, and reports their medians and ratio.
 * Timing is steady state: a long warm-up first (the JIT needs well over a hundred calls to
 * optimize the small cases), then rounds; each round times, for every template, one handler call
 * and one floor call, in rotating order. Interleaving the templates as well as the two paths
 * spreads any outside load over all of them, so the ratios (handler / floor, 1 MB / 100 KB)
 * stay sound on a busy machine. No GC is forced between calls (a forced full GC shrinks the
 * young generation and slows the next call down): each side pays for the collections its own
 * allocations cause.
 * The realistic cases (bench/realistic-run.mjs: a Serverless service at 100 KB and 1 MB, and an
 * invocation-dense template) are timed after them, with logs written in Lambda's text and JSON formats.
 * It also measures the peak heap of the heavier 1 MB case in a fresh process (bench/heap.mjs), the
 * bundle size, and the cold start of the bundle in fresh processes. It prints a table, PASS or
 * FAIL per target, then the "worst cases" table, and last the line `ratio at 1 MB: R`.
 *
 * Worst cases: each adversarial template of test/support/probes.ts (`WORST`: nested Fn::Sub that
 * reuse their variables, big Fn::Join delimiters, deep definitions of every form, long names,
 * wildcard policies, wide definitions...) goes through the handler in a fresh process under
 * `--max-old-space-size=256` (bench/probe-run.mjs). Each must get a bounded reply, a success or a
 * failure that names a limit, in under 5 s, within 256 MB and Lambda's 6 MB response limit.
 * `--worst` runs only this table.
 *
 * `--macro` measures another build of the handler (e.g. to compare a change).
 * Without `--macro`, it also records what it printed and its main figures in bench/results.json
 * (committed: `npm run docs` shows them in docs/performance.md).
 * Exit code: 2 when the benchmark itself is invalid (a template or a run is not what it claims);
 * with `--strict`, 1 when a target is missed; otherwise 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { format } from 'node:util';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateTemplate, FORMS, MAX_STATES, REGION, ACCOUNT } from './generate.mjs';
import { runtimeColdStart } from './runtime.mjs';
import { realisticRows, timeRealistic } from './realistic-run.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const macroArg = process.argv.indexOf('--macro');
const MACRO = macroArg > 0 ? resolve(process.argv[macroArg + 1]) : join(ROOT, 'dist', 'macro.js');
const STRICT = process.argv.includes('--strict');
const WORST_ONLY = process.argv.includes('--worst');
const KB = 1024;
const MB = 1024 * 1024;

/**
 * The Node.js majors of the Lambda runtimes the macro deploys to (scripts/node-versions.json). Figures taken on
 * another Node.js stand for no deployed macro (the engine's garbage collector, maps and JSON differ): they are
 * printed, not recorded.
 */
const LAMBDA_MAJORS = JSON.parse(readFileSync(join(ROOT, 'scripts', 'node-versions.json'), 'utf8')).map((v) => v.major);
const DEPLOYED_NODE = LAMBDA_MAJORS.includes(Number(process.versions.node.split('.')[0]));

if (!existsSync(MACRO)) {
  console.error(`${MACRO} is missing: run \`npm run build\` first (\`npm run bench\` does).`);
  process.exit(2);
}

const TARGETS = {
  // The release is held to 2.5 at 1 MB (issue 18: "the benchmark's 1 MB ratio stays <= 2.5").
  ratio1MB: 2.5,
  scaling: 12,
  peakHeapMB: 64,
  bundleKB: 150,
  coldStartOverhead: 0.5,
  runtimeInitOverheadMs: 15,
};

/**
 * The templates: CloudFormation's maximum is 500 resources and 1 MB for a processed template.
 * The first four are generated with `definitionShare: 0.6`: the resources other than state
 * machines get cost-allocation tags until they fill (nearly) 40% of the JSON, and the definitions
 * fill the rest. Only the 1 MB one needs tags (11 per taggable resource); the 100 KB, 500 KB and
 * 1 MB templates then all have 62% of their JSON in definitions (checked below for 100 KB and
 * 1 MB), so that the scaling target compares like with like. The fifth is the worst case for the
 * macro: 1 MB without tags, whose definitions fill everything the other resources leave (81% of
 * it); it is held to the ratio and heap targets too, and its scaling is printed.
 */
const SHARE = 0.6;
const CASES = [
  { key: '10', label: '10 resources', resources: 10, targetBytes: 10 * KB, min: 0.85, seed: 1010, definitionShare: SHARE },
  { key: '100K', label: '100 resources', resources: 100, targetBytes: 100 * KB, min: 0.95, seed: 1100, definitionShare: SHARE },
  { key: '500K', label: '500 resources', resources: 500, targetBytes: 500 * KB, min: 0.97, seed: 1500, definitionShare: SHARE },
  { key: '1M', label: '500 resources', resources: 500, targetBytes: 1 * MB, min: 1_000_000 / MB, seed: 1501, definitionShare: SHARE },
  {
    key: '1M-sfn',
    label: '500 resources, most of it state machines',
    resources: 500,
    targetBytes: 1 * MB,
    min: 1_000_000 / MB,
    seed: 1501,
    definitionShare: 1,
  },
];
const WARM_MS = 10_000; // warm-up rounds: at least 30, then until 10 s or 400 rounds
const MEASURE_MS = 30_000; // measured rounds: at least 41, then until 30 s or 2001 rounds

class Invalid extends Error {}
const check = (ok, message) => {
  if (!ok) throw new Invalid(message);
};

const require = createRequire(import.meta.url);
const macro = await import(pathToFileURL(MACRO).href);
// createHandler(deps) builds the handler over test dependencies; older builds (--macro) took them as a third argument.
const makeHandler = macro.createHandler ?? ((d) => (e) => macro.handler(e, undefined, d));
const aslValidator = require('asl-validator');
const validateAsl = aslValidator.default ?? aslValidator;

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
};
const median = (xs) => quantile(xs, 0.5);
const ms = () => performance.now();
const eventFor = (fragment, requestId) => ({
  region: REGION,
  accountId: ACCOUNT,
  fragment,
  transformId: `${ACCOUNT}::WarmStepFunctions`,
  params: {},
  requestId,
  templateParameterValues: {},
});
const quiet = makeHandler({ log: () => {}, env: {} });

/** Generates a case's template and checks that it is what the benchmark claims it is. */
function prepare(c) {
  const g = generateTemplate(c);
  const text = JSON.stringify(g.template);
  const fragment = JSON.parse(text); // as the Lambda runtime hands it over
  check(text.length === g.bytes, 'generator size mismatch');
  check(
    text.length <= c.targetBytes && text.length >= c.min * c.targetBytes,
    `${c.label}: ${text.length} bytes of JSON, expected ${Math.ceil(c.min * c.targetBytes)}..${c.targetBytes}`,
  );
  check(Object.keys(fragment.Resources).length === c.resources, `${c.label}: ${Object.keys(fragment.Resources).length} resources, expected ${c.resources}`);
  check(
    g.stateCounts.every((n) => n >= 1 && n <= MAX_STATES),
    'state counts out of 1..200',
  );
  if (c.resources >= 100) {
    for (const f of FORMS) check(g.forms.includes(f), `${c.label}: definition form ${f} missing`);
    for (const word of ['"Parallel', '"Map', 'Iterator', 'ItemProcessor', 'waitForTaskToken', 'ProvisionedConcurrencyConfig'])
      check(text.includes(word), `${c.label}: no ${word} in the template`);
  }
  for (const [id, definition] of deployedDefinitions(fragment)) {
    const r = validateAsl(JSON.parse(definition));
    check(r.isValid, `${c.label}: ${id} is not valid ASL: ${JSON.stringify(r.errors).slice(0, 300)}`);
  }
  if (c.key === '1M-sfn')
    check(Math.min(...g.stateCounts) === 1 && Math.max(...g.stateCounts) === MAX_STATES, '1 MB: state machines should span 1..200 states');
  return { text, fragment, g };
}

/**
 * Each state machine's definition as Step Functions would receive it after deployment, with
 * sample values for references (Fn::Sub, Fn::Join, DefinitionSubstitutions, Definition objects).
 */
function deployedDefinitions(fragment) {
  const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sample`;
  const value = (v) => (v?.Ref === 'AWS::Partition' ? 'aws' : v?.['Fn::Sub'] ? sub(v['Fn::Sub']) : arn);
  const sub = (a) =>
    (Array.isArray(a) ? a[0] : a)
      .replace(/\$\{AWS::Partition\}/g, 'aws')
      .replace(/\$\{AWS::Region\}/g, REGION)
      .replace(/\$\{AWS::AccountId\}/g, ACCOUNT)
      .replace(/(function:)\$\{[^}]+\}/g, '$1sample')
      .replace(/\$\{[^}]+\}/g, arn);
  const out = [];
  for (const [id, r] of Object.entries(fragment.Resources)) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const { Definition: d, DefinitionString: ds, DefinitionSubstitutions: subs } = r.Properties;
    let text;
    if (d) text = JSON.stringify(d, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) && (v.Ref || v['Fn::GetAtt'] || v['Fn::Sub']) ? value(v) : v));
    else if (typeof ds === 'string') text = ds;
    else if (ds['Fn::Sub']) text = sub(ds['Fn::Sub']);
    else text = ds['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : value(p))).join(ds['Fn::Join'][0]);
    if (subs) text = text.replace(/\$\{([^}]+)\}/g, (m, k) => (k in subs ? arn : m));
    out.push([id, text]);
  }
  return out;
}

/** One handler call, counted: the macro must succeed, rewrite invocations and not touch its input. */
async function verify(c, p) {
  let summary;
  let decisions = 0;
  const log = (line) => {
    const o = typeof line === 'string' ? JSON.parse(line) : line;
    if (o.message === 'summary') summary = o;
    else decisions++;
  };
  const reply = await makeHandler({ log, env: {} })(eventFor(p.fragment, `bench-${c.key}`));
  check(reply.status === 'success', `${c.label}: handler failed: ${String(reply.errorMessage).slice(0, 500)}`);
  let metadata = 0;
  for (const r of Object.values(reply.fragment.Resources)) {
    const entries = r.Metadata?.WarmStepFunctions;
    if (Array.isArray(entries)) metadata += entries.length;
  }
  check(metadata > 0, `${c.label}: the macro rewrote nothing`);
  check(summary && summary.rewritten === metadata, `${c.label}: summary says ${summary?.rewritten} rewritten, Metadata lists ${metadata}`);
  check(JSON.stringify(p.fragment) === p.text, `${c.label}: the handler mutated its input`);
  const states = p.g.stateCounts.reduce((a, b) => a + b, 0);
  return { rewritten: metadata, decisions, summary, states, outBytes: JSON.stringify(reply.fragment).length };
}

/** Steady-state timing of handler and floor on every template, interleaved (see the header). */
async function time(fragments) {
  const paths = fragments.map((fragment, k) => {
    const event = eventFor(fragment, `bench-${CASES[k].key}`);
    return {
      handler: async () => {
        const t0 = ms();
        await quiet(event);
        return ms() - t0;
      },
      floor: async () => {
        const t0 = ms();
        JSON.parse(JSON.stringify(fragment));
        return ms() - t0;
      },
    };
  });
  const samples = paths.map(() => ({ handler: [], floor: [] }));
  const round = async (r, record) => {
    for (let j = 0; j < paths.length; j++) {
      const k = (j + r) % paths.length;
      const order = r % 2 === 0 ? ['handler', 'floor'] : ['floor', 'handler'];
      for (const side of order) {
        const t = await paths[k][side]();
        if (record) samples[k][side].push(t);
      }
    }
  };
  const warmEnd = ms() + WARM_MS;
  for (let r = 0; r < 30 || (ms() < warmEnd && r < 400); r++) await round(r, false);
  if (typeof global.gc === 'function') global.gc(); // start measuring from a clean heap
  const end = ms() + MEASURE_MS;
  for (let r = 0; r < 41 || (ms() < end && r < 2001); r++) await round(r, true);
  return samples.map(({ handler: h, floor: f }) => ({
    handler: median(h),
    floor: median(f),
    handlerIqr: [quantile(h, 0.25), quantile(h, 0.75)],
    floorIqr: [quantile(f, 0.25), quantile(f, 0.75)],
    runs: h.length,
  }));
}

/** Peak heap of one case in a fresh process; retries with a larger young generation if a GC ran. */
function peakHeap(c) {
  for (const semi of [64, 128, 256, 512]) {
    const r = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        `--max-semi-space-size=${semi}`,
        `--min-semi-space-size=${semi}`,
        join(ROOT, 'bench', 'heap.mjs'),
        MACRO,
        String(c.resources),
        String(c.targetBytes),
        String(c.seed),
        String(c.definitionShare),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    check(r.status === 0, `heap process failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    if (out.cold.gcDuring === 0 && out.warm.gcDuring === 0 && out.floor.gcDuring === 0) return { ...out, semi };
  }
  throw new Invalid('peak heap: a GC ran during the call even with a 512 MB semi-space');
}

/** Wall time of fresh processes: `node --input-type=module -e "await import(bundle)"` vs the same with `0`, interleaved. */
function coldStart(rounds = 41) {
  const bare = ['--input-type=module', '-e', '0'];
  const target = pathToFileURL(MACRO).href;
  const req = ['--input-type=module', '-e', `await import(${JSON.stringify(target)})`];
  const run = (args) => {
    const t0 = ms();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
    const t = ms() - t0;
    check(r.status === 0, `node ${args.join(' ')} failed`);
    return t;
  };
  for (let i = 0; i < 3; i++) {
    run(bare);
    run(req);
  }
  const a = [];
  const b = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      a.push(run(bare));
      b.push(run(req));
    } else {
      b.push(run(req));
      a.push(run(bare));
    }
  }
  // For information: the require alone, timed inside fresh processes.
  const inside = [];
  for (let i = 0; i < 7; i++) {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t=process.hrtime.bigint();await import(${JSON.stringify(target)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    inside.push(Number(r.stdout));
  }
  return { bare: median(a), require: median(b), inside: median(inside), rounds, target };
}

/** The worst-case limits: time and memory of one call, and Lambda's response limit. */
const WORST_LIMITS = { ms: 5_000, heapMB: 256, replyBytes: 6_291_456 };

/** Each adversarial template in a fresh process (bench/probe-run.mjs); rows of the "worst cases" table. */
async function worstCases() {
  const { build } = require('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'warm-probes-'));
  const probes = join(dir, 'probes.mjs');
  try {
    await build({
      entryPoints: [join(ROOT, 'test', 'support', 'probes.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: probes,
      logLevel: 'warning',
    });
    const { WORST } = await import(pathToFileURL(probes).href);
    const rows = [];
    for (const p of WORST) {
      process.stderr.write(`  worst case ${p.key}...\n`);
      const r = spawnSync(
        process.execPath,
        [`--max-old-space-size=${WORST_LIMITS.heapMB}`, join(ROOT, 'bench', 'probe-run.mjs'), MACRO, probes, p.key, '60000'],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
          timeout: 120_000,
        },
      );
      const line = r.stdout.trim().split('\n').pop();
      if (r.status !== 0 || !line) {
        const why = r.signal ? `killed (${r.signal})` : /heap out of memory/i.test(r.stderr) ? 'heap exhausted' : `exit ${r.status}`;
        rows.push({ p, died: why });
        continue;
      }
      rows.push({ p, ...JSON.parse(line) });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function worstTable(rows) {
  const out = rows.map((r) => {
    if (r.died) return [r.p.key, r.p.label, '-', `process died: ${r.died}`, '-', '-', '-', 'FAIL'];
    const serializable = typeof r.replyBytes === 'number';
    const named = r.status === 'success' || /limit/.test(r.error ?? '');
    const ok = serializable && r.replyBytes <= WORST_LIMITS.replyBytes && r.ms < WORST_LIMITS.ms && r.peakMB < WORST_LIMITS.heapMB && named;
    const outcome =
      r.status === 'success' ? 'success' : `failure: ${(r.error ?? '').replace(/^Resource with id \[\w+\] is invalid\. [^:]+: /, '').slice(0, 70)}…`;
    return [
      r.p.key,
      r.p.label,
      r.bytes,
      outcome,
      r.ms.toFixed(0),
      r.peakMB.toFixed(0),
      serializable ? r.replyBytes : r.replyBytes.slice(0, 40),
      ok ? 'PASS' : 'FAIL',
    ];
  });
  return table(['worst case', 'template', 'JSON bytes', 'reply', 'ms', 'peak RSS MB', 'reply bytes', 'result'], out);
}

function table(head, rows) {
  const cells = [head, ...rows].map((r) => r.map(String));
  const w = head.map((_, k) => Math.max(...cells.map((r) => r[k].length)));
  const line = (r) => `| ${r.map((v, k) => (k === 0 ? v.padEnd(w[k]) : v.padStart(w[k]))).join(' | ')} |`;
  return [line(cells[0]), `|${w.map((n, k) => (k === 0 ? ':' : '-') + '-'.repeat(n) + (k === 0 ? '-' : ':')).join('|')}|`, ...cells.slice(1).map(line)].join(
    '\n',
  );
}

function printWorst(rows) {
  console.log();
  console.log(worstTable(rows));
  console.log(
    `worst cases: each template in a fresh process (node --max-old-space-size=${WORST_LIMITS.heapMB}), through createHandler with a 60 s, 256 MB context; ` +
      `ms: the handler call; peak RSS: the whole process (node itself, the event and the bundle included); ` +
      `PASS: a success or a failure that names a limit, in under ${WORST_LIMITS.ms / 1000} s and ${WORST_LIMITS.heapMB} MB, with a reply JSON can write within ${WORST_LIMITS.replyBytes.toLocaleString('en-US')} bytes.`,
  );
}

/** Keeps every line the run prints, for bench/results.json. */
function capturePrinted() {
  const printed = [];
  const print = console.log;
  console.log = (...a) => {
    printed.push(format(...a));
    print(...a);
  };
  return printed;
}

/** bench/results.json: what the run printed and its main figures (docs/performance.md shows them). */
function writeResults(printed, { ratio, scaling, peakMB, bundle, overhead, load }) {
  const figures = {
    ratio1MB: +ratio.toFixed(2),
    scaling: +scaling.toFixed(2),
    peakHeapMB: +peakMB.toFixed(1),
    bundleKB: +(bundle / KB).toFixed(1),
    coldStartOverheadPercent: +(overhead * 100).toFixed(1),
  };
  const record = {
    command: 'npm run bench',
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    cpus: cpus().length,
    load: +load.toFixed(2),
    targets: TARGETS,
    figures,
    output: printed.join('\n'),
  };
  writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(record, null, 2)}\n`);
}

/** Each case's template, checked (verify), then timed against its floor: by case key, {c, p, v, t}. */
async function measureCases() {
  const results = {};
  const fragments = [];
  for (const c of CASES) {
    const p = prepare(c);
    const v = await verify(c, p);
    fragments.push(p.fragment);
    results[c.key] = { c, p: { bytes: p.text.length, machines: p.g.forms.length, tags: p.g.tags, definitions: p.g.definitionBytes / p.text.length }, v };
  }
  process.stderr.write(`  templates ready; timing (${WARM_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured)...\n`);
  (await time(fragments)).forEach((t, k) => {
    results[CASES[k].key].t = t;
  });
  fragments.length = 0;
  return results;
}

/** The generated templates' table and the realistic templates' table, each with its legend. */
function printCaseTables(results, realistic) {
  const rows = CASES.map((c) => {
    const { p, v, t } = results[c.key];
    return [
      `${c.label}, ${(p.bytes / KB).toFixed(0)} KB`,
      p.bytes,
      `${p.machines} (${v.states})`,
      `${(p.definitions * 100).toFixed(0)}%`,
      p.tags,
      `${v.rewritten}/${v.decisions}`,
      `${t.handler.toFixed(2)} (${t.handlerIqr[0].toFixed(2)}-${t.handlerIqr[1].toFixed(2)})`,
      `${t.floor.toFixed(2)} (${t.floorIqr[0].toFixed(2)}-${t.floorIqr[1].toFixed(2)})`,
      (t.handler / t.floor).toFixed(2),
      t.runs,
    ];
  });
  console.log();
  console.log(
    table(
      ['template', 'JSON bytes', 'machines (states)', 'definitions', 'tags', 'rewritten/decisions', 'handler ms (IQR)', 'floor ms (IQR)', 'ratio', 'runs'],
      rows,
    ),
  );
  console.log(
    'handler: median of createHandler({log: no-op})(event); floor: median of JSON.parse(JSON.stringify(fragment)); interleaved, after warm-up; ratio = handler / floor.',
  );
  console.log('definitions: share of the JSON in state machine definitions; tags: cost-allocation tags per taggable resource.');
  console.log();
  console.log(table(realistic.head, realistic.rows));
  console.log(
    'handler: median of createHandler({log: consoleSink})(event) with the application log level INFO, in the text and the JSON log format (lines counted, not written); floor: JSON.parse(JSON.stringify(fragment)); interleaved, after warm-up.',
  );
}

/** The targets table's rows: [target, value, limit, PASS | FAIL | SKIP]. */
function targetRows({ ratio, scaling, peakMB, bundle, overhead, runtime, realistic, results }) {
  const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
  const targets = [
    ['ratio at 1 MB (handler / floor), worse of the two', ratio.toFixed(2), `<= ${TARGETS.ratio1MB.toFixed(1)}`, verdict(ratio <= TARGETS.ratio1MB)],
    [
      'time 1 MB / time 100 KB',
      `${scaling.toFixed(2)} (${(results['1M'].p.bytes / results['100K'].p.bytes).toFixed(1)}x bytes)`,
      `<= ${TARGETS.scaling}`,
      verdict(scaling <= TARGETS.scaling),
    ],
    ['peak heap, 1 MB (most of it state machines)', `${peakMB.toFixed(1)} MB`, `< ${TARGETS.peakHeapMB} MB`, verdict(peakMB < TARGETS.peakHeapMB)],
    ['bundle dist/macro.js', `${(bundle / KB).toFixed(1)} KB`, `<= ${TARGETS.bundleKB} KB`, verdict(bundle <= TARGETS.bundleKB * KB)],
    [
      'cold start: import over an empty ES module',
      `${overhead >= 0 ? '+' : ''}${(overhead * 100).toFixed(1)}%`,
      `<= +${TARGETS.coldStartOverhead * 100}%`,
      verdict(overhead <= TARGETS.coldStartOverhead),
    ],
    ...runtime.clients.map((c) => {
      const label = `init under aws-lambda-ric@${c.version} on Node.js ${c.node} (${c.runtime}), over an empty handler`;
      if (!c.installed) return [label, 'not installed (node scripts/runtime-clients.mjs)', `<= ${TARGETS.runtimeInitOverheadMs} ms`, 'SKIP'];
      const d = c.init.macro - c.init.empty;
      return [label, `${d >= 0 ? '+' : ''}${d.toFixed(1)} ms`, `<= ${TARGETS.runtimeInitOverheadMs} ms`, verdict(d <= TARGETS.runtimeInitOverheadMs)];
    }),
  ];
  targets.push(...realistic.targets);
  return targets;
}

/** How the 1 MB templates compare with the 100 KB one, the peak heap, the cold start and the runtime clients' figures. */
function printDetails(results, heap, cold, runtime) {
  const m100 = results['100K'].t;
  const v100 = results['100K'].v;
  for (const key of ['1M', '1M-sfn']) {
    const { v, p, t } = results[key];
    console.log(
      `${key === '1M' ? '1 MB' : '1 MB (most of it state machines)'} vs 100 KB: JSON x${(p.bytes / results['100K'].p.bytes).toFixed(1)}, definitions x${((p.definitions * p.bytes) / (results['100K'].p.definitions * results['100K'].p.bytes)).toFixed(1)}, states x${(v.states / v100.states).toFixed(1)}, decisions x${(v.decisions / v100.decisions).toFixed(1)}, ` +
        `floor time x${(t.floor / m100.floor).toFixed(1)}, handler time x${(t.handler / m100.handler).toFixed(1)}; handler time per state ${((m100.handler / v100.states) * 1000).toFixed(1)} us vs ${((t.handler / v.states) * 1000).toFixed(1)} us`,
    );
  }
  const f = (b) => `${(b / MB).toFixed(1)} MB`;
  console.log(
    `peak heap (fresh process, young generation ${heap.semi} MB semi-space so that no GC runs during the call; peak = heap used right after the call, garbage included, so an upper bound):` +
      `\n  cold call: after GC ${f(heap.cold.baseline)} -> peak ${f(heap.cold.peak)} (+${f(heap.cold.peak - heap.cold.baseline)}), retained with the reply ${f(heap.cold.retained)}` +
      `\n  warm call: after GC ${f(heap.warm.baseline)} -> peak ${f(heap.warm.peak)} (+${f(heap.warm.peak - heap.warm.baseline)})` +
      `\n  floor JSON.parse(JSON.stringify(fragment)): +${f(heap.floor.peak - heap.floor.baseline)}`,
  );
  console.log(
    `cold start (medians of ${cold.rounds} interleaved fresh processes): node --input-type=module -e 0 ${cold.bare.toFixed(1)} ms, with "await import(bundle)" ${cold.require.toFixed(1)} ms; the import alone, timed inside the process: ${cold.inside.toFixed(2)} ms`,
  );
  for (const c of runtime.clients.filter((x) => x.installed)) {
    console.log(
      `Lambda runtime client aws-lambda-ric@${c.version} on Node.js ${c.node} (${c.runtime}), medians of ${c.rounds} interleaved fresh processes: ` +
        `init (spawn to first /next) ${c.init.macro.toFixed(1)} ms, empty handler ${c.init.empty.toFixed(1)} ms; ` +
        `first reply (/next to reply, seed template) ${c.reply.macro.toFixed(2)} ms, empty handler ${c.reply.empty.toFixed(2)} ms`,
    );
  }
}

async function main() {
  const started = ms();
  const printed = capturePrinted();
  const load = loadavg()[0];
  console.log(`WarmStepFunctions benchmark: node ${process.version}, ${relative(ROOT, MACRO)}, ${cpus().length} CPUs, load average ${load.toFixed(2)}`);
  if (!DEPLOYED_NODE) {
    console.log(
      `note: Node.js ${process.version} is none of the Lambda runtimes the macro deploys to (Node.js ${LAMBDA_MAJORS.join(' and ')}), so bench/results.json is not written; run it on a pinned one: PATH="$(node scripts/node-binaries.mjs --bin ${LAMBDA_MAJORS[0]}):$PATH" npm run bench`,
    );
  }
  if (WORST_ONLY) {
    const rows = await worstCases();
    printWorst(rows);
    return STRICT && worstTable(rows).includes('FAIL') ? 1 : 0;
  }
  if (load > cpus().length)
    console.log(`note: the machine is busy (load ${load.toFixed(1)} on ${cpus().length} CPUs); absolute times are inflated and noisy, ratios less so.`);
  const results = await measureCases();
  process.stderr.write('  timing the realistic templates, with logs...\n');
  const realistic = realisticRows(await timeRealistic({ macro, makeHandler, eventFor, median, quantile, check, ms }));
  // Like-for-like: the scaling pair must have the same make-up, within a few points.
  check(
    Math.abs(results['1M'].p.definitions - results['100K'].p.definitions) < 0.03,
    'the 100 KB and 1 MB templates should have the same share of definitions',
  );
  const heap = peakHeap(CASES.find((c) => c.key === '1M-sfn'));
  const bundle = statSync(MACRO).size;
  const cold = coldStart();
  process.stderr.write('  cold start under the Lambda runtime clients...\n');
  const runtime = await runtimeColdStart({ macro: MACRO, rounds: 21 });

  printCaseTables(results, realistic);

  const m1 = results['1M'].t;
  const m100 = results['100K'].t;
  const sfn = results['1M-sfn'].t;
  // The ratio target holds for both 1 MB templates: the worse one is reported.
  const ratio = Math.max(m1.handler / m1.floor, sfn.handler / sfn.floor);
  const scaling = m1.handler / m100.handler;
  const peakMB = Math.max(heap.cold.peak, heap.warm.peak) / MB;
  const overhead = cold.require / cold.bare - 1;
  const targets = targetRows({ ratio, scaling, peakMB, bundle, overhead, runtime, realistic, results });
  console.log();
  console.log(table(['target', 'value', 'limit', 'result'], targets));
  printDetails(results, heap, cold, runtime);
  process.stderr.write('  worst cases...\n');
  const worst = await worstCases();
  printWorst(worst);
  console.log(`benchmark time: ${((ms() - started) / 1000).toFixed(1)} s`);
  console.log(`ratio at 1 MB: ${ratio.toFixed(2)}`);
  if (macroArg < 0 && DEPLOYED_NODE) writeResults(printed, { ratio, scaling, peakMB, bundle, overhead, load });
  return STRICT && (targets.some((t) => t[3] === 'FAIL') || worstTable(worst).includes('FAIL')) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Invalid ? `benchmark invalid: ${e.message}` : e);
    process.exit(2);
  },
);
