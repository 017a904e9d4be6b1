/**
 * Every fixture pair (test/fixtures) through AWS's own offline validator, `@aws/cloudformation-validate`: the
 * expected output of each success case has no error-level finding that its input did not have. The fixture
 * test (test/unit/fixtures.test.ts) proves the macro produces these outputs; this one proves the outputs are
 * templates CloudFormation would accept, as far as the validator can tell (its blind spots are pinned down in
 * validate-support.test.ts).
 *
 * When the macro runs before SAM's transform, what CloudFormation deploys is SAM's translation of the macro's
 * output. The validator's own SAM support does not resolve `Ref: Fn.Alias` (SAM's reference to the alias of
 * AutoPublishAlias) and reports it as a missing target (F1020), so both the input and the output of those
 * fixtures are first translated by SAM's real translator (test/support/aws-tools.ts), and the validator reads
 * the translations. Without Python and SAM's translator those fixtures are skipped with a warning, except
 * under CI=true, where they fail.
 */
import { readFileSync } from 'node:fs';
import { readTransform, restoreTransform, withoutTransform } from '../../macro/cli/transform-entry';
import type { JsonObject } from '../../macro/types';
import { describeWithTools, resultOf, runJobs, type JobResult } from '../support/aws-tools';
import { listFixtures, loadInput, type FixtureCase } from '../support/fixtures';
import { forSam, isMacroFirst } from '../support/sam';
import { formatFindings, newErrors, validateTemplate, warmUpTemplateValidator } from '../support/validate';

const cases = listFixtures().filter((c) => !c.isError);
const samFirst = (c: FixtureCase): boolean => isMacroFirst(loadInput(c));

/** The input as written without the macro's Transform entry, and the output with the transforms after it. */
function pair(c: FixtureCase): { input: JsonObject; output: JsonObject } {
  const input = loadInput(c);
  const remaining = readTransform(input).remaining;
  // CloudFormation runs the transforms listed after the macro (SAM's, say) on what the macro returns.
  const output = restoreTransform(input, JSON.parse(readFileSync(c.outputPath, 'utf8')) as JsonObject, remaining);
  return { input: restoreTransform(input, withoutTransform(input), remaining), output };
}

beforeAll(async () => {
  await warmUpTemplateValidator();
}, 120_000);

test('there are fixtures to validate', () => {
  expect(cases.length).toBeGreaterThan(100);
  expect(cases.filter(samFirst).length).toBeGreaterThanOrEqual(5);
});

describe.each(cases.filter((c) => !samFirst(c)).map((c) => [c.name, c] as const))('%s', (_name, c) => {
  test('the output has no new error-level finding', async () => {
    const { input, output } = pair(c);
    const fresh = newErrors(await validateTemplate(input), await validateTemplate(output));
    expect(formatFindings(fresh)).toBe('');
  });
});

describeWithTools("the macro before SAM: SAM's real translation of the output has no new error-level finding", ['aws-sam-translator'], () => {
  const sam = cases.filter(samFirst);
  let results: Record<string, JobResult> = {};

  beforeAll(async () => {
    results = await runJobs(
      sam.flatMap((c) => {
        const { input, output } = pair(c);
        return [
          { id: `${c.name}:in`, op: 'sam' as const, template: forSam(input) },
          { id: `${c.name}:out`, op: 'sam' as const, template: forSam(output) },
        ];
      }),
    );
  }, 300_000);

  test.each(sam.map((c) => [c.name] as const))('%s', async (name) => {
    const input = resultOf(results, `${name}:in`).template as JsonObject;
    const output = resultOf(results, `${name}:out`).template as JsonObject;
    const fresh = newErrors(await validateTemplate(input), await validateTemplate(output));
    expect(formatFindings(fresh)).toBe('');
  });
});
