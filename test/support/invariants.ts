/**
 * Invariants of the WarmStepFunctions transform, checked on generated templates
 * (test/unit/properties.test.ts runs them a few hundred times, scripts/fuzz.ts a hundred thousand).
 *
 * Everything here is written independently of the macro's own code: its own Fn::Sub reader, its
 * own "what does this definition say once CloudFormation and Step Functions have filled it in"
 * (`materializeDefinition`), its own IAM matcher. Each check throws an Error that says precisely
 * what broke and where.
 */
import fc from 'fast-check';
import { TransformError } from '../../macro/errors';
import { transform } from '../../macro/core/transform';
import type { TransformOptions, TransformResult } from '../../macro/types';
import {
  ACCOUNT,
  CONDITIONS,
  anythingCase,
  brokenCase,
  clone,
  conditionalCase,
  cyclicCase,
  put,
  validCase,
  type ConditionalCase,
  type CyclicCase,
  type Env,
  type FnInfo,
  type LooseCase,
  type ValidCase,
  type ValueInfo,
  type WarmInfo,
} from './arbitraries';
import { checkAccounting } from './accounting';
import { dependencyGraph, findCycle } from './cycles';
import { checkEffective, checkNoWidening, iamCase, type IamCase } from './iam-cases';

type Path = (string | number)[];
export type Assignment = ReadonlyMap<string, boolean>;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function own(o: unknown, k: string): unknown {
  return isObj(o) && Object.hasOwn(o, k) ? o[k] : undefined;
}
function hasOwn(o: unknown, k: string): boolean {
  return isObj(o) && Object.hasOwn(o, k);
}
function short(v: unknown, max = 300): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
/** The function of a value that the oracle says is rewritten, and its warm target (the generator gives every such value both). */
function rewrittenTo(fns: Map<string, FnInfo>, v: ValueInfo): { f: FnInfo; w: WarmInfo } {
  const f = v.fn === undefined ? undefined : fns.get(v.fn);
  if (f?.warm === undefined) fail(`generator problem: ${v.machine} ${v.statePath} is rewritten, but names no function with a warm target`);
  return { f, w: f.warm };
}

function fail(message: string): never {
  throw new Error(message);
}

/* ------------------------------------------------------------------------------------------ */
/* Generic helpers: structural diff, freezing, prototype snapshot.                            */
/* ------------------------------------------------------------------------------------------ */

/** First structural difference (own keys, any order), or undefined. Iterative. */
export function diff(a: unknown, b: unknown, base = ''): string | undefined {
  const stack: [unknown, unknown, string][] = [[a, b, base]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [x, y, p] = top;
    if (Object.is(x, y)) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return `${p || '/'}: ${short(x)} ≠ ${short(y)}`;
    if (Array.isArray(x) !== Array.isArray(y)) return `${p || '/'}: ${short(x)} ≠ ${short(y)}`;
    if (Array.isArray(x)) {
      const ya = y as unknown[];
      if (x.length !== ya.length) return `${p || '/'}: list of ${x.length} ≠ list of ${ya.length} (${short(x, 200)} ≠ ${short(ya, 200)})`;
      for (let k = x.length - 1; k >= 0; k--) stack.push([x[k], ya[k], `${p}/${k}`]);
    } else {
      const xk = Object.keys(x);
      const yk = Object.keys(y);
      for (const k of xk) if (!Object.hasOwn(y, k)) return `${p}/${k}: present before, missing after (${short((x as Record<string, unknown>)[k], 200)})`;
      for (const k of yk) if (!Object.hasOwn(x, k)) return `${p}/${k}: missing before, present after (${short((y as Record<string, unknown>)[k], 200)})`;
      for (let k = xk.length - 1; k >= 0; k--) stack.push([(x as Record<string, unknown>)[xk[k]], (y as Record<string, unknown>)[xk[k]], `${p}/${xk[k]}`]);
    }
  }
  return undefined;
}

export function deepFreeze<T>(v: T): T {
  const seen = new Set<object>();
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x !== 'object' || x === null || seen.has(x)) continue;
    seen.add(x);
    Object.freeze(x);
    for (const k of Object.keys(x)) stack.push((x as Record<string, unknown>)[k]);
  }
  return v;
}

/** Own property names and descriptors of Object.prototype and Array.prototype. */
export function prototypeSnapshot(): string {
  const describe = (o: object): string[] =>
    Reflect.ownKeys(o)
      .map((k) => {
        const d = Object.getOwnPropertyDescriptor(o, k);
        return `${String(k)}:${typeof d?.value}:${d?.get ? 'get' : ''}${d?.set ? 'set' : ''}:${d?.enumerable}:${d?.writable}`;
      })
      .sort();
  return JSON.stringify({ object: describe(Object.prototype), array: describe(Array.prototype), proto: Object.getPrototypeOf(Object.prototype) });
}

/* ------------------------------------------------------------------------------------------ */
/* Running the transform.                                                                     */
/* ------------------------------------------------------------------------------------------ */

export type Outcome = { ok: true; result: TransformResult } | { ok: false; error: TransformError };

/** Properties 1 and 2: runs the transform on a frozen input; only a TransformError with a message may escape. */
export function runChecked(input: unknown, options: TransformOptions): Outcome {
  const snapshot = clone(input);
  deepFreeze(input);
  let outcome: Outcome;
  try {
    outcome = { ok: true, result: transform(input, options) };
  } catch (e) {
    if (!(e instanceof TransformError)) {
      const err = e as Error;
      fail(
        `transform threw ${err?.constructor?.name ?? typeof e}, not a TransformError: ${err?.message ?? String(e)}\n${String(err?.stack ?? '')
          .split('\n')
          .slice(0, 6)
          .join('\n')}`,
      );
    }
    if (typeof e.message !== 'string' || e.message.trim() === '') fail('TransformError with an empty message');
    if (!Array.isArray(e.problems) || e.problems.length === 0) fail(`TransformError without problems: ${e.message}`);
    for (const p of e.problems)
      if (typeof p.message !== 'string' || p.message === '' || typeof p.path !== 'string') fail(`TransformError with a malformed problem ${short(p)}`);
    outcome = { ok: false, error: e };
  }
  const changed = diff(snapshot, input);
  if (changed) fail(`the input was mutated: ${changed}`);
  if (outcome.ok) {
    const r = outcome.result;
    if (!isObj(r.fragment)) fail(`the result fragment is not an object: ${short(r.fragment)}`);
    if (!isObj(own(r.fragment, 'Resources'))) fail('the result fragment has no Resources object');
    if (!isObj(r.report) || !Array.isArray(r.report.decisions)) fail('the result has no report');
  }
  return outcome;
}

/* ------------------------------------------------------------------------------------------ */
/* Materialising a definition: what Step Functions finally sees.                              */
/* ------------------------------------------------------------------------------------------ */

export class Unresolvable extends Error {}

/** `@@X@@` stands for `Ref X`, `@@X.Y@@` for `GetAtt X.Y` (and `${X.Y}` in Fn::Sub). */
export function marker(name: string): string {
  return `@@${name}@@`;
}

const NO_VALUE = Symbol('AWS::NoValue');

/** The string a CloudFormation expression yields, with references as markers. */
export function materializeString(v: unknown, a: Assignment, depth = 0): string {
  const r = materializeValue(v, a, depth);
  if (r === NO_VALUE) throw new Unresolvable('AWS::NoValue where a string is needed');
  return r;
}

