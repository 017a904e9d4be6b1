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
import { parseParams } from '../../macro/core/params';
import { transform } from '../../macro/core/transform';
import { readTransform, withoutTransform } from '../../macro/cli/transform-entry';
import { parseTemplateText } from '../../macro/cli/yaml/template';
import { createHash } from 'node:crypto';
import { localDefinitions } from '../../macro/cli/definitions';
import { describeLocation, describeObject, storedRefs } from '../../macro/core/definition/stored';
import type { JsonObject, Report, StoredDefinition, TransformOptions } from '../../macro/types';

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

/** Objects of the fixtures' stand-in for S3: test/fixtures/s3/<bucket>/<key>. */
export const FIXTURE_S3 = join(FIXTURES, 's3');

/**
 * The stored definitions of a fixture, read as the edges read them: local paths (DefinitionUri)
 * relative to the input, as the CLI does; S3 objects from test/fixtures/s3, named as the deployed
 * macro names them (ETag: the MD5 of the content, as S3 gives for a single-part upload).
 */
export function fixtureDefinitions(template: JsonObject, c: FixtureCase | undefined, options: TransformOptions): Record<string, StoredDefinition> {
  const out = localDefinitions(template, c?.inputPath, options, (p) => readFileSync(p, 'utf8'));
  for (const ref of storedRefs(template, options)) {
    const l = ref.location;
    if (l?.kind !== 's3' || l.bucket === undefined) continue;
    const file = join(FIXTURE_S3, l.bucket, ...l.key.split('/'));
    if (!existsSync(file)) {
      const message = existsSync(join(FIXTURE_S3, l.bucket)) ? 'not found: no such object' : 'not found: no such bucket';
      out[ref.stateMachine] = { status: 'error', source: describeLocation(l), message };
      continue;
    }
    const body = readFileSync(file);
    out[ref.stateMachine] = {
      status: 'ok',
      source: describeObject(l, undefined, `"${createHash('md5').update(body).digest('hex')}"`),
      text: body.toString('utf8'),
    };
  }
  return out;
}

export function runFixture(template: JsonObject, c?: FixtureCase, extra: TransformOptions = {}): FixtureResult {
  const entry = readTransform(template);
  try {
    const params = parseParams(entry.parameters);
    const options: TransformOptions = { ...params, region: REGION, accountId: ACCOUNT, ...extra };
    options.definitions = fixtureDefinitions(template, c, options);
    const result = transform(withoutTransform(template), options);
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

export const EXAMPLES = existsSync(join(__dirname, '..', '..', 'template', 'examples'))
  ? join(__dirname, '..', '..', 'template', 'examples')
  : resolve('template', 'examples');

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
