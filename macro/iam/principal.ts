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
import { getOwn, intrinsicName, isObject } from '../json';
import { getAttPair, refName } from '../template';
import type { Json, JsonObject } from '../types';
import type { Path } from './types';

/** A truth value for each condition name. */
export type Assignment = ReadonlyMap<string, boolean>;

/** Reads the template as it is now (the editor's state, with the macro's grants). */
export type Read = (path: Path) => Json | undefined;

export interface Statement {
  /** The statement, with Fn::If resolved at its top level (its values are resolved when read). */
  value: JsonObject;
  /** Its place in the template; undefined for a statement SAM writes (a policy template or Connector). */
  path?: Path;
  /** Which policy: `Role Policies[0] (invoke)`, `GuardrailPolicy`, `SM LambdaInvokePolicy`… */
  label: string;
  /** `Sid`, when it has one. */
  sid?: string;
}

export interface ExternalPolicy {
  kind: 'boundary' | 'managed';
  /** Its value as written (an ARN, a Sub, a Ref to a parameter) and where. */
  value: Json;
  path: Path;
}

export interface Policies {
  /** False when the principal does not exist in this combination (its Condition is false). */
  exists: boolean;
  identity: Statement[];
  /** undefined: no boundary; else its statements (empty for an external boundary, see `external`). */
  boundary?: { label: string; path?: Path; statements: Statement[]; external: boolean };
  external: ExternalPolicy[];
}

/** The principal: a role of the template, or the role SAM builds for a state machine. */
export type Principal = { kind: 'role'; id: string } | { kind: 'sam'; id: string };

const POLICY_TYPES = new Set(['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::RolePolicy']);

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

/** Follows Fn::If down to a value, keeping its path; undefined for NoValue. */
function descend(value: Json | undefined, path: Path, a: Assignment): { value: Json; path: Path } | undefined {
  let v = value;
  let p = path;
  for (let depth = 0; v !== undefined && depth < 64; depth++) {
    if (refName(v) === 'AWS::NoValue') return undefined;
    const arg = intrinsicName(v) === 'Fn::If' ? (v as { 'Fn::If': Json })['Fn::If'] : undefined;
    if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') return { value: v, path: p };
    const k = a.get(arg[0]) === false ? 2 : 1;
    v = arg[k];
    p = [...p, 'Fn::If', k];
  }
  return v === undefined ? undefined : { value: v, path: p };
}

/** The items of a list-valued property (a single value is a list of one), each with its path. */
function items(value: Json | undefined, path: Path, a: Assignment): { value: Json; path: Path }[] {
  const top = descend(value, path, a);
  if (!top) return [];
  if (!Array.isArray(top.value)) return [top];
  const out: { value: Json; path: Path }[] = [];
  top.value.forEach((v, k) => {
    const d = descend(v, [...top.path, k], a);
    if (d) out.push(d);
  });
  return out;
}

/** The statements of a policy document at `path`. */
function statementsOf(doc: Json | undefined, path: Path | undefined, label: string, a: Assignment): Statement[] {
  const d = descend(doc, path ?? [], a);
  if (!d || !isObject(d.value)) return [];
  const out: Statement[] = [];
  for (const s of items(getOwn(d.value, 'Statement'), [...d.path, 'Statement'], a)) {
    if (!isObject(s.value)) continue;
    const sid = getOwn(s.value, 'Sid');
    out.push({ value: s.value, path: path === undefined ? undefined : s.path, label, ...(typeof sid === 'string' ? { sid } : {}) });
  }
  return out;
}

export class PrincipalReader {
  constructor(private readonly read: Read) {}

  private resourceIds(): string[] {
    const r = this.read(['Resources']);
    return isObject(r) ? Object.keys(r) : [];
  }

  private type(id: string): string | undefined {
    const t = this.read(['Resources', id, 'Type']);
    return typeof t === 'string' ? t : undefined;
  }

  /** Does the resource exist in this combination (no Condition, or its Condition is true)? */
  private exists(id: string, a: Assignment): boolean {
    const c = this.read(['Resources', id, 'Condition']);
    return typeof c !== 'string' || a.get(c) !== false;
  }

  /** The conditions the principal's policies may depend on (resource Conditions and Fn::If), so that every combination is evaluated. */
  conditions(p: Principal): Set<string> {
    const out = new Set<string>();
    const ids = new Set([p.id]);
    for (const id of this.resourceIds()) {
      const type = this.type(id);
      if (type !== undefined && (POLICY_TYPES.has(type) || type === 'AWS::Serverless::Connector')) ids.add(id);
    }
    for (const id of ids) collectConditions(this.read(['Resources', id]), out);
    return out;
  }

