/**
 * CloudFormation Conditions as CloudFormation evaluates them: which truth values the template's
 * conditions can take together.
 *
 * Each condition is a formula (`Fn::And`, `Fn::Or`, `Fn::Not`, `{Condition: Name}`) over comparisons
 * (`Fn::Equals`), evaluated in every "world": a value for each parameter it compares (one of its
 * `AllowedValues` when they are all literals; else one of the literals it is compared with, or another
 * one), and true or false for each comparison it cannot read. A comparison of two literals is constant;
 * one of two computed values, a condition that is not defined or is defined in a circle, is free: it may
 * be true or false, whatever the others are. So a combination is ruled out only when no values of the
 * template's parameters could give it.
 */
import { getOwn, isArray, isString, jsonText } from './json';
import { intrinsicName, refName } from './intrinsics';
import type { Json } from '../types';

/** A truth value for each condition name. */
export type Assignment = ReadonlyMap<string, boolean>;

/** A guard: the condition holds (or, `negate`, does not). */
export interface ConditionGuard {
  condition: string;
  negate: boolean;
}

/** A world: the value of each parameter compared (`ref:NAME`) and of each free comparison (its key). */
type World = Map<string, string | boolean>;

/** A condition read: its value in a world, and what of the world it reads. */
interface Read {
  holds: (w: World) => boolean;
  reads: Set<string>;
}

/** More worlds than this in one question, and every combination is taken to be possible. */
export const MAX_WORLDS = 2 ** 14;

/** A value no template compares with (the parameter's "other" value). */
const OTHER = '\u0000';

export class ConditionLogic {
  readonly #conditions: Json | undefined;
  readonly #parameters: Json | undefined;
  readonly #read = new Map<string, Read>();
  /** The literals each parameter is compared with. */
  readonly #literals = new Map<string, Set<string>>();

  /** `conditions` and `parameters`: the template's sections. */
  constructor(conditions: Json | undefined, parameters?: Json) {
    this.#conditions = conditions;
    this.#parameters = parameters;
  }

  /** Whether some values of the template's parameters give each condition of `a` its value there (true when it cannot tell). */
  possible(a: Assignment): boolean {
    const names = [...a.keys()];
    return this.#feasible(names)?.has(vectorOf(a, names)) ?? true;
  }

  /** Whether every guard can hold at once (true when it cannot tell; true for none). */
  holdTogether(guards: readonly ConditionGuard[]): boolean {
    if (guards.length === 0) return true;
    const a = new Map<string, boolean>();
    for (const g of guards) {
      // A condition and its negation.
      if (a.get(g.condition) === g.negate) return false;
      a.set(g.condition, !g.negate);
    }
    return this.possible(a);
  }

  /** Whether, whatever the parameters' values, every guard of one of `sets` holds (false when it cannot tell). */
  exhaustive(sets: readonly (readonly ConditionGuard[])[]): boolean {
    const names = [...new Set(sets.flatMap((set) => set.map((g) => g.condition)))];
    const feasible = this.#feasible(names);
    if (feasible === undefined) return false;
    for (const vector of feasible) {
      const holds = (g: ConditionGuard): boolean => ((vector & (2 ** names.indexOf(g.condition))) !== 0) !== g.negate;
      if (!sets.some((set) => set.every(holds))) return false;
    }
    return true;
  }

  /** The combinations of `combos` (each of the same conditions) that can hold; all of them when it cannot tell. */
  filter(combos: Assignment[]): Assignment[] {
    if (combos.length < 2) return combos;
    const names = [...combos[0].keys()];
    const feasible = this.#feasible(names);
    return feasible === undefined ? combos : combos.filter((a) => feasible.has(vectorOf(a, names)));
  }

