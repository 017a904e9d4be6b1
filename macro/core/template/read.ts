/**
 * Step 1 of the pipeline: read the template.
 *
 * Checks the fragment's outer shape and indexes the resources the macro cares about:
 * functions, aliases, versions, state machines, roles and policies.
 *
 * The macro claims only what it touches: a resource it cannot read (not an object, no Type, an
 * empty or non-string Type) is not a problem in itself, since CloudFormation reports it anyway.
 * It is set aside in `unreadable`, and becomes a problem only where the macro must read it: a
 * state machine's invocation or role that refers to it (see `unreadableIn`).
 */
import { ReadError, TransformError, type Problem } from '../../errors';
import { getOwn, hasOwn, isObject, kindOf, isArray, jsonText, keysOf, isString } from '../../cfn/json';
import { isHole, partsOf, type Part } from '../../cfn/parts';
import { type SubToken, tokenizeSub } from '../../cfn/sub';
import { functionNameOf, partitionOf } from '../../cfn/arn';
import { getAttPair, refName, GET_ATT, SUB } from '../../cfn/intrinsics';
import { ConditionLogic } from '../../cfn/conditions';
import type { Json, JsonObject } from '../../types';

/** Names the core writes in many places (each once in the bundle). */
export const RESOURCES = 'Resources';
export const PROPERTIES = 'Properties';
export const SAM_STATE_MACHINE = 'AWS::Serverless::StateMachine';
export const SAM_FUNCTION = 'AWS::Serverless::Function';
/** A function's property (and the Lambda invoke parameter) that names it. */
export const FUNCTION_NAME = 'FunctionName';

export const FUNCTION_TYPES = new Set(['AWS::Lambda::Function', SAM_FUNCTION]);
export const STATE_MACHINE_TYPES = new Set(['AWS::StepFunctions::StateMachine', SAM_STATE_MACHINE]);
/** The IAM policy resources: identity policies a role may get, and managed policies (a boundary too). */
export const POLICY_TYPES = new Set(['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::RolePolicy']);
export const CONNECTOR_TYPE = 'AWS::Serverless::Connector';

/** The property that holds a state machine's role: SAM's `Role`, CloudFormation's `RoleArn`. */
export function roleKey(type: string): 'Role' | 'RoleArn' {
  return type === SAM_STATE_MACHINE ? 'Role' : 'RoleArn';
}

export interface Resource {
  readonly id: string;
  readonly type: string;
  readonly properties: JsonObject;
  readonly condition?: string;
  readonly raw: JsonObject;
}

export class TemplateIndex {
  readonly resources = new Map<string, Resource>();
  /** Functions by their literal `FunctionName` (for literal names and ARNs in definitions). */
  readonly functionsByName = new Map<string, string>();
  /**
   * Functions whose `FunctionName` is composed by an intrinsic (`!Sub orders-${Stage}`), by the
   * key of its parts (see `partsKey`); null when two functions share a key.
   */
  readonly functionsByComposedName = new Map<string, string | null>();
  /** Resources the macro cannot read (no Type, say), with what is wrong; passed through untouched. */
  readonly unreadable = new Map<string, Problem>();
  /**
   * The policy resources (POLICY_TYPES) and SAM Connectors, with their Type, in template order, whatever
   * their Properties: the resources that may grant a role, which the IAM step reads for every state machine
   * (found here, in the one pass over the resources, not by listing thousands of resources again).
   */
  readonly policyEntries: { readonly id: string; readonly type: string }[] = [];

  constructor(
    readonly fragment: JsonObject,
    readonly region?: string,
    readonly accountId?: string,
  ) {}

  get(id: string): Resource | undefined {
    return this.resources.get(id);
  }

  isParameter(name: string): boolean {
    const params = getOwn(this.fragment, 'Parameters');
    return isObject(params) && hasOwn(params, name);
  }

  isFunction(id: string): boolean {
    const r = this.resources.get(id);
    return r !== undefined && FUNCTION_TYPES.has(r.type);
  }

