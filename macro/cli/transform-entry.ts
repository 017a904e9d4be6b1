/**
 * The template's `Transform` section as the CLI sees it: a string, a list, or `{Name, Parameters}`
 * (and lists of either). CloudFormation runs a macro only where `Transform` names it, hands it the
 * template without `Transform`, and keeps the other transforms in their order.
 */
import { getOwn, hasOwn, isObject, setOwn } from '../cfn/json';
import { MACRO_NAME, type Json, type JsonObject } from '../types';

export interface TransformEntry {
  /** Whether the template lists the macro. */
  listed: boolean;
  /** Its Parameters, when given as `{Name, Parameters}`. */
  parameters: JsonObject;
  /** The Transform value without the macro's entry; undefined when nothing remains. */
  remaining: Json | undefined;
}

export function readTransform(template: JsonObject, name = MACRO_NAME): TransformEntry {
  const value = getOwn(template, 'Transform');
  const list: Json[] = value === undefined ? [] : Array.isArray(value) ? value : [value];
  let listed = false;
  let parameters: JsonObject = {};
  const others: Json[] = [];
  for (const item of list) {
    const itemName = typeof item === 'string' ? item : isObject(item) ? getOwn(item, 'Name') : undefined;
    if (itemName === name && !listed) {
      listed = true;
      const p = isObject(item) ? getOwn(item, 'Parameters') : undefined;
      if (isObject(p)) parameters = p;
    } else others.push(item);
  }
  let remaining: Json | undefined;
  if (others.length > 0) remaining = Array.isArray(value) ? others : others[0];
  return { listed, parameters, remaining };
}

/** The template without `Transform` (what CloudFormation sends a macro as the fragment). */
export function withoutTransform(template: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(template)) if (k !== 'Transform') setOwn(out, k, template[k]);
  return out;
}

/** Puts `transform` back where `Transform` stood in `original`'s key order. */
export function restoreTransform(original: JsonObject, output: JsonObject, transform: Json | undefined): JsonObject {
  const out: JsonObject = {};
  const put = (k: string, v: Json): void => setOwn(out, k, v);
  let placed = false;
  for (const k of Object.keys(original)) {
    if (k === 'Transform') {
      if (transform !== undefined) put(k, transform);
      placed = true;
    } else if (hasOwn(output, k)) put(k, output[k]);
  }
  for (const k of Object.keys(output)) if (!hasOwn(out, k)) put(k, output[k]);
  if (!placed && transform !== undefined) put('Transform', transform);
  return out;
}
