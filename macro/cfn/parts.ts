/**
 * A string-valued CloudFormation expression seen as a sequence of parts: literal text, and
 * holes whose text is known only at deploy time (a Ref, a GetAtt, an Fn::If...).
 *
 * `Fn::Sub` (with or without a variable map) and `Fn::Join` with a literal list are flattened
 * into their parts, so that `{"Fn::Sub": "${Fn.Arn}:$LATEST"}` and
 * `{"Fn::Join": ["", [{"Fn::GetAtt": ["Fn", "Arn"]}, ":$LATEST"]]}` read the same.
 */
import { describe, getOwn, isObject, isArray, isString } from './json';
import type { Json } from '../types';
import { expansionError, LimitError, LIMITS } from '../limits';
import { splitGetAttString, tokenizeSub, type SubToken } from './sub';
import { intrinsicName, ifArgs, GET_ATT, JOIN, SUB } from './intrinsics';

export interface Hole {
  readonly hole: Json;
}
export type Part = string | Hole;

export function isHole(p: Part): p is Hole {
  return !isString(p);
}

/**
 * Parts of a value, or undefined when the value is not string-like (an object, a number...).
 *
 * Linear in what it reads: the parts of each Fn::Sub / Fn::Join object are computed once and
 * reused (a variable used many times, or the same object met again, costs its length, not its
 * expansion again), and an expansion longer than `LIMITS.expansion` characters (holes count one)
 * stops with a LimitError instead of growing without bound (nested Fn::Sub that reuse their
 * variables grow exponentially). The caller gets its own array. `fn`: the value's intrinsic name,
 * when the caller knows it (from keys it has listed anyway).
 */
export function partsOf(value: Json | undefined, depth = 0, fn?: string): Part[] | undefined {
  const parts = sharedParts(value, depth, fn);
  return parts === undefined ? undefined : parts.slice();
}

/**
 * Parts of objects already expanded, by identity (template values are never mutated), with the
 * depth they were expanded at: reused at that depth or deeper (the depth cap cuts no less).
 */
const expanded = new WeakMap<object, { parts: readonly Part[] | undefined; size: number; depth: number }>();

/** Characters of parts, holes counting one. */
function sizeOf(parts: readonly Part[]): number {
  let n = 0;
  for (const p of parts) n += isString(p) ? p.length : 1;
  return n;
}