function materializeValue(v: unknown, a: Assignment, depth: number): string | typeof NO_VALUE {
  if (depth > 50) throw new Unresolvable('too deep');
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (!isObj(v)) throw new Unresolvable(`not a string expression: ${short(v, 80)}`);
  const keys = Object.keys(v);
  if (keys.length !== 1) throw new Unresolvable(`not a string expression: ${short(v, 80)}`);
  const [k] = keys;
  const arg = v[k];
  if (k === 'Ref' && typeof arg === 'string') return arg === 'AWS::NoValue' ? NO_VALUE : marker(arg);
  if (k === 'Fn::ImportValue') return marker(`import:${materializeString(arg, a, depth + 1)}`);
  if (k === 'Fn::GetAtt') {
    if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string' && typeof arg[1] === 'string') return marker(`${arg[0]}.${arg[1]}`);
    if (typeof arg === 'string' && arg.indexOf('.') > 0) return marker(arg);
  }
  if (k === 'Fn::Sub') {
    if (typeof arg === 'string') return substitute(arg, undefined, a, depth);
    if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string' && isObj(arg[1])) return substitute(arg[0], arg[1], a, depth);
  }
  if (k === 'Fn::Join' && Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
    const pieces: string[] = [];
    for (const p of arg[1]) {
      const s = materializeValue(p, a, depth + 1);
      if (s !== NO_VALUE) pieces.push(s);
    }
    return pieces.join(arg[0]);
  }
  // `Fn::Select [i, Fn::Split [d, s]]` (an alias name taken from its ARN): the field, or a marker of it
  // when `s` is a marker (sample values do not have the ARN's fields).
  if (k === 'Fn::Select' && Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'number' && isObj(arg[1]) && Array.isArray(arg[1]['Fn::Split'])) {
    const [d, source] = arg[1]['Fn::Split'] as unknown[];
    const text = materializeString(source, a, depth + 1);
    const field = typeof d === 'string' ? text.split(d)[arg[0]] : undefined;
    return field ?? marker(`${text.replace(/@/g, '')}#${arg[0]}`);
  }
  if (k === 'Fn::If' && Array.isArray(arg) && arg.length === 3 && typeof arg[0] === 'string') {
    if (!a.has(arg[0])) throw new Unresolvable(`Fn::If on condition ${arg[0]}, which is not one of the conditions of this template's targets`);
    return materializeValue(a.get(arg[0]) ? arg[1] : arg[2], a, depth + 1);
  }
  throw new Unresolvable(`cannot materialise ${short(v, 80)}`);
}

/** CloudFormation's Fn::Sub: `${!X}` → `${X}`; `${var}`; `${X.Y}` → GetAtt; `${X}` → Ref. */
function substitute(template: string, vars: Record<string, unknown> | undefined, a: Assignment, depth: number): string {
  let out = '';
  let i = 0;
  for (;;) {
    const open = template.indexOf('${', i);
    if (open < 0) return out + template.slice(i);
    out += template.slice(i, open);
    const close = template.indexOf('}', open + 2);
    if (close < 0) throw new Unresolvable('unclosed ${ in Fn::Sub');
    const name = template.slice(open + 2, close);
    if (name.startsWith('!')) out += `\${${name.slice(1)}}`;
    else if (vars && hasOwn(vars, name)) out += materializeString(vars[name], a, depth + 1);
    else if (name === '') throw new Unresolvable('empty ${} in Fn::Sub');
    else out += marker(name);
    i = close + 1;
  }
}

/** Step Functions' DefinitionSubstitutions: `${key}` for the keys of the map; every other `${` stays. */
function substitutions(text: string, subs: Map<string, string>): string {
  if (subs.size === 0) return text;
  let out = '';
  let i = 0;
  let from = 0;
  for (;;) {
    const open = text.indexOf('${', i);
    if (open < 0) return out + text.slice(from);
    const close = text.indexOf('}', open + 2);
    if (close < 0) return out + text.slice(from);
    const key = text.slice(open + 2, close);
    const sub = subs.get(key);
    if (sub !== undefined) {
      out += text.slice(from, open) + sub;
      from = close + 1;
      i = close + 1;
    } else i = open + 2;
  }
}

function isIntrinsic(v: unknown): boolean {
  if (!isObj(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/** The definition of a state machine resource as Step Functions would receive it under an assignment of conditions. */
export function materializeDefinition(resource: unknown, a: Assignment): { asl: unknown; text?: string } {
  const props = own(resource, 'Properties');
  const rawSubs = own(props, 'DefinitionSubstitutions');
  const subs = new Map<string, string>();
  if (isObj(rawSubs)) for (const k of Object.keys(rawSubs)) subs.set(k, materializeString(rawSubs[k], a));
  if (hasOwn(props, 'DefinitionString')) {
    const cfn = materializeString(own(props, 'DefinitionString'), a);
    const text = substitutions(cfn, subs);
    try {
      return { asl: JSON.parse(text), text: cfn };
    } catch (e) {
      throw new Unresolvable(`the materialised DefinitionString is not JSON (${(e as Error).message}): ${short(text, 400)}`);
    }
  }
  const def = own(props, 'Definition');
  if (!isObj(def) || isIntrinsic(def)) throw new Unresolvable('no Definition object');
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') return substitutions(v, subs);
    if (isIntrinsic(v)) return substitutions(materializeString(v, a), subs);
    if (Array.isArray(v)) return v.map(copy);
    if (isObj(v)) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v)) put(o, substitutions(k, subs), copy(v[k]));
      return o;
    }
    return v;
  };
  return { asl: copy(def) };
}

/** Every truth assignment of the conditions (one empty assignment when there are none). */
export function assignments(conditions: readonly string[]): Assignment[] {
  const out: Assignment[] = [];
  for (let m = 0; m < 1 << conditions.length; m++) out.push(new Map(conditions.map((c, k) => [c, (m & (1 << k)) !== 0])));
  return out;
}

function describeAssignment(a: Assignment): string {
  return a.size === 0 ? 'no conditions' : [...a].map(([c, v]) => `${c}=${v}`).join(', ');
}

function guardsHold(guards: readonly { condition: string; negate: boolean }[], a: Assignment): boolean {
  return guards.every((g) => a.get(g.condition) === !g.negate);
}

function getAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const k of path) node = Array.isArray(node) ? node[k as number] : own(node, String(k));
  return node;
}
function setAt(root: unknown, path: Path, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = (Array.isArray(node) ? node[k as number] : own(node, String(k))) as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (Array.isArray(node)) node[last as number] = value;
  else put(node, String(last), value);
}

/* ------------------------------------------------------------------------------------------ */
/* Property 3: idempotence.                                                                   */
/* ------------------------------------------------------------------------------------------ */

export function checkIdempotent(first: TransformResult, options: TransformOptions): void {
  let again: TransformResult;
  try {
    again = transform(clone(first.fragment), options);
  } catch (e) {
    fail(`running the macro on its own output fails: ${(e as Error).message}`);
  }
  const d = diff(first.fragment, again.fragment, 'fragment');
  if (d) fail(`not idempotent: the second run changes ${d}`);
  const rewritten = again.report.decisions.filter((x) => x.action === 'rewritten');
  if (rewritten.length && options.mode !== 'report') fail(`not idempotent: the second run reports rewrites: ${short(rewritten, 500)}`);
}

/* ------------------------------------------------------------------------------------------ */
/* Property 4: nothing changes outside the places the macro may edit.                         */
/* ------------------------------------------------------------------------------------------ */

const SM_TYPES = new Set(['AWS::StepFunctions::StateMachine', 'AWS::Serverless::StateMachine']);
const POLICY_TYPES = new Set(['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::RolePolicy']);

function without(o: unknown, keys: string[]): unknown {
  if (!isObj(o)) return o;
  const c: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (!keys.includes(k)) put(c, k, o[k]);
  return c;
}

