/**
 * cfn-lint, AWS's own CloudFormation linter, on every fixture pair and every example: the macro's output has no
 * error-level finding that its input did not have (E3004, a circular dependency, included). The input is linted
 * as written without the macro's Transform entry (cfn-lint cannot run a macro); the output with the transforms
 * that CloudFormation runs after the macro (SAM's, which cfn-lint runs itself with SAM's real translator).
 * Findings are compared by rule id and owner (the resource, or the template section): paths inside a resource
 * and line numbers move when the macro edits a definition or a policy.
 *
 * All templates go through one Python process (test/support/aws_tools.py), about 0.1 s each. Fixture pairs are
 * discovered by file name, so new ones are linted without a change here. Without Python and cfn-lint the tests
 * are skipped with a warning, except under CI=true, where they fail.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTransform, restoreTransform, withoutTransform } from '../../macro/cli/transform-entry';
import { parseTemplateText } from '../../macro/cli/yaml/template';
import type { Json, JsonObject } from '../../macro/types';
import { describeWithTools, formatLintFindings, newLintErrors, resultOf, runJobs, type Job, type JobResult } from '../support/aws-tools';
import { listExamples, listFixtures, loadInput } from '../support/fixtures';

const ROOT = join(__dirname, '..', '..');

/** What cfn-lint reads for the input: the template as written, without the macro's Transform entry. */
function withoutMacro(template: JsonObject): JsonObject {
  return restoreTransform(template, withoutTransform(template), readTransform(template).remaining);
}

interface Pair {
  name: string;
  input: () => JsonObject;
  output: () => JsonObject;
}

const fixturePairs: Pair[] = listFixtures()
  .filter((c) => !c.isError)
  .map((c) => ({
    name: `fixture ${c.name}`,
    input: () => withoutMacro(loadInput(c)),
    // CloudFormation runs the transforms listed after the macro (SAM's, say) on what the macro returns.
    output: () => {
      const input = loadInput(c);
      return restoreTransform(input, JSON.parse(readFileSync(c.outputPath, 'utf8')) as JsonObject, readTransform(input).remaining);
    },
  }));

/** The examples, run the way a user runs them: the CLI (dist/cli.cjs, built by `npm test`) prints the output. */
const examplePairs: Pair[] = listExamples().map((e) => ({
  name: `example ${e.name}`,
  input: () => withoutMacro(parseTemplateText(readFileSync(e.file, 'utf8'), e.file) as JsonObject),
  output: () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.cjs'), 'transform', e.file, '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`transform ${e.file}: exit ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as JsonObject;
  },
}));

/**
 * A pair whose output closes a dependency cycle that its input does not have: the state machine invokes the
 * alias, and the function's environment names the state machine. Proves the comparison catches E3004.
 */
function cyclePair(): { input: JsonObject; output: JsonObject } {
  const template = (resource: Json): JsonObject => ({
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: 'arn:aws:iam::123456789012:role/fn',
          Code: { ZipFile: 'exports.handler = async () => ({});' },
          Environment: { Variables: { FLOW: { Ref: 'Flow' } } },
        },
      },
      FnVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
      FnLive: {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { Ref: 'Fn' },
          FunctionVersion: { 'Fn::GetAtt': ['FnVersion', 'Version'] },
          Name: 'live',
          ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
        },
      },
      Flow: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          RoleArn: 'arn:aws:iam::123456789012:role/flow',
          Definition: { StartAt: 'A', States: { A: { Type: 'Task', Resource: resource, End: true } } },
        },
      },
    },
  });
  return { input: template('arn:aws:lambda:us-east-1:123456789012:function:fn'), output: template({ Ref: 'FnLive' }) };
}

describeWithTools('cfn-lint finds no error in the output that the input did not have', ['cfn-lint', 'aws-sam-translator'], () => {
  const pairs = [...fixturePairs, ...examplePairs];
  let results: Record<string, JobResult> = {};

  beforeAll(async () => {
    const cycle = cyclePair();
    const jobs: Job[] = [
      { id: 'self-test:in', op: 'lint', template: cycle.input },
      { id: 'self-test:out', op: 'lint', template: cycle.output },
      ...pairs.flatMap((p): Job[] => [
        { id: `${p.name}:in`, op: 'lint', template: p.input() },
        { id: `${p.name}:out`, op: 'lint', template: p.output() },
      ]),
    ];
    results = await runJobs(jobs);
  }, 600_000);

  test('there are fixtures and examples to lint', () => {
    expect(fixturePairs.length).toBeGreaterThan(100);
    expect(examplePairs.map((p) => p.name)).toEqual(
      expect.arrayContaining(['example sam', 'example cdk', 'example cloudformation', 'example serverless-seed']),
    );
  });

  test('the comparison catches a circular dependency (E3004) that the output adds', () => {
    const fresh = newLintErrors(resultOf(results, 'self-test:in').findings!, resultOf(results, 'self-test:out').findings!);
    expect(fresh.map((f) => f.rule)).toContain('E3004');
  });

  test.each(pairs.map((p) => [p.name] as const))('%s', (name) => {
    const before = resultOf(results, `${name}:in`).findings!;
    const after = resultOf(results, `${name}:out`).findings!;
    expect(formatLintFindings(newLintErrors(before, after))).toBe('');
  });
});
