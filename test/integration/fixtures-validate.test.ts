/**
 * Every fixture pair (test/fixtures) through AWS's own offline validator, `@aws/cloudformation-validate`: the
 * expected output of each success case has no error-level finding that its input did not have. The fixture
 * test (test/unit/fixtures.test.ts) proves the macro produces these outputs; this one proves the outputs are
 * templates CloudFormation would accept, as far as the validator can tell (its blind spots are pinned down in
 * validate-support.test.ts). One of those: `Ref: Fn.Alias` (SAM's reference to an AutoPublishAlias) is valid SAM
 * but reported as a missing target, so such references are replaced first with the logical ID SAM generates
 * for the alias (`FnAliaslive`), which the validator knows.
 */
import { readFileSync } from 'node:fs';
import { readTransform, restoreTransform } from '../../macro/cli/transform-entry';
import type { JsonObject } from '../../macro/types';
import { listFixtures, loadInput } from '../support/fixtures';
import { formatFindings, newErrors, validateTemplate, warmUpTemplateValidator } from '../support/validate';

const cases = listFixtures().filter((c) => !c.isError);

/** `{Ref: "Fn.Alias"}` → `{Ref: "FnAlias<name>"}` for every AWS::Serverless::Function with AutoPublishAlias. */
function samAliasIds(template: JsonObject): JsonObject {
  const resources = (template.Resources ?? {}) as Record<string, { Type?: string; Properties?: { AutoPublishAlias?: unknown } }>;
  const ids = new Map<string, string>();
  for (const [id, r] of Object.entries(resources)) {
    const alias = r.Properties?.AutoPublishAlias;
    if (r.Type === 'AWS::Serverless::Function' && typeof alias === 'string') ids.set(`${id}.Alias`, `${id}Alias${alias.replace(/[^A-Za-z0-9]/g, '')}`);
  }
  return JSON.parse(JSON.stringify(template), (_k, v: unknown) => {
    const ref = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 ? (v as { Ref?: unknown }).Ref : undefined;
    return typeof ref === 'string' && ids.has(ref) ? { Ref: ids.get(ref) } : v;
  }) as JsonObject;
}

beforeAll(async () => {
  await warmUpTemplateValidator();
}, 120_000);

test('there are fixtures to validate', () => {
  expect(cases.length).toBeGreaterThan(100);
});

describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  test('the output has no new error-level finding', async () => {
    const input = loadInput(c);
    // CloudFormation runs the transforms listed after the macro (SAM's, say) on what the macro returns.
    const output = restoreTransform(input, JSON.parse(readFileSync(c.outputPath, 'utf8')) as JsonObject, readTransform(input).remaining);
    const fresh = newErrors(await validateTemplate(input), await validateTemplate(samAliasIds(output)));
    expect(formatFindings(fresh)).toBe('');
  });
});
