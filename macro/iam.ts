/**
 * Step 6 of the pipeline: make IAM allow the new targets.
 *
 * A grant on the unqualified function ARN does not cover a qualified ARN (an alias or version),
 * so for every rewritten state machine the macro checks the role's `lambda:InvokeFunction`
 * grants and adds the new target where none covers it: to the statement that grants the
 * function, or in a new statement.
 *
 * Grants are compared symbolically: each ARN expression is rendered with the deployment's known
 * pseudo parameters and with stand-ins for values known only at deploy time, then matched as an
 * IAM wildcard pattern.
 */
import { Dependencies, referencedResources } from './dependencies';
import { formatValue, partsOf } from './intrinsics/parts';
import { getOwn, intrinsicName, isObject, jsonEqual } from './json';
import { getAttPair, refName, type Resource, type TemplateIndex } from './template';
import type { WarmTargets } from './targets';
import type { Editor } from './json';
import type { Json, JsonObject } from './types';

export interface Grant {
  fn?: string;
  /** The unqualified function ARN, when the function is not in the template. */
  unqualified?: Json;
  /** The value to allow (the new target, guarded like the slot). */
  value: Json;
}

export interface IamWarning {
  path: string;
  message: string;
  /** The wording when Mode strict turns the warning into a failure. */
  strictMessage: string;
}

export interface IamOutcome {
  /** Each grant added: where (a template path) and what it allows. */
  granted: { path: string; target: string; how: string }[];
  warnings: IamWarning[];
}

/** Adds a statement somewhere; returns where and how, or undefined when it could not. */
type AddStatement = (s: JsonObject) => { path: string; how: string } | undefined;

/** Where a state machine's grants go. */
interface Located {
  docs: PolicyDoc[];
  /** Fn::If Policies: the documents of each branch. */
  branches?: PolicyDoc[][];
  /** The resource that gets new statements (a role, or a SAM state machine); absent for the macro's own policy. */
  host?: string;
  /** The role, when the grant may go to the macro's own policy for it (always, for Policies that are an intrinsic). */
  own?: { roleId: string; role: Resource };
  addStatement: AddStatement;
  finish?: () => void;
}

/** Logical IDs of the macro's own policies: `<Role>WarmStepFunctionsPolicy[N]`. */
const OWN_SUFFIX = 'WarmStepFunctionsPolicy';
const OWN_POLICY = /WarmStepFunctionsPolicy\d*$/;

type Path = (string | number)[];

/** A policy document the macro may read and extend, with where it is. */
interface PolicyDoc {
  path: Path; // path of the PolicyDocument (or SAM inline document)
  label: string;
}

export class IamFixer {
  private readonly deps: Dependencies;

  constructor(
    private readonly index: TemplateIndex,
    private readonly targets: WarmTargets,
    private readonly editor: Editor,
  ) {
    this.deps = new Dependencies(index);
  }