  /** The function a `FunctionName`-like value designates: Ref, GetAtt Arn, or a literal name/ARN. */
  functionOf(value: Json | undefined): string | undefined {
    const ref = refName(value);
    if (ref !== undefined) return this.isFunction(ref) ? ref : undefined;
    const pair = getAttPair(value);
    if (pair) return pair[1] === 'Arn' && this.isFunction(pair[0]) ? pair[0] : undefined;
    if (isString(value)) {
      const name = functionNameOf(value);
      return name === undefined ? undefined : this.functionsByName.get(name);
    }
    return undefined;
  }

  /** AWS partition of the deployment region, when known. */
  get partition(): string | undefined {
    return partitionOf(this.region)?.partition;
  }

  #conditions?: ConditionLogic;

  /** Which truth values the template's Conditions can take together (read on first use). */
  get conditions(): ConditionLogic {
    this.#conditions ??= new ConditionLogic(getOwn(this.fragment, 'Conditions'), getOwn(this.fragment, 'Parameters'));
    return this.#conditions;
  }
}

/** The template's state machines, in template order. */
export function stateMachines(index: TemplateIndex): Resource[] {
  return [...index.resources.values()].filter((r) => STATE_MACHINE_TYPES.has(r.type));
}

/** Whether the StateMachines / Exclude parameters select this state machine. */
export function selected(id: string, options: { stateMachines?: string[]; exclude?: string[] }): boolean {
  return !((options.stateMachines && !options.stateMachines.includes(id)) || options.exclude?.includes(id));
}

/** Reads and indexes the fragment; throws a TransformError listing every structural problem. */
export function readTemplate(fragment: unknown, region?: string, accountId?: string): TemplateIndex {
  if (!isObject(fragment)) {
    throw new TransformError([{ path: '(fragment)', message: `the template fragment must be a JSON object, got ${kindOf(fragment)}` }]);
  }
  const resources = getOwn(fragment, 'Resources');
  if (!isObject(resources)) {
    throw new TransformError([
      {
        path: 'Resources',
        message: resources === undefined ? 'the template has no Resources section' : `must be a map of logical IDs to resources, got ${kindOf(resources)}`,
      },
    ]);
  }
  const index = new TemplateIndex(fragment, region, accountId);
  const problems: Problem[] = [];
  for (const id of keysOf(resources)) {
    const raw = resources[id];
    const path = `Resources/${id}`;
    if (!isObject(raw)) {
      index.unreadable.set(id, { logicalId: id, path, message: `a resource must be an object, got ${kindOf(raw)}` });
      continue;
    }
    const type = getOwn(raw, 'Type');
    if (!isString(type) || type === '') {
      index.unreadable.set(id, {
        logicalId: id,
        path: `${path}/Type`,
        message: type === undefined ? 'the resource has no Type' : 'Type must be a non-empty string',
      });
      continue;
    }
    if (POLICY_TYPES.has(type) || type === CONNECTOR_TYPE) index.policyEntries.push({ id, type });
    const props = hasOwn(raw, 'Properties') ? raw.Properties : {};
    if (!isObject(props)) {
      // Only the resources the macro reads need well-formed Properties; CloudFormation judges the rest.
      const problem = { logicalId: id, path: `${path}/Properties`, message: `Properties must be an object, got ${kindOf(props)}` };
      if (FUNCTION_TYPES.has(type) || STATE_MACHINE_TYPES.has(type) || type === 'AWS::Lambda::Alias' || type === 'AWS::Lambda::Version') {
        problems.push(problem);
      } else if (type === 'AWS::IAM::Role') {
        // Read only when it is the role of a state machine that gets a new target.
        index.unreadable.set(id, problem);
      }
      continue;
    }
    const condition = getOwn(raw, 'Condition');
    index.resources.set(id, { id, type, properties: props, condition: isString(condition) ? condition : undefined, raw });
    if (FUNCTION_TYPES.has(type)) {
      const name = getOwn(props, FUNCTION_NAME);
      if (isString(name)) index.functionsByName.set(name, id);
      else if (name !== undefined) {
        const parts = partsOf(name);
        // A name has no ':'; one made only of text is a literal name.
        if (parts?.some(isHole) && !parts.some((p) => isString(p) && p.includes(':'))) {
          const key = partsKey(parts);
          index.functionsByComposedName.set(key, index.functionsByComposedName.has(key) ? null : id);
        }
      }
    }
  }
  if (problems.length) throw new TransformError(problems);
  return index;
}

