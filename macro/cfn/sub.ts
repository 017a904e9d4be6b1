/**
 * The one Fn::Sub tokenizer of the project.
 *
 * CloudFormation's rules for an Fn::Sub template string:
 * - `${Name}`  is a variable: a key of the variable map when there is one with that name,
 *   otherwise a `Ref` (parameter, resource or pseudo parameter such as `AWS::Region`),
 *   or, when the name contains a dot, a `Fn::GetAtt` split at the first dot
 *   (`${Db.Endpoint.Address}` is `GetAtt [Db, Endpoint.Address]`).
 * - `${!Text}` is an escape: it stands for the literal `${Text}`.
 * - A `$` that does not open `${` is literal text; an unclosed `${` is an error, and so is a
 *   variable name with characters other than letters, digits, `_`, `.` and `:` (CloudFormation
 *   rejects those too) — in a JSON definition that is how a missing `}` usually shows.
 *
 * Step Functions' `DefinitionSubstitutions` use the same `${key}` syntax but only for the keys
 * of the substitution map; everything else stays literal. Mode `substitutions` implements that.
 *
 * Tokens keep their offsets in the source string so that callers can edit the source in place.
 */
import { ReadError } from '../errors';
import { formatCount, LimitError, LIMITS } from '../limits';
import { render } from '../messages';
import { isArray, keysOf, isString } from './json';

export type SubToken =
  /** Literal text; `text` equals the source slice. */
  | { kind: 'text'; text: string; start: number; end: number }
  /** `${!X}` in the source; `text` is the literal it yields, `${X}`. */
  | { kind: 'escape'; text: string; start: number; end: number }
  /** `${name}` bound in the variable map (or a DefinitionSubstitutions key). */
  | { kind: 'var'; name: string; start: number; end: number }
  | { kind: 'ref'; name: string; start: number; end: number }
  | { kind: 'getatt'; resource: string; attribute: string; start: number; end: number };

export type SubMode = 'cloudformation' | 'substitutions';

export function tokenizeSub(source: string, isVar: (name: string) => boolean = () => false, mode: SubMode = 'cloudformation'): SubToken[] {
  const tokens: SubToken[] = [];
  let textStart = 0;
  let i = source.indexOf('${');
  const flushText = (end: number): void => {
    if (end > textStart) tokens.push({ kind: 'text', text: source.slice(textStart, end), start: textStart, end });
  };
  // The `}` after the last `${`: every `${` before it closes there too (one search, not one per `${`).
  let close = -1;
  while (i !== -1) {
    if (tokens.length > LIMITS.subTokens) throw tooManyTokens();
    if (close < i + 2) close = source.indexOf('}', i + 2);
    if (close === -1) {
      if (mode === 'substitutions') break;
      throw new ReadError(`Fn::Sub has an unclosed '\${' at ${where(source, i)}: "${excerpt(source, i)}"; write '\${!' for a literal '\${'`);
    }
    if (mode === 'substitutions') {
      // A placeholder holds no `${` (Step Functions matches the innermost one): a `${` before the
      // `}` starts the next candidate, so that each character is looked at a bounded number of times.
      const next = source.indexOf('${', i + 2);
      if (next !== -1 && next < close) {
        i = next;
        continue;
      }
      const name = source.slice(i + 2, close);
      const known = isVar(name);
      if (known) {
        flushText(i);
        tokens.push({ kind: 'var', name, start: i, end: close + 1 });
        textStart = close + 1;
      }
      i = next;
      continue;
    }
    const name = source.slice(i + 2, close);
    flushText(i);
    if (name.startsWith('!')) {
      tokens.push({ kind: 'escape', text: `\${${name.slice(1)}}`, start: i, end: close + 1 });
    } else if (name.length === 0) {
      throw new ReadError(`Fn::Sub has an empty variable '\${}' at ${where(source, i)}`);
    } else if (isVar(name)) {
      tokens.push({ kind: 'var', name, start: i, end: close + 1 });
    } else if (!VARIABLE_NAME.test(name)) {
      throw new ReadError(
        `Fn::Sub has '\${${excerpt(name, 0)}}' at ${where(source, i)}, which is not a variable name (only letters, digits, _ . and : are allowed); is a '}' missing? Write '\${!' for a literal '\${'`,
      );
    } else {
      const dot = name.indexOf('.');
      if (dot > 0 && dot < name.length - 1) {
        tokens.push({ kind: 'getatt', resource: name.slice(0, dot), attribute: name.slice(dot + 1), start: i, end: close + 1 });
      } else {
        tokens.push({ kind: 'ref', name, start: i, end: close + 1 });
      }
    }
    textStart = close + 1;
    i = source.indexOf('${', textStart);
  }
  flushText(source.length);
  if (tokens.length > LIMITS.subTokens) throw tooManyTokens();
  return tokens;
}

