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
import { formatCycle, type Dependencies } from '../template/dependencies';
import { formatValue } from '../../cfn/parts';
import { literalize, validAliasName } from '../targets/literal';
import { asObject, type Editor, getOwn, jsonEqual, isArray, jsonText, isString, keysOf } from '../../cfn/json';
import { type Resource, type TemplateIndex, SAM_STATE_MACHINE } from '../template/read';
import type { WarmTargets } from '../targets/find';
import { intrinsicName, refName, IF, GET_ATT, NO_VALUE } from '../../cfn/intrinsics';
import type { Json } from '../../types';
import { Coverage, invokeOnly } from './coverage';
import { PolicyLocator, type Located } from './documents';
import { actionMatches, allowInvoke, asList, assignments, describeAssignment, evaluate, INVOKE, leaves, mayApply, type Verdict } from './evaluate';
import { collectConditions, resolve, type Assignment } from './conditions';
import { describeValue, PrincipalReader, type PolicyEntry, type Principal } from './principal';
import { type IamWarning, type Policies, type Statement, NOT_RESOURCE, RESOURCE, STATEMENT } from './types';
import { OwnPolicies } from './own-policy';
import { ArnRenderer } from './render';

export interface Grant {
  fn?: string;
  /** The unqualified function ARN, when the function is not in the template. */
  unqualified?: Json;
  /** The value to allow (the new target, guarded like the slot). */
  value: Json;
  /**
   * The task calls Lambda with its own `Credentials` role (Step Functions then uses that role, not
   * the state machine's): its RoleArn, or `dynamic` for `RoleArn.$` (computed at run time).
   */
  credentials?: { roleArn: Json; statePath: string } | { dynamic: true; statePath: string };
}

export interface IamOutcome {
  /** Each grant added: where (a template path) and what it allows. */
  granted: { path: string; target: string; how: string }[];
  /** Each guardrail the macro extended (a boundary, a Deny with NotResource): where and how. */
  extended: { path: string; target: string; how: string }[];
  warnings: IamWarning[];
}

/** A grant as it can be written in a resource: as it is, by literal ARN (`cycle` says why), or not at all. */
type Placement = { ok: true; value: Json; cycle?: string[] } | { ok: false; cycle: string[]; why: string };

/** At most this many conditions are evaluated in every combination (2^12 = 4,096 evaluations per target). */
const MAX_CONDITIONS = 12;

export class IamFixer {
  readonly #coverage: Coverage;
  readonly #own: OwnPolicies;
  readonly #locator: PolicyLocator;
  readonly #arns: ArnRenderer;
  readonly #principals: PrincipalReader;
  /** Policies read per principal and combination (see policiesIn), valid while `cachedAt === edits`. */
  readonly #cache = new Map<string, Map<string, Policies>>();
  #cachedAt = 0;
  /** Counts the macro's edits of policies (grants, guardrails), which make cached policies stale. */
  #edits = 0;

  readonly #index: TemplateIndex;
  readonly #targets: WarmTargets;
  readonly #editor: Editor;
  readonly #deps: Dependencies;

