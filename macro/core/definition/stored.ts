/**
 * Definitions that live outside the template: SAM's `DefinitionUri` (an `s3://` URI, a
 * `{Bucket, Key, Version}` map, or a path relative to the template before `sam package`) and
 * `DefinitionS3Location {Bucket, Key, Version}` (SAM's output, `aws cloudformation package`,
 * CDK's `DefinitionBody.fromFile`).
 *
 * Pure: this module says where each such definition is. The edges read it (the Lambda from S3,
 * the CLI from local files and CDK asset manifests) and hand the text to the core as
 * `options.definitions`, keyed by the state machine's logical ID.
 */
import { tokenizeSub } from '../../cfn/sub';
import { partitionOf } from '../../cfn/arn';
import { getOwn, hasOwn, isObject, jsonText, isString } from '../../cfn/json';
import { ReadError, TransformError } from '../../errors';
import { readTemplate, selected, stateMachines, type TemplateIndex } from '../template/read';
import type { DefinitionLocation, Json, StoredProperty, StoredRef, TransformOptions } from '../../types';
import { intrinsicName, shapeOf, SUB } from '../../cfn/intrinsics';

export const STORED_PROPERTIES: readonly StoredProperty[] = ['DefinitionUri', 'DefinitionS3Location'];
export type { DefinitionLocation, StoredProperty, StoredRef };

export interface Pseudo {
  region?: string;
  accountId?: string;
}

/** Where the definition of this state machine's properties is stored; undefined when it is inline. */
export function storedRef(stateMachine: string, props: Record<string, Json>, pseudo: Pseudo): StoredRef | undefined {
  const property = STORED_PROPERTIES.find((p) => hasOwn(props, p));
  if (!property) return undefined;
  const templatePath = `Resources/${stateMachine}/Properties/${property}`;
  const value = props[property];
  const ref = { stateMachine, property, templatePath };
  try {
    if (property === 'DefinitionUri' && isString(value)) {
      if (!value.startsWith('s3://')) return { ...ref, location: { kind: 'file', path: value } };
      return { ...ref, location: parseS3Uri(value) };
    }
    if (!isObject(value) || intrinsicName(value) !== undefined) {
      throw new ReadError(
        `${property} must be ${property === 'DefinitionUri' ? 'an s3:// URI, a local path, or ' : ''}a map {Bucket, Key, Version}, got ${shapeOf(value)}`,
      );
    }
    const bucket = text(getOwn(value, 'Bucket'), 'Bucket', pseudo);
    const key = text(getOwn(value, 'Key'), 'Key', pseudo);
    const version = getOwn(value, 'Version');
    if (key.value === undefined) throw new ReadError(`its Key ${key.text} needs the deployment's region and account`);
    const location: DefinitionLocation = { kind: 's3', bucket: bucket.value, bucketText: bucket.text, key: key.value };
    if (version !== undefined) location.version = text(version, 'Version', pseudo).value;
    return { ...ref, location };
  } catch (e) {
    if (!(e instanceof ReadError)) throw e;
    return { ...ref, problem: e.message };
  }
}

/** `s3://bucket/key` with an optional `?versionId=` (as SAM reads DefinitionUri). */
export function parseS3Uri(uri: string): DefinitionLocation {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new ReadError(`${jsonText(uri)} is not an s3://bucket/key URI`);
  let key = m[2];
  let version: string | undefined;
  const q = key.indexOf('?');
  if (q >= 0) {
    const query = new URLSearchParams(key.slice(q + 1));
    key = key.slice(0, q);
    version = query.get('versionId') ?? undefined;
  }
  return { kind: 's3', bucket: m[1], bucketText: m[1], key, ...(version ? { version } : {}) };
}

/** A literal, or an `Fn::Sub` of pseudo parameters only (CDK's asset bucket), resolved where it can be. */
function text(v: Json | undefined, field: string, pseudo: Pseudo): { value: string | undefined; text: string } {
  if (isString(v)) return { value: v, text: v };
  if (typeof v === 'number') return { value: String(v), text: String(v) };
  const sub = isObject(v) && intrinsicName(v) === SUB ? v[SUB] : undefined;
  if (!isString(sub))
    throw new ReadError(`its ${field} is ${v === undefined ? 'missing' : `${shapeOf(v)}, not a literal`}, so the macro cannot tell which object it is`);
  const region = pseudo.region;
  const partition = partitionOf(region);
  const values: Record<string, string | undefined> = {
    'AWS::Region': region,
    'AWS::AccountId': pseudo.accountId,
    'AWS::Partition': partition?.partition,
    'AWS::URLSuffix': partition?.urlSuffix,
  };
  let out = '';
  let known = true;
  for (const t of tokenizeSub(sub)) {
    if (t.kind === 'text' || t.kind === 'escape') out += t.text;
    else if (t.kind === 'ref' && t.name in values) {
      const x = values[t.name];
      if (x === undefined) known = false;
      else out += x;
    } else
      throw new ReadError(
        `its ${field} ${jsonText(sub)} refers to ${t.kind === 'ref' ? t.name : 'a resource attribute'}, so the macro cannot tell which object it is`,
      );
  }
  return { value: known ? out : undefined, text: sub };
}

/** How the report names a location: `s3://bucket/key`, with the version when one is pinned. */
export function describeLocation(l: DefinitionLocation): string {
  if (l.kind === 'file') return l.path;
  return `s3://${l.bucket ?? l.bucketText}/${l.key}${l.version ? ` (version ${l.version})` : ''}`;
}

/** How the report names an object that was read: its version when S3 gave one, else its ETag. */
export function describeObject(l: Extract<DefinitionLocation, { kind: 's3' }>, versionId?: string, etag?: string): string {
  const version = l.version ?? versionId;
  const base = `s3://${l.bucket}/${l.key}`;
  if (version && version !== 'null') return `${base} (version ${version})`;
  return etag ? `${base} (ETag ${etag})` : base;
}

/**
 * Every stored definition of the state machines the run will process (StateMachines / Exclude
 * applied), so that the edge reads no more than it needs. A template the core cannot read gives
 * none: the run itself reports the problem.
 */
export function storedRefs(fragment: unknown, options: Pick<TransformOptions, 'region' | 'accountId' | 'stateMachines' | 'exclude'>): StoredRef[] {
  let index: TemplateIndex;
  try {
    index = readTemplate(fragment, options.region, options.accountId);
  } catch (e) {
    if (e instanceof TransformError) return [];
    throw e;
  }
  const out: StoredRef[] = [];
  for (const r of stateMachines(index)) {
    if (!selected(r.id, options)) continue;
    const ref = storedRef(r.id, r.properties, options);
    if (ref) out.push(ref);
  }
  return out;
}
