/**
 * Why an invocation must use a published target: the one home of the reasons.
 *
 * A Lambda function's configuration can make its unqualified ARN the wrong thing to invoke:
 * - provisioned concurrency, configured on an alias or a version: an unqualified call runs cold;
 * - SnapStart (`SnapStart: {ApplyOn: PublishedVersions}`): snapshots exist only for published
 *   versions, so an unqualified call (`$LATEST`) never restores one: it runs cold;
 * - durable functions (`DurableConfig`): Lambda rejects an unqualified invocation
 *   (`InvalidParameterValueException: You cannot invoke a durable function using an unqualified
 *   ARN`): it fails at run time. `$LATEST` is accepted as an explicit qualifier;
 * - Lambda Managed Instances (`CapacityProviderConfig`): `$LATEST` is never invoked; an unqualified
 *   call runs `$LATEST.PUBLISHED`, not the version or alias the template publishes.
 *
 * docs/reasons.md cites AWS for each of these facts. This module says, for each reason, what an
 * unqualified call does and which explicit qualifier AWS documents when the template publishes no
 * version; it reads the function-level reasons from a function's (Globals-merged) properties.
 */
import { getOwn, isObject, isArray, jsonText, isString } from '../../cfn/json';
import { intrinsicName, refName, IF, NO_VALUE } from '../../cfn/intrinsics';
import type { Consequence, Json, JsonObject, Reason } from '../../types';

export type { Consequence, Reason } from '../../types';

/** The reason names written more than once (each once in the bundle). */
export const PC_REASON = 'ProvisionedConcurrency';
export const PC_CONFIG = 'ProvisionedConcurrencyConfig';
export const MI_REASON = 'ManagedInstances';
export const REASONS: readonly Reason[] = [PC_REASON, 'SnapStart', 'Durable', MI_REASON];

/*
 * What an unqualified invocation does (Consequence):
 * - `cold`: it works, without the warm capacity (a cold path);
 * - `fails`: Lambda rejects it at run time;
 * - `bypasses`: it works, on another published version than the template's target.
 */

export interface ReasonInfo {
  reason: Reason;
  /** How messages name it. */
  label: string;
  /** The function property (or properties) it comes from. */
  property: string;
  consequence: Consequence;
  /** What an unqualified call does, for messages. */
  unqualified: string;
  /**
   * The explicit qualifier AWS documents for a function whose template publishes no version, when
   * invoking it fixes the call (durable: `$LATEST`); undefined when none does.
   */
  explicitQualifier?: string;
  /** Turned off only by naming it with a minus in the Reasons parameter (`-Durable`). */
  sticky: boolean;
  /** The exact fix when the template publishes no version. */
  fix: string;
  /** What an explicit `:$LATEST` does, when it differs from an unqualified call. */
  latest?: string;
}

/** How to publish a version and an alias, and a Managed Instances function's $LATEST (each written once in the bundle). */
const PUBLISH_HOW = 'publish a version and an alias (SAM: AutoPublishAlias; CDK: fn.currentVersion or an Alias; ';
const PUBLISH_CFN = 'CloudFormation: an AWS::Lambda::Version and an AWS::Lambda::Alias)';
const NEVER_LATEST = 'Lambda never invokes $LATEST of a Managed Instances function';

export const REASON_INFO: Record<Reason, ReasonInfo> = {
  ProvisionedConcurrency: {
    reason: PC_REASON,
    label: 'provisioned concurrency',
    property: PC_CONFIG,
    consequence: 'cold',
    unqualified: 'runs on cold instances, not on the provisioned ones',
    sticky: false,
    fix: 'configure provisioned concurrency on an alias or version',
  },
  SnapStart: {
    reason: 'SnapStart',
    label: 'SnapStart',
    property: 'SnapStart',
    consequence: 'cold',
    unqualified: 'runs $LATEST, which has no snapshot, so it starts cold',
    sticky: false,
    fix: `${PUBLISH_HOW}Serverless: snapStart: true creates one; ${PUBLISH_CFN}`,
  },
  Durable: {
    reason: 'Durable',
    label: 'durable',
    property: 'DurableConfig',
    consequence: 'fails',
    unqualified: 'fails at run time: Lambda rejects an unqualified invocation of a durable function (InvalidParameterValueException)',
    explicitQualifier: '$LATEST',
    sticky: true,
    fix: `${PUBLISH_HOW}${PUBLISH_CFN}`,
  },
  ManagedInstances: {
    reason: MI_REASON,
    label: 'Managed Instances',
    property: 'CapacityProviderConfig',
    consequence: 'bypasses',
    unqualified: `runs $LATEST.PUBLISHED (${NEVER_LATEST}), not the version the template publishes`,
    sticky: true,
    fix: 'no fix is needed: an unqualified call runs $LATEST.PUBLISHED',
    latest: `fails at run time: ${NEVER_LATEST}`,
  },
};

