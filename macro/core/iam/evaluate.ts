/**
 * May a principal invoke a target? AWS's policy evaluation logic for one request
 * (`lambda:InvokeFunction` on one ARN), over the policies principal.ts gathers, in one combination
 * of the template's Conditions.
 *
 * AWS's documented order (IAM User Guide, "Policy evaluation logic" and "Policy evaluation for
 * requests within a single account"): an explicit Deny in any policy (identity or boundary) wins;
 * otherwise an identity-based Allow is needed; with a permissions boundary, the boundary must
 * allow the request too (effective permissions are the intersection). `NotAction` matches every
 * action but those listed, `NotResource` every resource but those listed ("IAM JSON policy
 * elements: NotResource"); action names match without regard to case, ARNs with it; `*` and `?`
 * are wildcards in both.
 *
 * The macro knows a template before deployment, so some things stay unknown, and an unknown is
 * never counted in the request's favour:
 * - a statement with a `Condition` (aws:SourceArn, tags…) is not an Allow that counts, and a Deny
 *   with one may apply;
 * - a Resource the macro cannot render (a parameter, an import) is not an Allow that counts, and
 *   may match in a Deny;
 * - a target whose function name is known only at deploy time (no literal FunctionName) may be
 *   matched by a Deny pattern with wildcards in the name.
 */
import { getOwn, isObject, isArray, keysOf, isString } from '../../cfn/json';
import type { Json, JsonObject } from '../../types';
import { resolve, type Assignment } from './conditions';
import { type Policies, type Statement, NOT_RESOURCE, RESOURCE } from './types';
import { wildcard } from './render';
import { IF } from '../../cfn/intrinsics';

export const INVOKE = 'lambda:InvokeFunction';

/** A statement that allows invoking `Resource`. */
export const allowInvoke = (Resource: Json): JsonObject => ({ Effect: 'Allow', Action: INVOKE, Resource });

/** true, false, or unknown (the macro cannot tell before deployment). */
export type Tri = boolean | 'unknown';
/** The Tri of what cannot be told before deployment. */
const UNKNOWN = 'unknown';

export type Verdict =
  | { kind: 'allowed' }
  /** The principal does not exist in this combination: nothing to allow. */
  | { kind: 'absent' }
  /** An explicit Deny applies (`certain`) or may apply (a Condition, an unreadable Resource). */
  | { kind: 'denied'; statement: Statement; certain: boolean; why: string; inBoundary: boolean }
  /** No identity-based Allow: the request is implicitly denied. */
  | { kind: 'no-allow' }
  /** The permissions boundary does not allow it (or is outside the template, and so unknown). */
  | { kind: 'boundary'; label: string; external: boolean };

/** Renders an ARN expression as text (see render.ts), undefined when it cannot be known. */
export type Render = (value: Json) => string | undefined;

/** Characters render.ts uses for what is known only at deploy time: a function's name, an alias's name. */
const DEPLOY_TIME_NAME = /[\u0002\u0003]/;
/** Every stand-in character of render.ts (deployment values and names known only at deploy time). */
const STAND_INS = /[\u0001-\u0003]/g;

/** Does a Resource (or NotResource) pattern match the target ARN? */
export function resourceMatches(pattern: Json, target: string, render: Render): Tri {
  return matchesText(render(pattern), target, DEPLOY_TIME_NAME.test(target));
}

/** resourceMatches of a pattern rendered (undefined: it cannot be known), told whether the target has a name known only at deploy time. */
function matchesText(text: string | undefined, target: string, deployTimeName: boolean): Tri {
  if (text === undefined) return UNKNOWN;
  if (wildcard(text, target)) return true;
  // A name known only at deploy time may match a pattern with wildcards in the function part.
  if (deployTimeName && !DEPLOY_TIME_NAME.test(text)) {
    const fnPart = /:function:(.*)$/.exec(text)?.[1];
    if (fnPart !== undefined && /[*?]/.test(fnPart)) return UNKNOWN;
  }
  return false;
}

/** Does an Action (or NotAction) pattern match the action? Case-insensitive. */
export function actionMatches(pattern: Json, action: string): Tri {
  return lowerActionMatches(pattern, action.toLowerCase());
}

const not = (v: Tri): Tri => (v === UNKNOWN ? v : !v);
const and = (x: Tri, y: Tri): Tri => (x === false || y === false ? false : x === true && y === true ? true : UNKNOWN);
/** A value that is one item or a list, as a list (none for undefined). */
export const asList = (v: Json | undefined): Json[] => (v === undefined ? [] : isArray(v) ? v : [v]);

