/**
 * Where things are in the template file as written: line and column (both 1-based) of a value
 * given by its long-form path (`Resources/Flow/Properties/Definition/States/Work/Resource`), and of
 * a character inside a string value (a state inside a `DefinitionString`).
 *
 * YAML and JSON are both read with the `yaml` package (JSON is YAML 1.2), which keeps each node's
 * offsets in the text. Short-form tags stand for their long form: the path `.../Fn::Sub/0` goes
 * through `!Sub` to its first item. A path that goes further than the file (into a value computed
 * by an intrinsic, say) stops at the deepest node that exists.
 */
import type { Path } from '../cfn/json';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Scalar } from 'yaml';
import { lenientText, SHORT_FORMS, TEMPLATE_YAML_OPTIONS } from './yaml/template';

export interface SourcePos {
  line: number;
  column: number;
}

export type { Path };

interface Found {
  /** The value at the deepest part of the path that exists. */
  node: Node | null;
  /** The key (or the sequence item) that named it, for its position. */
  at: Node | null;
  /** Whether the whole path exists. */
  whole: boolean;
}

export class SourcePositions {
  private constructor(
    private readonly text: string,
    private readonly root: Node | null,
    private readonly lines: LineCounter,
  ) {}

  /** Never throws: a text that does not parse gives positions that all point at line 1. */
  static of(text: string): SourcePositions {
    let lines = new LineCounter();
    const bom = text.startsWith('\uFEFF') ? 1 : 0;
    let root: Node | null = null;
    try {
      const json = text.trimStart().startsWith('{');
      let doc = json
        ? parseDocument(text.slice(bom), { lineCounter: lines, uniqueKeys: false, prettyErrors: false })
        : parseDocument(text.slice(bom), { ...TEMPLATE_YAML_OPTIONS, uniqueKeys: false, lineCounter: lines });
      // A layout that PyYAML accepts and the yaml package does not (see lenientText): read the lenient text,
      // which has the same lines (only indentation added), as the template reader does.
      const lenient = !json && doc.errors.length > 0 ? lenientText(text.slice(bom)) : undefined;
      if (lenient) {
        lines = new LineCounter();
        doc = parseDocument(lenient.text, { ...TEMPLATE_YAML_OPTIONS, uniqueKeys: false, lineCounter: lines });
      }
      root = (doc.contents as Node | null) ?? null;
    } catch {
      root = null;
    }
    return new SourcePositions(text.slice(bom), root, lines);
  }

  private pos(offset: number | undefined): SourcePos {
    if (offset === undefined) return { line: 1, column: 1 };
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  private find(path: Path): Found {
    let node = this.root;
    let at: Node | null = this.root;
    for (const key of path) {
      if (!node) return { node, at, whole: false };
      // `!Sub x` stands for {"Fn::Sub": x}: the key is the tag, the value the node itself.
      if (typeof key === 'string' && node.tag !== undefined && SHORT_FORMS.get(node.tag) === key) continue;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) return { node, at, whole: false };
        at = pair.key as Node;
        node = (pair.value as Node | null) ?? null;
      } else if (isSeq(node) && typeof key === 'number' && key < node.items.length) {
        node = node.items[key] as Node;
        at = node;
      } else {
        // `!GetAtt a.b` is the list [a, b] in a single scalar: stay on it.
        return { node, at, whole: isScalar(node) && node.tag === '!GetAtt' };
      }
    }
    return { node, at, whole: true };
  }

  /** The position of the key (or list item) at the end of `path`, or of the deepest part that exists. */
  at(path: Path): SourcePos & { exact: boolean } {
    const found = this.find(path);
    return { ...this.pos(found.at?.range?.[0]), exact: found.whole };
  }

  /**
   * The position of character `offset` of the string value at `path`: exact in a literal block
   * scalar (`|`, line by line) and in a string on one line (quoted or plain); otherwise the
   * position where the string starts.
   */
  inString(path: Path, offset: number): SourcePos & { exact: boolean } {
    const found = this.find(path);
    const node = found.node;
    if (!found.whole || !isScalar(node) || typeof node.value !== 'string' || !node.range) return this.at(path);
    const value = node.value;
    const [start, end] = node.range;
    const start_ = { ...this.pos(start), exact: false };
    if (offset < 0 || offset > value.length) return start_;
    const raw = this.text.slice(start, end);
    if ((node as Scalar).type === 'BLOCK_LITERAL') {
      const header = this.pos(start).line;
      const before = value.slice(0, offset);
      const k = before.split('\n').length - 1; // content line of the offset
      const col = offset - (before.lastIndexOf('\n') + 1);
      const indent = blockIndent(raw, value);
      return { line: header + 1 + k, column: indent + col + 1, exact: true };
    }
    if (raw.includes('\n')) return start_; // folded or multi-line flow scalar: lines do not map
    const type = (node as Scalar).type;
    let rawIndex: number | undefined;
    if (type === 'QUOTE_DOUBLE') rawIndex = 1 + rawOffsetDouble(raw.slice(1), offset);
    else if (type === 'QUOTE_SINGLE') rawIndex = 1 + rawOffsetSingle(raw.slice(1), offset);
    else if (type === 'PLAIN') rawIndex = offset;
    if (rawIndex === undefined) return start_;
    return { ...this.pos(start + rawIndex), exact: true };
  }
}

/** Indentation of a literal block scalar's content: spaces before its first non-empty line, less the value's own. */
function blockIndent(raw: string, value: string): number {
  const sourceLines = raw.split('\n').slice(1);
  const valueLines = value.split('\n');
  for (let k = 0; k < sourceLines.length && k < valueLines.length; k++) {
    if (valueLines[k].trim() === '') continue;
    const lead = (s: string): number => s.length - s.trimStart().length;
    return lead(sourceLines[k]) - lead(valueLines[k]);
  }
  return 0;
}

/** Raw index, after the opening quote of a double-quoted JSON/YAML string, of decoded character `offset`. */
function rawOffsetDouble(raw: string, offset: number): number {
  let i = 0;
  for (let decoded = 0; decoded < offset && i < raw.length; decoded++) {
    if (raw[i] !== '\\') {
      // One UTF-16 unit in the source is one in the value.
      i++;
      continue;
    }
    const c = raw[i + 1];
    if (c === 'u') i += 6;
    else if (c === 'x') i += 4;
    else if (c === 'U') {
      i += 10;
      decoded++; // a code point outside the BMP: two UTF-16 units
    } else i += 2;
  }
  return i;
}

/** The same for a single-quoted YAML string, where `''` stands for `'`. */
function rawOffsetSingle(raw: string, offset: number): number {
  let i = 0;
  for (let decoded = 0; decoded < offset && i < raw.length; decoded++) i += raw[i] === "'" && raw[i + 1] === "'" ? 2 : 1;
  return i;
}
