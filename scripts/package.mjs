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
// The zip is written with yazl (a maintained ZIP writer: one small dependency, and per-entry control of the
// mtime, the mode and the compression) and is reproducible: every entry gets the same timestamp
// (1980-01-01 00:00, the DOS epoch, in whatever time zone this runs), the same Unix mode (0644, a regular
// file), no extended-timestamp field, and is STORED (not deflated), so the bytes depend on dist/macro.js and
// dist/package.json alone (and yazl's version, pinned by package-lock.json), not on the zlib build of the Node.js that ran
// this. The same build therefore gives a byte-identical zip on every machine, and
// `aws cloudformation package` / `sam package` (which name the S3 object after the zip's MD5) skip
// re-uploading unchanged code. The bundle is ~70 kB: storing it costs ~50 kB of upload, nothing at run time.
//
// Why yazl: `prepack` (npm pack/publish) and --no-serverless need the zip without running Serverless, so the
// zip Serverless builds (.serverless/, archiver inside Serverless) cannot be the only one; archiver itself
// brings streams, globbing and nine dependencies for a one-entry archive. yazl (with yauzl, its reader, used
// below and in the tests) is small, maintained, and lets each entry's mtime, mode, compression and
// extra fields be fixed, which is what reproducibility needs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';
import yazl from 'yazl';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = 'dist/macro.js';
/** What the function's code holds: the bundle and the package.json that makes it an ES module. */
export const ARTIFACT = [BUNDLE, 'dist/package.json'];
const ZIP = 'dist/macro.zip';
const SLS_DIR = '.serverless';
const SERVICE = 'warm-step-functions-macro';

// ---- zip writing (yazl) and reading (yauzl) ----
/** 1980-01-01 00:00 in the LOCAL time zone: yazl encodes the DOS date/time from local fields, so this gives
 * the DOS epoch (date 0x0021, time 0) whatever TZ says. */
const ZIP_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** A regular file, rw-r--r--: Lambda needs only read access to the code. */
export const ZIP_FILE_MODE = 0o100644;

/**
 * A zip of the given entries, in the given order, reproducibly (see the top of this file).
 * @param {{name: string, data: Buffer}[]} entries
 * @returns {Promise<Buffer>}
 */
export function createZip(entries) {
  const zip = new yazl.ZipFile();
  for (const { name, data } of entries) {
    zip.addBuffer(data, name, { mtime: ZIP_MTIME, mode: ZIP_FILE_MODE, compress: false, forceDosTimestamp: true });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks = [];
    zip.outputStream.on('data', (c) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * Every entry of a zip, read with yauzl (CRC-checked): name, Unix mode, raw DOS date/time, data.
 * @param {Buffer} buf
 * @returns {Promise<{name: string, mode: number, dosDate: number, dosTime: number, compressionMethod: number, extraFieldCount: number, data: Buffer}[]>}
 */
export function readZip(buf) {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
      if (err) return reject(err);
      const entries = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks = [];
          stream.on('error', reject);
          stream.on('data', (c) => chunks.push(c));
          stream.on('end', () => {
            entries.push({
              name: entry.fileName,
              mode: entry.externalFileAttributes >>> 16,
              dosDate: entry.lastModFileDate,
              dosTime: entry.lastModFileTime,
              compressionMethod: entry.compressionMethod,
              extraFieldCount: entry.extraFields.length,
              data: Buffer.concat(chunks),
            });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
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

async function expectOnlyBundle(path) {
  const names = (await readZip(readFileSync(join(root, path)))).map((e) => e.name);
  if ([...names].sort().join('\n') !== [...ARTIFACT].sort().join('\n')) {
    throw new Error(`${path} must contain only ${ARTIFACT.join(' and ')}, found: ${names.join(', ') || '(nothing)'}`);
  }
}

async function main(argv) {
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
  writeFileSync(join(root, ZIP), await createZip(ARTIFACT.map((name) => ({ name, data: readFileSync(join(root, name)) }))));
  await expectOnlyBundle(ZIP);

  const artifacts = [describe(ZIP)];
  if (!own.includes('--no-serverless')) {
    const require = createRequire(import.meta.url);
    const sls = require.resolve('serverless/bin/serverless.js', { paths: [root] });
    run(process.execPath, [sls, 'package', '--package', SLS_DIR, ...slsArgs], {
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    });
    const slsZip = join(SLS_DIR, `${SERVICE}.zip`);
    await expectOnlyBundle(slsZip);
    artifacts.push(describe(slsZip), join(SLS_DIR, 'cloudformation-template-update-stack.json'));
  }

  console.log(`\nArtifacts (each zip holds only ${ARTIFACT.join(' and ')}):`);
  for (const a of artifacts) console.log(`  ${a}`);
  console.log('\nNext: `npm run deploy` (Serverless), or the CloudFormation-only path in docs/deploy.md:');
  console.log('  aws cloudformation package --template-file template/macro.yml --s3-bucket BUCKET --output-template-file packaged.yml');
  console.log(`  (template/macro.yml reads ${relative(join(root, 'template'), join(root, ZIP))} relative to itself)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`package: ${err.message}`);
    process.exit(1);
  });
}
