/**
 * Does a raw definition value mention a warm function? Used only when a definition cannot be
 * read: the macro fails for state machines that touch warm functions (it cannot prove they are
 * warm) and only warns for the others.
 */
import { tokenizeSub } from './intrinsics/sub';
import { isObject } from './json';
import { getAttPair, refName, type TemplateIndex } from './template';
import type { WarmTargets } from './targets';
import type { Json } from './types';

export function touchesWarm(values: (Json | undefined)[], index: TemplateIndex, targets: WarmTargets): boolean {
  const warm = new Set(targets.functionsWithWarmth());
  if (warm.size === 0) return false;
  const names: string[] = [];
  for (const [name, id] of index.functionsByName) if (warm.has(id)) names.push(name);
  const hit = (id: string | undefined): boolean => id !== undefined && (warm.has(id) || warm.has(targets.functionOfQualifier(id) ?? ''));
  const stack: (Json | undefined)[] = [...values];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (names.some((n) => v.includes(n) && new RegExp(`(^|[^A-Za-z0-9_-])${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_-])`).test(v))) return true;
      if (v.includes('${')) {
        for (const t of tokenizeSub(v, () => true, 'substitutions')) {
          if (t.kind === 'var' && hit(t.name.split('.')[0])) return true;
        }
      }
    } else if (Array.isArray(v)) stack.push(...v);
    else if (isObject(v)) {
      if (hit(refName(v)) || hit(getAttPair(v)?.[0])) return true;
      for (const k of Object.keys(v)) stack.push(v[k]);
    }
  }
  return false;
}
