#!/usr/bin/env node
// Runs scripts/realistic-cases.mjs with several builds of the CLI and prints one markdown table:
// one row per case, one column per build (ok / FAIL).
//   node scripts/realistic-matrix.mjs label=path/to/cli.cjs [label=path ...] [--details]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const details = process.argv.includes('--details');
const builds = process.argv
  .slice(2)
  .filter((a) => a.includes('='))
  .map((a) => a.split('='));
const runs = builds.map(([label, cli]) => {
  const r = spawnSync('node', [join(here, 'realistic-cases.mjs'), '--cli', cli, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { label, results: JSON.parse(r.stdout) };
});
const names = runs[0].results.map((r) => r.name);
console.log(`| case | generator | ${runs.map((r) => r.label).join(' | ')} |`);
console.log(`|---|---|${runs.map(() => '---').join('|')}|`);
for (const n of names) {
  const cells = runs.map((run) => (run.results.find((x) => x.name === n)?.failures.length ? 'FAIL' : 'ok'));
  console.log(`| ${n} | ${runs[0].results.find((x) => x.name === n).generator} | ${cells.join(' | ')} |`);
}
console.log(`| **as expected** | | ${runs.map((run) => `${run.results.filter((x) => !x.failures.length).length}/${run.results.length}`).join(' | ')} |`);
if (details)
  for (const run of runs) {
    console.log(`\n### ${run.label}`);
    for (const r of run.results.filter((x) => x.failures.length)) console.log(`- ${r.name}\n${r.failures.map((f) => `  - ${f}`).join('\n')}`);
  }
