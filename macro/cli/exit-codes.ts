/**
 * The CLI's exit codes: the one table of what each code means for each command. The `--help` texts
 * (commands.ts) and docs/cli.md's table (scripts/docs.mjs) are written from it, and `check` over many
 * templates exits with the most serious code by its rank.
 */

export type ExitCode = 0 | 1 | 2 | 3;

export type ExitCommand = 'transform' | 'check' | 'verify';

/** What a code means for one command: in its `--help` (plain text) and in docs/cli.md (Markdown). */
export interface ExitMeaning {
  help: string;
  docs: string;
}

export interface ExitCodeRow {
  code: ExitCode;
  /** How serious: of several results (`check` over many files), the highest rank decides. */
  rank: number;
  /** In the overview (`warm-step-functions --help`): its "Exit codes:" line, for every command. */
  overview: string;
  /** In the overview: its line on `check` ("exits 3 when …"). */
  checkOverview: string;
  transform?: ExitMeaning;
  check: ExitMeaning;
  verify: ExitMeaning;
}

/** Every code, with --help and --version exiting 0 for every command. */
export const EXIT_CODES: readonly ExitCodeRow[] = [
  {
    code: 0,
    rank: 0,
    overview: 'success',
    checkOverview: 'otherwise',
    transform: { help: 'success', docs: 'success' },
    check: { help: 'no finding', docs: 'no finding: no cold path, no call that fails at run time, everything checked' },
    verify: {
      help: 'every task was checked, and none is cold, not ready or failing',
      docs: "every task was checked, and none is cold, not ready or failing at run time (each is warm, or a call its function's configuration allows)",
    },
  },
  {
    code: 1,
    rank: 2,
    overview: 'the macro fails, or check or verify finds a cold path',
    checkOverview:
      "when a state misses the published target its function needs (a cold path: provisioned concurrency, SnapStart, a Managed Instances function's alias), listing each one, or when the macro fails",
    transform: { help: 'the macro fails', docs: 'the macro reports failure (its message, no stack trace)' },
    check: {
      help: 'a cold path (SARIF cold-path, error) or the macro fails (macro-fails, error)',
      docs: "a cold path (provisioned concurrency, SnapStart, or a Managed Instances call that misses the template's alias), or the macro fails",
    },
    verify: {
      help: 'a cold path, or provisioned concurrency or a SnapStart snapshot that is not ready',
      docs: 'a cold path: a task reaches a warm function through `$LATEST`, the unqualified ARN or a qualifier without provisioned concurrency, or through an alias whose provisioned concurrency is not `READY`; or a SnapStart function through its unqualified ARN, or through a version whose snapshot is not active',
    },
  },
  {
    code: 2,
    rank: 1,
    overview: 'a usage, I/O or credential error, or check or verify could not see into something (listed)',
    checkOverview: 'when nothing is cold but some definition or invocation could not be checked (listed)',
    transform: { help: 'usage or I/O error', docs: 'a usage or I/O error (a file that cannot be read, a template that cannot be parsed)' },
    check: {
      help: 'nothing cold but some definition or invocation could not be checked (not-checked, warning), or a usage or I/O error',
      docs: 'nothing is cold, but something could not be checked (listed); or a usage or I/O error',
    },
    verify: {
      help: 'a usage or credential error, or something that could not be checked',
      docs: 'a usage or credential error, or a task, state machine or requested execution history that could not be checked',
    },
  },
  {
    code: 3,
    rank: 3,
    overview: 'check or verify finds an invocation that fails at run time',
    checkOverview:
      "when a state invokes a function in a way Lambda rejects at run time (a durable function's unqualified ARN, $LATEST of a Managed Instances function)",
    check: {
      help: 'an invocation fails at run time (SARIF rule fails-at-run-time, level error)',
      docs: 'an invocation fails at run time: a durable function invoked unqualified, `$LATEST` of a Managed Instances function (SARIF rule `fails-at-run-time`, level error; [docs/reasons.md](reasons.md))',
    },
    verify: { help: 'a task fails at run time', docs: 'a task invokes a durable function unqualified, or `$LATEST` of a Managed Instances function' },
  },
];

/** The rows from the most serious code to the least (0 last). */
export function bySeverity(): ExitCodeRow[] {
  return [...EXIT_CODES].sort((a, b) => b.rank - a.rank);
}

/** The codes from the most serious down, 0 left out: "3, then 1, then 2". */
export function severityOrder(): string {
  return bySeverity()
    .filter((r) => r.code !== 0)
    .map((r) => r.code)
    .join(', then ');
}

/** A code's rank; a code outside the table counts as a failure (1). */
function rankOf(code: number): number {
  const row = EXIT_CODES.find((r) => r.code === code) ?? EXIT_CODES.find((r) => r.code === 1);
  return row?.rank ?? 0;
}

/** The exit code of the worst result (`check` over many files): the highest rank. */
export function worstExitCode(codes: readonly number[]): number {
  return codes.reduce((worst, c) => (rankOf(c) > rankOf(worst) ? c : worst), 0);
}
