#!/usr/bin/env node
// Compiles every template/examples/serverless-*/serverless.yml with the local
// Serverless Framework v3 (+ serverless-step-functions) and writes the
// normalised CloudFormation template next to it as compiled.json.
//
//   node scripts/generate-serverless-examples.mjs            # (re)write compiled.json files
//   node scripts/generate-serverless-examples.mjs --check    # drift check, exit 1 if any differs
//   options: --jobs N (parallel `serverless package` runs, default min(cpus, 4))
//            --keep   (keep the temp dirs and print their paths, for debugging)
//            any other argument is a service folder name filter, e.g. serverless-rich
//
// Runs offline, without AWS credentials. Nothing is left in the source tree:
// each service is copied (without compiled.json and .serverless/) to a temp dir,
// packaged there with `--package <tmp>`, and the temp dirs are removed.
//
// Normalisation (so the output is byte-identical across runs, machines and
// Node/zlib versions):
//   - S3 artifact keys: serverless/<svc>/<stage>/<epochMs>-<ISO time>/<zip>
//     -> the time part becomes 0000000000000-1970-01-01T00:00:00.000Z
//   - AWS::Lambda::Version Properties.CodeSha256 -> "NORMALISED_CODE_SHA256"
//   - AWS::Lambda::Version logical ids <Fn>LambdaVersion<hash> (and any
//     layer-aware <Fn>LambdaVersion<hash>L<hash8> ids emitted by useExactVersion)
//     -> <Fn>LambdaVersionNORMALISED (NORMALISED2, ... if a function has several),
//     rewritten everywhere the id occurs (keys, Ref, GetAtt, Outputs, strings).
//   The zip hash is stable run-to-run on one machine, but depends on the deflate
//   implementation and file modes, so it is normalised unconditionally.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLES_DIR = join(ROOT, 'template', 'examples');
const SLS_BIN = join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
const OUTPUT_NAME = 'compiled.json';
const TEMPLATE_NAME = 'cloudformation-template-update-stack.json';
const FIXED_TIME = '0000000000000-1970-01-01T00:00:00.000Z';
const CODE_SHA_PLACEHOLDER = 'NORMALISED_CODE_SHA256';
const VERSION_PLACEHOLDER = 'NORMALISED';
const TIMEOUT_MS = 5 * 60 * 1000;

function parseArgs(argv) {
  const opts = { check: false, keep: false, jobs: Math.max(1, Math.min(availableParallelism(), 4)), filters: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--check') opts.check = true;
    else if (a === '--keep') opts.keep = true;
    else if (a === '--jobs' || a.startsWith('--jobs=')) {
      let v;
      if (a.includes('=')) v = a.split('=')[1];
      else {
        i += 1;
        v = argv[i];
      }
      opts.jobs = Number.parseInt(v, 10);
      if (!Number.isInteger(opts.jobs) || opts.jobs < 1) fail(`invalid --jobs value: ${v}`);
    } else if (a === '-h' || a === '--help') {
      console.log('usage: node scripts/generate-serverless-examples.mjs [--check] [--jobs N] [--keep] [serverless-<name> ...]');
      process.exit(0);
    } else if (a.startsWith('-')) fail(`unknown option: ${a}`);
    else opts.filters.push(basename(a));
  }
  return opts;
}

function fail(message) {
  console.error(`generate-serverless-examples: ${message}`);
  process.exit(2);
}

function findServices(filters) {
  const dirs = readdirSync(EXAMPLES_DIR)
    .filter((name) => name.startsWith('serverless-'))
    .map((name) => join(EXAMPLES_DIR, name))
    .filter((dir) => statSync(dir).isDirectory() && existsSync(join(dir, 'serverless.yml')))
    .sort();
  if (filters.length === 0) return dirs;
  const selected = dirs.filter((dir) => filters.includes(basename(dir)));
  const unknown = filters.filter((f) => !selected.some((dir) => basename(dir) === f));
  if (unknown.length > 0) fail(`no such service folder(s) with serverless.yml: ${unknown.join(', ')}`);
  return selected;
}

