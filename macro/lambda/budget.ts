/**
 * The Lambda edge's budget: the function's remaining time and its memory, watched while the core
 * works, and the size of the reply, checked before it is sent.
 *
 * The core is synchronous, so Lambda cannot be beaten to its timeout from outside: the core calls
 * `options.checkpoint` between steps, and the checkpoint built here throws a LimitError (which
 * the core turns into a failure naming it) when less time is left than the reply needs, or when
 * the process uses more memory than the ceiling. A reply that the runtime could not send (over
 * Lambda's 6 MB response limit, or a value JSON.stringify cannot write) becomes a failure that
 * says so, instead of an invocation error that CloudFormation reports as a timeout.
 */
import type { Context } from 'aws-lambda';
import { formatCount, LimitError, LIMITS, MEASURED_LEVELS, type Sizes } from '../limits';
import { render } from '../messages';
import { MACRO_NAME, type MacroReply } from '../types';
import { isArray, jsonText } from '../cfn/json';

/** Time kept for writing the reply and the log lines. */
export const RESERVE_MS = 1_000;
/** Share of the function's memory the process may use before the macro stops. */
export const MEMORY_SHARE = 0.85;

export interface BudgetClock {
  /** Resident memory of the process in bytes. */
  rss: () => number;
  now: () => number;
}

/** How often the checkpoint reads the resident memory, at most. */
export const MEMORY_EVERY_MS = 20;

/** A checkpoint over the invocation's context, or undefined when there is none (tests, local runs). */
export function lambdaCheckpoint(
  context: Pick<Context, 'getRemainingTimeInMillis' | 'memoryLimitInMB'> | undefined,
  clock: BudgetClock = { rss: () => process.memoryUsage.rss(), now: Date.now },
): ((stage: string) => void) | undefined {
  if (!context || typeof context.getRemainingTimeInMillis !== 'function') return undefined;
  const memoryMB = Number(context.memoryLimitInMB);
  const ceiling = Number.isFinite(memoryMB) && memoryMB > 0 ? memoryMB * MEMORY_SHARE * 2 ** 20 : undefined;
  // Resident memory is read from the OS: at most every MEMORY_EVERY_MS.
  let lastMemoryCheck = -Infinity;
  return (stage) => {
    const left = context.getRemainingTimeInMillis();
    if (left < RESERVE_MS) {
      throw new LimitError('time', render('budget.time', { stage, left: Math.max(0, Math.round(left)), reserve: formatCount(RESERVE_MS) }));
    }
    if (ceiling !== undefined && clock.now() - lastMemoryCheck >= MEMORY_EVERY_MS) {
      lastMemoryCheck = clock.now();
      const used = clock.rss();
      if (used > ceiling) {
        throw new LimitError('memory', render('budget.memory', { stage, usedMB: Math.round(used / 2 ** 20), share: Math.round(MEMORY_SHARE * 100), memoryMB }));
      }
    }
  };
}

/**
 * The reply as it can be sent: unchanged when it serializes within Lambda's response limit;
 * otherwise a failure that names the cause. A failure carries the template it was given when that
 * fits, else an empty fragment (CloudFormation reads only the error message of a failure). `sizes`:
 * the input measured by the core (see Sizes in limits.ts), or an empty map.
 */
export function sendable(reply: MacroReply, input: unknown, sizes: Sizes = new Map()): MacroReply {
  const problem = unsendable(reply, sizes);
  if (problem === undefined) return reply;
  const errorMessage = reply.status === 'failure' ? reply.errorMessage : problem;
  const failure: MacroReply = { requestId: reply.requestId, status: 'failure', fragment: input, errorMessage };
  if (unsendable(failure, sizes) === undefined) return failure;
  return { ...failure, fragment: {} };
}

