#!/usr/bin/env node
// The CLI's tests on each pinned Node.js (scripts/node-versions.json): 22, the floor `engines` sets, and 24.
// `npm test` runs the whole suite on the Node.js that runs it (CI puts Node.js 22 first on PATH: .ci/run),
// then this script runs the CLI's tests again on every other pinned major:
//   - the unit project: the CLI's edge (`run(argv, io)`: arguments, formats, exit codes, `check`, `verify`)
//     and the core it drives, with jest itself on that Node.js;
//   - test/integration/package.test.ts: the packed npm package installed into an empty folder and its
//     `warm-step-functions` bin run through npx, with that Node.js first on PATH, as a user on it runs it.
// Binaries missing from the cache are fetched from the npm registry (scripts/node-binaries.mjs).
//
//   node scripts/node-tests.mjs                 every pinned major but the running Node's
//   node scripts/node-tests.mjs 24              only that major (or several: 22 24)
//   node scripts/node-tests.mjs --all           every pinned major, the running one's too
//   node scripts/node-tests.mjs --if-possible   a Node.js that cannot be fetched only warns (exit 0), outside CI=true
//
// Prints one line per Node.js, then `node-tests: N passed, N failed`. Exit 1 if a test fails, if a run
// ran no test, or if a binary is missing under CI=true.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNode, NODE_VERSIONS } from './node-binaries.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The jest arguments that select the CLI's tests (path patterns, as jest takes them). */
export const CLI_TESTS = ['test/unit/', 'test/integration/package\\.test\\.ts$'];

function main(argv) {
  const lenient = argv.includes('--if-possible') && process.env.CI !== 'true';
  const running = Number(process.versions.node.split('.')[0]);
  const asked = argv.filter((a) => /^\d+$/.test(a)).map(Number);
  const majors = asked.length ? asked : NODE_VERSIONS.map((n) => n.major).filter((m) => argv.includes('--all') || m !== running);
  if (majors.length === 0) {
    console.log(`node-tests: the running Node.js ${process.version} is the only pinned major left; nothing more to run (--all runs it again)`);
  }
  let passed = 0;
  let failed = 0;
  let problems = 0;
  const tmp = mkdtempSync(join(tmpdir(), 'wsf-node-tests-'));
  try {
    for (const major of majors) {
      let node;
      try {
        node = ensureNode(major);
      } catch (err) {
        console.error(
          `node-tests: ${lenient ? 'warning: ' : ''}Node.js ${major} is not available: ${err.message}${lenient ? '; its CLI tests are skipped (they fail under CI=true)' : ''}`,
        );
        if (!lenient) problems++;
        continue;
      }
      const version = spawnSync(node.bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
      const env = { ...process.env, PATH: `${node.binDir}:${process.env.PATH ?? ''}` };
      // npx, npm and the CLI's bin (`#!/usr/bin/env node`) take the first node on PATH: it must be this one.
      const onPath = spawnSync('sh', ['-c', 'node --version'], { encoding: 'utf8', env }).stdout.trim();
      if (onPath !== version) {
        console.error(`node-tests: with ${node.binDir} first on PATH, \`node --version\` prints ${JSON.stringify(onPath)}, not ${version}`);
        problems++;
        continue;
      }
      const out = join(tmp, `jest-${major}.json`);
      const started = Date.now();
      console.log(`node-tests: the CLI's tests on Node.js ${version} (${node.bin})`);
      const r = spawnSync(node.bin, [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--json', `--outputFile=${out}`, ...CLI_TESTS], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      let result;
      try {
        result = JSON.parse(readFileSync(out, 'utf8'));
      } catch {
        console.error(`node-tests: jest on Node.js ${version} exited with ${r.status ?? r.signal} and wrote no results`);
        problems++;
        continue;
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      console.log(
        `node-tests: Node.js ${version}: ${result.numPassedTests} passed, ${result.numFailedTests} failed, ${result.numPendingTests} skipped, in ${result.numTotalTestSuites} files (${seconds} s)`,
      );
      passed += result.numPassedTests;
      failed += result.numFailedTests;
      if (result.numTotalTests === 0 || r.status !== 0 || !result.success) problems++;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`node-tests: ${passed} passed, ${failed} failed`);
  return failed || problems ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(main(process.argv.slice(2)));
}
