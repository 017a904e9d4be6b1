/**
 * A JSON parser for definition texts that may contain holes (values known only at deploy time).
 *
 * Why not JSON.parse: the macro must know where every string sits in the source, so that it
 * can edit exactly one string and leave every other byte alone; and a definition may contain
 * `${...}` holes that are not JSON until CloudFormation fills them. The parser is iterative, so
 * deeply nested definitions (thousands of nested Parallel states) cannot overflow the stack.
 */
import { ReadError } from '../../errors';
import { keysByLength } from '../../limits';
import { isString } from '../../cfn/json';
import type { Part } from '../../cfn/parts';
import type { Json } from '../../types';
import { NO_LOC, type ArrNode, type Binding, type HoleSource, type Node, type ObjNode, type StrNode } from './ast';

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

/**
 * A container being built. Frames are reused from depth to depth (one per level of nesting, not one
 * per container): a definition has a container or two per state in Retry, Catch, Choices…
 */
class Frame {
  node: ObjNode | ArrNode = { kind: 'arr', items: [] };
  /** Code of '}' or ']'. */
  close = 0;
  /** An object's current key, read by readKey before each value ('' before the first, and in arrays). */
  key = '';
  /** What to keep inside: undefined keeps everything. */
  shape: Shape | undefined = undefined;
  /** Whether a string value here (at `key` in an object) is kept. */
  keep = false;
  /** What an object's shape says of its keys (see Keys); undefined when every key is kept. */
  keys: Keys | undefined = undefined;
  /** Whether the value at `key` goes into the node (false at a key the shape does not name). */
  store = true;
}

/** What an object's shape says of its keys. */
interface Keys {
  /**
   * The keys whose strings it keeps: those it reads, and those where it expects a container (a
   * state, `States`, a branch, a Map's processor), since a string there is a placeholder filled in at
   * deploy time (SAM writes a whole state chosen by Fn::If as `"${definition_substitution_N}"`),
   * which the slot finder must report.
   */
  strings: ReadonlySet<string>;
  /**
   * Every key it names (its strings, children and looked-up keys) by length, `names[n]` listing those of
   * n characters: read off the text without a copy of each key (most keys of a state are none of them).
   */
  names: (readonly string[] | undefined)[];
}

/** The Keys of a shape, read once a shape; undefined when it keeps every key (a shape with `other`). */
const shapeKeys = new WeakMap<Shape, Keys | undefined>();
function keysOfShape(shape: Shape): Keys | undefined {
  if (shapeKeys.has(shape)) return shapeKeys.get(shape);
  let keys: Keys | undefined;
  if (shape.other === undefined) {
    const strings = new Set([...(shape.strings ?? []), ...(shape.children?.keys() ?? [])]);
    keys = { strings, names: keysByLength([...strings, ...(shape.looked ?? [])]) };
  }
  shapeKeys.set(shape, keys);
  return keys;
}

/** The name among `names` that `s` holds from `start` to `end`, else undefined. */
function nameAt(names: Keys['names'], s: string, start: number, end: number): string | undefined {
  // A loop, not `find`: a callback would be a closure made for every key read.
  const list = names[end - start];
  if (list) for (const name of list) if (s.startsWith(name, start)) return name;
  return undefined;
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
  /** Keys of an object that readers only look up (their values are dropped). */
  looked?: ReadonlySet<string>;
  /** Shapes of the objects and arrays under these keys of an object. */
  children?: ReadonlyMap<string, Shape>;
  /**
   * Shape of the objects and arrays under any other key (e.g. every state of `States`). Without it,
   * an object keeps only the keys its shape names: no reader looks up any other.
   */
  other?: Shape;
  /** Shape of the objects and arrays in an array. */
  items?: Shape;
  /**
   * Keys of an object (one that names its keys) whose string values a rewrite may be placed in, each
   * with what its plain text must match for that (undefined: any; a string with a hole always may be):
   * only these strings get their location. Any other string it keeps has none, and is one node for all
   * of the same plain text (a definition's thousands of `"Type": "Task"`).
   */
  placed?: ReadonlyMap<string, RegExp | undefined>;
}

export interface ParseOptions {
  /** Keep only this part of the tree (default: all of it). The root value is always kept. */
  shape?: Shape;
}

export function parseDefinitionText(flat: FlatText, options: ParseOptions = {}): Node {
  return new Parser(flat, options.shape).parse();
}

/** Shape of a container value at `key` of a frame (in an array, of its items); null: dropped. */
function childShape(frame: Frame): Shape | null | undefined {
  const shape = frame.shape;
  if (shape === undefined) return undefined;
  if (frame.close === CLOSE_ARR) return shape.items ?? null;
  if (!frame.store) return null;
  return shape.children?.get(frame.key) ?? shape.other ?? null;
}

