/**
 * CloudFormation Conditions over a template's values: one combination of truth values, the value
 * it selects through Fn::If, and the conditions a value depends on.
 */
import { getOwn, isObject, isArray, keysOf, isString } from '../../cfn/json';
import { intrinsicName, IF, NO_VALUE } from '../../cfn/intrinsics';
import type { Assignment } from '../../cfn/conditions';
import type { Json, JsonObject } from '../../types';

export type { Assignment };

/**
 * The value with Fn::If resolved (at any depth) and AWS::NoValue dropped from lists and maps; undefined when it is NoValue.
 * Read-only: a list or map with nothing to resolve inside is returned as it is, not copied.
 */
export function resolve(value: Json | undefined, a: Assignment, depth = 0): Json | undefined {
  // Scalars are as they are; a map's intrinsic is named once (naming it lists the map's keys, and every
  // statement's Action and Resource are resolved for every target and combination).
  if (value === undefined || depth > 64 || typeof value !== 'object' || value === null) return value;
  if (isArray(value)) {
    let out: Json[] | undefined;
    for (let k = 0; k < value.length; k++) {
      const r = resolve(value[k], a, depth + 1);
      if (out === undefined && r !== value[k]) out = value.slice(0, k);
      if (out !== undefined && r !== undefined) out.push(r);
    }
    return out ?? value;
  }
  const name = intrinsicName(value);
  if (name === 'Ref') return value.Ref === NO_VALUE ? undefined : value;
  if (name === IF) {
    const arg = value[IF];
    return isArray(arg) && arg.length === 3 && isString(arg[0]) ? resolve(arg[a.get(arg[0]) === false ? 2 : 1], a, depth + 1) : value;
  }
  if (name === undefined) {
    const keys = keysOf(value);
    let out: JsonObject | undefined;
    for (let k = 0; k < keys.length; k++) {
      const r = resolve(value[keys[k]], a, depth + 1);
      if (out === undefined && r !== value[keys[k]]) {
        out = {};
        for (let j = 0; j < k; j++) define(out, keys[j], value[keys[j]]);
      }
      if (out !== undefined && r !== undefined) define(out, keys[k], r);
    }
    return out ?? value;
  }
  return value;
}

/** Sets an own key (even `__proto__`) as JSON.parse would. */
function define(out: JsonObject, key: string, value: Json): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Every condition named by a `Condition` key or an Fn::If in a value, added to `out` (a new set when the value
 * names one: most name none). A map's keys are read in place (for…in lists a JSON object's own keys, in
 * Object.keys's order), not listed: it walks every role of the template.
 */
export function collectConditions(value: Json | undefined, out?: Set<string>): Set<string> | undefined {
  const stack = [value];
  while (stack.length) {
    const v = stack.pop();
    if (isArray(v)) for (let i = 0; i < v.length; i++) stack.push(v[i]);
    else if (isObject(v)) {
      let n = 0;
      for (const k in v) {
        n++;
        const x = v[k];
        // A resource's Condition (a string); an IAM statement's Condition is a map.
        if (k === 'Condition' && isString(x)) {
          out ??= new Set();
          out.add(x);
        } else stack.push(x);
      }
      // An Fn::If is the one key `Fn::If` (as intrinsicName reads it).
      const arg = n === 1 ? getOwn(v, IF) : undefined;
      if (isArray(arg) && isString(arg[0])) {
        out ??= new Set();
        out.add(arg[0]);
      }
    }
  }
  return out;
}