function run(cmd, args, options) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => {
      output += `\n[killed after ${TIMEOUT_MS / 1000}s]\n`;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolvePromise({ code: -1, output: `${output}\n${err.stack || err}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? `signal ${signal}` : -1), output });
    });
  });
}

// Packages one service in a temp copy; resolves to the raw update-stack template.
async function packageService(serviceDir, keep) {
  const work = mkdtempSync(join(tmpdir(), `sls-example-${basename(serviceDir)}-`));
  const src = join(work, 'service');
  const out = join(work, 'package');
  // Copy the service without generated files: compiled.json must not end up in
  // the zip (its hash would feed back into compiled.json), nor a stale .serverless/.
  cpSync(serviceDir, src, {
    recursive: true,
    filter: (p) => {
      const rel = relative(serviceDir, p);
      return rel !== OUTPUT_NAME && rel !== '.serverless' && !rel.startsWith(`.serverless/`) && rel !== 'node_modules';
    },
  });
  const env = {
    ...process.env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    SLS_INTERACTIVE_SETUP_DISABLE: '1',
    CI: '1',
  };
  const started = Date.now();
  try {
    const { code, output } = await run(process.execPath, [SLS_BIN, 'package', '--package', out], { cwd: src, env });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const templatePath = join(out, TEMPLATE_NAME);
    if (code !== 0 || !existsSync(templatePath)) {
      const why = code !== 0 ? `exit code ${code}` : `${TEMPLATE_NAME} not written`;
      return { ok: false, seconds, error: `serverless package failed (${why}) in ${relative(ROOT, serviceDir)}:\n${output}` };
    }
    return { ok: true, seconds, template: JSON.parse(readFileSync(templatePath, 'utf8')) };
  } finally {
    if (keep) console.error(`  kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

// Applies fn to every string (values and object keys) of a JSON value.
function mapStrings(value, fn) {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') {
    const result = {};
    for (const [k, v] of Object.entries(value)) result[fn(k)] = mapStrings(v, fn);
    return result;
  }
  return value;
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function normalise(template) {
  const resources = template.Resources ?? {};

  // 1. Version logical ids: <Fn>LambdaVersion<hash>[L<hash8>] -> <Fn>LambdaVersionNORMALISED[n].
  const renames = new Map();
  const used = new Set(Object.keys(resources));
  for (const id of Object.keys(resources).sort()) {
    if (resources[id]?.Type !== 'AWS::Lambda::Version') continue;
    const m = /^(.*LambdaVersion)[A-Za-z0-9]+$/.exec(id);
    if (!m) continue;
    let n = 1;
    let candidate;
    do {
      candidate = `${m[1]}${VERSION_PLACEHOLDER}${n === 1 ? '' : n}`;
      n += 1;
    } while (used.has(candidate) && candidate !== id);
    used.add(candidate);
    renames.set(id, candidate);
  }

  let result = template;
  if (renames.size > 0) {
    // Longest first, whole-identifier matches only, so that an id which is a prefix
    // of another (e.g. the layer-aware <id>L<hash8>) is never partially rewritten.
    const ids = [...renames.keys()].sort((a, b) => b.length - a.length);
    const re = new RegExp(`(?<![A-Za-z0-9])(${ids.map(escapeRegExp).join('|')})(?![A-Za-z0-9])`, 'g');
    result = mapStrings(result, (s) => s.replace(re, (id) => renames.get(id)));
  }

  // 2. CodeSha256 of versions; 3. timestamped artifact keys.
  const artifactTime = /(^|\/)\d{13}-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z(\/)/g;
  for (const resource of Object.values(result.Resources ?? {})) {
    if (resource?.Type === 'AWS::Lambda::Version' && resource.Properties && 'CodeSha256' in resource.Properties) {
      resource.Properties.CodeSha256 = CODE_SHA_PLACEHOLDER;
    }
  }
  result = mapStrings(result, (s) => s.replace(artifactTime, `$1${FIXED_TIME}$2`));
  return result;
}

async function runPool(items, jobs, worker) {
  const results = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(jobs, items.length) }, async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      results[i] = await worker(items[i], i);
    }
  });
  await Promise.all(runners);
  return results;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(SLS_BIN)) fail(`serverless not found at ${relative(ROOT, SLS_BIN)} (run npm ci)`);
  const services = findServices(opts.filters);
  if (services.length === 0) fail(`no template/examples/serverless-*/serverless.yml found`);

  const results = await runPool(services, opts.jobs, async (dir) => {
    const packaged = await packageService(dir, opts.keep);
    if (!packaged.ok) return packaged;
    const text = `${JSON.stringify(normalise(packaged.template), null, 2)}\n`;
    return { ...packaged, text };
  });

  let failed = false;
  const drift = [];
  services.forEach((dir, i) => {
    const r = results[i];
    const file = relative(ROOT, join(dir, OUTPUT_NAME));
    if (!r.ok) {
      failed = true;
      console.log(`FAIL      ${relative(ROOT, dir)} (${r.seconds}s)`);
      console.error(r.error);
      return;
    }
    const current = existsSync(join(dir, OUTPUT_NAME)) ? readFileSync(join(dir, OUTPUT_NAME), 'utf8') : null;
    if (opts.check) {
      const status = current === null ? 'MISSING' : current === r.text ? 'ok' : 'DIFFERS';
      if (status !== 'ok') drift.push(file);
      console.log(`${status.padEnd(9)} ${file} (${r.seconds}s)`);
    } else {
      const status = current === r.text ? 'unchanged' : current === null ? 'created' : 'updated';
      if (status !== 'unchanged') writeFileSync(join(dir, OUTPUT_NAME), r.text);
      console.log(`${status.padEnd(9)} ${file} (${r.seconds}s)`);
    }
  });

  if (opts.check && drift.length > 0) {
    console.error(`generate-serverless-examples: ${drift.length} compiled template(s) out of date:`);
    for (const f of drift) console.error(`  ${f}`);
    console.error('run: node scripts/generate-serverless-examples.mjs');
  }
  if (failed) console.error('generate-serverless-examples: serverless package failed for at least one service');
  if (failed || drift.length > 0) process.exit(1);
}

await main();
