/**
 * Step 7 of the pipeline: write the definition back in the form it came in.
 *
 * Each edit replaces the content of one JSON string of the definition. In order of preference:
 * 1. When the string is exactly one `${var}` of an Fn::Sub variable map or of
 *    DefinitionSubstitutions, and every use of that variable is an invocation that gets the same
 *    new value, the variable's value changes and the text stays as it is.
 * 2. Otherwise the string's text changes in place: in Fn::Sub as `${Target}` (or a new variable
 *    for values that cannot be inlined, such as Fn::If), in Fn::Join as spliced pieces, in a plain
 *    string as a new DefinitionSubstitutions key, in a Definition object as the new value.
 * A shared variable (one use is an invocation, another is data) is therefore split: only the
 * invocation moves to the new value.
 */
import { escapeSubText, inlineSubReference, type SubToken, tokenizeSub } from '../../cfn/sub';
import { asObject, copyMap, getOwn, hasOwn, isObject, jsonEqual, setOwn, type Editor, type Path, isArray, jsonText, keysOf, isString } from '../../cfn/json';
import type { Edit } from './edit';
import type { Json, JsonObject } from '../../types';
import { bindingKey, lastAtOrBefore, type DefinitionModel, type Pos, type TextSource } from './read';
import { JOIN, SUB } from '../../cfn/intrinsics';
import { RESOURCES, PROPERTIES } from '../template/read';

export interface WriteContext {
  editor: Editor;
  /** Names that new variables must not shadow (resource logical IDs, parameters), listed on first need. */
  reserved: Iterable<string>;
}

/** The variable an edit replaces whole (its string is exactly one `${var}`). */
function wholeKey(e: Edit): string | undefined {
  const leaf = e.slot.leaf;
  return leaf.parts.length === 1 && leaf.holes.length === 1 ? bindingKey(leaf.holes[0].binding) : undefined;
}

/**
 * Writes the edits into the definition (`at`: the branch of an Fn::If under the property that holds it).
 * `all`: the edits of every branch of that Fn::If. A DefinitionSubstitutions key serves them all, so its
 * value changes only when every use in every branch gets that value.
 */
export function writeDefinition(model: DefinitionModel, edits: Edit[], ctx: WriteContext, at: Path = [], all = edits): void {
  if (edits.length === 0) return;
  const { editor } = ctx;
  const propsPath = [RESOURCES, model.stateMachine, PROPERTIES];
  const valuePath = [...propsPath, model.property, ...at];
  const subsPath = [...propsPath, 'DefinitionSubstitutions'];
  const rest: Edit[] = [];

  // 1. Whole-variable edits.
  const byBinding = new Map<string, Edit[]>();
  // (forEach, here and below: a definition may have thousands of edits, and for-of makes an object per step until optimized.)
  edits.forEach((e) => {
    const key = wholeKey(e);
    // (Pushed, not copied: a variable may be used by thousands of tasks.)
    if (key === undefined) rest.push(e);
    else if (byBinding.has(key)) byBinding.get(key)?.push(e);
    else byBinding.set(key, [e]);
  });
  const subVarChanges = new Map<string, Json>();
  for (const [key, group] of byBinding) {
    const every = all !== edits && key.startsWith('substitution:') ? all.filter((e) => wholeKey(e) === key) : group;
    const whole = model.uses.get(key) === every.length && every.every((e) => jsonEqual(e.value, group[0].value));
    if (!whole) {
      rest.push(...group);
      continue;
    }
    const name = key.slice(key.indexOf(':') + 1);
    if (key.startsWith('substitution:')) editor.set([...subsPath, name], group[0].value);
    else subVarChanges.set(name, group[0].value);
  }

  // Variables whose every use is replaced in place would be left unused: remove them.
  const replaced = new Map<string, number>();
  rest.forEach((e) => {
    // (A loop: a callback here would be a closure made for every edit.)
    const holes = e.slot.leaf.holes;
    for (let k = 0; k < holes.length; k++) {
      const key = bindingKey(holes[k].binding);
      if (key) replaced.set(key, (replaced.get(key) ?? 0) + 1);
    }
  });
  // (Keys are `sub-var:name` or `substitution:name`: see bindingKey.)
  const deadSubVars = new Set<string>();
  const deadSubstitutions: string[] = [];
  replaced.forEach((n, key) => {
    if (model.uses.get(key) !== n) return;
    const name = key.slice(key.indexOf(':') + 1);
    if (key.startsWith('sub-var:')) deadSubVars.add(name);
    else deadSubstitutions.push(name);
  });
  if (deadSubstitutions.length) {
    for (const name of deadSubstitutions) editor.remove([...subsPath, name]);
    const left = editor.get(subsPath);
    if (isObject(left) && keysOf(left).length === 0) editor.remove(subsPath);
  }

  // 2. In-place text edits.
  if (model.form === 'object') {
    setValues(editor, valuePath, rest);
    return;
  }
  const names = new NameAllocator(ctx.reserved, model);
  const replacements = rest
    .map((e) => {
      const loc = e.slot.leaf.loc;
      if (loc.kind !== 'text') throw new Error('internal: a text definition with a non-text slot');
      return { from: toSource(model, loc.start, 'start'), to: toSource(model, loc.end, 'end'), value: e.value, hint: e.target?.id };
    })
    .sort((a, b) => comparePos(b.from, a.from));

  const source = model.source;
  let newValue: Json;
  if (source.form === 'sub') newValue = writeSub(source, replacements, subVarChanges, names, deadSubVars);
  else if (source.form === 'join') newValue = writeJoin(source, replacements);
  else {
    // The keys in DefinitionSubstitutions now (another branch of an Fn::If may have added some).
    const current = (): JsonObject => asObject(editor.get(subsPath));
    newValue = writeString(source, replacements, names, current, (key, value) => {
      if (!isObject(editor.get(subsPath))) editor.set(subsPath, {});
      editor.set([...subsPath, key], value);
    });
  }
  editor.set(valuePath, newValue);
}

