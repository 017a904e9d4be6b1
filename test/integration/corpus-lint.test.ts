/**
 * The template corpus (../shared/corpus: SAM's and the CDK's own test templates) through AWS's linter: for every
 * template the macro changes, as it is and in its warmed variant (test/support/corpus.ts adds provisioned
 * concurrency to every function a state machine invokes), cfn-lint finds no error in the macro's output that
 * the input did not have, a circular dependency (E3004) included.
 *
 * Templates the macro leaves unchanged cannot gain a finding, so only the changed ones are linted (in one
 * batch). Needs cfn-lint (skipped with a warning without it; failing under CI=true).
 */
import * as path from 'node:path';
import { TransformError } from '../../macro/errors';
import { jsonEqual } from '../../macro/cfn/json';
import { transform } from '../../macro/core/transform';
import { describeWithTools, formatLintFindings, newLintErrors, resultOf, runJobs, type Job } from '../support/aws-tools';
import { corpusRoot, findInvocations, listCorpus, loadTemplate, stateMachines, warm, type Template } from '../support/corpus';

jest.setTimeout(600_000);

const OPTIONS = { region: 'us-east-1', accountId: '123456789012' };
const ROOT = corpusRoot(path.resolve(__dirname, '..', '..'));

interface Pair {
  id: string;
  input: Template;
  output: unknown;
}

/** The (input, output) pairs the macro changes, as-is and warmed. */
function changedPairs(): { pairs: Pair[]; templates: number; warmed: number } {
  const pairs: Pair[] = [];
  let templates = 0;
  let warmed = 0;
  for (const entry of listCorpus(ROOT)) {
    let template: Template;
    try {
      template = loadTemplate(entry.file);
    } catch {
      continue; // not JSON/YAML the loader reads: corpus.test.ts accounts for those
    }
    templates++;
    const variants: [string, Template][] = [['as-is', template]];
    const machines = stateMachines(template);
    if (machines.length > 0) {
      const plan = warm(template, findInvocations(template, machines).slots);
      if (plan.aliasOf.size > 0) {
        warmed++;
        variants.push(['warmed', plan.template]);
      }
    }
    for (const [variant, input] of variants) {
      let output: unknown;
      try {
        output = transform(input, OPTIONS).fragment;
      } catch (e) {
        if (e instanceof TransformError) continue; // a failure reply changes nothing CloudFormation deploys
        throw e;
      }
      if (!jsonEqual(output as never, input as never)) pairs.push({ id: `${entry.name} (${variant})`, input, output });
    }
  }
  return { pairs, templates, warmed };
}

describeWithTools('the corpus through cfn-lint', ['cfn-lint'], () => {
  test('no output the macro changed has a cfn-lint error its input lacked (E3004 circular dependency included)', async () => {
    const { pairs, templates, warmed } = changedPairs();
    // Not vacuous: the corpus is there, and the warmed run changes templates.
    expect(templates).toBeGreaterThan(400);
    expect(warmed).toBeGreaterThan(10);
    expect(pairs.length).toBeGreaterThan(10);
    const jobs: Job[] = pairs.flatMap((p, i) => [
      { id: `${i}:in`, op: 'lint', template: p.input } as Job,
      { id: `${i}:out`, op: 'lint', template: p.output } as Job,
    ]);
    const results = await runJobs(jobs);
    const problems: string[] = [];
    pairs.forEach((p, i) => {
      const fresh = newLintErrors(resultOf(results, `${i}:in`).findings ?? [], resultOf(results, `${i}:out`).findings ?? []);
      if (fresh.length) problems.push(`${p.id}:\n${formatLintFindings(fresh)}`);
    });
    expect(problems).toEqual([]);
  });
});