  ensure(stateMachine: Resource, grants: Grant[]): IamOutcome {
    const outcome: IamOutcome = { granted: [], warnings: [] };
    const names = [...new Set(grants.map((g) => formatValue(g.value)))];
    const where = this.locate(stateMachine, outcome, names.join(', '));
    if (!where) return outcome;
    // Many invocations share a target: judge each distinct grant once.
    const distinct = new Map<string, Grant>();
    for (const g of grants) {
      const key = JSON.stringify(g.value);
      if (!distinct.has(key)) distinct.set(key, g);
    }
    // With Policies computed by Fn::If, a grant present in every branch is covered too.
    const inEveryBranch = (g: Grant): boolean => where.branches !== undefined && where.branches.every((b) => this.covered([...where.docs, ...b], g.value));
    const missing = [...distinct.values()].filter((g) => !this.covered(where.docs, g.value) && !inEveryBranch(g));
    // The definition now refers to the new targets (known to the cycle check, which only grants need).
    if (missing.length) for (const g of distinct.values()) this.deps.add(stateMachine.id, referencedResources(g.value, this.index));
    for (const g of missing) {
      // Prefer the statement that already grants the function itself.
      const fnArn = g.fn ? { 'Fn::GetAtt': [g.fn, 'Arn'] } : g.unqualified;
      const host = fnArn ? this.findStatement(where.docs, fnArn) : undefined;
      // The resource the grant goes into: a statement's, the role's (or SAM state machine's), or the
      // macro's own policy of the role once it exists (other state machines may depend on it).
      const ownOf = (): string | undefined => (where.own ? this.ownPolicy(where.own.roleId) : undefined);
      const hostId = host ? String(host[1]) : (where.host ?? ownOf());
      const target = formatValue(g.value);
      const value = this.acyclic(g.value, hostId, stateMachine);
      if (value === undefined && where.own && where.host !== undefined) {
        // In the role (or a policy) it would close a circle (the function runs with this same role,
        // say): a policy resource of its own breaks it, as SAM's connectors do.
        const own = ownOf();
        const separate = this.acyclic(g.value, own, stateMachine);
        if (separate !== undefined) {
          const statement = { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [separate] };
          const added = this.addToOwnPolicy(where.own.roleId, where.own.role, stateMachine, statement, `granting it in ${hostId} would make a circular dependency`);
          outcome.granted.push({ ...added, target });
          this.deps.add(this.ownPolicy(where.own.roleId)!, referencedResources(separate, this.index));
          continue;
        }
      }
      if (value === undefined) {
        const on = hostId ?? stateMachine.id;
        outcome.warnings.push({
          path: host ? [...host, 'Resource'].join('/') : `Resources/${on}`,
          message: `granting ${target} in ${on} would make a circular dependency (the target depends on ${on} or on ${stateMachine.id}), and it has no literal ARN to grant instead; grant lambda:InvokeFunction on it by name yourself`,
          strictMessage: `granting ${target} in ${on} would make a circular dependency`,
        });
        continue;
      }
      const literally = value === g.value ? '' : ' (by literal ARN: a reference would make a circular dependency)';
      if (host) {
        const resource = this.editor.get([...host, 'Resource']);
        const list = Array.isArray(resource) ? [...resource, value] : resource === undefined ? [value] : [resource, value];
        this.editor.set([...host, 'Resource'], list);
        outcome.granted.push({ path: [...host, 'Resource'].join('/'), target, how: `added to the statement of ${host[1]} that grants the function${literally}` });
      } else {
        const added = where.addStatement({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [value] });
        if (added) outcome.granted.push({ ...added, target, how: `${added.how}${literally}` });
      }
      this.deps.add(hostId ?? ownOf() ?? stateMachine.id, referencedResources(value, this.index));
    }
    where.finish?.();
    // A role may have the macro's own policy (added for this or another state machine, now or in
    // an earlier run): its state machines depend on it.
    if (where.own && !where.finish) this.dependOnOwnPolicy(where.own.roleId, where.own.role, stateMachine);
    return outcome;
  }

