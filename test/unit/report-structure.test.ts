/**
 * The report's structure (macro/core/mode.ts, macro/messages.ts, report.needs): what the edges read
 * instead of the prose.
 *
 * - every decision of every fixture has a topic, a known message id, and a `reason` that is exactly
 *   its message rendered with its data in the run's mode;
 * - `needs` lists the stored definitions and the external functions the run was not given, with
 *   the StateMachines / Exclude selection applied, also on a TransformError;
 * - `check` runs the core once when nothing needs fetching.
 */
import { checkTemplate } from '../../macro/cli/commands/check-findings';
import { TransformError } from '../../macro/errors';
import { MESSAGES, textOf } from '../../macro/messages';
import { transform } from '../../macro/core/transform';
import type { JsonObject, Topic, TransformOptions, TransformResult } from '../../macro/types';
import { ACCOUNT, listFixtures, loadInput, REGION, runFixture } from '../support/fixtures';

const TOPICS: Topic[] = ['parameters', 'targets', 'state-machine', 'definition', 'invocation', 'iam'];
const OPTIONS: TransformOptions = { region: REGION, accountId: ACCOUNT };
const arn = (name: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

function machine(resource: string, extra: JsonObject = {}): JsonObject {
  return {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: {
      RoleArn: 'arn:aws:iam::123456789012:role/r',
      Definition: { StartAt: 'A', States: { A: { Type: 'Task', Resource: resource, End: true } } },
      ...extra,
    },
  };
}

const stored = (key: string): JsonObject => ({
  Type: 'AWS::StepFunctions::StateMachine',
  Properties: { RoleArn: 'arn:aws:iam::123456789012:role/r', DefinitionS3Location: { Bucket: 'defs', Key: key } },
});

describe('every decision of every fixture', () => {
  const cases = listFixtures();

  test('there are fixtures with decisions to check', () => {
    const decisions = cases.map((c) => runFixture(loadInput(c), c)).flatMap((r) => (r.ok ? r.report.decisions : []));
    expect(decisions.length).toBeGreaterThan(100);
  });

  test.each(cases.map((c) => [c.name, c]))('%s: topic, message id, and reason = its message with its data', (_name, c) => {
    const r = runFixture(loadInput(c), c);
    if (!r.ok) return; // a failing fixture has no report
    for (const d of r.report.decisions) {
      expect(TOPICS).toContain(d.topic);
      expect(Object.keys(MESSAGES)).toContain(d.messageId);
      expect(textOf(d, r.report.mode)).toBe(d.reason);
    }
  });
});

describe('locations: false (the Lambda edge)', () => {
  const cases = listFixtures().filter((c) => !c.isError);
  const located = (c: (typeof cases)[number]): number =>
    ((r) => (r.ok ? r.report.decisions.filter((d) => d.location !== undefined).length : 0))(runFixture(loadInput(c), c));

  test('fixtures have located decisions to leave out', () => {
    expect(cases.reduce((n, c) => n + located(c), 0)).toBeGreaterThan(50);
  });

  test.each(cases.map((c) => [c.name, c]))('%s: the same fragment and decisions, without location', (_name, c) => {
    const full = runFixture(loadInput(c), c);
    const bare = runFixture(loadInput(c), c, { locations: false });
    expect(bare.ok).toBe(full.ok);
    if (!full.ok || !bare.ok) return;
    expect(bare.fragment).toEqual(full.fragment);
    expect(bare.report.decisions).toEqual(full.report.decisions.map(({ location: _location, ...d }) => d));
  });
});

describe('report.needs', () => {
  test('stored definitions the run was not given, of the selected state machines only', () => {
    const fragment = { Resources: { A: stored('a.json'), B: stored('b.json') } };
    const { report } = transform(fragment, { ...OPTIONS, exclude: ['B'] });
    expect(report.needs.definitions).toEqual([
      expect.objectContaining({
        stateMachine: 'A',
        property: 'DefinitionS3Location',
        location: { kind: 's3', bucket: 'defs', bucketText: 'defs', key: 'a.json' },
      }),
    ]);
    const given = transform(fragment, {
      ...OPTIONS,
      exclude: ['B'],
      definitions: { A: { status: 'ok', source: 's3://defs/a.json', text: '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}' } },
    });
    expect(given.report.needs.definitions).toEqual([]);
  });

  test('external functions, sorted and once each; none once their lookups are given', () => {
    const fragment = { Resources: { A: machine(arn('zeta')), B: machine(arn('alpha')), C: machine(arn('zeta')) } };
    expect(transform(fragment, OPTIONS).report.needs.external).toEqual([arn('alpha'), arn('zeta')]);
    const external = { [arn('alpha')]: { status: 'cold' as const }, [arn('zeta')]: { status: 'cold' as const } };
    expect(transform(fragment, { ...OPTIONS, external }).report.needs.external).toEqual([]);
  });

  test("on a TransformError: the definitions always; the external functions only when the failure is Mode strict's own", () => {
    const fragment = { Resources: { A: machine(arn('zeta')), S: stored('s.json') } };
    const strict = catchError(() => transform(fragment, { ...OPTIONS, mode: 'strict' }));
    expect(strict.needs).toEqual({ definitions: [expect.objectContaining({ stateMachine: 'S' })], external: [arn('zeta')] });
    // A problem in every mode (StateMachines names no state machine): nothing to look up.
    const broken = catchError(() => transform(fragment, { ...OPTIONS, stateMachines: ['A', 'S', 'Nope'] }));
    expect(broken.needs).toEqual({ definitions: [expect.objectContaining({ stateMachine: 'S' })], external: [] });
  });

  test('report.changed names the state machines whose definition the run rewrote (would rewrite, in Mode report)', () => {
    const fragment = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Code: { ZipFile: 'x' }, Handler: 'h', Runtime: 'nodejs22.x', Role: 'r' } },
        Ver: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
        Live: {
          Type: 'AWS::Lambda::Alias',
          Properties: {
            FunctionName: { Ref: 'Fn' },
            FunctionVersion: { 'Fn::GetAtt': ['Ver', 'Version'] },
            Name: 'live',
            ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
          },
        },
        Warm: machine('PLACEHOLDER'),
        Other: machine(arn('elsewhere')),
      },
    };
    (fragment.Resources.Warm.Properties as JsonObject).Definition = {
      StartAt: 'A',
      States: { A: { Type: 'Task', Resource: { 'Fn::GetAtt': ['Fn', 'Arn'] }, End: true } },
    };
    for (const mode of ['rewrite', 'report'] as const) {
      const { report } = transform(fragment, { ...OPTIONS, mode });
      expect(report.changed).toEqual(['Warm']);
      expect(report.summary.modifiedStateMachines).toBe(mode === 'report' ? 0 : 1);
    }
  });
});

describe('check', () => {
  const template = { Transform: 'WarmStepFunctions', Resources: { A: machine(arn('zeta')) } };

  test.each([true, false])('runs the core once (listed: %s)', (listed) => {
    let runs = 0;
    const run = (fragment: unknown, options: TransformOptions): TransformResult => {
      runs++;
      return transform(fragment, options);
    };
    const result = checkTemplate(template, JSON.stringify(template, null, 2), 't.json', listed, OPTIONS, run);
    expect(runs).toBe(1);
    expect(result.exitCode).toBe(0);
  });
});

function catchError(f: () => unknown): TransformError {
  try {
    f();
  } catch (e) {
    if (e instanceof TransformError) return e;
    throw e;
  }
  throw new Error('expected a TransformError');
}
