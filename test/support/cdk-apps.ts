/**
 * CDK v2 apps synthesized IN-PROCESS (no `cdk` CLI, no docker, no asset bundling: inline Lambda code only),
 * used as realistic macro inputs. Every stack declares `Transform: WarmStepFunctions`.
 *
 * Each `synth*()` builds a fresh `App` whose outdir is a throw-away temp dir (removed afterwards), so nothing is
 * written into the repository, and returns the synthesized CloudFormation template as a plain JSON object.
 * Output is deterministic: inline code gives stable Version logical-ID hashes, and an in-process App adds neither
 * `aws:cdk:path` metadata nor the `CDKMetadata` resource (the CLI turns those on, not the library).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';

/** A synthesized CloudFormation template (JSON). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CfnTemplate = Record<string, any>;

export type CdkAppName = 'synthInvokeForms' | 'synthVersionTarget' | 'synthAlreadyWarm' | 'synthSnapStart' | 'synthDurable';

export interface CdkAppSpec {
  /** Name of the exported synth function. */
  readonly name: CdkAppName;
  /** CloudFormation stack name of the single stack in the app. */
  readonly stackName: string;
  /** One line, for test titles. */
  readonly description: string;
  readonly synth: () => CfnTemplate;
}

export const TRANSFORM_NAME = 'WarmStepFunctions';

/** Logical-ID-free identifiers that tests may look up (construct ids; CDK appends hashes to logical IDs). */
export const INVOKE_FORMS = {
  stackName: 'WsfCdkInvokeForms',
  aliasName: 'live',
  provisionedConcurrency: 2,
  /** State names in the definition. */
  states: {
    default: 'InvokeDefault', // JSONPath, arn:aws:states:::lambda:invoke + Parameters.FunctionName
    payloadOnly: 'InvokePayloadOnly', // JSONPath, payloadResponseOnly: Resource is the function ARN itself
    jsonata: 'InvokeJsonata', // JSONata, arn:aws:states:::lambda:invoke + Arguments.FunctionName
    map: 'FanOut',
    inMap: 'InvokeInMap',
    parallel: 'BothBranches',
    inParallelDefault: 'InvokeInParallel',
    inParallelPayloadOnly: 'InvokeInParallelPayloadOnly',
    sdkCall: 'DescribeWarmFunction', // aws-sdk:lambda:getFunction — must NOT be rewritten
    pass: 'CarryArn', // Pass with the ARN in Result — must NOT be rewritten
    cold: 'InvokeCold', // function without provisioned concurrency
  },
} as const;

export const VERSION_TARGET = {
  stackName: 'WsfCdkVersionTarget',
  provisionedConcurrency: 1,
  states: { invoke: 'InvokeVersioned' },
} as const;

export const ALREADY_WARM = {
  stackName: 'WsfCdkAlreadyWarm',
  aliasName: 'live',
  provisionedConcurrency: 2,
  states: { invoke: 'InvokeAlias' },
} as const;

export const SNAPSTART = {
  stackName: 'WsfCdkSnapStart',
  aliasName: 'live',
  states: { invoke: 'Quote' },
} as const;

export const DURABLE = {
  stackName: 'WsfCdkDurable',
  states: { invoke: 'RunSaga' },
} as const;

const HANDLER_CODE = 'exports.handler = async (event) => ({ ok: true, event });';

function inlineFunction(scope: Stack, id: string, props: Partial<lambda.FunctionProps> = {}): lambda.Function {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline(HANDLER_CODE),
    ...props,
  });
}

function stateMachine(scope: Stack, definition: sfn.IChainable): sfn.StateMachine {
  return new sfn.StateMachine(scope, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
  });
}

/** Builds the app with a throw-away outdir, synthesizes the one stack, removes the outdir. */
function synthesize(stackName: string, build: (stack: Stack) => void): CfnTemplate {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsf-cdk-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, stackName);
    stack.addTransform(TRANSFORM_NAME);
    build(stack);
    return Template.fromStack(stack).toJSON();
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * One warm function (alias `live`, provisioned concurrency 2, on `fn.currentVersion`) invoked in every form CDK
 * can emit, plus non-invocation references to it that the macro must leave alone, plus a cold function.
 */
