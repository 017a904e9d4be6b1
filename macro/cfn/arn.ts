/**
 * Lambda ARNs: the one region-to-partition table (as SAM's `translator/arn_generator.py`), and the
 * forms of a function's ARN the macro reads and writes. Reading an ARN built of text and
 * intrinsics (pseudo parameters, a `Ref` for the name) is `references.ts:arnShape`, which uses
 * `lambdaArn` to name the function it finds.
 */
import type { Json } from '../types';

/** Region prefix → partition and URL suffix; every other region is in `aws`. */
const PARTITIONS: readonly (readonly [prefix: string, partition: string, urlSuffix: string])[] = [
  ['cn-', 'aws-cn', 'amazonaws.com.cn'],
  ['us-gov-', 'aws-us-gov', 'amazonaws.com'],
  ['us-iso-', 'aws-iso', 'c2s.ic.gov'],
  ['us-isob-', 'aws-iso-b', 'sc2s.sgov.gov'],
];
const DEFAULT_PARTITION = ['', 'aws', 'amazonaws.com'] as const;

/** The partition and URL suffix of a region (`AWS::Partition`, `AWS::URLSuffix`); undefined when the region is not known. */
export function partitionOf(region: string | undefined): { partition: string; urlSuffix: string } | undefined {
  if (!region) return undefined;
  const [, partition, urlSuffix] = PARTITIONS.find(([prefix]) => region.startsWith(prefix)) ?? DEFAULT_PARTITION;
  return { partition, urlSuffix };
}

/** The function name in a literal `arn:P:lambda:R:A:function:NAME`, `A:function:NAME` or `NAME` (no qualifier). */
export function functionNameOf(text: string): string | undefined {
  const m = /^(?:arn:[^:]+:lambda:[^:]*:[^:]*:function:|\d{12}:function:)?([^:]+)$/.exec(text);
  return m ? m[1] : undefined;
}

/** `arn:P:lambda:R:A:function:NAME[:QUALIFIER]`. */
export function lambdaArn(partition: string, region: string, account: string, name: string, qualifier?: string): string {
  return `arn:${partition}:lambda:${region}:${account}:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
}

/** A function's ARN with the deployment's pseudo parameters: an Fn::Sub that refers to no resource. */
export function lambdaArnSub(name: string, qualifier?: string): Json {
  return { 'Fn::Sub': lambdaArn('${AWS::Partition}', '${AWS::Region}', '${AWS::AccountId}', name, qualifier) };
}
