/**
 * The dependencies between the template's resources (Ref, GetAtt, `${X}` / `${X.Attr}` in Fn::Sub,
 * DependsOn), which CloudFormation orders the stack by and rejects when they are circular.
 *
 * One graph answers for every place the macro writes a reference: a definition slot (or the
 * DefinitionSubstitutions key / Fn::Sub variable that feeds it), an IAM grant, a DependsOn, and
 * the macro's own policy. It reads each resource as it is *now* (through the editor), one
 * resource at a time on first use; whoever changes a resource says so (`changed`), and edges the
 * macro plans but has not written yet can be added (`add`) or passed to one question (`extra`).
 */
import { getOwn, isObject, isArray, keysOf } from '../../cfn/json';
import { referencedResources } from './read';
import type { Json } from '../../types';

/** A resource of the template as it is now (undefined when there is none). */
export type ReadResource = (id: string) => Json | undefined;

export class Dependencies {
  readonly #edges = new Map<string, Set<string>>();
  /** Edges the macro recorded without writing them (yet). */
  readonly #added = new Map<string, Set<string>>();
  /** Whether a logical ID is a resource, by ID (every reference of every resource read asks). */
  readonly #known = new Map<string, boolean>();
  readonly #read: ReadResource;

  constructor(read: ReadResource) {
    this.#read = read;
  }

  /** Is there a resource with this logical ID? */
  exists(id: string): boolean {
    let known = this.#known.get(id);
    if (known === undefined) {
      known = isObject(this.#read(id));
      this.#known.set(id, known);
    }
    return known;
  }

  /**
   * The resource a reference names: the logical ID itself, or `X` for SAM's `X.Alias` / `X.Version`
   * (the alias and version SAM generates depend on the function `X`).
   */
  resolve(id: string): string | undefined {
    if (this.exists(id)) return id;
    const dot = id.indexOf('.');
    return dot > 0 && this.exists(id.slice(0, dot)) ? id.slice(0, dot) : undefined;
  }

  /** Resources `id` depends on directly, as the template says now (read on first use). */
  #of(id: string): Set<string> {
    let set = this.#edges.get(id);
    if (!set) {
      set = new Set<string>();
      const r = this.#read(id);
      if (isObject(r)) {
        for (const key of keysOf(r)) if (key !== 'Type' && key !== 'Condition' && key !== 'DependsOn') for (const ref of this.references(r[key])) set.add(ref);
        const dependsOn = getOwn(r, 'DependsOn');
        for (const d of isArray(dependsOn) ? dependsOn : [dependsOn]) if (typeof d === 'string' && this.exists(d)) set.add(d);
      }
      this.#edges.set(id, set);
    }
    return set;
  }

  /** The resource changed (a definition rewritten, a statement or a DependsOn added): read it again when asked. */
  changed(id: string): void {
    this.#edges.delete(id);
    this.#known.delete(id);
  }

  /** Records that `from` will depend on `to` (an edge the macro plans and has not written). */
  add(from: string, to: Iterable<string>): void {
    let set = this.#added.get(from);
    if (!set) {
      set = new Set<string>();
      this.#added.set(from, set);
    }
    for (const t of to) set.add(t);
  }

  /** The resources of the template a value refers to. */
  references(value: Json | undefined): Set<string> {
    return referencedResources(value, (id) => this.resolve(id));
  }

  /**
   * The shortest chain of dependencies from `from` to one of `to` (`[from, …, t]`), or undefined.
   * `extra` edges count as if they were in the template.
   */
  path(from: string, to: readonly string[], extra: readonly [string, string][] = [], unreaching?: Set<string>): string[] | undefined {
    if (unreaching?.has(from)) return undefined;
    const previous = new Map<string, string | null>([[from, null]]);
    const queue = [from];
    for (let k = 0; k < queue.length; k++) {
      const id = queue[k];
      if (to.includes(id)) {
        const chain: string[] = [];
        for (let at: string | null = id; at !== null; at = previous.get(at) ?? null) chain.push(at);
        return chain.reverse();
      }
      const visit = (n: string): void => {
        if (!previous.has(n) && !unreaching?.has(n)) {
          previous.set(n, id);
          queue.push(n);
        }
      };
      for (const n of this.#of(id)) visit(n);
      const added = this.#added.get(id);
      if (added) for (const n of added) visit(n);
      for (const [a, b] of extra) if (a === id) visit(b);
    }
    // None of the resources searched reaches `to`: a caller that keeps `unreaching` (while the graph
    // and `to` stay the same) does not search them again.
    if (unreaching) for (const id of queue) unreaching.add(id);
    return undefined;
  }

  /** Does `from` depend on one of `to`, directly or through other resources? */
  reaches(from: string, ...to: string[]): boolean {
    return this.path(from, to) !== undefined;
  }

  /**
   * The circular dependency that new edges `from → t` (each `t` of `to`) would close, as the chain
   * `[from, t, …, from]`; undefined when they close none. `extra` edges count as if written.
   */
  cycle(from: string, to: Iterable<string>, extra: readonly [string, string][] = [], unreaching?: Set<string>): string[] | undefined {
    let best: string[] | undefined;
    for (const t of to) {
      const back = this.path(t, [from], extra, unreaching);
      if (back && (!best || back.length + 1 < best.length)) best = [from, ...back];
    }
    return best;
  }
}

/** `A → B → C → A`. */
export function formatCycle(chain: readonly string[]): string {
  return chain.join(' → ');
}
