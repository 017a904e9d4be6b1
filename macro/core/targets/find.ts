/**
 * Step 2 of the pipeline: find the targets that invocations must use.
 *
 * A function needs a published target when its configuration says so (macro/core/targets/reasons.ts): provisioned
 * concurrency on one of its qualifiers (an AWS::Lambda::Alias or AWS::Lambda::Version with
 * ProvisionedConcurrencyConfig, or an AWS::Serverless::Function with AutoPublishAlias and
 * ProvisionedConcurrencyConfig before SAM's transform), or, on the function itself, SnapStart on
 * published versions, DurableConfig or CapacityProviderConfig; then any alias or version of the
 * function is its target. SAM functions are read as SAM reads them: Globals merged (macro/core/targets/sam.ts).
 * Each such function gets exactly one target (or one per exclusive Condition), or an error that
 * says why not. "Warm" below means "has such a target", whatever the reason.
 */
import { getOwn, jsonText, isString } from '../../cfn/json';
import {
  configured,
  describeReasons,
  functionReasons,
  PC_CONFIG,
  PC_REASON,
  REASON_INFO,
  REASONS,
  type FunctionReason,
  type Guard,
  type Reason,
} from './reasons';
import { exclusiveGuards, samProperties } from './sam';
import { FUNCTION_NAME, FUNCTION_TYPES, SAM_FUNCTION, unreadableIn, type Resource, type TemplateIndex } from '../template/read';
import type { Json } from '../../types';
import { getAttPair } from '../../cfn/intrinsics';

export type { Guard } from './reasons';

export interface WarmTarget {
  fn: string;
  /** Logical ID of the alias or version, `Fn.Alias` for SAM's AutoPublishAlias, or `Fn:$LATEST` for an explicit qualifier. */
  id: string;
  /**
   * `explicit`: no published target in the template, the qualifier AWS documents for the reason
   * (durable: `$LATEST`); `conditional`: one alias per exclusive Condition, in `alternatives`.
   */
  kind: 'alias' | 'version' | 'sam-alias' | 'explicit' | 'conditional';
  /** The value that yields the target's ARN: `{"Ref": id}`. */
  value: Json;
  /** The alias name, when it is a literal. */
  aliasName?: string;
  /** Conditions under which the target exists; empty when it always does. */
  guards: Guard[];
  /** Why invocations must use it. */
  reasons: Reason[];
  /** For `conditional`: the aliases, each under its own guards, tried in order. */
  alternatives?: WarmTarget[];
  /** For `conditional`: one alternative's guards hold whatever the parameters are (the last needs no guard). */
  exhaustive?: boolean;
}

export type Resolution =
  | { status: 'warm'; target: WarmTarget }
  | { status: 'cold' }
  | { status: 'error'; message: string }
  /** The function needs a published target for these reasons, but the template publishes none and no explicit qualifier helps. */
  | { status: 'unpublished'; reasons: Reason[] };

export interface AliasInfo {
  id: string;
  fn: string;
  name?: string;
  /** Logical ID of the version the alias points to (`FunctionVersion: GetAtt [V, Version]`). */
  version?: string;
  /** Guards under which it is a target; undefined when it is none. */
  warm?: Guard[];
  /** Why it is a target. */
  reasons?: Reason[];
  /** True when it carries provisioned concurrency itself. */
  provisioned?: boolean;
}

export interface VersionInfo {
  id: string;
  fn: string;
  warm?: Guard[];
  reasons?: Reason[];
  provisioned?: boolean;
}

/** A note on an alias or version with provisioned concurrency whose FunctionName the macro cannot follow begins so. */
const butItsName = (fnValue: Json | undefined): string => `has provisioned concurrency, but its FunctionName ${jsonText(fnValue)}`;

/** A function's aliases and versions. */
interface Qualifiers {
  aliases: AliasInfo[];
  versions: VersionInfo[];
}

export interface TargetNote {
  logicalId: string;
  path: string;
  message: string;
}

