/**
 * Makes the inputs of the SAM-after fixtures with SAM's real translator (aws-sam-translator, Python):
 * test/fixtures/sam-source/<name>.yaml → test/fixtures/input/<name>.yaml. Then regenerate the outputs with
 * `npm run fixtures:update -- <name>` and review the diff.
 *
 *   npm run fixtures:sam              write the inputs
 *   npm run fixtures:sam -- --check   only compare: exit 1 when an input is not what the translator makes
 */
import { writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { missingTools, runJobs } from '../test/support/aws-tools';
import { afterSam, checkedInInput, forSam, listSamSources, loadSamSource, renderGeneratedInput } from '../test/support/sam';
import type { JsonObject } from '../macro/types';

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  const missing = missingTools(['aws-sam-translator']);
  if (missing) {
    console.error(`fixtures:sam needs SAM's translator: ${missing}`);
    return 2;
  }
  const sources = listSamSources();
  const results = await runJobs(sources.map((s) => ({ id: s.name, op: 'sam' as const, template: forSam(loadSamSource(s)) })));
  let stale = 0;
  for (const s of sources) {
    const r = results[s.name];
    if (!r.ok) {
      console.error(`${s.path}: SAM's translator failed: ${r.error}`);
      stale++;
      continue;
    }
    const input = afterSam(loadSamSource(s), r.template as JsonObject);
    const current = checkedInInput(s);
    if (current !== undefined && isDeepStrictEqual(current, input)) continue;
    stale++;
    if (check) console.error(`${s.inputPath} is not what SAM's translator makes of ${s.path}: run npm run fixtures:sam`);
    else {
      writeFileSync(s.inputPath, renderGeneratedInput(s, input));
      console.log(`${current === undefined ? 'created' : 'updated'} ${s.inputPath}`);
    }
  }
  console.log(`${sources.length} SAM source(s), ${stale} ${check ? 'stale' : 'written'}`);
  return check && stale > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
