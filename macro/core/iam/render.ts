/**
 * Symbolic text of ARN expressions, so that grants can be compared with targets.
 *
 * Each ARN expression is rendered with the deployment's known pseudo parameters and with
 * stand-ins for values known only at deploy time (a function without a literal name, an alias
 * without a literal Name), then matched as an IAM wildcard pattern.
 *
 * When the deployment is not known (the CLI without --region / --account-id), a literal
 * partition, region or account in an ARN is taken to be the deployment's own, as the reference
 * reader does: `arn:aws:lambda:${AWS::Region}:…:function:f:*` then covers
 * `arn:${AWS::Partition}:lambda:${AWS::Region}:…:function:f:live`.
 */
import { partsOf } from '../../cfn/parts';
import { getOwn, isString } from '../../cfn/json';
import { FUNCTION_NAME, type TemplateIndex } from '../template/read';
import type { WarmTargets } from '../targets/find';
import type { Json } from '../../types';
import { intrinsicName, getAttPair, GET_ATT, SUB } from '../../cfn/intrinsics';

const UNKNOWN_PARTITION = '\u0001P';
const UNKNOWN_REGION = '\u0001R';
const UNKNOWN_ACCOUNT = '\u0001A';

export class ArnRenderer {
  /**
   * Rendered values by identity: template values are never mutated, and each is rendered for many grants. `null`: it
   * cannot be known (one lookup tells a value met before, even then).
   */
  readonly #rendered = new WeakMap<object, string | null>();
  /** Rendered `{"Fn::Sub": TEXT}` (before `deployment`), by TEXT: its parts depend on nothing else. */
  readonly #subTexts = new Map<string, string | null>();
  /**
   * The deployment's partition, region and account, read once: the index's are fixed when it is built (its
   * partition is computed from the region on every read), and every ARN rendered needs them.
   */
  readonly #partition: string | undefined;
  readonly #region: string | undefined;
  readonly #accountId: string | undefined;
  readonly #prefix: string;
  readonly #index: TemplateIndex;
  readonly #targets: WarmTargets;

  constructor(index: TemplateIndex, targets: WarmTargets) {
    this.#index = index;
    this.#targets = targets;
    this.#partition = index.partition;
    this.#region = index.region;
    this.#accountId = index.accountId;
    this.#prefix = `arn:${this.#partition ?? UNKNOWN_PARTITION}:lambda:${this.#region ?? UNKNOWN_REGION}:${this.#accountId ?? UNKNOWN_ACCOUNT}:function:`;
  }

  /** `arn:P:lambda:R:A:function:` of the deployment (stand-ins for what is not known). */
  fnArnPrefix(): string {
    return this.#prefix;
  }

  /** Symbolic text of an ARN expression, or undefined when it cannot be known. */
  render(value: Json): string | undefined {
    if (isString(value)) return this.#deployment(value);
    if (typeof value !== 'object' || value === null) return undefined;
    const known = this.#rendered.get(value);
    if (known !== undefined) return known ?? undefined;
    const raw = this.#renderValue(value, 0);
    const text = raw === undefined ? undefined : this.#deployment(raw);
    this.#rendered.set(value, text ?? null);
    return text;
  }

  #renderPart(value: Json, depth: number): string | undefined {
    if (isString(value)) return value;
    if (depth > 10) return undefined;
    return this.#renderValue(value, depth);
  }

  #renderValue(value: Json, depth: number): string | undefined {
    // The intrinsic is named once (naming it lists the value's keys); the reads below are refName's and getAttPair's.
    const fn = intrinsicName(value);
    if (fn === 'Ref') {
      const ref = (value as { Ref: Json }).Ref;
      if (!isString(ref)) return undefined;
      if (ref === 'AWS::Partition') return this.#partition ?? UNKNOWN_PARTITION;
      if (ref === 'AWS::Region') return this.#region ?? UNKNOWN_REGION;
      if (ref === 'AWS::AccountId') return this.#accountId ?? UNKNOWN_ACCOUNT;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      if (this.#index.isFunction(ref)) return this.fnName(ref);
      const owner = this.#targets.functionOfQualifier(ref);
      if (owner) {
        return `${this.fnArnPrefix()}${this.fnName(owner)}:${this.#targets.aliasNameOf(ref) ?? `\u0003${ref}`}`;
      }
      return undefined;
    }
    if (fn === GET_ATT) {
      const ga = getAttPair(value);
      return ga && ga[1] === 'Arn' && this.#index.isFunction(ga[0]) ? `${this.fnArnPrefix()}${this.fnName(ga[0])}` : undefined;
    }
    if (fn === SUB || fn === 'Fn::Join') {
      // An Fn::Sub of one string renders as that string says, at any depth that leaves its Ref and GetAtt
      // holes room (their depth + 1 at most 10): rendered once for every statement that repeats it.
      const sub = fn === SUB && depth <= 9 ? (value as { [SUB]: Json })[SUB] : undefined;
      if (isString(sub)) {
        const known = this.#subTexts.get(sub);
        if (known !== undefined) return known ?? undefined;
        const text = this.#renderParts(value, depth);
        this.#subTexts.set(sub, text ?? null);
        return text;
      }
      return this.#renderParts(value, depth);
    }
    return undefined;
  }

  /** The rendered parts of an Fn::Sub or Fn::Join. */
  #renderParts(value: Json, depth: number): string | undefined {
    const parts = partsOf(value);
    if (!parts) return undefined;
    let out = '';
    for (const p of parts) {
      const t = isString(p) ? p : this.#renderPart(p.hole, depth + 1);
      if (t === undefined) return undefined;
      out += t;
    }
    return out;
  }

  fnName(id: string): string {
    const name = getOwn(this.#index.get(id)?.properties, FUNCTION_NAME);
    return isString(name) ? name : `\u0002${id}\u0002`;
  }

  /**
   * An ARN's literal partition, region and account, when the deployment's are not known, become
   * the same stand-ins as `${AWS::Partition}` and the others: the template's own, presumably.
   */
  #deployment(text: string): string {
    const partition = this.#partition;
    const region = this.#region;
    const accountId = this.#accountId;
    if ((partition !== undefined && region !== undefined && accountId !== undefined) || !text.startsWith('arn:')) return text;
    const fields = text.split(':');
    if (fields.length < 5) return text;
    const literal = (f: string): boolean => f !== '' && !/[*?\u0001-\u0003]/.test(f);
    if (partition === undefined && literal(fields[1])) fields[1] = UNKNOWN_PARTITION;
    if (region === undefined && literal(fields[3])) fields[3] = UNKNOWN_REGION;
    if (accountId === undefined && literal(fields[4])) fields[4] = UNKNOWN_ACCOUNT;
    return fields.join(':');
  }
}

