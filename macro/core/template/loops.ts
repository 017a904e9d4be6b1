/**
 * `Fn::ForEach` loops in Resources (the AWS::LanguageExtensions transform): a key `Fn::ForEach::Name` whose
 * value is `[Identifier, Collection, {OutputKey: resource, …}]`, where a body may hold loops of its own.
 * CloudFormation runs the transforms in the order `Transform` lists them; before AWS::LanguageExtensions
 * runs, the resources a loop makes do not exist yet, and the macro cannot tell what they will be (the
 * collection may come from a parameter). It reads which types a loop makes, so that it can say which of
 * what it cares about it did not see.
 */
import { getOwn, isArray, isObject, keysOf, isString } from '../../cfn/json';
import type { Json } from '../../types';

export const FOR_EACH = 'Fn::ForEach::';

/** The resource types a loop's body makes, nested loops included, in template order, each once. */
export function loopTypes(value: Json, out = new Set<string>(), depth = 0): Set<string> {
  const body = isArray(value) && depth < 8 ? value[2] : undefined;
  if (!isObject(body)) return out;
  for (const key of keysOf(body)) {
    const v = body[key];
    if (key.startsWith(FOR_EACH)) loopTypes(v, out, depth + 1);
    else {
      const type = isObject(v) ? getOwn(v, 'Type') : undefined;
      if (isString(type)) out.add(type);
    }
  }
  return out;
}