  /** The role's policy documents, and how to add a statement; undefined when the role is outside the template. */
  private locate(sm: Resource, outcome: IamOutcome, targetsText: string): Located | undefined {
    const smPath = ['Resources', sm.id, 'Properties'];
    const roleValue = getOwn(sm.properties, sm.type === 'AWS::Serverless::StateMachine' ? 'Role' : 'RoleArn');
    if (roleValue === undefined && sm.type === 'AWS::Serverless::StateMachine') {
      // SAM builds the role from `Policies`.
      const docs: PolicyDoc[] = [];
      const policies = this.editor.get([...smPath, 'Policies']);
      if (intrinsicName(policies) !== undefined) {
        return this.cannotExtend(docs, outcome, `${smPath.join('/')}/Policies`, sm.id, targetsText);
      }
      const list = Array.isArray(policies) ? policies : policies === undefined ? [] : [policies];
      list.forEach((p, k) => {
        const at = Array.isArray(policies) ? [...smPath, 'Policies', k] : [...smPath, 'Policies'];
        if (isObject(p) && getOwn(p, 'Statement') !== undefined) docs.push({ path: at, label: `${sm.id} Policies` });
        const tpl = isObject(p) ? getOwn(p, 'LambdaInvokePolicy') : undefined;
        if (isObject(tpl)) docs.push({ path: [...at, 'LambdaInvokePolicy'], label: `${sm.id} LambdaInvokePolicy` });
      });
      return {
        docs,
        host: sm.id,
        addStatement: (s) => {
          const current = this.editor.get([...smPath, 'Policies']);
          const doc = { Statement: [s] };
          const next = Array.isArray(current) ? [...current, doc] : current === undefined ? [doc] : [current, doc];
          this.editor.set([...smPath, 'Policies'], next);
          return { path: [...smPath, 'Policies', next.length - 1].join('/'), how: `a new policy document in ${sm.id}'s Policies` };
        },
      };
    }
    const roleId = this.roleOf(roleValue);
    const named = roleValue === undefined ? undefined : (getAttPair(roleValue)?.[0] ?? refName(roleValue));
    if (!roleId && named !== undefined && !named.startsWith('AWS::') && !this.index.get(named) && !this.index.isParameter(named)) {
      const key = sm.type === 'AWS::Serverless::StateMachine' ? 'Role' : 'RoleArn';
      outcome.warnings.push({
        path: `${smPath.join('/')}/${key}`,
        message: `${key} refers to ${named}, which is not a resource or parameter of this template (CloudFormation will reject it); the macro could not let it invoke ${targetsText}`,
        strictMessage: `${key} refers to ${named}, which is not a resource or parameter of this template`,
      });
      return undefined;
    }
    if (!roleId) {
      const key = sm.type === 'AWS::Serverless::StateMachine' ? 'Role' : 'RoleArn';
      const role = roleValue === undefined ? `${sm.id} has no ${key}, so its role` : `the role ${JSON.stringify(roleValue)}`;
      outcome.warnings.push({
        path: `${smPath.join('/')}/${key}`,
        message: `${role} is not defined in this template; make sure it may invoke ${targetsText} (lambda:InvokeFunction on the qualified ARN)`,
        strictMessage: `${role} is not defined in this template, so the macro cannot let it invoke ${targetsText} (lambda:InvokeFunction on the qualified ARN). Define the role in the template, or use Mode rewrite and grant the targets yourself`,
      });
      return undefined;
    }
    const role = this.index.get(roleId)!;
    const rolePath = ['Resources', roleId, 'Properties'];
    const docs: PolicyDoc[] = [];
    const inline = this.editor.get([...rolePath, 'Policies']);
    if (Array.isArray(inline)) inline.forEach((_policy, k) => docs.push({ path: [...rolePath, 'Policies', k, 'PolicyDocument'], label: `${roleId} Policies[${k}]` }));
    const managed = getOwn(role.properties, 'ManagedPolicyArns');
    const attached = new Set<string>();
    if (Array.isArray(managed)) for (const m of managed) {
      const id = refName(m);
      if (id && this.index.get(id)?.type === 'AWS::IAM::ManagedPolicy') attached.add(id);
    }
    for (const r of this.index.resources.values()) {
      if (r.type !== 'AWS::IAM::Policy' && r.type !== 'AWS::IAM::ManagedPolicy' && r.type !== 'AWS::IAM::RolePolicy') continue;
      const roles = r.type === 'AWS::IAM::RolePolicy' ? [getOwn(r.properties, 'RoleName')] : getOwn(r.properties, 'Roles');
      const names: Json[] = Array.isArray(roles) ? roles.filter((n): n is Json => n !== undefined) : [];
      if (attached.has(r.id) || names.some((n) => this.namesRole(n, roleId))) {
        docs.push({ path: ['Resources', r.id, 'Properties', 'PolicyDocument'], label: r.id });
      }
    }
    // The macro's own policy added in this run (one from an earlier run is among the policies above).
    const own = this.ownPolicy(roleId);
    if (own !== undefined && this.created.has(own)) docs.push({ path: ['Resources', own, 'Properties', 'PolicyDocument'], label: own });
    if (inline !== undefined && !Array.isArray(inline)) {
      // `Policies` computed by an intrinsic (an Fn::If, say) is left as it is: the grant goes to a
      // policy resource of its own, attached to the role.
      const branches = this.branchDocs(inline, [...rolePath, 'Policies'], roleId);
      return {
        docs,
        branches,
        own: { roleId, role },
        addStatement: (st) => this.addToOwnPolicy(roleId, role, sm, st, 'whose Policies is an intrinsic'),
        finish: () => this.dependOnOwnPolicy(roleId, role, sm),
      };
    }
    return {
      docs,
      host: roleId,
      own: { roleId, role },
      addStatement: (s) => {
        const current = this.editor.get([...rolePath, 'Policies']);
        const policy = { PolicyName: 'WarmStepFunctionsInvoke', PolicyDocument: { Version: '2012-10-17', Statement: [s] } };
        const existing = Array.isArray(current) ? current.findIndex((p) => getOwn(p, 'PolicyName') === 'WarmStepFunctionsInvoke') : -1;
        const how = `a new statement in ${roleId}'s inline policy WarmStepFunctionsInvoke`;
        if (Array.isArray(current) && existing >= 0) {
          const stmts = this.editor.get([...rolePath, 'Policies', existing, 'PolicyDocument', 'Statement']);
          this.editor.set([...rolePath, 'Policies', existing, 'PolicyDocument', 'Statement'], Array.isArray(stmts) ? [...stmts, s] : [s]);
          return { path: [...rolePath, 'Policies', existing].join('/'), how };
        }
        this.editor.set([...rolePath, 'Policies'], Array.isArray(current) ? [...current, policy] : [policy]);
        return { path: [...rolePath, 'Policies', Array.isArray(current) ? current.length : 0].join('/'), how };
      },
    };
  }

