/**
 * An independent oracle for the macro's outputs, written without the product's own code: it
 * materialises definitions with sample ARNs (test/support/validate.ts), walks the states, and
 * says what every invocation must become and whether a role allows a target.
 *
 * Sample ARNs: `Ref X` / `GetAtt X.Arn` become `arn:aws:lambda:us-east-1:123456789012:function:X`,
 * so after materialisation the last ARN field names the logical ID that was referenced.
 */
import { materialize } from './validate';

type Obj = Record<string, any>;

export interface WarmInfo {
  /** function logical ID → the logical ID (or `Fn.Alias`) of its warm target */
  targetOf: Map<string, string>;
  /** alias/version logical ID → function logical ID */
  qualifierFn: Map<string, string>;
  /** version logical ID → alias logical ID of the warm alias pointing at it */
  aliasOfVersion: Map<string, string>;
  functions: Set<string>;
  fnByName: Map<string, string>;
  aliasName: Map<string, string>;
}

const FUNCTION_TYPES = ['AWS::Lambda::Function', 'AWS::Serverless::Function'];

function fnOf(value: unknown, info: { functions: Set<string>; fnByName: Map<string, string> }): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Obj;
    if (typeof v.Ref === 'string' && info.functions.has(v.Ref)) return v.Ref;
    const ga = v['Fn::GetAtt'];
    const id = Array.isArray(ga) ? ga[0] : typeof ga === 'string' ? ga.split('.')[0] : undefined;
    if (typeof id === 'string' && info.functions.has(id)) return id;
  }
  if (typeof value === 'string') return info.fnByName.get(value.slice(value.lastIndexOf(':') + 1));
  return undefined;
}

export function warmInfo(template: Obj): WarmInfo {
  const resources: Obj = template.Resources ?? {};
  const info: WarmInfo = {
    targetOf: new Map(),
    qualifierFn: new Map(),
    aliasOfVersion: new Map(),
    functions: new Set(),
    fnByName: new Map(),
    aliasName: new Map(),
  };
  for (const [id, r] of Object.entries(resources)) {
    if (FUNCTION_TYPES.includes(r?.Type)) {
      info.functions.add(id);
      if (typeof r.Properties?.FunctionName === 'string') info.fnByName.set(r.Properties.FunctionName, id);
    }
  }
  // SAM functions as SAM reads them: the Globals.Function keys under the function's own (the keys this oracle
  // reads are scalars or whole maps, so a key-level override is enough here), minus IgnoreGlobals.
  const globals: Obj = template.Globals?.Function ?? {};
  const propsOf = (r: Obj): Obj => {
    if (r?.Type !== 'AWS::Serverless::Function' || r.IgnoreGlobals === '*') return r?.Properties ?? {};
    const g = Object.fromEntries(Object.entries(globals).filter(([k]) => !(Array.isArray(r.IgnoreGlobals) && r.IgnoreGlobals.includes(k))));
    return { ...g, ...(r.Properties ?? {}) };
  };
  // SnapStart on published versions, a durable function, Managed Instances: any alias (else version) of the
  // function is its target when none has provisioned concurrency.
  const needsPublished = (p: Obj): boolean =>
    p.SnapStart?.ApplyOn === 'PublishedVersions' || p.DurableConfig !== undefined || p.CapacityProviderConfig !== undefined;
  const warmVersions = new Map<string, string>();
  const plainAliases = new Map<string, string>();
  const plainVersions = new Map<string, string>();
  for (const [id, r] of Object.entries(resources)) {
    const pc = r?.Properties?.ProvisionedConcurrencyConfig;
    if (r?.Type === 'AWS::Lambda::Alias' || r?.Type === 'AWS::Lambda::Version') {
      const fn = fnOf(r.Properties?.FunctionName, info);
      if (!fn) continue;
      info.qualifierFn.set(id, fn);
      if (r.Type === 'AWS::Lambda::Alias' && typeof r.Properties?.Name === 'string') info.aliasName.set(id, r.Properties.Name);
      if (!pc) {
        if (needsPublished(propsOf(resources[fn]))) (r.Type === 'AWS::Lambda::Alias' ? plainAliases : plainVersions).set(fn, id);
        continue;
      }
      if (r.Type === 'AWS::Lambda::Alias') {
        info.targetOf.set(fn, id);
        const ver = r.Properties?.FunctionVersion?.['Fn::GetAtt'];
        if (Array.isArray(ver)) info.aliasOfVersion.set(ver[0], id);
      } else warmVersions.set(fn, id);
    }
    const props = propsOf(r);
    if (r?.Type === 'AWS::Serverless::Function' && props.AutoPublishAlias && (props.ProvisionedConcurrencyConfig || needsPublished(props))) {
      info.targetOf.set(id, `${id}.Alias`);
      info.qualifierFn.set(`${id}.Alias`, id);
      // SAM resolves `Fn.Version` to the version behind `Fn.Alias`.
      info.qualifierFn.set(`${id}.Version`, id);
      info.aliasOfVersion.set(`${id}.Version`, `${id}.Alias`);
      if (typeof props.AutoPublishAlias === 'string') info.aliasName.set(`${id}.Alias`, props.AutoPublishAlias);
    }
  }
  for (const [fn, a] of plainAliases) if (!info.targetOf.has(fn) && !warmVersions.has(fn)) info.targetOf.set(fn, a);
  for (const [fn, v] of plainVersions) if (!info.targetOf.has(fn) && !warmVersions.has(fn)) warmVersions.set(fn, v);
  for (const [fn, v] of warmVersions) if (!info.targetOf.has(fn)) info.targetOf.set(fn, v);
  return info;
}

