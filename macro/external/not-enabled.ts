/**
 * ResolveExternal when the deployment did not switch it on: every function the core's run needs
 * looked up (`report.needs.external`) is answered "not enabled". No AWS SDK here, so the handler
 * can answer without loading it.
 */
import type { ExternalLookup } from '../types';

export const NOT_ENABLED =
  'ResolveExternal is not enabled in this deployment of the macro (deploy it with resolveExternal=true, which grants the read-only Lambda permissions)';

/** Every ARN answered with "not enabled". */
export function notEnabled(arns: readonly string[]): Record<string, ExternalLookup> {
  const out: Record<string, ExternalLookup> = {};
  for (const arn of arns) out[arn] = { status: 'error', message: NOT_ENABLED };
  return out;
}
