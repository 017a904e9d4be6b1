// Bundles the Lambda handler and the CLI with esbuild into dist/.
// Target node22: what both Lambda runtimes run (nodejs22.x, nodejs24.x) and the floor `engines` sets for the CLI.
//
// The Lambda bundle, dist/macro.js (handler `dist/macro.handler`), is an ES module, declared so by
// dist/package.json ({"type": "module"}), which ships beside it. The nodejs24.x runtime loads every handler
// file with import(), and import() of a CommonJS file first runs Node's CommonJS export lexer over the whole
// bundle: about 30 ms more init than the same code as an ES module under the nodejs24.x client (109 vs 80 ms,
// medians of 21 fresh processes). The nodejs22.x
// runtime imports a .js handler as an ES module when its package.json says "module", and
// `serverless invoke local` loads it too. The CLI stays CommonJS, hence dist/cli.cjs.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};

rmSync('dist/cli.js', { force: true }); // the CLI's name in earlier builds
mkdirSync('dist', { recursive: true });
writeFileSync('dist/package.json', `${JSON.stringify({ type: 'module' }, null, 2)}\n`);

await build({
  ...common,
  entryPoints: ['macro/handler.ts'],
  outfile: 'dist/macro.js',
  format: 'esm',
  minify: true,
  // The AWS SDK v3 is part of the Lambda Node.js runtime. The source loads it with import() where a feature
  // needs it (ResolveExternal), so the bundle keeps it a dynamic import: never loaded at cold start.
  external: ['@aws-sdk/*'],
});

await build({
  ...common,
  entryPoints: ['macro/cli/main.ts'],
  outfile: 'dist/cli.cjs',
  format: 'cjs',
  // `verify` needs the AWS SDK v3: a runtime dependency of the CLI, loaded only by that command.
  external: ['@aws-sdk/*'],
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/cli.cjs', 0o755);
