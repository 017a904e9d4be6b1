#!/usr/bin/env node
// Keeps the release version in one place: package.json. Run by `npm version` (the "version" lifecycle
// script, after package.json is bumped and before the version commit), or by hand:
//
//   node scripts/sync-version.mjs            # write package.json's version into template/macro.yml
//   node scripts/sync-version.mjs --check    # exit 1 if they differ (changes nothing)
//
// It sets Metadata.AWS::ServerlessRepo::Application.SemanticVersion in template/macro.yml (the version
// `sam publish` gives the Serverless Application Repository), editing that one line so comments and layout
// stay; updates the pinned versions in the snippets of README.md and docs/*.md (`warm-step-functions@x.y.z`, `rev: vx.y.z`,
// `SemanticVersion: x.y.z`, `--semantic-version x.y.z`); and checks that CHANGELOG.md has a section for the
// version ("## [x.y.z]" or "## x.y.z"): write the changelog first, then run `npm version x.y.z`.
//
// Options: --root DIR (default: the repository this script is in), used by the tests.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const V = String.raw`\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?`;
/** Version pins in README.md and docs/*.md, each as (prefix)(version). */
const README_PINS = [
  new RegExp(`(warm-step-functions@)(${V})`, 'g'),
  new RegExp(String.raw`(\brev: v)(${V})`, 'g'),
  new RegExp(String.raw`(\bSemanticVersion: )(${V})`, 'g'),
  new RegExp(`(--semantic-version )(${V})`, 'g'),
];
// The SemanticVersion line inside the AWS::ServerlessRepo::Application block (indented under it).
const LINE = /^([ \t]+SemanticVersion:[ \t]*)(['"]?)([^'"\s#]+)\2([ \t]*(?:#.*)?)$/m;

function fail(message) {
  console.error(`sync-version: ${message}`);
  process.exit(1);
}

const argv = process.argv.slice(2);
const check = argv.includes('--check');
const rootAt = argv.indexOf('--root');
const root = rootAt >= 0 ? argv[rootAt + 1] : join(dirname(fileURLToPath(import.meta.url)), '..');
if (!root) fail('--root needs a directory');

const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
if (!SEMVER.test(version ?? '')) fail(`package.json version ${JSON.stringify(version)} is not a semantic version`);

const templatePath = join(root, 'template/macro.yml');
const text = readFileSync(templatePath, 'utf8');
const block = text.indexOf('AWS::ServerlessRepo::Application:');
if (block < 0) fail('template/macro.yml has no AWS::ServerlessRepo::Application metadata');
const match = LINE.exec(text.slice(block));
if (!match) fail('template/macro.yml: no SemanticVersion line in AWS::ServerlessRepo::Application');
const current = match[3];

const docs = [
  'README.md',
  ...(existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => `docs/${f}`)
    : []),
];
const texts = docs.map((file) => {
  const text = readFileSync(join(root, file), 'utf8');
  return { file, text, pinned: README_PINS.reduce((t, re) => t.replace(re, (_, prefix) => `${prefix}${version}`), text) };
});
const unpinned = texts.filter((t) => t.pinned !== t.text);

if (check) {
  if (current !== version) fail(`template/macro.yml SemanticVersion ${current} differs from package.json ${version} (run node scripts/sync-version.mjs)`);
  if (unpinned.length) fail(`${unpinned.map((t) => t.file).join(', ')} pin another version than package.json ${version} (run node scripts/sync-version.mjs)`);
  console.log(`sync-version: template/macro.yml SemanticVersion and the version pins of README.md and docs/ are ${version}`);
  process.exit(0);
}

const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
const escaped = version.replace(/[.+]/g, '\\$&');
if (!new RegExp(`^## \\[?${escaped}\\]?(\\s|$)`, 'm').test(changelog)) {
  fail(`CHANGELOG.md has no "## [${version}]" section: move the Unreleased entries under it, then run npm version again`);
}

if (current !== version) {
  const at = block + match.index;
  const replaced = `${match[1]}${match[2]}${version}${match[2]}${match[4]}`;
  writeFileSync(templatePath, text.slice(0, at) + replaced + text.slice(at + match[0].length));
  console.log(`sync-version: template/macro.yml SemanticVersion ${current} -> ${version}`);
} else {
  console.log(`sync-version: template/macro.yml SemanticVersion already ${version}`);
}
for (const t of unpinned) {
  writeFileSync(join(root, t.file), t.pinned);
  console.log(`sync-version: ${t.file} version pins -> ${version}`);
}
