/**
 * A JSON parser for definition texts that may contain holes (values known only at deploy time).
 *
 * Why not JSON.parse: the macro must know where every string sits in the source, so that it
 * can edit exactly one string and leave every other byte alone; and a definition may contain
 * `${...}` holes that are not JSON until CloudFormation fills them. The parser is iterative, so
 * deeply nested definitions (thousands of nested Parallel states) cannot overflow the stack.
 */
import { ReadError } from '../errors';
import type { Part } from '../intrinsics/parts';
import type { Json } from '../types';
import type { ArrNode, Binding, HoleSource, Node, ObjNode, StrNode } from './ast';

/** Stands for a hole in the flat text; a real U+E000 in the text is told apart by position. */
export const HOLE_CHAR = '\uE000';
const HOLE_CODE = 0xe000;

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
  node: ObjNode | ArrNode;
  key?: string;
}

const NO_HOLES: HoleSource[] = Object.freeze([]) as unknown as HoleSource[];

/** Stands for every string that `ParseOptions.keep` leaves out. */
const DATA: Node = Object.freeze({ kind: 'scalar' }) as Node;

export interface ParseOptions {
  /**
   * Keep string values only under these keys; every other string is checked as JSON but becomes
   * a shared scalar node. Readers that look at a few keys save most of the allocations on large
   * definitions. Default: keep every string.
   */
  keep?: ReadonlySet<string>;
}

export function parseDefinitionText(flat: FlatText, options: ParseOptions = {}): Node {
  return new Parser(flat, options.keep).parse();
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
    private readonly keep?: ReadonlySet<string>,
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
        const close = top.node.kind === 'obj' ? '}' : ']';
        if (s[this.i] === close) {
          this.i++;
          value = stack.pop()!.node;
        } else {
          if (top.node.kind === 'obj') this.readKey(top);
          value = this.readScalarOrOpen();
          continue;
        }
      }
      // attach a complete value
      const top = stack[stack.length - 1];
      if (!top) break;
      if (top.node.kind === 'obj') top.node.entries.set(top.key!, value);
      else top.node.items.push(value);
      this.ws();
      if (s[this.i] === ',') {
        this.i++;
        if (top.node.kind === 'obj') this.readKey(top);
        value = this.readScalarOrOpen();
        continue;
      }
      const close = top.node.kind === 'obj' ? '}' : ']';
      if (s[this.i] !== close) this.fail(`expected ',' or '${close}', found ${this.found()}`);
      this.i++;
      value = stack.pop()!.node;
    }
    this.ws();
    if (this.i < this.n) this.fail(`unexpected ${this.found()} after the end of the definition`);
    return value;
  }

  private fail(what: string): never {
    throw new ReadError(`invalid JSON: ${what} at ${position(this.s, this.i)}`);
  }

  private found(): string {
    const { s, i } = this;
    return i >= this.n ? 'end of text' : `'${s[i] === HOLE_CHAR && this.holes.has(i) ? '${…}' : s[i]}'`;
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
      if (c < 0x20) {
        this.i = j;
        this.fail('control character in string');
      }
      j++;
    }
    this.i = j + 1;
    return DATA;
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
      if (c === HOLE_CODE && this.holes.has(j)) {
        text += s.slice(chunk, j);
        if (text) parts.push(text);
        text = '';
        const h = this.holes.get(j)!;
        parts.push({ hole: h.value });
        holes.push({ binding: h.binding });
        j++;
        chunk = j;
        continue;
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
    if (c === 123) {
      this.i = i + 1;
      this.stack.push({ node: { kind: 'obj', entries: new Map() } });
      return 'open';
    }
    if (c === 91) {
      this.i = i + 1;
      this.stack.push({ node: { kind: 'arr', items: [] } });
      return 'open';
    }
    if (c === 34) {
      const top = this.stack[this.stack.length - 1];
      if (this.keep && top !== undefined && (top.node.kind === 'arr' || !this.keep.has(top.key!))) return this.skipString();
      return this.readString();
    }
    if (c === HOLE_CODE && this.holes.has(i)) {
      this.i = i + 1;
      return { kind: 'scalar' };
    }
    if (s.startsWith('true', i)) {
      this.i = i + 4;
      return { kind: 'scalar' };
    }
    if (s.startsWith('false', i)) {
      this.i = i + 5;
      return { kind: 'scalar' };
    }
    if (s.startsWith('null', i)) {
      this.i = i + 4;
      return { kind: 'scalar' };
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(s)) {
      this.i = NUMBER.lastIndex;
      return { kind: 'scalar' };
    }
    return this.fail(`unexpected ${this.found()}, expected a value`);
  }

  /** After '{' or ',' in an object: read `"key":` and remember the key. */
  private readKey(frame: Frame): void {
    this.ws();
    const { s, n } = this;
    if (s[this.i] !== '"') this.fail(`expected a property name, found ${this.found()}`);
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
    this.ws();
    if (s[this.i] !== ':') this.fail(`expected ':', found ${this.found()}`);
    this.i++;
  }
}

/** `line L, column C ("…excerpt…")` for error messages. */
function position(s: string, at: number): string {
  let line = 1;
  let col = 1;
  for (let k = 0; k < at && k < s.length; k++) {
    if (s.charCodeAt(k) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  const from = Math.max(0, at - 20);
  const excerpt = s.slice(from, at + 20).replace(/\n/g, '\\n').replace(new RegExp(HOLE_CHAR, 'g'), '${…}');
  return `line ${line}, column ${col} (near "${excerpt}")`;
}
