/**
 * An IAM evaluator for the tests, independent of the product's (macro/core/iam/evaluate.ts and
 * principal.ts): it shares no code with it and is built another way.
 *
 * Why not `@cloud-copilot/iam-simulate`: it is AGPL-3.0 and not installed here; a test-side
 * evaluator needs no new dependency, and it can be small because it decides only what the property
 * tests ask (which (action, resource) pairs a role of a CloudFormation template may use).
 *
 * How it differs from the product, so that one's mistake is unlikely to hide the other's:
 * - the template is materialized first for one assignment of the conditions (every Fn::If chosen,
 *   AWS::NoValue removed, resources whose Condition is false removed), then read as plain JSON;
 * - ARNs are rendered with real-looking values (us-east-1, 123456789012, the function's name or
 *   logical ID, the alias's Name), not with stand-ins;
 * - patterns are matched with regular expressions, not with a two-pointer matcher;
 * - it computes the whole set of allowed pairs over a finite universe, so it can also compare the
 *   permissions before and after the macro.
 *
 * The logic is AWS's, as documented in the IAM User Guide ("Policy evaluation logic", "Policy
 * evaluation for requests within a single account", "Permissions boundaries for IAM entities",
 * "IAM JSON policy elements: NotAction / NotResource"):
 *   allowed(action, resource) = no Deny applies (identity or boundary)
 *                               and some identity Allow applies
 *                               and (no boundary, or some boundary Allow applies).
 * What a test template cannot settle (a statement with a Condition, a Resource that is a
 * parameter, an external policy or boundary) is reported as `unknown`, never as allowed.
 */

type Obj = Record<string, any>;
export type Assignment = ReadonlyMap<string, boolean>;

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: unknown, k: string): any => (isObj(o) && Object.hasOwn(o, k) ? o[k] : undefined);
const listOf = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const NO_VALUE = Symbol('NoValue');

/** The template as deployed under `a`: Fn::If chosen, NoValue removed, conditional resources removed. */
export function materialize(template: unknown, a: Assignment): Obj {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk).filter((x) => x !== NO_VALUE);
    if (!isObj(v)) return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === 'Ref' && v.Ref === 'AWS::NoValue') return NO_VALUE;
    if (keys.length === 1 && keys[0] === 'Fn::If') {
      const [c, yes, no] = v['Fn::If'];
      return walk(a.get(c) === false ? no : yes);
    }
    const out: Obj = {};
    for (const k of keys) {
      const x = walk(v[k]);
      if (x !== NO_VALUE) Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  const t = walk(template) as Obj;
  const resources: Obj = {};
  for (const [id, r] of Object.entries<Obj>(own(t, 'Resources') ?? {})) {
    const c = own(r, 'Condition');
    if (typeof c === 'string' && a.get(c) === false) continue;
    resources[id] = r;
  }
  return { ...t, Resources: resources };
}

