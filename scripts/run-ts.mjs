// Runs a TypeScript entry point: bundles it with esbuild (dependencies stay external) and runs it.
// Usage: node scripts/run-ts.mjs <file.ts> [args...]
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'wsf-run-'));
const out = join(dir, 'entry.cjs');
await build({ entryPoints: [resolve(entry)], outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning', sourcemap: 'inline' });
process.argv = [process.argv[0], resolve(entry), ...args];
const require = createRequire(pathToFileURL(resolve('package.json')));
try {
  // Resolve external packages from the project, not from the temp dir.
  const Module = require('node:module');
  const paths = Module._nodeModulePaths(process.cwd());
  const m = new Module(out, null);
  m.filename = out;
  m.paths = paths;
  m._compile((await import('node:fs')).readFileSync(out, 'utf8'), out);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
