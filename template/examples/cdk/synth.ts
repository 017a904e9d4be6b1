/**
 * Synthesizes the example CDK app (app.ts) in-process and writes template/examples/cdk/compiled.json.
 * No cdk CLI, no docker, no network: the Lambda code is inline, the cloud assembly goes to a temp dir.
 *
 * Run from the repository root (the bundle is piped to node, so `aws-cdk-lib` resolves from ./node_modules):
 *
 *   npx esbuild template/examples/cdk/synth.ts --bundle --platform=node --packages=external --log-level=warning | node
 *
 * Pass `--check` to node (`... | node - --check`) to verify compiled.json is up to date instead of writing it.
 * The output is deterministic (two syntheses are compared before writing; inline code gives stable hashes).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from './app';

// Resolve against the repository root (cwd); `__dirname` is meaningless when the bundle is read from stdin.
const OUT = path.resolve('template/examples/cdk/compiled.json');

export function synthExample(): Record<string, unknown> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsf-cdk-example-'));
  try {
    const { stack } = buildApp(outdir);
    return Template.fromStack(stack).toJSON();
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function main(): void {
  if (!fs.existsSync(path.dirname(OUT))) {
    throw new Error(`run from the repository root (no ${path.dirname(OUT)})`);
  }
  const text = `${JSON.stringify(synthExample(), null, 2)}\n`;
  const again = `${JSON.stringify(synthExample(), null, 2)}\n`;
  if (text !== again) throw new Error('CDK synthesis is not deterministic; normalise the volatile parts');
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
    if (current !== text) {
      console.error(`${path.relative(process.cwd(), OUT)} is out of date; regenerate it`);
      process.exit(1);
    }
    console.log(`${path.relative(process.cwd(), OUT)} is up to date`);
    return;
  }
  fs.writeFileSync(OUT, text);
  console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
}

main();
