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
  entryPoints: ['macro/lambda/handler.ts'],
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

// The library entries, CommonJS (Node can `require` them and `import` them): the core API with the
// Serverless plugin as its default export (dist/index.cjs), the plugin alone (dist/serverless.cjs), and
// the CDK Aspect (dist/cdk.cjs), which uses the app's own aws-cdk-lib and constructs (optional peers).
// Their types come from tsc (tsconfig.types.json) into dist/types/.
for (const [entry, out] of [
  ['macro/index.ts', 'dist/index.cjs'],
  ['macro/frontends/serverless.ts', 'dist/serverless.cjs'],
  ['macro/frontends/cdk.ts', 'dist/cdk.cjs'],
]) {
  await build({
    ...common,
    entryPoints: [entry],
    outfile: out,
    format: 'cjs',
    external: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
  });
}

if (!process.argv.includes('--no-types')) {
  const { execFileSync } = await import('node:child_process');
  rmSync('dist/types', { recursive: true, force: true });
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.types.json'], { stdio: 'inherit' });
}
