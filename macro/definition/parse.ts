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

export function parseDefinitionText(flat: FlatText): Node {
  const s = flat.text;
  const n = s.length;
  let i = 0;
  const stack: Frame[] = [];
  let root: Node | undefined;

  const fail = (what: string): never => {
    throw new ReadError(`invalid JSON: ${what} at ${position(s, i)}`);
  };
  const ws = (): void => {
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  };
  const found = (): string => (i >= n ? 'end of text' : `'${s[i] === HOLE_CHAR && flat.holes.has(i) ? '${…}' : s[i]}'`);

  const readString = (): StrNode => {
    // s[i] is the opening quote
    const start = i + 1;
    const parts: Part[] = [];
    const holes: HoleSource[] = [];
    let chunk = start;
    let text = '';
    let j = start;
    for (;;) {
      if (j >= n) {
        i = start - 1;
        fail('unterminated string');
      }
      const c = s.charCodeAt(j);
      if (c === 34) break;
      if (c === 92) {
        text += s.slice(chunk, j);
        const e = s[j + 1];
        if (e === 'u') {
          const hex = s.slice(j + 2, j + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            i = j;
            fail('bad \\u escape');
          }
          text += String.fromCharCode(parseInt(hex, 16));
          j += 6;
        } else if (e !== undefined && ESCAPES[e] !== undefined) {
          text += ESCAPES[e];
          j += 2;
        } else {
          i = j;
          fail('bad escape in string');
        }
        chunk = j;
        continue;
      }
      if (c === HOLE_CODE && flat.holes.has(j)) {
        text += s.slice(chunk, j);
        if (text) parts.push(text);
        text = '';
        const h = flat.holes.get(j)!;
        parts.push({ hole: h.value });
        holes.push({ binding: h.binding });
        j++;
        chunk = j;
        continue;
      }
      if (c < 0x20) {
        i = j;
        fail('control character in string');
      }
      j++;
    }
    text += s.slice(chunk, j);
    if (text) parts.push(text);
    i = j + 1;
    return { kind: 'str', parts, holes, loc: { kind: 'text', start, end: j } };
  };

  const readScalarOrOpen = (): Node | 'open' => {
    ws();
    if (i >= n) fail('unexpected end of text, expected a value');
    const c = s[i];
    if (c === '{') {
      i++;
      stack.push({ node: { kind: 'obj', entries: new Map() } });
      return 'open';
    }
    if (c === '[') {
      i++;
      stack.push({ node: { kind: 'arr', items: [] } });
      return 'open';
    }
    if (c === '"') return readString();
    if (c === HOLE_CHAR && flat.holes.has(i)) {
      i++;
      return { kind: 'scalar' };
    }
    if (s.startsWith('true', i)) {
      i += 4;
      return { kind: 'scalar' };
    }
    if (s.startsWith('false', i)) {
      i += 5;
      return { kind: 'scalar' };
    }
    if (s.startsWith('null', i)) {
      i += 4;
      return { kind: 'scalar' };
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(s)) {
      i = NUMBER.lastIndex;
      return { kind: 'scalar' };
    }
    return fail(`unexpected ${found()}, expected a value`);
  };

  /** After '{' or ',' in an object: read `"key":` and remember the key. */
  const readKey = (frame: Frame): void => {
    ws();
    if (s[i] !== '"') fail(`expected a property name, found ${found()}`);
    const k = readString();
    frame.key = k.parts.map((p) => (typeof p === 'string' ? p : HOLE_CHAR)).join('');
    ws();
    if (s[i] !== ':') fail(`expected ':', found ${found()}`);
    i++;
  };

  let value = readScalarOrOpen();
  for (;;) {
    if (value === 'open') {
      const top = stack[stack.length - 1];
      ws();
      const close = top.node.kind === 'obj' ? '}' : ']';
      if (s[i] === close) {
        i++;
        value = stack.pop()!.node;
      } else {
        if (top.node.kind === 'obj') readKey(top);
        value = readScalarOrOpen();
        continue;
      }
    }
    // attach a complete value
    const top = stack[stack.length - 1];
    if (!top) {
      root = value;
      break;
    }
    if (top.node.kind === 'obj') top.node.entries.set(top.key!, value);
    else top.node.items.push(value);
    ws();
    if (s[i] === ',') {
      i++;
      if (top.node.kind === 'obj') readKey(top);
      value = readScalarOrOpen();
      continue;
    }
    const close = top.node.kind === 'obj' ? '}' : ']';
    if (s[i] !== close) fail(`expected ',' or '${close}', found ${found()}`);
    i++;
    value = stack.pop()!.node;
  }
  ws();
  if (i < n) fail(`unexpected ${found()} after the end of the definition`);
  return root;
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
