/**
 * `verify`'s text table: one row per Lambda task, at most 80 columns wide, then the problems, the
 * executions read and a count by verdict.
 */
import type { VerifyResult, VerifyRow } from '../commands/verify-result';
import { escapeControls } from '../safe';

function fitCell(s: string, width: number): string {
  return s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width);
}

const WIDTH = 80;
/** Column widths: mark, state machine, state, function, qualifier, status, allocated/requested (79 with separators). */
const COLS = [1, 13, 13, 16, 10, 11, 9];

/** The last column is never cut (a 5-digit count may then use column 80 or 81); the others are. */
function tableRow(cells: string[]): string {
  return cells
    .map((c, k) => (k === cells.length - 1 && k === COLS.length - 1 ? escapeControls(c) : fitCell(escapeControls(c), COLS[k])))
    .join(' ')
    .trimEnd();
}

/** Keeps the end of a long name (execution names usually share a prefix and differ at the end). */
function fitEnd(s: string, width: number): string {
  return s.length > width ? `…${s.slice(s.length - width + 1)}` : s;
}

/** Text table, at most 80 columns wide. `!` marks a cold path or provisioned concurrency that is not READY. */
export function formatTable(result: VerifyResult): string {
  const lines: string[] = [];
  lines.push(tableRow(['', 'STATE MACHINE', 'STATE', 'FUNCTION', 'QUALIFIER', 'PC', 'ALLOC/REQ']));
  for (const r of result.rows) {
    const fn = r.function.slice(r.function.lastIndexOf(':') + 1);
    const count = r.allocated !== undefined || r.requested !== undefined ? `${r.allocated ?? 0}/${r.requested ?? 0}` : '-';
    const mark = r.verdict === 'cold' || r.verdict === 'fails' || r.verdict === 'not-ready' ? '!' : r.verdict === 'unknown' ? '?' : '';
    // A published SnapStart version starts warm from its snapshot, not from provisioned concurrency: the column says which.
    const pc = r.status === 'none' && r.reasons?.includes('SnapStart') && (r.verdict === 'warm' || r.verdict === 'not-ready') ? 'SnapStart' : r.status;
    lines.push(tableRow([mark, r.stateMachine, r.state, fn, r.qualifier || '(none)', pc, count]));
  }
  const problems = result.rows.filter((r) => r.verdict !== 'warm' && r.verdict !== 'no-pc');
  if (problems.length) {
    lines.push('');
    for (const r of problems) {
      const what = r.verdict === 'cold' ? 'cold path' : r.verdict === 'fails' ? 'fails at run time' : r.verdict === 'not-ready' ? 'not ready' : 'not checked';
      if (!r.state) lines.push(wrap(`${what}: ${r.stateMachine}: ${r.note ?? 'unknown reason'}`));
      else if (!r.invoked) lines.push(wrap(`${what}: ${r.stateMachine}/${r.state}: ${r.note ?? 'unknown reason'}`));
      else lines.push(wrap(`${what}: ${r.stateMachine}/${r.state} invokes ${r.invoked}${r.note ? ` (${r.note})` : ''}`));
    }
  }
  if (result.executions.length) {
    lines.push('', 'Last executions (what each task really ran):');
    lines.push(tableRow(['', 'STATE MACHINE', 'STATE', 'EXECUTION', 'QUALIFIER']));
    for (const e of result.executions) lines.push(tableRow(['', e.stateMachine, e.state, fitEnd(e.execution, COLS[3]), e.qualifier || '$LATEST']));
  }
  if (result.executionErrors.length || result.executionNotes?.length) {
    lines.push('');
    for (const e of result.executionErrors) lines.push(wrap(`executions not read: ${e.stateMachine}: ${e.message}`));
    for (const e of result.executionNotes ?? []) lines.push(wrap(`${e.stateMachine}: ${e.message}`));
  }
  const count = (v: VerifyRow['verdict']): number => result.rows.filter((r) => r.verdict === v).length;
  lines.push(
    '',
    wrap(
      `${result.stateMachines} state machine(s), ${result.rows.length} Lambda task(s): ${count('warm')} warm, ${count('cold')} cold, ${count('fails') ? `${count('fails')} failing at run time, ` : ''}${count('not-ready')} not ready, ${count('no-pc')} without provisioned concurrency, ${count('unknown')} not checked.`,
    ),
  );
  return `${lines.join('\n')}\n`;
}

/** Wraps at spaces; words longer than a line (ARNs) are cut across lines. */
function wrap(text: string, width = WIDTH): string {
  // Names from the stack are the template author's text: control characters as escapes (../safe.ts).
  const s = escapeControls(text);
  const out: string[] = [];
  let line = '';
  const words = s.split(' ').flatMap((w) => {
    const pieces: string[] = [];
    for (let k = 0; k < w.length; k += width - 2) pieces.push(w.slice(k, k + width - 2));
    return pieces.length ? pieces : [''];
  });
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = `  ${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.join('\n');
}
