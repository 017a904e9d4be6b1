/**
 * Where a state machine's `lambda:InvokeFunction` grants live, and where new ones go.
 *
 * The macro follows `RoleArn` (a GetAtt of an AWS::IAM::Role, or an ARN built with Fn::Sub) to
 * the role's inline `Policies` and every AWS::IAM::Policy / ManagedPolicy / RolePolicy attached
 * to it; for an AWS::Serverless::StateMachine without `Role`, to its `Policies` (SAM builds the
 * role from them).
 */
import { partsOf } from '../../cfn/parts';
import { getOwn, isObject, type Editor, isArray, jsonText, isString } from '../../cfn/json';
import { policyResources, type Resource, type TemplateIndex, RESOURCES, PROPERTIES, SAM_STATE_MACHINE } from '../template/read';
import type { Json, JsonObject } from '../../types';
import type { OwnPolicies } from './own-policy';
import { intrinsicName, getAttPair, refName, IF, NO_VALUE } from '../../cfn/intrinsics';
import type { Principal } from './principal';
import { asList } from './evaluate';
import { type IamWarning, type Path, type PolicyDoc, POLICY_DOCUMENT, STATEMENT, LAMBDA_INVOKE_POLICY } from './types';

/** How a warning names the grant a principal needs. */
const ON_QUALIFIED = ' (lambda:InvokeFunction on the qualified ARN)';

export type { IamWarning, Path, PolicyDoc } from './types';

/** Adds a statement somewhere; returns where and how, or undefined when it could not. */
export type AddStatement = (s: JsonObject) => { path: string; how: string; resource?: string } | undefined;

/** Where a state machine's grants go. */
export interface Located {
  docs: PolicyDoc[];
  /** Fn::If Policies: the documents of each branch. */
  branches?: PolicyDoc[][];
  /** The resource that gets new statements (a role, or a SAM state machine); absent for the macro's own policy. */
  host?: string;
  /** The role, when the grant may go to the macro's own policy for it (always, for Policies that are an intrinsic). */
  own?: { roleId: string; role: Resource };
  addStatement: AddStatement;
  /** The role's Policies is an intrinsic: every grant went to the macro's own policy, which the state machine now depends on. */
  ownOnly?: boolean;
  /** Whose policies these are, for the effective-permission check (evaluate.ts). */
  principal: Principal;
}

export class PolicyLocator {
  /** The template's policy resources, in template order (found once, not once per state machine). */
  #policyResources?: Resource[];

  readonly #index: TemplateIndex;
  readonly #editor: Editor;
  readonly #own: OwnPolicies;

  constructor(index: TemplateIndex, editor: Editor, own: OwnPolicies) {
    this.#index = index;
    this.#editor = editor;
    this.#own = own;
  }

  /**
   * The role's policy documents, and how to add a statement; undefined when the role is outside the
   * template. `roleValue` is the state machine's role (`key`: RoleArn, or SAM's Role; absent for SAM:
   * the role SAM builds from Policies), one branch of it, or a task's Credentials role. `targetsText` names the
   * targets in a warning: written only when there is one.
   */
  locate(sm: Resource, roleValue: Json | undefined, key: string, at: string, warnings: IamWarning[], targetsText: () => string): Located | undefined {
    // SAM builds the role from `Policies`.
    if (roleValue === undefined && sm.type === SAM_STATE_MACHINE) return this.#locateSam(sm, warnings, targetsText);
    const roleId = this.#roleOf(roleValue);
    const role = roleId ? this.#index.get(roleId) : undefined;
    // roleOf finds only roles of the template: `role` is undefined only when roleId is.
    if (roleId && role !== undefined) return this.#locateRole(sm, roleId, role);
    // Else what the value names, read only then (for a warning).
    const named = roleValue === undefined ? undefined : (getAttPair(roleValue)?.[0] ?? refName(roleValue));
    if (!roleId && named !== undefined && !named.startsWith('AWS::') && !this.#index.get(named) && !this.#index.isParameter(named)) {
      const strictMessage = `${key} refers to ${named}, which is not a resource or parameter of this template`;
      warnings.push({
        path: at,
        message: `${strictMessage} (CloudFormation will reject it); the macro could not let it invoke ${targetsText()}`,
        strictMessage,
      });
      return undefined;
    }
    const who = roleValue === undefined ? `${sm.id} has no ${key}, so its role` : `the role ${jsonText(roleValue)}`;
    warnings.push({
      path: at,
      message: `${who} is not defined in this template; make sure it may invoke ${targetsText()}${ON_QUALIFIED}`,
      strictMessage: `${who} is not defined in this template, so the macro cannot let it invoke ${targetsText()}${ON_QUALIFIED}. Define the role in the template, or use Mode rewrite and grant the targets yourself`,
    });
    return undefined;
  }

