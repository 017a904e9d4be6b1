/**
 * Example consumer project for the WarmStepFunctions macro: a CDK v2 app.
 *
 * One "warm" Lambda function (alias `live` with provisioned concurrency) and a state machine that invokes it
 * through the unqualified function. The template-level `Transform: WarmStepFunctions` makes CloudFormation run
 * the macro, which points the state machine at the `live` alias so invocations use the provisioned concurrency.
 *
 * The generated template is checked in as compiled.json; regenerate it in-process (no cdk CLI, no network)
 * from the repository root with:
 *
 *   npx esbuild template/examples/cdk/synth.ts --bundle --platform=node --packages=external --log-level=warning | node
 *
 * With the cdk CLI and ts-node available, `cdk synth` in this directory also works (see cdk.json).
 */
import { App, Stack, type StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

export const STACK_NAME = 'WarmStepFunctionsCdkExample';

export class WarmExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.addTransform('WarmStepFunctions');

    const fn = new lambda.Function(this, 'Worker', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (event) => ({ ok: true, event });'),
    });
    new lambda.Alias(this, 'WorkerLive', {
      aliasName: 'live',
      version: fn.currentVersion,
      provisionedConcurrentExecutions: 2,
    });

    new sfn.StateMachine(this, 'Workflow', {
      definitionBody: sfn.DefinitionBody.fromChainable(
        // Targets the unqualified function; the macro rewrites it to the `live` alias.
        new tasks.LambdaInvoke(this, 'DoWork', { lambdaFunction: fn }),
      ),
    });
  }
}

/** Builds the app; `outdir` is where the cloud assembly goes (the CLI passes it via CDK_OUTDIR). */
export function buildApp(outdir?: string): { app: App; stack: WarmExampleStack } {
  const app = new App(outdir ? { outdir } : {});
  const stack = new WarmExampleStack(app, STACK_NAME);
  return { app, stack };
}

// Entry point for the cdk CLI (which sets CDK_OUTDIR); importing this module from synth.ts or tests does nothing.
if (process.env.CDK_OUTDIR) {
  buildApp().app.synth();
}
