/**
 * .pre-commit-hooks.yaml: the hook other repositories use. Its entry is run here the way pre-commit runs it
 * (the entry split like a shell word list, then the matching file names appended), with the built CLI
 * (dist/cli.cjs) on PATH as `warm-step-functions`, as pre-commit's Node environment has it.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

// Every test here runs child processes (npx, node, python3, bash): slower than unit tests under load.
jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '../..');
const hooks = parseYaml(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8'));
const hook = hooks.find((h: { id: string }) => h.id === 'warm-step-functions-check');

/** Shell-like split of the entry; it only uses plain words and single quotes. */
function splitEntry(entry: string): string[] {
  return [...entry.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

let work: string;

function runHook(files: string[]): Promise<{ code: number; output: string }> {
  const [cmd, ...args] = splitEntry(hook.entry);
  return new Promise((done) => {
    execFile(
      cmd,
      [...args, ...files],
      { cwd: work, env: { ...process.env, PATH: `${join(work, 'bin')}${delimiter}${process.env.PATH}` } },
      (err, stdout, stderr) => {
        done({ code: err ? Number((err as any).code) : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) throw new Error('dist/cli.cjs is missing: run `npm run build` before the integration tests');
  work = mkdtempSync(join(tmpdir(), 'wsf-hook-'));
  mkdirSync(join(work, 'bin'));
  const bin = join(work, 'bin', 'warm-step-functions');
  writeFileSync(bin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'dist/cli.cjs'))} "$@"\n`);
  chmodSync(bin, 0o755);
  const example = readFileSync(join(ROOT, 'template/examples/cloudformation/template.yaml'), 'utf8');
  mkdirSync(join(work, 'infra'));
  writeFileSync(join(work, 'infra/warm.template.yaml'), example);
  writeFileSync(join(work, 'infra/cold-template.yml'), example.replace(/^Transform: WarmStepFunctions\n/m, ''));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('.pre-commit-hooks.yaml', () => {
  test('defines warm-step-functions-check: language node, the check command, file names', () => {
    expect(hook).toMatchObject({ id: 'warm-step-functions-check', language: 'node', pass_filenames: true });
    // One run for every file pre-commit passes: no shell, no loop.
    expect(splitEntry(hook.entry)).toEqual(['warm-step-functions', 'check']);
    for (const key of Object.keys(hook)) {
      expect(['id', 'name', 'description', 'language', 'entry', 'files', 'pass_filenames']).toContain(key);
    }
  });

  test('files matches template file names and not other YAML or JSON (pre-commit applies it with re.search)', () => {
    const files = new RegExp(hook.files);
    for (const yes of [
      'template.yaml',
      'template.yml',
      'template.json',
      'infra/template.yaml',
      'app.template.json',
      'stack-template.yml',
      'a/b/api.template.yaml',
    ]) {
      expect([yes, files.test(yes)]).toEqual([yes, true]);
    }
    for (const no of [
      'package.json',
      '.github/workflows/ci.yml',
      'serverless.yml',
      'templates.yaml',
      'template/README.md',
      'template.yaml.bak',
      'mytemplate.yaml',
    ]) {
      expect([no, files.test(no)]).toEqual([no, false]);
    }
  });

  test('the entry checks every file it is given and fails (exit 1) when one has a cold path', async () => {
    const r = await runHook(['infra/warm.template.yaml', 'infra/cold-template.yml']);
    expect(r.code).toBe(1);
    expect(r.output).toContain('No cold paths (after WarmStepFunctions)');
    expect(r.output).toContain('1 cold path (as written):');
    expect(r.output).toContain('ReportFlow States.Build');
    expect(r.output).toContain('infra/cold-template.yml: 1 cold path');
  });

  test('the entry passes (exit 0) when no file has a cold path, and fails (exit 2) on a file it cannot read', async () => {
    expect((await runHook(['infra/warm.template.yaml'])).code).toBe(0);
    expect((await runHook(['infra/warm.template.yaml', 'infra/missing.template.yaml'])).code).toBe(2);
  });
});
