// Runs a TypeScript entry point: bundles it with esbuild (dependencies stay external) and runs it.
// Usage: node scripts/run-ts.mjs <file.ts> [args...]
//
// The bundle is written inside the project (node_modules/.cache/run-ts/), not to the system's temp
// folder: Node resolves a package from the folder of the file that asks for it, and the dynamic
// `import()` calls of the code (the macro loads the AWS SDK that way) would find no node_modules there
// (ERR_MODULE_NOT_FOUND).
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
const cache = join(ROOT, 'node_modules', '.cache', 'run-ts');
mkdirSync(cache, { recursive: true });
removeOrphans(cache);
const dir = mkdtempSync(join(cache, `run-${process.pid}-`));
const out = join(dir, 'entry.cjs');
await build({
  entryPoints: [resolve(entry)],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  packages: 'external',
  logLevel: 'warning',
  sourcemap: 'inline',
});
process.argv = [process.argv[0], resolve(entry), ...args];
// Removed when the script exits. No SIGINT/SIGTERM handler: a synchronous script (the fuzzer) would never run
// it, and the signal would no longer stop the process. A run that a signal ended leaves its bundle behind; the
// next run removes it (removeOrphans).
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
// Load it as a CommonJS module of the project: `require` and `import()` resolve packages from ROOT's node_modules.
const require = createRequire(out);
const Module = require('node:module');
const m = new Module(out, null);
m.filename = out;
m.paths = Module._nodeModulePaths(dir);
m._compile(readFileSync(out, 'utf8'), out);

/** Removes the bundles of runs whose process is gone (`run-<pid>-…`; a folder without a pid after a day). */
function removeOrphans(folder) {
  for (const name of readdirSync(folder)) {
    const pid = /^run-(\d+)-/.exec(name)?.[1];
    const path = join(folder, name);
    const gone = pid !== undefined ? !alive(Number(pid)) : Date.now() - statSync(path).mtimeMs > 86_400_000;
    if (gone) rmSync(path, { recursive: true, force: true });
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}
