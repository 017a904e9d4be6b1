/**
 * Whether any resource but a state machine mentions a state machine (then a rewrite may close a circle).
 *
 * A mention is a `Ref`, an `Fn::GetAtt`, a `${…}` in `Fn::Sub` or a `DependsOn`, at any depth, siblings or
 * not. It is read from the input in the walk the nesting check takes over the whole template anyway (a
 * KeyWatch, see limits.ts).
 *
 * What it reads is a superset of the dependency graph's edges (dependencies.ts reads each resource's own,
 * exactly, when it needs them): it takes `X` for `X.Attr` (and SAM's `X.Alias`), any `Ref`, and every
 * `${…}` of a text (cfn/sub.ts forEachSubName). When no such mention is found, no chain of dependencies
 * leads from a resource that is no state machine to one (its first step into a state machine would be such
 * a mention), so a rewrite that makes a state machine depend on a Lambda target cannot close a circle
 * (decide/cycles.ts) and the graph need not be searched. The macro's own writes keep it so: it adds
 * references to Lambda targets, roles and its own policies, and DependsOn only to state machines.
 */
import { getOwn, isArray, isObject, isString, keysOf } from '../../cfn/json';
import { GET_ATT, SUB } from '../../cfn/intrinsics';
import { forEachSubName } from '../../cfn/sub';
import { type KeyWatch, keysByLength } from '../../limits';
import { RESOURCES, STATE_MACHINE_TYPES } from './read';

const WATCHED = ['Ref', GET_ATT, SUB, 'DependsOn'];

/** The logical IDs of the template's state machines (resources of a state machine type), read without a check. */
export function stateMachineIds(fragment: unknown): Set<string> {
  const out = new Set<string>();
  const resources = getOwn(fragment, RESOURCES);
  if (!isObject(resources)) return out;
  for (const id of keysOf(resources)) {
    const type = getOwn(resources[id], 'Type');
    if (isString(type) && STATE_MACHINE_TYPES.has(type)) out.add(id);
  }
  return out;
}

export class Mentions implements KeyWatch {
  /** The keys watched; none once a mention is found (the walk then tells no more). */
  byLength: (readonly string[] | undefined)[] = keysByLength(WATCHED);
  /** Whether a resource that is no state machine mentions one. */
  found = false;
  readonly #machines: ReadonlySet<string>;

  constructor(machines: ReadonlySet<string>) {
    this.#machines = machines;
  }

  seen(key: string, value: unknown, section: string, entry: string): void {
    if (section !== RESOURCES || this.#machines.has(entry)) return;
    // A Ref, a GetAtt (`X.Attr` or `[X, Attr]`: the attribute is taken too, a superset) or a DependsOn (one or a
    // list) names IDs; an Fn::Sub text (alone or first in its list) names them as `${…}`.
    const list = isArray(value) ? value : [value];
    if (key === SUB) {
      if (isString(list[0])) forEachSubName(list[0], this.#mention);
    } else for (const x of list) if (isString(x)) this.#mention(x);
  }

  /** A mention of `id` (or of the resource before its first dot: `X` of `X.Arn`) by a resource that is no state machine. */
  readonly #mention = (id: string): void => {
    const dot = id.indexOf('.');
    if (this.#machines.has(id) || (dot > 0 && this.#machines.has(id.slice(0, dot)))) {
      this.found = true;
      this.byLength = [];
    }
  };
}
