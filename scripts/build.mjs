// Bundles the Lambda handler and the CLI with esbuild into dist/.
// Target node20 so the bundle runs on this machine's Node 20 and on Lambda's nodejs22.x (and newer).
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: ['macro/handler.ts'],
  outfile: 'dist/macro.js',
  minify: true,
  // The AWS SDK v3 is part of the Lambda Node.js runtime; it is loaded lazily, only when ResolveExternal is on.
  external: ['@aws-sdk/*'],
});

await build({
  ...common,
  entryPoints: ['macro/cli/main.ts'],
  outfile: 'dist/cli.js',
  // `verify` needs the AWS SDK v3: a runtime dependency of the CLI, loaded only by that command.
  external: ['@aws-sdk/*'],
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/cli.js', 0o755);
