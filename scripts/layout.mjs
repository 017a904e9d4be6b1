#!/usr/bin/env node
// The source tree with what each file is for, for docs/architecture.md.
//
//   node scripts/layout.mjs [folder]      (default: macro)
//
// Every source file opens with a comment that says what it is for; this prints the folder's tree with
// the first sentence of each file's opening comment, so the architecture page follows the code as it moves.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const top = process.argv[2] ?? 'macro';
const WIDTH = 110;
/** Folders listed in the order their code runs, not by name: the core's, one a step of its pipeline. */
const ORDER = { 'macro/core': ['template', 'targets', 'definition', 'decide', 'iam'] };

/** The first sentence of a file's opening comment (`/** … *\/` or `//` lines). */
function purpose(file) {
  const text = readFileSync(file, 'utf8');
  const block = /^\s*\/\*\*?([\s\S]*?)\*\//.exec(text);
  const lines = block
    ? block[1].split('\n').map((l) => l.replace(/^\s*\*\s?/, ''))
    : (/^(?:\s*\/\/.*\n?)+/.exec(text)?.[0] ?? '').split('\n').map((l) => l.replace(/^\s*\/\/\s?/, ''));
  const paragraph = [];
  for (const l of lines) {
    if (l.trim() === '') {
      if (paragraph.length) break;
      continue;
    }
    paragraph.push(l.trim());
  }
  // The pipeline's order is drawn in docs/architecture.md; a comment's own step number is left out here.
  const joined = paragraph.join(' ').replace(/^Step \w+( of the pipeline)?: /, '');
  const sentence = /^(.+?\.)(\s|$)/.exec(joined)?.[1] ?? joined;
  const s = sentence.charAt(0).toUpperCase() + sentence.slice(1);
  return s.length > WIDTH ? `${s.slice(0, WIDTH - 1)}…` : s || '(no opening comment)';
}

const rows = [];
function walk(dir, depth) {
  const order = ORDER[dir] ?? [];
  const rank = (name) => (order.includes(name) ? order.indexOf(name) : order.length);
  const entries = readdirSync(join(ROOT, dir)).sort((a, b) => {
    const da = statSync(join(ROOT, dir, a)).isDirectory();
    const db = statSync(join(ROOT, dir, b)).isDirectory();
    if (da !== db) return da ? 1 : -1;
    return (da && rank(a) - rank(b)) || a.localeCompare(b);
  });
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) {
      rows.push([`${'  '.repeat(depth)}${name}/`, '']);
      walk(path, depth + 1);
    } else if (/\.(ts|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) {
      rows.push([`${'  '.repeat(depth)}${name}`, purpose(join(ROOT, path))]);
    }
  }
}
rows.push([`${top}/`, '']);
walk(top, 1);
const w = Math.max(...rows.map(([n]) => n.length)) + 2;
console.log(rows.map(([n, p]) => (p ? n.padEnd(w) + p : n)).join('\n'));
