/**
 * Step 3 of the pipeline: read each state machine's definition, in whatever form it comes.
 *
 * - `Definition`: an object, possibly with intrinsics as values.
 * - `DefinitionString`: a plain string, `Fn::Sub` (string or `[string, vars]`), or `Fn::Join`
 *   with any delimiter whose pieces may be intrinsics.
 * - `DefinitionSubstitutions`: `${key}` placeholders resolved by Step Functions, on top of either.
 *
 * Text forms become a list of segments (text with its offsets in the source, or a hole with its
 * value and binding); the flat text of the segments is parsed by `parseDefinitionText`.
 */
import { ReadError } from '../../errors';
import { partsOf, type Part } from '../../cfn/parts';
import { tokenizeSub, type SubToken } from '../../cfn/sub';
import { getOwn, hasOwn, isObject, kindOf, isArray, jsonText, keysOf, isString } from '../../cfn/json';
import type { Json, JsonObject } from '../../types';
import { NO_LOC, type Binding, type HoleSource, type IfNode, type Loc, type Node, type StrNode } from './ast';
import { expansionError, formatCount, LimitError, LIMITS } from '../../limits';
import { HOLE_MARK, parseDefinitionText, type HoleInfo, type Shape } from './parse';
import { PLACED, SLOT_KEYS, SLOT_SHAPE } from './slots';
import { intrinsicName, intrinsicNameOfKeys, IF, GET_ATT, JOIN, SUB, NO_VALUE } from '../../cfn/intrinsics';
import { render } from '../../messages';
import { FOR_EACH } from '../template/loops';

export type TextSource =
  | { form: 'string'; text: string }
  | { form: 'sub'; template: string; vars?: JsonObject }
  | { form: 'join'; delimiter: string; pieces: Json[] };

/** A position in a text source: piece index (0 unless Fn::Join) and offset in that piece. */
export interface Pos {
  piece: number;
  offset: number;
}

/**
 * A piece of the flat text and where it came from in the source: from `piece`/`offset` to
 * `endPiece`/`endOffset`. Numbers, not two Pos objects: a definition read as text has a segment or
 * two per line (the Fn::Join of SAM, CDK and Serverless texts) or per Fn::Sub token, and most are
 * only ever read for their text.
 */
export class Segment {
  // Declared, not class fields: assigned once in the constructor, not defined empty first (a
  // definition read as text makes thousands of segments).
  declare readonly text: string;
  declare readonly piece: number;
  declare readonly offset: number;
  declare readonly endPiece: number;
  declare readonly endOffset: number;
  /** Cannot be cut: an escape `${!X}`, a Join delimiter, a hole. */
  declare readonly atomic: boolean;
  declare readonly hole: HoleInfo | undefined;
  constructor(text: string, piece: number, offset: number, endPiece: number, endOffset: number, atomic: boolean, hole?: HoleInfo) {
    this.text = text;
    this.piece = piece;
    this.offset = offset;
    this.endPiece = endPiece;
    this.endOffset = endOffset;
    this.atomic = atomic;
    this.hole = hole;
  }
}

/** A segment of text that a later offset may cut (`text` is the source from `offset` on, in one piece). */
function textSegment(text: string, piece: number, offset: number): Segment {
  return new Segment(text, piece, offset, piece, offset + text.length, false);
}

interface Common {
  stateMachine: string;
  /** Template path of the definition property, e.g. `Resources/Flow/Properties/DefinitionString`. */
  path: string;
  root: Node;
  substitutions?: JsonObject;
  /** How many times each binding (`sub-var:x`, `substitution:y`) occurs in the definition. */
  uses: Map<string, number>;
}

export type DefinitionModel =
  | (Common & { property: 'Definition' | 'DefinitionString'; form: 'object'; value: JsonObject })
  | (Common & { property: 'DefinitionString' | 'Definition'; form: TextSource['form']; source: TextSource; segments: Segment[]; flatStarts: number[] });

export function bindingKey(b: Binding): string | undefined {
  return b.kind === 'inline' ? undefined : `${b.kind}:${b.name}`;
}

/** Reads a definition value; throws ReadError when it cannot be read. */
/** The property of a definition text (beside `Definition`, an object). */
export const DEFINITION_STRING = 'DefinitionString';

