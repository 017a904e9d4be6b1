/**
 * The YAML layout lexer of the CLI's template reader (./template.ts): where PyYAML (and so cfn-lint,
 * SAM CLI and the AWS CLI) accept a layout that YAML 1.2 and the `yaml` package refuse, the text is
 * read again with those lines indented further (`lenientText`).
 */

/** Errors of the `yaml` package about where things are, rather than what they are. */
export const LAYOUT_ERRORS = new Set(['BAD_INDENT', 'MISSING_CHAR', 'MULTILINE_IMPLICIT_KEY', 'BLOCK_AS_IMPLICIT_KEY', 'UNEXPECTED_TOKEN', 'TAB_AS_INDENT']);

/**
 * PyYAML, and so cfn-lint, SAM CLI and the AWS CLI, ignore the indentation of the lines inside a
 * flow collection (`{...}`, `[...]`) and of the continuation lines of a quoted scalar, so templates
 * such as
 *
 *     Variables: {        Tags:
 *       A: b              - {Key: a,
 *     }                 Value: b}
 *
 * deploy and lint fine, while YAML 1.2 and the `yaml` package want such lines indented more than
 * the block around them ("Flow map in block collection must be sufficiently indented").
 *
 * Indenting these lines further changes no value: inside a flow collection or a quoted scalar, a
 * line break folds and the spaces that start the next line are dropped. So a template that the
 * `yaml` package rejects is read again with each such line indented to one column past the
 * bracket or quote that opened it (the outermost bracket, for nested collections).
 *
 * libyaml (which cfn-lint reads with) also takes a lone `-` in a flow collection (`!Join [-, [a, b]]`)
 * for the string "-", which YAML 1.2 reads as a block sequence there: such a `-` is quoted.
 *
 * This scans the text the way a YAML lexer does, only as far as needed to tell where flow
 * collections, quoted scalars, block scalars (whose lines are left alone), plain multi-line
 * scalars and comments are. Returns undefined when nothing needs it, or when the scan ends inside
 * a flow collection or quoted scalar (the text is broken anyway: the original error is reported).
 * `shifts[i]` is the number of spaces added at the start of line i (0-based).
 */
export function lenientText(text: string): { text: string; shifts: number[] } | undefined {
  const lines = text.split('\n');
  const shifts = lines.map(() => 0);
  const lx: Lexer = {
    mode: 'block',
    depth: 0,
    anchor: 0,
    quote: '',
    quoteIn: 'block',
    tokenStart: false,
    afterQuoted: false,
    scalarParent: 0,
    scalarIndent: undefined,
    plainParent: undefined,
    dashes: [],
  };
  for (let i = 0; i < lines.length; i++) {
    if (startLine(lx, lines[i], i, shifts)) scanLine(lx, lines[i], i, shifts[i]);
  }
  if (lx.mode === 'flow' || lx.mode === 'quote' || (!shifts.some((n) => n > 0) && lx.dashes.length === 0)) return undefined;
  for (const [i, j] of lx.dashes.reverse()) lines[i] = `${lines[i].slice(0, j)}'-'${lines[i].slice(j + 1)}`;
  return { text: lines.map((l, i) => ' '.repeat(shifts[i]) + l).join('\n'), shifts };
}

type Mode = 'block' | 'flow' | 'quote' | 'block-scalar';

/** The lexer's state from line to line. */
interface Lexer {
  mode: Mode;
  /** Flow: how many collections are open. */
  depth: number;
  /** The column (after shifts) that continuation lines must pass. */
  anchor: number;
  /** ' or " */
  quote: string;
  quoteIn: 'block' | 'flow';
  /** Flow: a scalar, tag or collection may start here. */
  tokenStart: boolean;
  /** Flow: the last token was a quoted scalar (so `"a":b` has a key). */
  afterQuoted: boolean;
  /** Block scalar: its content is indented more than this. */
  scalarParent: number;
  /** Block scalar: the indentation of its content. */
  scalarIndent: number | undefined;
  /** An open multi-line plain scalar: continued by lines indented more. */
  plainParent: number | undefined;
  /** Lone `-` scalars in flow collections: [line, column]. */
  dashes: [number, number][];
}

