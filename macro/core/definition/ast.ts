/**
 * The definition as the macro sees it: an ASL JSON tree whose string leaves are sequences of
 * parts (text and holes) and remember where they came from, so that a rewrite can edit the
 * template in place, in the form it came in.
 */
import type { Part } from '../../cfn/parts';
import type { Json } from '../../types';
import { isString } from '../../cfn/json';

export type Node = ObjNode | ArrNode | StrNode | ScalarNode | IfNode;

export interface ObjNode {
  kind: 'obj';
  /** Keys in order; a Map keeps `__proto__` and `constructor` as data. */
  entries: Map<string, Node>;
}
export interface ArrNode {
  kind: 'arr';
  items: Node[];
}
/** A string (or a string-valued intrinsic in a `Definition` object). */
export interface StrNode {
  kind: 'str';
  parts: Part[];
  /** Provenance of each hole in `parts`, by position among the holes. */
  holes: HoleSource[];
  loc: Loc;
}
/** Numbers, booleans, null, and holes that stand outside any JSON string. */
export interface ScalarNode {
  kind: 'scalar';
  /** A hole outside any JSON string (`"Parameters": ${Params}`): its value, filled in at deploy time. */
  hole?: { value: Json; binding: Binding };
}

/**
 * `Fn::If [Condition, A, B]` in a `Definition` object (or inside `Fn::ToJsonString`) where a state,
 * a `States` map, a `Parameters` object, a branch… is expected: CloudFormation picks one branch at
 * deploy time. A branch that is `Ref AWS::NoValue` is undefined.
 */
export interface IfNode {
  kind: 'if';
  condition: string;
  /** The value when the condition is true, then when it is false. */
  branches: [Node | undefined, Node | undefined];
}

/** A condition known to hold (or not) where a node sits: the Fn::If branches above it. */
export interface When {
  condition: string;
  value: boolean;
}

/**
 * Each alternative a node may be once CloudFormation resolves the `Fn::If`s at its top, with the
 * conditions that choose it (`Ref AWS::NoValue` branches are left out).
 */
export function alternatives(node: Node | undefined, when: readonly When[] = []): { node: Node; when: readonly When[] }[] {
  // Most nodes are no Fn::If: no copy (the `when` lists are never mutated, only extended into new ones).
  if (node === undefined) return [];
  if (node.kind !== 'if') return [{ node, when }];
  const out: { node: Node; when: readonly When[] }[] = [];
  const stack: { node: Node | undefined; when: readonly When[] }[] = [{ node, when }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { node: n, when: w } = top;
    if (n === undefined) continue;
    if (n.kind !== 'if') {
      out.push({ node: n, when: w });
      continue;
    }
    const known = w.find((c) => c.condition === n.condition);
    // Inside a branch that already fixes this condition, only the matching branch can be chosen.
    if (known) stack.push({ node: n.branches[known.value ? 0 : 1], when: w });
    else {
      stack.push({ node: n.branches[1], when: [...w, { condition: n.condition, value: false }] });
      stack.push({ node: n.branches[0], when: [...w, { condition: n.condition, value: true }] });
    }
  }
  return out;
}

/** Where a hole's value is bound in the template. */
export type Binding =
  /** `${name}` bound in an `Fn::Sub` variable map. */
  | { kind: 'sub-var'; name: string }
  /** `${name}` bound in DefinitionSubstitutions. */
  | { kind: 'substitution'; name: string }
  /** A Ref/GetAtt written inline in Fn::Sub (`${Fn.Arn}`), a Join piece, or a value in a Definition object. */
  | { kind: 'inline' };

export interface HoleSource {
  binding: Binding;
}

/** Where a string leaf sits. */
export type Loc =
  /** Inside a definition text (DefinitionString): the content between the quotes, as offsets in the flat text. */
  | { kind: 'text'; start: number; end: number }
  /** A whole value of a `Definition` object, by its path from the Definition. */
  | { kind: 'value'; path: (string | number)[] }
  /** A key, or a leaf the macro never edits. */
  | { kind: 'none' };

/** The location of a leaf the macro never places a rewrite in, shared. */
export const NO_LOC: Loc = Object.freeze({ kind: 'none' });

export function get(node: Node | undefined, key: string): Node | undefined {
  return node?.kind === 'obj' ? node.entries.get(key) : undefined;
}

/** Plain text of a string node without holes, else undefined. */
export function textOf(node: Node | undefined): string | undefined {
  if (node?.kind !== 'str') return undefined;
  if (node.parts.length === 0) return '';
  return node.parts.length === 1 && isString(node.parts[0]) ? node.parts[0] : undefined;
}
