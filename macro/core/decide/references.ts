/**
 * What a string-valued expression in an invocation slot refers to.
 *
 * Recognised forms: `GetAtt Fn.Arn` (either GetAtt form), `Ref Fn` (the function name),
 * `${Fn.Arn}` / `${Fn}` inside Fn::Sub, `Ref Alias`, `Ref Version`, literal names and ARNs
 * equal to a function's literal FunctionName (also partial ARNs and
 * `arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:NAME`), names composed
 * by the same expression as a function's FunctionName (`!Sub orders-${Stage}`), each optionally
 * qualified (`:$LATEST`, `:1`, `:live`).
 */
import { isHole, partsOf, push, type Part } from '../../cfn/parts';
import { partsKey, type TemplateIndex } from '../template/read';
import type { WarmTargets } from '../targets/find';
import type { Json } from '../../types';
import { lambdaArn } from '../../cfn/arn';
import { getAttPair, ifArgs, refName } from '../../cfn/intrinsics';
import { isString } from '../../cfn/json';

export type LambdaRef =
  /** An in-template function, unqualified or `:$LATEST`. */
  | { kind: 'function'; fn: string; latest: boolean }
  /** An in-template function with an explicit qualifier (version number or alias name). */
  | { kind: 'qualified'; fn: string; qualifier: string }
  /** `Ref` to an alias or version resource (or SAM's `Fn.Alias`). */
  | { kind: 'qualifier'; fn: string; id: string }
  /** `Fn::If [C, warm target, original]` as the macro writes it. */
  | { kind: 'guarded'; fn: string }
  /** A literal Lambda function ARN or name that names no function in the template. */
  | { kind: 'external'; arn: string; qualifier?: string }
  | { kind: 'unknown' };

/** What cannot be told (shared: it holds nothing else, and nothing changes it). */
const UNKNOWN: LambdaRef = Object.freeze({ kind: 'unknown' });

const PSEUDO: Record<string, 'partition' | 'region' | 'account'> = {
  'AWS::Partition': 'partition',
  'AWS::Region': 'region',
  'AWS::AccountId': 'account',
};

export function classify(value: Json, index: TemplateIndex, targets: WarmTargets): LambdaRef {
  const parts = partsOf(value);
  return parts ? classifyParts(parts, index, targets) : UNKNOWN;
}

export function classifyParts(parts: readonly Part[], index: TemplateIndex, targets: WarmTargets): LambdaRef {
  if (parts.length === 0) return UNKNOWN;
  const first = parts[0];
  // A hole first: GetAtt Fn.Arn / Ref Fn / Ref Alias / Fn::If, optionally followed by ":qualifier".
  if (isHole(first)) {
    const exact = exactVersion(parts, index, targets);
    if (exact) return exact;
    const rest = parts.length === 1 ? '' : parts.length === 2 && isString(parts[1]) ? parts[1] : undefined;
    if (rest === undefined) return arnShape(parts, index, targets);
    const qualifier = rest === '' ? undefined : /^:([A-Za-z0-9$_-]+)$/.exec(rest)?.[1];
    if (rest !== '' && qualifier === undefined) return arnShape(parts, index, targets);
    const h = first.hole;
    const ga = getAttPair(h);
    const ref = refName(h);
    const fn = (ga && ga[1] === 'Arn' && index.isFunction(ga[0]) ? ga[0] : undefined) ?? (ref && index.isFunction(ref) ? ref : undefined);
    if (fn) return withQualifier(fn, qualifier);
    if (ref && qualifier === undefined) {
      const owner = targets.functionOfQualifier(ref);
      if (owner) return { kind: 'qualifier', fn: owner, id: ref };
    }
    if (ifArgs(h) && qualifier === undefined) return guarded(h, index, targets);
    // The same expression as a function's composed FunctionName (`!Ref NameParameter`, say).
    const composed = index.functionsByComposedName.get(partsKey([first]));
    if (composed) return withQualifier(composed, qualifier);
    return UNKNOWN;
  }
  return arnShape(parts, index, targets);
}

/**
 * The exact version of a function, spelled as its ARN or name and its version number:
 * `${Fn.Arn}:${V.Version}`, `${Fn}:${V.Version}` (Fn::Sub, or the same pieces in Fn::Join), where
 * V is an AWS::Lambda::Version of Fn. Read as `Ref V` (the version's ARN), which is what it names.
 */