  constructor(index: TemplateIndex, targets: WarmTargets, editor: Editor, deps: Dependencies) {
    this.#index = index;
    this.#targets = targets;
    this.#editor = editor;
    this.#deps = deps;
    this.#arns = new ArnRenderer(index, targets);
    this.#coverage = new Coverage(editor, this.#arns);
    this.#own = new OwnPolicies(index, editor, deps);
    this.#locator = new PolicyLocator(index, editor, this.#own);
    this.#principals = new PrincipalReader(
      (path) => editor.get(path),
      () => this.#own.addedCount,
      (o) => !editor.changesInPlace(o),
      () => this.#policyEntries(),
    );
  }

  /** The template's policy resources and Connectors, then the macro's own policies (a new list when it adds one). */
  #policyEntries(): readonly PolicyEntry[] {
    const added = this.#own.addedCount;
    if (this.#entries?.added !== added) {
      const own = this.#own.addedIds.map((id) => ({ id, type: 'AWS::IAM::Policy' }));
      this.#entries = { added, list: own.length === 0 ? this.#index.policyEntries : [...this.#index.policyEntries, ...own] };
    }
    return this.#entries.list;
  }

  #entries?: { added: number; list: readonly PolicyEntry[] };

  /**
   * Makes every principal that calls Lambda for these grants able to invoke their targets: the
   * state machine's role (each in-template branch of an Fn::If role), or a task's Credentials role.
   */
  ensure(stateMachine: Resource, grants: Grant[]): IamOutcome {
    const outcome: IamOutcome = { granted: [], extended: [], warnings: [] };
    const key = stateMachine.type === SAM_STATE_MACHINE ? 'Role' : 'RoleArn';
    const smPath = `Resources/${stateMachine.id}/Properties`;
    const groups = new Map<string, { roleValue: Json | undefined; key: string; at: string; grants: Grant[]; dynamic?: string[] }>();
    for (const g of grants) {
      const c = g.credentials;
      const id = c === undefined ? '' : 'dynamic' in c ? 'dynamic' : jsonText(c.roleArn);
      let group = groups.get(id);
      if (!group) {
        group =
          c === undefined
            ? { roleValue: getOwn(stateMachine.properties, key), key, at: `${smPath}/${key}`, grants: [] }
            : 'dynamic' in c
              ? { roleValue: undefined, key: 'Credentials.RoleArn.$', at: smPath, grants: [], dynamic: [] }
              : { roleValue: c.roleArn, key: `the Credentials.RoleArn of state ${c.statePath}`, at: smPath, grants: [] };
        groups.set(id, group);
      }
      group.grants.push(g);
      if (c && 'dynamic' in c && group.dynamic && !group.dynamic.includes(c.statePath)) group.dynamic.push(c.statePath);
    }
    for (const group of groups.values()) {
      if (group.dynamic) {
        const names = [...new Set(group.grants.map((g) => formatValue(g.value)))].join(', ');
        const calls = `state ${group.dynamic.join(', ')} calls Lambda with Credentials.RoleArn.$, a role computed at run time, so the macro cannot`;
        outcome.warnings.push({
          path: group.at,
          message: `${calls} check or grant it; make sure every role it may take allows ${INVOKE} on ${names}`,
          strictMessage: `${calls} let it invoke ${names}`,
        });
        continue;
      }
      for (const branch of roleBranches(group.roleValue)) this.#ensureFor(stateMachine, branch, group, outcome);
    }
    return outcome;
  }

  #ensureFor(stateMachine: Resource, roleValue: Json | undefined, group: { key: string; at: string; grants: Grant[] }, outcome: IamOutcome): void {
    // Many invocations share a target: judge each distinct grant once (and format only those), the first of each.
    const distinct: Grant[] = [];
    // Told apart by JSON text, but a Ref (most targets) by its name, which its text (`{"Ref":NAME}`) holds alone.
    const texts = new Set<string>();
    const refs = new Set<string>();
    // A value met before (the slots decided once share their edit's) is in `distinct` already.
    const met = new Set<Json>();
    for (const g of group.grants) {
      if (typeof g.value === 'object' && g.value !== null) {
        if (met.has(g.value)) continue;
        met.add(g.value);
      }
      const ref = refName(g.value);
      const seen = ref === undefined ? texts : refs;
      const k = ref ?? jsonText(g.value);
      if (seen.has(k)) continue;
      seen.add(k);
      distinct.push(g);
    }
    // The targets' names, for a warning of locate (formatted only then, and once).
    let names: string | undefined;
    const targetsText = (): string => {
      names ??= [...new Set(distinct.map((g) => formatValue(g.value)))].join(', ');
      return names;
    };
    const where = this.#locator.locate(stateMachine, roleValue, group.key, group.at, outcome.warnings, targetsText);
    if (!where) return;
    // With Policies computed by Fn::If, a grant present in every branch is covered too.
    const inEveryBranch = (g: Grant): boolean => where.branches?.every((b) => this.#coverage.covered([...where.docs, ...b], g.value)) ?? false;
    const granted = this.#coverage.granted(where.docs);
    // A guarded alias granted by its ARN (see aliasArn) is covered too.
    const byArn = (g: Grant): boolean => {
      const arn = this.#aliasArn(g);
      return arn !== undefined && this.#coverage.covered(where.docs, arn, granted);
    };
    const missing = distinct.filter((g) => !this.#coverage.covered(where.docs, g.value, granted) && !inEveryBranch(g) && !byArn(g));
    // A grant no statement holds as such may be in effect already (policies chosen by Fn::If items, say, in every
    // combination the template's Conditions can take): then none is added.
    for (const g of missing) if (!this.#allowed(g, where.principal)) this.#grant(g, stateMachine, where, outcome);
    // The grants are in place: now prove that they are effective, in every combination of conditions.
    this.#verify(stateMachine, where, distinct, outcome);
    // A role may have the macro's own policy (added for this or another state machine, now or in
    // an earlier run): its state machines depend on it.
    if (where.own) {
      const warning = this.#own.dependOn(where.own.roleId, where.own.role, stateMachine);
      if (warning) outcome.warnings.push(warning);
    }
  }

  /**
   * The effective-permission check: evaluates lambda:InvokeFunction on each target over every
   * policy that reaches the principal (evaluate.ts), in every combination of the conditions they
   * depend on. Where it is denied: an unconditional grant when no Allow applies; a guardrail that
   * already names the function gets its qualified ARN; anything else is a warning that names the
   * statement and the fix.
   */
  #verify(sm: Resource, where: Located, grants: Grant[], outcome: IamOutcome): void {
    const principal = where.principal;
    // Lists, not sets: they hold a few entries, and most targets add none.
    const noted: string[] = [];
    for (const g of grants) {
      const { names, evaluated, combos } = this.#combinations(g, principal);
      if (names.length > MAX_CONDITIONS) {
        const depend = `the policies of ${principal.id} depend on ${names.length} conditions`;
        outcome.warnings.push({
          path: `Resources/${principal.id}`,
          message: `${depend}; the macro evaluated every combination of ${evaluated.join(', ')} with the others true, so make sure ${principal.id} may invoke ${formatValue(g.value)} when they are false`,
          strictMessage: `${depend}, more than the ${MAX_CONDITIONS} the macro evaluates in every combination`,
        });
      }
      // The policies of each combination as the last check read them (after every edit): the notes read them too.
      const policies: Policies[] = [];
      let failures = this.#check(g, principal, combos, policies);
      if (failures.length > 0) {
        // No Allow applies in some combination (a grant under a Condition, say): an unconditional grant.
        if (failures.some((f) => f.verdict.kind === 'no-allow')) {
          this.#grant(g, sm, where, outcome, true);
          failures = this.#check(g, principal, combos, policies);
        }
        // A guardrail that already names the function may get its qualified ARN (once each).
        const extended: string[] = [];
        for (const f of failures) {
          const k = f.verdict.kind === 'denied' ? jsonText(f.verdict.statement.path) : f.verdict.kind;
          if (extended.includes(k)) continue;
          extended.push(k);
          this.#extendGuardrail(g, f, sm, where, principal, outcome);
        }
        failures = this.#check(g, principal, combos, policies);
      }
      this.#noteExternal(principal, g, policies, noted, outcome);
      const seen: string[] = [];
      for (const f of failures) {
        const w = this.#failureWarning(g, f, sm, principal, combos.length > 1);
        if (seen.includes(w.message)) continue;
        seen.push(w.message);
        outcome.warnings.push(w);
      }
    }
  }

  /**
   * The combinations of conditions that matter for a target: those of the policies whose statements may apply to
   * invoking it (the others cannot change the verdict) and of the target itself, at most MAX_CONDITIONS of them
   * (`evaluated`), and only as the template's Conditions can take them together (IsProd and its negation are never
   * both false).
   */
  #combinations(g: Grant, principal: Principal): { names: string[]; evaluated: string[]; combos: Assignment[] } {
    // The target's texts, rendered when a policy resource reaches the principal (most reach none).
    const render = this.#render;
    let texts: (string | undefined)[] | undefined;
    const matters = (resources: Json[] | 'any'): boolean => {
      texts ??= leaves(g.value).map(render);
      return mayApply(resources, texts, render);
    };
    const names = [...this.#principals.conditions(principal, matters, this.#edits)];
    const own = collectConditions(g.value);
    if (own) for (const c of own) if (!names.includes(c)) names.push(c);
    names.sort();
    const evaluated = names.length > MAX_CONDITIONS ? names.slice(0, MAX_CONDITIONS) : names;
    return { names, evaluated, combos: evaluated.length === 0 ? this.#none : this.#index.conditions.filter(assignments(evaluated)) };
  }

  /** Whether the principal may invoke the target already, in every combination of conditions (see #combinations). */
  #allowed(g: Grant, principal: Principal): boolean {
    // Only policies chosen by conditions can be in effect where no statement holds the grant as such: a template
    // without Conditions (most) is not evaluated twice.
    this.#conditional ??= keysOf(asObject(getOwn(this.#index.fragment, 'Conditions'))).length > 0;
    if (!this.#conditional) return false;
    const { names, combos } = this.#combinations(g, principal);
    return names.length > 0 && names.length <= MAX_CONDITIONS && this.#check(g, principal, combos, []).length === 0;
  }

  /** Does the template define Conditions? (read on first need) */
  #conditional?: boolean;

  /** The combinations in which the principal may not invoke the target; `policies` gets the policies of each. */
  #check(g: Grant, principal: Principal, combos: Assignment[], policies: Policies[]): Failure[] {
    const failures: Failure[] = [];
    for (let k = 0; k < combos.length; k++) {
      const a = combos[k];
      policies[k] = this.#policiesIn(principal, a);
      const target = resolve(g.value, a);
      // The unqualified function ARN (see fnArnOf) is skipped: a function's is a map of the one key Fn::GetAtt, and
      // a target without it is not one (no ARN is built to compare it with).
      const cold = g.fn === undefined || getOwn(target, GET_ATT) !== undefined ? fnArnOf(g) : undefined;
      if (target === undefined || (cold !== undefined && jsonEqual(target, cold))) continue;
      const text = this.#render(target);
      if (text === undefined) continue;
      const verdict = evaluate(policies[k], INVOKE, text, this.#render, a);
      if (verdict.kind !== 'allowed' && verdict.kind !== 'absent') failures.push({ a, verdict, target });
    }
    return failures;
  }

  /** The renderer evaluate is given: one function, so that what it keeps of a statement serves every state machine. */
  readonly #render = (v: Json): string | undefined => this.#arns.render(v);

  /**
   * The policies of a principal in a combination, read once until the macro edits a policy (every
   * state machine of a shared role reuses them).
   */
  #policiesIn(principal: Principal, a: Assignment): Policies {
    if (this.#cachedAt !== this.#edits) {
      this.#cache.clear();
      this.#cachedAt = this.#edits;
    }
    // By ID (an ID names one principal: a role, or a SAM state machine), then `C1=1,C2=0` ('' without
    // conditions): no key is written out for most targets.
    let byId = this.#cache.get(principal.id);
    if (!byId) {
      byId = new Map();
      this.#cache.set(principal.id, byId);
    }
    let key = '';
    // (Not iterated without conditions: most targets have none.)
    if (a.size) for (const [c, v] of a) key += `${key && ','}${c}=${v ? 1 : 0}`;
    let p = byId.get(key);
    if (!p) {
      p = this.#principals.policies(principal, a);
      byId.set(key, p);
    }
    return p;
  }

  /** The one combination when no condition matters (most targets): one object, so that evaluate knows it again (see Statement). */
  readonly #none: Assignment[] = [new Map()];

  /** Managed policies outside the template may deny what the template allows: a warning (a note), never silence. */
  #noteExternal(principal: Principal, g: Grant, all: Policies[], noted: string[], outcome: IamOutcome): void {
    for (const p of all) {
      for (const e of p.external) {
        if (e.kind !== 'managed') continue;
        const k = jsonText(e.path);
        if (noted.includes(k)) continue;
        noted.push(k);
        outcome.warnings.push({
          path: e.path.join('/'),
          message: `${principal.id} also has the managed policy ${describeValue(e.value)}, which is outside the template: the macro cannot tell whether it denies ${INVOKE} on ${formatValue(g.value)}; make sure it has no Deny that matches it`,
          strictMessage: `${principal.id} has the managed policy ${describeValue(e.value)}, outside the template`,
          note: true,
        });
      }
    }
  }

  /**
   * Extends a guardrail that already names the function with the target (the qualified ARN): a
   * Deny whose NotResource exempts the function, or a permissions boundary of the template that
   * allows invoking the function. Nothing else is ever changed in a Deny or a boundary.
   */
  #extendGuardrail(g: Grant, f: Failure, sm: Resource, where: Located, principal: Principal, outcome: IamOutcome): void {
    this.#edits++;
    // The rendered unqualified function ARN.
    const fnArn = fnArnOf(g);
    const fnText = fnArn === undefined ? undefined : this.#arns.render(fnArn);
    if (fnText === undefined) return;
    const names = (list: Json[]): boolean => list.some((r) => this.#arns.render(r) === fnText);
    const target = formatValue(g.value);
    const v = f.verdict;
    if (v.kind === 'denied' && v.certain && v.statement.path !== undefined) {
      const s = v.statement.value;
      const notResource = getOwn(s, NOT_RESOURCE);
      if (notResource === undefined || getOwn(s, 'Action') === undefined || getOwn(s, 'Condition') !== undefined) return;
      const current = asList(this.#editor.get([...v.statement.path, NOT_RESOURCE]));
      if (!names(current)) return;
      // Exempting the target from the Deny must exempt lambda:InvokeFunction alone: the Deny's other
      // actions go on denying the target in a statement of their own. That needs them written out
      // (no wildcard), and a statement in a list (not one chosen by Fn::If).
      const others = asList(getOwn(s, 'Action')).filter(otherAction);
      if (others.some((x) => !isString(x) || /[*?]/.test(x))) return;
      const stPath = v.statement.path;
      const inList = typeof stPath[stPath.length - 1] === 'number' && stPath[stPath.length - 2] === STATEMENT;
      const single = stPath[stPath.length - 1] === STATEMENT;
      if (others.length > 0 && !inList && !single) return;
      const host = String(stPath[1]);
      // A guarded alias by its ARN: the other branch (the function) must not be denied anew.
      const value = this.#aliasArn(g) ?? g.value;
      if (others.length > 0 && intrinsicName(value) === IF) return;
      const placed = this.#place(value, host, sm, where);
      if (!placed.ok) return;
      this.#editor.set([...stPath, NOT_RESOURCE], [...current, placed.value]);
      let also = '';
      if (others.length > 0) {
        const keep = { Effect: 'Deny', Action: others.length === 1 ? others[0] : others, Resource: [placed.value] };
        if (single) this.#editor.set(stPath, [...asList(this.#editor.get(stPath)), keep]);
        else {
          const listPath = stPath.slice(0, -1);
          const list = asList(this.#editor.get(listPath));
          const k = stPath[stPath.length - 1] as number;
          this.#editor.set(listPath, [...list.slice(0, k + 1), keep, ...list.slice(k + 1)]);
        }
        also = `; a new Deny statement after it goes on denying ${others.join(', ')} on ${target}`;
      }
      this.#deps.changed(host);
      this.#edits++;
      outcome.extended.push({
        path: [...stPath, NOT_RESOURCE].join('/'),
        target,
        how: `guardrail extended: ${target} added to the NotResource of the Deny statement ${statementName(v.statement)}, which already exempts ${this.#fnLabel(g)}${also}`,
      });
      return;
    }
    if (v.kind === 'boundary' && !v.external) {
      const b = this.#policiesIn(principal, f.a).boundary;
      if (!b || b.path === undefined) return;
      const naming = b.statements.find(
        (s) =>
          s.path !== undefined &&
          getOwn(s.value, 'Effect') === 'Allow' &&
          getOwn(s.value, 'Condition') === undefined &&
          asList(getOwn(s.value, 'Action')).some((x) => actionMatches(x, INVOKE) === true) &&
          names(asList(getOwn(s.value, RESOURCE))),
      );
      // The statement found has a path (see above).
      const namingPath = naming?.path;
      if (!naming || namingPath === undefined) return;
      const host = String(b.path[1]);
      const placed = this.#place(this.#aliasArn(g) ?? g.value, host, sm, where);
      if (!placed.ok) return;
      if (invokeOnly(getOwn(naming.value, 'Action'))) {
        const current = asList(this.#editor.get([...namingPath, RESOURCE]));
        this.#editor.set([...namingPath, RESOURCE], [...current, placed.value]);
      } else {
        // A broader statement stays as it is: the boundary gets a statement for invoking alone.
        const stPath = [...b.path, STATEMENT];
        this.#editor.set(stPath, [...asList(this.#editor.get(stPath)), allowInvoke([placed.value])]);
      }
      this.#deps.changed(host);
      this.#edits++;
      outcome.extended.push({
        path: `Resources/${host}`,
        target,
        how: `guardrail extended: the permissions boundary ${host} now allows ${INVOKE} on ${target}, as it does on ${this.#fnLabel(g)}`,
      });
    }
  }

  #failureWarning(g: Grant, f: Failure, sm: Resource, principal: Principal, conditional: boolean): IamWarning {
    const target = formatValue(f.target);
    const when = conditional ? ` when ${describeAssignment(f.a)}` : '';
    const who = principal.kind === 'sam' ? `the role SAM builds for ${principal.id}` : principal.id;
    const v = f.verdict;
    const strictMessage = `${who} may not invoke ${target}${when}`;
    switch (v.kind) {
      case 'denied': {
        const name = statementName(v.statement);
        const path = v.statement.path?.join('/') ?? `Resources/${principal.id}`;
        const s = v.statement.value;
        const fix = !v.certain
          ? `make sure it does not deny ${INVOKE} on ${target}`
          : getOwn(s, NOT_RESOURCE) !== undefined
            ? `add ${target} to its NotResource${asList(getOwn(s, 'Action')).some(otherAction) ? ` for ${INVOKE} alone (deny its other actions on ${target} in a statement of their own)` : ''}`
            : getOwn(s, 'NotAction') !== undefined
              ? `add ${INVOKE} to its NotAction`
              : `narrow its Resource so that it does not match ${target}, or list ${sm.id} in Exclude`;
        return {
          path,
          message: `the Deny statement ${name}${v.inBoundary ? ' (in the permissions boundary)' : ''} ${v.certain ? 'denies' : 'may deny'} ${who} ${INVOKE} on ${target}${when} (${v.why}); the macro does not weaken a Deny: ${fix}`,
          strictMessage: `${strictMessage}: the Deny statement ${name} ${v.certain ? 'denies' : 'may deny'} it`,
        };
      }
      case 'boundary':
        return {
          path: `Resources/${principal.id}/Properties/PermissionsBoundary`,
          message: v.external
            ? `the permissions boundary of ${who}, ${v.label}, is outside the template: make sure it allows ${INVOKE} on ${target}${when}, or the invocation fails with AccessDenied`
            : `the permissions boundary of ${who}, ${v.label}, does not allow ${INVOKE} on ${target}${when}: add ${target} to an Allow statement of ${v.label} (the macro extends a boundary only when it already allows ${this.#fnLabel(g)})`,
          strictMessage: `${strictMessage}: its permissions boundary ${v.label} ${v.external ? 'is outside the template' : 'does not allow it'}`,
        };
      default:
        return {
          path: `Resources/${principal.id}`,
          message: `no statement that reaches ${who} allows ${INVOKE} on ${target}${when}, and the macro could not add one: grant it yourself`,
          strictMessage: `${strictMessage}: no statement allows it`,
        };
    }
  }

  #fnLabel(g: Grant): string {
    return g.fn ?? (g.unqualified !== undefined ? formatValue(g.unqualified) : 'the function');
  }

  /** Adds the grant; `fresh`: in a statement of its own, never in a statement that may be conditional. */
  #grant(g: Grant, sm: Resource, where: Located, outcome: IamOutcome, fresh = false): void {
    this.#edits++;
    // Prefer the statement that already grants the function itself.
    const fnArn = g.fn ? { 'Fn::GetAtt': [g.fn, 'Arn'] } : g.unqualified;
    const host = fnArn && !fresh ? this.#coverage.findStatement(where.docs, fnArn) : undefined;
    const target = formatValue(g.value);
    // The resource the grant goes into: a statement's, the role's (or SAM state machine's), or the
    // macro's own policy of the role (which may not exist yet).
    const ownId = where.own ? this.#own.idFor(where.own.roleId) : undefined;
    const hostId = host ? String(host[1]) : (where.host ?? ownId);
    // A statement of its own allows the target alone: a guarded alias by its ARN, not through an
    // Fn::If whose other branch would allow the unqualified function (which the role may not have had).
    const narrow = host ? undefined : this.#aliasArn(g);
    let value0 = narrow ?? g.value;
    let placed: Placement = hostId !== undefined ? this.#place(value0, hostId, sm, where) : { ok: true, value: value0 };
    // (Without a host the grant is placed as it is: only a host can refuse the alias's ARN.)
    if (narrow !== undefined && !placed.ok && hostId !== undefined) {
      value0 = g.value;
      placed = this.#place(value0, hostId, sm, where);
    }
    if (!placed.ok && where.own && where.host !== undefined && ownId !== undefined && ownId !== hostId) {
      // In the role (or a policy of it) it would close a circle (the function runs with this same
      // role, say): a policy resource of its own breaks it, as SAM's connectors do.
      const separate = this.#place(value0, ownId, sm, where);
      if (separate.ok) {
        const literally = separate.cycle ? `; by literal ARN, since a reference would make a circular dependency too: ${formatCycle(separate.cycle)}` : '';
        const statement = allowInvoke([separate.value]);
        const added = this.#own.add(
          where.own.roleId,
          where.own.role,
          sm,
          statement,
          `granting it in ${hostId} would make a circular dependency: ${formatCycle(placed.cycle)}${literally}`,
        );
        outcome.granted.push({ path: added.path, how: added.how, target });
        return;
      }
      placed = separate.cycle.length <= placed.cycle.length ? placed : separate;
    }
    if (!placed.ok) {
      const on = hostId ?? sm.id;
      const strictMessage = `granting ${target} in ${on} would make a circular dependency (${formatCycle(placed.cycle)})`;
      outcome.warnings.push({
        path: host ? [...host, RESOURCE].join('/') : `Resources/${on}`,
        message: `${strictMessage}, which CloudFormation rejects, and it has no literal ARN to grant instead (${placed.why}); grant ${INVOKE} on it by name yourself`,
        strictMessage,
      });
      return;
    }
    const value = placed.value;
    const literally = placed.cycle ? ` (by literal ARN: a reference would make a circular dependency: ${formatCycle(placed.cycle)})` : '';
    if (host) {
      const resource = this.#editor.get([...host, RESOURCE]);
      const list = isArray(resource) ? [...resource, value] : resource === undefined ? [value] : [resource, value];
      this.#editor.set([...host, RESOURCE], list);
      this.#deps.changed(String(host[1]));
      outcome.granted.push({ path: [...host, RESOURCE].join('/'), target, how: `added to the statement of ${host[1]} that grants the function${literally}` });
    } else {
      const added = where.addStatement(allowInvoke([value]));
      if (added) {
        if (added.resource !== undefined) this.#deps.changed(added.resource);
        outcome.granted.push({ path: added.path, target, how: `${added.how}${literally}` });
      }
    }
  }

  /**
   * The ARN of a guarded alias target (`Fn::If [C, Ref Alias, GetAtt Fn.Arn]`) as `${Fn.Arn}:NAME`:
   * the same grant when the alias exists, and nothing else when it does not. Undefined when the
   * target is not guarded, not an alias, or its name is not a valid literal.
   */
  #aliasArn(g: Grant): Json | undefined {
    if (g.fn === undefined || intrinsicName(g.value) !== IF) return undefined;
    const cold = fnArnOf(g);
    const warm = new Set<string>();
    const leaves = (v: Json, depth: number): boolean => {
      const arg = intrinsicName(v) === IF ? (v as { [IF]: Json })[IF] : undefined;
      if (isArray(arg) && arg.length === 3 && depth < 20) return leaves(arg[1], depth + 1) && leaves(arg[2], depth + 1);
      if (jsonEqual(v, cold)) return true;
      const id = getOwn(v, 'Ref');
      if (!isString(id)) return false;
      warm.add(id);
      return true;
    };
    if (!leaves(g.value, 0) || warm.size !== 1) return undefined;
    const id = [...warm][0];
    if (this.#targets.versions.has(id) || this.#targets.functionOfQualifier(id) !== g.fn) return undefined;
    const name = this.#targets.aliasNameOf(id);
    if (name === undefined || !validAliasName(name)) return undefined;
    return { 'Fn::Sub': `\${${g.fn}.Arn}:${name}` };
  }

  /**
   * The grant as it can be written in `hostId` (a role, a policy, a SAM state machine, or the
   * role's own policy, which the state machine will depend on): as it is, unless a resource it
   * refers to depends on the host, which would make a circular dependency. Then the same grant by
   * literal ARN (a function with a literal FunctionName, an alias with a literal Name), or why not.
   */
  #place(value: Json, hostId: string, sm: Resource, where: Located): Placement {
    const extra: [string, string][] = [];
    if (where.own && hostId === this.#own.idFor(where.own.roleId)) {
      // Edges of the own policy that are not written yet: to its role, and the state machine's DependsOn.
      if (!this.#deps.exists(hostId)) extra.push([hostId, where.own.roleId]);
      if (this.#own.canDependOn(where.own.role, sm)) extra.push([sm.id, hostId]);
    }
    const refs = this.#deps.references(value);
    const cycle = this.#deps.cycle(hostId, refs, extra);
    if (!cycle) return { ok: true, value };
    const closing = new Set([...refs].filter((r) => this.#deps.path(r, [hostId], extra) !== undefined));
    const literal = literalize(value, (id) => closing.has(this.#deps.resolve(id) ?? id), this.#index, this.#targets);
    if (!literal.ok) return { ok: false, cycle, why: literal.why };
    if (this.#deps.cycle(hostId, this.#deps.references(literal.value), extra))
      return { ok: false, cycle, why: 'some of its references cannot be written as literal ARNs' };
    return { ok: true, value: literal.value, cycle };
  }
}

interface Failure {
  a: Assignment;
  verdict: Verdict;
  target: Json;
}

/** The unqualified function ARN of a grant: the function's, or the one given when it is not in the template. */
const fnArnOf = (g: Grant): Json | undefined => (g.fn !== undefined ? { 'Fn::GetAtt': [g.fn, 'Arn'] } : g.unqualified);

/** An action other than lambda:InvokeFunction (any case), or not a string. */
const otherAction = (x: Json): boolean => !isString(x) || x.toLowerCase() !== 'lambda:invokefunction';

/** `GuardrailPolicy statement DenyOthers (Resources/…/Statement/0)`. */
function statementName(s: Statement): string {
  return `${s.sid !== undefined ? `${s.sid} in ` : ''}${s.label}${s.path !== undefined ? ` (${s.path.join('/')})` : ''}`;
}

/**
 * The role values of an `Fn::If` role (every branch, nested; AWS::NoValue dropped), or the value
 * itself. Each in-template branch is granted; an external one is a warning.
 */
function roleBranches(value: Json | undefined, depth = 0): (Json | undefined)[] {
  const arg = intrinsicName(value) === IF ? (value as { [IF]: Json })[IF] : undefined;
  if (!isArray(arg) || arg.length !== 3 || depth > 10) return [value];
  const out: (Json | undefined)[] = [];
  for (const b of [arg[1], arg[2]]) {
    for (const v of roleBranches(b, depth + 1)) {
      // No role in a branch: SAM builds one from Policies (a plain state machine then has none).
      const role = getOwn(v, 'Ref') === NO_VALUE ? undefined : v;
      if (!out.some((o) => (o === undefined ? role === undefined : role !== undefined && jsonEqual(o, role)))) out.push(role);
    }
  }
  return out;
}
