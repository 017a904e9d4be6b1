#!/usr/bin/env node
// AWS's Lambda runtime interface clients for Node.js, which the tests run the deployed bundle under, each on
// the Node.js its Lambda runtime runs (scripts/runtime-clients.json):
//   aws-lambda-ric@3.3.0 on Node.js 22   the nodejs22.x generation: calls handler(event, context, callback)
//   aws-lambda-ric@4.0.2 on Node.js 24   the nodejs24.x generation: calls handler(event, context), refuses 3+ parameters
//
// Each builds a native addon at install time (curl and aws-lambda-cpp with autotools and cmake, then the
// addon with node-gyp), so each is installed once into a cache outside the checkout and reused:
// $WARM_RIC_CACHE, default ~/.cache/warm-step-functions/ric, one folder per client and Node.js major
// (`4.0.2-node24`). The build runs under the client's own Node.js (scripts/node-binaries.mjs fetches it from
// the npm registry), and node-gyp compiles the addon against that Node's headers, which its npm package
// ships (npm_config_nodedir): nothing is downloaded but npm packages. Each build's log stays in the cache
// (build.log), and built-with.json records the Node.js that node-gyp ran under, as the log says, and the
// one that loaded the finished addon; a client whose record does not name its own Node.js major counts as
// missing and is rebuilt. A cold build takes about 4 minutes per client; a warm cache costs nothing.
//
//   node scripts/runtime-clients.mjs                 install what is missing (exit 1 if a build fails or tools are missing)
//   node scripts/runtime-clients.mjs --if-possible   the same, but missing build tools or Node.js binaries only warn
//                                                    (exit 0): the runtime tests then skip, or fail under CI=true
//                                                    (`npm test` uses this)
//   node scripts/runtime-clients.mjs --check         only report what is installed
//   node scripts/runtime-clients.mjs 4.0.2           only that client (each build is its own process: two can run at once)
//
// A fresh Debian machine needs `apt-get install -y autoconf automake libtool cmake make g++` first
// (.ci/run does it). npm 11 blocks dependencies' install scripts by default: the cache folder's own
// package.json allows exactly aws-lambda-ric's.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNode, nodePaths, nodeVersion } from './node-binaries.mjs';

/** The clients, their Lambda runtime, Node.js major, entry point and native addon (shared with the tests). */
export const RUNTIME_CLIENTS = JSON.parse(readFileSync(new URL('./runtime-clients.json', import.meta.url), 'utf8'));

export function cacheRoot(env = process.env) {
  return env.WARM_RIC_CACHE || join(homedir(), '.cache', 'warm-step-functions', 'ric');
}

/** Where a client's build for its Node.js major lives, what built it, and whether it is usable. */
export function clientPaths(client, env = process.env) {
  const root = join(cacheRoot(env), `${client.version}-node${client.node}`);
  const pkg = join(root, 'node_modules', 'aws-lambda-ric');
  const entry = join(pkg, client.entry);
  const addon = join(pkg, client.addon);
  let builtWith = null;
  try {
    builtWith = JSON.parse(readFileSync(join(root, 'built-with.json'), 'utf8'));
  } catch {
    // not built, or an interrupted build
  }
  const major = (v) => Number(/^v?(\d+)\./.exec(v ?? '')?.[1]);
  const installed = existsSync(entry) && existsSync(addon) && major(builtWith?.nodeGyp) === client.node && major(builtWith?.loadedBy) === client.node;
  return { root, pkg, entry, addon, builtWith, installed };
}

const TOOLS = ['autoconf', 'automake', 'libtoolize', 'cmake', 'make', 'g++'];

function missingTools() {
  return TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
}

/** A Node.js binary that could not be fetched (no registry, an unsupported platform): `--if-possible` only warns. */
class NodeUnavailable extends Error {}

function install(client) {
  let node;
  try {
    node = ensureNode(client.node);
  } catch (err) {
    throw new NodeUnavailable(err.message);
  }
  const { root } = clientPaths(client);
  const built = existsSync(join(root, 'build.log')) && existsSync(join(root, 'node_modules', 'aws-lambda-ric', client.addon));
  if (built) {
    // A finished build without its record (an earlier run stopped after the build): check it, no rebuild.
    try {
      verify(client, node, root, null);
      return;
    } catch (err) {
      console.error(`runtime-clients: ${err.message.split('\n')[0]}; building again`);
    }
  }
  const started = Date.now();
  build(client, node, root);
  try {
    verify(client, node, root, Math.round((Date.now() - started) / 1000));
  } catch (err) {
    // Kept for a look (and replaced by the next build), but never used: it has no built-with.json.
    rmSync(`${root}.failed`, { recursive: true, force: true });
    renameSync(root, `${root}.failed`);
    throw new Error(`${err.message}\n(the build is kept in ${root}.failed)`);
  }
}

