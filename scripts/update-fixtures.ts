/**
 * Regenerates test/fixtures/output/*.json from the inputs. Review the diff before committing:
 * the outputs are the specification.   npm run fixtures:update [-- name-filter]
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expectedFileContent, listFixtures, loadInput, runFixture } from '../test/support/fixtures';

const filter = process.argv[2];
let changed = 0;
for (const c of listFixtures()) {
  if (filter && !c.name.startsWith(filter)) continue;
  const result = runFixture(loadInput(c), c);
  if (c.isError === result.ok)
    console.warn(
      `! ${c.name}: ${c.isError ? 'expected a failure, got success' : `expected success, got: ${(result as { errorMessage: string }).errorMessage}`}`,
    );
  const text = `${JSON.stringify(expectedFileContent(result), null, 2)}\n`;
  const before = existsSync(c.outputPath) ? readFileSync(c.outputPath, 'utf8') : undefined;
  if (before !== text) {
    mkdirSync(dirname(c.outputPath), { recursive: true });
    writeFileSync(c.outputPath, text);
    changed++;
    console.log(`${before === undefined ? 'created' : 'updated'} ${c.outputPath}`);
  }
}
console.log(`${changed} output file(s) written`);
