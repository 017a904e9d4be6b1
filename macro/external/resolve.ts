/**
 * ResolveExternal: finds warm aliases of functions outside the template through the Lambda API.
 * Not implemented yet (issue 6): the edge reports it as a failure rather than guessing.
 */
import { TransformError } from '../errors';
import type { TransformOptions } from '../types';

export async function resolveExternal(
  _fragment: unknown,
  _options: TransformOptions,
  _settings: { enabled: boolean },
): Promise<TransformOptions['external']> {
  throw new TransformError([{ path: 'Transform/WarmStepFunctions/Parameters/ResolveExternal', message: 'ResolveExternal is not available in this version of the macro' }]);
}
