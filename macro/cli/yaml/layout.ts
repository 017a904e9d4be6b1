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
  /** Lone `-` scalars in flow collections: [line, column]. */
  const dashes: [number, number][] = [];
  const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r';
  const isEnd = (c: string | undefined): boolean => c === undefined || c === ' ' || c === '\t' || c === '\r';
  const indentOf = (line: string): number => {
    let n = 0;
    while (line[n] === ' ') n++;
    return n;
  };
  const blank = (line: string): boolean => /^[ \t\r]*$/.test(line);

  type Mode = 'block' | 'flow' | 'quote' | 'block-scalar';
  let mode: Mode = 'block';
  let depth = 0; // flow depth
  let anchor = 0; // column (after shifts) that continuation lines must pass
  let quote = ''; // ' or "
  let quoteIn: 'block' | 'flow' = 'block';
  let tokenStart = false; // flow: a scalar, tag or collection may start here
  let afterQuoted = false; // flow: the last token was a quoted scalar (so `"a":b` has a key)
  let scalarParent = 0; // block scalar: its content is indented more than this
  let scalarIndent: number | undefined; // block scalar: the indentation of its content
  let plainParent: number | undefined; // an open multi-line plain scalar: continued by lines indented more

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const indent = indentOf(line);
    if (mode === 'block-scalar') {
      if (blank(line)) continue;
      if (scalarIndent === undefined && indent > scalarParent) scalarIndent = indent;
      if (scalarIndent !== undefined && indent >= scalarIndent) continue;
      mode = 'block';
    }
    if (mode === 'flow' || mode === 'quote') {
      if (!blank(line) && indent < anchor + 1) shifts[i] = anchor + 1 - indent;
    } else if (plainParent !== undefined) {
      // A line indented more than the key of a plain scalar value continues that scalar.
      if (blank(line)) continue;
      if (indent > plainParent && line[indent] !== '#') continue;
      plainParent = undefined;
    }
    const col = (j: number): number => j + shifts[i];

    let j = mode === 'block' ? indent : 0;
    let parent = indent; // block: the indentation a block scalar or plain scalar here must pass
    let key = indent; // block: the column of the node that starts here (a key, say)
    let plain = false; // block: the line ends inside a plain scalar
    while (j < line.length) {
      const c = line[j];
      if (mode === 'quote') {
        if (quote === "'") {
          while (j < line.length && !(line[j] === "'" && line[j + 1] !== "'")) j += line[j] === "'" ? 2 : 1;
        } else {
          while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
        }
        if (j >= line.length) break; // continues on the next line
        j++;
        mode = quoteIn;
        afterQuoted = true;
        tokenStart = false;
        continue;
      }
      if (mode === 'flow') {
        if (isSpace(c)) j++;
        else if (c === '#' && (j === 0 || isSpace(line[j - 1]))) break;
        else if (tokenStart && (c === '"' || c === "'")) {
          mode = 'quote';
          quote = c;
          quoteIn = 'flow';
          j++;
        } else if (c === '{' || c === '[') {
          depth++;
          tokenStart = true;
          afterQuoted = false;
          j++;
        } else if (c === '}' || c === ']') {
          depth--;
          j++;
          tokenStart = false;
          afterQuoted = false;
          if (depth === 0) mode = 'block';
        } else if (c === ',' || (c === '?' && isEnd(line[j + 1]))) {
          tokenStart = true;
          afterQuoted = false;
          j++;
        } else if (c === ':' && (afterQuoted || isEnd(line[j + 1]) || ',[]{}'.includes(line[j + 1]))) {
          tokenStart = true;
          afterQuoted = false;
          j++;
        } else if (tokenStart && (c === '!' || c === '&' || c === '*')) {
          while (j < line.length && !isSpace(line[j]) && !',[]{}'.includes(line[j])) j++;
        } else if (tokenStart && c === '-' && ',]}'.includes(line[j + 1] ?? '\n')) {
          dashes.push([i, j]);
          tokenStart = false;
          afterQuoted = true;
          j++;
        } else {
          tokenStart = false;
          afterQuoted = false;
          j++;
        }
        continue;
      }
      // Block context.
      if (isSpace(c)) {
        j++;
      } else if (c === '#' && (j === 0 || isSpace(line[j - 1]))) {
        break;
      } else if ((c === '-' || c === '?' || c === ':') && isEnd(line[j + 1])) {
        if (c !== ':') parent = j;
        else parent = key;
        j++;
        while (isSpace(line[j])) j++;
        if (c !== ':') key = j;
        plain = false;
      } else if (c === '!' || c === '&' || c === '*') {
        while (j < line.length && !isSpace(line[j])) j++;
      } else if (c === '{' || c === '[') {
        mode = 'flow';
        depth = 1;
        anchor = col(j);
        tokenStart = true;
        afterQuoted = false;
        j++;
        plain = false;
      } else if (c === '"' || c === "'") {
        mode = 'quote';
        quote = c;
        quoteIn = 'block';
        anchor = col(j);
        j++;
        plain = false;
      } else if (c === '|' || c === '>') {
        const header = /^[|>]([1-9])?[+-]?([1-9])?/.exec(line.slice(j))!;
        const explicit = header[1] ?? header[2];
        mode = 'block-scalar';
        scalarParent = parent;
        scalarIndent = explicit === undefined ? undefined : parent + Number(explicit);
        break;
      } else {
        // A plain scalar: a key when `: ` follows on this line, else a value that may go on.
        while (j < line.length && !(line[j] === ':' && isEnd(line[j + 1])) && !(line[j] === '#' && isSpace(line[j - 1]))) j++;
        plain = !(line[j] === ':');
      }
    }
    if (mode === 'block' && plain) plainParent = parent;
  }
  if (mode === 'flow' || mode === 'quote' || (!shifts.some((n) => n > 0) && dashes.length === 0)) return undefined;
  for (const [i, j] of dashes.reverse()) lines[i] = `${lines[i].slice(0, j)}'-'${lines[i].slice(j + 1)}`;
  return { text: lines.map((l, i) => ' '.repeat(shifts[i]) + l).join('\n'), shifts };
}
