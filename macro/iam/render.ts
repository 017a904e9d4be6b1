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
import { partsOf } from '../cfn/parts';
import { getOwn } from '../cfn/json';
import { type TemplateIndex } from '../template';
import type { WarmTargets } from '../targets';
import type { Json } from '../types';
import { intrinsicName, getAttPair, refName } from '../cfn/intrinsics';

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
    const name = getOwn(this.index.get(id)!.properties, 'FunctionName');
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

/** IAM-style wildcard match: `*` any run of characters, `?` one character. */
export function wildcard(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
