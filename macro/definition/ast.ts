/**
 * The definition as the macro sees it: an ASL JSON tree whose string leaves are sequences of
 * parts (text and holes) and remember where they came from, so that a rewrite can edit the
 * template in place, in the form it came in.
 */
import type { Part } from '../cfn/parts';

export type Node = ObjNode | ArrNode | StrNode | ScalarNode;

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

export function get(node: Node | undefined, key: string): Node | undefined {
  return node?.kind === 'obj' ? node.entries.get(key) : undefined;
}

/** Plain text of a string node without holes, else undefined. */
export function textOf(node: Node | undefined): string | undefined {
  if (node?.kind !== 'str') return undefined;
  if (node.parts.length === 0) return '';
  return node.parts.length === 1 && typeof node.parts[0] === 'string' ? node.parts[0] : undefined;
}
