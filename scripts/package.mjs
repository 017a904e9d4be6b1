#!/usr/bin/env node
// Packages the macro for deployment, offline (no AWS credentials, no network):
//   1. `npm run build` (skip with --no-build)           -> dist/macro.js, dist/package.json
//   2. zip the bundle ALONE with its package.json        -> dist/macro.zip  (for template/macro.yml,
//      template/stackset.yml; entry names dist/macro.js and dist/package.json, which declares the bundle an
//      ES module; the handler is dist/macro.handler everywhere)
//   3. `serverless package` of serverless.yml            -> .serverless/    (skip with --no-serverless)
//
// Usage: node scripts/package.mjs [--no-build] [--no-serverless] [<`serverless package` options>]
//   e.g. node scripts/package.mjs --stage test --param="macroName=WarmStepFunctionsTest"
//        npm run package -- --stage test --param="macroName=WarmStepFunctionsTest"
// Serverless rejects options it does not know, so a typo fails loudly.
//
// The zip is written by the small, dependency-free writer below (no `zip` CLI needed) and is
// reproducible: a fixed timestamp (1980-01-01) and fixed permissions, so the same dist/macro.js gives
// byte-identical zips and `aws cloudformation package` skips re-uploading unchanged code.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = 'dist/macro.js';
/** What the function's code holds: the bundle and the package.json that makes it an ES module. */
export const ARTIFACT = [BUNDLE, 'dist/package.json'];
const ZIP = 'dist/macro.zip';
const SLS_DIR = '.serverless';
const SERVICE = 'warm-step-functions-macro';

// ---- minimal ZIP writer (stored as deflate, single disk, no ZIP64: fine for a bundle far below 4 GiB) ----
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  if (typeof zlibCrc32 === 'function') return zlibCrc32(buf) >>> 0; // node >= 20.15
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** @param {{name: string, data: Buffer, mode?: number}[]} entries @returns {Buffer} */
export function createZip(entries) {
  const DOS_TIME = 0; // 00:00:00
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data, mode = 0o100644 } of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const compressed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header signature
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    local.writeUInt16LE(8, 8); // method: deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28); // extra length
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); // central directory header signature
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so the mode below is honoured)
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    // extra length, comment length, disk number start, internal attributes: 0
    central.writeUInt32LE((mode << 16) >>> 0, 38); // external attributes: Unix mode in the high word
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, compressed);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + compressed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory signature
  end.writeUInt16LE(entries.length, 8); // entries on this disk
  end.writeUInt16LE(entries.length, 10); // entries in total
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Names in a zip's central directory (enough to check what a zip holds). */
export function listZip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip file: no end-of-central-directory record');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.subarray(p + 46, p + 46 + nameLen).toString('utf8'));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

// ---- main ----
function run(cmd, args, extraEnv = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`\n${[cmd, ...args].join(' ')} exited with ${r.status ?? r.signal}`);
    process.exit(r.status || 1);
  }
}

function describe(path) {
  const buf = readFileSync(join(root, path));
  const sha = createHash('sha256').update(buf).digest('hex');
  return `${path}  (${statSync(join(root, path)).size} bytes, sha256 ${sha.slice(0, 16)}…)`;
}

function expectOnlyBundle(path) {
  const names = listZip(readFileSync(join(root, path)));
  if ([...names].sort().join('\n') !== [...ARTIFACT].sort().join('\n')) {
    throw new Error(`${path} must contain only ${ARTIFACT.join(' and ')}, found: ${names.join(', ') || '(nothing)'}`);
  }
}

function main(argv) {
  const OWN = ['--no-build', '--no-serverless'];
  const own = argv.filter((a) => OWN.includes(a));
  // Everything else goes to `serverless package` (a `--` separator is accepted and dropped).
  const slsArgs = argv.filter((a) => !OWN.includes(a) && a !== '--');
  if (own.includes('--no-serverless') && slsArgs.length) {
    console.error(`options for serverless given with --no-serverless: ${slsArgs.join(' ')}`);
    process.exit(2);
  }

  if (!own.includes('--no-build')) run('npm', ['run', '-s', 'build']);
  for (const f of ARTIFACT) if (!existsSync(join(root, f))) throw new Error(`${f} not found: run \`npm run build\` first`);

  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, ZIP), createZip(ARTIFACT.map((name) => ({ name, data: readFileSync(join(root, name)) }))));
  expectOnlyBundle(ZIP);

  const artifacts = [describe(ZIP)];
  if (!own.includes('--no-serverless')) {
    const require = createRequire(import.meta.url);
    const sls = require.resolve('serverless/bin/serverless.js', { paths: [root] });
    run(process.execPath, [sls, 'package', '--package', SLS_DIR, ...slsArgs], {
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    });
    const slsZip = join(SLS_DIR, `${SERVICE}.zip`);
    expectOnlyBundle(slsZip);
    artifacts.push(describe(slsZip), join(SLS_DIR, 'cloudformation-template-update-stack.json'));
  }

  console.log(`\nArtifacts (each zip holds only ${ARTIFACT.join(' and ')}):`);
  for (const a of artifacts) console.log(`  ${a}`);
  console.log('\nNext: `npm run deploy` (Serverless), or the CloudFormation-only path in docs/deploy.md:');
  console.log('  aws cloudformation package --template-file template/macro.yml --s3-bucket BUCKET --output-template-file packaged.yml');
  console.log(`  (template/macro.yml reads ${relative(join(root, 'template'), join(root, ZIP))} relative to itself)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`package: ${err.message}`);
    process.exit(1);
  }
}
