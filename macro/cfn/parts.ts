/**
 * A string-valued CloudFormation expression seen as a sequence of parts: literal text, and
 * holes whose text is known only at deploy time (a Ref, a GetAtt, an Fn::If...).
 *
 * `Fn::Sub` (with or without a variable map) and `Fn::Join` with a literal list are flattened
 * into their parts, so that `{"Fn::Sub": "${Fn.Arn}:$LATEST"}` and
 * `{"Fn::Join": ["", [{"Fn::GetAtt": ["Fn", "Arn"]}, ":$LATEST"]]}` read the same.
 */
import { describe, getOwn, isObject } from './json';
import type { Json } from '../types';
import { splitGetAttString, tokenizeSub } from './sub';
import { intrinsicName, ifArgs } from './intrinsics';

export interface Hole {
  readonly hole: Json;
}
export type Part = string | Hole;

export function isHole(p: Part): p is Hole {
  return typeof p !== 'string';
}

/** Parts of a value, or undefined when the value is not string-like (an object, a number...). */
export function partsOf(value: Json | undefined, depth = 0): Part[] | undefined {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  const fn = intrinsicName(value);
  if (!fn || depth > 20) return undefined;
  const arg = (value as Record<string, Json>)[fn];
  if (fn === 'Fn::Sub') {
    const [source, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
    if (typeof source !== 'string' || (vars !== undefined && !isObject(vars))) return [{ hole: value as Json }];
    let tokens;
    try {
      tokens = tokenizeSub(source, (n) => vars !== undefined && getOwn(vars, n) !== undefined);
    } catch {
      return [{ hole: value as Json }];
    }
    const out: Part[] = [];
    for (const t of tokens) {
      if (t.kind === 'text' || t.kind === 'escape') push(out, t.text);
      else if (t.kind === 'ref') push(out, { hole: { Ref: t.name } });
      else if (t.kind === 'getatt') push(out, { hole: { 'Fn::GetAtt': [t.resource, t.attribute] } });
      else {
        const inner = partsOf(getOwn(vars, t.name), depth + 1);
        if (inner) for (const p of inner) push(out, p);
        else push(out, { hole: getOwn(vars, t.name)! });
      }
    }
    return out;
  }
  if (fn === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
    const out: Part[] = [];
    arg[1].forEach((piece, i) => {
      if (i > 0) push(out, arg[0] as string);
      const inner = partsOf(piece, depth + 1);
      if (inner) for (const p of inner) push(out, p);
      else push(out, { hole: piece });
    });
    return out;
  }
  if (fn === 'Fn::GetAtt' && typeof arg === 'string') {
    const pair = splitGetAttString(arg);
    return [{ hole: pair ? { 'Fn::GetAtt': pair } : (value as Json) }];
  }
  return [{ hole: value as Json }];
}

/** Parts with every hole that is itself a Sub/Join flattened into its own parts. */
export function expandParts(parts: readonly Part[]): Part[] {
  const out: Part[] = [];
  for (const p of parts) {
    const inner = typeof p === 'string' ? undefined : partsOf(p.hole);
    if (inner) for (const q of inner) push(out, q);
    else push(out, p);
  }
  return out;
}

/** Appends a part, merging adjacent text. */
export function push(parts: Part[], p: Part): void {
  if (typeof p === 'string') {
    if (p === '') return;
    const last = parts.length - 1;
    if (last >= 0 && typeof parts[last] === 'string') {
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
  return parts.map((p) => (typeof p === 'string' ? p : formatHole(p.hole))).join('');
}

export function formatValue(value: Json): string {
  const parts = partsOf(value);
  return parts ? formatParts(parts) : describe(value);
}

function formatHole(v: Json): string {
  const fn = intrinsicName(v);
  const arg = fn ? (v as Record<string, Json>)[fn] : undefined;
  if (fn === 'Ref' && typeof arg === 'string') return `{${arg}}`;
  if (fn === 'Fn::GetAtt' && Array.isArray(arg) && arg.length === 2) return `{${arg.map(text).join('.')}}`;
  const branches = ifArgs(v);
  if (branches) {
    return `{Fn::If ${text(branches[0])} ? ${formatValue(branches[1])} : ${formatValue(branches[2])}}`;
  }
  return `{${describe(v).replace(/\$\{/g, '$ {')}}`;
}

/** A string as it is, anything else as JSON (String() would throw on an object without a prototype). */
function text(v: Json): string {
  return typeof v === 'string' ? v : describe(v);
}

/** The single hole of `parts`, or undefined. */
export function soleHole(parts: readonly Part[]): Json | undefined {
  return parts.length === 1 && isHole(parts[0]) ? parts[0].hole : undefined;
}

/** Parts back to one CloudFormation value: a string, the sole intrinsic, or an `Fn::Join ""`. */
export function partsToValue(parts: readonly Part[]): Json {
  if (parts.length === 0) return '';
  if (parts.length === 1) return typeof parts[0] === 'string' ? parts[0] : parts[0].hole;
  return { 'Fn::Join': ['', parts.map((p) => (typeof p === 'string' ? p : p.hole))] };
}