export interface Invocation {
  stateMachine: string;
  path: string;
  field: string;
  value: string;
}

// The optimized integration and the AWS SDK integration of Lambda's Invoke API (both take FunctionName and Qualifier).
const LAMBDA_INVOKE = /^arn:[^:]+:states:::(aws-sdk:)?lambda:invoke(\.waitForTaskToken)?$/;

/** The definition of a state machine resource as plain ASL, or undefined when it is not inline. */
export function definitionOf(resource: Obj): Obj | undefined {
  const p = resource.Properties ?? {};
  const value = p.DefinitionString ?? p.Definition;
  if (value === undefined) return undefined;
  return materialize(value, p.DefinitionSubstitutions) as Obj;
}

/** Every invocation slot of a materialised definition: [state path, field, value]. */
export function invocations(def: Obj): { path: string; field: string; value: string; state: Obj }[] {
  const out: { path: string; field: string; value: string; state: Obj }[] = [];
  const stack: [Obj, string][] = [[def, '']];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [machine, prefix] = top;
    for (const [name, s] of Object.entries<Obj>(machine?.States ?? {})) {
      const path = `${prefix}States.${name}`;
      if (s.Type === 'Task' && typeof s.Resource === 'string') {
        if (LAMBDA_INVOKE.test(s.Resource)) {
          for (const c of ['Parameters', 'Arguments']) {
            const fn = s[c]?.FunctionName;
            if (typeof fn === 'string' && s[c].Qualifier === undefined && !fn.startsWith('{%'))
              out.push({ path, field: `${c}.FunctionName`, value: fn, state: s });
          }
        } else if (/^arn:[^:]+:lambda:/.test(s.Resource)) out.push({ path, field: 'Resource', value: s.Resource, state: s });
      }
      (s.Branches ?? []).forEach((b: Obj, k: number) => {
        stack.push([b, `${path}.Branches[${k}].`]);
      });
      for (const key of ['Iterator', 'ItemProcessor']) if (s[key]) stack.push([s[key], `${path}.${key}.`]);
    }
  }
  return out;
}

/** What the macro must turn an invoked value (materialised) into, or undefined when it must stay. */
export function expectedTarget(value: string, info: WarmInfo): string | undefined {
  const fields = value.split(':');
  const at = fields.indexOf('function');
  const name = at >= 0 ? fields[at + 1] : fields[0];
  const qualifier = at >= 0 ? fields[at + 2] : fields[1];
  if (qualifier !== undefined && qualifier !== '$LATEST') return undefined;
  const fn = info.functions.has(name) ? name : info.fnByName.get(name);
  if (fn) return info.targetOf.get(fn);
  if (qualifier === undefined && info.aliasOfVersion.has(name)) return info.aliasOfVersion.get(name);
  return undefined;
}

/** Sample ARN text of the materialised `Ref <target>`. */
export function sampleTargetArn(targetId: string): string {
  return `arn:aws:lambda:us-east-1:123456789012:function:${targetId}`;
}

// --- IAM -----------------------------------------------------------------------------------