const CLOSE_OBJ = 125; // '}'
const CLOSE_ARR = 93; // ']'

/**
 * One pass over the text. The position lives in a field and the hot loops (whitespace, string
 * content, keys) work on local copies of it; keys without escapes or holes are sliced directly.
 */
class Parser {
  readonly #s: string;
  readonly #n: number;
  readonly #holes: Map<number, HoleInfo>;
  #i = 0;
  /** The containers being built are frames[0 .. depth-1]; frames past them wait to be reused. */
  readonly #frames: Frame[] = [];
  #depth = 0;
  /** skipContainer's closing codes of the containers it is inside (kept to be reused). */
  readonly #closers: number[] = [];
  /**
   * The last plain text kept without its location at each key (see Shape's `placed`): the node of the next
   * one there with the same text (most: every `"Type": "Task"`), shared, never mutated. (A key has one rule
   * in a shape: SLOT_SHAPE's objects that place strings share one `placed` map.)
   */
  readonly #plain = new Map<string, StrNode>();

  readonly #shape?: Shape;

  constructor(flat: FlatText, shape?: Shape) {
    this.#shape = shape;
    this.#s = flat.text;
    this.#n = flat.text.length;
    this.#holes = flat.holes;
  }

  parse(): Node {
    const s = this.#s;
    const frames = this.#frames;
    let value = this.#readScalarOrOpen();
    for (;;) {
      if (value === 'open') {
        const top = frames[this.#depth - 1];
        this.#ws();
        if (s.charCodeAt(this.#i) === top.close) {
          this.#i++;
          this.#depth--;
          value = top.node;
        } else {
          if (top.close === CLOSE_OBJ) this.#readKey(top);
          value = this.#readScalarOrOpen();
          continue;
        }
      }
      // attach a complete value
      if (this.#depth === 0) break;
      const top = frames[this.#depth - 1];
      const node = top.node;
      if (node.kind === 'arr') node.items.push(value);
      else if (top.store) node.entries.set(top.key, value);
      this.#ws();
      if (s.charCodeAt(this.#i) === 44) {
        this.#i++;
        if (top.close === CLOSE_OBJ) this.#readKey(top);
        value = this.#readScalarOrOpen();
        continue;
      }
      if (s.charCodeAt(this.#i) !== top.close) this.#failAfter(top.close);
      this.#i++;
      this.#depth--;
      value = top.node;
    }
    this.#ws();
    if (this.#i < this.#n) this.#fail(`unexpected ${this.#found()} after the end of the definition`);
    return value;
  }

  /** Opens a container to build (`c`: the code of '{' or '['), in the next frame. */
  #open(c: number, shape: Shape | undefined): void {
    let frame = this.#frames[this.#depth];
    if (frame === undefined) {
      frame = new Frame();
      this.#frames.push(frame);
    }
    if (c === 123) {
      frame.node = { kind: 'obj', entries: new Map() };
      frame.close = CLOSE_OBJ;
    } else {
      frame.node = { kind: 'arr', items: [] };
      frame.close = CLOSE_ARR;
    }
    frame.key = '';
    frame.shape = shape;
    frame.keys = shape === undefined ? undefined : keysOfShape(shape);
    frame.store = true;
    // An object's is set by readKey before each value. In an array, a shape keeps strings only where
    // it expects containers (a Parallel's branch): one there is filled in at deploy time (see readKey).
    frame.keep = shape === undefined || shape.items !== undefined;
    this.#depth++;
  }

  /**
   * Checks the rest of a container that the shape drops (its '{' or '[' just read) as parse() would,
   * with the same errors at the same places, but without frames or nodes: most of a definition's
   * text (Retry, Catch, Choices, payloads…) is read here. Iterative too: `close` is the code that
   * closes the innermost open container, `closers` those of the containers around it. The position
   * is a local (whitespace, keys, plain strings and literals read inline): the field is set only
   * around the calls for the rare cases and the errors.
   */
  #skipContainer(close: number): void {
    const s = this.#s;
    const closers = this.#closers;
    closers.length = 0;
    let i = this.#i;
    // Just after an opening bracket (else just after a value).
    let opened = true;
    for (;;) {
      let c = s.charCodeAt(i);
      while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++i);
      this.#i = i;
      if (c === close) {
        i++;
        const outer = closers.pop();
        if (outer === undefined) break;
        close = outer;
        opened = false;
        continue;
      }
      if (!opened) {
        if (c !== 44) this.#failAfter(close);
        do c = s.charCodeAt(++i);
        while (c === 32 || c === 10 || c === 13 || c === 9);
        this.#i = i;
      }
      if (close === CLOSE_OBJ) {
        if (c !== 34) this.#failKey();
        this.#i = this.#pastString(i);
        this.#colon();
        i = this.#i;
        c = s.charCodeAt(i);
        while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++i);
        this.#i = i;
      }
      opened = c === 123 || c === 91;
      if (opened) {
        i++;
        closers.push(close);
        close = c === 123 ? CLOSE_OBJ : CLOSE_ARR;
      } else if (c === 34) i = this.#pastString(i);
      else {
        this.#scalar(i, c, false);
        i = this.#i;
      }
    }
    this.#i = i;
  }

  /**
   * Where the string opening at `i` (and at the position) ends, past its quote; checked as readString
   * does, which reads one with an escape or a control character (and reports the errors).
   */
  #pastString(i: number): number {
    const s = this.#s;
    for (;;) {
      const c = s.charCodeAt(++i);
      if (c === 34) return i + 1;
      // Past the end, c is NaN: readString reports the unterminated string.
      if (c === 92 || !(c >= 0x20 || (c === MARK_CODE && this.#holes.has(i)))) {
        this.#readString();
        return this.#i;
      }
    }
  }

  /** After a value in a container that `close` closes, at neither ',' nor `close`. */
  #failAfter(close: number): never {
    this.#fail(`expected ',' or '${String.fromCharCode(close)}', found ${this.#found()}`);
  }

  /** Where an object's key should start. */
  #failKey(): never {
    this.#fail(`expected a property name, found ${this.#found()}`);
  }

  #fail(what: string): never {
    throw new ReadError(`invalid JSON: ${what} at ${position(this.#s, this.#i, this.#holes)}`);
  }

  #found(): string {
    const s = this.#s;
    const i = this.#i;
    return i >= this.#n ? 'end of text' : `'${this.#isHole(i) ? '${…}' : s[i]}'`;
  }

  /** Whether a hole stands at `i`. */
  #isHole(i: number): boolean {
    const c = this.#s.charCodeAt(i);
    return (c === HOLE_CODE || c === MARK_CODE) && this.#holes.has(i);
  }

