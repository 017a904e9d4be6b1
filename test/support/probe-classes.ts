/**
 * The probe classes of test/support/probes.ts with one size knob each, roughly proportional to the
 * template's bytes: what the benchmark-style test scales by 8 to check that time and memory grow
 * like the template (linear), not like its square.
 */
import { deepObject, deepTasks, deepText, joinDelimiter, longName, sharedVariable, substitutionsScan, wideTasks, wildcardPolicy } from './probes';

/* eslint-disable @typescript-eslint/no-explicit-any */
export const PROBE_CLASSES: Record<string, (size: number) => Record<string, any> | string> = {
  /** Pieces joined by a 100-byte delimiter (the definition text is about 10 times the template, whatever its size). */
  'join-delimiter': (n) => joinDelimiter(100, n),
  /** `${` openers closed only at the end, with DefinitionSubstitutions. */
  substitutions: (n) => substitutionsScan(n),
  /** Parallel states nested in a Definition object. */
  'deep-object': (n) => deepObject(n),
  /** Parallel states nested in an Fn::Sub definition. */
  'deep-sub': (n) => deepText(n, 'sub'),
  /** A rewritten task at each nested level. */
  'deep-tasks': (n) => deepTasks(n),
  /** The length of one state's name. */
  'long-name': (n) => longName(n),
  /** A function name of n characters against a pattern of n/2 stars and a run of n/2 characters. */
  wildcard: (n) => wildcardPolicy(n, n >> 1, n >> 1),
  /** Tasks using one Fn::Sub variable of 30,000 characters. */
  'shared-variable': (n) => sharedVariable(n, 30_000),
  /** Tasks in a row. */
  'wide-tasks': (n) => wideTasks(n),
};