export function readDefinition(
  stateMachine: string,
  property: 'Definition' | 'DefinitionString',
  value: Json,
  substitutions: Json | undefined,
): DefinitionModel {
  const path = `Resources/${stateMachine}/Properties/${property}`;
  let subs: JsonObject | undefined;
  if (substitutions !== undefined) {
    if (!isObject(substitutions)) throw new ReadError('DefinitionSubstitutions must be an object');
    subs = substitutions;
    const names = keysOf(subs);
    const keys = names.length;
    if (keys > LIMITS.substitutions) {
      throw new LimitError('substitutions', render('limit.substitutions', { keys: formatCount(keys), limit: formatCount(LIMITS.substitutions) }));
    }
    // Keys made by a loop (template/loops.ts) do not exist yet: a `${key}` of the text cannot be told from plain text.
    const loop = names.find((k) => k.startsWith(FOR_EACH));
    if (loop) throw new ReadError(render('definition.substitutionsLoop', { loop }));
  }
  const uses = new Map<string, number>();
  const count = (b: Binding): void => {
    const k = bindingKey(b);
    if (k) uses.set(k, (uses.get(k) ?? 0) + 1);
  };

  // A Definition object, or an Fn::If choosing between two of them; or `Fn::ToJsonString`
  // (AWS::LanguageExtensions, when this macro runs first), whose object inside is the definition,
  // read and written back in place (its paths start with `Fn::ToJsonString`).
  const object = property === 'Definition' && isObject(value) && (intrinsicName(value) === undefined || isStructuralIf(value)) ? value : undefined;
  const inner = object ?? toJsonStringObject(value);
  if (inner) {
    const root = objectToNode(inner, subs, count, object ? [] : [TO_JSON_STRING]);
    return { stateMachine, path, property, form: 'object', value: inner, root, substitutions: subs, uses };
  }

  const source = textSource(value);
  let flat = flatOf(segmentsOf(source));
  if (subs) flat = applySubstitutions(flat, subs);
  const { segments, starts: flatStarts, text } = flat;
  if (text.length > LIMITS.expansion) throw expansionError(`the definition of ${stateMachine}`);
  const holes = new Map<number, HoleInfo>();
  for (let k = 0; k < segments.length; k++) {
    const hole = segments[k].hole;
    if (hole) {
      holes.set(flatStarts[k], hole);
      count(hole.binding);
    }
  }
  const root = parseDefinitionText({ text, holes }, { shape: SLOT_SHAPE });
  return { stateMachine, path, property, form: source.form, source, segments, flatStarts, root, substitutions: subs, uses };
}

/** Segments, where each starts in their flat text, and that text. */
interface Flat {
  segments: Segment[];
  starts: number[];
  text: string;
}

/** The Flat of segments (whose text may be known), in one pass (a SAM or CDK definition has a segment or two per line). */
function flatOf(segments: Segment[], text?: string): Flat {
  const starts: number[] = new Array(segments.length);
  const texts: string[] = new Array(segments.length);
  for (let k = 0, at = 0; k < segments.length; k++) {
    const text = segments[k].text;
    starts[k] = at;
    texts[k] = text;
    at += text.length;
  }
  // One flat string (a `+=` chain would be a rope that every character read walks through).
  return { segments, starts, text: text ?? (texts.length === 1 ? texts[0] : texts.join('')) };
}

const TO_JSON_STRING = 'Fn::ToJsonString';

/** The definition object inside `{"Fn::ToJsonString": {...}}`, else undefined. */
function toJsonStringObject(value: Json): JsonObject | undefined {
  if (intrinsicName(value) !== TO_JSON_STRING) return undefined;
  const arg = (value as JsonObject)[TO_JSON_STRING];
  return (isObject(arg) && intrinsicName(arg) === undefined) || isStructuralIf(arg) ? (arg as JsonObject) : undefined;
}

/** How to avoid a failure to read an `Fn::ToJsonString` definition: the transform order. */
const TO_JSON_STRING_ORDER =
  'list AWS::LanguageExtensions before WarmStepFunctions in Transform (CloudFormation runs transforms in the order listed, so the macro then reads the JSON text that AWS::LanguageExtensions makes)';

