/**
 * Literal ARNs: a function, alias or SAM alias of the template written as
 * `arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:NAME[:ALIAS]` (an
 * Fn::Sub of pseudo parameters only), which refers to no resource and so adds no dependency.
 * Possible only when the function's FunctionName (and the alias's Name) are literal; a version's
 * number is known only once it is published, so a version has no literal ARN.
 */
import { getOwn, jsonText, isString } from '../../cfn/json';
import { lambdaArnSub } from '../../cfn/arn';
import { FUNCTION_NAME, type TemplateIndex } from '../template/read';
import type { WarmTargets } from './find';
import type { Json } from '../../types';
import { getAttPair, ifArgs, refName } from '../../cfn/intrinsics';

export type Literal = { ok: true; value: Json } | { ok: false; why: string };

/**
 * Lambda's function-name and alias-name patterns (the API's `FunctionName` without an ARN, and
 * `Alias.Name`): a name that goes into a literal ARN must match them, or `*`, `?` and `${...}`
 * would become wildcards or substitutions in a grant.
 */
const VALID_FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ALIAS_NAME = /^(?!\d+$)[a-zA-Z0-9_-]{1,128}$/;

export function validFunctionName(name: string): boolean {
  return VALID_FUNCTION_NAME.test(name);
}

export function validAliasName(name: string): boolean {
  return ALIAS_NAME.test(name);
}

/** The literal ARN of a function, or of an alias / SAM alias / version (`Ref id`), or why there is none. */
export function literalOf(id: string, index: TemplateIndex, targets: WarmTargets): Literal {
  const fnName = (fn: string): string | undefined => {
    const name = getOwn(index.get(fn)?.properties ?? {}, FUNCTION_NAME);
    return isString(name) ? name : undefined;
  };
  if (index.isFunction(id)) {
    const name = fnName(id);
    if (name === undefined) return { ok: false, why: `the FunctionName of ${id} is not a literal` };
    return validFunctionName(name)
      ? { ok: true, value: lambdaArnSub(name) }
      : { ok: false, why: `the FunctionName of ${id}, ${jsonText(name)}, is not a valid Lambda function name` };
  }
  const fn = targets.functionOfQualifier(id);
  if (fn === undefined) return { ok: false, why: `${id} is not a function, alias or version of this template` };
  if (targets.versions.has(id)) return { ok: false, why: `${id} is a version, whose number is known only once it is published` };
  const name = fnName(fn);
  if (name === undefined) return { ok: false, why: `the FunctionName of ${fn} is not a literal` };
  const alias = targets.aliasNameOf(id);
  if (alias === undefined) return { ok: false, why: `the ${id.endsWith('.Alias') ? `AutoPublishAlias of ${fn}` : `Name of ${id}`} is not a literal` };
  if (!validFunctionName(name)) return { ok: false, why: `the FunctionName of ${fn}, ${jsonText(name)}, is not a valid Lambda function name` };
  if (!validAliasName(alias)) return { ok: false, why: `the alias name of ${id}, ${jsonText(alias)}, is not a valid Lambda alias name` };
  return { ok: true, value: lambdaArnSub(name, alias) };
}

/**
 * `value` with its references to the resources `replace` picks (`Ref` of a function, alias or
 * version, `GetAtt X.Arn` of a function, inside Fn::If at any depth) written as literal ARNs; or
 * why that cannot be done.
 */
export function literalize(value: Json, replace: (id: string) => boolean, index: TemplateIndex, targets: WarmTargets, depth = 0): Literal {
  const ref = refName(value);
  if (ref !== undefined) return replace(ref) ? literalOf(ref, index, targets) : { ok: true, value };
  const ga = getAttPair(value);
  if (ga) {
    if (!replace(ga[0])) return { ok: true, value };
    return ga[1] === 'Arn' && index.isFunction(ga[0]) ? literalOf(ga[0], index, targets) : { ok: false, why: `${ga[0]}.${ga[1]} has no literal form` };
  }
  const arg = ifArgs(value);
  if (arg && depth < 20) {
    const yes = literalize(arg[1], replace, index, targets, depth + 1);
    if (!yes.ok) return yes;
    const no = literalize(arg[2], replace, index, targets, depth + 1);
    if (!no.ok) return no;
    return { ok: true, value: yes.value === arg[1] && no.value === arg[2] ? value : { 'Fn::If': [arg[0], yes.value, no.value] } };
  }
  return { ok: true, value };
}