/** Why a reply cannot be sent, or undefined when it can. */
function unsendable(reply: MacroReply, sizes: Sizes): string | undefined {
  // Most replies are far below the limit: a bound on their size, from one walk that builds nothing,
  // spares writing the whole reply out (the runtime writes it once more to send it). The loose bound
  // (6 bytes every character, no test of any string) is enough for a template of 1 MB, and takes the
  // values the core left untouched from `sizes`; the tight one tests the strings.
  const depth = LIMITS.nesting + REPLY_DEPTH_MARGIN;
  const loose = jsonSizeBound(reply, depth, false, 0, sizes);
  if (loose !== undefined && loose <= LIMITS.replyBytes) return undefined;
  const bound = jsonSizeBound(reply, depth);
  if (bound !== undefined && bound <= LIMITS.replyBytes) return undefined;
  let text: string | undefined;
  try {
    text = jsonText(reply);
  } catch (e) {
    return render('budget.replyUnwritable', { product: MACRO_NAME, message: (e as Error).message, limit: formatCount(LIMITS.nesting) });
  }
  // One byte per character at most 3: the exact size only when it may matter.
  const bytes = text.length * 3 <= LIMITS.replyBytes ? text.length : Buffer.byteLength(text);
  if (bytes > LIMITS.replyBytes) {
    return render('budget.replyTooLarge', { product: MACRO_NAME, bytes: formatCount(bytes), limit: formatCount(LIMITS.replyBytes) });
  }
  return undefined;
}

/** Levels the macro's own writing may add above the template's deepest (a grant, a metadata entry). */
const REPLY_DEPTH_MARGIN = 16;

/** A character JSON writes as more than one byte (an escape, or a character outside ASCII). */
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/**
 * UTF-8 bytes of a string as JSON writes it, at most. Tight: its length and quotes when every character
 * is printable ASCII but `"` and `\`, else 6 bytes a character (a `\u00XX` escape is 6, a UTF-8
 * character at most 3 per UTF-16 unit); short strings take the wide bound without a test. Loose: 6 bytes
 * a character, no test.
 */
function stringBound(s: string, tight: boolean): number {
  return !tight || s.length < 16 || NOT_PLAIN.test(s) ? s.length * 6 + 2 : s.length + 2;
}

/**
 * An upper bound on the UTF-8 bytes of `jsonText(value)`, or undefined when it cannot be
 * bounded this way (deeper than `maxDepth`, or a value JSON does not write as such: the caller
 * then writes it out to know). Numbers count 25 characters, the longest JavaScript writes
 * (`-0.0000013571733071272135`: a sign, `0.`, five zeros and 17 digits). `tight: false` tests no
 * string (see stringBound): a looser bound, cheaper to take. `sizes`: loose bounds already taken of
 * values the walk may meet within its first MEASURED_LEVELS levels (see Sizes in limits.ts): such a
 * value is not walked again. (One measured in a template that nests within the limit, and met within
 * REPLY_DEPTH_MARGIN levels, nests within `maxDepth` here too.)
 */
export function jsonSizeBound(value: unknown, maxDepth: number, tight = true, depth = 0, sizes?: Sizes): number | undefined {
  if (typeof value === 'string') return stringBound(value, tight);
  if (typeof value !== 'object') return typeof value === 'number' ? 25 : typeof value === 'boolean' ? 5 : undefined;
  if (value === null) return 4;
  if (depth >= maxDepth) return undefined;
  const known = depth <= MEASURED_LEVELS ? sizes?.get(value) : undefined;
  if (known !== undefined) return known;
  let n = 2;
  if (isArray(value)) {
    for (let k = 0; k < value.length; k++) {
      const v = value[k];
      const b = v === undefined ? 4 : jsonSizeBound(v, maxDepth, tight, depth + 1, sizes);
      if (b === undefined) return undefined;
      n += b + 1;
    }
    return n;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
  // for…in allocates no key list (Object.keys would, for every object of the reply); a key it
  // adds beyond JSON's (an inherited enumerable one) only makes the bound larger.
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const b = jsonSizeBound(v, maxDepth, tight, depth + 1, sizes);
    if (b === undefined) return undefined;
    n += stringBound(key, tight) + 2 + b;
  }
  return n;
}