function textSource(value: Json): TextSource {
  if (isString(value)) return { form: 'string', text: value };
  const fn = intrinsicName(value);
  const arg = fn ? (value as Record<string, Json>)[fn] : undefined;
  if (fn === SUB) {
    if (isString(arg)) return { form: 'sub', template: arg };
    if (isArray(arg) && arg.length === 2 && isString(arg[0]) && isObject(arg[1])) {
      return { form: 'sub', template: arg[0], vars: arg[1] };
    }
    throw new ReadError(`Fn::Sub takes a string or a list of two items [string, variable map]; got ${shape(arg)}`);
  }
  if (fn === JOIN) {
    if (isArray(arg) && arg.length === 2 && isString(arg[0]) && isArray(arg[1])) {
      // Pieces that are themselves Fn::Join / Fn::Sub carry JSON text: read the Join flattened into
      // one `Fn::Join ""` of text and single references (written back that way if it changes).
      const nested = arg[1].some((p) => {
        const fn = intrinsicName(p);
        return fn === JOIN || fn === SUB;
      });
      if (nested) {
        const parts = partsOf(value);
        if (parts) return { form: 'join', delimiter: '', pieces: parts.map((p) => (isString(p) ? p : p.hole)) };
      }
      return { form: 'join', delimiter: arg[0], pieces: arg[1] };
    }
    throw new ReadError(`Fn::Join takes a list of two items [delimiter string, list of values]; got ${shape(arg)}`);
  }
  if (fn === TO_JSON_STRING) {
    const what = isObject(arg) ? `an ${intrinsicName(arg)}` : isArray(arg) ? 'a list' : jsonText(arg);
    throw new ReadError(`the definition is an Fn::ToJsonString of ${what}, not of a definition object, so the macro cannot read it; ${TO_JSON_STRING_ORDER}`);
  }
  if (isObject(value) && fn === undefined) throw new ReadError('the definition is an object where a string was expected');
  throw new ReadError(`the definition is ${fn ? `an ${fn}` : jsonText(value)}, which the macro cannot read before deployment`);
}

function shape(arg: Json | undefined): string {
  if (!isArray(arg)) return kindOf(arg);
  const kinds = arg.map(kindOf);
  return `a list of ${arg.length} item${arg.length === 1 ? '' : 's'} (${kinds.join(', ')})`;
}

/** The binding of a hole written in the definition itself, shared by all of them (bindings are never changed). */
const INLINE_BINDING: Binding = Object.freeze({ kind: 'inline' });

function segmentsOf(source: TextSource): Segment[] {
  if (source.form === 'string') return [textSegment(source.text, 0, 0)];
  if (source.form === 'sub') {
    const vars = source.vars;
    const tokens = tokenizeSub(source.template, (name) => vars !== undefined && getOwn(vars, name) !== undefined);
    const out: Segment[] = new Array(tokens.length);
    for (let k = 0; k < tokens.length; k++) out[k] = subSegment(tokens[k], vars);
    return out;
  }
  const { delimiter, pieces } = source;
  // The delimiter's copies alone may be too much: known before any segment is made.
  if (delimiter.length * Math.max(0, pieces.length - 1) > LIMITS.expansion) throw expansionError('the Fn::Join of the definition');
  // A delimiter of line breaks and tabs (the Join of SAM, CDK and Serverless texts) is part of the
  // text piece before it: no string, key or placeholder starts or ends in it (JSON allows them only
  // between values), so no offset is ever looked up there; one segment a line, not two.
  const fold = /^[\n\r\t]+$/.test(delimiter);
  const out: Segment[] = [];
  for (let p = 0; p < pieces.length; p++) {
    const piece = pieces[p];
    const prev = pieces[p - 1];
    if (p > 0 && delimiter !== '' && !(fold && typeof prev === 'string')) {
      out.push(new Segment(delimiter, p - 1, typeof prev === 'string' ? prev.length : 1, p, 0, true));
    }
    if (typeof piece === 'string') out.push(textSegment(fold && p < pieces.length - 1 ? piece + delimiter : piece, p, 0));
    else if (typeof piece === 'number' || typeof piece === 'boolean') out.push(new Segment(String(piece), p, 0, p, 1, true));
    else out.push(new Segment(HOLE_MARK, p, 0, p, 1, true, { value: piece, binding: INLINE_BINDING }));
  }
  return out;
}