/**
 * Sets each edit's value at its path in the Definition object at `base`, as `editor.set` would, but
 * walking from the definition, not from the template's root, for each edit: each container on the
 * way is copied once (the definition's own copy is the editor's), and everything else is shared.
 */
function setValues(editor: Editor, base: Path, edits: Edit[]): void {
  let root: JsonObject | Json[] | undefined;
  const copied = new Set<object>();
  edits.forEach((e) => {
    const loc = e.slot.leaf.loc;
    if (loc.kind !== 'value') return;
    root ??= editor.writable(base);
    let node: JsonObject | Json[] | undefined = root;
    const path = loc.path;
    for (let k = 0; k < path.length - 1 && node !== undefined; k++) node = writableChild(node, path[k], copied);
    const key = path[path.length - 1];
    if (node === undefined || path.length === 0) {
      // Not a path through containers: the Editor's own walk (which makes a missing map, or fails).
      // It copies again what was copied here, so later edits start from its copies.
      editor.set([...base, ...path], e.value);
      copied.clear();
    } else if (isArray(node)) node[key as number] = e.value;
    else setOwn(node, key as string, e.value);
  });
}

/**
 * The container at `key` of `node`, copied once (as the Editor does); undefined where there is none
 * (a value that is no container: the caller leaves that case to the Editor, which reports it).
 */
function writableChild(node: JsonObject | Json[], key: string | number, copied: Set<object>): JsonObject | Json[] | undefined {
  const child = isArray(node) ? node[key as number] : getOwn(node, key as string);
  if (typeof child !== 'object' || child === null) return undefined;
  if (copied.has(child)) return child;
  // (copyMap, not a spread, which is twice as slow on a map of thousands of keys: a large States map.)
  const copy = isArray(child) ? child.slice() : copyMap(child);
  copied.add(copy);
  if (isArray(node)) node[key as number] = copy;
  else setOwn(node, key as string, copy);
  return copy;
}

interface Replacement {
  from: Pos;
  to: Pos;
  value: Json;
  /** What a new variable or substitution for the value is named after (the target's logical ID). */
  hint?: string;
}

/** Maps an offset of the flat text to a position in the source. */
function toSource(model: DefinitionModel & { segments: unknown }, flat: number, side: 'start' | 'end'): Pos {
  if (model.form === 'object') throw new Error('internal');
  const { segments, flatStarts } = model;
  // The segment that contains the character at `flat` (start) or at `flat - 1` (end).
  const lo = lastAtOrBefore(flatStarts, side === 'start' ? flat : flat - 1);
  const seg = segments[lo];
  if (seg.atomic) return side === 'start' ? { piece: seg.piece, offset: seg.offset } : { piece: seg.endPiece, offset: seg.endOffset };
  return { piece: seg.piece, offset: seg.offset + (flat - flatStarts[lo]) };
}

