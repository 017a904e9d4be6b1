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
  const lexer = new LayoutLexer(lines);
  for (let i = 0; i < lines.length; i++) lexer.scanLine(i);
  const { shifts, dashes } = lexer;
  if (lexer.mode === 'flow' || lexer.mode === 'quote' || (!shifts.some((n) => n > 0) && dashes.length === 0)) return undefined;
  for (const [i, j] of dashes.reverse()) lines[i] = `${lines[i].slice(0, j)}'-'${lines[i].slice(j + 1)}`;
  return { text: lines.map((l, i) => ' '.repeat(shifts[i]) + l).join('\n'), shifts };
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r';
const isEnd = (c: string | undefined): boolean => c === undefined || c === ' ' || c === '\t' || c === '\r';
const indentOf = (line: string): number => {
  let n = 0;
  while (line[n] === ' ') n++;
  return n;
};
const blank = (line: string): boolean => /^[ \t\r]*$/.test(line);

type Mode = 'block' | 'flow' | 'quote' | 'block-scalar';

/**
 * lenientText's scan: the state carried from line to line, and the one of the line being read
 * (`line`, its number `i`, the column `j`). Each `scan…` step reads from column `j` on and says
 * whether the rest of the line is still to be read.
 */
class LayoutLexer {
  /** Spaces added at the start of each line. */
  readonly shifts: number[];
  /** Lone `-` scalars in flow collections: [line, column]. */
  readonly dashes: [number, number][] = [];
  mode: Mode = 'block';
  private depth = 0; // flow depth
  private anchor = 0; // column (after shifts) that continuation lines must pass
  private quote = ''; // ' or "
  private quoteIn: 'block' | 'flow' = 'block';
  private tokenStart = false; // flow: a scalar, tag or collection may start here
  private afterQuoted = false; // flow: the last token was a quoted scalar (so `"a":b` has a key)
  private scalarParent = 0; // block scalar: its content is indented more than this
  private scalarIndent: number | undefined; // block scalar: the indentation of its content
  private plainParent: number | undefined; // an open multi-line plain scalar: continued by lines indented more

  private i = 0;
  private line = '';
  private j = 0;
  private parent = 0; // block: the indentation a block scalar or plain scalar here must pass
  private key = 0; // block: the column of the node that starts here (a key, say)
  private plain = false; // block: the line ends inside a plain scalar

  constructor(private readonly lines: readonly string[]) {
    this.shifts = lines.map(() => 0);
  }

  scanLine(i: number): void {
    const line = this.lines[i];
    const indent = indentOf(line);
    if (!this.startLine(i, line, indent)) return;
    this.i = i;
    this.line = line;
    this.j = this.mode === 'block' ? indent : 0;
    this.parent = indent;
    this.key = indent;
    this.plain = false;
    while (this.j < line.length) {
      const more = this.mode === 'quote' ? this.scanQuoted() : this.mode === 'flow' ? this.scanFlow() : this.scanBlock();
      if (!more) break;
    }
    if (this.mode === 'block' && this.plain) this.plainParent = this.parent;
  }

  /** Whether the line is to be scanned: not inside a block scalar or a plain scalar that it continues. */
  private startLine(i: number, line: string, indent: number): boolean {
    if (this.mode === 'block-scalar') {
      if (blank(line)) return false;
      if (this.scalarIndent === undefined && indent > this.scalarParent) this.scalarIndent = indent;
      if (this.scalarIndent !== undefined && indent >= this.scalarIndent) return false;
      this.mode = 'block';
    }
    if (this.mode === 'flow' || this.mode === 'quote') {
      if (!blank(line) && indent < this.anchor + 1) this.shifts[i] = this.anchor + 1 - indent;
    } else if (this.plainParent !== undefined) {
      // A line indented more than the key of a plain scalar value continues that scalar.
      if (blank(line)) return false;
      if (indent > this.plainParent && line[indent] !== '#') return false;
      this.plainParent = undefined;
    }
    return true;
  }

  private col(j: number): number {
    return j + this.shifts[this.i];
  }