  /**
   * The inline policy documents of each branch of `Policies` computed by (nested) Fn::If, as lists;
   * undefined when some branch is another intrinsic the macro cannot read.
   */
  private branchDocs(value: Json, path: Path, roleId: string): PolicyDoc[][] | undefined {
    if (refName(value) === 'AWS::NoValue') return [[]];
    if (Array.isArray(value)) return [value.map((_p, k) => ({ path: [...path, k, 'PolicyDocument'], label: `${roleId} Policies` }))];
    const arg = intrinsicName(value) === 'Fn::If' ? (value as { 'Fn::If': Json })['Fn::If'] : undefined;
    if (!Array.isArray(arg) || arg.length !== 3) return undefined;
    const yes = this.branchDocs(arg[1], [...path, 'Fn::If', 1], roleId);
    const no = this.branchDocs(arg[2], [...path, 'Fn::If', 2], roleId);
    return yes && no ? [...yes, ...no] : undefined;
  }

  /** The macro's own AWS::IAM::Policy of each role (added in this run, or found from an earlier one). */
  private readonly policies = new Map<string, string | null>();
  /** Those added in this run (the others are in the template, and so in every role's documents). */
  private readonly created = new Set<string>();

  /** The macro's own policy of a role: added in this run, or `<Role>WarmStepFunctionsPolicy[N]` attached to it alone. */
  private ownPolicy(roleId: string): string | undefined {
    const known = this.policies.get(roleId);
    if (known !== undefined) return known ?? undefined;
    for (const r of this.index.resources.values()) {
      if (r.type === 'AWS::IAM::Policy' && OWN_POLICY.test(r.id) && jsonEqual(getOwn(r.properties, 'Roles') ?? null, [{ Ref: roleId }])) {
        this.policies.set(roleId, r.id);
        return r.id;
      }
    }
    this.policies.set(roleId, null);
    return undefined;
  }