/** ARN text of a value in a materialized template, or undefined when it is not knowable (a parameter, an import). */
export function arnOf(v: unknown, t: Obj): string | undefined {
  const res = own(t, 'Resources') as Obj;
  const fnName = (id: string): string => {
    const n = own(own(res[id], 'Properties'), 'FunctionName');
    return typeof n === 'string' ? n : `${id}-generated`;
  };
  const fnArn = (id: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fnName(id)}`;
  const ref = (name: string): string | undefined => {
    if (name === 'AWS::Partition') return 'aws';
    if (name === 'AWS::Region') return REGION;
    if (name === 'AWS::AccountId') return ACCOUNT;
    if (name === 'AWS::URLSuffix') return 'amazonaws.com';
    const r = res[name];
    if (!r) return undefined;
    if (r.Type === 'AWS::Lambda::Function' || r.Type === 'AWS::Serverless::Function') return fnName(name);
    if (r.Type === 'AWS::Lambda::Alias') {
      const fn = own(own(r, 'Properties'), 'FunctionName');
      const fnId = own(fn, 'Ref');
      const aliasName = own(own(r, 'Properties'), 'Name');
      return typeof fnId === 'string' && typeof aliasName === 'string' ? `${fnArn(fnId)}:${aliasName}` : undefined;
    }
    if (r.Type === 'AWS::IAM::ManagedPolicy') return `arn:aws:iam::${ACCOUNT}:policy/${name}`;
    return undefined;
  };
  const getAtt = (id: string, attr: string): string | undefined => {
    const r = res[id];
    if (!r) return undefined;
    if (attr === 'Arn' && (r.Type === 'AWS::Lambda::Function' || r.Type === 'AWS::Serverless::Function')) return fnArn(id);
    if (attr === 'Arn' && r.Type === 'AWS::IAM::Role') return `arn:aws:iam::${ACCOUNT}:role/${id}`;
    return undefined;
  };
  const r = (x: unknown): string | undefined => {
    if (typeof x === 'string') return x;
    if (!isObj(x)) return undefined;
    if (typeof x.Ref === 'string') return ref(x.Ref);
    if (x['Fn::GetAtt'] !== undefined) {
      const ga = x['Fn::GetAtt'];
      const [id, attr] = Array.isArray(ga) ? ga : String(ga).split('.');
      return getAtt(id, attr);
    }
    if (x['Fn::Join'] !== undefined) {
      const [d, pieces] = x['Fn::Join'];
      const parts = listOf(pieces).map(r);
      return parts.every((p) => p !== undefined) ? parts.join(d) : undefined;
    }
    if (x['Fn::Sub'] !== undefined) {
      const [tpl, vars] = Array.isArray(x['Fn::Sub']) ? x['Fn::Sub'] : [x['Fn::Sub'], {}];
      let ok = true;
      const text = String(tpl).replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
        const v =
          vars && Object.hasOwn(vars, name)
            ? r(vars[name])
            : name.includes('.')
              ? getAtt(name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1))
              : ref(name);
        if (v === undefined) ok = false;
        return v ?? '';
      });
      return ok ? text.replace(/\$\{!/g, '${') : undefined;
    }
    return undefined;
  };
  return r(v);
}

/** IAM glob as a regular expression: `*` any run, `?` one character; actions ignore case. */
function globMatch(pattern: string, text: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(text);
}

type Three = 'yes' | 'no' | 'unknown';

interface Stmt {
  effect: 'Allow' | 'Deny';
  raw: Obj;
  /** Where it is: `Resources/<id>/...` (for messages and to match warnings). */
  where: string;
}

export interface RolePolicies {
  identity: Stmt[];
  boundary?: { statements: Stmt[]; unknown: boolean };
  /** Something reaches the role that the test cannot read (an external managed policy). */
  external: string[];
}

function docStatements(doc: unknown, where: string): Stmt[] {
  const out: Stmt[] = [];
  listOf(own(doc, 'Statement')).forEach((s, k) => {
    if (!isObj(s)) return;
    const effect = own(s, 'Effect');
    if (effect === 'Allow' || effect === 'Deny') out.push({ effect, raw: s, where: `${where}/Statement/${k}` });
  });
  return out;
}

/** Every policy that reaches a role of the materialized template (or the role SAM builds for `samMachine`). */
export function policiesOf(t: Obj, principal: { role: string } | { samMachine: string }): RolePolicies | undefined {
  const res = own(t, 'Resources') as Obj;
  const out: RolePolicies = { identity: [], external: [] };
  const boundaryOf = (value: unknown): void => {
    if (value === undefined) return;
    const id = own(value, 'Ref');
    if (typeof id === 'string' && res[id]?.Type === 'AWS::IAM::ManagedPolicy') {
      out.boundary = { statements: docStatements(own(own(res[id], 'Properties'), 'PolicyDocument'), `Resources/${id}`), unknown: false };
    } else out.boundary = { statements: [], unknown: true };
  };
  if ('samMachine' in principal) {
    const sm = res[principal.samMachine];
    if (!sm) return undefined;
    const props = own(sm, 'Properties') ?? {};
    listOf(own(props, 'Policies')).forEach((p, k) => {
      if (typeof p === 'string') out.external.push(p);
      else if (own(p, 'Statement') !== undefined) out.identity.push(...docStatements(p, `Resources/${principal.samMachine}/Properties/Policies/${k}`));
      else if (own(p, 'LambdaInvokePolicy') !== undefined) {
        const name = arnOf(own(own(p, 'LambdaInvokePolicy'), 'FunctionName'), t);
        const resource = name === undefined ? { Ref: 'Unknowable' } : `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}*`;
        out.identity.push({
          effect: 'Allow',
          raw: { Action: 'lambda:InvokeFunction', Resource: resource },
          where: `Resources/${principal.samMachine}/Properties/Policies/${k}`,
        });
      }
    });
    for (const [id, r] of Object.entries<Obj>(res)) {
      if (r.Type !== 'AWS::Serverless::Connector') continue;
      const p = own(r, 'Properties');
      if (own(own(p, 'Source'), 'Id') !== principal.samMachine || !listOf(own(p, 'Permissions')).includes('Write')) continue;
      const dest = own(own(p, 'Destination'), 'Id');
      out.identity.push({
        effect: 'Allow',
        raw: { Action: ['lambda:InvokeAsync', 'lambda:InvokeFunction'], Resource: { 'Fn::GetAtt': [dest, 'Arn'] } },
        where: `Resources/${id}`,
      });
    }
    boundaryOf(own(props, 'PermissionsBoundary'));
    return out;
  }
  const role = res[principal.role];
  if (role?.Type !== 'AWS::IAM::Role') return undefined;
  const props = own(role, 'Properties') ?? {};
  listOf(own(props, 'Policies')).forEach((p, k) => {
    out.identity.push(...docStatements(own(p, 'PolicyDocument'), `Resources/${principal.role}/Properties/Policies/${k}/PolicyDocument`));
  });
  const managed = new Set<string>();
  for (const m of listOf(own(props, 'ManagedPolicyArns'))) {
    const id = own(m, 'Ref');
    if (typeof id === 'string' && res[id]?.Type === 'AWS::IAM::ManagedPolicy') managed.add(id);
    else out.external.push(JSON.stringify(m));
  }
  const roleName = own(props, 'RoleName');
  for (const [id, r] of Object.entries<Obj>(res)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy' && r.Type !== 'AWS::IAM::RolePolicy') continue;
    const p = own(r, 'Properties');
    const names = r.Type === 'AWS::IAM::RolePolicy' ? [own(p, 'RoleName')] : listOf(own(p, 'Roles'));
    const attached = managed.has(id) || names.some((n) => own(n, 'Ref') === principal.role || (typeof roleName === 'string' && n === roleName));
    if (attached) out.identity.push(...docStatements(own(p, 'PolicyDocument'), `Resources/${id}/Properties/PolicyDocument`));
  }
  boundaryOf(own(props, 'PermissionsBoundary'));
  return out;
}

function matchesAny(patterns: unknown[], text: string, t: Obj, ignoreCase: boolean): Three {
  let unknown = false;
  for (const p of patterns) {
    const s = ignoreCase ? (typeof p === 'string' ? p : undefined) : arnOf(p, t);
    if (s === undefined) unknown = true;
    else if (globMatch(s, text, ignoreCase)) return 'yes';
  }
  return unknown ? 'unknown' : 'no';
}

function statementApplies(s: Stmt, action: string, resource: string, t: Obj): Three {
  const r = s.raw;
  const hasAction = own(r, 'Action') !== undefined;
  const hasResource = own(r, 'Resource') !== undefined;
  let byAction = matchesAny(listOf(hasAction ? r.Action : r.NotAction), action, t, true);
  if (!hasAction) byAction = byAction === 'yes' ? 'no' : byAction === 'no' ? 'yes' : 'unknown';
  let byResource = matchesAny(listOf(hasResource ? r.Resource : r.NotResource), resource, t, false);
  if (!hasResource) byResource = byResource === 'yes' ? 'no' : byResource === 'no' ? 'yes' : 'unknown';
  if (byAction === 'no' || byResource === 'no') return 'no';
  if (byAction === 'unknown' || byResource === 'unknown' || own(r, 'Condition') !== undefined) return 'unknown';
  return 'yes';
}

export interface Decision {
  allowed: Three;
  /** The statement that denies it, or why it is not allowed. */
  why: string;
  /** Template path of the deciding statement or policy, when there is one. */
  where?: string;
}

/** AWS's decision for one request by a role with these policies. */
export function decide(p: RolePolicies, action: string, resource: string, t: Obj): Decision {
  const all = [...p.identity, ...(p.boundary?.statements ?? [])];
  let maybeDeny: Stmt | undefined;
  for (const s of all) {
    if (s.effect !== 'Deny') continue;
    const x = statementApplies(s, action, resource, t);
    if (x === 'yes') return { allowed: 'no', why: 'explicit deny', where: s.where };
    if (x === 'unknown') maybeDeny ??= s;
  }
  const allows = (list: Stmt[]): Three => {
    let unknown = false;
    for (const s of list) {
      if (s.effect !== 'Allow') continue;
      const x = statementApplies(s, action, resource, t);
      if (x === 'yes') return 'yes';
      if (x === 'unknown') unknown = true;
    }
    return unknown ? 'unknown' : 'no';
  };
  const identity = allows(p.identity);
  if (identity === 'no') return { allowed: 'no', why: 'no identity-based allow' };
  if (p.boundary) {
    if (p.boundary.unknown) return { allowed: 'unknown', why: 'the boundary is outside the template' };
    const b = allows(p.boundary.statements);
    if (b === 'no') return { allowed: 'no', why: 'the boundary does not allow it' };
    if (b === 'unknown') return { allowed: 'unknown', why: 'a boundary statement is unknowable' };
  }
  if (maybeDeny) return { allowed: 'unknown', why: 'a Deny may apply', where: maybeDeny.where };
  if (identity === 'unknown') return { allowed: 'unknown', why: 'only an unknowable Allow' };
  if (p.external.length) return { allowed: 'unknown', why: `external managed policies: ${p.external.join(', ')}` };
  return { allowed: 'yes', why: 'allowed' };
}

/** The set of `action resource` pairs of a universe that the role is certainly allowed. */
export function allowedPairs(p: RolePolicies, actions: readonly string[], resources: readonly string[], t: Obj): Set<string> {
  const out = new Set<string>();
  for (const a of actions) for (const r of resources) if (decide(p, a, r, t).allowed === 'yes') out.add(`${a} ${r}`);
  return out;
}

/** The same set, but counting unknowns too (what the role may be allowed). */
export function possiblePairs(p: RolePolicies, actions: readonly string[], resources: readonly string[], t: Obj): Set<string> {
  const out = new Set<string>();
  for (const a of actions) for (const r of resources) if (decide(p, a, r, t).allowed !== 'no') out.add(`${a} ${r}`);
  return out;
}