/**
 * IAM-style wildcard match: `*` any run of characters, `?` one character.
 *
 * The pattern is cut at its stars. The first piece must match at the start, the last at the end,
 * and each piece between is placed at its leftmost match after the previous one (leftmost is
 * always right: a later placement leaves less room for the rest). A piece without `?` is found
 * with Knuth-Morris-Pratt, so the whole match is linear in the pattern and the text: no
 * backtracking over a name the template controls. A piece with `?` is tried at each position,
 * at most `8 × text length` comparisons in all: past that (only an adversarial pattern gets
 * there) it counts as no match, which only makes the macro add its own grant.
 */
export function wildcard(pattern: string, text: string): boolean {
  // The pieces are read in place (by their bounds in the pattern), not split out: a match is run for
  // every granted resource and statement against every target, and most patterns have one star or none.
  const firstStar = pattern.indexOf('*');
  // Without a star: an equal text matches (the one native comparison the grants of a function's own ARN need).
  if (firstStar < 0) return pattern === text || (pattern.length === text.length && matchesAt(pattern, 0, pattern.length, text, 0));
  const lastStar = pattern.lastIndexOf('*');
  const lastLength = pattern.length - lastStar - 1;
  if (firstStar + lastLength > text.length) return false;
  if (!matchesAt(pattern, 0, firstStar, text, 0) || !matchesAt(pattern, lastStar + 1, pattern.length, text, text.length - lastLength)) return false;
  const end = text.length - lastLength;
  let at = firstStar;
  let budget = 8 * text.length + 64;
  // The next `?` at or after the piece (-1: none), looked for again only once passed: linear in the pattern.
  let q = pattern.indexOf('?', firstStar + 1);
  // The pieces between the first star and the last, each from `from` to the next star.
  for (let from = firstStar + 1; from < lastStar; ) {
    const to = pattern.indexOf('*', from);
    const length = to - from;
    if (length > 0) {
      let found: number;
      if (q >= 0 && q < from) q = pattern.indexOf('?', from);
      if (q < 0 || q >= to) found = kmpFind(pattern.slice(from, to), text, at, end);
      else {
        found = -1;
        for (let i = at; i + length <= end; i++) {
          budget -= length;
          if (budget < 0) return false;
          if (matchesAt(pattern, from, to, text, i)) {
            found = i;
            break;
          }
        }
      }
      if (found < 0) return false;
      at = found + length;
    }
    from = to + 1;
  }
  return true;
}

/**
 * Whether the piece `pattern[from, to)` (with `?` for any one character) matches `text` at `at`. Compared
 * from its end: ARNs of one deployment share a long prefix (`arn:aws:lambda:REGION:ACCOUNT:function:`) and
 * differ in the name after it, so a mismatch shows sooner there.
 */
function matchesAt(pattern: string, from: number, to: number, text: string, at: number): boolean {
  for (let i = to - 1; i >= from; i--) {
    const c = pattern.charCodeAt(i);
    if (c !== 63 && c !== text.charCodeAt(at + i - from)) return false;
  }
  return true;
}

/** Leftmost index >= from of `piece` in `text` ending by `end`, or -1 (Knuth-Morris-Pratt: linear). */
function kmpFind(piece: string, text: string, from: number, end: number): number {
  const m = piece.length;
  const fail = new Int32Array(m);
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && piece.charCodeAt(i) !== piece.charCodeAt(k)) k = fail[k - 1];
    if (piece.charCodeAt(i) === piece.charCodeAt(k)) k++;
    fail[i] = k;
  }
  for (let i = from, k = 0; i < end; i++) {
    while (k > 0 && text.charCodeAt(i) !== piece.charCodeAt(k)) k = fail[k - 1];
    if (text.charCodeAt(i) === piece.charCodeAt(k)) k++;
    if (k === m) return i - m + 1;
  }
  return -1;
}