function exactVersion(parts: readonly Part[], index: TemplateIndex, targets: WarmTargets): LambdaRef | undefined {
  if (parts.length !== 3 || !isHole(parts[0]) || parts[1] !== ':' || !isHole(parts[2])) return undefined;
  const ga = getAttPair(parts[0].hole);
  const ref = refName(parts[0].hole);
  const fn = ga && ga[1] === 'Arn' && index.isFunction(ga[0]) ? ga[0] : ref && index.isFunction(ref) ? ref : undefined;
  return fn ? versionOf(fn, parts[2].hole, targets) : undefined;
}

/** `GetAtt V.Version` where V is a version of `fn`: the qualifier reference to V. */
export function versionOf(fn: string, value: Json, targets: WarmTargets): LambdaRef | undefined {
  const v = getAttPair(value);
  if (v?.[1] !== 'Version' || !targets.versions.has(v[0]) || targets.functionOfQualifier(v[0]) !== fn) return undefined;
  return { kind: 'qualifier', fn, id: v[0] };
}

function withQualifier(fn: string, qualifier: string | undefined): LambdaRef {
  if (qualifier === undefined || qualifier === '$LATEST') return { kind: 'function', fn, latest: qualifier === '$LATEST' };
  return { kind: 'qualified', fn, qualifier };
}

/** `Fn::If [C, <warm qualifier of F, or its literal ARN>, <F>]` (either branch order): a slot the macro already rewrote. */
function guarded(h: Json, index: TemplateIndex, targets: WarmTargets): LambdaRef {
  const arg = ifArgs(h);
  if (!arg) return UNKNOWN;
  const [, a, b] = arg;
  const ra = classify(a, index, targets);
  const rb = classify(b, index, targets);
  for (const [warm, cold] of [
    [ra, rb],
    [rb, ra],
  ]) {
    // The warm branch: a Ref of the warm qualifier, a guard of it, or its literal ARN (written when a
    // reference would make a circular dependency).
    const literal = warm.kind === 'qualified' && targets.warmAliasNames(warm.fn).includes(warm.qualifier);
    // The explicit `:$LATEST` of a durable function whose DurableConfig is guarded by a Condition.
    if (warm.kind === 'function' && warm.latest && cold.kind === 'function' && !cold.latest && warm.fn === cold.fn) return { kind: 'guarded', fn: warm.fn };
    // The cold branch: the function, or (one alias per exclusive Condition) a guard of its other alias.
    if (
      (warm.kind === 'qualifier' || warm.kind === 'guarded' || literal) &&
      (cold.kind === 'function' || (cold.kind === 'guarded' && warm.kind === 'qualifier')) &&
      warm.fn === cold.fn
    ) {
      return { kind: 'guarded', fn: warm.fn };
    }
  }
  return UNKNOWN;
}

/** Longest text a Lambda ARN with a qualifier can hold (name 64, qualifier 128, the rest well under 100). */
const MAX_ARN_TEXT = 1_024;

/**
 * Whether parts can be a Lambda ARN or name at all: at most 8 ':'-separated fields and
 * `MAX_ARN_TEXT` characters of text. Checked before any splitting, so that a long value (a
 * variable expanded to 1 MB, used by thousands of states) costs each state a bounded look, not
 * its whole length.
 */
function mayBeArn(parts: readonly Part[]): boolean {
  let chars = 0;
  let colons = 0;
  for (const p of parts) {
    if (!isString(p)) continue;
    chars += p.length;
    if (chars > MAX_ARN_TEXT) return false;
    for (let i = p.indexOf(':'); i !== -1; i = p.indexOf(':', i + 1)) if (++colons > 7) return false;
  }
  return true;
}

/**
 * Literal ARNs and names, possibly with pseudo-parameter holes or a `Ref Fn` hole for the name:
 * `arn:P:lambda:R:A:function:NAME[:Q]`, `A:function:NAME[:Q]`, `NAME[:Q]`.
 */
