/**
 * The dependencies between the template's resources (Ref, GetAtt, `${X}` / `${X.Attr}` in Fn::Sub,
 * DependsOn), which CloudFormation orders the stack by and rejects when they are circular.
 *
 * One graph answers for every place the macro writes a reference: a definition slot (or the
 * DefinitionSubstitutions key / Fn::Sub variable that feeds it), an IAM grant, a DependsOn, and
 * the macro's own policy. It reads each resource as it is *now* (through the editor), one
 * resource at a time on first use; whoever changes a resource says so (`changed`), and edges the
 * macro plans but has not written yet are passed to the question they matter to (`extra`).
 */
import { getOwn, isObject, isArray, isString } from '../../cfn/json';
import { forEachReference, referencedResources } from './read';
import type { Json } from '../../types';

/** A resource of the template as it is now (undefined when there is none). */
export type ReadResource = (id: string) => Json | undefined;

/** A logical ID as the graph knows it (found by ID once; its edges lead to the nodes themselves). */
interface Node {
  readonly id: string;
  /** Is there a resource with this ID? (undefined: not asked yet, or changed since) */
  exists?: boolean;
  /** The resources it depends on directly, as the template says now (undefined: not read yet, or changed since). */
  edges?: Node[];
  /** The search (see `path`) that reached it last, and the node it was reached from then. */
  seen: number;
  from?: Node;
  /** The caller's `unreaching` token under which a search found it does not reach the goal (the last one). */
  off?: Unreaching;
  /** The read (see `#of`) that listed it last as an edge: each is listed once a read, without a set of them. */
  listed?: number;
}

/**
 * What a caller learns across its searches for one goal while the graph stays the same: the resources found
 * not to reach it, which no search under the same token enters again. Any new object; the nodes keep it.
 */
export type Unreaching = object;

export class Dependencies {
  readonly #nodes = new Map<string, Node>();
  readonly #read: ReadResource;
  /** The number of searches so far: a node's `seen` is the search that reached it (no map per search). */
  #searches = 0;

  constructor(read: ReadResource) {
    this.#read = read;
  }

  #node(id: string): Node {
    let node = this.#nodes.get(id);
    if (!node) {
      node = { id, seen: 0 };
      this.#nodes.set(id, node);
    }
    return node;
  }

  /** Is there a resource with this logical ID? */
  exists(id: string): boolean {
    return this.#existing(this.#node(id));
  }

  #existing(node: Node): boolean {
    node.exists ??= isObject(this.#read(node.id));
    return node.exists;
  }

  /**
   * The resource a reference names: the logical ID itself, or `X` for SAM's `X.Alias` / `X.Version`
   * (the alias and version SAM generates depend on the function `X`).
   */
  resolve(id: string): string | undefined {
    return this.#resolveNode(id)?.id;
  }

  #resolveNode(id: string): Node | undefined {
    const node = this.#node(id);
    if (this.#existing(node)) return node;
    const dot = id.indexOf('.');
    if (dot <= 0) return undefined;
    const base = this.#node(id.slice(0, dot));
    return this.#existing(base) ? base : undefined;
  }

  /** The number of resources read so far (see `listed`). */
  #reads = 0;

  /** Resources `node` depends on directly, as the template says now (read on first use). */
  #of(node: Node): Node[] {
    if (!node.edges) {
      const edges: Node[] = [];
      this.#listing = edges;
      this.#reads++;
      const r = this.#read(node.id);
      if (isObject(r)) {
        // One walk for the whole resource, over its properties (a list: no intrinsic) last to first, which the
        // walk's stack reads first to last, each with all it holds before the next (the order of the edges).
        const values: Json[] = [];
        for (const key in r) if (key !== 'Type' && key !== 'Condition' && key !== 'DependsOn') values.push(r[key]);
        values.reverse();
        forEachReference(values, this.#listReference);
        const dependsOn = getOwn(r, 'DependsOn');
        if (isString(dependsOn)) this.#list(this.#dependedOn(dependsOn));
        else if (isArray(dependsOn)) for (const d of dependsOn) if (isString(d)) this.#list(this.#dependedOn(d));
      }
      node.edges = edges;
    }
    return node.edges;
  }

  /** The edges the read in progress lists (see `#of`; reading a resource reads no other's edges). */
  #listing: Node[] = [];

  /** Lists `n` as an edge of the read in progress, once. */
  #list(n: Node | undefined): void {
    if (n !== undefined && n.listed !== this.#reads) {
      n.listed = this.#reads;
      this.#listing.push(n);
    }
  }

  /** Lists the resource a reference names (bound once: the walk calls it for every reference of every read). */
  readonly #listReference = (id: string): void => this.#list(this.#resolveNode(id));

  /** The resource a DependsOn entry names, when there is one. */
  #dependedOn(id: string): Node | undefined {
    const n = this.#node(id);
    return this.#existing(n) ? n : undefined;
  }

  /** The resource changed (a definition rewritten, a statement or a DependsOn added): read it again when asked. */
  changed(id: string): void {
    const node = this.#nodes.get(id);
    if (node) node.edges = node.exists = undefined;
  }

  /** The resources of the template a value refers to (added to `out`, when given). */
  references(value: Json | undefined, out?: Set<string>): Set<string> {
    return referencedResources(value, this.#resolve, out);
  }

  /** `resolve`, bound once (every reference read calls it). */
  readonly #resolve = (id: string): string | undefined => this.resolve(id);

  /**
   * The shortest chain of dependencies from `from` to one of `to` (`[from, …, t]`), or undefined.
   * `extra` edges count as if they were in the template.
   */
  path(from: string, to: readonly string[], extra: readonly [string, string][] = [], unreaching?: Unreaching): string[] | undefined {
    if (unreaching && this.#node(from).off === unreaching) return undefined;
    // Each search has its number: a node it reached has it as `seen`, and `from` set by this search.
    const search = ++this.#searches;
    const start = this.#node(from);
    start.seen = search;
    start.from = undefined;
    const queue = [start];
    for (let k = 0; k < queue.length; k++) {
      const node = queue[k];
      if (to.includes(node.id)) {
        const chain: string[] = [];
        for (let at: Node | undefined = node; at; at = at.from) chain.push(at.id);
        return chain.reverse();
      }
      // Indexed: no iterator objects per node searched.
      const edges = this.#of(node);
      for (let i = 0; i < edges.length; i++) this.#enter(edges[i], node, queue, unreaching);
      for (let i = 0; i < extra.length; i++) if (extra[i][0] === node.id) this.#enter(this.#node(extra[i][1]), node, queue, unreaching);
    }
    // None of the resources searched reaches `to`: a caller that keeps `unreaching` (while the graph
    // and `to` stay the same) does not search them again.
    if (unreaching) for (const n of queue) n.off = unreaching;
    return undefined;
  }

  /** The search at `from` goes on to `n`, unless it reached `n` already or `n` is known not to lead to its goal. */
  #enter(n: Node, from: Node, queue: Node[], unreaching: Unreaching | undefined): void {
    if (n.seen !== this.#searches && (!unreaching || n.off !== unreaching)) {
      n.seen = this.#searches;
      n.from = from;
      queue.push(n);
    }
  }

  /**
   * The circular dependency that new edges `from → t` (each `t` of `to`) would close, as the chain
   * `[from, t, …, from]`; undefined when they close none. `extra` edges count as if written.
   */
  cycle(from: string, to: Iterable<string>, extra: readonly [string, string][] = [], unreaching?: Unreaching): string[] | undefined {
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