export function synthInvokeForms(): CfnTemplate {
  return synthesize(INVOKE_FORMS.stackName, (stack) => {
    const S = INVOKE_FORMS.states;
    const warm = inlineFunction(stack, 'WarmFn');
    new lambda.Alias(stack, 'WarmFnLive', {
      aliasName: INVOKE_FORMS.aliasName,
      version: warm.currentVersion,
      provisionedConcurrentExecutions: INVOKE_FORMS.provisionedConcurrency,
    });
    const cold = inlineFunction(stack, 'ColdFn');

    const invokeDefault = new tasks.LambdaInvoke(stack, S.default, {
      lambdaFunction: warm,
      resultPath: '$.default',
    });
    const invokePayloadOnly = new tasks.LambdaInvoke(stack, S.payloadOnly, {
      lambdaFunction: warm,
      payloadResponseOnly: true,
      resultPath: '$.payloadOnly',
    });
    const invokeJsonata = tasks.LambdaInvoke.jsonata(stack, S.jsonata, {
      lambdaFunction: warm,
      outputs: '{% $states.input %}',
    });
    const map = new sfn.Map(stack, S.map, {
      itemsPath: sfn.JsonPath.stringAt('$.items'),
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(new tasks.LambdaInvoke(stack, S.inMap, { lambdaFunction: warm }));
    const parallel = new sfn.Parallel(stack, S.parallel, { resultPath: sfn.JsonPath.DISCARD })
      .branch(new tasks.LambdaInvoke(stack, S.inParallelDefault, { lambdaFunction: warm }))
      .branch(new tasks.LambdaInvoke(stack, S.inParallelPayloadOnly, { lambdaFunction: warm, payloadResponseOnly: true }));
    const sdkCall = new tasks.CallAwsService(stack, S.sdkCall, {
      service: 'lambda',
      action: 'getFunction',
      parameters: { FunctionName: warm.functionArn },
      iamResources: [warm.functionArn],
      resultPath: '$.described',
    });
    const pass = new sfn.Pass(stack, S.pass, {
      result: sfn.Result.fromObject({ fn: warm.functionArn }),
      resultPath: '$.carried',
    });
    const invokeCold = new tasks.LambdaInvoke(stack, S.cold, { lambdaFunction: cold, resultPath: '$.cold' });

    stateMachine(stack, invokeDefault.next(invokePayloadOnly).next(invokeJsonata).next(map).next(parallel).next(sdkCall).next(pass).next(invokeCold));
  });
}

/** Provisioned concurrency on a `lambda.Version` (no alias); the task invokes the unqualified function. */
export function synthVersionTarget(): CfnTemplate {
  return synthesize(VERSION_TARGET.stackName, (stack) => {
    const fn = inlineFunction(stack, 'VersionedFn', {
      currentVersionOptions: { provisionedConcurrentExecutions: VERSION_TARGET.provisionedConcurrency },
    });
    // Accessing currentVersion materialises the AWS::Lambda::Version (logical ID carries a code hash).
    void fn.currentVersion;
    stateMachine(stack, new tasks.LambdaInvoke(stack, VERSION_TARGET.states.invoke, { lambdaFunction: fn }));
  });
}

/** The task already targets the alias object (`lambdaFunction: alias`): the macro must leave it as it is. */
export function synthAlreadyWarm(): CfnTemplate {
  return synthesize(ALREADY_WARM.stackName, (stack) => {
    const fn = inlineFunction(stack, 'AliasedFn');
    const alias = new lambda.Alias(stack, 'AliasedFnLive', {
      aliasName: ALREADY_WARM.aliasName,
      version: fn.currentVersion,
      provisionedConcurrentExecutions: ALREADY_WARM.provisionedConcurrency,
    });
    stateMachine(stack, new tasks.LambdaInvoke(stack, ALREADY_WARM.states.invoke, { lambdaFunction: alias }));
  });
}

/**
 * SnapStart on a Python function (`snapStart: SnapStartConf.ON_PUBLISHED_VERSIONS`), with an Alias on
 * `fn.currentVersion` (no provisioned concurrency); the task invokes the unqualified function.
 */
export function synthSnapStart(): CfnTemplate {
  return synthesize(SNAPSTART.stackName, (stack) => {
    const fn = new lambda.Function(stack, 'QuoteFn', {
      runtime: lambda.Runtime.PYTHON_3_12,
      handler: 'index.handler',
      code: lambda.Code.fromInline('def handler(event, context):\n    return event\n'),
      snapStart: lambda.SnapStartConf.ON_PUBLISHED_VERSIONS,
    });
    new lambda.Alias(stack, 'QuoteFnLive', { aliasName: SNAPSTART.aliasName, version: fn.currentVersion });
    stateMachine(stack, new tasks.LambdaInvoke(stack, SNAPSTART.states.invoke, { lambdaFunction: fn }));
  });
}

/**
 * A durable function (`durableConfig`) whose `currentVersion` is published, no alias; the task invokes the
 * unqualified function, which Lambda rejects for a durable function.
 */
export function synthDurable(): CfnTemplate {
  return synthesize(DURABLE.stackName, (stack) => {
    const fn = inlineFunction(stack, 'SagaFn', { durableConfig: { executionTimeout: Duration.hours(1) } });
    void fn.currentVersion;
    stateMachine(stack, new tasks.LambdaInvoke(stack, DURABLE.states.invoke, { lambdaFunction: fn }));
  });
}

export const CDK_APPS: readonly CdkAppSpec[] = [
  {
    name: 'synthSnapStart',
    stackName: SNAPSTART.stackName,
    description: 'SnapStart on published versions, an Alias on currentVersion without provisioned concurrency',
    synth: synthSnapStart,
  },
  {
    name: 'synthDurable',
    stackName: DURABLE.stackName,
    description: 'a durable function with its currentVersion and no alias, invoked through the unqualified function',
    synth: synthDurable,
  },
  {
    name: 'synthInvokeForms',
    stackName: INVOKE_FORMS.stackName,
    description: 'warm alias fn via LambdaInvoke default/payloadResponseOnly/JSONata, in Map and Parallel, plus SDK call, Pass ARN and a cold fn',
    synth: synthInvokeForms,
  },
  {
    name: 'synthVersionTarget',
    stackName: VERSION_TARGET.stackName,
    description: 'provisioned concurrency on a Version (no alias), invoked through the unqualified function',
    synth: synthVersionTarget,
  },
  {
    name: 'synthAlreadyWarm',
    stackName: ALREADY_WARM.stackName,
    description: 'LambdaInvoke already targets the provisioned alias; must be left unchanged',
    synth: synthAlreadyWarm,
  },
];