/** The segment of an Fn::Sub token (of the one piece, 0). */
function subSegment(t: SubToken, vars: JsonObject | undefined): Segment {
  switch (t.kind) {
    case 'text':
    case 'escape':
      return new Segment(t.text, 0, t.start, 0, t.end, t.kind === 'escape');
    case 'ref':
      return new Segment(HOLE_MARK, 0, t.start, 0, t.end, true, { value: { Ref: t.name }, binding: INLINE_BINDING });
    case 'getatt':
      return new Segment(HOLE_MARK, 0, t.start, 0, t.end, true, { value: { [GET_ATT]: [t.resource, t.attribute] }, binding: INLINE_BINDING });
  }
  // A 'var' token: tokenizeSub makes one only for a name its isVar accepted, one with a value in vars.
  const value = getOwn(vars, t.name);
  if (value === undefined) throw new Error(`Fn::Sub variable ${t.name} has no value`);
  return new Segment(HOLE_MARK, 0, t.start, 0, t.end, true, { value, binding: { kind: 'sub-var', name: t.name } });
}

/**
 * Splits text at `${key}` placeholders of DefinitionSubstitutions. Step Functions substitutes in the
 * joined text, so a placeholder may straddle segments (e.g. `"$"` and `"{key}"` in two Join pieces):
 * each run of adjacent text segments is tokenized as one text, a slice of the flat text. Returns
 * `flat` itself when no placeholder is found.
 */
function applySubstitutions(flat: Flat, subs: JsonObject): Flat {
  const { segments, starts, text: all } = flat;
  const isKey = (k: string): boolean => hasOwn(subs, k);
  const out: Segment[] = [];
  // The flat text after substitution, as slices of `all` up to `copied` and a hole mark for each
  // placeholder (not every segment's text joined again: a SAM definition has a segment or two per line).
  const texts: string[] = [];
  let copied = 0;
  for (let k = 0; k < segments.length; ) {
    if (segments[k].hole) {
      out.push(segments[k++]);
      continue;
    }
    let e = k;
    while (e < segments.length && !segments[e].hole) e++;
    const runAt = starts[k];
    const text = e === k + 1 ? segments[k].text : all.slice(runAt, e < segments.length ? starts[e] : all.length);
    const tokens = text.includes('${') ? tokenizeSub(text, isKey, 'substitutions') : [];
    const before = texts.length;
    tokens.forEach((t) => {
      if (t.kind !== 'var') return;
      texts.push(all.slice(copied, runAt + t.start), HOLE_MARK);
      copied = runAt + t.end;
    });
    if (texts.length > before) {
      substituteRun(flat, k, e, tokens, subs, out);
      k = e;
    } else while (k < e) out.push(segments[k++]);
  }
  if (texts.length === 0) return flat;
  texts.push(all.slice(copied));
  return flatOf(out, texts.join(''));
}

/**
 * The segments of the run of text segments `k` to `e` (excluded) of `flat` once its placeholders
 * (var `tokens`, with offsets in the run's text) are holes.
 */
function substituteRun(flat: Flat, k: number, e: number, tokens: SubToken[], subs: JsonObject, out: Segment[]): void {
  const { segments, starts, text: all } = flat;
  const runAt = starts[k];
  // The segment at flat offset `at` (a SAM definition has a segment per line: a linear scan per
  // token would make the read quadratic).
  const segAt = (at: number): number => lastAtOrBefore(starts, at, k, e - 1);
  const posAt = (at: number, side: 'start' | 'end'): Pos => {
    const i = segAt(side === 'start' ? at : Math.max(runAt, at - 1));
    const seg = segments[i];
    if (seg.atomic) return side === 'start' ? { piece: seg.piece, offset: seg.offset } : { piece: seg.endPiece, offset: seg.endOffset };
    return { piece: seg.piece, offset: seg.offset + (at - starts[i]) };
  };
  for (const t of tokens) {
    const tStart = runAt + t.start;
    const tEnd = runAt + t.end;
    if (t.kind === 'var') {
      const start = posAt(tStart, 'start');
      const end = posAt(tEnd, 'end');
      const hole = { value: subs[t.name], binding: { kind: 'substitution', name: t.name } } as const;
      out.push(new Segment(HOLE_MARK, start.piece, start.offset, end.piece, end.offset, true, hole));
      continue;
    }
    // Text: one segment per original segment it overlaps.
    for (let i = segAt(tStart); i < e && starts[i] < tEnd; i++) {
      const seg = segments[i];
      const from = Math.max(tStart, starts[i]);
      const to = Math.min(tEnd, starts[i] + seg.text.length);
      if (to <= from) continue;
      // A segment that the token covers whole is kept as it is (most lines of a SAM definition).
      if (from === starts[i] && to - from === seg.text.length) {
        out.push(seg);
        continue;
      }
      const piece = all.slice(from, to);
      if (seg.atomic) out.push(new Segment(piece, seg.piece, seg.offset, seg.endPiece, seg.endOffset, true));
      else out.push(textSegment(piece, seg.piece, seg.offset + (from - starts[i])));
    }
  }
}

