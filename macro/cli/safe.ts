/**
 * Text from a template, made safe to print to a terminal or a CI log.
 *
 * A state name, a logical ID or a quoted Fn::Sub excerpt is the template author's text. Printed
 * as it is, an ANSI escape could rewrite the terminal, and a newline followed by `::error::` or
 * `##vso[` would be read by GitHub Actions or Azure Pipelines as a workflow command. So every
 * control character (C0, DEL, C1), the line and paragraph separators and the bidirectional
 * overrides are written as escapes (`\n`, `\x1b`, `\u202e`): what the CLI prints from a template
 * is always on the line the CLI put it on. Long text is shortened in the middle.
 */
import { capText } from '../limits';

/** Longest template-controlled text the CLI quotes in one field. */
export const QUOTE_LIMIT = 200;

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Control characters as visible escapes; nothing else changes. */
export function escapeControls(s: string): string {
  return s.replace(
    UNSAFE,
    (c) =>
      NAMED[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
}

/** A template-controlled field: escaped, then at most `max` characters. */
export function quote(s: string | undefined, max: number = QUOTE_LIMIT): string {
  return s === undefined ? '' : capText(escapeControls(s), max);
}

/** A whole message (may quote several names): escaped, one line, at most `max` characters. */
export function safeLine(s: string, max = 2_000): string {
  return capText(escapeControls(s), max);
}
