/**
 * Every policy that reaches the principal that calls Lambda, in one combination of the template's
 * Conditions: what evaluate.ts reads to decide whether that principal may invoke a target.
 *
 * A principal is a role of the template (the state machine's `RoleArn`, a SAM state machine's
 * `Role`, or a task's `Credentials.RoleArn`), or the role SAM builds for a state machine without
 * `Role` (from its `Policies`, `PermissionsBoundary` and Connectors). Its policies:
 * - identity policies: the role's inline `Policies`; each AWS::IAM::Policy, ManagedPolicy and
 *   RolePolicy that names the role (`Roles`, `RoleName`); each ManagedPolicy in the role's
 *   `ManagedPolicyArns`; for SAM, inline documents, the `LambdaInvokePolicy` template and
 *   Connectors (as the statements SAM writes for them);
 * - the permissions boundary (`PermissionsBoundary`), when it is a ManagedPolicy of the template;
 * - policies outside the template (a managed policy or boundary given by ARN or parameter), which
 *   the macro cannot read: listed as `external`.
 *
 * `Fn::If` is resolved and `AWS::NoValue` dropped wherever they appear (Policies, documents,
 * statements, Resource lists, ManagedPolicyArns, PermissionsBoundary, Roles), and a policy
 * resource counts only when its `Condition` holds. Every statement keeps its template path.
 */
import { getOwn, isObject, isArray, jsonText, keysOf, isString } from '../../cfn/json';
import { getAttPair, intrinsicName, refName, IF, NO_VALUE } from '../../cfn/intrinsics';
import type { Json } from '../../types';
import { CONNECTOR_TYPE, FUNCTION_NAME, POLICY_TYPES, RESOURCES, PROPERTIES } from '../template/read';
import { collectConditions, resolve, type Assignment } from './conditions';
import { allowInvoke, INVOKE, invokeResources } from './evaluate';
import { type Path, type Policies, type Statement, POLICY_DOCUMENT, STATEMENT, LAMBDA_INVOKE_POLICY } from './types';

/** Reads the template as it is now (the editor's state, with the macro's grants). */
export type Read = (path: Path) => Json | undefined;

/** A policy resource or Connector of the template (see TemplateIndex.policyEntries). */
export interface PolicyEntry {
  readonly id: string;
  readonly type: string;
}

/** The principal: a role of the template, or the role SAM builds for a state machine. */
export type Principal = { kind: 'role'; id: string } | { kind: 'sam'; id: string };

/** Follows Fn::If down to a value, keeping its path; undefined for NoValue. */
function descend(value: Json | undefined, path: Path, a: Assignment): { value: Json; path: Path } | undefined {
  let v = value;
  let p = path;
  for (let depth = 0; v !== undefined && depth < 64; depth++) {
    // The intrinsic named once (naming it lists the value's keys): refName's test, then Fn::If.
    const fn = intrinsicName(v);
    if (fn === 'Ref' && (v as { Ref: Json }).Ref === NO_VALUE) return undefined;
    const arg = fn === IF ? (v as { [IF]: Json })[IF] : undefined;
    if (!isArray(arg) || arg.length !== 3 || !isString(arg[0])) return { value: v, path: p };
    const k = a.get(arg[0]) === false ? 2 : 1;
    v = arg[k];
    p = [...p, IF, k];
  }
  return v === undefined ? undefined : { value: v, path: p };
}

/** The items of a list-valued property (a single value is a list of one), each with its path. */
function items(value: Json | undefined, path: Path, a: Assignment): { value: Json; path: Path }[] {
  const top = descend(value, path, a);
  if (!top) return [];
  if (!isArray(top.value)) return [top];
  const out: { value: Json; path: Path }[] = [];
  for (let k = 0; k < top.value.length; k++) {
    const d = descend(top.value[k], [...top.path, k], a);
    if (d) out.push(d);
  }
  return out;
}