  /**
   * Adds a statement to the macro's own AWS::IAM::Policy for a role, created on first use with the
   * role's Condition and a logical ID that no resource or parameter has. Its PolicyName is that
   * logical ID too, so that it cannot replace an inline policy of the role.
   */
  private addToOwnPolicy(roleId: string, role: Resource, sm: Resource, statement: JsonObject, why: string): { path: string; how: string } {
    let id = this.ownPolicy(roleId);
    if (id === undefined) {
      // Logical IDs have at most 255 characters.
      const base = `${roleId.slice(0, 255 - OWN_SUFFIX.length - 4)}${OWN_SUFFIX}`;
      id = base;
      for (let n = 2; this.index.get(id) !== undefined || this.index.isParameter(id) || this.editor.get(['Resources', id]) !== undefined; n++) id = `${base}${n}`;
      this.policies.set(roleId, id);
      this.created.add(id);
      this.deps.add(id, [roleId]);
      const policy: JsonObject = {
        Type: 'AWS::IAM::Policy',
        ...(role.condition !== undefined ? { Condition: role.condition } : {}),
        Properties: { PolicyName: id, PolicyDocument: { Version: '2012-10-17', Statement: [statement] }, Roles: [{ Ref: roleId }] },
      };
      this.editor.set(['Resources', id], policy);
    } else {
      const path = ['Resources', id, 'Properties', 'PolicyDocument', 'Statement'];
      const current = this.editor.get(path);
      this.editor.set(path, [...(Array.isArray(current) ? current : current === undefined ? [] : [current]), statement]);
    }
    const how = `a statement in the macro's own AWS::IAM::Policy ${id}, attached to ${roleId} (${why})`;
    return { path: `Resources/${id}`, how: this.canDependOn(role, sm) ? how : `${how}; ${sm.id} cannot depend on it (its Condition is not ${role.condition}), so an execution started during the stack update may run before the grant is attached` };
  }

  /** A DependsOn on a resource whose condition may be false would fail: only when the state machine has the role's condition (or the role none). */
  private canDependOn(role: Resource, sm: Resource): boolean {
    return role.condition === undefined || role.condition === sm.condition;
  }

  /**
   * The grant as it can be written in `host` (or in the macro's own policy, on which the state
   * machine depends): as it is, unless a resource it refers to depends on the host or on the
   * state machine, which would make a circular dependency. Then the same grant by literal ARN
   * (a function with a literal FunctionName, an alias with a literal Name), or undefined.
   */
  private acyclic(value: Json, host: string | undefined, sm: Resource): Json | undefined {
    const refs = [...referencedResources(value, this.index)];
    const dependents = host !== undefined ? [host, sm.id] : [sm.id];
    if (!refs.some((r) => this.deps.reaches(r, ...dependents))) return value;
    const literal = this.literal(value);
    return literal !== undefined && referencedResources(literal, this.index).size === 0 ? literal : undefined;
  }