/** npm install of the client in a scratch folder, moved to `root` once npm succeeds (its log stays in build.log). */
function build(client, node, root) {
  const { version: pinned } = nodeVersion(client.node);
  const scratch = `${root}.building-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: `runtime-client-${client.version}-node${client.node}`, private: true, allowScripts: { 'aws-lambda-ric': true } }, null, 2),
  );
  const logFile = join(scratch, 'build.log');
  console.log(
    `runtime-clients: building aws-lambda-ric@${client.version} (${client.runtime}) under Node.js ${pinned} in ${root} (about 4 minutes; log: ${join(root, 'build.log')})`,
  );
  const fd = openSync(logFile, 'w');
  // npm, node-gyp and the addon's compile all run under the client's Node.js: first on PATH (npm and node-gyp
  // start with `#!/usr/bin/env node`), and node-gyp takes that Node's headers from its package (nodedir).
  // At npm's log level info, node-gyp logs the Node.js it runs under and the headers it compiles against.
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', '--loglevel=info', `aws-lambda-ric@${client.version}`], {
    cwd: scratch,
    env: { ...process.env, PATH: `${node.binDir}:${process.env.PATH ?? ''}`, npm_config_nodedir: node.dir },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (r.status !== 0) {
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(
      `aws-lambda-ric@${client.version} on Node.js ${pinned}: npm install exited with ${r.status ?? r.signal}\n--- last lines of the build log ---\n${tail}`,
    );
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(dirname(root), { recursive: true });
  renameSync(scratch, root);
}

/**
 * Checks a build against the Node.js it is for, from its own log (node-gyp ran under that Node.js, with its
 * headers) and by loading the addon in it, then writes built-with.json, which makes the client usable.
 */
function verify(client, node, root, buildSeconds) {
  const { version: pinned } = nodeVersion(client.node);
  const log = readFileSync(join(root, 'build.log'), 'utf8');
  const fail = (why) => {
    throw new Error(
      `aws-lambda-ric@${client.version} on Node.js ${pinned}: ${why}\n--- last lines of ${join(root, 'build.log')} ---\n${log.split('\n').slice(-30).join('\n')}`,
    );
  };
  // "gyp info using node@24.22.3 | linux | x64", and the headers: "-Dnode_root_dir=<the npm package's Node.js>".
  const gypNodes = [...log.matchAll(/gyp info using node@(\S+)/g)].map((m) => m[1]);
  if (gypNodes.length === 0) fail('the build log shows no node-gyp run');
  if (gypNodes.some((v) => v !== pinned)) fail(`node-gyp ran under Node.js ${[...new Set(gypNodes)].join(', ')}, not ${pinned}`);
  const roots = [...log.matchAll(/-Dnode_root_dir=([^'\s]+)/g)].map((m) => m[1]);
  if (roots.length === 0 || roots.some((d) => d !== node.dir))
    fail(`node-gyp compiled against the headers in ${[...new Set(roots)].join(', ') || 'no folder it logged'}, not ${node.dir}`);
  // The finished addon must load in the Node.js the client will run under. Loading it reads the Runtime
  // API's address (an unset one aborts the process), and connects only when the client asks for an event.
  const addon = join(root, 'node_modules', 'aws-lambda-ric', client.addon);
  if (!existsSync(addon)) fail(`installed without its native addon ${client.addon}`);
  const load = spawnSync(
    node.bin,
    [
      '-e',
      'require(process.argv[1]); process.stdout.write(JSON.stringify({ version: process.version, modules: process.versions.modules, napi: process.versions.napi }))',
      addon,
    ],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9' },
    },
  );
  if (load.status !== 0) fail(`the addon does not load in Node.js ${pinned}: ${load.stderr || load.signal}`);
  const loaded = JSON.parse(load.stdout);
  writeFileSync(
    join(root, 'built-with.json'),
    `${JSON.stringify({ client: client.version, runtime: client.runtime, nodeGyp: gypNodes[0], nodedir: node.dir, loadedBy: loaded.version, modules: loaded.modules, napi: loaded.napi, buildSeconds }, null, 2)}\n`,
  );
  if (!clientPaths(client).installed) throw new Error(`aws-lambda-ric@${client.version} is not usable after its build (see ${join(root, 'build.log')})`);
  console.log(
    `runtime-clients: aws-lambda-ric@${client.version} built under Node.js ${pinned}${buildSeconds === null ? '' : ` in ${buildSeconds} s`}; its addon loads in Node.js ${loaded.version}`,
  );
}

function main(argv) {
  const check = argv.includes('--check');
  const lenient = argv.includes('--if-possible') && process.env.CI !== 'true';
  const describe = (c) => {
    const p = clientPaths(c);
    if (p.installed) return `installed (addon built by node-gyp under Node.js ${p.builtWith.nodeGyp})`;
    const node = nodePaths(nodeVersion(c.node));
    return `missing${node.installed ? '' : ` (and Node.js ${c.node} is not fetched yet)`}`;
  };
  for (const c of RUNTIME_CLIENTS) console.log(`runtime-clients: aws-lambda-ric@${c.version} (${c.runtime}, Node.js ${c.node}): ${describe(c)}`);
  const only = argv.filter((a) => /^\d+\.\d+\.\d+$/.test(a));
  const missing = RUNTIME_CLIENTS.filter((c) => !clientPaths(c).installed && (only.length === 0 || only.includes(c.version)));
  if (check || missing.length === 0) return 0;
  const tools = missingTools();
  if (tools.length) {
    console.error(
      `runtime-clients: cannot build the runtime clients, missing: ${tools.join(', ')}. On Debian: apt-get install -y autoconf automake libtool cmake make g++`,
    );
    return lenient ? 0 : 1;
  }
  for (const c of missing) {
    try {
      install(c);
    } catch (err) {
      // Only the Node.js fetch may fail leniently (no registry): a failing build is always an error.
      if (!lenient || !(err instanceof NodeUnavailable)) throw err;
      console.error(`runtime-clients: warning: ${err.message}; the runtime tests for aws-lambda-ric@${c.version} skip (they fail under CI=true)`);
    }
  }
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
