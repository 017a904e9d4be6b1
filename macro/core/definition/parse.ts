/**
 * A JSON parser for definition texts that may contain holes (values known only at deploy time).
 *
 * Why not JSON.parse: the macro must know where every string sits in the source, so that it
 * can edit exactly one string and leave every other byte alone; and a definition may contain
 * `${...}` holes that are not JSON until CloudFormation fills them. The parser is iterative, so
 * deeply nested definitions (thousands of nested Parallel states) cannot overflow the stack.
 */
import { ReadError } from '../../errors';
import type { Part } from '../../cfn/parts';
import type { Json } from '../../types';
import type { ArrNode, Binding, HoleSource, Node, ObjNode, StrNode } from './ast';

/** Stands for a hole in the flat text (and in a key that holds one); a real U+E000 in the text is told apart by position. */
export const HOLE_CHAR = '\uE000';
const HOLE_CODE = 0xe000;
/**
 * What definition readers write for a hole in the flat text instead: a character below U+0100 keeps
 * the text (and every key and string sliced from it) one byte per character, half the memory and
 * faster to compare and hash. A real one is a control character, which JSON allows nowhere, so the
 * hot loops already stop at it; holes are told apart by position, as for HOLE_CHAR.
 */
export const HOLE_MARK = '\u0001';
const MARK_CODE = 0x01;

export interface HoleInfo {
  value: Json;
  binding: Binding;
}

export interface FlatText {
  text: string;
  holes: Map<number, HoleInfo>;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

interface Frame {
  /** The container being built; null for a container the shape drops (checked, not kept). */
  node: ObjNode | ArrNode | null;
  /** '}' or ']' */
  close: string;
  /** An object's current key, read by readKey before each value ('' before the first, in arrays and in dropped objects). */
  key: string;
  /** What to keep inside: undefined keeps everything, null drops everything. */
  shape: Shape | null | undefined;
}

const NO_HOLES: HoleSource[] = Object.freeze([]) as unknown as HoleSource[];

/** Every number, boolean, null and bare hole; and every value that a shape drops. */
const SCALAR: Node = Object.freeze({ kind: 'scalar' }) as Node;

/**
 * The part of a tree that a reader needs. Everything else is still checked as JSON, but becomes
 * the shared scalar node without being built: readers that look at a few paths of a large
 * definition save most of the work and the allocations.
 */
export interface Shape {
  /** Keys of an object whose string values are kept. */
  strings?: ReadonlySet<string>;
  /** Shapes of the objects and arrays under these keys of an object. */
  children?: ReadonlyMap<string, Shape>;
  /** Shape of the objects and arrays under any other key (e.g. every state of `States`). */
  other?: Shape;
  /** Shape of the objects and arrays in an array. */
  items?: Shape;
}

export interface ParseOptions {
  /** Keep only this part of the tree (default: all of it). The root value is always kept. */
  shape?: Shape;
}

export function parseDefinitionText(flat: FlatText, options: ParseOptions = {}): Node {
  return new Parser(flat, options.shape).parse();
}

/** Shape of a container value at `key` of a frame (a number for an array item). */
function childShape(frame: Frame): Shape | null | undefined {
  const shape = frame.shape;
  if (!shape) return shape;
  if (frame.close === ']') return shape.items ?? null;
  return shape.children?.get(frame.key) ?? shape.other ?? null;
}

/** Whether a string value of a frame is kept. */
function keepsString(frame: Frame): boolean {
  const shape = frame.shape;
  if (shape === undefined) return true;
  if (shape === null || frame.close === ']') return false;
  return shape.strings?.has(frame.key) ?? false;
}

/**
 * One pass over the text. The position lives in a field and the hot loops (whitespace, string
 * content, keys) work on local copies of it; keys without escapes or holes are sliced directly.
 */
class Parser {
  private readonly s: string;
  private readonly n: number;
  private readonly holes: Map<number, HoleInfo>;
  private i = 0;
  private readonly stack: Frame[] = [];

  constructor(
    flat: FlatText,
    private readonly shape?: Shape,
  ) {
    this.s = flat.text;
    this.n = flat.text.length;
    this.holes = flat.holes;
  }

