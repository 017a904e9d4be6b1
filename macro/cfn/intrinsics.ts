/**
 * CloudFormation's intrinsic functions, recognised: the one home of `Ref`, `Fn::GetAtt` and
 * `Fn::If` as the macro reads them (SAM's `samtranslator/model/intrinsics.py` plays this part).
 * `Fn::Sub` has its own tokenizer in `sub.ts`; a value read as text and intrinsics is in `parts.ts`.
 */
import { isObject, kindOf, isArray, isString } from './json';
import { splitGetAttString } from './sub';
import type { Json } from '../types';

/** Names the core writes in many places (each once in the bundle). */
export const IF = 'Fn::If';
export const GET_ATT = 'Fn::GetAtt';
export const JOIN = 'Fn::Join';
export const SUB = 'Fn::Sub';
export const NO_VALUE = 'AWS::NoValue';

/**
 * Single-key object whose key is an intrinsic function or `Ref`/`Condition`. Its keys are read with
 * `for…in`, which stops at the second and allocates nothing (the core asks this of most objects it reads).
 */
export function intrinsicName(v: unknown): string | undefined {
  let only: string | undefined;
  if (isObject(v)) {
    for (const k in v) {
      if (only !== undefined) return undefined;
      only = k;
    }
  }
  return intrinsicKey(only);
}

/** `intrinsicName` of an object whose `Object.keys` are `keys` (for a reader that needs them anyway). */
export function intrinsicNameOfKeys(keys: readonly string[]): string | undefined {
  return keys.length === 1 ? intrinsicKey(keys[0]) : undefined;
}

/** The key when it names an intrinsic function or `Ref`/`Condition`. */
const intrinsicKey = (k: string | undefined): string | undefined => (k === 'Ref' || k === 'Condition' || k?.startsWith('Fn::') ? k : undefined);

/**
 * An exact, self-delimiting key of a `Ref` or `Fn::GetAtt` as written (list or `A.B` form), cheap to
 * build; undefined for any other value. For memo keys: equal keys, equal values.
 */
export function referenceKey(v: unknown): string | undefined {
  const fn = intrinsicName(v);
  if (fn === undefined) return undefined;
  const arg = (v as Record<string, unknown>)[fn];
  if (fn === 'Ref') return isString(arg) ? `R${arg.length}:${arg}` : undefined;
  if (fn !== GET_ATT) return undefined;
  if (isString(arg)) return `A${arg.length}:${arg}`;
  return isArray(arg) && arg.length === 2 && isString(arg[0]) && isString(arg[1]) ? `G${arg[0].length}:${arg[0]}${arg[1].length}:${arg[1]}` : undefined;
}

/** How a message names a value: `an Fn::X` for an intrinsic, else its kind (see `kindOf`). */
export function shapeOf(v: unknown): string {
  const fn = intrinsicName(v);
  return fn ? `an ${fn}` : kindOf(v);
}

/** The name a `Ref` refers to, when it is a string. */
export function refName(value: Json | undefined): string | undefined {
  if (intrinsicName(value) !== 'Ref') return undefined;
  const r = (value as { Ref: Json }).Ref;
  return isString(r) ? r : undefined;
}

/** `[resource, attribute]` of a GetAtt in either form. */
export function getAttPair(value: Json | undefined): [string, string] | undefined {
  if (intrinsicName(value) !== GET_ATT) return undefined;
  const arg = (value as Record<string, Json>)[GET_ATT];
  if (isString(arg)) return splitGetAttString(arg);
  if (isArray(arg) && arg.length === 2 && isString(arg[0]) && isString(arg[1])) {
    return [arg[0], arg[1]];
  }
  return undefined;
}

/**
 * The three arguments of an `Fn::If` (`[condition, value if true, value if false]`), or undefined
 * when `value` is not an `Fn::If` of three arguments. The condition is as written: callers that
 * need its name check that it is a string.
 */
export function ifArgs(value: unknown): [condition: Json, yes: Json, no: Json] | undefined {
  if (intrinsicName(value) !== 'Fn::If') return undefined;
  const arg = (value as { 'Fn::If': Json })['Fn::If'];
  return isArray(arg) && arg.length === 3 ? [arg[0], arg[1], arg[2]] : undefined;
}
