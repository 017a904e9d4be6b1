/**
 * The macro's limits: how much of a template it processes, and how much it writes back.
 *
 * Every limit here keeps one run of the core linear in the size of the template and bounded in
 * memory, and keeps the reply within what Lambda and its runtime can send back. Past a limit the
 * core stops with a `LimitError` that names it; `transform` turns that into one failure. Each
 * number is stated in docs/limits.md and tested with the same number (test/unit/limits.test.ts).
 * The texts are in the messages table (messages.ts, `limit.*`).
 */
import { render } from './messages';

export const LIMITS = {
  /**
   * Nesting of the template as JSON (every object and list counts one level). The Lambda runtime
   * writes the reply with JSON.stringify, which is recursive: past about 7,000 levels it runs out
   * of stack (`Runtime.JSONStringifyError`), and so does the CLI. A `Definition` object of nested
   * Parallel states takes 4 levels per Parallel state.
   */
  nesting: 3_000,
  /**
   * Characters of a definition's text once its Fn::Sub variables and Fn::Join delimiters are in
   * place, and of any other Fn::Sub / Fn::Join value the macro reads (Step Functions' own limit
   * for a definition is 1 MiB).
   */
  expansion: 1_048_576,
  /** Tokens (texts, variables, escapes) of one Fn::Sub text. */
  subTokens: 200_000,
  /** Keys of one state machine's DefinitionSubstitutions. */
  substitutions: 10_000,
  /** Bytes of the reply as JSON: Lambda's response limit is 6 MB (6,291,456 bytes). */
  replyBytes: 6_291_456,
  /** Characters of a state path or state name in Metadata entries and log lines (longer ones are shortened in the middle). */
  reportText: 256,
  /** Characters of a reason in a log line. */
  reasonText: 2_000,
  /**
   * Characters of a state path as the core keeps it (`States.P0.Branches[0].States.P1…`). A longer
   * one keeps its start and end around `…`, so that the paths of states nested thousands deep cost
   * their depth, not their depth squared.
   */
  statePath: 2_048,
  /** Metadata entries per state machine (the rest are counted in a last entry). */
  metadataEntries: 1_000,
} as const;

export type LimitName = keyof typeof LIMITS;

/** A limit of the macro was reached: the message names it and says what reached it. */
export class LimitError extends Error {
  override readonly name = 'LimitError';
  constructor(
    readonly limit: LimitName | 'time' | 'memory',
    message: string,
    readonly where?: { logicalId?: string; path: string },
  ) {
    super(message);
  }

  /** The same error, located (the first location wins). */
  at(where: { logicalId?: string; path: string }): LimitError {
    return this.where ? this : new LimitError(this.limit, this.message, where);
  }
}