function asList(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function isInvokeGrant(s: unknown): boolean {
  const action = own(s, 'Action');
  return own(s, 'Effect') === 'Allow' && asList(action).some((x) => typeof x === 'string' && x.toLowerCase() === 'lambda:invokefunction');
}

/** A statement may only get Resource entries appended. */
function additiveStatement(a: unknown, b: unknown, where: string): void {
  const d = diff(without(a, ['Resource']), without(b, ['Resource']), where);
  if (d) fail(`an IAM statement changed beyond its Resource list: ${d}`);
  const ra = asList(own(a, 'Resource'));
  const rb = asList(own(b, 'Resource'));
  if (rb.length < ra.length) fail(`${where}/Resource lost entries: ${short(ra)} → ${short(rb)}`);
  const d2 = diff(ra, rb.slice(0, ra.length), `${where}/Resource`);
  if (d2) fail(`an IAM statement's existing Resource entries changed: ${d2}`);
}

/** A policy document may only get statements appended or Resource entries added. */
function additiveDocument(a: unknown, b: unknown, where: string): void {
  if (!isObj(a)) {
    const d = diff(a, b, where);
    if (d) fail(`a policy document that is not an object changed: ${d}`);
    return;
  }
  const d = diff(without(a, ['Statement']), without(b, ['Statement']), where);
  if (d) fail(`a policy document changed beyond its statements: ${d}`);
  const sa = own(a, 'Statement');
  const sb = own(b, 'Statement');
  if (sa !== undefined && !isObj(sa) && !Array.isArray(sa)) {
    const d2 = diff(sa, sb, `${where}/Statement`);
    if (d2) fail(`a Statement that is neither a list nor an object changed: ${d2}`);
    return;
  }
  const la = asList(sa);
  const lb = asList(sb);
  if (lb.length < la.length) fail(`${where}/Statement lost statements`);
  la.forEach((s, k) => {
    additiveStatement(s, lb[k], `${where}/Statement/${k}`);
  });
  lb.slice(la.length).forEach((s, k) => {
    if (!isInvokeGrant(s)) fail(`${where}/Statement/${la.length + k}: the macro added a statement that is not an Allow lambda:InvokeFunction: ${short(s)}`);
  });
}

/** A list of inline policies / SAM policies may only get entries appended (each only granting invocations), each old entry additive. */
function additivePolicyList(a: unknown, b: unknown, where: string, entry: (x: unknown, y: unknown, w: string) => void, added: (y: unknown) => unknown): void {
  const appended = (list: unknown[], from: number): void => {
    list.slice(from).forEach((y, k) => {
      const statements = asList(own(added(y), 'Statement'));
      if (statements.length === 0 || !statements.every(isInvokeGrant))
        fail(`${where}/${from + k}: the macro added a policy that does more than allow lambda:InvokeFunction: ${short(y)}`);
    });
  };
  if (a !== undefined && !Array.isArray(a)) {
    // A single entry (SAM allows one policy document) or an intrinsic: it must survive as it is, or as the first entry.
    const first = Array.isArray(b) ? b[0] : b;
    if (isObj(a) && isIntrinsic(a)) {
      const d = diff(a, b, where);
      if (d) fail(`${where} is an intrinsic (${short(a, 120)}); the macro replaced it: ${d}`);
      return;
    }
    entry(a, first, Array.isArray(b) ? `${where}/0` : where);
    if (Array.isArray(b)) appended(b, 1);
    return;
  }
  const la = asList(a);
  if (!Array.isArray(b) && b !== undefined && la.length > 0) fail(`${where} was a list and is now ${short(b)}`);
  const lb = asList(b);
  if (lb.length < la.length) fail(`${where} lost entries`);
  la.forEach((x, k) => {
    entry(x, lb[k], `${where}/${k}`);
  });
  appended(lb, la.length);
}

/**
 * A resource the macro added: `<Role>WarmStepFunctionsPolicy[N]`, an AWS::IAM::Policy attached to
 * that role only, with the role's Condition, that only allows lambda:InvokeFunction (for a role
 * whose Policies is an intrinsic, or where a grant in the role would be circular).
 */
function checkAddedPolicy(ri: Record<string, unknown>, id: string, r: unknown): void {
  const where = `Resources/${id}`;
  const m = /^(.+)WarmStepFunctionsPolicy\d*$/.exec(id);
  const roleId = m?.[1];
  const role = roleId === undefined ? undefined : ri[roleId];
  if (!m || own(role, 'Type') !== 'AWS::IAM::Role') fail(`the macro added ${where}, which is not its policy for a role of the template`);
  const props = own(r, 'Properties');
  const extra = diff(Object.keys(r as object).sort(), ['Type', 'Properties', ...(own(role, 'Condition') !== undefined ? ['Condition'] : [])].sort());
  if (own(r, 'Type') !== 'AWS::IAM::Policy' || extra) fail(`${where} is not a plain AWS::IAM::Policy: ${short(r)}`);
  if (diff(own(r, 'Condition'), own(role, 'Condition'))) fail(`${where} does not have the Condition of ${roleId}`);
  if (diff(own(props, 'Roles'), [{ Ref: roleId }])) fail(`${where} is attached to more than ${roleId}: ${short(own(props, 'Roles'))}`);
  const statements = asList(own(own(props, 'PolicyDocument'), 'Statement'));
  if (statements.length === 0 || !statements.every(isInvokeGrant)) fail(`${where} does more than allow lambda:InvokeFunction: ${short(props)}`);
}

/** Property 4: resource by resource, key by key, only the places the macro may edit differ. */
export function checkOnlyAllowedChanges(input: unknown, output: unknown): void {
  if (!isObj(input) || !isObj(output)) fail('input or output is not an object');
  const top = diff(without(input, ['Resources']), without(output, ['Resources']));
  if (top) fail(`a top-level section changed: ${top}`);
  const ri = own(input, 'Resources') as Record<string, unknown>;
  const ro = own(output, 'Resources') as Record<string, unknown>;
  // The only resources the macro may add: its own policy for a role whose Policies is an intrinsic.
  const added = Object.keys(ro).filter((id) => !hasOwn(ri, id));
  for (const id of added) checkAddedPolicy(ri, id, ro[id]);
  const ids = diff(
    Object.keys(ri).sort(),
    Object.keys(ro)
      .filter((id) => hasOwn(ri, id))
      .sort(),
  );
  if (ids) fail(`the set of resources changed: ${ids}`);
  for (const id of Object.keys(ri)) {
    const a = ri[id];
    const b = ro[id];
    const where = `Resources/${id}`;
    const type = own(a, 'Type');
    if (!isObj(a) || typeof type !== 'string') {
      const d = diff(a, b, where);
      if (d) fail(`an unreadable resource changed: ${d}`);
    } else if (SM_TYPES.has(type)) checkStateMachineChange(a, b, where, type === 'AWS::Serverless::StateMachine', added);
    else if (type === 'AWS::IAM::Role') checkRoleChange(a, b, where);
    else if (POLICY_TYPES.has(type)) checkPolicyChange(a, b, where);
    else {
      const d = diff(a, b, where);
      if (d) fail(`a resource the macro has no business with changed: ${d}`);
    }
  }
}

/** A state machine: its definition, Metadata.WarmStepFunctions, DependsOn on the macro's own policies, and (SAM) its Policies may change. */
function checkStateMachineChange(a: unknown, b: unknown, where: string, sam: boolean, added: string[]): void {
  const pa = own(a, 'Properties');
  const pb = own(b, 'Properties');
  const editable = ['Definition', 'DefinitionString', 'DefinitionSubstitutions', ...(sam ? ['Policies'] : [])];
  const d =
    diff(without(a, ['Properties', 'Metadata', 'DependsOn']), without(b, ['Properties', 'Metadata', 'DependsOn']), where) ??
    diff(without(pa, editable), without(pb, editable), `${where}/Properties`);
  if (d) fail(`a state machine changed outside its definition: ${d}`);
  // DependsOn may only gain the policies the macro added (a string becomes a list).
  const da = own(a, 'DependsOn');
  const db = own(b, 'DependsOn');
  if (diff(da, db) !== undefined) {
    const la = asList(da);
    const lb = asList(db);
    const dd = diff(la, lb.slice(0, la.length), `${where}/DependsOn`);
    if (dd || !Array.isArray(db) || lb.slice(la.length).some((x) => typeof x !== 'string' || !added.includes(x)))
      fail(`${where}/DependsOn changed beyond the macro's own policies: ${short(da)} → ${short(db)}`);
  }
  for (const k of ['Definition', 'DefinitionString'])
    if (hasOwn(pa, k) !== hasOwn(pb, k)) fail(`${where}/Properties/${k}: the definition moved between Definition and DefinitionString`);
  checkMachineMetadata(own(a, 'Metadata'), own(b, 'Metadata'), where);
  if (sam)
    additivePolicyList(
      own(pa, 'Policies'),
      own(pb, 'Policies'),
      `${where}/Properties/Policies`,
      (x, y, w) => {
        if (isObj(x) && hasOwn(x, 'Statement')) additiveDocument(x, y, w);
        else {
          const dd = diff(x, y, w);
          if (dd) fail(`a SAM policy entry changed: ${dd}`);
        }
      },
      (y) => y,
    );
}

/** A state machine's Metadata: only its WarmStepFunctions key may change (an intrinsic stays as it is). */
function checkMachineMetadata(ma: unknown, mb: unknown, where: string): void {
  if (isIntrinsic(ma)) {
    const dm = diff(ma, mb, `${where}/Metadata`);
    if (dm) fail(`${where}/Metadata is an intrinsic function (${short(ma, 80)}); the macro changed it: ${dm}`);
  } else if (isObj(ma) || ma === undefined) {
    const dm = diff(without(ma ?? {}, ['WarmStepFunctions']), without(mb ?? {}, ['WarmStepFunctions']), `${where}/Metadata`);
    if (dm && !(ma === undefined && mb === undefined)) fail(`a state machine's Metadata changed beyond WarmStepFunctions: ${dm}`);
  } else if (diff(ma, mb) !== undefined && !(isObj(mb) && Object.keys(mb).length === 1 && hasOwn(mb, 'WarmStepFunctions'))) {
    fail(`${where}/Metadata changed: ${diff(ma, mb)}`);
  }
}

/** A role or policy without Properties may get them, to hold the grant (absent compares as {}). */
const propsOf = (r: unknown): unknown => own(r, 'Properties') ?? {};

/** A role: only its inline Policies may change, and only by additions. */
function checkRoleChange(a: unknown, b: unknown, where: string): void {
  const d =
    diff(without(a, ['Properties']), without(b, ['Properties']), where) ??
    diff(without(propsOf(a), ['Policies']), without(propsOf(b), ['Policies']), `${where}/Properties`);
  if (d) fail(`a role changed outside its Policies: ${d}`);
  additivePolicyList(
    own(own(a, 'Properties'), 'Policies'),
    own(own(b, 'Properties'), 'Policies'),
    `${where}/Properties/Policies`,
    (x, y, w) => {
      const dd = diff(without(x, ['PolicyDocument']), without(y, ['PolicyDocument']), w);
      if (dd) fail(`an inline policy changed beyond its document: ${dd}`);
      additiveDocument(own(x, 'PolicyDocument'), own(y, 'PolicyDocument'), `${w}/PolicyDocument`);
    },
    (y) => own(y, 'PolicyDocument'),
  );
}

/** A policy resource: only its PolicyDocument may change, and only by additions. */
function checkPolicyChange(a: unknown, b: unknown, where: string): void {
  const d =
    diff(without(a, ['Properties']), without(b, ['Properties']), where) ??
    diff(without(propsOf(a), ['PolicyDocument']), without(propsOf(b), ['PolicyDocument']), `${where}/Properties`);
  if (d) fail(`a policy changed outside its PolicyDocument: ${d}`);
  additiveDocument(own(own(a, 'Properties'), 'PolicyDocument'), own(own(b, 'Properties'), 'PolicyDocument'), `${where}/Properties/PolicyDocument`);
}

/* ------------------------------------------------------------------------------------------ */
/* Property 5: every invocation of a warm function now resolves to its warm target.           */
/* ------------------------------------------------------------------------------------------ */

/**
 * How a rewrite may also end when it would close a circular dependency (issue 12): by the target's
 * literal ARN, or not at all (`left`: `<machine>|<statePath>` of the slots the report says were left
 * because of a cycle).
 */
export interface CycleOutcomes {
  left: ReadonlySet<string>;
}

/** The materialised literal ARN of a warm target (an alias or SAM alias with a literal name, of a function with one). */
function literalTarget(f: FnInfo): string | undefined {
  const w = f.warm;
  if (!w || w.kind === 'version' || w.aliasName === undefined || f.name === undefined) return undefined;
  return `arn:${marker('AWS::Partition')}:lambda:${marker('AWS::Region')}:${marker('AWS::AccountId')}:function:${f.name}:${w.aliasName}`;
}

export function checkInvocations(c: ValidCase, output: unknown, cycles?: CycleOutcomes): void {
  const { oracle } = c;
  const fns = new Map<string, FnInfo>(oracle.functions.map((f) => [f.id, f]));
  const ri = own(c.template, 'Resources');
  const ro = own(output, 'Resources');
  for (const a of assignments(oracle.conditions)) {
    for (const m of oracle.machines) {
      let before: unknown;
      let after: unknown;
      try {
        before = materializeDefinition(own(ri, m.id), a).asl;
      } catch (e) {
        fail(`generator problem: the input definition of ${m.id} cannot be materialised: ${(e as Error).message}`);
      }
      try {
        after = materializeDefinition(own(ro, m.id), a).asl;
      } catch (e) {
        fail(`${m.id} (${m.form}), ${describeAssignment(a)}: the output definition does not resolve to a JSON document: ${(e as Error).message}`);
      }
      const expected = clone(before);
      for (const v of oracle.values) {
        if (v.machine !== m.id) continue;
        const actual = getAt(before, v.aslPath);
        if (typeof actual !== 'string') fail(`generator problem: ${m.id} ${v.aslPath.join('.')} is not a string`);
        if (!v.rewrite) continue;
        if (v.externalTarget) {
          setAt(expected, v.aslPath, v.externalTarget);
          continue;
        }
        if (cycles?.left.has(`${m.id}|${v.statePath}`)) continue;
        const { f, w } = rewrittenTo(fns, v);
        if (!guardsHold(w.guards, a)) continue;
        const literal = cycles ? literalTarget(f) : undefined;
        setAt(expected, v.aslPath, literal !== undefined && getAt(after, v.aslPath) === literal ? literal : marker(w.target));
      }
      const d = diff(expected, after, `${m.id}`);
      if (d) {
        const hit = oracle.values.find((v) => d.startsWith(`${m.id}/${v.aslPath.join('/')}`));
        const what = hit
          ? `the ${hit.invocation ? 'invocation' : 'data value'} at ${hit.statePath} (${hit.form}${hit.fn ? ` of ${hit.fn}` : ''}) ${hit.rewrite ? `should resolve to ${hit.externalTarget ?? rewrittenTo(fns, hit).w.target}` : 'should be left as it is'}`
          : 'a part of the definition that is not an invocation changed';
        fail(`${m.id} (${m.form}), ${describeAssignment(a)}: ${what}; expected vs actual: ${d}`);
      }
    }
  }
  // Metadata.WarmStepFunctions lists exactly the rewritten states.
  for (const m of oracle.machines) {
    const expected = oracle.values
      .filter((v) => v.machine === m.id && v.rewrite && !cycles?.left.has(`${m.id}|${v.statePath}`))
      .map((v) => v.statePath)
      .sort();
    // Metadata computed by an intrinsic (Fn::If) cannot take an entry; P4 checks it is left as it is.
    if (isIntrinsic(own(own(ri, m.id), 'Metadata'))) continue;
    const md = own(own(own(ro, m.id), 'Metadata'), 'WarmStepFunctions');
    if (expected.length === 0) {
      if (md !== undefined) fail(`${m.id}: nothing should be rewritten, yet Metadata.WarmStepFunctions is ${short(md)}`);
      continue;
    }
    if (!Array.isArray(md)) fail(`${m.id}: Metadata.WarmStepFunctions is missing (${expected.length} rewrites expected)`);
    const got = md.map((e) => own(e, 'path')).sort();
    const d = diff(expected, got);
    if (d) fail(`${m.id}: Metadata.WarmStepFunctions paths ${short(got)} ≠ rewritten states ${short(expected)}`);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Property 6: every reference points at something that exists.                              */
/* ------------------------------------------------------------------------------------------ */

const PSEUDO = new Set([
  'AWS::AccountId',
  'AWS::Region',
  'AWS::Partition',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::URLSuffix',
  'AWS::NoValue',
  'AWS::NotificationARNs',
]);

/**
 * Dangling references of a template (what is missing, e.g. `Ref X`, `resource X`, `condition C`): Ref, GetAtt, `${}` in Fn::Sub, Fn::If conditions, resource
 * Conditions. With an assignment, resources whose Condition is false do not exist, and only the
 * taken branch of each Fn::If counts.
 */
export function danglingReferences(template: unknown, a?: Assignment): Map<string, string> {
  const issues = new Map<string, string>();
  const note = (what: string, where: string): void => {
    if (!issues.has(what)) issues.set(what, where);
  };
  const resources = own(template, 'Resources');
  if (!isObj(resources)) return issues;
  const params = own(template, 'Parameters');
  const conds = own(template, 'Conditions');
  const active = (id: string): boolean => {
    if (!hasOwn(resources, id)) return false;
    const c = own(resources[id], 'Condition');
    return !(a && typeof c === 'string' && a.has(c) && !a.get(c));
  };
  const samAlias = (name: string): boolean => {
    if (!name.endsWith('.Alias')) return false;
    const fn = name.slice(0, -'.Alias'.length);
    const r = own(resources, fn);
    return active(fn) && own(r, 'Type') === 'AWS::Serverless::Function' && own(own(r, 'Properties'), 'AutoPublishAlias') !== undefined;
  };
  const refOk = (name: string): boolean => PSEUDO.has(name) || hasOwn(params, name) || active(name) || samAlias(name);
  const walk = (root: unknown, base: string): void => {
    const stack: [unknown, string][] = [[root, base]];
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      const [v, p] = top;
      if (Array.isArray(v)) {
        v.forEach((x, k) => {
          stack.push([x, `${p}/${k}`]);
        });
        continue;
      }
      if (!isObj(v)) continue;
      const keys = Object.keys(v);
      if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
        const k = keys[0];
        const arg = v[k];
        if (k === 'Ref') {
          if (typeof arg === 'string' && !refOk(arg)) note(`Ref ${arg}`, p);
          continue;
        }
        if (k === 'Fn::GetAtt') {
          const res = Array.isArray(arg) ? arg[0] : typeof arg === 'string' ? arg.split('.')[0] : undefined;
          if (typeof res === 'string' && !active(res)) note(`resource ${res}`, p);
          if (Array.isArray(arg))
            arg.forEach((x, k) => {
              if (typeof x !== 'string') stack.push([x, `${p}/Fn::GetAtt/${k}`]);
            });
          continue;
        }
        if (k === 'Fn::Sub') {
          const [tpl, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
          if (typeof tpl === 'string') {
            for (const m of tpl.matchAll(/\$\{([^}]*)\}/g)) {
              const name = m[1];
              if (name.startsWith('!') || hasOwn(vars, name)) continue;
              // `${X.Y}` is GetAtt [X, Y] (split at the first dot, when the dot is inside the name), else Ref.
              const dot = name.indexOf('.');
              const getAtt = dot > 0 && dot < name.length - 1;
              const ok = getAtt ? active(name.slice(0, dot)) || samAlias(name) : refOk(name);
              if (!ok) note(getAtt && !samAlias(name) ? `resource ${name.slice(0, dot)}` : `Ref ${name}`, p);
            }
          }
          if (isObj(vars)) for (const n of Object.keys(vars)) stack.push([vars[n], `${p}/${n}`]);
          continue;
        }
        if (k === 'Fn::If' && Array.isArray(arg) && arg.length === 3 && typeof arg[0] === 'string') {
          if (!hasOwn(conds, arg[0])) note(`condition ${arg[0]}`, p);
          if (a?.has(arg[0])) stack.push([a.get(arg[0]) ? arg[1] : arg[2], `${p}/Fn::If`]);
          else stack.push([arg[1], `${p}/Fn::If/1`], [arg[2], `${p}/Fn::If/2`]);
          continue;
        }
      }
      for (const k of keys) stack.push([v[k], `${p}/${k}`]);
    }
  };
  for (const id of Object.keys(resources)) {
    if (!active(id)) continue;
    const r = resources[id];
    const c = own(r, 'Condition');
    if (typeof c === 'string' && !hasOwn(conds, c)) note(`condition ${c}`, `Resources/${id}/Condition`);
    walk(r, `Resources/${id}`);
  }
  walk(own(template, 'Outputs'), 'Outputs');
  return issues;
}

/** `${name}` placeholders in a text, and whether each is bound. */
function placeholders(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\$\{([^}$]*)\}/g)) out.add(m[1]);
  return out;
}

