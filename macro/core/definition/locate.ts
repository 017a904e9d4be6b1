/**
 * Where a state's value sits in the template: the path down into a Definition object, or the
 * string piece of a DefinitionString (plain, Fn::Sub or Fn::Join) and the offset of the value in
 * it. The core records this on each decision about a state, so that an edge (`check`) can point at
 * the line and column without reading the definition again.
 */
import { asObject, getOwn, isObject, isArray, keysOf } from '../../cfn/json';
import type { StrNode, When } from './ast';
import type { DefinitionModel } from './read';
import type { SlotScan } from './slots';
import type { Json, ValueLocation } from '../../types';
import { IF, SUB } from '../../cfn/intrinsics';

/**
 * A locator for the states of one definition: the location of the value of the state at
 * `statePath` (its invocation, or its note's FunctionName); undefined: the property itself.
 */
export function stateLocator(
  model: DefinitionModel,
  value: Json | undefined,
  scan: SlotScan,
): (statePath: string, when?: readonly When[]) => ValueLocation | undefined {
  // A branch of an Fn::If (`…/DefinitionString/Fn::If/1`) is a list item: its index is a number.
  const path = model.path
    .split('/')
    .filter(Boolean)
    .map((k, i, all) => (all[i - 1] === IF && (k === '1' || k === '2') ? Number(k) : k));
  // The string that names the invoked function in each state: the slot's, else an explicit
  // Qualifier's FunctionName (the first of each path, built once: a definition may have thousands).
  // A state chosen by Fn::If has one per branch: keyed by the path and the branch too.
  const key = (statePath: string, when: readonly When[] = []): string =>
    when.length ? `${statePath}\u0000${when.map((w) => `${w.condition}=${w.value}`).join(',')}` : statePath;
  const leaves = new Map<string, StrNode | undefined>();
  const slotLeaves = new Map<string, StrNode>();
  for (const n of scan.notes) {
    if (!leaves.has(n.statePath)) leaves.set(n.statePath, n.functionName);
    if (!leaves.has(key(n.statePath, n.when))) leaves.set(key(n.statePath, n.when), n.functionName);
  }
  for (const s of scan.slots) {
    if (!slotLeaves.has(s.statePath)) slotLeaves.set(s.statePath, s.leaf);
    if (!slotLeaves.has(key(s.statePath, s.when))) slotLeaves.set(key(s.statePath, s.when), s.leaf);
  }
  // The template path of a text definition's pieces is the same for all its states: one array, shared.
  // (Only its last key varies, and only for an Fn::Join, by piece.)
  const pieces = new Map<string | number, (string | number)[]>();
  return (statePath, when) =>
    locate(
      model,
      value,
      path,
      slotLeaves.get(key(statePath, when)) ?? leaves.get(key(statePath, when)) ?? slotLeaves.get(statePath) ?? leaves.get(statePath),
      statePath,
      pieces,
    );
}

function locate(
  model: DefinitionModel,
  value: Json | undefined,
  path: (string | number)[],
  leaf: StrNode | undefined,
  statePath: string,
  pieces: Map<string | number, (string | number)[]>,
): ValueLocation | undefined {
  if (leaf?.loc.kind === 'value') return { path: path.concat(leaf.loc.path) };
  if (leaf?.loc.kind === 'text' && model.form !== 'object') return textLocation(model, value, path, leaf.loc.start, pieces);
  if (model.form === 'object') return { path: [...path, ...statePathKeys(model.value, statePath)] };
  return undefined;
}

/** Flat-text offset `flat` of a text definition, through its segments back to the piece of the template. */
function textLocation(
  model: Extract<DefinitionModel, { segments: unknown }>,
  value: Json | undefined,
  path: (string | number)[],
  flat: number,
  pieces: Map<string | number, (string | number)[]>,
): ValueLocation | undefined {
  const starts = model.flatStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= flat) lo = mid;
    else hi = mid - 1;
  }
  const seg = model.segments[lo];
  if (!seg) return undefined;
  const offset = seg.atomic ? seg.offset : seg.offset + (flat - starts[lo]);
  const source = model.source;
  // The path of a piece is the same for every location in it: made once and shared, keyed by its last key.
  let key: string | number;
  if (source.form === 'string') key = path[path.length - 1];
  else if (source.form === 'sub') key = source.vars ? 0 : SUB;
  else {
    // The pieces are the template's own only when the Join was read as written (not flattened).
    const join = getOwn(asObject(value), 'Fn::Join');
    if (!isArray(join) || join[1] !== source.pieces) return undefined;
    key = seg.piece;
  }
  let shared = pieces.get(key);
  if (shared === undefined) {
    if (source.form === 'string') shared = path;
    else if (source.form === 'sub') shared = source.vars ? [...path, SUB, 0] : [...path, SUB];
    else shared = [...path, 'Fn::Join', 1, seg.piece];
    pieces.set(key, shared);
  }
  return { path: shared, offset };
}

/** The keys of `statePath` (`States.Fan.Branches[0].States.Work`) in a Definition object; state names may hold dots. */
function statePathKeys(definition: unknown, statePath: string): (string | number)[] {
  const keys: (string | number)[] = [];
  let machine: unknown = definition;
  let rest = statePath;
  while (rest.startsWith('States.') && isObject(machine)) {
    rest = rest.slice('States.'.length);
    const states = getOwn(machine, 'States');
    if (!isObject(states)) break;
    const name = keysOf(states)
      .filter((k) => rest === k || rest.startsWith(`${k}.`))
      .sort((a, b) => b.length - a.length)[0];
    if (name === undefined) break;
    keys.push('States', name);
    rest = rest.slice(name.length);
    if (rest === '') break;
    const state = getOwn(states, name);
    const branch = /^\.Branches\[(\d+)\]\./.exec(rest);
    const sub = /^\.(Iterator|ItemProcessor)\./.exec(rest);
    if (branch) {
      const branches = getOwn(asObject(state), 'Branches');
      keys.push('Branches', Number(branch[1]));
      machine = isArray(branches) ? branches[Number(branch[1])] : undefined;
      rest = rest.slice(branch[0].length);
    } else if (sub) {
      keys.push(sub[1]);
      machine = getOwn(asObject(state), sub[1]);
      rest = rest.slice(sub[0].length);
    } else break;
  }
  return keys;
}