  #ws(): void {
    const s = this.#s;
    const n = this.#n;
    let i = this.#i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.#i = i;
  }

  /** The escape sequence at `j` (a backslash): its text and length; fails on a bad one. */
  #escape(j: number): { text: string; length: number } {
    const e = this.#s[j + 1];
    if (e === 'u') {
      const hex = this.#s.slice(j + 2, j + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        this.#i = j;
        this.#fail('bad \\u escape');
      }
      return { text: String.fromCharCode(parseInt(hex, 16)), length: 6 };
    }
    if (e !== undefined && ESCAPES[e] !== undefined) return { text: ESCAPES[e], length: 2 };
    this.#i = j;
    return this.#fail('bad escape in string');
  }

  /**
   * Whether a string kept at the current key gets its location (see Shape's `placed`): true, false, or the
   * pattern its plain text must match. Asked only for a string kept (not for every key read).
   */
  #placedHere(): boolean | RegExp {
    const top = this.#depth === 0 ? undefined : this.#frames[this.#depth - 1];
    if (top === undefined || top.keys === undefined || top.close !== CLOSE_OBJ) return true;
    const placed = top.shape?.placed;
    return placed?.has(top.key) === true && (placed.get(top.key) ?? true);
  }

  /** The string at the position (its opening quote); `placed`: whether it gets its location (see placedHere). */
  #readString(placed: boolean | RegExp = true, key = ''): StrNode {
    // s[i] is the opening quote
    const s = this.#s;
    const n = this.#n;
    const start = this.#i + 1;
    let j = start;
    // Fast path: no escape, no hole.
    for (;;) {
      if (j >= n) break;
      const c = s.charCodeAt(j);
      if (c === 34) {
        this.#i = j + 1;
        if (placed !== true) {
          // The same text as the last one at this key: its node, without a copy of the text.
          const last = this.#plain.get(key);
          const t = last?.parts[0];
          if (last !== undefined && (t === undefined ? j === start : isString(t) && t.length === j - start && s.startsWith(t, start))) return last;
        }
        const text = s.slice(start, j);
        if (placed === true || (placed !== false && placed.test(text)))
          return { kind: 'str', parts: j > start ? [text] : [], holes: NO_HOLES, loc: { kind: 'text', start, end: j } };
        const node: StrNode = { kind: 'str', parts: j > start ? [text] : [], holes: NO_HOLES, loc: NO_LOC };
        this.#plain.set(key, node);
        return node;
      }
      if (c === 92 || c === HOLE_CODE || c < 0x20) break;
      j++;
    }
    // A string that is one hole (`"${Fn.Arn}"`, the usual FunctionName): its lists at their size.
    const sole = j === start && s.charCodeAt(j + 1) === 34 ? this.#holes.get(j) : undefined;
    if (sole !== undefined) {
      this.#i = j + 2;
      return { kind: 'str', parts: [{ hole: sole.value }], holes: [{ binding: sole.binding }], loc: { kind: 'text', start, end: j + 1 } };
    }
    const parts: Part[] = [];
    const holes: HoleSource[] = [];
    let chunk = start;
    let text = '';
    for (;;) {
      if (j >= n) {
        this.#i = start - 1;
        this.#fail('unterminated string');
      }
      const c = s.charCodeAt(j);
      if (c === 34) break;
      if (c === 92) {
        text += s.slice(chunk, j);
        const esc = this.#escape(j);
        text += esc.text;
        j += esc.length;
        chunk = j;
        continue;
      }
      if (c === HOLE_CODE || c === MARK_CODE) {
        const h = this.#holes.get(j);
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
        this.#i = j;
        this.#fail('control character in string');
      }
      j++;
    }
    text += s.slice(chunk, j);
    if (text) parts.push(text);
    this.#i = j + 1;
    return { kind: 'str', parts, holes: holes.length ? holes : NO_HOLES, loc: { kind: 'text', start, end: j } };
  }

  #readScalarOrOpen(): Node | 'open' {
    this.#ws();
    const i = this.#i;
    const c = this.#s.charCodeAt(i);
    const top = this.#depth === 0 ? undefined : this.#frames[this.#depth - 1];
    if (c === 123 || c === 91) {
      this.#i = i + 1;
      const shape = top === undefined ? this.#shape : childShape(top);
      if (shape === null) {
        this.#skipContainer(c === 123 ? CLOSE_OBJ : CLOSE_ARR);
        return SCALAR;
      }
      this.#open(c, shape);
      return 'open';
    }
    return this.#scalar(i, c, top === undefined || top.keep);
  }

  /** The value at `i` that is no container (`c`: its first code): a string (built when `keep`), a hole, a literal, a number. */
  #scalar(i: number, c: number, keep: boolean): Node {
    const s = this.#s;
    if (c === 34) {
      if (keep) return this.#readString(this.#placedHere(), this.#frames[this.#depth - 1]?.key);
      this.#i = this.#pastString(i);
      return SCALAR;
    }
    const h = c === HOLE_CODE || c === MARK_CODE ? this.#holes.get(i) : undefined;
    if (h !== undefined) {
      this.#i = i + 1;
      // A value filled in at deploy time where a JSON value stands (`"Parameters": ${Params}`).
      return { kind: 'scalar', hole: { value: h.value, binding: h.binding } };
    }
    if (s.startsWith('true', i)) {
      this.#i = i + 4;
      return SCALAR;
    }
    if (s.startsWith('false', i)) {
      this.#i = i + 5;
      return SCALAR;
    }
    if (s.startsWith('null', i)) {
      this.#i = i + 4;
      return SCALAR;
    }
    // The usual number, an integer without a leading zero, is read here (no regex).
    if (c > 48 && c < 58) {
      let j = i;
      do c = s.charCodeAt(++j);
      while (c > 47 && c < 58);
      if (c !== 46 && (c | 32) !== 101) {
        this.#i = j;
        return SCALAR;
      }
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(s)) {
      this.#i = NUMBER.lastIndex;
      return SCALAR;
    }
    // Past the end too (c is NaN: none of the above).
    return this.#fail(i < this.#n ? `unexpected ${this.#found()}, expected a value` : 'unexpected end of text, expected a value');
  }

  /** After '{' or ',' in an object being built: reads `"key":`, remembers the key and whether a string value at it is kept. */
  #readKey(frame: Frame): void {
    this.#ws();
    const s = this.#s;
    const n = this.#n;
    if (s.charCodeAt(this.#i) !== 34) this.#failKey();
    // Fast path: a key without escapes or holes is the text between the quotes (in an object whose
    // shape names its keys, the name it matches: no copy).
    const start = this.#i + 1;
    const keys = frame.keys;
    let j = start;
    let key: string | undefined;
    let read = false;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === 34) {
        key = keys === undefined ? s.slice(start, j) : nameAt(keys.names, s, start, j);
        this.#i = j + 1;
        read = true;
        break;
      }
      if (c === 92 || c === HOLE_CODE || c < 0x20) break;
      j++;
    }
    if (!read) {
      const k = this.#readString();
      key = k.parts.map((p) => (typeof p === 'string' ? p : HOLE_CHAR)).join('');
      if (keys !== undefined) key = nameAt(keys.names, key, 0, key.length);
    }
    // A key the shape does not name: its value is checked and left out.
    frame.store = key !== undefined;
    frame.key = key ?? '';
    frame.keep = key !== undefined && (keys === undefined || keys.strings.has(key));
    this.#colon();
  }

  #colon(): void {
    this.#ws();
    if (this.#s.charCodeAt(this.#i) !== 58) this.#fail(`expected ':', found ${this.#found()}`);
    this.#i++;
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