/**
 * Loose ends of each state machine's definition: `unbound` placeholders (`${WarmStepFunctions…}`
 * without a DefinitionSubstitutions entry), and `unused` DefinitionSubstitutions keys and Fn::Sub
 * variables (harmless at deploy time, but dead entries the macro should not leave behind).
 */
export function definitionLooseEnds(template: unknown, conditions: readonly string[], kind: 'unbound' | 'unused'): Set<string> {
  const issues = new Set<string>();
  const resources = own(template, 'Resources');
  if (!isObj(resources)) return issues;
  for (const id of Object.keys(resources)) {
    const r = resources[id];
    if (!SM_TYPES.has(own(r, 'Type') as string)) continue;
    const props = own(r, 'Properties');
    const subs = own(props, 'DefinitionSubstitutions');
    const keys = isObj(subs) ? Object.keys(subs) : [];
    const seen = new Set<string>();
    for (const a of assignments(conditions)) {
      let text: string;
      try {
        const m = materializeDefinition(r, a);
        text = m.text ?? JSON.stringify(own(props, 'Definition'));
      } catch {
        continue;
      }
      for (const p of placeholders(text)) seen.add(p);
    }
    if (kind === 'unbound') {
      for (const p of seen)
        if (!keys.includes(p) && /^WarmStepFunctions/.test(p)) issues.add(`${id}: placeholder \${${p}} has no DefinitionSubstitutions entry`);
      continue;
    }
    for (const k of keys) if (!seen.has(k)) issues.add(`${id}: DefinitionSubstitutions key ${k} is not used`);
    const ds = own(props, 'DefinitionString');
    const sub = own(ds, 'Fn::Sub');
    if (Array.isArray(sub) && typeof sub[0] === 'string' && isObj(sub[1])) {
      const used = placeholders(sub[0]);
      for (const v of Object.keys(sub[1])) if (!used.has(v)) issues.add(`${id}: Fn::Sub variable ${v} is not used`);
    }
  }
  return issues;
}

