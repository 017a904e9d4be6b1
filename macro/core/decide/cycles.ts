/**
 * Step 5b: no rewrite may close a circular dependency.
 *
 * Pointing a slot at a warm target makes the state machine depend on that target, wherever the
 * new value is written (the slot in the definition, the DefinitionSubstitutions key or the
 * Fn::Sub variable that feeds it: all are the state machine's own properties). When the target
 * depends on the state machine already (Serverless's provider `environment: {X: {Ref: Flow}}`,
 * or a role statement that grants `states:StartExecution` on it, makes
 * `Flow → Alias → Version → Function → Flow`), CloudFormation would reject the stack. Then the
 * target is written as its literal ARN, which refers to no resource; when it has none (a name
 * that is not a literal, a version), the slot stays as it is.
 */
import type { Dependencies, Unreaching } from '../template/dependencies';
import { formatValue } from '../../cfn/parts';
import { literalize } from '../targets/literal';
import type { Edit } from '../definition/edit';
import type { TemplateIndex } from '../template/read';
import type { Json } from '../../types';
import type { WarmTargets } from '../targets/find';

export type CheckedEdit =
  | { kind: 'ok'; edit: Edit }
  /** The edit, with the targets that would close `edit.cycle` written as literal ARNs. */
  | { kind: 'literal'; edit: Edit & { cycle: string[] } }
  /** No rewrite: `cycle` would be closed, and `why` there is no literal ARN. */
  | { kind: 'cycle'; cycle: string[]; why: string };

/**
 * What the checks of one state machine's slots share: the graph does not change between its slots,
 * which are written together, and many slots invoke the same functions (the search for each is made once).
 */
export interface EditMemo {
  /** The cycle each target would close (null: none). */
  cycles: Map<string, string[] | null>;
  /** Resources that do not reach the state machine (found by earlier searches): no search enters them again. */
  unreaching: Unreaching;
  /**
   * Values found to refer to no target that would close a circle: thousands of slots write the same few
   * values (one object per target), which are then not read again.
   */
  known: Set<Json>;
  /**
   * False when no rewrite can close a circle: no resource but a state machine mentions a state machine (see
   * template/mentions.ts), so no chain of dependencies leads from a Lambda target to one, and none is searched.
   */
  closable: boolean;
}

export function editMemo(closable = true): EditMemo {
  return { cycles: new Map(), unreaching: {}, known: new Set(), closable };
}

export function checkEdit(
  edit: Edit,
  stateMachine: string,
  deps: Dependencies,
  index: TemplateIndex,
  targets: WarmTargets,
  memo: EditMemo = editMemo(),
): CheckedEdit {
  if (!memo.closable) return { kind: 'ok', edit };
  const refs = memo.known.has(edit.value) ? [] : deps.references(edit.value);
  let cycle: string[] | undefined;
  let closing: Set<string> | undefined;
  // What the slot refers to already is the template's own: only the references the rewrite adds count. Read only
  // when one closes a circle (most slots invoke a function whose target closes none).
  let before: Set<string> | undefined;
  for (const r of refs) {
    let c = memo.cycles.get(r);
    if (c === undefined) {
      c = deps.cycle(stateMachine, [r], [], memo.unreaching) ?? null;
      memo.cycles.set(r, c);
    }
    if (!c) continue;
    if (!before) {
      before = new Set<string>();
      for (const p of edit.slot.leaf.parts) if (typeof p !== 'string') deps.references(p.hole, before);
    }
    if (before.has(r)) continue;
    closing ??= new Set<string>();
    closing.add(r);
    if (!cycle || c.length < cycle.length) cycle = c;
  }
  if (!cycle || !closing) {
    // Refers to nothing that closes a circle: the many slots that write the same value do not read it again.
    if (!before) memo.known.add(edit.value);
    return { kind: 'ok', edit };
  }
  const closes = closing;
  const literal = literalize(edit.value, (id) => closes.has(deps.resolve(id) ?? id), index, targets);
  if (!literal.ok) return { kind: 'cycle', cycle, why: literal.why };
  const left = [...deps.references(literal.value)].filter((r) => closes.has(r));
  if (left.length) return { kind: 'cycle', cycle, why: `${left.join(', ')} cannot be written as a literal ARN there` };
  return { kind: 'literal', edit: { ...edit, value: literal.value, to: formatValue(literal.value), cycle } };
}