  policies(p: Principal, a: Assignment): Policies {
    const out: Policies = { exists: this.exists(p.id, a), identity: [], external: [] };
    if (!out.exists) return out;
    const base: Path = ['Resources', p.id, 'Properties'];
    if (p.kind === 'sam') this.samPolicies(p.id, a, out);
    else {
      for (const pol of items(this.read([...base, 'Policies']), [...base, 'Policies'], a)) {
        const name = getOwn(pol.value, 'PolicyName');
        out.identity.push(...statementsOf(getOwn(pol.value, 'PolicyDocument'), [...pol.path, 'PolicyDocument'], `${p.id} Policies${typeof pol.path[pol.path.length - 1] === 'number' ? `[${pol.path[pol.path.length - 1]}]` : ''}${typeof name === 'string' ? ` (${name})` : ''}`, a));
      }
      const managed = new Set<string>();
      for (const m of items(this.read([...base, 'ManagedPolicyArns']), [...base, 'ManagedPolicyArns'], a)) {
        const id = refName(m.value);
        if (id !== undefined && this.type(id) === 'AWS::IAM::ManagedPolicy') {
          if (this.exists(id, a)) managed.add(id);
        } else out.external.push({ kind: 'managed', value: m.value, path: m.path });
      }
      const roleName = this.read([...base, 'RoleName']);
      for (const id of this.resourceIds()) {
        const type = this.type(id);
        if (type === undefined || !POLICY_TYPES.has(type) || !this.exists(id, a)) continue;
        const props: Path = ['Resources', id, 'Properties'];
        const names = type === 'AWS::IAM::RolePolicy' ? items(this.read([...props, 'RoleName']), [...props, 'RoleName'], a) : items(this.read([...props, 'Roles']), [...props, 'Roles'], a);
        const attached = managed.has(id) || names.some((n) => refName(n.value) === p.id || (typeof n.value === 'string' && typeof roleName === 'string' && n.value === roleName));
        if (attached) out.identity.push(...statementsOf(this.read([...props, 'PolicyDocument']), [...props, 'PolicyDocument'], id, a));
      }
    }
    this.boundary(p, a, out);
    return out;
  }

  private boundary(p: Principal, a: Assignment, out: Policies): void {
    const path: Path = ['Resources', p.id, 'Properties', 'PermissionsBoundary'];
    const b = descend(this.read(path), path, a);
    if (!b) return;
    const id = refName(b.value);
    if (id !== undefined && this.type(id) === 'AWS::IAM::ManagedPolicy') {
      const docPath: Path = ['Resources', id, 'Properties', 'PolicyDocument'];
      // A boundary whose policy does not exist: CloudFormation fails; nothing to evaluate.
      out.boundary = { label: id, path: docPath, statements: this.exists(id, a) ? statementsOf(this.read(docPath), docPath, id, a) : [], external: false };
      return;
    }
    out.boundary = { label: describeValue(b.value), statements: [], external: true };
    out.external.push({ kind: 'boundary', value: b.value, path: b.path });
  }

  /** The role SAM builds for a state machine: its Policies (documents, templates, managed policy names) and Connectors. */
  private samPolicies(id: string, a: Assignment, out: Policies): void {
    const base: Path = ['Resources', id, 'Properties', 'Policies'];
    for (const pol of items(this.read(base), base, a)) {
      const k = pol.path[pol.path.length - 1];
      const label = `${id} Policies${typeof k === 'number' ? `[${k}]` : ''}`;
      if (typeof pol.value === 'string' || !isObject(pol.value) || intrinsicName(pol.value) !== undefined) {
        // A managed policy name or ARN (SAM turns names into AWS managed policy ARNs).
        out.external.push({ kind: 'managed', value: pol.value, path: pol.path });
        continue;
      }
      if (getOwn(pol.value, 'Statement') !== undefined) {
        out.identity.push(...statementsOf(pol.value, pol.path, label, a));
        continue;
      }
      const tpl = getOwn(pol.value, 'LambdaInvokePolicy');
      if (isObject(tpl)) {
        // SAM's template: lambda:InvokeFunction on `function:${FunctionName}*`.
        const fnName = resolve(getOwn(tpl, 'FunctionName'), a);
        if (fnName === undefined) continue;
        const resource = { 'Fn::Sub': ['arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}*', { FunctionName: fnName }] };
        out.identity.push({ value: { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: resource }, label: `${label} LambdaInvokePolicy`, path: [...pol.path, 'LambdaInvokePolicy'] });
      }
      // Other SAM policy templates allow other services' actions: nothing about invoking Lambda.
    }
    // Connectors, as resources and as the state machine's Connectors property: SAM writes an
    // Allow of lambda:InvokeAsync and lambda:InvokeFunction on the destination function's ARN.
    const connectors: { source: Json | undefined; destination: Json | undefined; permissions: Json | undefined; label: string; path: Path }[] = [];
    for (const cid of this.resourceIds()) {
      if (this.type(cid) !== 'AWS::Serverless::Connector' || !this.exists(cid, a)) continue;
      const props = resolve(this.read(['Resources', cid, 'Properties']), a);
      connectors.push({ source: getOwn(props, 'Source'), destination: getOwn(props, 'Destination'), permissions: getOwn(props, 'Permissions'), label: cid, path: ['Resources', cid] });
    }
    const embedded = resolve(this.read(['Resources', id, 'Connectors']), a);
    if (isObject(embedded)) {
      for (const name of Object.keys(embedded)) {
        const props = getOwn(embedded[name], 'Properties');
        connectors.push({ source: { Id: id }, destination: getOwn(props, 'Destination'), permissions: getOwn(props, 'Permissions'), label: `${id} Connectors ${name}`, path: ['Resources', id, 'Connectors', name] });
      }
    }
    for (const c of connectors) {
      if (getOwn(c.source, 'Id') !== id || !Array.isArray(c.permissions) || !c.permissions.includes('Write')) continue;
      const dest = getOwn(c.destination, 'Id');
      if (typeof dest !== 'string') continue;
      out.identity.push({ value: { Effect: 'Allow', Action: ['lambda:InvokeAsync', 'lambda:InvokeFunction'], Resource: { 'Fn::GetAtt': [dest, 'Arn'] } }, label: `${c.label} (Connector)`, path: c.path });
    }
  }
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

/** Short text of a value for messages. */
export function describeValue(v: Json): string {
  if (typeof v === 'string') return v;
  const r = refName(v);
  if (r !== undefined) return `{${r}}`;
  const ga = getAttPair(v);
  if (ga) return `{${ga[0]}.${ga[1]}}`;
  const s = JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 159)}…` : s;
}