/** Property 6 relative to the input: the output has no dangling reference the input did not have. */
export function checkReferences(input: unknown, output: unknown, conditions: readonly string[]): void {
  const compare = (before: Map<string, string> | Set<string>, after: Map<string, string> | Set<string>, what: string): void => {
    const added = [...after.keys()].filter((x) => !before.has(x)).map((x) => (after instanceof Map ? `${x} (at ${after.get(x)})` : x));
    if (added.length) fail(`${what}: ${added.slice(0, 5).join('; ')}`);
  };
  compare(danglingReferences(input), danglingReferences(output), 'the output refers to things that do not exist');
  for (const a of assignments(conditions)) {
    compare(danglingReferences(input, a), danglingReferences(output, a), `with ${describeAssignment(a)} the output refers to resources that do not exist`);
  }
  compare(definitionLooseEnds(input, conditions, 'unbound'), definitionLooseEnds(output, conditions, 'unbound'), 'unbound placeholders in a definition');
}

/** Property 6b: the macro leaves no DefinitionSubstitutions key or Fn::Sub variable unused that was used before. */
export function checkNoDeadEntries(input: unknown, output: unknown, conditions: readonly string[]): void {
  const before = definitionLooseEnds(input, conditions, 'unused');
  const added = [...definitionLooseEnds(output, conditions, 'unused')].filter((x) => !before.has(x));
  if (added.length) fail(`the macro left dead entries behind: ${added.slice(0, 5).join('; ')}`);
}