function arnShape(parts: readonly Part[], index: TemplateIndex, targets: WarmTargets): LambdaRef {
  if (!mayBeArn(parts)) return UNKNOWN;
  // Split into ':'-separated fields; each field is text, or exactly one hole.
  const fields: Part[][] = [[]];
  for (const p of parts) {
    if (isString(p)) {
      const pieces = p.split(':');
      pieces.forEach((piece, i) => {
        if (i > 0) fields.push([]);
        push(fields[fields.length - 1], piece);
      });
    } else {
      fields[fields.length - 1].push(p);
    }
  }
  const text = (f: Part[]): string | undefined => (f.length === 0 ? '' : f.length === 1 && isString(f[0]) ? f[0] : undefined);
  // A literal partition, region or account must be the deployment's own for the ARN to name a
  // function of this stack; one that differs (or cannot be compared) names a function elsewhere.
  let elsewhere = false;
  const pseudo = (f: Part[], which: 'partition' | 'region' | 'account'): string | undefined => {
    const own = which === 'partition' ? index.partition : which === 'region' ? index.region : index.accountId;
    const t = text(f);
    if (t !== undefined) {
      // Unknown deployment (the CLI without --region/--account-id): assume the template's own.
      if (own !== undefined && t !== own) elsewhere = true;
      return t;
    }
    const ref = f.length === 1 && isHole(f[0]) ? refName(f[0].hole) : undefined;
    if (!ref || PSEUDO[ref] !== which) return undefined;
    return own ?? `\${${ref}}`;
  };
  let nameField: Part[];
  let qualifierField: Part[] | undefined;
  let partition: string | undefined, region: string | undefined, account: string | undefined;
  if (text(fields[0]) === 'arn') {
    if (fields.length < 7 || fields.length > 8 || text(fields[2]) !== 'lambda' || text(fields[5]) !== 'function') return UNKNOWN;
    partition = pseudo(fields[1], 'partition');
    region = pseudo(fields[3], 'region');
    account = pseudo(fields[4], 'account');
    if (partition === undefined || region === undefined || account === undefined) return UNKNOWN;
    nameField = fields[6];
    qualifierField = fields[7];
  } else if (fields.length >= 3 && fields.length <= 4 && text(fields[1]) === 'function') {
    account = pseudo(fields[0], 'account');
    if (account === undefined) return UNKNOWN;
    nameField = fields[2];
    qualifierField = fields[3];
  } else if (fields.length <= 2) {
    nameField = fields[0];
    qualifierField = fields[1];
  } else {
    return UNKNOWN;
  }
  const qualifier = qualifierField === undefined ? undefined : text(qualifierField);
  if (qualifierField !== undefined && qualifier === undefined && qualifierField.length === 1 && isHole(qualifierField[0]) && !elsewhere) {
    // `arn:…:function:${Fn}:${V.Version}`: the exact version of a function of this template.
    const ref = nameField.length === 1 && isHole(nameField[0]) ? refName(nameField[0].hole) : undefined;
    const named = text(nameField);
    const owner = ref && index.isFunction(ref) ? ref : named !== undefined ? index.functionsByName.get(named) : undefined;
    const exact = owner ? versionOf(owner, qualifierField[0].hole, targets) : undefined;
    if (exact) return exact;
  }
  if (qualifierField !== undefined && (qualifier === undefined || qualifier === '')) return UNKNOWN;
  const name = text(nameField);
  let fn: string | undefined;
  if (name === undefined) {
    const ref = nameField.length === 1 && isHole(nameField[0]) ? refName(nameField[0].hole) : undefined;
    fn = ref && index.isFunction(ref) && !elsewhere ? ref : undefined;
    // A name composed the same way as a function's FunctionName (`processor-${Stage}`).
    if (!fn && !elsewhere) fn = index.functionsByComposedName.get(partsKey(nameField)) ?? undefined;
    if (!fn) return UNKNOWN;
  } else {
    if (!/^[A-Za-z0-9_-]{1,140}$/.test(name)) return UNKNOWN;
    fn = elsewhere ? undefined : index.functionsByName.get(name);
    if (!fn) {
      // A bare word is only a function name in a FunctionName field; callers decide. Keep the ARN.
      const arn = lambdaArn(
        partition ?? index.partition ?? '${AWS::Partition}',
        region ?? index.region ?? '${AWS::Region}',
        account ?? index.accountId ?? '${AWS::AccountId}',
        name,
      );
      return { kind: 'external', arn, qualifier };
    }
  }
  if (qualifier !== undefined && qualifier !== '$LATEST' && targets.warmAliasNames(fn).includes(qualifier)) {
    return { kind: 'qualified', fn, qualifier };
  }
  return withQualifier(fn, qualifier);
}
