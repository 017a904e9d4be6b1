/**
 * An independent reading of a template's dependency graph, for the property "a template without a
 * circular dependency stays without one". Written from CloudFormation's rules, not from the
 * macro's code (macro/core/template/dependencies.ts), so that the property does not check the macro against
 * itself:
 * - a resource depends on every resource it names with `Ref`, `Fn::GetAtt` (list or "X.Y" string
 *   form) or `${X}` / `${X.Y}` in an `Fn::Sub` template (not a `${!X}` escape, not a name bound in
 *   the Fn::Sub variable map), anywhere in the resource but its Type and Condition, in both
 *   branches of an Fn::If;
 * - and on every resource its `DependsOn` lists;
 * - a SAM `Ref: X.Alias` / `X.Version` stands for the alias or version SAM generates for the
 *   function X, which depend on X only: it counts as a dependency on X.
 */

type Graph = Map<string, Set<string>>;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The dependency graph of a template's resources. */
export function dependencyGraph(template: unknown): Graph {
  const graph: Graph = new Map();
  const resources = isObj(template) && isObj(template.Resources) ? template.Resources : {};
  const ids = new Set(Object.keys(resources));
  const named = (name: string): string | undefined => {
    if (ids.has(name)) return name;
    const m = /^(.+)\.(Alias|Version)$/.exec(name);
    return m && ids.has(m[1]) ? m[1] : undefined;
  };
  for (const id of ids) {
    const out = new Set<string>();
    const add = (name: unknown): void => {
      const target = typeof name === 'string' ? named(name) : undefined;
      if (target !== undefined) out.add(target);
    };
    const r = resources[id];
    if (isObj(r)) {
      const dependsOn = r.DependsOn;
      for (const d of Array.isArray(dependsOn) ? dependsOn : [dependsOn]) add(d);
      const stack: unknown[] = Object.keys(r)
        .filter((k) => k !== 'Type' && k !== 'Condition' && k !== 'DependsOn')
        .map((k) => r[k]);
      while (stack.length) {
        const v = stack.pop();
        if (Array.isArray(v)) {
          stack.push(...v);
          continue;
        }
        if (!isObj(v)) continue;
        const keys = Object.keys(v);
        if (keys.length === 1 && keys[0] === 'Ref') add(v.Ref);
        if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
          const arg = v['Fn::GetAtt'];
          if (Array.isArray(arg)) add(arg[0]);
          else if (typeof arg === 'string' && arg.indexOf('.') > 0) add(arg.slice(0, arg.indexOf('.')));
        }
        if (keys.length === 1 && keys[0] === 'Fn::Sub') {
          const arg = v['Fn::Sub'];
          const text = typeof arg === 'string' ? arg : Array.isArray(arg) && typeof arg[0] === 'string' ? arg[0] : undefined;
          const vars = Array.isArray(arg) && isObj(arg[1]) ? arg[1] : {};
          if (text !== undefined) {
            for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
              const name = m[1];
              if (name.startsWith('!') || Object.hasOwn(vars, name)) continue;
              // `${X.Y}` is GetAtt X.Y; `${X}` is Ref X (`X.Alias` of SAM included).
              add(named(name) !== undefined ? name : name.split('.')[0]);
            }
          }
        }
        for (const k of keys) stack.push(v[k]);
      }
    }
    graph.set(id, out);
  }
  return graph;
}

/** A circular dependency of the template, as `[A, B, …, A]`; undefined when there is none. */
export function findCycle(template: unknown): string[] | undefined {
  const graph = dependencyGraph(template);
  const state = new Map<string, 'open' | 'done'>();
  for (const [start, edges] of graph) {
    if (state.has(start)) continue;
    // Iterative depth-first search; `path` is the chain of open resources.
    const path: string[] = [start];
    const iterators = [edges[Symbol.iterator]()];
    state.set(start, 'open');
    while (path.length) {
      const next = iterators[iterators.length - 1].next();
      if (next.done) {
        const done = path.pop();
        if (done !== undefined) state.set(done, 'done');
        iterators.pop();
        continue;
      }
      const id = next.value;
      if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
      if (state.has(id)) continue;
      state.set(id, 'open');
      path.push(id);
      iterators.push((graph.get(id) ?? new Set<string>())[Symbol.iterator]());
    }
  }
  return undefined;
}

/** Is `to` a direct dependency of `from` in the template? */
export function dependsOnDirectly(template: unknown, from: string, to: string): boolean {
  return dependencyGraph(template).get(from)?.has(to) ?? false;
}