/* ------------------------------------------------------------------------------------------ */
/* Property 7: `__proto__` keys survive as own data; no object gets an odd prototype.         */
/* ------------------------------------------------------------------------------------------ */

export function checkProtoKeys(input: unknown, output: unknown): void {
  const stack: [unknown, unknown, string][] = [[input, output, '']];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [a, b, p] = top;
    if (Array.isArray(a) && Array.isArray(b))
      a.forEach((x, k) => {
        stack.push([x, b[k], `${p}/${k}`]);
      });
    else if (isObj(a) && isObj(b)) {
      // (Its value may legitimately change inside a definition: properties 4 and 5 judge values.)
      if (hasOwn(a, '__proto__') && !hasOwn(b, '__proto__')) fail(`${p}/__proto__ is no longer an own property`);
      for (const k of Object.keys(a)) if (hasOwn(b, k)) stack.push([a[k], b[k], `${p}/${k}`]);
    }
  }
  const all: [unknown, string][] = [[output, '']];
  for (let top = all.pop(); top !== undefined; top = all.pop()) {
    const [v, p] = top;
    if (typeof v !== 'object' || v === null) continue;
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) fail(`${p || '/'} has an unexpected prototype ${short(proto)}`);
    for (const k of Object.keys(v)) all.push([(v as Record<string, unknown>)[k], `${p}/${k}`]);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* IAM: the role may invoke every new target.                                                 */
/* ------------------------------------------------------------------------------------------ */