  parse(): Node {
    const { s, stack } = this;
    let value = this.readScalarOrOpen();
    for (;;) {
      if (value === 'open') {
        const top = stack[stack.length - 1];
        this.ws();
        if (s[this.i] === top.close) {
          this.i++;
          stack.pop();
          value = top.node ?? SCALAR;
        } else {
          if (top.close === '}') this.readKey(top);
          value = this.readScalarOrOpen();
          continue;
        }
      }
      // attach a complete value
      const top = stack[stack.length - 1];
      if (!top) break;
      const node = top.node;
      if (node !== null) {
        if (node.kind === 'obj') node.entries.set(top.key, value);
        else node.items.push(value);
      }
      this.ws();
      if (s[this.i] === ',') {
        this.i++;
        if (top.close === '}') this.readKey(top);
        value = this.readScalarOrOpen();
        continue;
      }
      if (s[this.i] !== top.close) this.fail(`expected ',' or '${top.close}', found ${this.found()}`);
      this.i++;
      stack.pop();
      value = top.node ?? SCALAR;
    }
    this.ws();
    if (this.i < this.n) this.fail(`unexpected ${this.found()} after the end of the definition`);
    return value;
  }

  private fail(what: string): never {
    throw new ReadError(`invalid JSON: ${what} at ${position(this.s, this.i, this.holes)}`);
  }

  private found(): string {
    const { s, i } = this;
    return i >= this.n ? 'end of text' : `'${this.isHole(i) ? '${…}' : s[i]}'`;
  }

  /** Whether a hole stands at `i`. */
  private isHole(i: number): boolean {
    const c = this.s.charCodeAt(i);
    return (c === HOLE_CODE || c === MARK_CODE) && this.holes.has(i);
  }