  /** An AWS::Serverless::StateMachine without `Role`: its `Policies`, from which SAM builds the role. */
  #locateSam(sm: Resource, warnings: IamWarning[], targetsText: () => string): Located {
    // The path of its Policies, written once (paths are never changed).
    const at: Path = [RESOURCES, sm.id, PROPERTIES, 'Policies'];
    const docs: PolicyDoc[] = [];
    const policies = this.#editor.get(at);
    if (intrinsicName(policies) !== undefined) {
      return cannotExtend(docs, warnings, at.join('/'), sm.id, targetsText, { kind: 'sam', id: sm.id });
    }
    const list = asList(policies);
    list.forEach((p, k) => {
      const docAt = isArray(policies) ? [...at, k] : at;
      if (isObject(p) && getOwn(p, STATEMENT) !== undefined) docs.push({ path: docAt, label: `${sm.id} Policies` });
      const tpl = isObject(p) ? getOwn(p, LAMBDA_INVOKE_POLICY) : undefined;
      if (isObject(tpl)) docs.push({ path: [...docAt, LAMBDA_INVOKE_POLICY], label: `${sm.id} LambdaInvokePolicy` });
    });
    return {
      docs,
      host: sm.id,
      principal: { kind: 'sam', id: sm.id },
      addStatement: (s) => {
        const current = this.#editor.get(at);
        const doc = { Statement: [s] };
        const next = isArray(current) ? [...current, doc] : current === undefined ? [doc] : [current, doc];
        this.#editor.set(at, next);
        return { path: [...at, next.length - 1].join('/'), how: `a new policy document in ${sm.id}'s Policies`, resource: sm.id };
      },
    };
  }

  /** A role of the template: its inline policies, the policy resources attached to it, and the macro's own policy for it. */
  #locateRole(sm: Resource, roleId: string, role: Resource): Located {
    // The path of its inline Policies, written once (paths are never changed).
    const at: Path = [RESOURCES, roleId, PROPERTIES, 'Policies'];
    const docs: PolicyDoc[] = [];
    const inline = this.#editor.get(at);
    if (isArray(inline))
      inline.forEach((_policy, k) => {
        docs.push({ path: [...at, k, POLICY_DOCUMENT], label: `${roleId} Policies[${k}]` });
      });
    const managed = getOwn(role.properties, 'ManagedPolicyArns');
    // A list: a role has a few managed policies, most none.
    const attached: string[] = [];
    if (isArray(managed))
      for (const m of managed) {
        const id = refName(m);
        if (id && this.#index.get(id)?.type === 'AWS::IAM::ManagedPolicy') attached.push(id);
      }
    this.#policyResources ??= policyResources(this.#index);
    for (const r of this.#policyResources) {
      const roles = r.type === 'AWS::IAM::RolePolicy' ? [getOwn(r.properties, 'RoleName')] : getOwn(r.properties, 'Roles');
      const names: Json[] = isArray(roles) ? roles.filter((n): n is Json => n !== undefined) : [];
      if (attached.includes(r.id) || names.some((n) => this.#namesRole(n, role))) {
        docs.push({ path: [RESOURCES, r.id, PROPERTIES, POLICY_DOCUMENT], label: r.id });
      }
    }
    // The macro's own policy added in this run (one from an earlier run is among the policies above).
    const created = this.#own.created(roleId);
    if (created !== undefined) docs.push({ path: [RESOURCES, created, PROPERTIES, POLICY_DOCUMENT], label: created });
    const own = { roleId, role };
    const principal = { kind: 'role', id: roleId } as const;
    if (inline !== undefined && !isArray(inline)) {
      // `Policies` computed by an intrinsic (an Fn::If, say) is left as it is: the grant goes to a
      // policy resource of its own, attached to the role.
      const branches = this.#branchDocs(inline, at, roleId);
      return {
        docs,
        own,
        principal,
        branches,
        ownOnly: true,
        addStatement: (st) => this.#own.add(roleId, role, sm, st, 'whose Policies is an intrinsic'),
      };
    }
    return {
      docs,
      own,
      principal,
      host: roleId,
      addStatement: (s) => {
        const current = this.#editor.get(at);
        const policy = { PolicyName: 'WarmStepFunctionsInvoke', PolicyDocument: { Version: '2012-10-17', Statement: [s] } };
        const existing = isArray(current) ? current.findIndex((p) => getOwn(p, 'PolicyName') === 'WarmStepFunctionsInvoke') : -1;
        const how = `a new statement in ${roleId}'s inline policy WarmStepFunctionsInvoke`;
        if (isArray(current) && existing >= 0) {
          const stPath = [...at, existing, POLICY_DOCUMENT, STATEMENT];
          const stmts = this.#editor.get(stPath);
          this.#editor.set(stPath, isArray(stmts) ? [...stmts, s] : [s]);
          return { path: [...at, existing].join('/'), how, resource: roleId };
        }
        this.#editor.set(at, isArray(current) ? [...current, policy] : [policy]);
        return { path: [...at, isArray(current) ? current.length : 0].join('/'), how, resource: roleId };
      },
    };
  }

  /**
   * The inline policy documents of each branch of `Policies` computed by (nested) Fn::If, as lists;
   * undefined when some branch is another intrinsic the macro cannot read.
   */
  #branchDocs(value: Json, path: Path, roleId: string): PolicyDoc[][] | undefined {
    if (refName(value) === NO_VALUE) return [[]];
    if (isArray(value)) return [value.map((_p, k) => ({ path: [...path, k, POLICY_DOCUMENT], label: `${roleId} Policies` }))];
    const arg = intrinsicName(value) === IF ? (value as { [IF]: Json })[IF] : undefined;
    if (!isArray(arg) || arg.length !== 3) return undefined;
    const yes = this.#branchDocs(arg[1], [...path, IF, 1], roleId);
    const no = this.#branchDocs(arg[2], [...path, IF, 2], roleId);
    return yes && no ? [...yes, ...no] : undefined;
  }

  #roleOf(value: Json | undefined): string | undefined {
    const ga = getAttPair(value);
    if (ga && ga[1] === 'Arn' && this.#isRole(ga[0])) return ga[0];
    const parts = value === undefined ? undefined : partsOf(value);
    if (parts && parts.length === 1 && !isString(parts[0])) {
      const inner = getAttPair(parts[0].hole);
      if (inner && inner[1] === 'Arn' && this.#isRole(inner[0])) return inner[0];
    }
    // `arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Role}`: the role's name at the end of an ARN.
    if (parts && parts.length >= 2) {
      const last = parts[parts.length - 1];
      const before = parts[parts.length - 2];
      const id = !isString(last) ? refName(last.hole) : undefined;
      if (id && isString(before) && /:role\/(?:[^:]*\/)?$/.test(before) && this.#isRole(id)) return id;
    }
    return undefined;
  }

  #isRole(id: string): boolean {
    return this.#index.get(id)?.type === 'AWS::IAM::Role';
  }

  #namesRole(value: Json, role: Resource): boolean {
    if (refName(value) === role.id) return true;
    const name = getOwn(role.properties, 'RoleName');
    return isString(value) && isString(name) && value === name;
  }
}

/** Policies given by an intrinsic (e.g. Fn::If) are not rewritten: coverage is still checked, nothing is added. */
function cannotExtend(docs: PolicyDoc[], warnings: IamWarning[], path: string, who: string, targetsText: () => string, principal: Principal): Located {
  return {
    docs,
    principal,
    addStatement: () => {
      if (warnings.some((w) => w.path === path)) return undefined;
      const computed = `the Policies of ${who} are computed by an intrinsic function, so the macro`;
      warnings.push({
        path,
        message: `${computed} did not add the grant; make sure it may invoke ${targetsText()}${ON_QUALIFIED}`,
        strictMessage: `${computed} cannot let it invoke ${targetsText()}`,
      });
      return undefined;
    },
  };
}
