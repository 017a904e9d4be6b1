/**
 * The dependencies between the template's resources (Ref, GetAtt, Fn::Sub references, DependsOn),
 * so that IAM can tell when a grant would close a circular dependency, which CloudFormation
 * rejects. Built lazily, one resource at a time, and told about the edges the macro adds.
 */
import { ReadError } from './errors';
import { tokenizeSub } from './intrinsics/sub';
import { getOwn, hasOwn, isObject } from './json';
import { getAttPair, refName, type TemplateIndex } from './template';
import type { Json } from './types';

export class Dependencies {
  private readonly edges = new Map<string, Set<string>>();
  /** Edges the macro added, kept apart so that recording them reads nothing. */
  private readonly added = new Map<string, Set<string>>();

  constructor(private readonly index: TemplateIndex) {}

  /** Resources `id` depends on directly, in the template (read on first use). */
  private of(id: string): Set<string> {
    let set = this.edges.get(id);
    if (!set) {
      set = new Set<string>();
      const r = this.index.get(id);
      if (r) {
        for (const key of Object.keys(r.raw)) if (key !== 'Type' && key !== 'Condition') for (const ref of referencedResources(r.raw[key], this.index)) set.add(ref);
        const dependsOn = getOwn(r.raw, 'DependsOn');
        for (const d of Array.isArray(dependsOn) ? dependsOn : [dependsOn]) if (typeof d === 'string' && this.index.get(d)) set.add(d);
      }
      this.edges.set(id, set);
    }
    return set;
  }

  /** Records that `from` now depends on `to` (an edge the macro added). */
  add(from: string, to: Iterable<string>): void {
    let set = this.added.get(from);
    if (!set) this.added.set(from, (set = new Set<string>()));
    for (const t of to) set.add(t);
  }

  /** Does `from` depend on one of `to`, directly or through other resources? */
  reaches(from: string, ...to: string[]): boolean {
    const seen = new Set<string>([from]);
    const stack = [from];
    while (stack.length) {
      const id = stack.pop()!;
      if (to.includes(id)) return true;
      for (const set of [this.of(id), this.added.get(id)]) {
        if (!set) continue;
        for (const next of set) {
          if (!seen.has(next)) {
            seen.add(next);
            stack.push(next);
          }
        }
      }
    }
    return false;
  }
}

/** The resources of the template a value refers to (Ref, GetAtt, `${X}` / `${X.Attr}` in Fn::Sub). */
export function referencedResources(value: Json | undefined, index: TemplateIndex): Set<string> {
  const out = new Set<string>();
  const add = (id: string | undefined): void => {
    if (id !== undefined && index.get(id)) out.add(id);
  };
  const stack: (Json | undefined)[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (isObject(v)) {
      add(refName(v));
      add(getAttPair(v)?.[0]);
      const sub = getOwn(v, 'Fn::Sub');
      const template = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
      if (template !== undefined) {
        const vars = Array.isArray(sub) && isObject(sub[1]) ? sub[1] : undefined;
        try {
          for (const t of tokenizeSub(template, (name) => vars !== undefined && hasOwn(vars, name))) {
            if (t.kind === 'ref') add(t.name);
            else if (t.kind === 'getatt') add(t.resource);
          }
        } catch (e) {
          if (!(e instanceof ReadError)) throw e;
        }
      }
      for (const k of Object.keys(v)) stack.push(v[k]);
    }
  }
  return out;
}