/** Where the scan of one line is. */
interface LineScan {
  i: number;
  line: string;
  /** The spaces added at its start. */
  shift: number;
  j: number;
  /** Block: the indentation a block scalar or plain scalar here must pass. */
  parent: number;
  /** Block: the column of the node that starts here (a key, say). */
  key: number;
  /** Block: the line ends inside a plain scalar. */
  plain: boolean;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r';
const isEnd = (c: string | undefined): boolean => c === undefined || c === ' ' || c === '\t' || c === '\r';
const blank = (line: string): boolean => /^[ \t\r]*$/.test(line);

function indentOf(line: string): number {
  let n = 0;
  while (line[n] === ' ') n++;
  return n;
}

/**
 * The start of line `i`: false when the whole line belongs to a block scalar or continues a plain
 * scalar; inside a flow collection or a quoted scalar, the spaces it needs (`shifts[i]`).
 */
function startLine(lx: Lexer, line: string, i: number, shifts: number[]): boolean {
  const indent = indentOf(line);
  if (lx.mode === 'block-scalar') {
    if (blank(line)) return false;
    if (lx.scalarIndent === undefined && indent > lx.scalarParent) lx.scalarIndent = indent;
    if (lx.scalarIndent !== undefined && indent >= lx.scalarIndent) return false;
    lx.mode = 'block';
  }
  if (lx.mode === 'flow' || lx.mode === 'quote') {
    if (!blank(line) && indent < lx.anchor + 1) shifts[i] = lx.anchor + 1 - indent;
  } else if (lx.plainParent !== undefined) {
    // A line indented more than the key of a plain scalar value continues that scalar.
    if (blank(line)) return false;
    if (indent > lx.plainParent && line[indent] !== '#') return false;
    lx.plainParent = undefined;
  }
  return true;
}

function scanLine(lx: Lexer, line: string, i: number, shift: number): void {
  const indent = indentOf(line);
  const s: LineScan = { i, line, shift, j: lx.mode === 'block' ? indent : 0, parent: indent, key: indent, plain: false };
  while (s.j < line.length) {
    const stop = lx.mode === 'quote' ? quoteStep(lx, s) : lx.mode === 'flow' ? flowStep(lx, s) : blockStep(lx, s);
    if (stop) break;
  }
  if (lx.mode === 'block' && s.plain) lx.plainParent = s.parent;
}

/** Inside a quoted scalar: to its closing quote; true when it goes on past the line. */
function quoteStep(lx: Lexer, s: LineScan): boolean {
  const line = s.line;
  let j = s.j;
  if (lx.quote === "'") {
    while (j < line.length && !(line[j] === "'" && line[j + 1] !== "'")) j += line[j] === "'" ? 2 : 1;
  } else {
    while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
  }
  if (j >= line.length) return true; // continues on the next line
  s.j = j + 1;
  lx.mode = lx.quoteIn;
  lx.afterQuoted = true;
  lx.tokenStart = false;
  return false;
}

/** One token in a flow collection; true at a comment (the rest of the line). */
function flowStep(lx: Lexer, s: LineScan): boolean {
  const line = s.line;
  const j = s.j;
  const c = line[j];
  if (isSpace(c)) s.j++;
  else if (c === '#' && (j === 0 || isSpace(line[j - 1]))) return true;
  else if (lx.tokenStart && (c === '"' || c === "'")) {
    lx.mode = 'quote';
    lx.quote = c;
    lx.quoteIn = 'flow';
    s.j++;
  } else if (c === '{' || c === '[') {
    lx.depth++;
    lx.tokenStart = true;
    lx.afterQuoted = false;
    s.j++;
  } else if (c === '}' || c === ']') {
    lx.depth--;
    s.j++;
    lx.tokenStart = false;
    lx.afterQuoted = false;
    if (lx.depth === 0) lx.mode = 'block';
  } else if (c === ',' || (c === '?' && isEnd(line[j + 1])) || (c === ':' && (lx.afterQuoted || isEnd(line[j + 1]) || ',[]{}'.includes(line[j + 1])))) {
    lx.tokenStart = true;
    lx.afterQuoted = false;
    s.j++;
  } else if (lx.tokenStart && (c === '!' || c === '&' || c === '*')) {
    while (s.j < line.length && !isSpace(line[s.j]) && !',[]{}'.includes(line[s.j])) s.j++;
  } else if (lx.tokenStart && c === '-' && ',]}'.includes(line[j + 1] ?? '\n')) {
    lx.dashes.push([s.i, j]);
    lx.tokenStart = false;
    lx.afterQuoted = true;
    s.j++;
  } else {
    lx.tokenStart = false;
    lx.afterQuoted = false;
    s.j++;
  }
  return false;
}

/** One token in block context; true at a comment or a block scalar's header (the rest of the line). */
function blockStep(lx: Lexer, s: LineScan): boolean {
  const line = s.line;
  const c = line[s.j];
  if (isSpace(c)) {
    s.j++;
  } else if (c === '#' && (s.j === 0 || isSpace(line[s.j - 1]))) {
    return true;
  } else if ((c === '-' || c === '?' || c === ':') && isEnd(line[s.j + 1])) {
    s.parent = c !== ':' ? s.j : s.key;
    s.j++;
    while (isSpace(line[s.j])) s.j++;
    if (c !== ':') s.key = s.j;
    s.plain = false;
  } else if (c === '!' || c === '&' || c === '*') {
    while (s.j < line.length && !isSpace(line[s.j])) s.j++;
  } else if (c === '{' || c === '[' || c === '"' || c === "'") {
    lx.mode = c === '{' || c === '[' ? 'flow' : 'quote';
    if (lx.mode === 'flow') {
      lx.depth = 1;
      lx.tokenStart = true;
      lx.afterQuoted = false;
    } else {
      lx.quote = c;
      lx.quoteIn = 'block';
    }
    lx.anchor = s.j + s.shift;
    s.j++;
    s.plain = false;
  } else if (c === '|' || c === '>') {
    const [, first, second] = /^[|>]([1-9])?[+-]?([1-9])?/.exec(line.slice(s.j)) ?? [];
    const explicit = first ?? second;
    lx.mode = 'block-scalar';
    lx.scalarParent = s.parent;
    lx.scalarIndent = explicit === undefined ? undefined : s.parent + Number(explicit);
    return true;
  } else {
    // A plain scalar: a key when `: ` follows on this line, else a value that may go on.
    while (s.j < line.length && !(line[s.j] === ':' && isEnd(line[s.j + 1])) && !(line[s.j] === '#' && isSpace(line[s.j - 1]))) s.j++;
    s.plain = !(line[s.j] === ':');
  }
  return false;
}