/** Index of the last of the sorted `starts` (from `lo` to `hi`) that is at most `at` (`lo` when none is); binary search. */
export function lastAtOrBefore(starts: readonly number[], at: number, lo = 0, hi = starts.length - 1): number {
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const DATA_NODE: Node = Object.freeze({ kind: 'scalar' }) as Node;

/**
 * `Fn::If [Condition, A, B]` whose branches are definition structure (an object, a list, another
 * such Fn::If, or `Ref AWS::NoValue`, at least one of them not NoValue): CloudFormation picks a
 * whole state, `Parameters`, branch… at deploy time. An Fn::If of strings stays a string leaf.
 */
function isStructuralIf(v: Json, depth = 0): boolean {
  if (intrinsicName(v) !== IF || depth > 50) return false;
  const arg = (v as JsonObject)[IF];
  if (!isArray(arg) || arg.length !== 3 || !isString(arg[0])) return false;
  const structural = (b: Json): boolean => isArray(b) || (isObject(b) && intrinsicName(b) === undefined) || isStructuralIf(b, depth + 1);
  const noValue = (b: Json): boolean => isObject(b) && getOwn(b, 'Ref') === NO_VALUE && keysOf(b).length === 1;
  return (structural(arg[1]) || structural(arg[2])) && (structural(arg[1]) || noValue(arg[1])) && (structural(arg[2]) || noValue(arg[2]));
}

/**
 * A path from the Definition as a chain of links to the parent's path: shared by every value below,
 * so that a deep definition costs its size, not its size times its depth. `depth`: how many keys.
 */
class PathLink {
  // Declared, not class fields (see Segment): a link is made for every container and kept leaf.
  declare readonly up: PathLink | null;
  declare readonly key: string | number;
  declare readonly depth: number;
  constructor(up: PathLink | null, key: string | number) {
    this.up = up;
    this.key = key;
    this.depth = up === null ? 1 : up.depth + 1;
  }
}

/** The path of `key` under `link`. */
function pathOf(link: PathLink | null, key: string | number): (string | number)[] {
  // Filled from the end, at its final size (pushes would leave room for more).
  const out: (string | number)[] = new Array(link ? link.depth + 1 : 1);
  out[out.length - 1] = key;
  for (let l = link, k = out.length - 2; l !== null; l = l.up, k--) out[k] = l.key;
  return out;
}

/**
 * Leaves at most this deep get their path written out at once: a few keys cost less than a lazy
 * location (an object literal with a getter is slow to make), and at most this many per leaf.
 */
const EAGER_PATH_DEPTH = 24;

/**
 * The location of the value at `key` under `link`; a deep one's path is written out on first read
 * (only a rewrite or the CLI reads it). Only where the macro may rewrite a value (see PLACED):
 * no other leaf's location is ever read.
 */
function valueLoc(link: PathLink | null, key: string | number, text?: string): Loc {
  // (An array index is none of them.) A plain text must match its pattern (see PLACED).
  if (!PLACED.has(key as string) || (text !== undefined && PLACED.get(key as string)?.test(text) === false)) return NO_LOC;
  if (!link || link.depth < EAGER_PATH_DEPTH) return { kind: 'value', path: pathOf(link, key) };
  let path: (string | number)[] | undefined;
  return {
    kind: 'value',
    get path() {
      path ??= pathOf(link, key);
      return path;
    },
  };
}

/** What reading a Definition object carries from value to value. */
interface ObjectRead {
  subs: JsonObject | undefined;
  count: (b: Binding) => void;
  /**
   * Containers whose values are still to be placed (a stack: definitions can nest deeply), with
   * the part of them that findSlots reads (undefined: all of it).
   */
  work: { src: Json; keys?: string[]; dst: Node; link: PathLink | null; shape: Shape | undefined }[];
  /**
   * The last plain text read at each key where no rewrite is placed (see leafNode): the node of the next
   * one there with the same text, shared, never mutated (as the text parser does).
   */
  plain: Map<string | number, StrNode>;
}

/**
 * A `Definition` object as a node tree; iterative (definitions can nest deeply). `base`: the keys
 * above it (`Fn::ToJsonString`). Without DefinitionSubstitutions (whose every use must be counted),
 * only the part that findSlots reads is built, as the text parser does: a key that its shape does
 * not name is left out, and a container where the shape expects none is left empty.
 */
function objectToNode(value: JsonObject, subs: JsonObject | undefined, count: (b: Binding) => void, base: (string | number)[]): Node {
  // The root itself may be an Fn::If choosing between two definitions.
  const rootIf = isStructuralIf(value);
  const root: Node = rootIf ? ifNode(value) : { kind: 'obj', entries: new Map() };
  let top: PathLink | null = null;
  for (const key of rootIf ? [...base, IF] : base) top = new PathLink(top, key);
  const read: ObjectRead = { subs, count, work: [{ src: value, dst: root, link: top, shape: subs ? undefined : SLOT_SHAPE }], plain: new Map() };
  const { work } = read;
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    const { src, keys, dst, link, shape } = item;
    if (dst.kind === 'if') {
      // Both branches (a `Ref AWS::NoValue` branch stays undefined); paths go through `Fn::If`.
      const arg = (src as JsonObject)[IF] as Json[];
      for (const k of [1, 2]) if (!(isObject(arg[k]) && getOwn(arg[k] as JsonObject, 'Ref') === NO_VALUE)) place(read, dst, link, k, arg[k], shape);
    } else if (isArray(src)) {
      // (Indexed loops, here and below: a callback would be a closure made for every container.)
      const items = shape && (shape.items ?? null);
      for (let k = 0; k < src.length; k++) place(read, dst, link, k, src[k], items);
    } else if (isObject(src)) {
      const names = keys ?? keysOf(src);
      for (let i = 0; i < names.length; i++) {
        const k = names[i];
        // A substitution used in a key counts as a use too (it must not be taken for unused).
        if (subs && k.includes('${'))
          for (const t of tokenizeSub(k, (n) => hasOwn(subs, n), 'substitutions')) if (t.kind === 'var') count({ kind: 'substitution', name: t.name });
        const child = shape && (shape.children?.get(k) ?? shape.other ?? null);
        if (child !== null || shape?.strings?.has(k) || shape?.looked?.has(k)) place(read, dst, link, k, src[k], child);
      }
    }
  }
  return root;
}

