#!/usr/bin/env node
// Copies realistic cases (test/realistic/<name>.*) into test/fixtures/input/realistic_<name>.* (the cases the
// macro handles as expected), or into test/fixtures/pending/ (the ones it gets wrong).
//   node scripts/realistic-promote.mjs fixtures name...   then: npm run fixtures:update -- realistic_
//   node scripts/realistic-promote.mjs pending name...
// A case whose Transform lists AWS::Serverless-2016-10-31 before the macro is stored as the macro receives
// it: SAM's translator output (JSON) with Transform: WarmStepFunctions; its source stays in test/realistic/.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [where, ...names] = process.argv.slice(2);
const dest = where === 'fixtures' ? join(ROOT, 'test', 'fixtures', 'input') : join(ROOT, 'test', 'fixtures', 'pending');
mkdirSync(dest, { recursive: true });
for (const name of names) {
  const ext = ['yaml', 'json'].find((e) => existsSync(join(ROOT, 'test', 'realistic', `${name}.${e}`)));
  if (!ext) throw new Error(`no case ${name}`);
  const src = join(ROOT, 'test', 'realistic', `${name}.${ext}`);
  const text = readFileSync(src, 'utf8');
  const prefix = where === 'fixtures' ? 'realistic_' : '';
  const samFirst = /^Transform:\s*\[\s*AWS::Serverless-2016-10-31\s*,\s*WarmStepFunctions\s*\]/m.test(text);
  if (samFirst && where === 'fixtures') {
    // Translate with SAM's translator, as CloudFormation does before the macro.
    const r = spawnSync('node', [join(ROOT, 'scripts', 'realistic-cases.mjs'), '--translate-only', src], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`translate ${name}: ${r.stderr}`);
    writeFileSync(join(dest, `${prefix}${name}.json`), r.stdout);
  } else copyFileSync(src, join(dest, `${prefix}${name}.${ext}`));
  console.log(`${where}: ${prefix}${name}`);
}