/**
 * Whether an Action (or NotAction) value, one pattern or a list, matches the action (lower-cased): the first
 * true, else 'unknown' when one is, else false. Written out, not as a search with a callback: it runs for every
 * statement, target and combination.
 */
function anyActionOf(value: Json | undefined, lowerAction: string): Tri {
  if (!isArray(value)) return value === undefined ? false : lowerActionMatches(value, lowerAction);
  let result: Tri = false;
  for (const x of value) {
    const r = lowerActionMatches(x, lowerAction);
    if (r === true) return true;
    if (r === UNKNOWN) result = UNKNOWN;
  }
  return result;
}

/** actionMatches with the action already lower-cased. */
function lowerActionMatches(pattern: Json, lowerAction: string): Tri {
  if (!isString(pattern)) return UNKNOWN;
  return wildcard(pattern.toLowerCase(), lowerAction);
}

/** Does a statement apply to the request (ignoring its Effect)? With why, for messages. */
export function applies(s: Statement, action: string, target: string, render: Render, a: Assignment): { applies: Tri; why: string } {
  const r = appliesTo(s, action, target, render, a);
  if (r === undefined) return { applies: false, why: 'it has no Action or no Resource' };
  const why: string[] = [];
  if (r.byResource === UNKNOWN) why.push(`its ${r.resourceKey} has a value the macro cannot read before deployment`);
  if (r.conditional) why.push('it has a Condition the macro cannot evaluate before deployment');
  const how =
    r.resourceKey === NOT_RESOURCE
      ? `${action} on every resource but those in its NotResource`
      : `${r.actionKey === 'NotAction' ? 'every action but those in its NotAction' : action} on ${target.replace(STAND_INS, '')}`;
  return { applies: r.applies, why: why.length ? why.join('; ') : `it matches ${how}` };
}

/** Whether a statement applies, and what decided it (undefined: it has no Action or no Resource); `applies` words it. */
function appliesTo(
  s: Statement,
  action: string,
  target: string,
  render: Render,
  a: Assignment,
): { applies: Tri; actionKey: string; resourceKey: string; byResource: Tri; conditional: boolean } | undefined {
  const p = prepare(s, action, render, a);
  const { actionKey, resourceKey, byAction } = p;
  if (!actionKey || !resourceKey) return undefined;
  // The first pattern that matches, else unknown when one may, else none (as anyActionOf).
  const deployTimeName = DEPLOY_TIME_NAME.test(target);
  let anyResource: Tri = false;
  const { resources, texts } = p;
  for (let k = 0; k < resources.length; k++) {
    // Rendered when first needed (as the patterns before it did not match), then kept.
    if (k === texts.length) texts.push(render(resources[k]));
    const r = matchesText(texts[k], target, deployTimeName);
    if (r === true) {
      anyResource = true;
      break;
    }
    if (r === UNKNOWN) anyResource = UNKNOWN;
  }
  const byResource = resourceKey === RESOURCE ? anyResource : not(anyResource);
  let result = and(byAction, byResource);
  const conditional = result !== false && p.conditional;
  if (conditional) result = UNKNOWN;
  return { applies: result, actionKey, resourceKey, byResource, conditional };
}

/** What appliesTo reads of a statement whatever the target: for one combination, action and renderer. */
interface Prepared {
  a: Assignment;
  action: string;
  render: Render;
  actionKey?: string;
  resourceKey?: string;
  byAction: Tri;
  /**
   * Its Resource (or NotResource) patterns, and the first of them rendered. None when its actions do not match: then
   * it does not apply, whatever its resources (most statements of a role are about other services).
   */
  resources: Json[];
  texts: (string | undefined)[];
  conditional: boolean;
}

/**
 * A statement prepared, kept in it: a statement is evaluated for many targets (every target of a state machine, in
 * each combination), and its value does not change while it is evaluated (see Statement). In the statement, not in a
 * WeakMap: most statements are new in every run, and a WeakMap entry costs more than the object.
 */
function prepare(s: Statement, action: string, render: Render, a: Assignment): Prepared {
  const known = s.prepared as Prepared | undefined;
  if (known !== undefined && known.a === a && known.action === action && known.render === render) return known;
  const v = s.value;
  const actionKey = getOwn(v, 'Action') !== undefined ? 'Action' : getOwn(v, 'NotAction') !== undefined ? 'NotAction' : undefined;
  const resourceKey = getOwn(v, RESOURCE) !== undefined ? RESOURCE : getOwn(v, NOT_RESOURCE) !== undefined ? NOT_RESOURCE : undefined;
  let byAction: Tri = false;
  let resources: Json[] = [];
  if (actionKey && resourceKey) {
    const anyAction = anyActionOf(resolve(getOwn(v, actionKey), a), action.toLowerCase());
    byAction = actionKey === 'Action' ? anyAction : not(anyAction);
    if (byAction !== false) resources = asList(resolve(getOwn(v, resourceKey), a));
  }
  const p: Prepared = { a, action, render, actionKey, resourceKey, byAction, resources, texts: [], conditional: getOwn(v, 'Condition') !== undefined };
  s.prepared = p;
  return p;
}

