/**
 * CDK v2 apps for the realistic cases, synthesized in-process (inline code only). Writes
 * test/realistic/cdk_<name>.json for each app. Run: node scripts/run-ts.mjs test/realistic/cdk/apps.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, ArnFormat, Aspects, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';

void Aspects;
const CODE = 'exports.handler = async (event) => ({ ok: true, event });';
const fnOf = (s: Stack, id: string, props: Partial<lambda.FunctionProps> = {}) =>
  new lambda.Function(s, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline(CODE), ...props });

function synth(name: string, build: (s: Stack) => void) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-cdk-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, `Rt${name.replace(/(^|_)(\w)/g, (_m, _a, c) => c.toUpperCase())}`);
    stack.addTransform('WarmStepFunctions');
    build(stack);
    const out = path.join(__dirname.includes('run-ts') ? process.cwd() : __dirname, 'test', 'realistic', `cdk_${name}.json`);
    fs.writeFileSync(out, `${JSON.stringify(Template.fromStack(stack).toJSON(), null, 1)}\n`);
    console.log('wrote', out);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

// 1. LambdaInvoke with the (deprecated) qualifier prop naming the warm alias: already warm.
synth('qualifier_alias', (s) => {
  const fn = fnOf(s, 'Scorer');
  fn.addAlias('live', { provisionedConcurrentExecutions: 2 });
  new sfn.StateMachine(s, 'Flow', {
    definitionBody: sfn.DefinitionBody.fromChainable(new tasks.LambdaInvoke(s, 'Score', { lambdaFunction: fn, qualifier: 'live' })),
  });
});

// 2. A permissions boundary applied to the whole stack by PermissionsBoundary.of(stack).apply(...): the
// boundary allows invoking the function's unqualified ARN.
synth('boundary_aspect', (s) => {
  // The boundary applies to the function's own service role too: it names the function by a fixed name.
  const fn = fnOf(s, 'Scorer', { functionName: 'rt-scorer' });
  const scorerArn = s.formatArn({ service: 'lambda', resource: 'function', resourceName: 'rt-scorer', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  fn.addAlias('live', { provisionedConcurrentExecutions: 2 });
  const boundary = new iam.ManagedPolicy(s, 'Boundary', {
    statements: [
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [scorerArn] }),
      new iam.PolicyStatement({ actions: ['logs:*', 'xray:*', 'states:*'], resources: ['*'] }),
    ],
  });
  iam.PermissionsBoundary.of(s).apply(boundary);
  new sfn.StateMachine(s, 'Flow', {
    definitionBody: sfn.DefinitionBody.fromChainable(new tasks.LambdaInvoke(s, 'Score', { lambdaFunction: fn, payloadResponseOnly: true })),
  });
});

// 3. A Deny guardrail added to the state machine's role: nothing but this function, unqualified.
synth('deny_guardrail', (s) => {
  const fn = fnOf(s, 'Scorer');
  fn.addAlias('live', { provisionedConcurrentExecutions: 2 });
  const flow = new sfn.StateMachine(s, 'Flow', {
    definitionBody: sfn.DefinitionBody.fromChainable(new tasks.LambdaInvoke(s, 'Score', { lambdaFunction: fn })),
  });
  flow.addToRolePolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['lambda:InvokeFunction'], notResources: [fn.functionArn] }));
});

// 4. A custom role given to the state machine, a CustomState calling lambda:invoke with the function name, and
// the grant written by hand on the unqualified ARN.
synth('custom_state_role', (s) => {
  const fn = fnOf(s, 'Scorer');
  new lambda.Alias(s, 'ScorerLive', { aliasName: 'live', version: fn.currentVersion, provisionedConcurrentExecutions: 1 });
  const role = new iam.Role(s, 'FlowRole', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
  const raw = new sfn.CustomState(s, 'Score', {
    stateJson: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: fn.functionName, 'Payload.$': '$' } },
  });
  new sfn.StateMachine(s, 'Flow', { role, definitionBody: sfn.DefinitionBody.fromChainable(raw) });
});

// 5. SnapStart (Java) with currentVersion and an Alias without provisioned concurrency.
synth('snapstart_alias', (s) => {
  const fn = new lambda.Function(s, 'Pricer', {
    runtime: lambda.Runtime.JAVA_21,
    handler: 'com.example.Pricer::handleRequest',
    code: lambda.Code.fromBucket(s3.Bucket.fromBucketName(s, 'Artifacts', 'artifacts'), 'pricer.jar'),
    snapStart: lambda.SnapStartConf.ON_PUBLISHED_VERSIONS,
  });
  new lambda.Alias(s, 'PricerProd', { aliasName: 'prod', version: fn.currentVersion });
  new sfn.StateMachine(s, 'Flow', {
    definitionBody: sfn.DefinitionBody.fromChainable(new tasks.LambdaInvoke(s, 'Price', { lambdaFunction: fn })),
  });
});

// 6. A durable function with durableConfig, no version; DefinitionBody.fromString with definitionSubstitutions.
synth('durable_substitutions', (s) => {
  const fn = fnOf(s, 'Saga', { durableConfig: { executionTimeout: Duration.minutes(30) } });
  const flow = new sfn.StateMachine(s, 'Flow', {
    definitionBody: sfn.DefinitionBody.fromString(
      JSON.stringify({
        StartAt: 'Saga',
        States: { Saga: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${SagaArn}', 'Payload.$': '$' }, End: true } },
      }),
    ),
    definitionSubstitutions: { SagaArn: fn.functionArn },
  });
  fn.grantInvoke(flow);
});

// 7. The task invokes an alias object, and grantInvoke is called on the alias only (no unqualified grant).
synth('alias_grant_invoke', (s) => {
  const fn = fnOf(s, 'Scorer');
  const alias = fn.addAlias('live', { provisionedConcurrentExecutions: 1 });
  const role = new iam.Role(s, 'FlowRole', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
  alias.grantInvoke(role);
  const raw = new sfn.CustomState(s, 'Score', { stateJson: { Type: 'Task', Resource: alias.functionArn, End: true } });
  new sfn.StateMachine(s, 'Flow', { role, definitionBody: sfn.DefinitionBody.fromChainable(raw) });
});