/** ARN text of an expression with real-looking names: functions by FunctionName (or ID), aliases qualified by their Name. */
export function renderArn(value: unknown, template: Obj, info: WarmInfo): string | undefined {
  const fnName = (id: string): string => template.Resources?.[id]?.Properties?.FunctionName ?? id;
  const fnArn = (id: string): string => `arn:aws:lambda:us-east-1:123456789012:function:${fnName(id)}`;
  const r = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    if (!v || typeof v !== 'object') return undefined;
    const o = v as Obj;
    if (typeof o.Ref === 'string') {
      if (o.Ref === 'AWS::Partition') return 'aws';
      if (o.Ref === 'AWS::Region') return 'us-east-1';
      if (o.Ref === 'AWS::AccountId') return '123456789012';
      if (info.functions.has(o.Ref)) return fnName(o.Ref);
      const fn = info.qualifierFn.get(o.Ref);
      if (fn) return `${fnArn(fn)}:${info.aliasName.get(o.Ref) ?? `v-${o.Ref}`}`;
      return undefined;
    }
    if (o['Fn::GetAtt']) {
      const ga = o['Fn::GetAtt'];
      const [id, attr] = Array.isArray(ga) ? ga : String(ga).split('.');
      return attr === 'Arn' && info.functions.has(id) ? fnArn(id) : undefined;
    }
    if (o['Fn::Join']) {
      const [d, pieces] = o['Fn::Join'];
      const parts = (pieces as unknown[]).map(r);
      return parts.every((p) => p !== undefined) ? parts.join(d) : undefined;
    }
    if (o['Fn::Sub']) {
      const [tpl, vars] = Array.isArray(o['Fn::Sub']) ? o['Fn::Sub'] : [o['Fn::Sub'], {}];
      let ok = true;
      const text = String(tpl).replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
        const v = name in (vars ?? {}) ? r(vars[name]) : name.includes('.') ? r({ 'Fn::GetAtt': name.split('.') }) : r({ Ref: name });
        if (v === undefined) ok = false;
        return v ?? '';
      });
      return ok ? text : undefined;
    }
    if (o['Fn::If']) return undefined;
    return undefined;
  };
  return r(value);
}

function glob(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(text);
}

/** Allow statements that grant lambda:InvokeFunction to a role (inline and attached policies). */
export function roleStatements(template: Obj, roleId: string): Obj[] {
  const res: Obj = template.Resources ?? {};
  const docs: Obj[] = [];
  for (const p of res[roleId]?.Properties?.Policies ?? []) docs.push(p.PolicyDocument);
  for (const r of Object.values<Obj>(res)) {
    if ((r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') && (r.Properties?.Roles ?? []).some((x: Obj) => x?.Ref === roleId))
      docs.push(r.Properties.PolicyDocument);
  }
  const out: Obj[] = [];
  for (const d of docs) {
    const st = Array.isArray(d?.Statement) ? d.Statement : d?.Statement ? [d.Statement] : [];
    for (const s of st) {
      const actions = [s.Action].flat();
      if (s.Effect === 'Allow' && actions.some((a: unknown) => typeof a === 'string' && glob(a.toLowerCase(), 'lambda:invokefunction'))) out.push(s);
    }
  }
  return out;
}

/** Does the role allow invoking the target (an alias/version logical ID, or `Fn.Alias`)? */
export function roleAllows(template: Obj, roleId: string, targetId: string, info: WarmInfo): boolean {
  const want = renderArn({ Ref: targetId }, template, info);
  if (!want) return false;
  for (const s of roleStatements(template, roleId)) {
    for (const resource of [s.Resource].flat()) {
      if (JSON.stringify(resource) === JSON.stringify({ Ref: targetId })) return true;
      const ifv = resource?.['Fn::If'];
      if (Array.isArray(ifv) && JSON.stringify(ifv[1]) === JSON.stringify({ Ref: targetId })) return true;
      const pattern = renderArn(resource, template, info);
      if (pattern !== undefined && glob(pattern, want)) return true;
    }
  }
  return false;
}

/** The in-template role of a state machine, if any. */
export function roleOf(resource: Obj): string | undefined {
  const v = resource.Properties?.RoleArn ?? resource.Properties?.Role;
  const ga = v?.['Fn::GetAtt'];
  if (Array.isArray(ga)) return ga[0];
  if (typeof ga === 'string') return ga.split('.')[0];
  return undefined;
}