function ifNode(v: Json): IfNode {
  return { kind: 'if', condition: ((v as JsonObject)[IF] as Json[])[0] as string, branches: [undefined, undefined] };
}

/**
 * Places the node of `v`, the value at `key` of the container `dst` (whose path is `link`), and
 * queues its contents, unless its shape is null (no reader looks inside).
 */
function place(read: ObjectRead, dst: Node, link: PathLink | null, key: string | number, v: Json, shape: Shape | null | undefined): void {
  let child: Node;
  let queue = shape !== null;
  // An object's keys, listed once: they tell an intrinsic, and are the keys its contents are read by.
  const keys = isObject(v) ? keysOf(v) : undefined;
  const fn = keys === undefined ? undefined : intrinsicNameOfKeys(keys);
  if (isArray(v)) child = { kind: 'arr', items: [] };
  else if (keys !== undefined && fn === undefined) child = { kind: 'obj', entries: new Map() };
  else if (fn === IF && isStructuralIf(v)) child = ifNode(v);
  else {
    queue = false;
    child = leafNode(read, link, key, v, fn);
  }
  if (dst.kind === 'obj') dst.entries.set(String(key), child);
  else if (dst.kind === 'arr') dst.items.push(child);
  else if (dst.kind === 'if') dst.branches[key === 1 ? 0 : 1] = child;
  if (!queue) return;
  // The branches of an Fn::If are its arguments: their paths go through `Fn::If`.
  const below = new PathLink(link, key);
  read.work.push({ src: v, keys, dst: child, link: child.kind === 'if' ? new PathLink(below, IF) : below, shape: shape as Shape | undefined });
}