  /** The vectors (see vectorOf) the conditions `names` take in the worlds; undefined when there are too many to try. */
  #feasible(names: string[]): Set<number> | undefined {
    if (names.length > 30) return undefined;
    const reads = names.map((n) => this.#condition(n, []));
    const keys = [...new Set(reads.flatMap((r) => [...r.reads]))];
    const domains = keys.map((k): (string | boolean)[] => (k.startsWith('ref:') ? this.#domain(k.slice(4)) : [true, false]));
    if (domains.reduce((n, d) => n * d.length, 1) > MAX_WORLDS) return undefined;
    const out = new Set<number>();
    const at = keys.map(() => 0);
    const world: World = new Map();
    for (;;) {
      for (let i = 0; i < keys.length; i++) world.set(keys[i], domains[i][at[i]]);
      let vector = 0;
      reads.forEach((r, k) => {
        if (r.holds(world)) vector += 2 ** k;
      });
      out.add(vector);
      // The next world: the first place that can step steps, the ones before it start over.
      let i = 0;
      while (i < at.length && ++at[i] === domains[i].length) at[i++] = 0;
      if (i === at.length) return out;
    }
  }

  /** The values a parameter may take: its AllowedValues when all are literals, else the literals it is compared with and another. */
  #domain(name: string): string[] {
    const allowed = getOwn(getOwn(this.#parameters, name), 'AllowedValues');
    const values = isArray(allowed) && allowed.length ? allowed.map(literalOf) : [];
    if (values.length && values.every(isString)) return values as string[];
    return [...(this.#literals.get(name) ?? []), OTHER];
  }

  /** A condition read (once); `reading`: the conditions whose definition is being read (a circle is free). */
  #condition(name: string, reading: string[]): Read {
    const known = this.#read.get(name);
    if (known) return known;
    const definition = getOwn(this.#conditions, name);
    const r = definition === undefined || reading.includes(name) ? free(`condition:${name}`) : this.#formula(definition, [...reading, name], 0);
    if (!reading.includes(name)) this.#read.set(name, r);
    return r;
  }

  #formula(v: Json, reading: string[], depth: number): Read {
    const fn = depth > 32 ? undefined : intrinsicName(v);
    const arg = fn && getOwn(v, fn);
    if (fn === 'Condition' && isString(arg)) return this.#condition(arg, reading);
    if (!isArray(arg) || arg.length === 0) return free(`value:${jsonText(v)}`);
    if (fn === 'Fn::Equals' && arg.length === 2) return this.#equals(arg[0], arg[1]);
    if ((fn === 'Fn::Not' && arg.length === 1) || fn === 'Fn::And' || fn === 'Fn::Or') {
      const parts = arg.map((x) => this.#formula(x, reading, depth + 1));
      const reads = new Set(parts.flatMap((p) => [...p.reads]));
      if (fn === 'Fn::Not') return { holds: (w) => !parts[0].holds(w), reads };
      return { holds: fn === 'Fn::And' ? (w) => parts.every((p) => p.holds(w)) : (w) => parts.some((p) => p.holds(w)), reads };
    }
    return free(`value:${jsonText(v)}`);
  }

  /** A comparison: constant for two literals, of a parameter's value for a `Ref` and a literal, else free (either order alike). */
  #equals(a: Json, b: Json): Read {
    const la = literalOf(a);
    const lb = literalOf(b);
    if (la !== undefined && lb !== undefined) return { holds: () => la === lb, reads: new Set() };
    const ref = la === undefined ? refName(a) : refName(b);
    const literal = la ?? lb;
    if (ref !== undefined && literal !== undefined) {
      const seen = this.#literals.get(ref) ?? new Set<string>();
      this.#literals.set(ref, seen.add(literal));
      const key = `ref:${ref}`;
      return { holds: (w) => w.get(key) === literal, reads: new Set([key]) };
    }
    return free(`equals:${[jsonText(a), jsonText(b)].sort().join()}`);
  }
}

/** A value that may be true or false whatever the others are. */
function free(key: string): Read {
  return { holds: (w) => w.get(key) === true, reads: new Set([key]) };
}

/** The condition names' truth values as bits, in the order of `names`. */
function vectorOf(a: Assignment, names: string[]): number {
  let v = 0;
  for (let k = 0; k < names.length; k++) if (a.get(names[k])) v += 2 ** k;
  return v;
}

/** The text CloudFormation compares of a literal (a number or a boolean as its text); undefined for anything else. */
function literalOf(v: Json): string | undefined {
  return isString(v) ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}