const NONE: readonly Statement[] = [];

/** AWS's decision for `action` on `target` by a principal with these policies. */
export function evaluate(p: Policies, action: string, target: string, render: Render, a: Assignment): Verdict {
  if (!p.exists) return { kind: 'absent' };
  // 1. An explicit Deny anywhere wins (identity policies and the boundary alike).
  // The identity statements, then the boundary's, read in place (no list of both is built per target).
  let maybe: Verdict | undefined;
  const identity = p.identity;
  const boundary = p.boundary?.statements ?? NONE;
  for (let k = 0; k < identity.length + boundary.length; k++) {
    const inBoundary = k >= identity.length;
    const s = inBoundary ? boundary[k - identity.length] : identity[k];
    if (getOwn(s.value, 'Effect') !== 'Deny') continue;
    const r = applies(s, action, target, render, a);
    if (r.applies === true) return { kind: 'denied', statement: s, certain: true, why: r.why, inBoundary };
    if (r.applies === UNKNOWN) maybe ??= { kind: 'denied', statement: s, certain: false, why: r.why, inBoundary };
  }
  if (maybe) return maybe;
  // 2. An identity-based Allow is needed (an unknown one does not count).
  const allowedBy = (statements: Statement[]): boolean =>
    statements.some((s) => getOwn(s.value, 'Effect') === 'Allow' && appliesTo(s, action, target, render, a)?.applies === true);
  if (!allowedBy(p.identity)) return { kind: 'no-allow' };
  // 3. The permissions boundary must allow it too.
  if (p.boundary && (p.boundary.external || !allowedBy(p.boundary.statements)))
    return { kind: 'boundary', label: p.boundary.label, external: p.boundary.external };
  return { kind: 'allowed' };
}

/** The leaves of an Fn::If tree (every value it may take). */
export function leaves(value: Json, depth = 0): Json[] {
  const arg = depth < 20 && isObject(value) ? getOwn(value, IF) : undefined;
  if (isArray(arg) && arg.length === 3) return [...leaves(arg[1], depth + 1), ...leaves(arg[2], depth + 1)];
  return [value];
}

/**
 * What of a policy resource may apply to `action`: the Resource values (every Fn::If branch) of its
 * statements whose actions may match, or `any` when one of them has no Resource (a NotResource);
 * empty when none may. Independent of the target, so it is computed once per policy.
 */
export function invokeResources(policy: Json, action: string): Json[] | 'any' {
  const out: Json[] = [];
  const stack: Json[] = [policy];
  while (stack.length) {
    const v = stack.pop();
    if (isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    if (!isObject(v)) continue;
    if (getOwn(v, 'Effect') !== undefined) {
      const actions = getOwn(v, 'Action');
      if (
        actions !== undefined &&
        !asList(actions)
          .flatMap((x) => leaves(x))
          .some((x) => actionMatches(x, action) !== false)
      )
        continue;
      const resources = getOwn(v, RESOURCE);
      if (resources === undefined) return 'any';
      out.push(...asList(resources).flatMap((x) => leaves(x)));
      continue;
    }
    for (const k of keysOf(v)) stack.push(v[k]);
  }
  return out;
}

/**
 * May a statement of a policy (see invokeResources) apply to one of the targets? False only when
 * none certainly can: then the policy, and the conditions it depends on, cannot change a verdict.
 */
export function mayApply(resources: Json[] | 'any', targets: (string | undefined)[], render: Render): boolean {
  if (resources === 'any') return true;
  if (resources.length === 0) return false;
  if (!targets.every((t): t is string => t !== undefined)) return true;
  return resources.some((x) => targets.some((t) => resourceMatches(x, t, render) !== false));
}

/** Every combination of truth values of the conditions (2^n; the caller bounds n). */
export function assignments(conditions: readonly string[]): Assignment[] {
  const out: Assignment[] = [];
  const n = conditions.length;
  for (let bits = 0; bits < 2 ** n; bits++) out.push(new Map(conditions.map((c, k) => [c, (bits & (1 << k)) !== 0])));
  return out;
}

/** `Cond0 true, Cond1 false`, or `every combination` for none. */
export function describeAssignment(a: Assignment): string {
  const parts = [...a].map(([c, v]) => `${c} ${v ? 'true' : 'false'}`);
  return parts.length ? parts.join(', ') : 'every combination';
}