/** The statements of a policy document at `path`. */
function statementsOf(doc: Json | undefined, path: Path | undefined, label: string, a: Assignment): Statement[] {
  const d = descend(doc, path ?? [], a);
  if (!d || !isObject(d.value)) return [];
  const out: Statement[] = [];
  for (const s of items(getOwn(d.value, STATEMENT), [...d.path, STATEMENT], a)) {
    if (!isObject(s.value)) continue;
    const sid = getOwn(s.value, 'Sid');
    // Sid set only when it is a string (no object spread: this runs for every statement of every principal).
    const st: Statement = { value: s.value, path: path === undefined ? undefined : s.path, label };
    if (isString(sid)) st.sid = sid;
    out.push(st);
  }
  return out;
}

const NO_CONDITIONS: ReadonlySet<string> = new Set();

/** A policy resource that may reach a principal, with what of it may apply to invoking (see invokeResources). */
interface Reaching {
  raw: Json;
  boundary: boolean;
  invoke: Json[] | 'any';
  /** The conditions `raw` depends on, read on first use. */
  conditions?: ReadonlySet<string>;
}

export class PrincipalReader {
  /**
   * `added`: how many resources the macro has added to the template so far (its own policies): the policy IDs
   * are read again when it changes.
   */
  readonly #read: Read;
  readonly #added: () => number;
  /** Whether a value read never changes (what is derived from it may be kept); none is by default. */
  readonly #fixed: (o: object) => boolean;
  /**
   * The policy resources and Connectors with their Type, in template order (the template's, then those the
   * macro added), when the caller knows them: a new list when they change. By default they are found in the
   * Resources read.
   */
  readonly #listed?: () => readonly PolicyEntry[];

  constructor(read: Read, added: () => number = () => 0, fixed: (o: object) => boolean = () => false, listed?: () => readonly PolicyEntry[]) {
    this.#read = read;
    this.#added = added;
    this.#fixed = fixed;
    this.#listed = listed;
  }

  /** The strings of values that never change (see `mentions`). */
  readonly #strings = new WeakMap<object, Set<string>>();

