/**
 * The first warm function a raw definition value mentions (its logical ID), if any. Used only when
 * a definition cannot be read: the macro fails for state machines that mention warm functions (it
 * cannot prove their invocations are warm) and only warns for the others.
 */
import { tokenizeSub } from '../../cfn/sub';
import { isObject, isArray, keysOf, isString } from '../../cfn/json';
import type { TemplateIndex } from '../template/read';
import type { WarmTargets } from '../targets/find';
import type { Json } from '../../types';
import { getAttPair, refName } from '../../cfn/intrinsics';

export function touchesWarm(values: (Json | undefined)[], index: TemplateIndex, targets: WarmTargets): string | undefined {
  const warm = new Set(targets.functionsWithWarmth());
  if (warm.size === 0) return undefined;
  const names: [string, string][] = [];
  for (const [name, id] of index.functionsByName) if (warm.has(id)) names.push([name, id]);
  const hit = (id: string | undefined): string | undefined => {
    if (id === undefined) return undefined;
    if (warm.has(id)) return id;
    const owner = targets.functionOfQualifier(id);
    return owner !== undefined && warm.has(owner) ? owner : undefined;
  };
  const stack: (Json | undefined)[] = [...values];
  while (stack.length) {
    const v = stack.pop();
    if (isString(v)) {
      const named = names.find(([n]) => v.includes(n) && new RegExp(`(^|[^A-Za-z0-9_-])${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_-])`).test(v));
      if (named) return named[1];
      if (v.includes('${')) {
        for (const t of tokenizeSub(v, () => true, 'substitutions')) {
          const fn = t.kind === 'var' ? hit(t.name.split('.')[0]) : undefined;
          if (fn) return fn;
        }
      }
    } else if (isArray(v)) {
      // Not push(...v): a list of a few hundred thousand items would overflow the call stack.
      for (const x of v) stack.push(x);
    } else if (isObject(v)) {
      const fn = hit(refName(v)) ?? hit(getAttPair(v)?.[0]);
      if (fn) return fn;
      for (const k of keysOf(v)) stack.push(v[k]);
    }
  }
  return undefined;
}