  private ws(): void {
    const { s, n } = this;
    let i = this.i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  /** The escape sequence at `j` (a backslash): its text and length; fails on a bad one. */
  private escape(j: number): { text: string; length: number } {
    const e = this.s[j + 1];
    if (e === 'u') {
      const hex = this.s.slice(j + 2, j + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        this.i = j;
        this.fail('bad \\u escape');
      }
      return { text: String.fromCharCode(parseInt(hex, 16)), length: 6 };
    }
    if (e !== undefined && ESCAPES[e] !== undefined) return { text: ESCAPES[e], length: 2 };
    this.i = j;
    return this.fail('bad escape in string');
  }

  /** Checks a string as readString does, without keeping it. */
  private skipString(): Node {
    const { s, n } = this;
    const start = this.i + 1;
    let j = start;
    for (;;) {
      if (j >= n) {
        this.i = start - 1;
        this.fail('unterminated string');
      }
      const c = s.charCodeAt(j);
      if (c === 34) break;
      if (c === 92) {
        j += this.escape(j).length;
        continue;
      }
      if (c < 0x20 && !(c === MARK_CODE && this.holes.has(j))) {
        this.i = j;
        this.fail('control character in string');
      }
      j++;
    }
    this.i = j + 1;
    return SCALAR;
  }

  private readString(): StrNode {
    // s[i] is the opening quote
    const { s, n } = this;
    const start = this.i + 1;
    let j = start;
    // Fast path: no escape, no hole.
    for (;;) {
      if (j >= n) break;
      const c = s.charCodeAt(j);
      if (c === 34) {
        this.i = j + 1;
        return { kind: 'str', parts: j > start ? [s.slice(start, j)] : [], holes: NO_HOLES, loc: { kind: 'text', start, end: j } };
      }
      if (c === 92 || c === HOLE_CODE || c < 0x20) break;
      j++;
    }
    // A string that is one hole (`"${Fn.Arn}"`, the usual FunctionName): its lists at their size.
    const sole = j === start && s.charCodeAt(j + 1) === 34 ? this.holes.get(j) : undefined;
    if (sole !== undefined) {
      this.i = j + 2;
      return { kind: 'str', parts: [{ hole: sole.value }], holes: [{ binding: sole.binding }], loc: { kind: 'text', start, end: j + 1 } };
    }
    const parts: Part[] = [];
    const holes: HoleSource[] = [];
    let chunk = start;
    let text = '';
    for (;;) {
      if (j >= n) {
        this.i = start - 1;
        this.fail('unterminated string');
      }
      const c = s.charCodeAt(j);
      if (c === 34) break;
      if (c === 92) {
        text += s.slice(chunk, j);
        const esc = this.escape(j);
        text += esc.text;
        j += esc.length;
        chunk = j;
        continue;
      }
      if (c === HOLE_CODE || c === MARK_CODE) {
        const h = this.holes.get(j);
        if (h !== undefined) {
          text += s.slice(chunk, j);
          if (text) parts.push(text);
          text = '';
          parts.push({ hole: h.value });
          holes.push({ binding: h.binding });
          j++;
          chunk = j;
          continue;
        }
      }
      if (c < 0x20) {
        this.i = j;
        this.fail('control character in string');
      }
      j++;
    }
    text += s.slice(chunk, j);
    if (text) parts.push(text);
    this.i = j + 1;
    return { kind: 'str', parts, holes: holes.length ? holes : NO_HOLES, loc: { kind: 'text', start, end: j } };
  }

  private readScalarOrOpen(): Node | 'open' {
    this.ws();
    const { s } = this;
    const i = this.i;
    if (i >= this.n) this.fail('unexpected end of text, expected a value');
    const c = s.charCodeAt(i);
    if (c === 123 || c === 91) {
      this.i = i + 1;
      const top = this.stack[this.stack.length - 1];
      const shape = top === undefined ? this.shape : childShape(top);
      const close = c === 123 ? '}' : ']';
      const node: ObjNode | ArrNode | null = shape === null ? null : c === 123 ? { kind: 'obj', entries: new Map() } : { kind: 'arr', items: [] };
      this.stack.push({ node, close, key: '', shape });
      return 'open';
    }
    if (c === 34) {
      const top = this.stack[this.stack.length - 1];
      return top === undefined || keepsString(top) ? this.readString() : this.skipString();
    }
    const h = c === HOLE_CODE || c === MARK_CODE ? this.holes.get(i) : undefined;
    if (h !== undefined) {
      this.i = i + 1;
      // A value filled in at deploy time where a JSON value stands (`"Parameters": ${Params}`).
      return { kind: 'scalar', hole: { value: h.value, binding: h.binding } };
    }
    if (s.startsWith('true', i)) {
      this.i = i + 4;
      return SCALAR;
    }
    if (s.startsWith('false', i)) {
      this.i = i + 5;
      return SCALAR;
    }
    if (s.startsWith('null', i)) {
      this.i = i + 4;
      return SCALAR;
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(s)) {
      this.i = NUMBER.lastIndex;
      return SCALAR;
    }
    return this.fail(`unexpected ${this.found()}, expected a value`);
  }

  /** After '{' or ',' in an object: read `"key":` and remember the key. */
  private readKey(frame: Frame): void {
    this.ws();
    const { s, n } = this;
    if (s[this.i] !== '"') this.fail(`expected a property name, found ${this.found()}`);
    if (frame.node === null) {
      // A dropped object: its keys are checked, not kept.
      this.skipString();
    } else {
      // Fast path: a key without escapes or holes is the text between the quotes.
      let j = this.i + 1;
      let key: string | undefined;
      while (j < n) {
        const c = s.charCodeAt(j);
        if (c === 34) {
          key = s.slice(this.i + 1, j);
          this.i = j + 1;
          break;
        }
        if (c === 92 || c === HOLE_CODE || c < 0x20) break;
        j++;
      }
      if (key === undefined) {
        const k = this.readString();
        key = k.parts.map((p) => (typeof p === 'string' ? p : HOLE_CHAR)).join('');
      }
      frame.key = key;
    }
    this.ws();
    if (s[this.i] !== ':') this.fail(`expected ':', found ${this.found()}`);
    this.i++;
  }
}

/** `line L, column C ("…excerpt…")` for error messages; a hole (and a U+E000) shows as `${…}`. */
function position(s: string, at: number, holes: Map<number, HoleInfo>): string {
  let line = 1;
  let col = 1;
  for (let k = 0; k < at && k < s.length; k++) {
    if (s.charCodeAt(k) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  const from = Math.max(0, at - 20);
  let excerpt = '';
  for (let k = from; k < at + 20 && k < s.length; k++) {
    const c = s[k];
    excerpt += c === '\n' ? '\\n' : c === HOLE_CHAR || (c === HOLE_MARK && holes.has(k)) ? '${…}' : c;
  }
  return `line ${line}, column ${col} (near "${excerpt}")`;
}