export class WarmTargets {
  readonly aliases = new Map<string, AliasInfo>();
  readonly versions = new Map<string, VersionInfo>();
  /** Things worth a warning, e.g. an alias with provisioned concurrency on a function outside the template. */
  readonly notes: TargetNote[] = [];
  /** The function-level reasons of each function (SnapStart, durable, Managed Instances). */
  readonly functionReasons = new Map<string, FunctionReason[]>();
  /** The reasons a function is configured for that the Reasons parameter leaves out (none with every reason on). */
  readonly excludedReasons = new Map<string, Reason[]>();
  readonly #samAliases = new Map<string, WarmTarget>();
  /** SAM functions with AutoPublishAlias: SAM resolves their `Fn.Alias` and `Fn.Version` references. */
  readonly #samPublished = new Set<string>();
  readonly #cache = new Map<string, Resolution>();
  readonly enabled: ReadonlySet<Reason>;
  /** Aliases and versions by function, in template order (grouped once, not searched once per function). */
  #byFn?: Map<string, Qualifiers>;
  readonly #index: TemplateIndex;
  readonly #aliasName?: string;

  constructor(index: TemplateIndex, aliasName?: string, enabled?: ReadonlySet<Reason>) {
    this.#index = index;
    this.#aliasName = aliasName;
    this.enabled = enabled ?? new Set(REASONS);
    const pcOn = this.enabled.has(PC_REASON);
    const off = new Set(REASONS.filter((x) => !this.enabled.has(x)));
    // (forEach: for-of makes an object per step until optimized, and this runs once per template.)
    index.resources.forEach((r) => {
      if (FUNCTION_TYPES.has(r.type)) {
        const props = r.type === SAM_FUNCTION ? samProperties(index, r) : r.properties;
        const reasons = functionReasons(props, this.enabled);
        if (reasons.length) this.functionReasons.set(r.id, reasons);
        const excluded = off.size ? functionReasons(props, off).map((x) => x.reason) : [];
        if (excluded.length) this.excludedReasons.set(r.id, excluded);
      }
    });
    index.resources.forEach((r) => {
      const isAlias = r.type === 'AWS::Lambda::Alias';
      if (isAlias || r.type === 'AWS::Lambda::Version') {
        const fnValue = getOwn(r.properties, FUNCTION_NAME);
        const fn = index.functionOf(fnValue);
        const pc = pcOn ? provisionedGuards(getOwn(r.properties, PC_CONFIG)) : undefined;
        const own = ownGuards(r);
        if (!fn) {
          if (pc) {
            const broken = unreadableIn(fnValue, index);
            this.notes.push({
              logicalId: r.id,
              path: `Resources/${r.id}/Properties/FunctionName`,
              message: broken
                ? `${butItsName(fnValue)} refers to ${broken.logicalId}, which the macro cannot read (${broken.path}: ${broken.message}); it is ignored`
                : `${butItsName(fnValue)} names no function in this template; it is ignored`,
            });
          }
          return;
        }
        const fnLevel = this.reasonsOf(fn);
        // Provisioned concurrency under conditions that never hold together (the resource's own and its config's) is none.
        const provisioned = pc !== undefined && index.conditions.holdTogether([...own, ...pc]);
        const warm = provisioned ? both(own, pc) : fnLevel.length && index.conditions.holdTogether(own) ? own : undefined;
        const reasons = provisioned ? ([PC_REASON, ...fnLevel] as Reason[]) : warm ? fnLevel : undefined;
        if (isAlias) {
          const name = getOwn(r.properties, 'Name');
          const version = getAttPair(getOwn(r.properties, 'FunctionVersion'));
          this.aliases.set(r.id, {
            id: r.id,
            fn,
            name: isString(name) ? name : undefined,
            version: version && version[1] === 'Version' ? version[0] : undefined,
            warm,
            reasons,
            provisioned,
          });
        } else {
          this.versions.set(r.id, { id: r.id, fn, warm, reasons, provisioned });
        }
      } else if (r.type === SAM_FUNCTION) {
        const props = samProperties(index, r);
        const alias = getOwn(props, 'AutoPublishAlias');
        const pc = pcOn ? provisionedGuards(getOwn(props, PC_CONFIG)) : undefined;
        const fnLevel = this.reasonsOf(r.id);
        if (alias !== undefined) this.#samPublished.add(r.id);
        const own = ownGuards(r);
        const provisioned = pc !== undefined && index.conditions.holdTogether([...own, ...pc]);
        if (alias !== undefined && (provisioned || (fnLevel.length && index.conditions.holdTogether(own)))) {
          const id = `${r.id}.Alias`;
          this.#samAliases.set(r.id, {
            fn: r.id,
            id,
            kind: 'sam-alias',
            value: { Ref: id },
            aliasName: isString(alias) ? alias : undefined,
            guards: provisioned ? both(own, pc) : own,
            reasons: provisioned ? [PC_REASON, ...fnLevel] : fnLevel,
          });
        }
      }
    });
  }

  /** The one warm target of a function, or why there is none. */
  resolve(fn: string): Resolution {
    return this.#cache.get(fn) ?? (this.#cache.set(fn, this.#compute(fn)).get(fn) as Resolution);
  }

  #ofFn(fn: string): Qualifiers {
    if (!this.#byFn) {
      const by = new Map<string, Qualifiers>();
      const group = (f: string): Qualifiers => by.get(f) ?? (by.set(f, { aliases: [], versions: [] }).get(f) as Qualifiers);
      for (const a of this.aliases.values()) group(a.fn).aliases.push(a);
      for (const v of this.versions.values()) group(v.fn).versions.push(v);
      this.#byFn = by;
    }
    return this.#byFn.get(fn) ?? { aliases: [], versions: [] };
  }

  #compute(fn: string): Resolution {
    const own = this.#ofFn(fn);
    const aliases: WarmTarget[] = [];
    const provisioned = own.aliases.some(warmProvisioned);
    for (const a of own.aliases) {
      // Aliases with provisioned concurrency win over the other aliases of the function.
      // `warm` and `reasons` are set together (constructor).
      if (a.warm && a.reasons && (a.provisioned || !provisioned)) {
        aliases.push({ fn, id: a.id, kind: 'alias', value: { Ref: a.id }, aliasName: a.name, guards: a.warm, reasons: a.reasons });
      }
    }
    const sam = this.#samAliases.get(fn);
    if (sam) aliases.push(sam);
    // For the error messages only: written when one is.
    const what = (): string => describeTargets(aliases.length ? aliases[0].reasons : []);
    const list = (): string => aliases.map((a) => `${a.id} (Name: ${a.aliasName ?? '<not a literal>'})`).join(', ');
    if (this.#aliasName !== undefined) {
      // AliasName picks among several warm aliases; naming an alias that exists without provisioned
      // concurrency is always an error, since the user asked for a qualifier that would stay cold.
      const chosen = aliases.filter((a) => a.aliasName === this.#aliasName);
      if (chosen.length === 1) return { status: 'warm', target: chosen[0] };
      const cold = own.aliases.find((a) => a.name === this.#aliasName && (!a.warm || (provisioned && !a.provisioned)));
      if (cold) {
        return {
          status: 'error',
          message: `AliasName is '${this.#aliasName}', but alias ${cold.id} (Name: ${this.#aliasName}) of function ${fn} has no provisioned concurrency.${list() ? ` Aliases ${what()}: ${list()}.` : ''}`,
        };
      }
      if (aliases.length > 1) {
        return {
          status: 'error',
          message: `AliasName is '${this.#aliasName}', but function ${fn} has no alias named '${this.#aliasName}'. Aliases ${what()}: ${list()}.`,
        };
      }
    }
    if (aliases.length === 1) return { status: 'warm', target: aliases[0] };
    if (aliases.length > 1) {
      // Aliases guarded by Conditions that never hold together (prod under IsProd, dev under IsDev):
      // each applies where its Condition holds.
      if (aliases.every((a, i) => aliases.every((b, j) => i === j || exclusiveGuards(a.guards, b.guards, this.#index)))) {
        return {
          status: 'warm',
          target: {
            fn,
            id: aliases.map((a) => a.id).join(' or '),
            kind: 'conditional',
            value: aliases[0].value,
            guards: [],
            reasons: aliases[0].reasons,
            alternatives: aliases,
            exhaustive: this.#index.conditions.exhaustive(aliases.map((x) => x.guards)),
          },
        };
      }
      return {
        status: 'error',
        message: `function ${fn} has ${aliases.length} aliases ${what()}: ${list()}. Choose one with the Transform parameter AliasName.`,
      };
    }
    // `warm` and `reasons` are set together (constructor).
    const allVersions = own.versions.filter((v): v is VersionInfo & { warm: Guard[]; reasons: Reason[] } => v.warm !== undefined && v.reasons !== undefined);
    const versions = allVersions.some((v) => v.provisioned) ? allVersions.filter((v) => v.provisioned) : allVersions;
    if (versions.length === 1) {
      const v = versions[0];
      return { status: 'warm', target: { fn, id: v.id, kind: 'version', value: { Ref: v.id }, guards: v.warm, reasons: v.reasons } };
    }
    if (versions.length > 1) {
      const pc = versions.some((v) => v.provisioned);
      return {
        status: 'error',
        message: pc
          ? `function ${fn} has ${versions.length} versions with provisioned concurrency and no such alias: ${versions.map((v) => v.id).join(', ')}. Put provisioned concurrency on one alias.`
          : `function ${fn} has ${versions.length} versions and no alias, and its ${describeReasons(versions[0].reasons)} configuration needs one published target: ${versions.map((v) => v.id).join(', ')}. Give it one alias.`,
      };
    }
    const fnLevel = this.functionReasons.get(fn);
    if (fnLevel) {
      // No published target: the explicit qualifier AWS documents, when one fixes the call.
      const explicit = fnLevel.find((r) => REASON_INFO[r.reason].explicitQualifier !== undefined);
      const q = explicit && REASON_INFO[explicit.reason].explicitQualifier;
      if (explicit && q !== undefined) {
        return {
          status: 'warm',
          target: {
            fn,
            id: `${fn}:${q}`,
            kind: 'explicit',
            value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fn, 'Arn'] }, `:${q}`]] },
            guards: explicit.guards,
            reasons: [explicit.reason],
          },
        };
      }
      // Managed Instances run an unqualified call on $LATEST.PUBLISHED; with PublishToLatestPublished: false
      // the template may leave none to run.
      const needed = fnLevel.filter((r) => REASON_INFO[r.reason].consequence !== 'bypasses' || r.noLatestPublished).map((r) => r.reason);
      if (needed.length) return { status: 'unpublished', reasons: needed };
    }
    return { status: 'cold' };
  }

  /** The function-level reasons of a function, whatever its targets. */
  reasonsOf(fn: string): Reason[] {
    return (this.functionReasons.get(fn) ?? []).map((r) => r.reason);
  }

  /** True when some alias of the template (or SAM AutoPublishAlias) has this literal name. */
  hasAliasNamed(name: string): boolean {
    for (const a of this.aliases.values()) if (a.name === name) return true;
    for (const t of this.#samAliases.values()) if (t.aliasName === name) return true;
    return false;
  }

  /** True when some qualifier of the function has provisioned concurrency. */
  isWarm(fn: string): boolean {
    return this.resolve(fn).status !== 'cold';
  }

  functionsWithWarmth(): string[] {
    const out = new Set<string>();
    for (const a of this.aliases.values()) if (a.warm) out.add(a.fn);
    for (const v of this.versions.values()) if (v.warm) out.add(v.fn);
    for (const f of this.#samAliases.keys()) out.add(f);
    return [...out];
  }

  /**
   * Is `Ref id` already a warm qualifier of its function (so a slot holding it is done)? When the function has
   * a qualifier with provisioned concurrency, only those are; else any alias or version its configuration needs.
   */
  isWarmQualifier(id: string): boolean {
    const info = this.aliases.get(id) ?? this.versions.get(id);
    if (info) return info.warm !== undefined && (info.provisioned === true || !this.#hasProvisioned(info.fn));
    return this.#samAliasOf(id) !== undefined;
  }

  /** Function of an alias or version logical ID (or SAM's `Fn.Alias` / `Fn.Version`). */
  functionOfQualifier(id: string): string | undefined {
    return this.aliases.get(id)?.fn ?? this.versions.get(id)?.fn ?? this.samFunctionOf(id);
  }

  /** The SAM function with AutoPublishAlias of `Fn.Alias` or `Fn.Version`. */
  samFunctionOf(id: string): string | undefined {
    const m = /^(.+)\.(Alias|Version)$/.exec(id);
    return m && this.#samPublished.has(m[1]) ? m[1] : undefined;
  }

  /** The literal alias name of an alias logical ID (or SAM's `Fn.Alias`), when known. */
  aliasNameOf(id: string): string | undefined {
    return this.aliases.get(id)?.name ?? this.#samAliasOf(id)?.aliasName;
  }

  /** The target of SAM's `Fn.Alias` (AutoPublishAlias on a function that needs one). */
  #samAliasOf(id: string): WarmTarget | undefined {
    return id.endsWith('.Alias') ? this.#samAliases.get(id.slice(0, -'.Alias'.length)) : undefined;
  }

  /** True when some alias or version of the function carries provisioned concurrency. */
  #hasProvisioned(fn: string): boolean {
    const own = this.#ofFn(fn);
    return own.aliases.some(warmProvisioned) || own.versions.some(warmProvisioned);
  }

  /** Literal alias names of a function's warm aliases (for literal ARNs already qualified with one). */
  warmAliasNames(fn: string): string[] {
    const names: string[] = [];
    const provisioned = this.#hasProvisioned(fn);
    for (const a of this.aliases.values()) if (a.fn === fn && a.warm && a.name && (a.provisioned || !provisioned)) names.push(a.name);
    const sam = this.#samAliases.get(fn);
    if (sam?.aliasName) names.push(sam.aliasName);
    return names;
  }
}

