/**
 * The macro's Transform parameters (`Transform: [{Name: WarmStepFunctions, Parameters: {...}}]`,
 * sent by CloudFormation in the event's `params`; the CLI sets them with `--param Key=Value`).
 */
import { TransformError } from '../errors';
import { isObject, isArray, jsonText, keysOf, isString } from '../cfn/json';
import { parseReasons, REASONS } from './targets/reasons';
import { PARAMETERS_PATH, type Mode, type TransformOptions } from '../types';

export const MODES: readonly Mode[] = ['rewrite', 'report', 'strict'];

export const ACCEPTED = [
  'AliasName (string): the alias to use when a function has several aliases with provisioned concurrency',
  'StateMachines (list of logical IDs, or a comma-separated string): process only these',
  'Exclude (list of logical IDs, or a comma-separated string): skip these',
  `Mode (one of ${MODES.join(', ')}): rewrite (default), report (change nothing), strict (also fail on cold or unresolvable invocations)`,
  'ResolveExternal (true or false): look up functions outside the template through the Lambda API',
  "ExternalAccounts (list of 12-digit account IDs, or a comma-separated string): other accounts whose functions ResolveExternal may look up (default: only the stack's own account)",
  `Reasons (list, or a comma-separated string, of ${REASONS.join(', ')}; default all): why a function needs a published target; Durable and ManagedInstances stay on unless turned off by name with a leading '-' (-Durable)`,
];

export interface MacroParams extends Pick<TransformOptions, 'aliasName' | 'stateMachines' | 'exclude' | 'mode' | 'reasons'> {
  resolveExternal: boolean;
  /** Accounts besides the stack's own whose functions ResolveExternal may look up (ExternalAccounts). */
  externalAccounts?: string[];
}

export function parseParams(params: unknown): MacroParams {
  const out: MacroParams = { resolveExternal: false };
  if (params === undefined || params === null) return out;
  const problems: string[] = [];
  let unknown = false;
  if (!isObject(params)) {
    problems.push(`the Transform parameters must be a map, got ${jsonText(params)}`);
  } else {
    for (const key of keysOf(params)) {
      const v = params[key];
      switch (key) {
        case 'AliasName':
          if (isString(v) && v.length > 0) out.aliasName = v;
          else problems.push(`AliasName must be a non-empty string, got ${jsonText(v)}`);
          break;
        case 'StateMachines':
        case 'Exclude': {
          const list = idList(v);
          if (list && list.length === 0) problems.push(`${key} is empty; omit it to process every state machine`);
          else if (list) out[key === 'Exclude' ? 'exclude' : 'stateMachines'] = list;
          else problems.push(`${key} must be a list of logical IDs (or a comma-separated string), got ${jsonText(v)}`);
          break;
        }
        case 'Mode':
          if (isString(v) && (MODES as string[]).includes(v)) out.mode = v as Mode;
          else problems.push(`Mode must be one of ${MODES.join(', ')}; got ${jsonText(v)}`);
          break;
        case 'ResolveExternal':
          if (v === true || v === 'true') out.resolveExternal = true;
          else if (v === false || v === 'false') out.resolveExternal = false;
          else problems.push(`ResolveExternal must be true or false, got ${jsonText(v)}`);
          break;
        case 'ExternalAccounts': {
          const list = idList(v);
          const bad = list?.filter((a) => !/^\d{12}$/.test(a));
          if (!list || list.length === 0 || (bad && bad.length > 0)) {
            problems.push(`ExternalAccounts must be a list of 12-digit AWS account IDs (or a comma-separated string), got ${jsonText(v)}`);
          } else out.externalAccounts = [...new Set(list)];
          break;
        }
        case 'Reasons': {
          const list = idList(v);
          const parsed = list?.length ? parseReasons(list) : undefined;
          if (!parsed) problems.push(`Reasons must be a non-empty list of ${REASONS.join(', ')} (or a comma-separated string), got ${jsonText(v)}`);
          else if ('problems' in parsed) problems.push(...parsed.problems);
          else out.reasons = REASONS.filter((r) => parsed.enabled.has(r));
          break;
        }
        default:
          problems.push(`unknown parameter ${jsonText(key)}`);
          unknown = true;
      }
    }
  }
  if (problems.length) {
    // The full list of accepted parameters only where it helps: after an unknown or malformed map.
    const accepted = unknown || !isObject(params) ? ` Accepted parameters: ${ACCEPTED.join('; ')}.` : '';
    throw new TransformError([{ path: PARAMETERS_PATH, message: `${problems.join('; ')}.${accepted}` }]);
  }
  return out;
}

function idList(v: unknown): string[] | undefined {
  if (isString(v))
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (isArray(v) && v.every((x) => isString(x) && x.length > 0)) return v as string[];
  return undefined;
}
