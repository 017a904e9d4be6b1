/**
 * The CLI's exit codes across files: `check` over many templates exits with the worst one.
 */

/**
 * The exit code of the worst file: an invocation that fails at run time (3) over a cold path or a failing
 * macro (1) over what could not be checked or read (2) over none (0).
 */
export function worstExitCode(codes: readonly number[]): number {
  const rank = (c: number): number => (c === 0 ? 0 : c === 2 ? 1 : c === 1 ? 2 : c === 3 ? 3 : 2);
  return codes.reduce((worst, c) => (rank(c) > rank(worst) ? c : worst), 0);
}