/** A qualifier that is a target with provisioned concurrency on it. */
const warmProvisioned = (q: AliasInfo | VersionInfo): boolean => q.warm !== undefined && q.provisioned === true;

/** The Condition of the resource itself, as guards (none when it has none). */
function ownGuards(r: Resource): Guard[] {
  return r.condition ? [{ condition: r.condition, negate: false }] : [];
}

/**
 * Guards of a ProvisionedConcurrencyConfig value, or undefined when it configures none.
 * `Fn::If [C, {...}, {Ref: AWS::NoValue}]` (as SAM emits for DeploymentPreference) is warm when C holds.
 */
export function provisionedGuards(value: Json | undefined): Guard[] | undefined {
  return configured(value, (v) => getOwn(v, 'ProvisionedConcurrentExecutions') !== 0);
}

/** "with provisioned concurrency", or what makes the function need a published target. */
function describeTargets(reasons: readonly Reason[]): string {
  if (reasons.length === 0 || reasons[0] === PC_REASON) return 'with provisioned concurrency';
  return `it can be invoked through (its ${describeReasons(reasons)} configuration needs a published target)`;
}

/** The guards of a resource and of its config, each once (an alias under IsProd with its config under IsProd is guarded once). */
function both(own: readonly Guard[], config: readonly Guard[] | undefined): Guard[] {
  const out = [...own];
  for (const g of config ?? []) if (!out.some((o) => o.condition === g.condition && o.negate === g.negate)) out.push(g);
  return out;
}
