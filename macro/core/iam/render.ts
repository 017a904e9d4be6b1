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
import { getOwn } from '../../cfn/json';
import type { TemplateIndex } from '../template/read';
import type { WarmTargets } from '../targets/find';
import type { Json } from '../../types';
import { intrinsicName, getAttPair, refName } from '../../cfn/intrinsics';

const UNKNOWN_PARTITION = '\u0001P';
const UNKNOWN_REGION = '\u0001R';
const UNKNOWN_ACCOUNT = '\u0001A';

export class ArnRenderer {
  /** Rendered values by identity: template values are never mutated, and each is rendered for many grants. */
  private readonly rendered = new WeakMap<object, string | undefined>();

  constructor(
    private readonly index: TemplateIndex,
    private readonly targets: WarmTargets,
  ) {}

  /** `arn:P:lambda:R:A:function:` of the deployment (stand-ins for what is not known). */
  fnArnPrefix(): string {
    const { partition, region, accountId } = this.index;
    return `arn:${partition ?? UNKNOWN_PARTITION}:lambda:${region ?? UNKNOWN_REGION}:${accountId ?? UNKNOWN_ACCOUNT}:function:`;
  }

  /** Symbolic text of an ARN expression, or undefined when it cannot be known. */
  render(value: Json): string | undefined {
    if (typeof value === 'string') return this.deployment(value);
    if (typeof value !== 'object' || value === null) return undefined;
    if (this.rendered.has(value)) return this.rendered.get(value);
    const raw = this.renderValue(value, 0);
    const text = raw === undefined ? undefined : this.deployment(raw);
    this.rendered.set(value, text);
    return text;
  }

  private renderPart(value: Json, depth: number): string | undefined {
    if (typeof value === 'string') return value;
    if (depth > 10) return undefined;
    return this.renderValue(value, depth);
  }

  private renderValue(value: Json, depth: number): string | undefined {
    const ref = refName(value);
    if (ref !== undefined) {
      if (ref === 'AWS::Partition') return this.index.partition ?? UNKNOWN_PARTITION;
      if (ref === 'AWS::Region') return this.index.region ?? UNKNOWN_REGION;
      if (ref === 'AWS::AccountId') return this.index.accountId ?? UNKNOWN_ACCOUNT;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      if (this.index.isFunction(ref)) return this.fnName(ref);
      const owner = this.targets.functionOfQualifier(ref);
      if (owner) {
        return `${this.fnArnPrefix()}${this.fnName(owner)}:${this.targets.aliasNameOf(ref) ?? `\u0003${ref}`}`;
      }
      return undefined;
    }
    const ga = getAttPair(value);
    if (ga) return ga[1] === 'Arn' && this.index.isFunction(ga[0]) ? `${this.fnArnPrefix()}${this.fnName(ga[0])}` : undefined;
    if (intrinsicName(value) === 'Fn::Sub' || intrinsicName(value) === 'Fn::Join') {
      const parts = partsOf(value);
      if (!parts) return undefined;
      let out = '';
      for (const p of parts) {
        const t = typeof p === 'string' ? p : this.renderPart(p.hole, depth + 1);
        if (t === undefined) return undefined;
        out += t;
      }
      return out;
    }
    return undefined;
  }

  fnName(id: string): string {
    const name = getOwn(this.index.get(id)?.properties, 'FunctionName');
    return typeof name === 'string' ? name : `\u0002${id}\u0002`;
  }

  /**
   * An ARN's literal partition, region and account, when the deployment's are not known, become
   * the same stand-ins as `${AWS::Partition}` and the others: the template's own, presumably.
   */
  private deployment(text: string): string {
    const { partition, region, accountId } = this.index;
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
  const pieces = pattern.split('*');
  const first = pieces[0];
  if (pieces.length === 1) return first.length === text.length && matchesAt(first, text, 0);
  const last = pieces[pieces.length - 1];
  if (first.length + last.length > text.length) return false;
  if (!matchesAt(first, text, 0) || !matchesAt(last, text, text.length - last.length)) return false;
  const end = text.length - last.length;
  let at = first.length;
  let budget = 8 * text.length + 64;
  for (let k = 1; k < pieces.length - 1; k++) {
    const piece = pieces[k];
    if (piece === '') continue;
    let found: number;
    if (!piece.includes('?')) found = kmpFind(piece, text, at, end);
    else {
      found = -1;
      for (let i = at; i + piece.length <= end; i++) {
        budget -= piece.length;
        if (budget < 0) return false;
        if (matchesAt(piece, text, i)) {
          found = i;
          break;
        }
      }
    }
    if (found < 0) return false;
    at = found + piece.length;
  }
  return true;
}

/** Whether `piece` (with `?` for any one character) matches `text` at `at`. */
function matchesAt(piece: string, text: string, at: number): boolean {
  for (let i = 0; i < piece.length; i++) {
    const c = piece.charCodeAt(i);
    if (c !== 63 && c !== text.charCodeAt(at + i)) return false;
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
