/**
 * The core at build time: what the Serverless plugin and the CDK Aspect run, the same sequence as the
 * Lambda edge (`handler.ts`) without CloudFormation in between. Parse the parameters with `parseParams`,
 * run `transform`, and, when ResolveExternal is on and the run names functions outside the template,
 * look them up with the caller's AWS credentials and run once more. Definitions stored in S3 are not read
 * at build time: the core reports them as it does without them.
 */
import { TransformError } from '../errors';
import { parseParams } from '../core/params';
import { transform } from '../core/transform';
import type { Decision, TransformOptions, TransformResult } from '../types';

export interface BuildTimeContext {
  /** The deployment's Region and account, as CloudFormation would send them to the macro. */
  region?: string;
  accountId?: string;
}

/** One build-time run over `fragment` with the Transform parameters `params` (throws TransformError). */
export async function runAtBuildTime(fragment: unknown, params: unknown, context: BuildTimeContext): Promise<TransformResult> {
  const parsed = parseParams(params);
  const { resolveExternal, ...rest } = parsed;
  const options: TransformOptions = { ...rest, region: context.region, accountId: context.accountId };
  if (resolveExternal) {
    const needs = needsOf(fragment, options);
    if (needs.length > 0) {
      const { lookupExternal } = await import('../aws/lambda-aliases');
      options.external = await lookupExternal(needs, options, { externalAccounts: parsed.externalAccounts });
    }
  }
  return transform(fragment, options);
}

/** Same as `runAtBuildTime` without ResolveExternal: synchronous (what a CDK Aspect can call). */
export function runAtBuildTimeSync(fragment: unknown, params: unknown, context: BuildTimeContext): TransformResult {
  const parsed = parseParams(params);
  const { resolveExternal, ...rest } = parsed;
  if (resolveExternal) {
    throw new TransformError([
      {
        path: 'ResolveExternal',
        message:
          'ResolveExternal needs the Lambda API, which a synchronous build step (a CDK Aspect) cannot call; use the macro or the Serverless plugin for it',
      },
    ]);
  }
  return transform(fragment, { ...rest, region: context.region, accountId: context.accountId });
}

function needsOf(fragment: unknown, options: TransformOptions): string[] {
  try {
    return transform(fragment, options).report.needs.external;
  } catch (e) {
    if (e instanceof TransformError) return e.needs?.external ?? [];
    throw e;
  }
}

/** One line for a decision, for a build tool's log: the rendered text the core already made, never parsed. */
export function decisionLine(d: Decision): string {
  const where = [d.stateMachine, d.state].filter(Boolean).join('.');
  return `${d.action}${where ? ` ${where}` : ''}: ${d.reason}`;
}
