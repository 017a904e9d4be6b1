#!/usr/bin/env node
// The log records the deployed macro writes, for the documentation (docs/deploy.md, "Logs").
//
//   node scripts/sample-logs.mjs        (after `npm run build`)
//
// Runs the built handler (dist/macro.js, `createHandler`) on two CloudFormation events, the seed example
// (template/examples/serverless-seed/compiled.json) and a fragment whose Resources is a number, and prints
// each record as the function hands it to the Lambda runtime under the JSON log format: the level, then
// the object that the runtime puts under `message` of its own line.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { createHandler } = await import(pathToFileURL(join(ROOT, 'dist', 'macro.js')).href);
const seed = JSON.parse(readFileSync(join(ROOT, 'template/examples/serverless-seed/compiled.json'), 'utf8'));
const event = (requestId, fragment) => ({
  region: 'us-east-1',
  accountId: '123456789012',
  transformId: '123456789012::WarmStepFunctions',
  params: {},
  templateParameterValues: {},
  requestId,
  fragment,
});

const handler = createHandler({
  env: {},
  log: ({ level, ...fields }) => {
    const message = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    console.log(`${level.padEnd(5)} ${JSON.stringify(message)}`);
  },
});
await handler(event('5f0c6d0e-2f1a-4a8e-9d55-1c7a0e3b9a21', seed));
await handler(event('0d6a5c1e-7b8e-4f3a-a1b2-9c8d7e6f5a40', { Resources: 3 }));
