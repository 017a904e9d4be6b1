/**
 * Does an Allow statement for `lambda:InvokeFunction` already cover a target? Exact, `:*`,
 * trailing `*`, `*`, SAM's LambdaInvokePolicy (`function:NAME*`); statements with a Condition and
 * Deny statements never count.
 */
import { getOwn, isObject, jsonEqual, type Editor, isArray, isString } from '../../cfn/json';
import type { Json } from '../../types';
import { type Path, type PolicyDoc, STATEMENT, LAMBDA_INVOKE_POLICY, RESOURCE } from './types';
import { wildcard, type ArnRenderer } from './render';
import { asList } from './evaluate';
import { intrinsicName, IF, NO_VALUE } from '../../cfn/intrinsics';
import { FUNCTION_NAME } from '../template/read';

/** A resource of an Allow statement for lambda:InvokeFunction, and its rendered pattern. */
export type Granted = readonly [resource: Json, pattern: string | undefined];

export class Coverage {
  readonly #editor: Editor;
  readonly #arns: ArnRenderer;

  constructor(editor: Editor, arns: ArnRenderer) {
    this.#editor = editor;
    this.#arns = arns;
  }

  /**
   * What the statements of `docs` grant, rendered once for the many targets judged against them (while they do
   * not change): the Allow statements findStatement reads too, without their paths, read where they are, for every state machine.
   */
  granted(docs: PolicyDoc[]): Granted[] {
    const out: Granted[] = [];
    for (const d of docs) {
      if (d.label.endsWith(LAMBDA_INVOKE_POLICY)) continue; // a SAM policy template, judged in covered()
      const st = getOwn(this.#editor.get(d.path), STATEMENT);
      if (isArray(st)) for (const s of st) this.#grantedBy(s, out);
      else if (st !== undefined) this.#grantedBy(st, out);
    }
    return out;
  }

  #grantedBy(s: Json, out: Granted[]): void {
    if (!grantsInvoke(s)) return;
    const resource = getOwn(s, RESOURCE);
    if (!isArray(resource)) {
      if (resource !== undefined) out.push([resource, this.#arns.render(resource)]);
      return;
    }
    for (const r of resource) if (r !== undefined) out.push([r, this.#arns.render(r)]);
  }

  covered(docs: PolicyDoc[], target: Json, granted: Granted[] = this.granted(docs)): boolean {
    // The intrinsic named once (naming it lists the target's keys).
    const fn = intrinsicName(target);
    if (fn === 'Ref' && (target as { Ref: Json }).Ref === NO_VALUE) return true;
    if (fn === IF) {
      // A guarded grant is covered when an equal statement exists or every branch is covered.
      if (granted.some(([r]) => jsonEqual(r, target))) return true;
      const arg = (target as { [IF]: Json[] })[IF];
      return isArray(arg) && arg.length === 3 && this.covered(docs, arg[1], granted) && this.covered(docs, arg[2], granted);
    }
    const want = this.#arns.render(target);
    for (const d of docs) {
      if (d.label.endsWith(LAMBDA_INVOKE_POLICY)) {
        const fnName = getOwn(this.#editor.get(d.path), FUNCTION_NAME);
        const name = fnName === undefined ? undefined : this.#arns.render(fnName);
        if (want !== undefined && name !== undefined && wildcard(`${this.#arns.fnArnPrefix()}${name}*`, want)) return true;
      }
    }
    // Each pair read by index (destructuring it would step an iterator for every granted resource and target).
    for (const g of granted) {
      const pattern = g[1];
      // Equal values render alike (render reads nothing but the value): a different text rules out an equal value.
      if (pattern === want && jsonEqual(g[0], target)) return true;
      if (pattern !== undefined && want !== undefined && wildcard(pattern, want)) return true;
    }
    return false;
  }

  /**
   * The statement that grants the function itself (new targets join it), as a path: only one whose
   * actions are exactly the invoke actions (`lambda:InvokeFunction`, and `lambda:InvokeAsync`), so
   * that a new resource in it allows nothing but invoking. A broader statement (`*`, `lambda:*`, a
   * list with `lambda:UpdateAlias`) is left alone: the new target gets a statement of its own.
   */
  findStatement(docs: PolicyDoc[], fnArn: Json): Path | undefined {
    const want = this.#arns.render(fnArn);
    for (const d of docs) {
      if (d.label.endsWith(LAMBDA_INVOKE_POLICY)) continue; // a SAM policy template, judged in covered()
      const st = getOwn(this.#editor.get(d.path), STATEMENT);
      const list = asList(st);
      for (let k = 0; k < list.length; k++) {
        const s = list[k];
        if (!grantsInvoke(s) || !invokeOnly(getOwn(s, 'Action'))) continue;
        // The function's ARN, or a value that renders as it does (an equal value does: render reads nothing but the value).
        if (asList(getOwn(s, RESOURCE)).some((r) => r !== undefined && (want !== undefined ? this.#arns.render(r) === want : jsonEqual(r, fnArn))))
          return isArray(st) ? [...d.path, STATEMENT, k] : [...d.path, STATEMENT];
      }
    }
    return undefined;
  }
}

/** Is a statement an Allow of lambda:InvokeFunction (or a wildcard that matches it) without a Condition? */
function grantsInvoke(s: Json): boolean {
  if (!isObject(s) || getOwn(s, 'Effect') !== 'Allow' || getOwn(s, 'Condition') !== undefined) return false;
  const actions = getOwn(s, 'Action');
  return asList(actions).some((a) => isString(a) && wildcard(a.toLowerCase(), 'lambda:invokefunction'));
}

const INVOKE_ACTIONS = new Set(['lambda:invokefunction', 'lambda:invokeasync']);

/** Is an Action exactly the invoke actions: `lambda:InvokeFunction`, with `lambda:InvokeAsync` or not (any case)? */
export function invokeOnly(action: Json | undefined): boolean {
  const names = asList(action).map((a) => (isString(a) ? a.toLowerCase() : undefined));
  return names.includes('lambda:invokefunction') && names.every((a) => a !== undefined && INVOKE_ACTIONS.has(a));
}
