/**
 * The Serverless Framework (v3) plugin: `plugins: [serverless-step-functions, warm-step-functions]`, with the
 * Transform parameters under `custom.warmStepFunctions`. It rewrites the compiled CloudFormation template
 * during `serverless package` (and `serverless deploy`, which packages first) through the same core as the macro.
 *
 * The hook, `aws:package:finalize:mergeCustomProviderResources`:
 * - serverless-step-functions adds its state machines and IAM role in `package:compileFunctions` and its events
 *   in `package:compileEvents`, both before `package:finalize`;
 * - the framework's AWS plugin merges the `resources:` section into the compiled template in its own hook on
 *   this same event, and the framework's internal plugins are loaded (and their hooks run) before any service
 *   plugin, so this plugin's hook runs right after the merge;
 * - serverless-plugin-split-stacks moves resources into nested stacks in `after:aws:package:finalize:mergeCustomProviderResources`,
 *   which runs after every hook of the event itself, whatever the order of `plugins:`: this plugin sees one template;
 * - the template is saved (`saveServiceState`) later in the same finalize lifecycle.
 */
import { TransformError } from '../errors';
import { MACRO_NAME, type TransformResult } from '../types';
import { decisionLine, runAtBuildTime } from './build-time';

/** The hook this plugin runs in (see above). */
export const SERVERLESS_HOOK = 'aws:package:finalize:mergeCustomProviderResources';

interface Logger {
  (text: string): void;
  error(text: string): void;
  warning(text: string): void;
  notice(text: string): void;
  info(text: string): void;
  verbose(text: string): void;
}

interface ServerlessLike {
  service: {
    custom?: Record<string, unknown>;
    provider: { compiledCloudFormationTemplate: Record<string, unknown>; region?: string };
  };
  getProvider(name: 'aws'): { getRegion(): string; getAccountId?(): Promise<string> };
  classes: { Error: new (message: string, code?: string) => Error };
  configSchemaHandler?: { defineCustomProperties(schema: unknown): void };
}

export interface PluginUtils {
  log: Logger;
}

const consoleLog: Logger = Object.assign((t: string) => console.log(t), {
  error: (t: string) => console.error(t),
  warning: (t: string) => console.warn(t),
  notice: (t: string) => console.log(t),
  info: (t: string) => console.log(t),
  verbose: () => {},
});

export default class WarmStepFunctionsPlugin {
  readonly hooks: Record<string, () => Promise<void>>;
  private readonly log: Logger;

  constructor(
    private readonly serverless: ServerlessLike,
    _options: unknown = {},
    utils?: PluginUtils,
  ) {
    this.log = utils?.log ?? consoleLog;
    serverless.configSchemaHandler?.defineCustomProperties({
      type: 'object',
      properties: { warmStepFunctions: { type: 'object' } },
    });
    this.hooks = { [SERVERLESS_HOOK]: () => this.rewrite() };
  }

  /** Rewrites `provider.compiledCloudFormationTemplate` in place. */
  async rewrite(): Promise<void> {
    const provider = this.serverless.service.provider;
    const template = provider.compiledCloudFormationTemplate;
    const params = this.serverless.service.custom?.warmStepFunctions;
    const region = this.serverless.getProvider('aws').getRegion();
    const resources = Object.keys((template.Resources as object | undefined) ?? {}).length;
    this.log.verbose(`${MACRO_NAME}: reading the compiled template (${resources} resources)`);
    let result: TransformResult;
    try {
      result = await runAtBuildTime(template, params, { region });
    } catch (e) {
      if (e instanceof TransformError) {
        for (const p of e.problems) this.log.error(`${MACRO_NAME}: ${p.path}: ${p.message}`);
        throw new this.serverless.classes.Error(`${MACRO_NAME}: ${e.message}`, 'WARM_STEP_FUNCTIONS');
      }
      throw e;
    }
    for (const d of result.report.decisions) {
      const line = `${MACRO_NAME}: ${decisionLine(d)}`;
      if (d.action === 'warning' || d.action === 'cold') this.log.warning(line);
      else if (d.action === 'unchanged') this.log.verbose(line);
      else this.log.info(line);
    }
    const s = result.report.summary;
    this.log.notice(
      `${MACRO_NAME}: ${s.rewritten} invocation(s) rewritten in ${s.modifiedStateMachines} of ${s.stateMachines} state machine(s) (mode ${result.report.mode})`,
    );
    const out = result.fragment as Record<string, unknown>;
    if (out !== template) {
      for (const k of Object.keys(template)) delete template[k];
      Object.assign(template, out);
    }
  }
}
