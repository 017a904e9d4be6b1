/**
 * Step 2 of the pipeline: find the warm targets.
 *
 * A function is warm when provisioned concurrency is configured on one of its qualifiers:
 * an AWS::Lambda::Alias or AWS::Lambda::Version with ProvisionedConcurrencyConfig, or an
 * AWS::Serverless::Function with AutoPublishAlias and ProvisionedConcurrencyConfig (before
 * SAM's transform). Each warm function gets exactly one target, or an error that says why not.
 */
import { getOwn, isObject } from './cfn/json';
import { unreadableIn, type TemplateIndex } from './template';
import type { Json } from './types';
import { getAttPair, ifArgs, intrinsicName, refName } from './cfn/intrinsics';

/** A CloudFormation condition that must hold (or, negated, must not) for a target to exist. */
export interface Guard {
  condition: string;
  negate: boolean;
}

export interface WarmTarget {
  fn: string;
  /** Logical ID of the alias or version, or `Fn.Alias` for SAM's AutoPublishAlias. */
  id: string;
  kind: 'alias' | 'version' | 'sam-alias';
  /** The value that yields the target's ARN: `{"Ref": id}`. */
  value: Json;
  /** The alias name, when it is a literal. */
  aliasName?: string;
  /** Conditions under which the target exists; empty when it always does. */
  guards: Guard[];
}

export type Resolution = { status: 'warm'; target: WarmTarget } | { status: 'cold' } | { status: 'error'; message: string };

export interface AliasInfo {
  id: string;
  fn: string;
  name?: string;
  /** Logical ID of the version the alias points to (`FunctionVersion: GetAtt [V, Version]`). */
  version?: string;
  /** Guards of its provisioned concurrency; undefined when it has none. */
  warm?: Guard[];
}

export interface VersionInfo {
  id: string;
  fn: string;
  warm?: Guard[];
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
  private readonly samAliases = new Map<string, WarmTarget>();
  private readonly cache = new Map<string, Resolution>();

  constructor(
    index: TemplateIndex,
    private readonly aliasName?: string,
  ) {
    for (const r of index.resources.values()) {
      if (r.type === 'AWS::Lambda::Alias' || r.type === 'AWS::Lambda::Version') {
        const fnValue = getOwn(r.properties, 'FunctionName');
        const fn = index.functionOf(fnValue);
        const warm = provisionedGuards(getOwn(r.properties, 'ProvisionedConcurrencyConfig'));
        const guards = warm && (r.condition ? [{ condition: r.condition, negate: false }, ...warm] : warm);
        if (!fn) {
          if (warm) {
            const broken = unreadableIn(fnValue, index);
            this.notes.push({
              logicalId: r.id,
              path: `Resources/${r.id}/Properties/FunctionName`,
              message: broken
                ? `has provisioned concurrency, but its FunctionName ${JSON.stringify(fnValue)} refers to ${broken.logicalId}, which the macro cannot read (${broken.path}: ${broken.message}); it is ignored`
                : `has provisioned concurrency, but its FunctionName ${JSON.stringify(fnValue)} names no function in this template; it is ignored`,
            });
          }
          continue;
        }
        if (r.type === 'AWS::Lambda::Alias') {
          const name = getOwn(r.properties, 'Name');
          const version = getAttPair(getOwn(r.properties, 'FunctionVersion'));
          this.aliases.set(r.id, {
            id: r.id,
            fn,
            name: typeof name === 'string' ? name : undefined,
            version: version && version[1] === 'Version' ? version[0] : undefined,
            warm: guards,
          });
        } else {
          this.versions.set(r.id, { id: r.id, fn, warm: guards });
        }
      } else if (r.type === 'AWS::Serverless::Function') {
        const alias = getOwn(r.properties, 'AutoPublishAlias');
        const warm = provisionedGuards(getOwn(r.properties, 'ProvisionedConcurrencyConfig'));
        if (alias !== undefined && warm) {
          const guards = r.condition ? [{ condition: r.condition, negate: false }, ...warm] : warm;
          const id = `${r.id}.Alias`;
          this.samAliases.set(r.id, {
            fn: r.id,
            id,
            kind: 'sam-alias',
            value: { Ref: id },
            aliasName: typeof alias === 'string' ? alias : undefined,
            guards,
          });
        }
      }
    }
  }

  /** The one warm target of a function, or why there is none. */
  resolve(fn: string): Resolution {
    let res = this.cache.get(fn);
    if (!res) {
      res = this.compute(fn);
      this.cache.set(fn, res);
    }
    return res;
  }

