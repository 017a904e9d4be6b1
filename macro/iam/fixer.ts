/**
 * Step 6 of the pipeline: make IAM allow the new targets.
 *
 * A grant on the unqualified function ARN does not cover a qualified ARN (an alias or version),
 * so for every rewritten state machine the macro checks the role's `lambda:InvokeFunction`
 * grants and adds the new target where none covers it: to the statement that grants the
 * function, or in a new statement.
 *
 * No grant may close a circular dependency (the function runs with the state machine's own role,
 * say, or its environment refers to a state machine of that role): then the grant is written by
 * literal ARN, else in the macro's own policy for the role (as SAM's connectors do), else not at
 * all, with a warning that names the cycle.
 */
import { formatCycle, type Dependencies } from '../dependencies';
import { formatValue } from '../cfn/parts';
import { literalize } from '../literal';
import type { Editor } from '../cfn/json';
import type { Resource, TemplateIndex } from '../template';
import type { WarmTargets } from '../targets';
import type { Json, JsonObject } from '../types';
import { Coverage } from './coverage';
import { PolicyLocator, type IamWarning, type Located } from './documents';
import { OwnPolicies } from './own-policy';
import { ArnRenderer } from './render';

export interface Grant {
  fn?: string;
  /** The unqualified function ARN, when the function is not in the template. */
  unqualified?: Json;
  /** The value to allow (the new target, guarded like the slot). */
  value: Json;
}

export interface IamOutcome {
  /** Each grant added: where (a template path) and what it allows. */
  granted: { path: string; target: string; how: string }[];
  warnings: IamWarning[];
}

/** A grant as it can be written in a resource: as it is, by literal ARN (`cycle` says why), or not at all. */
type Placement = { ok: true; value: Json; cycle?: string[] } | { ok: false; cycle: string[]; why: string };

export class IamFixer {
  private readonly coverage: Coverage;
  private readonly own: OwnPolicies;
  private readonly locator: PolicyLocator;

  constructor(
    private readonly index: TemplateIndex,
    private readonly targets: WarmTargets,
    private readonly editor: Editor,
    private readonly deps: Dependencies,
  ) {
    this.coverage = new Coverage(editor, new ArnRenderer(index, targets));
    this.own = new OwnPolicies(index, editor, deps);
    this.locator = new PolicyLocator(index, editor, this.own);
  }

  ensure(stateMachine: Resource, grants: Grant[]): IamOutcome {
    const outcome: IamOutcome = { granted: [], warnings: [] };
    // Many invocations share a target: judge each distinct grant once.
    const distinct = new Map<string, Grant>();
    for (const g of grants) {
      const key = JSON.stringify(g.value);
      if (!distinct.has(key)) distinct.set(key, g);
    }
    const names = [...new Set([...distinct.values()].map((g) => formatValue(g.value)))];
    const where = this.locator.locate(stateMachine, outcome.warnings, names.join(', '));
    if (!where) return outcome;
    // With Policies computed by Fn::If, a grant present in every branch is covered too.
    const inEveryBranch = (g: Grant): boolean => where.branches !== undefined && where.branches.every((b) => this.coverage.covered([...where.docs, ...b], g.value));
    const granted = this.coverage.granted(where.docs);
    const missing = [...distinct.values()].filter((g) => !this.coverage.covered(where.docs, g.value, granted) && !inEveryBranch(g));
    for (const g of missing) this.grant(g, stateMachine, where, outcome);
    // A role may have the macro's own policy (added for this or another state machine, now or in
    // an earlier run): its state machines depend on it.
    if (where.own) {
      const warning = this.own.dependOn(where.own.roleId, where.own.role, stateMachine);
      if (warning) outcome.warnings.push(warning);
    }
    return outcome;
  }