  /**
   * Whether `value`'s JSON text holds `name` as a JSON string (`"name"`): the test of which resources may
   * reach a principal. For a value that never changes, and a name whose JSON text is itself with quotes
   * (no `"`, `\`, control character or surrogate) and that cannot follow a closing quote (it does not
   * start with `:`, `,`, `]` or `}`), the answer comes from the value's strings, read once: `"name"` is in
   * the text exactly when a key or a string equals the name, or ends with `"` and the name (`\"name"`).
   */
  #mentions(value: Json | undefined, name: string): boolean {
    if (typeof value !== 'object' || value === null || !this.#fixed(value) || !plainName(name)) {
      return jsonText(value ?? null).includes(jsonText(name));
    }
    let set = this.#strings.get(value);
    if (set === undefined) {
      set = stringsOf(value);
      this.#strings.set(value, set);
    }
    return set.has(name);
  }

  /** The Type of each policy resource (see policyIds): types never change, and the macro only adds resources. */
  readonly #types = new Map<string, string>();
  #found?: { resources: Json | undefined; added: number; list: PolicyEntry[] };
  #listedCache?: { from: readonly PolicyEntry[]; policy: string[]; connectors: string[]; both: string[] };

  /**
   * The IDs of the policy resources (POLICY_TYPES) and of the Connectors, in template order: the caller's list,
   * or the resources found in Resources, found again only when the Resources map is a new object or the macro
   * has added a resource to it (`added`): a template of thousands of resources is not read again for every
   * state machine and grant.
   */
  #policyIds(): { policy: string[]; connectors: string[]; both: string[] } {
    if (this.#listed !== undefined) return this.#fromListed(this.#listed());
    const r = this.#read([RESOURCES]);
    const added = this.#added();
    let found = this.#found;
    if (found === undefined || found.resources !== r || found.added !== added) {
      const list: PolicyEntry[] = [];
      // Read in place, not by path (this runs over every resource of the template).
      if (isObject(r))
        for (const id of keysOf(r)) {
          const type = getOwn(getOwn(r, id), 'Type');
          if (isString(type)) list.push({ id, type });
        }
      found = { resources: r, added, list };
      this.#found = found;
    }
    return this.#fromListed(found.list);
  }

  /** policyIds from the caller's list (see `listed`), split once per list. */
  #fromListed(from: readonly PolicyEntry[]): { policy: string[]; connectors: string[]; both: string[] } {
    if (this.#listedCache?.from === from) return this.#listedCache;
    const policy: string[] = [];
    const connectors: string[] = [];
    const both: string[] = [];
    for (const { id, type } of from) {
      if (POLICY_TYPES.has(type)) {
        policy.push(id);
        this.#types.set(id, type);
      } else if (type === CONNECTOR_TYPE) connectors.push(id);
      else continue;
      both.push(id);
    }
    this.#listedCache = { from, policy, connectors, both };
    return this.#listedCache;
  }

  /** The Type of a resource as read (only ever compared with a type's name). */
  #type(id: string): Json | undefined {
    return this.#read([RESOURCES, id, 'Type']);
  }

  /** The items of the list-valued property at `path` (see items), the path built once for the read and the items. */
  #items(path: Path, a: Assignment): { value: Json; path: Path }[] {
    return items(this.#read(path), path, a);
  }

  /** Does the resource exist in this combination (no Condition, or its Condition is true)? */
  #exists(id: string, a: Assignment): boolean {
    const c = this.#read([RESOURCES, id, 'Condition']);
    return !isString(c) || a.get(c) !== false;
  }

  /**
   * The conditions the principal's policies may depend on (resource Conditions and Fn::If), so that
   * every combination is evaluated: those of the role (or of SAM's role properties) and of every
   * policy resource that may reach it and `matters` (one whose statements may apply at all: the
   * others cannot change a verdict, whatever their conditions).
   */
  conditions(p: Principal, matters: (policy: Json[] | 'any') => boolean = () => true, version = 0): ReadonlySet<string> {
    // By ID (an ID names one principal: a role, or a SAM state machine), not by a key written for every target.
    let known = this.#known.get(p.id);
    if (known?.version !== version) {
      known = { version, own: this.#ownConditions(p), reaching: this.#reaching(p) };
      this.#known.set(p.id, known);
    }
    // The principal's own set as it is (read only), copied when a policy adds to it.
    let out = known.own;
    // A boundary matters whatever its statements: without an Allow in it, nothing is allowed.
    for (const r of known.reaching) {
      if (!r.boundary && !matters(r.invoke)) continue;
      r.conditions ??= collectConditions(r.raw) ?? NO_CONDITIONS;
      if (r.conditions.size === 0) continue;
      if (out === known.own) out = new Set(out);
      for (const c of r.conditions) out.add(c);
    }
    return out;
  }

  /**
   * Per principal (by ID), its own conditions and the policies that may reach it, read once per `version` (the
   * caller's count of its own policy edits).
   */
  readonly #known = new Map<string, { version: number; own: Set<string>; reaching: Reaching[] }>();

  /** The principal's own conditions (its Condition, and Fn::If in its properties). */
  #ownConditions(p: Principal): Set<string> {
    const out = new Set<string>();
    const props: Path = [RESOURCES, p.id, PROPERTIES];
    const condition = this.#read([RESOURCES, p.id, 'Condition']);
    if (isString(condition)) out.add(condition);
    if (p.kind === 'sam') {
      for (const k of ['Role', 'Policies', 'PermissionsBoundary']) collectConditions(this.#read([...props, k]), out);
      collectConditions(this.#read([RESOURCES, p.id, 'Connectors']), out);
    } else collectConditions(this.#read(props), out);
    return out;
  }

  /**
   * The policy resources (and Connectors) that may reach the principal in some combination:
   * attached by Ref or by name, or referenced by the role (ManagedPolicyArns, PermissionsBoundary).
   */
  #reaching(p: Principal): Reaching[] {
    const props: Path = [RESOURCES, p.id, PROPERTIES];
    const ids = this.#policyIds().both;
    const roleName = ids.length > 0 ? this.#read([...props, 'RoleName']) : undefined;
    const named = ids.length > 0 ? (this.#read(props) ?? null) : null;
    const boundaryText = ids.length > 0 ? jsonText(this.#read([...props, 'PermissionsBoundary']) ?? null) : '';
    // The role's text, when its strings cannot be kept (the macro has edited it): written once for every policy.
    let namedText: string | undefined;
    const namedMentions = (id: string): boolean => {
      if (typeof named === 'object' && named !== null && this.#fixed(named) && plainName(id)) return this.#mentions(named, id);
      namedText ??= jsonText(named);
      return namedText.includes(jsonText(id));
    };
    const list: Reaching[] = [];
    for (const id of ids) {
      const raw = this.#read([RESOURCES, id]) ?? null;
      const mayReach = this.#mentions(raw, p.id) || (isString(roleName) && this.#mentions(raw, roleName)) || namedMentions(id);
      if (mayReach) list.push({ raw, boundary: boundaryText.includes(jsonText({ Ref: id })), invoke: invokeResources(raw, INVOKE) });
    }
    return list;
  }

  policies(p: Principal, a: Assignment): Policies {
    const out: Policies = { exists: this.#exists(p.id, a), identity: [], external: [] };
    if (!out.exists) return out;
    const base: Path = [RESOURCES, p.id, PROPERTIES];
    if (p.kind === 'sam') this.#samPolicies(p.id, a, out);
    else {
      for (const pol of this.#items([...base, 'Policies'], a)) {
        const name = getOwn(pol.value, 'PolicyName');
        const k = pol.path[pol.path.length - 1];
        out.identity.push(
          ...statementsOf(
            getOwn(pol.value, POLICY_DOCUMENT),
            [...pol.path, POLICY_DOCUMENT],
            `${p.id} Policies${typeof k === 'number' ? `[${k}]` : ''}${isString(name) ? ` (${name})` : ''}`,
            a,
          ),
        );
      }
      // A list: a role has a few managed policies, most none.
      const managed: string[] = [];
      for (const m of this.#items([...base, 'ManagedPolicyArns'], a)) {
        const id = refName(m.value);
        if (id !== undefined && this.#type(id) === 'AWS::IAM::ManagedPolicy') {
          if (this.#exists(id, a)) managed.push(id);
        } else out.external.push({ kind: 'managed', value: m.value, path: m.path });
      }
      const roleName = this.#read([...base, 'RoleName']);
      for (const id of this.#policyIds().policy) {
        const type = this.#types.get(id);
        if (!this.#exists(id, a)) continue;
        const props: Path = [RESOURCES, id, PROPERTIES];
        const names = this.#items([...props, type === 'AWS::IAM::RolePolicy' ? 'RoleName' : 'Roles'], a);
        const attached =
          managed.includes(id) || names.some((n) => refName(n.value) === p.id || (isString(n.value) && isString(roleName) && n.value === roleName));
        if (attached) out.identity.push(...statementsOf(this.#read([...props, POLICY_DOCUMENT]), [...props, POLICY_DOCUMENT], id, a));
      }
    }
    this.#boundary(p, a, out);
    return out;
  }

  #boundary(p: Principal, a: Assignment, out: Policies): void {
    const path: Path = [RESOURCES, p.id, PROPERTIES, 'PermissionsBoundary'];
    const b = descend(this.#read(path), path, a);
    if (!b) return;
    const id = refName(b.value);
    if (id !== undefined && this.#type(id) === 'AWS::IAM::ManagedPolicy') {
      const docPath: Path = [RESOURCES, id, PROPERTIES, POLICY_DOCUMENT];
      // A boundary whose policy does not exist: CloudFormation fails; nothing to evaluate.
      out.boundary = { label: id, path: docPath, statements: this.#exists(id, a) ? statementsOf(this.#read(docPath), docPath, id, a) : [], external: false };
      return;
    }
    out.boundary = { label: describeValue(b.value), statements: [], external: true };
    out.external.push({ kind: 'boundary', value: b.value, path: b.path });
  }

  /** The role SAM builds for a state machine: its Policies (documents, templates, managed policy names) and Connectors. */
  #samPolicies(id: string, a: Assignment, out: Policies): void {
    const base: Path = [RESOURCES, id, PROPERTIES, 'Policies'];
    for (const pol of this.#items(base, a)) {
      const k = pol.path[pol.path.length - 1];
      const label = `${id} Policies${typeof k === 'number' ? `[${k}]` : ''}`;
      if (isString(pol.value) || !isObject(pol.value) || intrinsicName(pol.value) !== undefined) {
        // A managed policy name or ARN (SAM turns names into AWS managed policy ARNs).
        out.external.push({ kind: 'managed', value: pol.value, path: pol.path });
        continue;
      }
      if (getOwn(pol.value, STATEMENT) !== undefined) {
        out.identity.push(...statementsOf(pol.value, pol.path, label, a));
        continue;
      }
      const tpl = getOwn(pol.value, LAMBDA_INVOKE_POLICY);
      if (isObject(tpl)) {
        // SAM's template: lambda:InvokeFunction on `function:${FunctionName}*`.
        const fnName = resolve(getOwn(tpl, FUNCTION_NAME), a);
        if (fnName === undefined) continue;
        const resource = { 'Fn::Sub': ['arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}*', { FunctionName: fnName }] };
        out.identity.push({
          value: allowInvoke(resource),
          label: `${label} LambdaInvokePolicy`,
          path: [...pol.path, LAMBDA_INVOKE_POLICY],
        });
      }
      // Other SAM policy templates allow other services' actions: nothing about invoking Lambda.
    }
    // Connectors, as resources and as the state machine's Connectors property: SAM writes an
    // Allow of lambda:InvokeAsync and lambda:InvokeFunction on the destination function's ARN.
    const connectors: { source: Json | undefined; destination: Json | undefined; permissions: Json | undefined; label: string; path: Path }[] = [];
    for (const cid of this.#policyIds().connectors) {
      if (!this.#exists(cid, a)) continue;
      const props = resolve(this.#read([RESOURCES, cid, PROPERTIES]), a);
      connectors.push({
        source: getOwn(props, 'Source'),
        destination: getOwn(props, 'Destination'),
        permissions: getOwn(props, 'Permissions'),
        label: cid,
        path: [RESOURCES, cid],
      });
    }
    const embedded = resolve(this.#read([RESOURCES, id, 'Connectors']), a);
    if (isObject(embedded)) {
      for (const name of keysOf(embedded)) {
        const props = getOwn(embedded[name], PROPERTIES);
        connectors.push({
          source: { Id: id },
          destination: getOwn(props, 'Destination'),
          permissions: getOwn(props, 'Permissions'),
          label: `${id} Connectors ${name}`,
          path: [RESOURCES, id, 'Connectors', name],
        });
      }
    }
    for (const c of connectors) {
      if (getOwn(c.source, 'Id') !== id || !isArray(c.permissions) || !c.permissions.includes('Write')) continue;
      const dest = getOwn(c.destination, 'Id');
      if (!isString(dest)) continue;
      out.identity.push({
        value: { Effect: 'Allow', Action: ['lambda:InvokeAsync', 'lambda:InvokeFunction'], Resource: { 'Fn::GetAtt': [dest, 'Arn'] } },
        label: `${c.label} (Connector)`,
        path: c.path,
      });
    }
  }
}

/** A name whose JSON text is itself with quotes, and that no closing quote can be followed by (see `mentions`). */
export function plainName(name: string): boolean {
  return PLAIN_NAME.test(name);
}

const PLAIN_NAME = /^[\x20\x21\x23-\x2b\x2d-\x39\x3b-\x5b\x5e-\x7c\x7e-\ud7ff\ue000-\uffff][\x20\x21\x23-\x5b\x5d-\ud7ff\ue000-\uffff]*$/;

/**
 * Every key and string of a value, and each string's tail after a `"` in it: the strings `"name"` can
 * match in its JSON text (iterative: values can nest deeply).
 */
export function stringsOf(value: Json): Set<string> {
  const out = new Set<string>();
  const add = (s: string): void => {
    out.add(s);
    for (let at = s.indexOf('"'); at >= 0; at = s.indexOf('"', at + 1)) out.add(s.slice(at + 1));
  };
  const stack: Json[] = [value];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    if (isString(v)) add(v);
    else if (isArray(v)) for (const x of v) stack.push(x);
    else if (v !== null && typeof v === 'object') {
      for (const k of keysOf(v)) {
        // JSON writes no key whose value is undefined.
        if (v[k] === undefined) continue;
        add(k);
        stack.push(v[k]);
      }
    }
  }
  return out;
}

/** Short text of a value for messages. */
export function describeValue(v: Json): string {
  if (isString(v)) return v;
  const r = refName(v);
  if (r !== undefined) return `{${r}}`;
  const ga = getAttPair(v);
  if (ga) return `{${ga[0]}.${ga[1]}}`;
  const s = jsonText(v);
  return s.length > 160 ? `${s.slice(0, 159)}…` : s;
}