/** The node of a value that is no container: a string leaf, or the shared scalar node. */
function leafNode(read: ObjectRead, link: PathLink | null, key: string | number, v: Json, fn: string | undefined): Node {
  if (typeof v === 'string') {
    // Plain strings that findSlots never reads (and that hold no substitution) need no node (an array
    // index is no key it reads).
    if (!SLOT_KEYS.has(key as string) && !v.includes('${')) return DATA_NODE;
    const loc = valueLoc(link, key, v.includes('${') ? undefined : v);
    // Most leaves are plain text: their one part is the string (partsOf would copy it twice). One that no
    // rewrite needs to place (a Type: its location is none) is the same node wherever the text is the same.
    if (read.subs === undefined || !v.includes('${')) {
      if (loc !== NO_LOC) return { kind: 'str', parts: v === '' ? [] : [v], holes: NO_HOLES, loc };
      const last = read.plain.get(key);
      if (last !== undefined && (last.parts[0] ?? '') === v) return last;
      const node: StrNode = { kind: 'str', parts: v === '' ? [] : [v], holes: NO_HOLES, loc };
      read.plain.set(key, node);
      return node;
    }
    return strNode([v], loc, read.subs, read.count);
  }
  // The usual intrinsic value (a Ref, a GetAtt in list form) is one hole, itself: its node at its size.
  if (fn !== undefined && fn !== SUB && fn !== 'Fn::Join' && !(fn === GET_ATT && isString((v as JsonObject)[fn])))
    return { kind: 'str', parts: [{ hole: v }], holes: ONE_INLINE, loc: valueLoc(link, key) };
  if (fn !== undefined) return strNode(partsOf(v, 0, fn) ?? [{ hole: v }], valueLoc(link, key), read.subs, read.count);
  // Numbers, booleans, null: nothing in them to read.
  return DATA_NODE;
}

/** Holes of a node that has none, shared (never mutated: the parser shares its own the same way). */
const NO_HOLES: HoleSource[] = Object.freeze([]) as unknown as HoleSource[];
/** The source of a hole written in the Definition itself, shared by all of them. */
const INLINE: HoleSource = Object.freeze({ binding: INLINE_BINDING });
/** The holes of a node that is one such hole, shared. */
const ONE_INLINE: HoleSource[] = Object.freeze([INLINE]) as unknown as HoleSource[];

/** A string node of `parts` (a fresh array, which becomes the node's when no substitution is in it). */
function strNode(parts: Part[], loc: Loc, subs: JsonObject | undefined, count: (b: Binding) => void): StrNode {
  if (subs === undefined || !parts.some((p) => typeof p === 'string' && p.includes('${'))) {
    let n = 0;
    for (const p of parts) if (typeof p !== 'string') n++;
    // Every hole is INLINE: its list at its size (one shared when it is one).
    return { kind: 'str', parts, holes: n === 0 ? NO_HOLES : n === 1 ? ONE_INLINE : new Array<HoleSource>(n).fill(INLINE), loc };
  }
  const holes: HoleSource[] = [];
  const out: Part[] = [];
  for (const p of parts) {
    if (typeof p !== 'string') {
      out.push(p);
      holes.push(INLINE);
    } else if (p.includes('${')) {
      for (const t of tokenizeSub(p, (k) => hasOwn(subs, k), 'substitutions')) {
        if (t.kind === 'var') {
          out.push({ hole: subs[t.name] });
          const binding: Binding = { kind: 'substitution', name: t.name };
          holes.push({ binding });
          count(binding);
        } else if (t.kind === 'text') out.push(t.text);
      }
    } else out.push(p);
  }
  return { kind: 'str', parts: out, holes, loc };
}