function comparePos(a: Pos, b: Pos): number {
  return a.piece - b.piece || a.offset - b.offset;
}

/**
 * `text` with each replacement's range replaced by `insert(r)`. `reps` are in descending order (so
 * `insert` is called in that order); the result is assembled once, not re-copied per replacement.
 */
function splice(text: string, reps: Replacement[], insert: (r: Replacement) => string): string {
  const chunks: string[] = [];
  let end = text.length;
  reps.forEach((r) => {
    if (r.to.offset > end) throw new Error('internal: overlapping replacements');
    chunks.push(text.slice(r.to.offset, end), insert(r));
    end = r.from.offset;
  });
  chunks.push(text.slice(0, end));
  return chunks.reverse().join('');
}

function writeSub(
  source: Extract<TextSource, { form: 'sub' }>,
  reps: Replacement[],
  varChanges: Map<string, Json>,
  names: NameAllocator,
  dead: Set<string>,
): Json {
  const vars: JsonObject = source.vars ? { ...source.vars } : {};
  for (const name of dead) delete vars[name];
  for (const [name, value] of varChanges) setOwn(vars, name, value);
  const template = splice(source.template, reps, (r) => {
    let text: string;
    if (isString(r.value)) text = escapeSubText(r.value);
    else {
      text = inlineSubReference(r.value) ?? inlineSubText(r.value, vars) ?? '';
      if (!text) {
        const name = names.forValue(r.value, vars, r.hint);
        setOwn(vars, name, r.value);
        text = `\${${name}}`;
      }
    }
    return text;
  });
  return keysOf(vars).length > 0 || source.vars ? { 'Fn::Sub': [template, vars] } : { 'Fn::Sub': template };
}

function writeString(
  source: Extract<TextSource, { form: 'string' }>,
  reps: Replacement[],
  names: NameAllocator,
  current: () => JsonObject,
  addSubstitution: (key: string, value: Json) => void,
): Json {
  return splice(source.text, reps, (r) => {
    if (isString(r.value)) return r.value;
    const key = names.forValue(r.value, current(), r.hint);
    addSubstitution(key, r.value);
    return `\${${key}}`;
  });
}

function writeJoin(source: Extract<TextSource, { form: 'join' }>, reps: Replacement[]): Json {
  const pieces = source.pieces.slice();
  const before = (p: Json, offset: number): Json[] => (isString(p) ? (offset > 0 ? [p.slice(0, offset)] : []) : offset > 0 ? [p] : []);
  const after = (p: Json, offset: number): Json[] => (isString(p) ? (offset < p.length ? [p.slice(offset)] : []) : offset === 0 ? [p] : []);
  // With a delimiter, a piece that changes inside becomes one nested `Fn::Join ""`: gather all the
  // edits of each such piece first, so that the piece is cut once, from its original text.
  const inside = new Map<number, Replacement[]>();
  const rest: Replacement[] = [];
  for (const r of reps) {
    const p = pieces[r.from.piece];
    const wholeIntrinsic = r.from.piece === r.to.piece && !isString(p) && r.from.offset === 0 && r.to.offset === 1;
    if (source.delimiter !== '' && r.from.piece === r.to.piece && isString(p) && !wholeIntrinsic) {
      inside.set(r.from.piece, [...(inside.get(r.from.piece) ?? []), r]);
    } else rest.push(r);
  }
  for (const [index, list] of inside) {
    const text = pieces[index] as string;
    const out: Json[] = [];
    let at = 0;
    for (const r of [...list].sort((a, b) => a.from.offset - b.from.offset)) {
      if (r.from.offset > at) out.push(text.slice(at, r.from.offset));
      out.push(r.value);
      at = r.to.offset;
    }
    if (at < text.length) out.push(text.slice(at));
    pieces[index] = { [JOIN]: ['', mergeStrings(out)] };
  }
  // The rest (sorted from the end): whole intrinsic pieces, or splices when the delimiter is "".
  for (const r of rest) {
    const head = before(pieces[r.from.piece], r.from.offset);
    const tail = after(pieces[r.to.piece], r.to.offset);
    let replacement: Json[];
    if (r.from.piece === r.to.piece && !isString(pieces[r.from.piece]) && head.length === 0 && tail.length === 0) replacement = [r.value];
    else if (source.delimiter === '') replacement = [...head, r.value, ...tail];
    else replacement = [{ [JOIN]: ['', mergeStrings([...head, r.value, ...tail])] }];
    pieces.splice(r.from.piece, r.to.piece - r.from.piece + 1, ...mergeStrings(replacement));
  }
  return { [JOIN]: [source.delimiter, pieces] };
}