function sharedParts(value: Json | undefined, depth: number, fn?: string): readonly Part[] | undefined {
  if (isString(value)) return value === '' ? [] : [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  fn ??= intrinsicName(value);
  if (!fn || depth > 20) return undefined;
  // Any other intrinsic (a Ref, a GetAtt in list form…) is one hole, itself: nothing worth remembering.
  const getAttString = fn === GET_ATT && isString((value as Record<string, Json>)[fn]);
  if (fn !== SUB && fn !== JOIN && !getAttString) return [{ hole: value as Json }];
  const known = expanded.get(value as object);
  if (known !== undefined && known.depth <= depth) return known.parts;
  const parts = expand(value as Record<string, Json>, fn, depth);
  expanded.set(value as object, { parts, size: parts === undefined ? 0 : sizeOf(parts), depth });
  return parts;
}

/** Size of an expanded value (from the cache when it is an intrinsic). */
function sizeOfValue(value: Json, parts: readonly Part[]): number {
  if (typeof value === 'object' && value !== null) {
    const known = expanded.get(value);
    if (known?.parts === parts) return known.size;
  }
  return sizeOf(parts);
}

function expand(value: Record<string, Json>, fn: string, depth: number): Part[] | undefined {
  const arg = value[fn];
  let size = 0;
  const grow = (n: number): void => {
    size += n;
    if (size > LIMITS.expansion) throw expansionError(`an ${fn} value (${describe(value as Json, 80)})`);
  };
  if (fn === SUB) {
    const [source, vars] = isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
    if (!isString(source) || (vars !== undefined && !isObject(vars))) return [{ hole: value as Json }];
    let tokens: SubToken[];
    try {
      tokens = tokenizeSub(source, (n) => vars !== undefined && getOwn(vars, n) !== undefined);
    } catch (e) {
      if (e instanceof LimitError) throw e;
      return [{ hole: value as Json }];
    }
    const out: Part[] = [];
    for (const t of tokens) {
      if (t.kind === 'text' || t.kind === 'escape') {
        grow(t.text.length);
        push(out, t.text);
      } else if (t.kind === 'ref') {
        grow(1);
        push(out, { hole: { Ref: t.name } });
      } else if (t.kind === 'getatt') {
        grow(1);
        push(out, { hole: { [GET_ATT]: [t.resource, t.attribute] } });
      } else {
        const v = getOwn(vars, t.name);
        // tokenizeSub makes a 'var' token only for a name its isVar accepted: one with a value in vars.
        if (v === undefined) throw new Error(`Fn::Sub variable ${t.name} has no value`);
        const inner = sharedParts(v, depth + 1);
        if (inner) {
          grow(sizeOfValue(v, inner));
          for (const p of inner) push(out, p);
        } else {
          grow(1);
          push(out, { hole: v });
        }
      }
    }
    return out;
  }
  if (fn === JOIN && isArray(arg) && isString(arg[0]) && isArray(arg[1])) {
    const delimiter = arg[0];
    const pieces = arg[1];
    // Known before any copy: the delimiter alone may already be too much.
    grow(delimiter.length * Math.max(0, pieces.length - 1));
    const out: Part[] = [];
    pieces.forEach((piece, i) => {
      if (i > 0) push(out, delimiter);
      const inner = sharedParts(piece, depth + 1);
      if (inner) {
        grow(sizeOfValue(piece, inner));
        for (const p of inner) push(out, p);
      } else {
        grow(1);
        push(out, { hole: piece });
      }
    });
    return out;
  }
  if (fn === GET_ATT && isString(arg)) {
    const pair = splitGetAttString(arg);
    return [{ hole: pair ? { [GET_ATT]: pair } : (value as Json) }];
  }
  return [{ hole: value as Json }];
}

/** Parts with every hole that is itself a Sub/Join flattened into its own parts. */
export function expandParts(parts: readonly Part[]): Part[] {
  const out: Part[] = [];
  for (const p of parts) {
    // Read, not kept: the shared parts need no copy.
    const inner = isString(p) ? undefined : sharedParts(p.hole, 0);
    if (inner) for (const q of inner) push(out, q);
    else push(out, p);
  }
  return out;
}

/** Appends a part, merging adjacent text. */
export function push(parts: Part[], p: Part): void {
  if (isString(p)) {
    if (p === '') return;
    const last = parts.length - 1;
    if (last >= 0 && isString(parts[last])) {
      parts[last] = (parts[last] as string) + p;
      return;
    }
  }
  parts.push(p);
}

/**
 * Human-readable text of parts, for reports and Metadata: holes are written `{Name}` / `{Name.Attr}`
 * (`${...}` would look like an Fn::Sub placeholder outside Fn::Sub to linters).
 */
export function formatParts(parts: readonly Part[]): string {
  return parts.map((p) => (isString(p) ? p : formatHole(p.hole))).join('');
}

/**
 * `formatParts` of at most about `max` characters (cut with `…`), in time bounded by `max`, not by
 * the parts' length: for messages about values that may expand to a megabyte and be used by
 * thousands of states.
 */
export function formatPartsBounded(parts: readonly Part[], max = 2_048): string {
  let out = '';
  for (const p of parts) {
    out += isString(p) ? (p.length > max ? p.slice(0, max + 1) : p) : formatHole(p.hole);
    if (out.length > max) return `${out.slice(0, max)}…`;
  }
  return out;
}

export function formatValue(value: Json): string {
  const parts = partsOf(value);
  return parts ? formatParts(parts) : describe(value);
}

function formatHole(v: Json): string {
  const fn = intrinsicName(v);
  const arg = fn ? (v as Record<string, Json>)[fn] : undefined;
  if (fn === 'Ref' && isString(arg)) return `{${arg}}`;
  if (fn === GET_ATT && isArray(arg) && arg.length === 2) return `{${arg.map(text).join('.')}}`;
  const branches = ifArgs(v);
  if (branches) {
    return `{Fn::If ${text(branches[0])} ? ${formatValue(branches[1])} : ${formatValue(branches[2])}}`;
  }
  return `{${describe(v).replace(/\$\{/g, '$ {')}}`;
}

/** A string as it is, anything else as JSON (String() would throw on an object without a prototype). */
function text(v: Json): string {
  return isString(v) ? v : describe(v);
}

/** The single hole of `parts`, or undefined. */
export function soleHole(parts: readonly Part[]): Json | undefined {
  return parts.length === 1 && isHole(parts[0]) ? parts[0].hole : undefined;
}

/** Parts back to one CloudFormation value: a string, the sole intrinsic, or an `Fn::Join ""`. */
export function partsToValue(parts: readonly Part[]): Json {
  if (parts.length === 0) return '';
  if (parts.length === 1) return isString(parts[0]) ? parts[0] : parts[0].hole;
  return { [JOIN]: ['', parts.map((p) => (isString(p) ? p : p.hole))] };
}
