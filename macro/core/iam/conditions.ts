/**
 * CloudFormation Conditions over a template's values: one combination of truth values, the value
 * it selects through Fn::If, and the conditions a value depends on.
 */
import { isObject } from '../../cfn/json';
import { intrinsicName, refName } from '../../cfn/intrinsics';
import type { Json, JsonObject } from '../../types';

/** A truth value for each condition name. */
export type Assignment = ReadonlyMap<string, boolean>;

/** The value with Fn::If resolved (at any depth) and AWS::NoValue dropped from lists and maps; undefined when it is NoValue. */
export function resolve(value: Json | undefined, a: Assignment, depth = 0): Json | undefined {
  if (value === undefined || depth > 64) return value;
  if (refName(value) === 'AWS::NoValue') return undefined;
  const arg = intrinsicName(value) === 'Fn::If' ? (value as { 'Fn::If': Json })['Fn::If'] : undefined;
  if (Array.isArray(arg) && arg.length === 3 && typeof arg[0] === 'string') return resolve(arg[a.get(arg[0]) === false ? 2 : 1], a, depth + 1);
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const v of value) {
      const r = resolve(v, a, depth + 1);
      if (r !== undefined) out.push(r);
    }
    return out;
  }
  if (isObject(value) && intrinsicName(value) === undefined) {
    const out: JsonObject = {};
    for (const k of Object.keys(value)) {
      const r = resolve(value[k], a, depth + 1);
      if (r !== undefined) Object.defineProperty(out, k, { value: r, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** Every condition named by a `Condition` key or an Fn::If in a value. */
export function collectConditions(value: Json | undefined, out: Set<string>): void {
  const stack: (Json | undefined)[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (isObject(v)) {
      const arg = intrinsicName(v) === 'Fn::If' ? v['Fn::If'] : undefined;
      if (Array.isArray(arg) && typeof arg[0] === 'string') out.add(arg[0]);
      for (const k of Object.keys(v)) {
        // A resource's Condition (a string); an IAM statement's Condition is a map.
        if (k === 'Condition' && typeof v[k] === 'string') out.add(v[k] as string);
        else stack.push(v[k]);
      }
    }
  }
}
