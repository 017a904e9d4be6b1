/**
 * The CDK Aspect (`warm-step-functions/cdk`) on a real in-process synthesis (`app.synth()`) of an app with a
 * NestedStack: the nested template invokes the alias, equals what the macro makes of the same app synthesized
 * without the Aspect, keeps the cross-stack reference a nested stack parameter, and cfn-lint finds no new error.
 */
import { WarmStepFunctions } from '../../macro/frontends/cdk';
import { transform } from '../../macro/core/transform';
import { synthNestedApp } from '../support/cdk-nested-app';
import { describeWithTools, findingOwner, resultOf, runJobs } from '../support/aws-tools';

jest.setTimeout(120_000);

const plain = synthNestedApp();
const aspect = new WarmStepFunctions();
const warmed = synthNestedApp(aspect);

function machineOf(t: Record<string, any>): { id: string; definition: string } {
  const [id, res] = Object.entries<any>(t.Resources).find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')!;
  return { id, definition: JSON.stringify(res.Properties.DefinitionString) };
}

const aliasId = Object.keys(plain.nested.Resources).find((k) => plain.nested.Resources[k].Type === 'AWS::Lambda::Alias')!;

test('the nested stack invokes the alias after synthesis with the Aspect, and not without it', () => {
  expect(aliasId).toBeDefined();
  expect(machineOf(plain.nested).definition).not.toContain(aliasId);
  expect(machineOf(warmed.nested).definition).toContain(`{"Ref":"${aliasId}"}`);
  const report = aspect.reports.get('WsfNestedParent/Flows')!;
  expect(report.summary).toMatchObject({ stateMachines: 1, modifiedStateMachines: 1, rewritten: 1 });
  expect(report.decisions.find((d) => d.state === 'InvokeWarm')).toMatchObject({ action: 'rewritten', messageId: 'invocation.rewritten' });
});

test('the nested template equals the macro run over the same app synthesized without the Aspect', () => {
  const macro = transform(plain.nested, { region: 'us-east-1', accountId: '123456789012' });
  expect(warmed.nested.Resources).toEqual((macro.fragment as any).Resources);
  expect(warmed.nested.Parameters).toEqual(plain.nested.Parameters);
  // Same targets, state by state.
  const targets = (r: typeof macro.report) => r.decisions.filter((d) => d.topic === 'invocation').map((d) => [d.state, d.action, d.to ?? null]);
  expect(targets(aspect.reports.get('WsfNestedParent/Flows')!)).toEqual(targets(macro.report));
});

test('the cross-stack reference to the parent function stays a nested stack parameter, passed by the parent', () => {
  const param = Object.keys(plain.nested.Parameters ?? {}).find((p) => p.includes('ParentFn'));
  expect(param).toBeDefined();
  expect(machineOf(warmed.nested).definition).toContain(`{"Ref":"${param}"}`);
  expect(JSON.stringify(warmed.nested)).not.toContain('WarmStepFunctionsCrossStackRef');
  const nestedStack = Object.values<any>(warmed.parent.Resources).find((r) => r.Type === 'AWS::CloudFormation::Stack');
  expect(Object.keys(nestedStack.Properties.Parameters)).toContain(param);
  // The parent stack has no state machine: unchanged, apart from the nested template's asset hash.
  const strip = (t: any) => JSON.stringify(t).replace(/[0-9a-f]{64}/g, 'HASH');
  expect(strip(warmed.parent)).toBe(strip(plain.parent));
});

test('the cold path through the parent function is a warning annotation on the state machine', () => {
  expect(warmed.warnings.some((w) => w.includes('InvokeParent'))).toBe(true);
});

test('Mode strict fails the synthesis', () => {
  expect(() => synthNestedApp(new WarmStepFunctions({ mode: 'strict' }))).toThrow(/WarmStepFunctions \(stack WsfNestedParent\/Flows\)/);
});

test('Mode report changes nothing', () => {
  const r = synthNestedApp(new WarmStepFunctions({ mode: 'report' }));
  expect(r.nested.Resources).toEqual(plain.nested.Resources);
});

describeWithTools('cfn-lint over the Aspect output', ['cfn-lint'], () => {
  test('no new finding', async () => {
    const results = await runJobs([
      { id: 'plain', op: 'lint', template: plain.nested },
      { id: 'warmed', op: 'lint', template: warmed.nested },
    ]);
    const key = (f: { rule: string; path: (string | number)[] }) => `${f.rule} ${findingOwner(f as any)}`;
    const before = new Set(resultOf(results, 'plain').findings!.map(key));
    const added = resultOf(results, 'warmed').findings!.filter((f) => !before.has(key(f)) && f.severity === 'error');
    expect(added).toEqual([]);
  });
});

test('reasons (the Transform parameter Reasons): a function warm by provisioned concurrency alone stays as it is when they leave it out', () => {
  const only = new WarmStepFunctions({ reasons: ['SnapStart'] });
  const app = synthNestedApp(only);
  expect(machineOf(app.nested).definition).not.toContain(aliasId);
  const report = only.reports.get('WsfNestedParent/Flows')!;
  expect(report.summary).toMatchObject({ rewritten: 0 });
  expect(report.decisions.find((d) => d.state === 'InvokeWarm')).toMatchObject({ action: 'cold', reason: expect.stringContaining('SnapStart') });
  // A reason the core does not know fails the synthesis with the parameter's own message.
  expect(() => synthNestedApp(new WarmStepFunctions({ reasons: ['Warmth'] }))).toThrow(
    /Reasons names "Warmth", which is not one of ProvisionedConcurrency, SnapStart/,
  );
});
