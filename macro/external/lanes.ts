/**
 * ResolveExternal's lanes: which of a template's external functions the macro may look up, and with
 * which Region's Lambda client. Pure (no SDK), so that the rules are tested without one; resolve.ts
 * applies the plan. docs/security.md states the rules and why:
 *
 * - Partition: only ARNs of the event's own partition. The macro's role and its credentials belong to
 *   one partition; an ARN of another names a function the macro cannot read, and asking would send a
 *   request to another partition's endpoint.
 * - Region: an ARN of another Region of the same partition is looked up with that Region's client (the
 *   Lambda API is regional: the event Region's endpoint answers ResourceNotFoundException for it). Its
 *   Region must read as a Region name of that partition; anything else is not looked up.
 * - Account: the event's own account, and the accounts the Transform parameter ExternalAccounts names.
 *   An ARN of any other account is not looked up, so no grant to another account's alias comes from a
 *   lookup the template author did not ask for by name.
 * - A cap: at most `maxLookups` functions per template (in ARN order); the rest are not looked up and
 *   each says so (a warning in the report, a failure in Mode strict).
 */
import { partitionOf as partitionOfRegion } from '../cfn/arn';
import type { ExternalLookup } from '../types';

/** Functions looked up per template, at most (each costs at least one Lambda API call). */
export const DEFAULT_MAX_LOOKUPS = 50;

export interface LaneSettings {
  /** The event's Region and account (where the stack is deployed). */
  region: string | undefined;
  accountId: string | undefined;
  /** Accounts besides the event's own (the Transform parameter ExternalAccounts). */
  externalAccounts?: readonly string[];
  /** At most this many functions are looked up (default DEFAULT_MAX_LOOKUPS). */
  maxLookups?: number;
}

export interface LookupPlan {
  /** The functions to look up, in ARN order, each with the Region whose client asks. */
  lookups: { arn: string; region: string }[];
  /** The functions not looked up, each with the reason (an `error` outcome). */
  skipped: Record<string, ExternalLookup>;
  /** How many functions in the lanes the cap left out (0: the cap was not reached). */
  capped: number;
  /** How many functions were in the lanes before the cap. */
  inLanes: number;
}

/** The partition of a Region: the core's one region-to-partition table (cfn/arn.ts). */
const partitionOf = (region: string): string | undefined => partitionOfRegion(region)?.partition;

/** A Region name: `us-east-1`, `cn-northwest-1`, `us-gov-west-1`, `us-isob-east-1`, `ap-southeast-5`. */
const REGION = /^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/;
/** An unqualified function ARN, as the core reports external functions. */
const FUNCTION_ARN = /^arn:([a-z][a-z-]*):lambda:([^:]*):([^:]*):function:([A-Za-z0-9_-]{1,140})$/;

export function planLookups(arns: readonly string[], lanes: LaneSettings): LookupPlan {
  const skipped: Record<string, ExternalLookup> = {};
  const inLane: { arn: string; region: string }[] = [];
  const own = lanes.region === undefined ? undefined : partitionOf(lanes.region);
  const accounts = new Set([lanes.accountId, ...(lanes.externalAccounts ?? [])].filter((a): a is string => a !== undefined));
  const skip = (arn: string, why: string): void => {
    skipped[arn] = { status: 'error', message: `not looked up: ${why}` };
  };
  for (const arn of [...new Set(arns)].sort()) {
    const m = FUNCTION_ARN.exec(arn);
    if (!m) {
      skip(arn, 'it is not an unqualified Lambda function ARN');
      continue;
    }
    const [, partition, region, account] = m;
    if (own === undefined) skip(arn, 'the macro event names no Region, so the partition of this stack is unknown');
    else if (partition !== own) skip(arn, `its partition (${partition}) is not this stack's (${own}); the macro looks up functions of its own partition only`);
    else if (!REGION.test(region) || partitionOf(region) !== own) skip(arn, `'${region}' is not a Region of this stack's partition (${own})`);
    else if (!accounts.has(account)) {
      skip(
        arn,
        `account ${account} is not this stack's; the macro looks up functions of another account only when the Transform parameter ExternalAccounts names it`,
      );
    } else inLane.push({ arn, region });
  }
  const max = Math.max(0, lanes.maxLookups ?? DEFAULT_MAX_LOOKUPS);
  const lookups = inLane.slice(0, max);
  for (const { arn } of inLane.slice(max)) {
    skip(
      arn,
      `the template names ${inLane.length} functions outside it to look up, and the macro looks up at most ${max} per template (the first ${max} in ARN order)`,
    );
  }
  return { lookups, skipped, capped: inLane.length - lookups.length, inLanes: inLane.length };
}
