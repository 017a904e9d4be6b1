/**
 * Fixture pairs, in the style of SAM's translator tests: `test/fixtures/input/<name>.(yaml|json)`
 * and `test/fixtures/output/<name>.json`. Inputs whose name starts with `error_` must fail; their
 * output file holds `{"errorMessage": "..."}`.
 *
 * Each input is run as CloudFormation would run the macro: the fragment is the template without
 * `Transform`, the parameters come from the template's WarmStepFunctions entry, and the
 * deployment is us-east-1 / 123456789012.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TransformError } from '../../macro/errors';
import { parseParams } from '../../macro/params';
import { transform } from '../../macro/transform';
import { readTransform, withoutTransform } from '../../macro/cli/transform-entry';
import { parseTemplateText } from '../../macro/cli/yaml';
import type { JsonObject, Report } from '../../macro/types';

// Bundled scripts run from a temp dir, so fall back to the project root (the working directory).
export const FIXTURES = existsSync(join(__dirname, '..', 'fixtures')) ? join(__dirname, '..', 'fixtures') : resolve('test', 'fixtures');
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

export interface FixtureCase {
  name: string;
  inputPath: string;
  outputPath: string;
  isError: boolean;
}

export function listFixtures(): FixtureCase[] {
  return readdirSync(join(FIXTURES, 'input'))
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => {
      const name = f.replace(/\.(ya?ml|json)$/, '');
      return { name, inputPath: join(FIXTURES, 'input', f), outputPath: join(FIXTURES, 'output', `${name}.json`), isError: name.startsWith('error_') };
    });
}

export type FixtureResult = { ok: true; fragment: unknown; report: Report } | { ok: false; errorMessage: string };

export function loadInput(c: FixtureCase): JsonObject {
  return parseTemplateText(readFileSync(c.inputPath, 'utf8'), c.inputPath) as JsonObject;
}

export function runFixture(template: JsonObject): FixtureResult {
  const entry = readTransform(template);
  try {
    const params = parseParams(entry.parameters);
    const result = transform(withoutTransform(template), { ...params, region: REGION, accountId: ACCOUNT });
    return { ok: true, fragment: result.fragment, report: result.report };
  } catch (e) {
    if (e instanceof TransformError) return { ok: false, errorMessage: e.message };
    throw e;
  }
}

/** What the output file of a case holds. */
export function expectedFileContent(result: FixtureResult): unknown {
  return result.ok ? result.fragment : { errorMessage: result.errorMessage };
}

export const EXAMPLES = existsSync(join(__dirname, '..', '..', 'template', 'examples')) ? join(__dirname, '..', '..', 'template', 'examples') : resolve('template', 'examples');

export interface ExampleCase {
  /** The example's folder name, e.g. `sam`. */
  name: string;
  /** The template CloudFormation deploys: `compiled.json` (made by a generator), else `template.(yaml|yml|json)`. */
  file: string;
}

/** Every example consumer project in template/examples, discovered by folder. */
export function listExamples(): ExampleCase[] {
  return readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .flatMap((name) => {
      const file = ['compiled.json', 'template.yaml', 'template.yml', 'template.json'].map((f) => join(EXAMPLES, name, f)).find((f) => existsSync(f));
      return file ? [{ name, file }] : [];
    });
}