/**
 * The resources a value refers to (Ref, GetAtt, `${X}` / `${X.Attr}` in Fn::Sub; both branches of
 * an Fn::If count, as they do for CloudFormation), each named through `resolve` (undefined: not a
 * resource, e.g. a parameter or a pseudo parameter), added to `out` in the order they are found.
 */
export function referencedResources(value: Json | undefined, resolve: (id: string) => string | undefined, out: Set<string> = new Set<string>()): Set<string> {
  forEachReference(value, (id) => {
    const r = resolve(id);
    if (r !== undefined) out.add(r);
  });
  return out;
}

/**
 * Calls `add` with each name a value refers to (Ref, GetAtt, `${X}` / `${X.Attr}` in Fn::Sub, both branches of an
 * Fn::If), in the order they are found, as often as they occur: resources, parameters and pseudo parameters alike.
 */
export function forEachReference(value: Json | undefined, add: (id: string) => void): void {
  // One pass over each object's keys (this reads every resource the dependency graph visits); only
  // lists and maps are stacked (a scalar refers to nothing). An object's own references are added
  // before any of its values is read: its Ref or GetAtt, then its Fn::Sub's, whichever its keys' order.
  const stack: (Json | undefined)[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (isArray(v)) {
      for (let k = 0; k < v.length; k++) {
        const x = v[k];
        if (typeof x === 'object' && x !== null) stack.push(x);
      }
      continue;
    }
    // for…in lists a JSON object's own keys, in Object.keys's order, without making their list.
    let count = 0;
    let key = '';
    for (const k in v) {
      const x = v[k];
      count++;
      key = k;
      if (k === SUB) subReferences(x, add);
      if (typeof x === 'object' && x !== null) stack.push(x);
    }
    if (count === 1) {
      const arg = v[key];
      if (key === 'Ref') {
        if (typeof arg === 'string') add(arg);
      } else if (key === GET_ATT) {
        const pair = getAttPair(v);
        if (pair) add(pair[0]);
      }
    }
  }
}

/** The resources an Fn::Sub argument names (`${X}`, `${X.Attr}`, not its variables); none when it cannot be read. */
function subReferences(sub: Json, add: (id: string) => void): void {
  const template = isString(sub) ? sub : isArray(sub) && isString(sub[0]) ? sub[0] : undefined;
  if (template === undefined || !template.includes('${')) return;
  const vars = isArray(sub) && isObject(sub[1]) ? sub[1] : undefined;
  let tokens: SubToken[];
  try {
    tokens = tokenizeSub(template, (name) => vars !== undefined && hasOwn(vars, name));
  } catch (e) {
    if (!(e instanceof ReadError)) throw e;
    return;
  }
  for (const t of tokens) {
    if (t.kind === 'ref') add(t.name);
    else if (t.kind === 'getatt') add(t.resource);
  }
}

/**
 * The first resource the macro cannot read that `value` refers to (Ref, GetAtt, `${X}` / `${X.Attr}`
 * in Fn::Sub, at any depth), with what is wrong with it.
 */
export function unreadableIn(value: Json | undefined, index: TemplateIndex): Problem | undefined {
  if (index.unreadable.size === 0) return undefined;
  for (const id of referencedResources(value, (name) => (index.unreadable.has(name) ? name : undefined))) return index.unreadable.get(id);
  return undefined;
}

/** A key for a sequence of parts: equal keys, equal expressions (text and intrinsics, compared as JSON). */
export function partsKey(parts: readonly Part[]): string {
  return jsonText(parts.map((p) => (isString(p) ? p : { hole: p.hole })));
}

/** The policy resources of the template (POLICY_TYPES) the index holds (those with Properties to read), in template order. */
export function policyResources(index: TemplateIndex): Resource[] {
  const out: Resource[] = [];
  for (const { id } of index.policyEntries) {
    const r = index.get(id);
    if (r !== undefined && POLICY_TYPES.has(r.type)) out.push(r);
  }
  return out;
}