/**
 * What the invocation does for these reasons: fails, then cold, then bypasses. `latest`: it names
 * `:$LATEST` explicitly, which a durable function accepts and a Managed Instances function never runs.
 */
export function consequenceOf(reasons: readonly Reason[], latest = false): Consequence {
  if (latest && reasons.includes(MI_REASON)) return 'fails';
  const all = reasons.filter((r) => !(latest && r === 'Durable')).map((r) => REASON_INFO[r].consequence);
  return all.includes('fails') ? 'fails' : all.includes('cold') ? 'cold' : 'bypasses';
}

/** "SnapStart and durable": the labels of reasons, for messages. */
export function describeReasons(reasons: readonly Reason[]): string {
  const labels = reasons.map((r) => REASON_INFO[r].label);
  return labels.length <= 1 ? (labels[0] ?? '') : `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}

/** A CloudFormation condition that must hold (or, negated, must not) for a target to exist. */
export interface Guard {
  condition: string;
  negate: boolean;
}

/** A reason a function has, with the conditions under which its configuration is in effect. */
export interface FunctionReason {
  reason: Reason;
  guards: Guard[];
  /** Managed Instances with `PublishToLatestPublished: false`: CloudFormation may leave no $LATEST.PUBLISHED to run. */
  noLatestPublished?: boolean;
}

/**
 * The function-level reasons of a function's properties (Globals already merged for SAM):
 * SnapStart on published versions, DurableConfig, CapacityProviderConfig.
 */
export function functionReasons(props: JsonObject, enabled: ReadonlySet<Reason>): FunctionReason[] {
  const out: FunctionReason[] = [];
  const add = (reason: Reason, guards: Guard[] | undefined): void => {
    if (guards && enabled.has(reason)) out.push({ reason, guards });
  };
  add(
    'SnapStart',
    configured(getOwn(props, 'SnapStart'), (v) => getOwn(v, 'ApplyOn') !== 'None' && getOwn(v, 'ApplyOn') !== undefined),
  );
  add(
    'Durable',
    configured(getOwn(props, 'DurableConfig'), () => true),
  );
  add(
    MI_REASON,
    configured(getOwn(props, 'CapacityProviderConfig'), () => true),
  );
  const mi = out.find((r) => r.reason === MI_REASON);
  const publish = getOwn(props, 'PublishToLatestPublished');
  if (mi && (publish === false || publish === 'false')) mi.noLatestPublished = true;
  return out;
}

/**
 * Guards under which a configuration value is in effect, or undefined when it never is.
 * `Fn::If [C, {...}, {Ref: AWS::NoValue}]` is in effect when C holds; a value the macro cannot read
 * (another intrinsic) counts as in effect, as provisioned concurrency always has.
 */
export function configured(value: Json | undefined, on: (v: JsonObject) => boolean, depth = 0): Guard[] | undefined {
  if (value === undefined || value === null || refName(value) === NO_VALUE) return undefined;
  if (intrinsicName(value) === IF && depth < 10) {
    const arg = (value as Record<string, Json>)[IF];
    if (isArray(arg) && arg.length === 3 && isString(arg[0])) {
      const yes = configured(arg[1], on, depth + 1);
      const no = configured(arg[2], on, depth + 1);
      if (yes && !no) return [{ condition: arg[0], negate: false }, ...yes];
      if (!yes && no) return [{ condition: arg[0], negate: true }, ...no];
      if (!yes && !no) return undefined;
      return [];
    }
  }
  if (isObject(value) && intrinsicName(value) === undefined && !on(value)) return undefined;
  return [];
}

/**
 * Parses the Reasons parameter: names to turn on, `-Name` to turn off. Without any name to turn on,
 * every reason is on; the sticky reasons (whose unqualified call fails or bypasses) stay on unless
 * turned off by name. Returns the set, or the problems.
 */
export function parseReasons(items: readonly string[]): { enabled: Set<Reason> } | { problems: string[] } {
  const problems: string[] = [];
  const on = new Set<Reason>();
  const off = new Set<Reason>();
  for (const raw of items) {
    const negated = raw.startsWith('-');
    const name = negated ? raw.slice(1) : raw;
    const reason = REASONS.find((r) => r.toLowerCase() === name.toLowerCase());
    if (!reason) {
      problems.push(`Reasons names ${jsonText(raw)}, which is not one of ${REASONS.join(', ')} (a leading '-' turns one off)`);
      continue;
    }
    (negated ? off : on).add(reason);
  }
  if (problems.length) return { problems };
  for (const r of on) if (off.has(r)) problems.push(`Reasons both turns ${r} on and off`);
  if (problems.length) return { problems };
  const enabled = new Set<Reason>(on.size === 0 ? REASONS : [...on, ...REASONS.filter((r) => REASON_INFO[r].sticky)]);
  for (const r of off) enabled.delete(r);
  return { enabled };
}
