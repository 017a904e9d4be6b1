/**
 * The accounting invariant (issue 18, point 3): every Lambda invocation that a rendered definition
 * can contain, under any assignment of the template's conditions, has a decision in the report
 * (rewritten, already warm, cold with its reason, or not checked with its reason) whose `when`
 * holds under that assignment; and a decision "rewritten" changed that state in that assignment.
 *
 * Independent of the product's slot finder: each definition is rendered as CloudFormation would
 * deploy it under one assignment (Fn::If resolved, AWS::NoValue dropped, Fn::ToJsonString read as
 * its object, strings materialised with `@@Ref@@` markers by test/support/invariants.ts), then the
 * states are walked as Step Functions reads them.
 */
import type { Decision, TransformOptions, TransformResult } from '../../macro/types';
import { put } from './arbitraries';
import { assignments, materializeDefinition, materializeString, Unresolvable, type Assignment } from './invariants';

type Obj = Record<string, unknown>;
const NO_VALUE = Symbol('AWS::NoValue');
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: unknown, k: string): unknown => (isObj(o) && Object.hasOwn(o, k) ? o[k] : undefined);
const single = (v: unknown): string | undefined => {
  if (!isObj(v)) return undefined;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::')) ? keys[0] : undefined;
};

/** Step Functions' DefinitionSubstitutions on a string: `${key}` for the keys of the map. */
function substitute(text: string, subs: Map<string, string>): string {
  if (subs.size === 0 || !text.includes('${')) return text;
  return text.replace(/\$\{([^}]*)\}/g, (m, key: string) => subs.get(key) ?? m);
}

/** A Definition object (or the object of Fn::ToJsonString) as deployed under `a`. */
function renderObject(v: unknown, a: Assignment, subs: Map<string, string>, depth = 0): unknown {
  if (depth > 400) throw new Unresolvable('too deep');
  if (typeof v === 'string') return substitute(v, subs);
  if (Array.isArray(v)) return v.map((x) => renderObject(x, a, subs, depth + 1)).filter((x) => x !== NO_VALUE);
  if (!isObj(v)) return v;
  const fn = single(v);
  if (fn === 'Ref' && v.Ref === 'AWS::NoValue') return NO_VALUE;
  if (fn === 'Fn::If') {
    const arg = v['Fn::If'];
    if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string' || !a.has(arg[0])) throw new Unresolvable(`Fn::If on an unknown condition`);
    return renderObject(a.get(arg[0]) ? arg[1] : arg[2], a, subs, depth + 1);
  }
  if (fn === 'Fn::ToJsonString') return renderObject(v[fn], a, subs, depth + 1);
  if (fn !== undefined) return substitute(materializeString(v, a), subs);
  const out: Obj = {};
  for (const k of Object.keys(v)) {
    const r = renderObject(v[k], a, subs, depth + 1);
    if (r !== NO_VALUE) put(out, substitute(k, subs), r);
  }
  return out;
}

/** A state machine's definition as Step Functions receives it under `a`. */
export function renderDefinition(resource: unknown, a: Assignment): unknown {
  const props = own(resource, 'Properties');
  const subs = new Map<string, string>();
  const raw = own(props, 'DefinitionSubstitutions');
  if (isObj(raw)) for (const k of Object.keys(raw)) subs.set(k, materializeString(raw[k], a));
  const text = own(props, 'DefinitionString');
  if (single(text) === 'Fn::ToJsonString') return renderObject(text, a, subs);
  const def = own(props, 'Definition');
  if (text === undefined && isObj(def) && (single(def) === undefined || single(def) === 'Fn::If')) return renderObject(def, a, subs);
  return materializeDefinition(resource, a).asl;
}

const PSEUDO: Record<string, string> = { '@@AWS::Partition@@': 'aws', '@@AWS::Region@@': 'us-east-1', '@@AWS::AccountId@@': '123456789012' };
const LAMBDA_TYPES = new Set(['AWS::Lambda::Function', 'AWS::Serverless::Function', 'AWS::Lambda::Alias', 'AWS::Lambda::Version']);

export interface FoundInvocation {
  path: string;
  field: string;
  value: string;
}