function mergeStrings(list: Json[]): Json[] {
  const out: Json[] = [];
  for (const v of list) {
    if (isString(v) && isString(out[out.length - 1])) out[out.length - 1] = (out[out.length - 1] as string) + v;
    else out.push(v);
  }
  return out;
}

/** New variable / substitution names: readable, stable, never shadowing anything. */
class NameAllocator {
  #used: Set<string> | undefined;
  readonly #byValue = new Map<string, string>();
  readonly #reserved: Iterable<string>;
  readonly #model: DefinitionModel;

  constructor(reserved: Iterable<string>, model: DefinitionModel) {
    this.#reserved = reserved;
    this.#model = model;
  }

  /** Names in use; computed on the first request (most definitions never need a new name). */
  #names(): Set<string> {
    if (this.#used) return this.#used;
    this.#used = new Set<string>();
    const reserved = this.#reserved;
    const model = this.#model;
    for (const r of reserved) this.#used.add(r);
    if (model.substitutions) for (const k of keysOf(model.substitutions)) this.#used.add(k);
    if (model.form !== 'object') {
      const src = model.source;
      if (src.form === 'sub') {
        if (src.vars) for (const k of keysOf(src.vars)) this.#used.add(k);
      }
      const text = src.form === 'sub' ? src.template : src.form === 'string' ? src.text : src.pieces.filter((p) => isString(p)).join('');
      for (const t of tokenizeSub(text, () => true, 'substitutions')) if (t.kind === 'var') this.#used.add(t.name.replace(/^!/, ''));
    }
    return this.#used;
  }

  forValue(value: Json, existing: JsonObject, hint?: string): string {
    const key = jsonText(value);
    const known = this.#byValue.get(key);
    if (known && hasOwn(existing, known) && jsonEqual(getOwn(existing, known), value)) return known;
    if (known && !hasOwn(existing, known)) return known;
    const base = `WarmStepFunctions${baseName(value, hint)}`;
    let name = base;
    const used = this.#names();
    // A key of `existing` not in use here was added by another branch of the same Fn::If: for this value, they share it.
    for (let n = 2; used.has(name) || (hasOwn(existing, name) && !jsonEqual(existing[name], value)); n++) name = `${base}${n}`;
    used.add(name);
    this.#byValue.set(key, name);
    return name;
  }
}

function baseName(value: Json, hint?: string): string {
  const ids: string[] = [];
  const stack: Json[] = [value];
  while (stack.length && ids.length === 0) {
    const v = stack.pop();
    if (isObject(v)) {
      const ref = getOwn(v, 'Ref');
      if (isString(ref)) ids.push(ref);
      else for (const k of keysOf(v)) stack.push(v[k]);
    } else if (isArray(v)) for (let k = v.length - 1; k >= 0; k--) stack.push(v[k]);
  }
  return (ids[0] ?? hint ?? 'Target').replace(/[^A-Za-z0-9]/g, '');
}

/**
 * The template text of an `Fn::Sub` string that holds only text and pseudo parameters (a literal
 * ARN, `arn:${AWS::Partition}:lambda:…`), to be written inline in another Fn::Sub; undefined when
 * it holds anything else, or a name that the variable map would capture.
 */
function inlineSubText(value: Json, vars: JsonObject): string | undefined {
  const sub = getOwn(value, SUB);
  if (!isString(sub) || !isObject(value) || keysOf(value).length !== 1) return undefined;
  let tokens: SubToken[];
  try {
    tokens = tokenizeSub(sub);
  } catch {
    return undefined;
  }
  const pseudo = tokens.every((t) => t.kind === 'text' || (t.kind === 'ref' && t.name.startsWith('AWS::') && !hasOwn(vars, t.name)));
  return pseudo ? sub : undefined;
}