function tooManyTokens(): LimitError {
  return new LimitError('subTokens', render('limit.subTokens', { limit: formatCount(LIMITS.subTokens) }));
}

/** Literal text written into an Fn::Sub template: `${` must become the escape `${!`. */
/**
 * Every `${…}` name of an Fn::Sub text, as tokenizeSub finds them, to `add` (a `${!…}` literal and a
 * `${AWS::…}` pseudo parameter left out), without tokens and without any check: a superset of the
 * references tokenizeSub reads (its variables and what it would reject are named too), for a reader
 * that only needs to know what a text may refer to, for every Fn::Sub of a template.
 */
export function forEachSubName(text: string, add: (name: string) => void): void {
  for (let i = text.indexOf('${'); i !== -1; ) {
    const close = text.indexOf('}', i + 2);
    if (close === -1) return;
    if (text.charCodeAt(i + 2) !== 33 && !text.startsWith('AWS::', i + 2)) add(text.slice(i + 2, close));
    i = text.indexOf('${', close + 1);
  }
}

export function escapeSubText(text: string): string {
  return text.split('${').join('${!');
}

/** The `${...}` form of a Ref or GetAtt, or undefined when the value cannot be inlined in Fn::Sub. */
export function inlineSubReference(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || isArray(value)) return undefined;
  const keys = keysOf(value);
  if (keys.length !== 1) return undefined;
  const v = (value as Record<string, unknown>)[keys[0]];
  if (keys[0] === 'Ref' && isString(v) && isPlainName(v, true)) return `\${${v}}`;
  if (keys[0] === 'Fn::GetAtt') {
    const pair = isArray(v) ? v : isString(v) ? splitGetAttString(v) : undefined;
    if (pair && pair.length === 2 && isString(pair[0]) && isString(pair[1]) && isPlainName(pair[0], false)) {
      return `\${${pair[0]}.${pair[1]}}`;
    }
  }
  return undefined;
}

/** `"Fn.Arn"` → `["Fn", "Arn"]` (the string form of Fn::GetAtt). */
export function splitGetAttString(s: string): [string, string] | undefined {
  const dot = s.indexOf('.');
  return dot > 0 && dot < s.length - 1 ? [s.slice(0, dot), s.slice(dot + 1)] : undefined;
}

function isPlainName(name: string, allowColons: boolean): boolean {
  return /^[A-Za-z0-9_]+$/.test(allowColons ? name.replace(/::/g, '') : name);
}

/** What CloudFormation accepts between `${` and `}`. */
const VARIABLE_NAME = /^[A-Za-z0-9_.:]+$/;

/** `line L, column C` of an offset, for messages about multi-line templates. */
function where(s: string, at: number): string {
  let line = 1;
  let col = 1;
  for (let k = 0; k < at; k++) {
    if (s.charCodeAt(k) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col} of the Fn::Sub text`;
}

function excerpt(s: string, at: number): string {
  const slice = s.slice(at, at + 40);
  return slice.length < s.length - at ? `${slice}…` : slice;
}
