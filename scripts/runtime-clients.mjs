#!/usr/bin/env node
// AWS's Lambda runtime interface clients for Node.js, which the tests run the deployed bundle under:
//   aws-lambda-ric@3.3.0   the nodejs22.x generation: calls handler(event, context, callback)
//   aws-lambda-ric@4.0.2   the nodejs24.x generation: calls handler(event, context), refuses 3+ parameters
//
// Each builds a native addon at install time (cmake, autotools, a C++ compiler), so each is installed
// once into a cache outside the checkout and reused: $WARM_RIC_CACHE, default ~/.cache/warm-step-functions/ric.
// A cold build takes about 4 minutes per client; a warm cache costs nothing.
//
//   node scripts/runtime-clients.mjs                 install what is missing (exit 1 if a build fails or tools are missing)
//   node scripts/runtime-clients.mjs --if-possible   the same, but missing build tools only warn (exit 0): the
//                                                    runtime tests then skip, or fail under CI=true (`npm test` uses this)
//   node scripts/runtime-clients.mjs --check         only report what is installed
//
// A fresh Debian machine needs `apt-get install -y autoconf automake libtool cmake make g++` first
// (.ci/run does it). npm 11 blocks dependencies' install scripts by default: the cache folder's own
// package.json allows exactly aws-lambda-ric's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The clients, their Lambda runtime, entry point and native addon (shared with the tests). */
export const RUNTIME_CLIENTS = JSON.parse(readFileSync(new URL('./runtime-clients.json', import.meta.url), 'utf8'));

export function cacheRoot(env = process.env) {
  return env.WARM_RIC_CACHE || join(homedir(), '.cache', 'warm-step-functions', 'ric');
}

/** Where a client's package lives, and whether its native addon is built. */
export function clientPaths(client, env = process.env) {
  const pkg = join(cacheRoot(env), client.version, 'node_modules', 'aws-lambda-ric');
  return { pkg, entry: join(pkg, client.entry), installed: existsSync(join(pkg, client.addon)) && existsSync(join(pkg, client.entry)) };
}

const TOOLS = ['autoconf', 'automake', 'libtoolize', 'cmake', 'make', 'g++'];

function missingTools() {
  return TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
}

function install(client) {
  const root = join(cacheRoot(), client.version);
  // Build in a scratch folder and move it into place, so an interrupted build never looks installed.
  const scratch = `${root}.building-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: `runtime-client-${client.version}`, private: true, allowScripts: { 'aws-lambda-ric': true } }, null, 2),
  );
  console.log(`runtime-clients: building aws-lambda-ric@${client.version} (${client.runtime}) in ${root} (about 4 minutes)`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `aws-lambda-ric@${client.version}`], {
    cwd: scratch,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(`npm install aws-lambda-ric@${client.version} exited with ${r.status ?? r.signal}`);
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(dirname(root), { recursive: true });
  renameSync(scratch, root);
  if (!clientPaths(client).installed) throw new Error(`aws-lambda-ric@${client.version} installed without its native addon`);
}

function main(argv) {
  const check = argv.includes('--check');
  const missing = RUNTIME_CLIENTS.filter((c) => !clientPaths(c).installed);
  for (const c of RUNTIME_CLIENTS) console.log(`runtime-clients: aws-lambda-ric@${c.version} (${c.runtime}): ${clientPaths(c).installed ? 'installed' : 'missing'}`);
  if (check || missing.length === 0) return 0;
  const tools = missingTools();
  if (tools.length) {
    console.error(`runtime-clients: cannot build the runtime clients, missing: ${tools.join(', ')}. On Debian: apt-get install -y autoconf automake libtool cmake make g++`);
    return argv.includes('--if-possible') && process.env.CI !== 'true' ? 0 : 1;
  }
  for (const c of missing) install(c);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (err) {
    console.error(`runtime-clients: ${err.message}`);
    process.exit(1);
  }
}
