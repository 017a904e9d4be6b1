#!/usr/bin/env node
// Regenerates every block of shown output in the documentation, so that no sample is written by hand.
//
//   npm run docs                      # build, then rewrite every generated block in place
//   node scripts/docs.mjs --check     # exit 1 when a block differs from what its command prints now
//   node scripts/docs.mjs --json      # every block as JSON: {file, line, spec, current, generated} (the docs test)
//
// A generated block sits between two HTML comments, in README.md, CONTRIBUTING.md, RELEASING.md or
// any docs/*.md:
//
//   <!-- generated: SPEC -->
//   ```text                           (the opening fence is kept as written, so is the closing one)
//   …output…
//   ```
//   <!-- end generated -->
//
// A block whose body is not fenced is replaced inline (for a figure inside a sentence); when its opening
// comment ends its line, the body is whole lines of Markdown, and the closing comment starts a line.
// SPEC is one of:
//   session [with scripts/sample-aws.ts]
//       The body is a shell session: each line that starts with "$ " is a command, run in order in one
//       bash process at the repository's root, and the lines after it are replaced by what it prints
//       (stdout and stderr as a terminal shows them). `echo $?` shows the previous command's exit code.
//       `warm-step-functions` is the CLI built in dist/. "with scripts/sample-aws.ts" points the AWS SDK
//       at the loopback endpoint of that script (the example account behind the verify sample).
//   <file>.json <dotted.path>
//       A value from a committed results file, e.g. `bench/results.json output` (what the last
//       `npm run bench` printed) or `bench/results.json figures.bundleKB`.
//   exit codes
//       docs/cli.md's table of the CLI's exit codes, from EXIT_CODES in macro/cli/exit-codes.ts (the table
//       the --help texts are written from too). The block is Markdown, not fenced.
//   anything else
//       A shell command, run with bash at the repository's root; its stdout and stderr are the body.
//       `npm start` runs what package.json's start script runs after its build step (the build is done once,
//       by `npm run docs`, before any block is generated).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// Not inside a code span: a marker quoted as `<!-- … -->` in prose is text.
const MARKER = /(?<!`)<!-- generated: ([^\n]*?) -->(\n?)([\s\S]*?)<!-- end generated -->/g;
const SEP = '\u001eWSF-DOCS-COMMAND\u001e';

/** The documentation files that may hold generated blocks. */
export function docFiles(root = ROOT) {
  const top = ['README.md', 'CONTRIBUTING.md', 'RELEASING.md'].filter((f) => existsSync(join(root, f)));
  const docs = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => `docs/${f}`)
    : [];
  return [...top, ...docs];
}

/** Every generated block of one file's text. */
export function blocksOf(text) {
  const out = [];
  for (const m of text.matchAll(MARKER)) {
    const [whole, spec, newline, body] = m;
    const fence = /^(```[^\n]*\n)([\s\S]*?)(```[ \t]*\n?)$/.exec(body);
    out.push({
      spec: spec.trim(),
      index: m.index,
      length: whole.length,
      line: text.slice(0, m.index).split('\n').length,
      head: `<!-- generated: ${spec} -->${newline}`,
      fence: fence ? { open: fence[1], close: fence[3] } : undefined,
      // Not fenced, but whole lines (the opening comment ends its line): Markdown such as a table.
      lines: !fence && newline === '\n',
      current: fence ? fence[2] : body,
    });
  }
  return out;
}

/** package.json's start script without its build step (the build runs once, first). */
function startCommand() {
  const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const m = /^npm run -s build && (.+)$/.exec(start);
  if (!m) throw new Error(`package.json's start script is not "npm run -s build && …": ${start}`);
  return m[1];
}

const PRELUDE = () => `
cd "$WSF_ROOT"
warm-step-functions() { node "$WSF_ROOT/dist/cli.cjs" "$@"; }
npm() { if [ "$1" = start ]; then shift; ${startCommand()} "$@"; else command npm "$@"; fi; }
`;

function bash(script, env = {}) {
  const r = spawnSync('bash', ['-c', `exec 2>&1\n${PRELUDE()}\n${script}`], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
    env: { ...process.env, WSF_ROOT: ROOT, NO_COLOR: '1', NODE_NO_WARNINGS: '1', CI: '', FORCE_COLOR: '0', ...env },
  });
  if (r.error) throw r.error;
  return clean(r.stdout);
}

/** Paths of this checkout are printed relative to it, so the output is the same in every clone. */
function clean(text) {
  return text.split(`${ROOT}/`).join('').split(ROOT).join('.');
}

const withNewline = (s) => (s === '' || s.endsWith('\n') ? s : `${s}\n`);

/** Runs the `$ ` commands of a session body in one bash process; returns the session with fresh output. */
function session(body, env) {
  const commands = body
    .split('\n')
    .filter((l) => l.startsWith('$ '))
    .map((l) => l.slice(2));
  if (commands.length === 0) throw new Error('a session block needs at least one "$ command" line');
  const script = commands.map((c) => `__wsf=$?; printf '%s' '${SEP}'; (exit $__wsf); ${c}`).join('\n');
  const outputs = bash(`(exit 0)\n${script}`, env).split(SEP).slice(1);
  if (outputs.length !== commands.length) throw new Error(`session: expected ${commands.length} outputs, got ${outputs.length}`);
  return commands.map((c, k) => `$ ${c}\n${withNewline(outputs[k])}`).join('');
}

