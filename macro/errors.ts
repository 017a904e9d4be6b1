/**
 * Errors that carry where they happened.
 *
 * The core never stops at the first problem: it collects every `Problem` and throws one
 * `TransformError` whose message lists them all, in the style of SAM's translator
 * ("Resource with id [X] is invalid. ...").
 */

import type { Needs } from './types';

export interface Problem {
  /** Logical ID of the resource, when the problem belongs to one. */
  logicalId?: string;
  /** Template path, e.g. `Resources/Flow/Properties/DefinitionString`. */
  path: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  const where = p.logicalId ? `Resource with id [${p.logicalId}] is invalid. ` : '';
  return `${where}${p.path}: ${p.message}`;
}

export class TransformError extends Error {
  override readonly name = 'TransformError';
  /**
   * What the run would need fetched (see `Needs` in types.ts), when the core got far enough to
   * know: an edge fetches it and runs again, as after a successful run.
   */
  readonly needs?: Needs;
  constructor(
    readonly problems: Problem[],
    options?: { cause?: unknown; needs?: Needs },
  ) {
    super(TransformError.describe(problems), options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.needs) this.needs = options.needs;
  }

  static describe(problems: Problem[]): string {
    if (problems.length === 1) return formatProblem(problems[0]);
    const lines = problems.map((p, i) => `[${i + 1}] ${formatProblem(p)}`);
    return `Invalid template: ${problems.length} problems. ${lines.join(' ')}`;
  }
}

/** A problem found while reading one value; converted into a `Problem` by whoever knows the path. */
export class ReadError extends Error {
  override readonly name = 'ReadError';
}