  private compute(fn: string): Resolution {
    const aliases: WarmTarget[] = [];
    for (const a of this.aliases.values()) {
      if (a.fn === fn && a.warm) aliases.push({ fn, id: a.id, kind: 'alias', value: { Ref: a.id }, aliasName: a.name, guards: a.warm });
    }
    const sam = this.samAliases.get(fn);
    if (sam) aliases.push(sam);
    const list = aliases.map((a) => `${a.id} (Name: ${a.aliasName ?? '<not a literal>'})`).join(', ');
    if (this.aliasName !== undefined) {
      // AliasName picks among several warm aliases; naming an alias that exists without provisioned
      // concurrency is always an error, since the user asked for a qualifier that would stay cold.
      const chosen = aliases.filter((a) => a.aliasName === this.aliasName);
      if (chosen.length === 1) return { status: 'warm', target: chosen[0] };
      const cold = [...this.aliases.values()].find((a) => a.fn === fn && a.name === this.aliasName && !a.warm);
      if (cold) {
        return {
          status: 'error',
          message: `AliasName is '${this.aliasName}', but alias ${cold.id} (Name: ${this.aliasName}) of function ${fn} has no provisioned concurrency.${list ? ` Aliases with provisioned concurrency: ${list}.` : ''}`,
        };
      }
      if (aliases.length > 1) {
        return { status: 'error', message: `AliasName is '${this.aliasName}', but function ${fn} has no alias named '${this.aliasName}'. Aliases with provisioned concurrency: ${list}.` };
      }
    }
    if (aliases.length === 1) return { status: 'warm', target: aliases[0] };
    if (aliases.length > 1) {
      return {
        status: 'error',
        message: `function ${fn} has ${aliases.length} aliases with provisioned concurrency: ${list}. Choose one with the Transform parameter AliasName.`,
      };
    }
    const versions = [...this.versions.values()].filter((v) => v.fn === fn && v.warm);
    if (versions.length === 1) {
      const v = versions[0];
      return { status: 'warm', target: { fn, id: v.id, kind: 'version', value: { Ref: v.id }, guards: v.warm! } };
    }
    if (versions.length > 1) {
      return {
        status: 'error',
        message: `function ${fn} has ${versions.length} versions with provisioned concurrency and no such alias: ${versions.map((v) => v.id).join(', ')}. Put provisioned concurrency on one alias.`,
      };
    }
    return { status: 'cold' };
  }

  /** True when some alias of the template (or SAM AutoPublishAlias) has this literal name. */
  hasAliasNamed(name: string): boolean {
    for (const a of this.aliases.values()) if (a.name === name) return true;
    for (const t of this.samAliases.values()) if (t.aliasName === name) return true;
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
    for (const f of this.samAliases.keys()) out.add(f);
    return [...out];
  }

  /** Is `Ref id` already a warm qualifier of its function (so a slot holding it is done)? */
  isWarmQualifier(id: string): boolean {
    const a = this.aliases.get(id);
    if (a) return a.warm !== undefined;
    const v = this.versions.get(id);
    if (v) return v.warm !== undefined;
    return id.endsWith('.Alias') && this.samAliases.has(id.slice(0, -'.Alias'.length));
  }

  /** Function of an alias or version logical ID (or `Fn.Alias`). */
  functionOfQualifier(id: string): string | undefined {
    return this.aliases.get(id)?.fn ?? this.versions.get(id)?.fn ?? (id.endsWith('.Alias') ? this.samAliases.get(id.slice(0, -6))?.fn : undefined);
  }

  /** The literal alias name of an alias logical ID (or SAM's `Fn.Alias`), when known. */
  aliasNameOf(id: string): string | undefined {
    return this.aliases.get(id)?.name ?? (id.endsWith('.Alias') ? this.samAliases.get(id.slice(0, -'.Alias'.length))?.aliasName : undefined);
  }

  /** Literal alias names of a function's warm aliases (for literal ARNs already qualified with one). */
  warmAliasNames(fn: string): string[] {
    const names: string[] = [];
    for (const a of this.aliases.values()) if (a.fn === fn && a.warm && a.name) names.push(a.name);
    const sam = this.samAliases.get(fn);
    if (sam?.aliasName) names.push(sam.aliasName);
    return names;
  }
}

/**
 * Guards of a ProvisionedConcurrencyConfig value, or undefined when it configures none.
 * `Fn::If [C, {...}, {Ref: AWS::NoValue}]` (as SAM emits for DeploymentPreference) is warm when C holds.
 */
export function provisionedGuards(value: Json | undefined, depth = 0): Guard[] | undefined {
  if (value === undefined || value === null || refName(value) === 'AWS::NoValue') return undefined;
  const arg = ifArgs(value);
  if (arg && depth < 10) {
    if (typeof arg[0] === 'string') {
      const yes = provisionedGuards(arg[1], depth + 1);
      const no = provisionedGuards(arg[2], depth + 1);
      if (yes && !no) return [{ condition: arg[0], negate: false }, ...yes];
      if (!yes && no) return [{ condition: arg[0], negate: true }, ...no];
      if (!yes && !no) return undefined;
      return []; // warm either way; the alias exists whatever the condition
    }
  }
  if (isObject(value) && intrinsicName(value) === undefined) {
    const n = getOwn(value, 'ProvisionedConcurrentExecutions');
    if (n === 0) return undefined;
  }
  return [];
}
