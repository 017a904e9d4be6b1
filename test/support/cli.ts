/**
 * The CLI as a test runs it: `run(argv, io)` of macro/cli/main.ts with an Io that collects stdout and
 * stderr, and reads files from a map (a missing one fails as Node's ENOENT), from the disk, or not at all.
 */
import { readFileSync } from 'node:fs';
import type { Io } from '../../macro/cli/io';
import { run } from '../../macro/cli/main';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** In-memory files by path, or `'disk'` for the real file system. */
export type Files = Record<string, string> | 'disk';

/** An Io whose output collects in `out`; stdin is `stdin` (reading it without one fails). */
export function captureIo(files: Files = {}, stdin?: string): { io: Io; out: { stdout: string; stderr: string } } {
  const out = { stdout: '', stderr: '' };
  const io: Io = {
    stdout: (s) => {
      out.stdout += s;
    },
    stderr: (s) => {
      out.stderr += s;
    },
    readFile: (path) => {
      if (files === 'disk') return readFileSync(path, 'utf8');
      if (!Object.hasOwn(files, path)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return files[path];
    },
    readStdin: () => {
      if (stdin === undefined) throw new Error('no stdin');
      return stdin;
    },
  };
  return { io, out };
}

/** `warm-step-functions ARGV`: its exit code and what it printed. */
export async function cli(argv: string[], files: Files = {}, stdin?: string): Promise<CliResult> {
  const { io, out } = captureIo(files, stdin);
  const code = await run(argv, io);
  return { code, ...out };
}
