/**
 * SAM as SAM reads it, and Conditions as CloudFormation evaluates them.
 *
 * `samProperties` merges the template's `Globals` section into an `AWS::Serverless::*` resource by
 * the rules of SAM's own globals plugin (samtranslator/plugins/globals/globals.py), so that a
 * function's AutoPublishAlias, ProvisionedConcurrencyConfig, DeploymentPreference, SnapStart,
 * DurableConfig or CapacityProviderConfig count wherever they are written:
 * - a property only in Globals is used as it is; a property only on the resource is kept;
 * - two maps are merged key by key, recursively; two lists are concatenated (global first);
 * - otherwise (scalars, an intrinsic function on either side, different kinds) the resource's wins;
 * - `IgnoreGlobals: '*'` ignores every global, `IgnoreGlobals: [Key, ...]` those keys.
 *
 * `exclusiveGuards` tells whether two sets of guards can never hold together, from the template's
 * Conditions as cfn/conditions.ts reads them: a condition and its negation (written as an Fn::If's other
 * branch, or as a condition of its own), two `Fn::Equals` of one parameter with different literal values
 * (`Stage = prod` and `Stage = dev`), and what Fn::And, Fn::Or and Fn::Not make of them.
 */
import { getOwn, hasOwn, isObject, isArray, keysOf } from '../../cfn/json';
import { intrinsicName } from '../../cfn/intrinsics';
import type { Guard } from './reasons';
import { SAM_FUNCTION, SAM_STATE_MACHINE, type Resource, type TemplateIndex } from '../template/read';
import type { Json, JsonObject } from '../../types';

const SECTION: Record<string, string> = {
  [SAM_FUNCTION]: 'Function',
  [SAM_STATE_MACHINE]: 'StateMachine',
};

/** The properties of a SAM resource with `Globals` merged in, as SAM's translator merges them. */
export function samProperties(index: TemplateIndex, r: Resource): JsonObject {
  const section = SECTION[r.type];
  const globals = getOwn(index.fragment, 'Globals');
  const own = section && isObject(globals) ? getOwn(globals, section) : undefined;
  if (!isObject(own)) return r.properties;
  const ignore = getOwn(r.raw, 'IgnoreGlobals');
  if (ignore === '*') return r.properties;
  let global: JsonObject = own;
  if (isArray(ignore)) {
    global = {};
    for (const k of keysOf(own)) if (!ignore.includes(k)) global[k] = own[k];
  }
  return merge(global, r.properties) as JsonObject;
}

type Token = 'primitive' | 'dict' | 'list';

function tokenOf(v: Json): Token {
  if (isArray(v)) return 'list';
  // Intrinsic functions are handled exactly like a primitive type, as SAM does.
  if (isObject(v)) return intrinsicName(v) === undefined ? 'dict' : 'primitive';
  return 'primitive';
}

function merge(global: Json, local: Json): Json {
  const g = tokenOf(global);
  const l = tokenOf(local);
  if (g !== l || g === 'primitive') return local;
  if (g === 'list') return [...(global as Json[]), ...(local as Json[])];
  const out: JsonObject = { ...(global as JsonObject) };
  for (const k of keysOf(local as JsonObject)) {
    out[k] = hasOwn(out, k) ? merge(out[k], (local as JsonObject)[k]) : (local as JsonObject)[k];
  }
  return out;
}

/** True when the two lists of guards can never all hold together (see cfn/conditions.ts). */
export function exclusiveGuards(a: readonly Guard[], b: readonly Guard[], index: TemplateIndex): boolean {
  return !index.conditions.holdTogether([...a, ...b]);
}