/** `1,048,576`: numbers in messages are grouped as in the docs. */
export function formatCount(n: number): string {
  // Not toLocaleString: its first call loads the ICU data (tens of milliseconds).
  return String(Math.round(n)).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** The expansion limit reached by an Fn::Sub or Fn::Join value. */
export function expansionError(what: string): LimitError {
  return new LimitError('expansion', render('limit.expansion', { what, limit: formatCount(LIMITS.expansion) }));
}

/**
 * Text of at most `max` characters: a longer one keeps its start and its end, with the number of
 * characters left out in between (state paths: the root and the state itself stay readable).
 */
export function capText(s: string, max: number = LIMITS.reportText): string {
  if (s.length <= max) return s;
  const marker = (n: number): string => `…(${formatCount(n)} characters)…`;
  const room = Math.max(2, max - marker(s.length).length);
  const head = Math.floor(room / 3);
  const tail = room - head;
  return `${s.slice(0, head)}${marker(s.length - head - tail)}${s.slice(s.length - tail)}`;
}

/** How many levels of a template the nesting check measures (see Sizes): the template, its sections, their entries. */
export const MEASURED_LEVELS = 3;

/**
 * A measure of a template, taken by the nesting check's walk (`checkNesting` with a map to fill) for the
 * Lambda edge's reply-size check (lambda/budget.ts): each object and list within the template's first
 * MEASURED_LEVELS levels (each section, each resource), and the loose bound on its JSON size (what
 * `jsonSizeBound` returns with `tight: false`). The core's output shares every value it leaves untouched
 * with its input, so the edge bounds those from here instead of walking them again.
 */
export type Sizes = Map<object, number>;

/**
 * Depth of a JSON value as nesting levels (an object or list is one level, a scalar none). Stops
 * counting past `max` and returns `max + 1`, so it recurses at most `max + 1` calls deep whatever
 * the value (the limit is 3,000; Node.js's stack holds several times that many such calls).
 * With `sizes`, the same walk fills it (see Sizes).
 */
export function nestingDepth(value: unknown, max: number = LIMITS.nesting, sizes?: Sizes, watch?: KeyWatch): number {
  return typeof value !== 'object' || value === null ? 0 : depthBelow(value, 1, max, { n: 0, sizes, watch, section: '', entry: '' });
}

/**
 * Keys the nesting check's walk reports as it meets them (see checkNesting): a reader that needs every place a
 * few keys occur in the template learns them from the walk the template takes anyway, not from one of its own.
 */
export interface KeyWatch {
  /** The watched keys by length (`byLength[n]`: those of n characters): most keys are told apart by one lookup. */
  readonly byLength: readonly (readonly string[] | undefined)[];
  /** A watched key met in an object, with its value, inside entry `entry` of section `section` (the keys of the template's first two levels). */
  seen(key: string, value: unknown, section: string, entry: string): void;
}

/** Names by length, as KeyWatch holds them (`out[n]`: those of n characters, in their order). */
export function keysByLength(keys: readonly string[]): (readonly string[] | undefined)[] {
  const out: string[][] = [];
  for (const k of keys) {
    const list = out[k.length];
    if (list) list.push(k);
    else out[k.length] = [k];
  }
  return out;
}

/**
 * What the walk carries: the loose JSON size bound of the value it last walked, the map to fill, the keys
 * to report, and the keys of the first two levels above where it is.
 */
interface Walk {
  n: number;
  sizes?: Sizes;
  watch?: KeyWatch;
  section: string;
  entry: string;
}

/**
 * More bytes than any JSON text holds (at most 2^29 characters, each at most 3 bytes in UTF-8): the
 * bound of what JSON may not write as such (a function, a value's own `toJSON`), never within a limit.
 */
const UNBOUNDED = 2 ** 31;

/**
 * The deepest level in `v` (which sits at `depth`), or `max + 1` as soon as one is past `max`; `w.n`
 * is then the loose JSON size bound of `v` (see Sizes): a list's brackets and a comma per item (an
 * absent item is written `null`), a map's braces, and per key its quoted text, `:` and `,`.
 */
function depthBelow(v: object, depth: number, max: number, w: Walk): number {
  if (depth > max) return max + 1;
  let deepest = depth;
  let n = 2;
  if (Array.isArray(v)) {
    for (let k = 0; k < v.length; k++) {
      const c = v[k];
      if (typeof c === 'object' && c !== null) {
        const d = depthBelow(c, depth + 1, max, w);
        if (d > max) return d;
        if (d > deepest) deepest = d;
        n += w.n + 1;
      } else n += scalarBound(c) + 1;
    }
  } else {
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') n = UNBOUNDED;
    const watch = w.watch;
    for (const k in v) {
      const c = (v as Record<string, unknown>)[k];
      if (c === undefined) continue;
      if (depth <= 2) {
        if (depth === 1) w.section = k;
        else w.entry = k;
      }
      if (watch !== undefined) {
        const names = watch.byLength[k.length];
        if (names !== undefined && (names[0] === k || names.includes(k))) watch.seen(k, c, w.section, w.entry);
      }
      if (typeof c === 'object' && c !== null) {
        const d = depthBelow(c, depth + 1, max, w);
        if (d > max) return d;
        if (d > deepest) deepest = d;
        n += w.n;
      } else n += scalarBound(c);
      n += k.length * 6 + 4;
    }
  }
  w.n = n;
  if (depth <= MEASURED_LEVELS) w.sizes?.set(v, n);
  return deepest;
}

/** The loose JSON size bound of a value that is no object (an absent list item is written `null`). */
const scalarBound = (c: unknown): number =>
  typeof c === 'string' ? c.length * 6 + 2 : typeof c === 'number' ? 25 : typeof c === 'boolean' ? 5 : c == null ? 4 : UNBOUNDED;

/**
 * Fails with the nesting limit when `value` nests deeper than it (`offset` levels sit above it in
 * the template), naming the first resource that does when `value` is the template. With `sizes`,
 * its walk also measures the template (see Sizes); with `watch`, it reports the watched keys it meets
 * (see KeyWatch; when the check fails, some may not have been met).
 */
export function checkNesting(value: unknown, what = 'the template', offset = 0, sizes?: Sizes, watch?: KeyWatch): void {
  const max = LIMITS.nesting - offset;
  if (nestingDepth(value, max, sizes, watch) <= max) return;
  let where: { path: string; logicalId?: string } | undefined;
  const resources = offset === 0 && typeof value === 'object' && value !== null ? (value as Record<string, unknown>).Resources : undefined;
  if (typeof resources === 'object' && resources !== null && !Array.isArray(resources)) {
    for (const id of Object.keys(resources)) {
      if (nestingDepth((resources as Record<string, unknown>)[id], max - 2) > max - 2) {
        where = { logicalId: id, path: `Resources/${id}` };
        break;
      }
    }
  }
  throw new LimitError('nesting', render('limit.nesting', { what, limit: formatCount(LIMITS.nesting) }), where);
}

/**
 * A state path of at most `LIMITS.statePath` characters: its start and its end around `…`. A path
 * past the limit is cut to well under it, so that the paths below it grow for many levels before
 * the next cut (each cut reads the whole path).
 */
export function boundedStatePath(path: string): string {
  if (path.length <= LIMITS.statePath) return path;
  const head = Math.floor(LIMITS.statePath / 8);
  const tail = Math.floor(LIMITS.statePath / 2);
  return `${path.slice(0, head)}…${path.slice(path.length - tail)}`;
}