/** IAM wildcard match (`*`, `?`), via a regular expression. */
function iamMatch(pattern: string, text: string, caseInsensitive = false): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[\\s\\S]*')
      .replace(/\?/g, '[\\s\\S]')}$`,
    caseInsensitive ? 'i' : '',
  );
  return re.test(text);
}

class ArnRenderer {
  constructor(
    private readonly resources: Record<string, unknown>,
    private readonly a: Assignment,
    private readonly env: Env,
  ) {}
  private fnName(id: string): string {
    const n = own(own(this.resources[id], 'Properties'), 'FunctionName');
    return typeof n === 'string' ? n : `{${id}}`;
  }
  private fnOf(value: unknown): string | undefined {
    if (isObj(value) && typeof value.Ref === 'string') return value.Ref;
    if (isObj(value) && Array.isArray(value['Fn::GetAtt'])) return (value['Fn::GetAtt'] as string[])[0];
    if (typeof value === 'string') {
      // A function name, or a function ARN (full or partial) ending with the name.
      const name = /^(?:arn:[^:]+:lambda:[^:]*:[^:]*:function:|\d{12}:function:)?([^:]+)$/.exec(value)?.[1];
      for (const id of Object.keys(this.resources)) {
        const r = this.resources[id];
        const isFunction = own(r, 'Type') === 'AWS::Lambda::Function' || own(r, 'Type') === 'AWS::Serverless::Function';
        if (isFunction && name !== undefined && own(own(r, 'Properties'), 'FunctionName') === name) return id;
      }
    }
    return undefined;
  }
  private prefix(): string {
    return `arn:${this.env.partition}:lambda:${this.env.region}:${ACCOUNT}:function:`;
  }
  /** The strings a value yields (several for a list); undefined parts become `{?}`. */
  render(v: unknown, depth = 0): string[] {
    if (depth > 20) return ['{?}'];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) return v.flatMap((x) => this.render(x, depth + 1));
    if (!isObj(v)) return ['{?}'];
    const keys = Object.keys(v);
    if (keys.length !== 1) return ['{?}'];
    const arg = v[keys[0]];
    switch (keys[0]) {
      case 'Ref': {
        const id = String(arg);
        if (id === 'AWS::Partition') return [this.env.partition];
        if (id === 'AWS::Region') return [this.env.region];
        if (id === 'AWS::AccountId') return [ACCOUNT];
        if (id === 'AWS::NoValue') return [];
        if (id.endsWith('.Alias')) {
          const fn = id.slice(0, -6);
          const alias = own(own(this.resources[fn], 'Properties'), 'AutoPublishAlias');
          return [`${this.prefix()}${this.fnName(fn)}:${typeof alias === 'string' ? alias : `{${id}}`}`];
        }
        const r = this.resources[id];
        const type = own(r, 'Type');
        if (type === 'AWS::Lambda::Function' || type === 'AWS::Serverless::Function') return [this.fnName(id)];
        if (type === 'AWS::Lambda::Alias' || type === 'AWS::Lambda::Version') {
          const fn = this.fnOf(own(own(r, 'Properties'), 'FunctionName'));
          const name = type === 'AWS::Lambda::Alias' ? own(own(r, 'Properties'), 'Name') : undefined;
          return [`${this.prefix()}${fn ? this.fnName(fn) : '{?}'}:${typeof name === 'string' ? name : `{${id}}`}`];
        }
        return [`{${id}}`];
      }
      case 'Fn::GetAtt': {
        const pair = Array.isArray(arg) ? arg : typeof arg === 'string' ? arg.split('.') : [];
        return pair[1] === 'Arn' ? [`${this.prefix()}${this.fnName(String(pair[0]))}`] : ['{?}'];
      }
      case 'Fn::If': {
        if (!Array.isArray(arg) || !this.a.has(String(arg[0]))) return ['{?}'];
        return this.render(this.a.get(String(arg[0])) ? arg[1] : arg[2], depth + 1);
      }
      case 'Fn::Sub':
      case 'Fn::Join': {
        try {
          const s = materializeString(v, this.a);
          return [
            s.replace(/@@([^@]*)@@/g, (_m, name: string) => {
              const dot = name.indexOf('.');
              return this.render(dot > 0 ? { 'Fn::GetAtt': [name.slice(0, dot), name.slice(dot + 1)] } : { Ref: name }, depth + 1).join(',');
            }),
          ];
        } catch {
          return ['{?}'];
        }
      }
    }
    return ['{?}'];
  }
}

interface Statement {
  effect: unknown;
  actions: unknown[];
  resources: unknown[];
  condition: unknown;
}

/** The policy statements that apply to a state machine's role under an assignment. */
function statementsFor(template: unknown, machine: string, a: Assignment, env: Env): Statement[] | undefined {
  const resources = own(template, 'Resources') as Record<string, unknown>;
  const sm = resources[machine];
  const props = own(sm, 'Properties');
  const pick = (v: unknown): unknown => {
    let x = v;
    for (let k = 0; k < 10 && isObj(x) && Array.isArray(x['Fn::If']); k++) {
      const [c, yes, no] = x['Fn::If'] as unknown[];
      x = a.get(String(c)) ? yes : no;
    }
    return x;
  };
  const docs: unknown[] = [];
  const out: Statement[] = [];
  const sam = own(sm, 'Type') === 'AWS::Serverless::StateMachine';
  let roleValue = own(props, sam ? 'Role' : 'RoleArn');
  if (sam && roleValue === undefined) {
    for (const p of asList(pick(own(props, 'Policies')))) {
      const entry = pick(p);
      if (isObj(entry) && hasOwn(entry, 'Statement')) docs.push(entry);
      const lip = own(entry, 'LambdaInvokePolicy');
      if (isObj(lip)) {
        const fnName = own(lip, 'FunctionName');
        const names = new ArnRenderer(resources, a, env).render(fnName);
        out.push({
          effect: 'Allow',
          actions: ['lambda:InvokeFunction'],
          resources: names.map((n) => `arn:${env.partition}:lambda:${env.region}:${ACCOUNT}:function:${n}*`),
          condition: undefined,
        });
      }
    }
  } else {
    if (isObj(roleValue) && hasOwn(roleValue, 'Fn::Sub')) {
      const m = /^\$\{([A-Za-z0-9]+)\.Arn\}$/.exec(String(roleValue['Fn::Sub']));
      roleValue = m ? { 'Fn::GetAtt': [m[1], 'Arn'] } : roleValue;
    }
    const ga = own(roleValue, 'Fn::GetAtt');
    const role = Array.isArray(ga) ? ga[0] : typeof ga === 'string' ? ga.split('.')[0] : undefined;
    if (typeof role !== 'string' || own(resources[role], 'Type') !== 'AWS::IAM::Role') return undefined;
    const rp = own(resources[role], 'Properties');
    for (const p of asList(pick(own(rp, 'Policies')))) docs.push(own(pick(p), 'PolicyDocument'));
    const managed = asList(own(rp, 'ManagedPolicyArns')).map((m) => own(m, 'Ref'));
    for (const id of Object.keys(resources)) {
      const r = resources[id];
      const type = own(r, 'Type');
      if (typeof type !== 'string' || !POLICY_TYPES.has(type)) continue;
      const c = own(r, 'Condition');
      if (typeof c === 'string' && a.has(c) && !a.get(c)) continue;
      const roles = type === 'AWS::IAM::RolePolicy' ? [own(own(r, 'Properties'), 'RoleName')] : asList(own(own(r, 'Properties'), 'Roles'));
      if (managed.includes(id) || roles.some((x) => own(x, 'Ref') === role)) docs.push(own(own(r, 'Properties'), 'PolicyDocument'));
    }
  }
  for (const d of docs) {
    for (const s of asList(own(d, 'Statement'))) {
      out.push({
        effect: own(s, 'Effect'),
        actions: asList(own(s, 'Action')),
        resources: asList(own(s, 'Resource')).map(pick),
        condition: own(s, 'Condition'),
      });
    }
  }
  return out;
}

/** The role (or SAM policies) of every rewritten state machine allows invoking each new target. */
export function checkIam(c: ValidCase, result: TransformResult, cycles?: CycleOutcomes & { machines?: ReadonlySet<string> }): void {
  const output = result.fragment;
  const resources = own(output, 'Resources') as Record<string, unknown>;
  const fns = new Map<string, FnInfo>(c.oracle.functions.map((f) => [f.id, f]));
  for (const a of assignments(c.oracle.conditions)) {
    const render = new ArnRenderer(resources, a, c.oracle.env);
    for (const m of c.oracle.machines) {
      if (!m.role && !m.samPolicies) continue;
      // A machine whose grant the report says would close a circular dependency was left to the user.
      if (cycles?.machines?.has(m.id)) continue;
      const rewritten = c.oracle.values.filter((v) => v.machine === m.id && v.rewrite && !cycles?.left.has(`${m.id}|${v.statePath}`));
      const targets = new Map<string, { id: string; arn: string }>();
      for (const v of rewritten) {
        if (v.externalTarget) targets.set(v.externalTarget, { id: v.externalTarget, arn: v.externalTarget });
        else {
          const { w } = rewrittenTo(fns, v);
          if (guardsHold(w.guards, a)) targets.set(w.target, { id: w.target, arn: render.render({ Ref: w.target })[0] });
        }
      }
      if (targets.size === 0) continue;
      const statements = statementsFor(output, m.id, a, c.oracle.env);
      if (!statements) fail(`${m.id}: cannot find its role in the output`);
      for (const { id: target, arn } of targets.values()) {
        const allows = (s: Statement): boolean =>
          s.condition === undefined &&
          s.actions.some((x) => typeof x === 'string' && iamMatch(x, 'lambda:InvokeFunction', true)) &&
          s.resources.some((r) => render.render(r).some((pattern) => iamMatch(pattern, arn)));
        const allowed = statements.some((s) => s.effect === 'Allow' && allows(s));
        const denied = statements.some((s) => s.effect === 'Deny' && allows(s));
        if (!allowed || denied) {
          fail(
            `${m.id}, ${describeAssignment(a)}: its role does not allow lambda:InvokeFunction on the new target ${target} (${arn}); grants: ${short(
              statements.filter((s) => s.actions.some((x) => typeof x === 'string' && /lambda|\*/i.test(x))).map((s) => s.resources),
              400,
            )}`,
          );
        }
      }
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Circular dependencies (issue 12): with an independent detector (test/support/cycles.ts).   */
/* ------------------------------------------------------------------------------------------ */

const CYCLE = /would make a circular dependency \(([^()]+)\)/;

/**
 * A template without a circular dependency gets none from the macro, whichever writer adds a
 * reference (a definition slot, a DefinitionSubstitutions key, an Fn::Sub variable, an IAM grant,
 * the macro's own policy, a DependsOn). Every invocation of a warm function moves to its target,
 * by reference or by literal ARN, or stays as it was with a warning that names a cycle; each such
 * cycle is real: but for the edge the macro did not add, every link of it is a dependency of the
 * template.
 */
export function checkCycles(c: CyclicCase, r: TransformResult): void {
  if (findCycle(c.template)) return; // the property is about templates without one
  const after = findCycle(r.fragment);
  if (after) fail(`the output has a circular dependency that the input did not have: ${after.join(' → ')}`);
  const left = new Set<string>();
  const iamMachines = new Set<string>();
  // Mode report reasons about the template the rewrite would write (the output is the input).
  const written = c.options.mode === 'report' ? transform(clone(c.template), { ...c.options, mode: 'rewrite' }).fragment : r.fragment;
  const graphs = [dependencyGraph(c.template), dependencyGraph(written)];
  for (const d of r.report.decisions) {
    if (d.action !== 'warning') continue;
    const m = CYCLE.exec(d.reason);
    if (!m) continue;
    const chain = m[1].split(' → ');
    if (chain.length < 3 || chain[0] !== chain[chain.length - 1]) fail(`a warning names something that is not a cycle: ${d.reason}`);
    if (d.statePath !== undefined) {
      left.add(`${d.stateMachine}|${d.statePath}`);
      // The slot stays: the first link is the reference the macro did not write; the others exist.
      if (chain[0] !== d.stateMachine) fail(`the cycle of a slot left as it is does not start at its state machine: ${d.reason}`);
      for (let k = 1; k + 1 < chain.length; k++) {
        if (!graphs.some((g) => g.get(chain[k])?.has(chain[k + 1])))
          fail(`the warning names a cycle through ${chain[k]} → ${chain[k + 1]}, which is no dependency of the template: ${d.reason}`);
      }
    } else iamMachines.add(d.stateMachine);
  }
  checkInvocations(c, r.fragment, { left });
  checkIam(c, r, { left, machines: iamMachines });
}

/* ------------------------------------------------------------------------------------------ */
/* Whole-case checks used by the test and the fuzz script.                                    */
/* ------------------------------------------------------------------------------------------ */

/** Generator sanity: the valid generator makes templates without dangling references. */
export function checkGenerated(c: ValidCase): void {
  const d = [...danglingReferences(c.template).keys()];
  for (const a of assignments(c.oracle.conditions)) d.push(...danglingReferences(c.template, a).keys());
  if (d.length) fail(`generator problem: the input has dangling references: ${d.slice(0, 3).join('; ')}`);
}

/** Runs a valid case; a valid template must never be rejected. */
export function runValid(c: ValidCase): TransformResult {
  const o = runChecked(c.template, c.options);
  if (!o.ok) fail(`a valid template was rejected: ${o.error.message}`);
  return o.result;
}

/** Properties 1, 2 (and 3, 4, 6, 7 when it succeeds) for damaged or arbitrary inputs. */
export function checkLoose(c: LooseCase): void {
  const input = clone(c.template);
  const o = runChecked(c.template, c.options);
  if (!o.ok) return;
  const out = o.result.fragment;
  if (c.options.mode === 'report') {
    const d = diff(input, out);
    if (d) fail(`Mode report changed the template: ${d}`);
    return;
  }
  checkProtoKeys(input, out);
  checkOnlyAllowedChanges(input, out);
  checkReferences(input, out, []);
  checkIdempotent(o.result, c.options);
}

/* ------------------------------------------------------------------------------------------ */
/* The properties, shared by test/unit/properties.test.ts and scripts/fuzz.ts.                */
/* ------------------------------------------------------------------------------------------ */

export interface NamedProperty<T> {
  id: string;
  title: string;
  /** Share of the run budget. */
  share: number;
  arbitrary: () => fc.Arbitrary<T>;
  check: (c: T) => void;
}

const valid = (id: string, title: string, share: number, check: (c: ValidCase, r: TransformResult) => void): NamedProperty<ValidCase> => ({
  id,
  title,
  share,
  arbitrary: validCase,
  check: (c) => {
    checkGenerated(c);
    check(c, runValid(c));
  },
});

export const PROPERTIES: NamedProperty<ValidCase | LooseCase | IamCase>[] = [
  {
    id: 'never-throws-damaged',
    title: 'P1/P2: on damaged templates it returns a template or throws a TransformError with a message, and never mutates its input',
    share: 0.15,
    arbitrary: brokenCase,
    check: (c) => checkLoose(c as LooseCase),
  },
  {
    id: 'never-throws-anything',
    title: 'P1/P2: on arbitrary values it returns a template or throws a TransformError with a message',
    share: 0.1,
    arbitrary: anythingCase,
    check: (c) => checkLoose(c as LooseCase),
  },
  valid('idempotent', 'P3: transform(transform(x).fragment) equals transform(x).fragment', 0.05, (c, r) => checkIdempotent(r, c.options)),
  valid('only-allowed-changes', 'P4: nothing changes outside definitions, DefinitionSubstitutions, IAM policies and state machine Metadata', 0.05, (c, r) =>
    checkOnlyAllowedChanges(c.template, r.fragment),
  ),
  {
    id: 'accounting',
    title:
      'Accounting: with Fn::If above the invocations (whole states, Parameters, States maps, Parallel branches), Qualifier and Fn::ToJsonString, every Lambda invocation of every rendered definition, under every assignment of the conditions, has a decision in the report whose conditions hold there (independent renderer and state walker); a "rewritten" one changed it; P3 and P4 hold',
    share: 0.1,
    arbitrary: conditionalCase,
    check: (c) => {
      const cc = c as ConditionalCase;
      const r = runValid(cc);
      checkAccounting(cc.template, r, cc.options, CONDITIONS);
      if (cc.options.mode !== 'report') checkOnlyAllowedChanges(cc.template, r.fragment);
      checkIdempotent(r, cc.options);
    },
  },
  valid(
    'warm-invocations',
    'P5: every invocation of a warm function resolves to its warm target (independent oracle), nothing else in the definition changes',
    0.1,
    (c, r) => checkInvocations(c, r.fragment),
  ),
  valid('references-exist', 'P6: every Ref, GetAtt, ${} and condition in the output exists (under every assignment of the conditions)', 0.1, (c, r) =>
    checkReferences(c.template, r.fragment, c.oracle.conditions),
  ),
  valid('no-dead-entries', 'P6b: no DefinitionSubstitutions key or Fn::Sub variable is left unused', 0.05, (c, r) =>
    checkNoDeadEntries(c.template, r.fragment, c.oracle.conditions),
  ),
  valid('iam-grants', 'IAM: the role of every rewritten state machine may invoke each new target', 0.05, (c, r) => checkIam(c, r)),
  {
    id: 'iam-effective',
    title:
      'IAM: every rewritten invocation is allowed for its calling principal (role, Fn::If role, Credentials role, SAM role) in every combination of conditions, by an independent evaluator, or a warning names what stands in the way and Mode strict fails',
    share: 0.05,
    arbitrary: iamCase,
    check: (c) => {
      const ic = c as IamCase;
      const r = runChecked(ic.template, ic.options);
      if (!r.ok) fail(`a valid template was rejected: ${r.error.message}`);
      checkEffective(ic, r.result);
    },
  },
  {
    id: 'iam-no-widening',
    title:
      'IAM: for every principal and combination, the (action, resource) pairs allowed after the macro are those allowed before plus exactly lambda:InvokeFunction on the new target',
    share: 0.05,
    arbitrary: iamCase,
    check: (c) => {
      const ic = c as IamCase;
      const r = runChecked(ic.template, ic.options);
      if (!r.ok) fail(`a valid template was rejected: ${r.error.message}`);
      checkNoWidening(ic, r.result);
    },
  },
  valid('proto-keys', 'P7: __proto__ keys survive as own data properties; no object gets another prototype', 0.05, (c, r) =>
    checkProtoKeys(c.template, r.fragment),
  ),
  {
    id: 'no-new-cycles',
    title:
      'Cycles: with dependencies back from functions to state machines, a template without a circular dependency gets none (independent detector); each invocation moves to its target by reference or literal ARN, or stays with a warning that names a real cycle; P3, P4, P6 hold',
    share: 0.1,
    arbitrary: cyclicCase,
    check: (c) => {
      const cc = c as CyclicCase;
      checkGenerated(cc);
      const r = runValid(cc);
      checkCycles(cc, r);
      checkOnlyAllowedChanges(cc.template, r.fragment);
      checkReferences(cc.template, r.fragment, cc.oracle.conditions);
      // On a template that is circular already, a literal ARN may break the circle, and a second run
      // may then point a slot at its target that the circle held back.
      if (!findCycle(cc.template)) checkIdempotent(r, cc.options);
    },
  },
] as NamedProperty<ValidCase | LooseCase | IamCase>[];

/**
 * Runs one property and returns fast-check's details, in two phases: find the first failure (no
 * time limit, so a slow machine cannot cause a failure), then shrink it from its path for at most
 * `shrinkMs`; past that, the smallest counterexample found so far is reported.
 */
export function runProperty<T>(p: NamedProperty<T>, numRuns: number, options: { seed?: number; path?: string; shrinkMs?: number } = {}): fc.RunDetails<[T]> {
  const property = fc.property(p.arbitrary(), (c) => {
    p.check(c);
  });
  const found = fc.check(property, { numRuns, seed: options.seed, path: options.path, endOnFailure: true });
  if (!found.failed || found.counterexamplePath === null) return found;
  const shrunk = fc.check(property, {
    seed: found.seed,
    path: found.counterexamplePath,
    interruptAfterTimeLimit: options.shrinkMs,
    markInterruptAsFailure: false,
  });
  // Keep the run count of the search; the replay reports only its own.
  return shrunk.failed ? { ...shrunk, numRuns: found.numRuns } : found;
}

/** A failure report: the seed and path to replay it, what broke, and the shrunk counterexample. */
export function describeFailure<T>(p: NamedProperty<T>, d: fc.RunDetails<[T]>, maxChars = 20000): string {
  const err = d.errorInstance instanceof Error ? d.errorInstance.message : String(d.errorInstance);
  let example: string;
  const ce = d.counterexample?.[0] as unknown;
  const body = isObj(ce) && 'template' in ce ? { template: ce.template, options: ce.options, ...('damage' in ce ? { damage: ce.damage } : {}) } : ce;
  try {
    example = JSON.stringify(body) ?? String(body);
  } catch (e) {
    // Too deep to print: the damage log still says what was done to which template.
    example = `<too deep to print (${(e as Error).message})> damage: ${short(own(body, 'damage'), 2000)} options: ${short(own(body, 'options'))}`;
  }
  if (d.counterexample === null) example = d.interrupted ? '<none: the run was interrupted by its time limit before any failure>' : '<none>';
  if (example.length > maxChars) example = `${example.slice(0, maxChars)}… (${example.length} characters)`;
  return [
    `${p.id} failed after ${d.numRuns} runs and ${d.numShrinks} shrinks${d.interrupted ? ' (time limit reached: shrinking stopped early)' : ''} (replay: seed ${d.seed}, path "${d.counterexamplePath}")`,
    err
      .split('\n')
      .filter((l) => !/node_modules|fast-check/.test(l))
      .slice(0, 12)
      .join('\n'),
    `counterexample: ${example}`,
  ].join('\n');
}