  private grant(g: Grant, sm: Resource, where: Located, outcome: IamOutcome): void {
    // Prefer the statement that already grants the function itself.
    const fnArn = g.fn ? { 'Fn::GetAtt': [g.fn, 'Arn'] } : g.unqualified;
    const host = fnArn ? this.coverage.findStatement(where.docs, fnArn) : undefined;
    const target = formatValue(g.value);
    // The resource the grant goes into: a statement's, the role's (or SAM state machine's), or the
    // macro's own policy of the role (which may not exist yet).
    const ownId = where.own ? this.own.idFor(where.own.roleId) : undefined;
    const hostId = host ? String(host[1]) : (where.host ?? ownId);
    let placed: Placement = hostId !== undefined ? this.place(g.value, hostId, sm, where) : { ok: true, value: g.value };
    if (!placed.ok && where.own && where.host !== undefined && ownId !== undefined && ownId !== hostId) {
      // In the role (or a policy of it) it would close a circle (the function runs with this same
      // role, say): a policy resource of its own breaks it, as SAM's connectors do.
      const separate = this.place(g.value, ownId, sm, where);
      if (separate.ok) {
        const literally = separate.cycle ? `; by literal ARN, since a reference would make a circular dependency too: ${formatCycle(separate.cycle)}` : '';
        const statement = { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [separate.value] };
        const added = this.own.add(where.own.roleId, where.own.role, sm, statement, `granting it in ${hostId} would make a circular dependency: ${formatCycle(placed.cycle)}${literally}`);
        outcome.granted.push({ path: added.path, how: added.how, target });
        return;
      }
      placed = separate.cycle.length <= placed.cycle.length ? placed : separate;
    }
    if (!placed.ok) {
      const on = hostId ?? sm.id;
      outcome.warnings.push({
        path: host ? [...host, 'Resource'].join('/') : `Resources/${on}`,
        message: `granting ${target} in ${on} would make a circular dependency (${formatCycle(placed.cycle)}), which CloudFormation rejects, and it has no literal ARN to grant instead (${placed.why}); grant lambda:InvokeFunction on it by name yourself`,
        strictMessage: `granting ${target} in ${on} would make a circular dependency (${formatCycle(placed.cycle)})`,
      });
      return;
    }
    const value = placed.value;
    const literally = placed.cycle ? ` (by literal ARN: a reference would make a circular dependency: ${formatCycle(placed.cycle)})` : '';
    if (host) {
      const resource = this.editor.get([...host, 'Resource']);
      const list = Array.isArray(resource) ? [...resource, value] : resource === undefined ? [value] : [resource, value];
      this.editor.set([...host, 'Resource'], list);
      this.deps.changed(String(host[1]));
      outcome.granted.push({ path: [...host, 'Resource'].join('/'), target, how: `added to the statement of ${host[1]} that grants the function${literally}` });
    } else {
      const added = where.addStatement({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [value] });
      if (added) {
        if (added.resource !== undefined) this.deps.changed(added.resource);
        outcome.granted.push({ path: added.path, target, how: `${added.how}${literally}` });
      }
    }
  }

  /**
   * The grant as it can be written in `hostId` (a role, a policy, a SAM state machine, or the
   * role's own policy, which the state machine will depend on): as it is, unless a resource it
   * refers to depends on the host, which would make a circular dependency. Then the same grant by
   * literal ARN (a function with a literal FunctionName, an alias with a literal Name), or why not.
   */
  private place(value: Json, hostId: string, sm: Resource, where: Located): Placement {
    const extra: [string, string][] = [];
    if (where.own && hostId === this.own.idFor(where.own.roleId)) {
      // Edges of the own policy that are not written yet: to its role, and the state machine's DependsOn.
      if (!this.deps.exists(hostId)) extra.push([hostId, where.own.roleId]);
      if (this.own.canDependOn(where.own.role, sm)) extra.push([sm.id, hostId]);
    }
    const refs = this.deps.references(value);
    const cycle = this.deps.cycle(hostId, refs, extra);
    if (!cycle) return { ok: true, value };
    const closing = new Set([...refs].filter((r) => this.deps.path(r, [hostId], extra) !== undefined));
    const literal = literalize(value, (id) => closing.has(this.deps.resolve(id) ?? id), this.index, this.targets);
    if (!literal.ok) return { ok: false, cycle, why: literal.why };
    if (this.deps.cycle(hostId, this.deps.references(literal.value), extra)) return { ok: false, cycle, why: 'some of its references cannot be written as literal ARNs' };
    return { ok: true, value: literal.value, cycle };
  }
}
