/**
 * Which functions ResolveExternal would look up: the literal Lambda ARNs or names in invocation
 * slots that name no function in the template (unqualified or `$LATEST`), as the core reports them.
 * No AWS SDK here, so the handler can answer "not enabled" without loading it.
 */
import { TransformError } from '../errors';
import { transform } from '../transform';
import type { ExternalLookup, TransformOptions } from '../types';

export function externalCandidates(fragment: unknown, options: TransformOptions): string[] {
  try {
    const { report } = transform(fragment, { ...options, mode: 'report', external: undefined });
    return [...new Set(report.decisions.map((d) => d.external).filter((a): a is string => a !== undefined))].sort();
  } catch (e) {
    if (e instanceof TransformError) return []; // the real run reports the same problem
    throw e;
  }
}

export const NOT_ENABLED =
  'ResolveExternal is not enabled in this deployment of the macro (deploy it with resolveExternal=true, which grants the read-only Lambda permissions)';

/** Every candidate answered with "not enabled". */
export function notEnabled(fragment: unknown, options: TransformOptions): Record<string, ExternalLookup> {
  const out: Record<string, ExternalLookup> = {};
  for (const arn of externalCandidates(fragment, options)) out[arn] = { status: 'error', message: NOT_ENABLED };
  return out;
}