/** The Lambda invocations of a rendered definition, found as Step Functions reads the states. */
export function lambdaInvocations(asl: unknown, resources: Obj): FoundInvocation[] {
  const out: FoundInvocation[] = [];
  const lambdaRef = (text: string): boolean => {
    const m = /^@@([^@]+)@@/.exec(text);
    if (m) {
      const [id, ...rest] = m[1].split('.');
      const attr = rest.join('.');
      if (attr !== '' && !['Arn', 'Alias', 'Version'].includes(attr)) return false;
      return LAMBDA_TYPES.has(String(own(resources[id], 'Type')));
    }
    return /^arn:[^:]+:lambda:[^:]*:[^:]*:function:/.test(text);
  };
  const stack: [unknown, string][] = [[asl, '']];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [machine, prefix] = top;
    const states = own(machine, 'States');
    if (!isObj(states)) continue;
    for (const name of Object.keys(states)) {
      const s = states[name];
      const path = `${prefix}States.${name}`;
      if (!isObj(s)) continue;
      let resource = own(s, 'Resource');
      if (own(s, 'Type') === 'Task' && typeof resource === 'string') {
        for (const [m, v] of Object.entries(PSEUDO)) resource = (resource as string).split(m).join(v);
        const r = resource as string;
        if (/^arn:[^:]+:states:::lambda:invoke(\.waitForTaskToken)?$/.test(r)) {
          for (const c of ['Parameters', 'Arguments']) {
            const p = own(s, c);
            if (typeof p === 'string') out.push({ path, field: c, value: p });
            else if (own(p, 'FunctionName') !== undefined || own(p, 'FunctionName.$') !== undefined) {
              out.push({
                path,
                field: `${c}.FunctionName`,
                value: JSON.stringify([own(p, 'FunctionName') ?? own(p, 'FunctionName.$'), own(p, 'Qualifier') ?? own(p, 'Qualifier.$') ?? null]),
              });
            }
          }
        } else if (lambdaRef(r)) out.push({ path, field: 'Resource', value: r });
      }
      const branches = own(s, 'Branches');
      if (Array.isArray(branches))
        branches.forEach((b, k) => {
          stack.push([b, `${path}.Branches[${k}].`]);
        });
      for (const key of ['Iterator', 'ItemProcessor']) if (own(s, key) !== undefined) stack.push([own(s, key), `${path}.${key}.`]);
    }
  }
  return out;
}

const DECIDED: ReadonlySet<Decision['action']> = new Set(['rewritten', 'unchanged', 'cold', 'warning']);

function fail(message: string): never {
  throw new Error(message);
}

function describe(a: Assignment): string {
  return a.size === 0 ? 'no conditions' : [...a].map(([c, v]) => `${c}=${v}`).join(', ');
}

/** The accounting invariant; `conditions` are the template's condition names. */
export function checkAccounting(input: Obj, result: TransformResult, options: TransformOptions, conditions: readonly string[]): { invocations: number } {
  const resources = (input.Resources ?? {}) as Obj;
  const outResources = ((result.fragment as Obj)?.Resources ?? {}) as Obj;
  const decisions = result.report.decisions;
  let counted = 0;
  const rewritten = new Map<Decision, { changed: boolean; example: string }>();
  for (const id of Object.keys(resources)) {
    const type = own(resources[id], 'Type');
    if (type !== 'AWS::StepFunctions::StateMachine' && type !== 'AWS::Serverless::StateMachine') continue;
    if ((options.stateMachines && !options.stateMachines.includes(id)) || options.exclude?.includes(id)) {
      if (!decisions.some((d) => d.stateMachine === id && /skipped/.test(d.reason)))
        fail(`${id} is excluded by the options, but the report does not say it was skipped`);
      continue;
    }
    for (const a of assignments(conditions)) {
      const found = lambdaInvocations(renderDefinition(resources[id], a), resources);
      const after = options.mode === 'report' ? undefined : lambdaInvocations(renderDefinition(outResources[id], a), outResources);
      for (const inv of found) {
        counted++;
        const matching = decisions.filter(
          (d) =>
            d.stateMachine === id &&
            d.statePath === inv.path &&
            DECIDED.has(d.action) &&
            d.reason.length > 0 &&
            (d.when ?? []).every((w) => a.get(w.condition) === w.value),
        );
        if (matching.length === 0) {
          const near = decisions
            .filter((d) => d.stateMachine === id && d.statePath === inv.path)
            .map((d) => `${d.action} when ${JSON.stringify(d.when ?? [])}: ${d.reason}`);
          fail(
            `${id} ${inv.path} (${inv.field} = ${inv.value}) under ${describe(a)} has no decision in the report${near.length ? `; decisions of that state: ${near.join(' | ')}` : ''}`,
          );
        }
        if (after) {
          // A rewrite guarded by the target's own condition changes the invocation only where that holds:
          // each "rewritten" decision must change it in at least one assignment where it applies.
          const before = found
            .filter((f) => f.path === inv.path)
            .map((f) => `${f.field}=${f.value}`)
            .join(';');
          const now = after
            .filter((f) => f.path === inv.path)
            .map((f) => `${f.field}=${f.value}`)
            .join(';');
          for (const d of matching) {
            if (d.action !== 'rewritten') continue;
            const seen = rewritten.get(d) ?? { changed: false, example: `${inv.path} under ${describe(a)} invokes the same as before (${before})` };
            if (before !== now) seen.changed = true;
            rewritten.set(d, seen);
          }
        }
      }
    }
  }
  for (const [d, seen] of rewritten) {
    if (seen.changed) continue;
    // A target whose guards never all hold (a pathological template) changes no rendering: the
    // definition must still have been written (an Fn::If on the guards), with a new value.
    const props = (r: Obj): string => JSON.stringify(own(r[d.stateMachine], 'Properties'));
    if (props(resources) !== props(outResources) && d.to !== undefined && d.to !== d.from) continue;
    fail(`${d.stateMachine} ${d.statePath} is reported rewritten (${d.reason}), but no assignment of the conditions changes it: ${seen.example}`);
  }
  return { invocations: counted };
}
