/**
 * The macro's own AWS::IAM::Policy for a role, `<Role>WarmStepFunctionsPolicy[N]`: where grants go
 * when the role's `Policies` is computed by an intrinsic, or when a grant in the role itself would
 * make a circular dependency. Attached to that role only, with the role's Condition; each state
 * machine of the role depends on it (DependsOn), so that no execution starts before the grant is
 * attached, unless that DependsOn could not exist or would itself close a circular dependency.
 */
import { formatCycle, type Dependencies } from '../template/dependencies';
import { getOwn, jsonEqual, type Editor, isArray } from '../../cfn/json';
import { policyResources, type Resource, type TemplateIndex, RESOURCES, PROPERTIES } from '../template/read';
import type { JsonObject } from '../../types';
import { type IamWarning, POLICY_DOCUMENT, STATEMENT } from './types';

/** What a grant the state machine cannot depend on risks. */
const RACE = ' an execution started during the stack update may run before the grant is attached';

const OWN_SUFFIX = 'WarmStepFunctionsPolicy';
const OWN_POLICY = /WarmStepFunctionsPolicy\d*$/;

export class OwnPolicies {
  /** The policy of each role (added in this run, or found from an earlier one); null: none. */
  readonly #policies = new Map<string, string | null>();
  /** Those added in this run (the others are in the template, and so among every role's documents). */
  readonly #added = new Set<string>();

  /** How many policy resources this run has added (PrincipalReader reads the policy IDs again when it grows). */
  get addedCount(): number {
    return this.#added.size;
  }

  /** The policy resources this run has added, in the order added (they follow the template's own). */
  get addedIds(): readonly string[] {
    return [...this.#added];
  }
  /** The template's policies named like the macro's own, in template order (found once, not once per role). */
  #candidates?: Resource[];

  readonly #index: TemplateIndex;
  readonly #editor: Editor;
  readonly #deps: Dependencies;

  constructor(index: TemplateIndex, editor: Editor, deps: Dependencies) {
    this.#index = index;
    this.#editor = editor;
    this.#deps = deps;
  }

  /** The policy of a role: added in this run, or `<Role>WarmStepFunctionsPolicy[N]` attached to it alone. */
  of(roleId: string): string | undefined {
    const known = this.#policies.get(roleId);
    if (known !== undefined) return known ?? undefined;
    this.#candidates ??= policyResources(this.#index).filter((r) => r.type === 'AWS::IAM::Policy' && OWN_POLICY.test(r.id));
    for (const r of this.#candidates) {
      if (jsonEqual(getOwn(r.properties, 'Roles') ?? null, [{ Ref: roleId }])) {
        this.#policies.set(roleId, r.id);
        return r.id;
      }
    }
    this.#policies.set(roleId, null);
    return undefined;
  }

  /** The policy of a role added in this run, if any. */
  created(roleId: string): string | undefined {
    const id = this.of(roleId);
    return id !== undefined && this.#added.has(id) ? id : undefined;
  }

  /** The logical ID the role's policy has, or would get: one that no resource or parameter has (at most 255 characters). */
  idFor(roleId: string): string {
    const existing = this.of(roleId);
    if (existing !== undefined) return existing;
    const base = `${roleId.slice(0, 255 - OWN_SUFFIX.length - 4)}${OWN_SUFFIX}`;
    let id = base;
    for (let n = 2; this.#index.get(id) !== undefined || this.#index.isParameter(id) || this.#editor.get([RESOURCES, id]) !== undefined; n++)
      id = `${base}${n}`;
    return id;
  }

  /** A DependsOn on a resource whose condition may be false would fail: only when the state machine has the role's condition (or the role none). */
  canDependOn(role: Resource, sm: Resource): boolean {
    return role.condition === undefined || role.condition === sm.condition;
  }

  /**
   * Adds a statement to the role's policy, created on first use with the role's Condition. Its
   * PolicyName is its logical ID too, so that it cannot replace an inline policy of the role.
   */
  add(roleId: string, role: Resource, sm: Resource, statement: JsonObject, why: string): { path: string; how: string; resource: string } {
    let id = this.of(roleId);
    if (id === undefined) {
      id = this.idFor(roleId);
      this.#policies.set(roleId, id);
      this.#added.add(id);
      const policy: JsonObject = {
        Type: 'AWS::IAM::Policy',
        ...(role.condition !== undefined ? { Condition: role.condition } : {}),
        Properties: { PolicyName: id, PolicyDocument: { Version: '2012-10-17', Statement: [statement] }, Roles: [{ Ref: roleId }] },
      };
      this.#editor.set([RESOURCES, id], policy);
    } else {
      const path = [RESOURCES, id, PROPERTIES, POLICY_DOCUMENT, STATEMENT];
      const current = this.#editor.get(path);
      this.#editor.set(path, [...(isArray(current) ? current : current === undefined ? [] : [current]), statement]);
    }
    this.#deps.changed(id);
    const how = `a statement in the macro's own AWS::IAM::Policy ${id}, attached to ${roleId} (${why})`;
    return {
      path: `Resources/${id}`,
      resource: id,
      how: this.canDependOn(role, sm) ? how : `${how}; ${sm.id} cannot depend on it (its Condition is not ${role.condition}), so${RACE}`,
    };
  }

  /**
   * The state machine depends on its role's policy (if the role has one), so that no execution
   * starts before the grant is attached; unless that DependsOn would close a circular dependency,
   * which is a warning.
   */
  dependOn(roleId: string, role: Resource, sm: Resource): IamWarning | undefined {
    const id = this.of(roleId);
    if (id === undefined || !this.canDependOn(role, sm)) return undefined;
    const dependsOn = this.#editor.get([RESOURCES, sm.id, 'DependsOn']);
    const list = isArray(dependsOn) ? dependsOn : dependsOn === undefined ? [] : [dependsOn];
    if (list.includes(id)) return undefined;
    const cycle = this.#deps.cycle(sm.id, [id]);
    if (cycle) {
      return {
        path: `Resources/${sm.id}/DependsOn`,
        message: `${sm.id} does not depend on ${id}, the macro's own policy for ${roleId}: that DependsOn would make a circular dependency (${formatCycle(cycle)}), which CloudFormation rejects;${RACE}`,
        strictMessage: `${sm.id} cannot depend on ${id}, the macro's own policy for ${roleId}: that would make a circular dependency (${formatCycle(cycle)})`,
      };
    }
    this.#editor.set([RESOURCES, sm.id, 'DependsOn'], [...list, id]);
    this.#deps.changed(sm.id);
    return undefined;
  }
}
