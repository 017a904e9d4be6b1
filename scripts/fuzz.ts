/**
 * Fuzzes the core transform with the properties of test/unit/properties.test.ts, 100,000 runs by
 * default, split between the properties as in the test.
 *
 *   npm run fuzz -- [--runs N] [--seed S] [--property ID]... [--path P] [--shrink-seconds T] [--out DIR]
 *   (npm run fuzz is `node scripts/run-ts.mjs scripts/fuzz.ts`)
 *
 * Prints the seed first (replay a run with --seed). For each failing property it stops at the
 * first failure, shrinks it for at most --shrink-seconds (default 300), prints what broke and
 * where, and writes the shrunk counterexample to DIR (default: the OS temp dir). Exit status 1
 * when a property fails, 2 on bad arguments.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROPERTIES, describeFailure, prototypeSnapshot, runProperty } from '../test/support/invariants';

interface Args {
  runs: number;
  seed: number;
  properties: string[];
  path?: string;
  shrinkSeconds: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { runs: 100_000, seed: (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0, properties: [], shrinkSeconds: 300, out: tmpdir() };
  for (let k = 0; k < argv.length; k++) {
    const flag = argv[k];
    const value = argv[k + 1];
    const need = (): string => {
      if (value === undefined) usage(`${flag} needs a value`);
      k++;
      return value;
    };
    const int = (s: string): number => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0) usage(`${flag} needs a non-negative integer, got ${s}`);
      return n;
    };
    switch (flag) {
      case '--runs':
        args.runs = int(need());
        break;
      case '--seed':
        args.seed = int(need());
        break;
      case '--property':
        args.properties.push(need());
        break;
      case '--path':
        args.path = need();
        break;
      case '--shrink-seconds':
        args.shrinkSeconds = int(need());
        break;
      case '--out':
        args.out = need();
        break;
      default:
        usage(`unknown argument ${flag}`);
    }
  }
  const unknown = args.properties.filter((id) => !PROPERTIES.some((p) => p.id === id));
  if (unknown.length) usage(`unknown property ${unknown.join(', ')}; properties: ${PROPERTIES.map((p) => p.id).join(', ')}`);
  if (args.path !== undefined && args.properties.length !== 1) usage('--path replays one property: give exactly one --property');
  return args;
}

function usage(message: string): never {
  console.error(`fuzz: ${message}`);
  console.error('usage: node scripts/run-ts.mjs scripts/fuzz.ts [--runs N] [--seed S] [--property ID]... [--path P] [--shrink-seconds T] [--out DIR]');
  process.exit(2);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const selected = args.properties.length ? PROPERTIES.filter((p) => args.properties.includes(p.id)) : PROPERTIES;
  const shares = selected.reduce((n, p) => n + p.share, 0);
  const prototypeBefore = prototypeSnapshot();
  console.log(
    args.path
      ? `fuzz: seed ${args.seed}, replaying path ${args.path} of ${selected[0].id}`
      : `fuzz: seed ${args.seed}, ${args.runs} runs over ${selected.length} properties`,
  );
  const started = Date.now();
  const failures: string[] = [];
  let total = 0;
  for (const p of selected) {
    const runs = args.path ? 1 : Math.max(1, Math.round((args.runs * p.share) / shares));
    const t0 = Date.now();
    // Find the first failure, then shrink it (from its path) within the time budget.
    const details = runProperty(p, runs, { seed: args.seed, path: args.path, shrinkMs: args.shrinkSeconds * 1000 });
    total += details.numRuns;
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    if (!details.failed) {
      console.log(`  ok    ${p.id}: ${runs} runs in ${seconds} s`);
      continue;
    }
    const report = describeFailure(p, details, 4000);
    console.log(`  FAIL  ${p.id}: failure found and shrunk in ${seconds} s`);
    console.log(report.replace(/^/gm, '        '));
    const file = join(args.out, `warm-step-functions-fuzz-${args.seed}-${p.id}.txt`);
    try {
      mkdirSync(args.out, { recursive: true });
      writeFileSync(file, `${describeFailure(p, details, 5_000_000)}\n`);
      console.log(`        full counterexample: ${file}`);
    } catch (e) {
      console.log(`        (could not write ${file}: ${(e as Error).message})`);
    }
    failures.push(p.id);
  }
  const after = prototypeSnapshot();
  if (after !== prototypeBefore) {
    console.log('  FAIL  Object.prototype or Array.prototype changed during the runs');
    failures.push('prototype');
  }
  console.log(
    `fuzz: seed ${args.seed}, ${total} runs in ${((Date.now() - started) / 1000).toFixed(1)} s, ${failures.length ? `FAILED: ${failures.join(', ')}` : 'all properties hold'}`,
  );
  process.exit(failures.length ? 1 : 0);
}

main();
