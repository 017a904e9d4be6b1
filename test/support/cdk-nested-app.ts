/**
 * A CDK v2 app with a NestedStack, synthesized in-process (no `cdk` CLI): the input of the Aspect's tests.
 *
 * Parent stack `WsfNestedParent`: a cold function `ParentFn`, and the nested stack `Flows`.
 * Nested stack `Flows`: a warm function (currentVersion + Alias `live` with provisioned concurrency 2), a
 * LambdaInvoke on it, a LambdaInvoke on the parent's `ParentFn` (a cross-stack reference: a nested stack
 * parameter once synthesized), and `grantInvoke` of the warm function to the state machine's role.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Aspects, NestedStack, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { IAspect } from 'aws-cdk-lib';

const CODE = 'exports.handler = async (event) => ({ ok: true, event });';

export interface NestedSynth {
  parent: Record<string, any>;
  nested: Record<string, any>;
  /** Messages of the warning annotations, by construct path. */
  warnings: string[];
}

export function synthNestedApp(aspect?: IAspect, region = 'us-east-1', account = '123456789012'): NestedSynth {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsf-cdk-nested-'));
  try {
    const app = new App({ outdir });
    const parent = new Stack(app, 'WsfNestedParent', { env: { region, account } });
    const parentFn = new lambda.Function(parent, 'ParentFn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(CODE),
    });
    const nested = new NestedStack(parent, 'Flows');
    const warm = new lambda.Function(nested, 'WarmFn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline(CODE) });
    new lambda.Alias(nested, 'WarmFnLive', { aliasName: 'live', version: warm.currentVersion, provisionedConcurrentExecutions: 2 });
    const first = new tasks.LambdaInvoke(nested, 'InvokeWarm', { lambdaFunction: warm, resultPath: '$.warm' });
    const second = new tasks.LambdaInvoke(nested, 'InvokeParent', { lambdaFunction: parentFn, resultPath: '$.parent' });
    const machine = new sfn.StateMachine(nested, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(first.next(second)) });
    warm.grantInvoke(machine);
    if (aspect) Aspects.of(app).add(aspect);
    const assembly = app.synth();
    const artifact = assembly.getStackByName('WsfNestedParent');
    const nestedFile = fs.readdirSync(outdir).find((f) => f.endsWith('.nested.template.json'));
    if (!nestedFile) throw new Error(`no nested template in ${fs.readdirSync(outdir).join(', ')}`);
    const warnings = assembly.stacks.flatMap((s) => s.messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data)));
    return { parent: artifact.template, nested: JSON.parse(fs.readFileSync(path.join(outdir, nestedFile), 'utf8')), warnings };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
