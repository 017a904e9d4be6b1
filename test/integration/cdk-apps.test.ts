/**
 * Structural facts about the in-process CDK apps (test/support/cdk-apps.ts) that the macro tests rely on.
 * Set WSF_TIMINGS=1 to print synthesis timings.
 */
import {
  ALREADY_WARM,
  CDK_APPS,
  type CfnTemplate,
  INVOKE_FORMS,
  TRANSFORM_NAME,
  VERSION_TARGET,
  SNAPSTART,
  DURABLE,
  synthSnapStart,
  synthDurable,
  synthAlreadyWarm,
  synthInvokeForms,
  synthVersionTarget,
} from '../support/cdk-apps';
import { transform } from '../../macro/core/transform';

jest.setTimeout(120_000);

type Resource = { Type: string; Properties?: Record<string, any> };

function resourcesOfType(t: CfnTemplate, type: string): [string, Resource][] {
  return Object.entries(t.Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
}

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected exactly one ${what}, got ${items.length}`);
  return items[0];
}

/** The `Fn::Join` parts of the single state machine's DefinitionString. */
function definitionParts(t: CfnTemplate): unknown[] {
  const [, sm] = only(resourcesOfType(t, 'AWS::StepFunctions::StateMachine'), 'state machine');
  const def = sm.Properties!.DefinitionString;
  expect(Object.keys(def)).toEqual(['Fn::Join']);
  const [delimiter, parts] = def['Fn::Join'];
  expect(delimiter).toBe('');
  expect(Array.isArray(parts)).toBe(true);
  return parts;
}

/** Renders the Join into ASL with `${Ref}` / `${Id.Attr}` placeholders (Fn::Sub style) and parses it. */
function placeholderAsl(parts: unknown[]): any {
  const text = parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const o = p as Record<string, any>;
      if ('Ref' in o) return `\${${o.Ref}}`;
      if ('Fn::GetAtt' in o) return `\${${o['Fn::GetAtt'].join('.')}}`;
      throw new Error(`unexpected intrinsic in definition: ${JSON.stringify(p)}`);
    })
    .join('');
  return JSON.parse(text);
}

/** For each intrinsic part equal to `token`: the tail of the preceding string piece and the head of the following one. */
function contextsOf(parts: unknown[], token: unknown, width = 40): Array<[string, string]> {
  const json = JSON.stringify(token);
  const out: Array<[string, string]> = [];
  parts.forEach((p, i) => {
    if (typeof p !== 'string' && JSON.stringify(p) === json) {
      out.push([String(parts[i - 1]).slice(-width), String(parts[i + 1]).slice(0, width)]);
    }
  });
  return out;
}

function policyStatements(t: CfnTemplate): any[] {
  const [, policy] = only(resourcesOfType(t, 'AWS::IAM::Policy'), 'IAM policy');
  return policy.Properties!.PolicyDocument.Statement;
}

const PARTITION_INVOKE = 'arn:${AWS::Partition}:states:::lambda:invoke';

describe('in-process CDK apps', () => {
  const timings: string[] = [];
  afterAll(() => {
    if (process.env.WSF_TIMINGS) console.log(timings.join('\n'));
  });

  test.each(CDK_APPS.map((a) => [a.name, a] as const))('%s: declares the transform and is deterministic', (_n, app) => {
    let t0 = performance.now();
    const first = app.synth();
    timings.push(`${app.name} first: ${(performance.now() - t0).toFixed(0)} ms`);
    t0 = performance.now();
    const second = app.synth();
    timings.push(`${app.name} again: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(first.Transform).toBe(TRANSFORM_NAME);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(resourcesOfType(first, 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
    // In-process synthesis adds neither path metadata nor the CDKMetadata resource.
    expect(resourcesOfType(first, 'AWS::CDK::Metadata')).toHaveLength(0);
  });

  describe(`synthInvokeForms (${INVOKE_FORMS.stackName})`, () => {
    let t: CfnTemplate;
    let parts: unknown[];
    let asl: any;
    let warmId: string;
    let coldId: string;
    beforeAll(() => {
      t = synthInvokeForms();
      parts = definitionParts(t);
      asl = placeholderAsl(parts);
      const [, alias] = only(resourcesOfType(t, 'AWS::Lambda::Alias'), 'alias');
      warmId = alias.Properties!.FunctionName.Ref;
      coldId = only(
        resourcesOfType(t, 'AWS::Lambda::Function').filter(([id]) => id !== warmId),
        'cold function',
      )[0];
    });
    const S = INVOKE_FORMS.states;

    test('warm alias carries provisioned concurrency on the current version', () => {
      const [, alias] = only(resourcesOfType(t, 'AWS::Lambda::Alias'), 'alias');
      const [versionId, version] = only(resourcesOfType(t, 'AWS::Lambda::Version'), 'version');
      expect(alias.Properties).toEqual({
        FunctionName: { Ref: warmId },
        FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] },
        Name: INVOKE_FORMS.aliasName,
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: INVOKE_FORMS.provisionedConcurrency },
      });
      expect(version.Properties).toEqual({ FunctionName: { Ref: warmId } });
      expect(versionId).toMatch(/^WarmFnCurrentVersion[0-9A-F]{8}[0-9a-f]{32}$/);
    });

    test('default form: lambda:invoke integration, Parameters.FunctionName = GetAtt Arn', () => {
      expect(asl.States[S.default]).toMatchObject({
        Type: 'Task',
        Resource: PARTITION_INVOKE,
        Parameters: { FunctionName: `\${${warmId}.Arn}`, 'Payload.$': '$' },
      });
      expect(asl.States[S.default].QueryLanguage).toBeUndefined();
    });

    test('payloadResponseOnly form: Resource is the GetAtt Arn itself', () => {
      expect(asl.States[S.payloadOnly].Resource).toBe(`\${${warmId}.Arn}`);
      expect(asl.States[S.payloadOnly].Parameters).toBeUndefined();
    });

    test('JSONata form: lambda:invoke integration, Arguments.FunctionName = GetAtt Arn', () => {
      expect(asl.States[S.jsonata]).toMatchObject({
        QueryLanguage: 'JSONata',
        Resource: PARTITION_INVOKE,
        Arguments: { FunctionName: `\${${warmId}.Arn}`, Payload: '{% $states.input %}' },
      });
      expect(asl.States[S.jsonata].Parameters).toBeUndefined();
    });

    test('raw Join pieces around the warm GetAtt', () => {
      const ctx = contextsOf(parts, { 'Fn::GetAtt': [warmId, 'Arn'] });
      const before = ctx.map(([b]) => b);
      const after = ctx.map(([, a]) => a);
      // default + map + parallel default ; JSONata ; payloadOnly x2 ; SDK call ; Pass
      expect(before.filter((b) => b.endsWith('"Parameters":{"FunctionName":"'))).toHaveLength(4);
      expect(before.filter((b) => b.endsWith('"Arguments":{"FunctionName":"'))).toHaveLength(1);
      expect(before.filter((b) => b.endsWith('"Resource":"'))).toHaveLength(2);
      expect(before.filter((b) => b.endsWith('"Result":{"fn":"'))).toHaveLength(1);
      expect(ctx).toHaveLength(8);
      expect(after.every((a) => a.startsWith('"'))).toBe(true);
      // The integration ARN is split around the partition pseudo-parameter.
      const partitionCtx = contextsOf(parts, { Ref: 'AWS::Partition' });
      expect(partitionCtx.every(([b]) => b.endsWith('"Resource":"arn:'))).toBe(true);
      expect(partitionCtx.map(([, a]) => a.split('"')[0]).sort()).toEqual(
        [...Array(5).fill(':states:::lambda:invoke'), ':states:::aws-sdk:lambda:getFunction'].sort(),
      );
    });

    test('Map and Parallel nest LambdaInvoke tasks on the warm function', () => {
      const map = asl.States[S.map];
      expect(map.Type).toBe('Map');
      expect(map.ItemProcessor.States[S.inMap]).toMatchObject({
        Resource: PARTITION_INVOKE,
        Parameters: { FunctionName: `\${${warmId}.Arn}` },
      });
      const par = asl.States[S.parallel];
      expect(par.Type).toBe('Parallel');
      expect(par.Branches[0].States[S.inParallelDefault]).toMatchObject({
        Resource: PARTITION_INVOKE,
        Parameters: { FunctionName: `\${${warmId}.Arn}` },
      });
      expect(par.Branches[1].States[S.inParallelPayloadOnly].Resource).toBe(`\${${warmId}.Arn}`);
    });

    test('non-invocation references (SDK getFunction, Pass Result) and the cold function', () => {
      expect(asl.States[S.sdkCall]).toMatchObject({
        Resource: 'arn:${AWS::Partition}:states:::aws-sdk:lambda:getFunction',
        Parameters: { FunctionName: `\${${warmId}.Arn}` },
      });
      expect(asl.States[S.pass]).toMatchObject({ Type: 'Pass', Result: { fn: `\${${warmId}.Arn}` } });
      expect(asl.States[S.cold]).toMatchObject({
        Resource: PARTITION_INVOKE,
        Parameters: { FunctionName: `\${${coldId}.Arn}` },
      });
    });

    test('state machine role: InvokeFunction on Arn and Arn:* per invoked function; getFunction on Arn only', () => {
      const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
      const qualified = (id: string) => ({ 'Fn::Join': ['', [arn(id), ':*']] });
      expect(policyStatements(t)).toEqual([
        { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [arn(warmId), qualified(warmId)] },
        { Action: 'lambda:getFunction', Effect: 'Allow', Resource: arn(warmId) },
        { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [arn(coldId), qualified(coldId)] },
      ]);
    });
  });

  describe(`synthVersionTarget (${VERSION_TARGET.stackName})`, () => {
    test('provisioned Version, no Alias, task invokes the unqualified function', () => {
      const t = synthVersionTarget();
      expect(resourcesOfType(t, 'AWS::Lambda::Alias')).toHaveLength(0);
      const [fnId] = only(resourcesOfType(t, 'AWS::Lambda::Function'), 'function');
      const [versionId, version] = only(resourcesOfType(t, 'AWS::Lambda::Version'), 'version');
      expect(versionId).toMatch(/^VersionedFnCurrentVersion/);
      expect(version.Properties).toEqual({
        FunctionName: { Ref: fnId },
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: VERSION_TARGET.provisionedConcurrency },
      });
      const asl = placeholderAsl(definitionParts(t));
      expect(asl.States[VERSION_TARGET.states.invoke]).toMatchObject({
        Resource: PARTITION_INVOKE,
        Parameters: { FunctionName: `\${${fnId}.Arn}` },
      });
      expect(policyStatements(t)).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          Effect: 'Allow',
          Resource: [{ 'Fn::GetAtt': [fnId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fnId, 'Arn'] }, ':*']] }],
        },
      ]);
    });
  });

  describe(`synthAlreadyWarm (${ALREADY_WARM.stackName})`, () => {
    test('task already targets the alias: FunctionName is Ref of the Alias; role grants the alias only', () => {
      const t = synthAlreadyWarm();
      const [aliasId, alias] = only(resourcesOfType(t, 'AWS::Lambda::Alias'), 'alias');
      expect(alias.Properties!.ProvisionedConcurrencyConfig).toEqual({
        ProvisionedConcurrentExecutions: ALREADY_WARM.provisionedConcurrency,
      });
      const asl = placeholderAsl(definitionParts(t));
      expect(asl.States[ALREADY_WARM.states.invoke]).toMatchObject({
        Resource: PARTITION_INVOKE,
        Parameters: { FunctionName: `\${${aliasId}}` },
      });
      expect(policyStatements(t)).toEqual([{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { Ref: aliasId } }]);
    });
  });

  describe(`synthSnapStart (${SNAPSTART.stackName}) and synthDurable (${DURABLE.stackName}): the macro moves the task to the published target`, () => {
    test('SnapStart: the CDK publishes the Alias without provisioned concurrency; the task is moved to it (reason SnapStart)', () => {
      const t = synthSnapStart();
      const [fnId, fn] = only(resourcesOfType(t, 'AWS::Lambda::Function'), 'function');
      expect(fn.Properties!.SnapStart).toEqual({ ApplyOn: 'PublishedVersions' });
      const [aliasId, alias] = only(resourcesOfType(t, 'AWS::Lambda::Alias'), 'alias');
      expect(alias.Properties!.ProvisionedConcurrencyConfig).toBeUndefined();
      expect(placeholderAsl(definitionParts(t)).States[SNAPSTART.states.invoke].Parameters.FunctionName).toBe(`\${${fnId}.Arn}`);
      const { Transform: _t, ...fragment } = t;
      const r = transform(fragment, { region: 'us-east-1', accountId: '123456789012' });
      expect(placeholderAsl(definitionParts(r.fragment as CfnTemplate)).States[SNAPSTART.states.invoke].Parameters.FunctionName).toBe(`\${${aliasId}}`);
      expect(r.report.decisions.find((d) => d.action === 'rewritten')).toMatchObject({ reasons: ['SnapStart'], consequence: 'cold', to: `{${aliasId}}` });
    });

    test('durable: currentVersion and no alias; the unqualified call (which Lambda rejects) is moved to the version', () => {
      const t = synthDurable();
      const [fnId, fn] = only(resourcesOfType(t, 'AWS::Lambda::Function'), 'function');
      expect(fn.Properties!.DurableConfig).toEqual({ ExecutionTimeout: 3600 });
      expect(resourcesOfType(t, 'AWS::Lambda::Alias')).toHaveLength(0);
      const [versionId] = only(resourcesOfType(t, 'AWS::Lambda::Version'), 'version');
      expect(placeholderAsl(definitionParts(t)).States[DURABLE.states.invoke].Parameters.FunctionName).toBe(`\${${fnId}.Arn}`);
      const { Transform: _t, ...fragment } = t;
      const r = transform(fragment, { region: 'us-east-1', accountId: '123456789012' });
      expect(placeholderAsl(definitionParts(r.fragment as CfnTemplate)).States[DURABLE.states.invoke].Parameters.FunctionName).toBe(`\${${versionId}}`);
      expect(r.report.decisions.find((d) => d.action === 'rewritten')).toMatchObject({ reasons: ['Durable'], consequence: 'fails' });
    });
  });
});
