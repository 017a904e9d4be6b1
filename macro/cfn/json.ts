/**
 * Small helpers for template values treated as plain data.
 *
 * Keys such as `__proto__` and `constructor` are ordinary data in a template. Assigning
 * `obj['__proto__'] = v` would set a prototype instead, so every write goes through `setOwn`,
 * and every copy uses object spread (which defines own properties) or `setOwn`.
 */
import type { Json, JsonObject } from '../types';

/** Where a value sits in a template: its keys and list indices from the root. */
export type Path = readonly (string | number)[];

/** `Array.isArray`, under a name the bundle can shorten (the core calls it about a hundred times). */
export const isArray: (v: unknown) => v is unknown[] = Array.isArray;

/** `JSON.stringify` and `Object.keys`, under names the bundle can shorten. */
export const jsonText = JSON.stringify;
export const keysOf: (o: object) => string[] = Object.keys;

/**
 * `typeof v === 'string'`, under a name the bundle can shorten (the core tests it over a hundred times).
 * Walkers that run per value, per part or per character keep the `typeof` inline: no call there.
 */
export function isString(v: unknown): v is string {
  return typeof v === 'string';
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !isArray(v);
}

/** The value when it is a map, else an empty one (for reading optional sections). */
export function asObject(v: Json | undefined): JsonObject {
  return isObject(v) ? v : {};
}

/** How a message names a value's kind: `null`, `a list`, `an object`, `a string`... */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** `Object.hasOwn`, under a name the bundle can shorten (no wrapper: the core calls it on every lookup). */
export const hasOwn: (o: object, key: string) => boolean = Object.hasOwn;

/** Own property or undefined, never an inherited one (`o.constructor` would be `Object`). */
export function getOwn(o: unknown, key: string): Json | undefined {
  return isObject(o) && hasOwn(o, key) ? o[key] : undefined;
}

export function setOwn(o: JsonObject, key: string, value: Json): void {
  if (key === '__proto__') {
    Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    o[key] = value;
  }
}

/** Structural equality of JSON values (iterative: templates can nest deeply). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [x, y] = top;
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (isArray(x) !== isArray(y)) return false;
    if (isArray(x)) {
      const ya = y as unknown[];
      if (x.length !== ya.length) return false;
      for (let i = 0; i < x.length; i++) stack.push([x[i], ya[i]]);
    } else {
      const xk = keysOf(x);
      const yk = keysOf(y);
      if (xk.length !== yk.length) return false;
      for (let i = 0; i < xk.length; i++) {
        if (xk[i] !== yk[i]) return false;
        stack.push([(x as JsonObject)[xk[i]], (y as JsonObject)[yk[i]]]);
      }
    }
  }
  return true;
}

/** Compact, deterministic text of a value for messages and reports (bounded length). */
export function describe(v: unknown, max = 160): string {
  let s: string;
  try {
    s = jsonText(v) ?? String(v);
  } catch {
    s = '<value too deep to print>';
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * A copy of a map with the same keys in the same order. A template's sections hold hundreds or thousands
 * of entries (Resources), and a definition's States map as many: V8 keeps maps that large in dictionary
 * mode, which object spread copies about three times slower than this loop. Spread stays the faster copy
 * of the small maps below a section. (for…in lists a JSON map's own keys, in Object.keys's order, without
 * making their list.)
 */
export function copyMap(o: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const k in o) setOwn(copy, k, o[k]);
  return copy;
}

/**
 * Copy-on-write editing of a template: the input is never mutated, and only the
 * containers on the path to a change are copied. Everything else is shared with the input.
 */
export class Editor {
  readonly root: JsonObject;
  readonly #copied = new WeakSet<object>();

  constructor(input: JsonObject) {
    this.root = { ...input };
    this.#copied.add(this.root);
  }

  /** The container at `path`, copied (once) so that it may be changed. */
  writable(path: Path): JsonObject | Json[] {
    let node: JsonObject | Json[] = this.root;
    for (const key of path) {
      const child: Json | undefined = isArray(node) ? node[key as number] : getOwn(node, key as string);
      let copy = child as JsonObject | Json[];
      // A missing map (e.g. a role without Properties) is created on the way.
      if (child === undefined) copy = {};
      else if (typeof child !== 'object' || child === null) throw new Error(`Editor: no container at ${path.join('/')}`);
      else if (!this.#copied.has(child)) copy = isArray(child) ? child.slice() : node === this.root ? copyMap(child) : { ...child };
      if (copy !== child) {
        this.#copied.add(copy);
        if (isArray(node)) node[key as number] = copy;
        else setOwn(node, key as string, copy);
      }
      node = copy;
    }
    return node;
  }

  /**
   * Whether the editor may change this container in place: a copy it made (or a map it created on the
   * way). Everything else it reaches (the input's values, values it was given to set) never changes:
   * what is derived from one may be kept.
   */
  changesInPlace(o: object): boolean {
    return this.#copied.has(o);
  }

  set(path: Path, value: Json): void {
    const parent = this.writable(path.slice(0, -1));
    const key = path.at(-1) as string | number;
    if (isArray(parent)) parent[key as number] = value;
    else setOwn(parent, key as string, value);
  }

  remove(path: Path): void {
    const parent = this.writable(path.slice(0, -1));
    const key = path.at(-1) as string | number;
    if (isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  }

  get(path: Path): Json | undefined {
    let node: Json | undefined = this.root;
    for (const key of path) {
      if (isArray(node)) node = node[key as number];
      else if (isObject(node)) node = getOwn(node, key as string);
      else return undefined;
    }
    return node;
  }
}