function lookup(file, path) {
  const full = join(ROOT, file);
  if (!existsSync(full)) throw new Error(`${file} is missing (run the command that writes it)`);
  let v = JSON.parse(readFileSync(full, 'utf8'));
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object' || !(key in v)) throw new Error(`${file} has no ${path}`);
    v = v[key];
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Starts the example AWS endpoint of scripts/sample-aws.ts; resolves to its environment and a stop function. */
function startSampleAws() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/run-ts.mjs'), join(ROOT, 'scripts/sample-aws.ts')], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let buffered = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`scripts/sample-aws.ts exited (${code}) before it was ready`)));
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      child.removeAllListeners('exit');
      resolve({ env: JSON.parse(buffered.slice(0, nl)), stop: () => child.stdin.end() });
    });
  });
}

/** A TypeScript module of the product, bundled on the fly (esbuild), so that a block needs no build. */
async function importTs(file) {
  const { build } = await import('esbuild');
  const out = await build({ entryPoints: [join(ROOT, file)], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'warning' });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
}

/** The exit codes, as docs/cli.md shows them: the order of seriousness, then a row per code, a column per command. */
async function exitCodes() {
  const { EXIT_CODES, severityOrder } = await importTs('macro/cli/exit-codes.ts');
  const commands = ['transform', 'check', 'verify'];
  const row = (cells) => `| ${cells.join(' | ')} |`;
  return [
    `The most serious finding decides: ${severityOrder()}.`,
    '',
    row(['Code', ...commands.map((c) => `\`${c}\``)]),
    row(['---', ...commands.map(() => '---')]),
    ...EXIT_CODES.map((r) => row([String(r.code), ...commands.map((c) => r[c]?.docs ?? '—')])),
    '',
  ].join('\n');
}

/** What a block's body should be now. */
async function generate(block) {
  const spec = block.spec;
  const json = /^(\S+\.json) (\S+)$/.exec(spec);
  if (json) return lookup(json[1], json[2]);
  if (spec === 'exit codes') return exitCodes();
  if (spec === 'session') return session(block.current);
  if (spec === 'session with scripts/sample-aws.ts') {
    const aws = await startSampleAws();
    try {
      return session(block.current, aws.env);
    } finally {
      aws.stop();
    }
  }
  if (spec.startsWith('session')) throw new Error(`unknown session kind: ${spec}`);
  return bash(spec);
}

function render(block, body) {
  if (!block.fence) return body.replace(/\n$/, '');
  return `${block.head}${block.fence.open}${withNewline(body)}${block.fence.close}<!-- end generated -->`;
}

/**
 * Example inputs the sessions use that are derived from a committed example, so they cannot drift from it:
 * docs/examples/seed-without-transform.json is the seed example's compiled.json without its Transform
 * (`check` then checks the template as written).
 */
export function derivedFiles(root = ROOT) {
  const seed = JSON.parse(readFileSync(join(root, 'template/examples/serverless-seed/compiled.json'), 'utf8'));
  delete seed.Transform;
  return { 'docs/examples/seed-without-transform.json': `${JSON.stringify(seed, null, 2)}\n` };
}

/** Every block of every documentation file, with its current and freshly generated body. */
export async function collect(root = ROOT) {
  const out = [];
  for (const file of docFiles(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const b of blocksOf(text)) {
      const generated = b.fence || b.lines ? withNewline(await generate(b)) : (await generate(b)).replace(/\n$/, '');
      out.push({ file, line: b.line, spec: b.spec, current: b.current, generated, block: b });
    }
  }
  return out;
}

async function main() {
  const argv = process.argv.slice(2);
  const derived = Object.entries(derivedFiles());
  const staleFiles = derived.filter(([f, text]) => !existsSync(join(ROOT, f)) || readFileSync(join(ROOT, f), 'utf8') !== text).map(([f]) => f);
  if (argv.includes('--check') && staleFiles.length) {
    for (const f of staleFiles) console.error(`${f} differs from what it is derived from (npm run docs)`);
    return 1;
  }
  if (!argv.includes('--check') && !argv.includes('--json')) {
    for (const [f, text] of derived) {
      mkdirSync(dirname(join(ROOT, f)), { recursive: true });
      writeFileSync(join(ROOT, f), text);
    }
  }
  const all = await collect();
  if (argv.includes('--json')) {
    process.stdout.write(JSON.stringify(all.map(({ block: _b, ...rest }) => rest)));
    return 0;
  }
  const stale = all.filter((b) => b.current !== b.generated);
  if (argv.includes('--check')) {
    for (const b of stale) console.error(`${b.file}:${b.line}: generated block "${b.spec}" differs from what it prints now (npm run docs)`);
    if (stale.length === 0) console.log(`docs: ${all.length} generated blocks, all current`);
    return stale.length ? 1 : 0;
  }
  for (const file of [...new Set(stale.map((b) => b.file))]) {
    const path = join(ROOT, file);
    let text = readFileSync(path, 'utf8');
    // Replace from the end so the earlier offsets stay valid.
    for (const b of stale.filter((x) => x.file === file).sort((x, y) => y.block.index - x.block.index)) {
      const replacement = b.block.fence ? render(b.block, b.generated) : `${b.block.head}${b.generated}<!-- end generated -->`;
      text = text.slice(0, b.block.index) + replacement + text.slice(b.block.index + b.block.length);
    }
    writeFileSync(path, text);
  }
  console.log(
    `docs: ${all.length} generated blocks in ${docFiles().length} files; ${stale.length} rewritten${stale.length ? `: ${[...new Set(stale.map((b) => `${b.file}:${b.line}`))].join(', ')}` : ''}`,
  );
  return 0;
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(`docs: ${e.message}`);
      process.exit(2);
    },
  );
}