  /** Inside a quoted scalar: to its closing quote, or to the end of the line. */
  private scanQuoted(): boolean {
    const line = this.line;
    let j = this.j;
    if (this.quote === "'") {
      while (j < line.length && !(line[j] === "'" && line[j + 1] !== "'")) j += line[j] === "'" ? 2 : 1;
    } else {
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
    }
    this.j = j;
    if (j >= line.length) return false; // continues on the next line
    this.j++;
    this.mode = this.quoteIn;
    this.afterQuoted = true;
    this.tokenStart = false;
    return true;
  }

  /** One token of a flow collection. */
  private scanFlow(): boolean {
    const line = this.line;
    const j = this.j;
    const c = line[j];
    if (isSpace(c)) this.j++;
    else if (c === '#' && (j === 0 || isSpace(line[j - 1]))) return false;
    else if (this.tokenStart && (c === '"' || c === "'")) {
      this.mode = 'quote';
      this.quote = c;
      this.quoteIn = 'flow';
      this.j++;
    } else if (c === '{' || c === '[') {
      this.depth++;
      this.tokenStart = true;
      this.afterQuoted = false;
      this.j++;
    } else if (c === '}' || c === ']') {
      this.depth--;
      this.j++;
      this.tokenStart = false;
      this.afterQuoted = false;
      if (this.depth === 0) this.mode = 'block';
    } else if (c === ',' || (c === '?' && isEnd(line[j + 1]))) {
      this.tokenStart = true;
      this.afterQuoted = false;
      this.j++;
    } else if (c === ':' && (this.afterQuoted || isEnd(line[j + 1]) || ',[]{}'.includes(line[j + 1]))) {
      this.tokenStart = true;
      this.afterQuoted = false;
      this.j++;
    } else if (this.tokenStart && (c === '!' || c === '&' || c === '*')) {
      while (this.j < line.length && !isSpace(line[this.j]) && !',[]{}'.includes(line[this.j])) this.j++;
    } else if (this.tokenStart && c === '-' && ',]}'.includes(line[j + 1] ?? '\n')) {
      this.dashes.push([this.i, j]);
      this.tokenStart = false;
      this.afterQuoted = true;
      this.j++;
    } else {
      this.tokenStart = false;
      this.afterQuoted = false;
      this.j++;
    }
    return true;
  }

  /** One token of the block context. */
  private scanBlock(): boolean {
    const line = this.line;
    const c = line[this.j];
    if (isSpace(c)) {
      this.j++;
    } else if (c === '#' && (this.j === 0 || isSpace(line[this.j - 1]))) {
      return false;
    } else if ((c === '-' || c === '?' || c === ':') && isEnd(line[this.j + 1])) {
      if (c !== ':') this.parent = this.j;
      else this.parent = this.key;
      this.j++;
      while (isSpace(line[this.j])) this.j++;
      if (c !== ':') this.key = this.j;
      this.plain = false;
    } else if (c === '!' || c === '&' || c === '*') {
      while (this.j < line.length && !isSpace(line[this.j])) this.j++;
    } else if (c === '{' || c === '[') {
      this.mode = 'flow';
      this.depth = 1;
      this.anchor = this.col(this.j);
      this.tokenStart = true;
      this.afterQuoted = false;
      this.j++;
      this.plain = false;
    } else if (c === '"' || c === "'") {
      this.mode = 'quote';
      this.quote = c;
      this.quoteIn = 'block';
      this.anchor = this.col(this.j);
      this.j++;
      this.plain = false;
    } else if (c === '|' || c === '>') {
      // Always matches: the line has `|` or `>` at column j.
      const header = /^[|>]([1-9])?[+-]?([1-9])?/.exec(line.slice(this.j));
      const explicit = header?.[1] ?? header?.[2];
      this.mode = 'block-scalar';
      this.scalarParent = this.parent;
      this.scalarIndent = explicit === undefined ? undefined : this.parent + Number(explicit);
      return false;
    } else {
      // A plain scalar: a key when `: ` follows on this line, else a value that may go on.
      while (this.j < line.length && !(line[this.j] === ':' && isEnd(line[this.j + 1])) && !(line[this.j] === '#' && isSpace(line[this.j - 1]))) this.j++;
      this.plain = !(line[this.j] === ':');
    }
    return true;
  }
}