  /** A grant value with its references to functions and aliases written as literal ARNs, or undefined. */
  private literal(value: Json): Json | undefined {
    const arn = (fn: string, qualifier?: string): Json | undefined => {
      const name = getOwn(this.index.get(fn)?.properties ?? {}, 'FunctionName');
      return typeof name === 'string' ? { 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${name}${qualifier ? `:${qualifier}` : ''}` } : undefined;
    };
    const ga = getAttPair(value);
    if (ga && ga[1] === 'Arn' && this.index.isFunction(ga[0])) return arn(ga[0]);
    const ref = refName(value);
    if (ref !== undefined) {
      const fn = this.targets.functionOfQualifier(ref);
      const alias = this.targets.aliasNameOf(ref);
      return fn !== undefined && alias !== undefined ? arn(fn, alias) : undefined;
    }
    const arg = intrinsicName(value) === 'Fn::If' ? (value as { 'Fn::If': Json })['Fn::If'] : undefined;
    if (Array.isArray(arg) && arg.length === 3) {
      const yes = this.literal(arg[1]);
      const no = this.literal(arg[2]);
      return yes !== undefined && no !== undefined ? { 'Fn::If': [arg[0], yes, no] } : undefined;
    }
    return undefined;
  }

  /** The state machine depends on its role's own policy (if the role has one), so that no execution starts before the grant is attached. */
  private dependOnOwnPolicy(roleId: string, role: Resource, sm: Resource): void {
    const id = this.ownPolicy(roleId);
    if (id === undefined || !this.canDependOn(role, sm) || this.deps.reaches(id, sm.id)) return;
    const dependsOn = this.editor.get(['Resources', sm.id, 'DependsOn']);
    const list = Array.isArray(dependsOn) ? dependsOn : dependsOn === undefined ? [] : [dependsOn];
    if (!list.includes(id)) this.editor.set(['Resources', sm.id, 'DependsOn'], [...list, id]);
    this.deps.add(sm.id, [id]);
  }

  /** Policies given by an intrinsic (e.g. Fn::If) are not rewritten: coverage is still checked, nothing is added. */
  private cannotExtend(docs: PolicyDoc[], outcome: IamOutcome, path: string, who: string, targetsText: string): Located {
    return {
      docs,
      addStatement: () => {
        if (outcome.warnings.some((w) => w.path === path)) return undefined;
        outcome.warnings.push({
          path,
          message: `the Policies of ${who} are computed by an intrinsic function, so the macro did not add the grant; make sure it may invoke ${targetsText} (lambda:InvokeFunction on the qualified ARN)`,
          strictMessage: `the Policies of ${who} are computed by an intrinsic function, so the macro cannot let it invoke ${targetsText}`,
        });
        return undefined;
      },
    };
  }

  private roleOf(value: Json | undefined): string | undefined {
    const ga = getAttPair(value);
    if (ga && ga[1] === 'Arn' && this.index.get(ga[0])?.type === 'AWS::IAM::Role') return ga[0];
    const parts = value === undefined ? undefined : partsOf(value);
    if (parts && parts.length === 1 && typeof parts[0] !== 'string') {
      const inner = getAttPair(parts[0].hole);
      if (inner && inner[1] === 'Arn' && this.index.get(inner[0])?.type === 'AWS::IAM::Role') return inner[0];
    }
    // `arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Role}`: the role's name at the end of an ARN.
    if (parts && parts.length >= 2) {
      const last = parts[parts.length - 1];
      const before = parts[parts.length - 2];
      const id = typeof last !== 'string' ? refName(last.hole) : undefined;
      if (id && typeof before === 'string' && /:role\/(?:[^:]*\/)?$/.test(before) && this.index.get(id)?.type === 'AWS::IAM::Role') return id;
    }
    return undefined;
  }

  private namesRole(value: Json, roleId: string): boolean {
    if (refName(value) === roleId) return true;
    const name = getOwn(this.index.get(roleId)!.properties, 'RoleName');
    return typeof value === 'string' && typeof name === 'string' && value === name;
  }

  /** Allow statements granting lambda:InvokeFunction, as paths. */
  private *statements(docs: PolicyDoc[]): Generator<Path> {
    for (const d of docs) {
      if (d.label.endsWith('LambdaInvokePolicy')) continue; // a SAM policy template, judged in covered()
      const doc = this.editor.get(d.path);
      const st = getOwn(doc, 'Statement');
      const list: [Json, Path][] = Array.isArray(st) ? st.map((s, k): [Json, Path] => [s, [...d.path, 'Statement', k]]) : st !== undefined ? [[st, [...d.path, 'Statement']]] : [];
      for (const [s, p] of list) {
        if (!isObject(s) || getOwn(s, 'Effect') !== 'Allow' || getOwn(s, 'Condition') !== undefined) continue;
        const actions = getOwn(s, 'Action');
        const acts = Array.isArray(actions) ? actions : [actions];
        if (!acts.some((a) => typeof a === 'string' && wildcard(a.toLowerCase(), 'lambda:invokefunction'))) continue;
        yield p;
      }
    }
  }

  private covered(docs: PolicyDoc[], target: Json): boolean {
    if (refName(target) === 'AWS::NoValue') return true;
    if (intrinsicName(target) === 'Fn::If') {
      // A guarded grant is covered when an equal statement exists or every branch is covered.
      if (this.exactly(docs, target)) return true;
      const arg = (target as { 'Fn::If': Json[] })['Fn::If'];
      return Array.isArray(arg) && arg.length === 3 && this.covered(docs, arg[1]) && this.covered(docs, arg[2]);
    }
    const want = this.render(target);
    for (const d of docs) {
      if (d.label.endsWith('LambdaInvokePolicy')) {
        const fnName = getOwn(this.editor.get(d.path), 'FunctionName');
        const name = fnName === undefined ? undefined : this.render(fnName);
        if (want !== undefined && name !== undefined && wildcard(`${this.fnArnPrefix()}${name}*`, want)) return true;
      }
    }
    for (const p of this.statements(docs)) {
      const resource = this.editor.get([...p, 'Resource']);
      const list = Array.isArray(resource) ? resource : [resource];
      for (const r of list) {
        if (r === undefined) continue;
        if (jsonEqual(r, target)) return true;
        const pattern = this.render(r);
        if (pattern !== undefined && want !== undefined && wildcard(pattern, want)) return true;
      }
    }
    return false;
  }

  private exactly(docs: PolicyDoc[], target: Json): boolean {
    for (const p of this.statements(docs)) {
      const resource = this.editor.get([...p, 'Resource']);
      if ((Array.isArray(resource) ? resource : [resource]).some((r) => r !== undefined && jsonEqual(r, target))) return true;
    }
    return false;
  }

  private findStatement(docs: PolicyDoc[], fnArn: Json): Path | undefined {
    const want = this.render(fnArn);
    for (const p of this.statements(docs)) {
      const resource = this.editor.get([...p, 'Resource']);
      const list = Array.isArray(resource) ? resource : [resource];
      if (list.some((r) => r !== undefined && (jsonEqual(r, fnArn) || (want !== undefined && this.render(r) === want)))) return p;
    }
    return undefined;
  }

  private fnArnPrefix(): string {
    const { partition, region, accountId } = this.index;
    return `arn:${partition ?? '\u0001P'}:lambda:${region ?? '\u0001R'}:${accountId ?? '\u0001A'}:function:`;
  }

  /** Rendered values by identity: template values are never mutated, and each is rendered for many grants. */
  private readonly rendered = new WeakMap<object, string | undefined>();

  /** Symbolic text of an ARN expression, or undefined when it cannot be known. */
  render(value: Json, depth = 0): string | undefined {
    if (typeof value === 'string') return value;
    if (depth > 10) return undefined;
    if (depth === 0 && typeof value === 'object' && value !== null) {
      if (this.rendered.has(value)) return this.rendered.get(value);
      const text = this.renderValue(value, 0);
      this.rendered.set(value, text);
      return text;
    }
    return this.renderValue(value, depth);
  }

  private renderValue(value: Json, depth: number): string | undefined {
    const ref = refName(value);
    if (ref !== undefined) {
      if (ref === 'AWS::Partition') return this.index.partition ?? '\u0001P';
      if (ref === 'AWS::Region') return this.index.region ?? '\u0001R';
      if (ref === 'AWS::AccountId') return this.index.accountId ?? '\u0001A';
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      if (this.index.isFunction(ref)) return this.fnName(ref);
      const owner = this.targets.functionOfQualifier(ref);
      if (owner) {
        return `${this.fnArnPrefix()}${this.fnName(owner)}:${this.targets.aliasNameOf(ref) ?? `\u0003${ref}`}`;
      }
      return undefined;
    }
    const ga = getAttPair(value);
    if (ga) return ga[1] === 'Arn' && this.index.isFunction(ga[0]) ? `${this.fnArnPrefix()}${this.fnName(ga[0])}` : undefined;
    if (intrinsicName(value) === 'Fn::Sub' || intrinsicName(value) === 'Fn::Join') {
      const parts = partsOf(value);
      if (!parts) return undefined;
      let out = '';
      for (const p of parts) {
        const t = typeof p === 'string' ? p : this.render(p.hole, depth + 1);
        if (t === undefined) return undefined;
        out += t;
      }
      return out;
    }
    return undefined;
  }

  private fnName(id: string): string {
    const name = getOwn(this.index.get(id)!.properties, 'FunctionName');
    return typeof name === 'string' ? name : `\u0002${id}\u0002`;
  }
}

/** IAM-style wildcard match: `*` any run of characters, `?` one character. */
export function wildcard(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
