/**
 * The AWS Serverless Application Repository (SAR) application: the `AWS::ServerlessRepo::Application`
 * metadata of template/macro.yml, the version kept in step with package.json, and docs/deploy.md's consumer
 * template. Offline; nothing here talks to AWS. Where each check comes from:
 *
 *  - AWS SAM's own code that is on this machine, aws-sam-translator (Python `samtranslator`, run by
 *    test/support/sam_translate.py): the SAM transform of template/macro.yml as `sam package` leaves it, and
 *    of docs/deploy.md's consumer template (`AWS::Serverless::Application` with ApplicationId/SemanticVersion,
 *    the Serverless Application Repository replaced by a stub client that records the call).
 *  - `sam publish`'s metadata library, `serverlessrepo` (aws-serverlessrepo-python, vendored in the SAM CLI),
 *    is not installed here and cannot be (no PyPI). Its checks are re-stated below from its source: the
 *    property names it reads (anything else is silently dropped), the properties CreateApplication and
 *    CreateApplicationVersion require (ApplicationMetadata.validate), and "either LicenseBody or LicenseUrl",
 *    "either ReadmeBody or ReadmeUrl".
 *  - The SAR API's documented limits for those properties (the "AWS SAM template Metadata section
 *    properties" page and the CreateApplication request): lengths, patterns, at most 10 labels, 5 MB files,
 *    no intrinsic functions.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';

const execFileAsync = promisify(execFile);

type Json = any; // CloudFormation templates are free-form JSON

// Every test here runs child processes (npx, node, python3, bash): slower than unit tests under load.
jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '../..');
const TEMPLATE_FILE = join(ROOT, 'template/macro.yml');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
/** Where the SAR steps are documented (docs/deploy.md, "Share the macro through the Serverless Application Repository"). */
const DEPLOY_DOC = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8');
const PLACEHOLDER_URL = 'https://github.com/OWNER/warm-step-functions';

const template = (): Json => parseYaml(readFileSync(TEMPLATE_FILE, 'utf8'));
const metadata = (): Record<string, unknown> => template().Metadata['AWS::ServerlessRepo::Application'];

// ---------------------------------------------------------------- aws-sam-translator (Python)

interface SamResult {
  ok: boolean;
  output?: Json;
  errors?: string[];
  sarCalls?: [string, string][];
  stubTemplateUrl?: string;
}

const PYTHON = process.env.WSF_PYTHON ?? 'python3';

function samTranslate(input: Json, parameters: Record<string, string> = {}): Promise<SamResult> {
  return new Promise((done, fail) => {
    const child = spawn(PYTHON, [join(ROOT, 'test/support/sam_translate.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', (e) => fail(new Error(`cannot run ${PYTHON} (set WSF_PYTHON to a Python 3 with aws-sam-translator): ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0) {
        return fail(
          new Error(`${PYTHON} test/support/sam_translate.py exited ${code}; it needs aws-sam-translator (pip install aws-sam-translator)\n${stderr}`),
        );
      }
      try {
        done(JSON.parse(stdout));
      } catch (e) {
        fail(new Error(`sam_translate.py printed no JSON: ${(e as Error).message}\n${stdout}\n${stderr}`));
      }
    });
    child.stdin.end(JSON.stringify({ template: input, parameters }));
  });
}

/** template/macro.yml as `sam package` / `aws cloudformation package` leave it: local paths become S3 locations. */
function packaged(): Json {
  const t = template();
  t.Resources.MacroFunction.Properties.Code = { S3Bucket: 'my-sar-bucket', S3Key: '0123456789abcdef0123456789abcdef' };
  const m = t.Metadata['AWS::ServerlessRepo::Application'];
  m.LicenseUrl = 's3://my-sar-bucket/fedcba9876543210fedcba9876543210';
  m.ReadmeUrl = 's3://my-sar-bucket/00112233445566778899aabbccddeeff';
  return t;
}

/** The YAML block that follows the "tested: test/integration/sar.test.ts" marker in docs/deploy.md. */
function readmeConsumerTemplate(): Json {
  const marker = DEPLOY_DOC.indexOf('<!-- tested: test/integration/sar.test.ts');
  expect(marker).toBeGreaterThan(0);
  const block = /```yaml\n([\s\S]*?)```/.exec(DEPLOY_DOC.slice(marker));
  expect(block).not.toBeNull();
  return parseYaml(block![1]);
}

// ---------------------------------------------------------------- metadata (serverlessrepo's checks, SAR's limits)

/** Every property `sam publish` (serverlessrepo ApplicationMetadata) reads; it ignores any other key. */
const KNOWN = [
  'Name',
  'Description',
  'Author',
  'SpdxLicenseId',
  'LicenseBody',
  'LicenseUrl',
  'ReadmeBody',
  'ReadmeUrl',
  'Labels',
  'HomePageUrl',
  'SemanticVersion',
  'SourceCodeUrl',
];

describe('template/macro.yml: Metadata AWS::ServerlessRepo::Application', () => {
  test('holds only properties `sam publish` reads, each a literal (no intrinsic functions)', () => {
    const m = metadata();
    expect(Object.keys(m).filter((k) => !KNOWN.includes(k))).toEqual([]);
    for (const [k, v] of Object.entries(m)) {
      if (k === 'Labels') {
        expect(Array.isArray(v)).toBe(true);
        for (const label of v as unknown[]) expect(typeof label).toBe('string');
      } else expect([k, typeof v]).toEqual([k, 'string']);
    }
  });

  test('has what CreateApplication and CreateApplicationVersion require (serverlessrepo ApplicationMetadata.validate)', () => {
    const m = metadata();
    for (const required of ['Name', 'Description', 'Author', 'SemanticVersion']) expect([required, Boolean(m[required])]).toEqual([required, true]);
    expect(Boolean(m.LicenseBody && m.LicenseUrl)).toBe(false);
    expect(Boolean(m.ReadmeBody && m.ReadmeUrl)).toBe(false);
  });

  test("within the SAR API's documented limits: Name, Description, Author, Labels", () => {
    const m = metadata() as Record<string, any>;
    expect(m.Name).toMatch(/^[a-zA-Z0-9-]{1,140}$/);
    expect(m.Description.length).toBeGreaterThanOrEqual(1);
    expect(m.Description.length).toBeLessThanOrEqual(256);
    expect(m.Author.length).toBeLessThanOrEqual(127);
    expect(m.Author).toMatch(/^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$/);
    expect(m.Labels.length).toBeLessThanOrEqual(10);
    for (const label of m.Labels) expect(label).toMatch(/^[a-zA-Z0-9+\-_:/@]{1,127}$/);
  });

  test("SemanticVersion is package.json's version, a semantic version", () => {
    const m = metadata();
    expect(m.SemanticVersion).toBe(PKG.version);
    expect(m.SemanticVersion).toMatch(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/);
  });

  test('licence: the SPDX id of package.json; LicenseUrl and ReadmeUrl are local files `sam package` uploads (under 5 MB)', () => {
    const m = metadata() as Record<string, string>;
    expect(m.SpdxLicenseId).toBe(PKG.license);
    expect(resolve(ROOT, 'template', m.LicenseUrl)).toBe(join(ROOT, 'LICENSE'));
    expect(resolve(ROOT, 'template', m.ReadmeUrl)).toBe(join(ROOT, 'README.md'));
    for (const file of [m.LicenseUrl, m.ReadmeUrl]) expect(statSync(resolve(ROOT, 'template', file)).size).toBeLessThan(5 * 1024 * 1024);
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });

  test('HomePageUrl and SourceCodeUrl are https URLs; the placeholder is documented in docs/deploy.md', () => {
    const m = metadata() as Record<string, string>;
    for (const url of [m.HomePageUrl, m.SourceCodeUrl]) {
      expect(new URL(url).protocol).toBe('https:');
      if (url === PLACEHOLDER_URL) {
        expect(DEPLOY_DOC).toContain(`\`HomePageUrl\` and \`SourceCodeUrl\` are \`${PLACEHOLDER_URL}\``);
      }
    }
  });

  test('the template declares the SAM transform (a SAM template, as SAR publishes) and nothing that SAR would reject as a transform', () => {
    expect(template().Transform).toBe('AWS::Serverless-2016-10-31');
  });
});

// ---------------------------------------------------------------- version pins (scripts/sync-version.mjs)

describe('scripts/sync-version.mjs', () => {
  test("--check: template/macro.yml and the version pins of the README and docs/ are at package.json's version", async () => {
    const { stdout } = await execFileAsync(process.execPath, [join(ROOT, 'scripts/sync-version.mjs'), '--check']);
    expect(stdout).toContain(PKG.version);
  });

  test('on a copy bumped to 9.8.7: rewrites only the SemanticVersion line and the version pins of the docs; refuses without a changelog section', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsf-version-'));
    try {
      mkdirSync(join(dir, 'template'));
      mkdirSync(join(dir, 'docs'));
      for (const f of ['README.md', 'CHANGELOG.md', 'template/macro.yml', 'docs/cli.md', 'docs/deploy.md']) copyFileSync(join(ROOT, f), join(dir, f));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...PKG, version: '9.8.7' }));
      const script = join(ROOT, 'scripts/sync-version.mjs');

      // No "## [9.8.7]" in the changelog yet: refused, nothing written.
      await expect(execFileAsync(process.execPath, [script, '--root', dir])).rejects.toMatchObject({ code: 1 });
      expect(readFileSync(join(dir, 'template/macro.yml'), 'utf8')).toBe(readFileSync(TEMPLATE_FILE, 'utf8'));

      writeFileSync(
        join(dir, 'CHANGELOG.md'),
        readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8').replace('## [Unreleased]', '## [Unreleased]\n\n## [9.8.7] - 2030-01-01'),
      );
      await execFileAsync(process.execPath, [script, '--root', dir]);
      const before = readFileSync(TEMPLATE_FILE, 'utf8').split('\n');
      const after = readFileSync(join(dir, 'template/macro.yml'), 'utf8').split('\n');
      const changed = before.flatMap((line, i) => (line === after[i] ? [] : [[line.trim(), after[i].trim()]]));
      expect(changed).toEqual([[`SemanticVersion: ${PKG.version}`, 'SemanticVersion: 9.8.7']]);
      expect(parseYaml(after.join('\n')).Metadata['AWS::ServerlessRepo::Application'].SemanticVersion).toBe('9.8.7');
      const readme = ['README.md', 'docs/cli.md', 'docs/deploy.md'].map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
      expect(readme).toContain('warm-step-functions@9.8.7');
      expect(readme).toContain('rev: v9.8.7');
      expect(readme).toContain('SemanticVersion: 9.8.7');
      expect(readme).not.toContain(`warm-step-functions@${PKG.version}`);
      await execFileAsync(process.execPath, [script, '--root', dir, '--check']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- AWS SAM's own translator

describe("aws-sam-translator (AWS SAM's own code)", () => {
  test('the SAM transform of template/macro.yml, as `sam package` leaves it, changes nothing but removing the Transform', async () => {
    const input = packaged();
    const result = await samTranslate(input);
    expect(result.errors).toBeUndefined();
    expect(result.ok).toBe(true);
    const { Transform, ...rest } = input;
    expect(Transform).toBe('AWS::Serverless-2016-10-31');
    expect(result.output).toEqual(rest); // resources, parameters, conditions, outputs and the SAR metadata
  });

  test("docs/deploy.md's consumer template: one nested stack from SAR, at package.json's version, with the macro's parameters", async () => {
    const consumer = readmeConsumerTemplate();
    const [id, app] = Object.entries<Json>(consumer.Resources).find(([, r]) => r.Type === 'AWS::Serverless::Application')!;
    const macroParameters = template().Parameters;
    for (const [name, value] of Object.entries<string>(app.Properties.Parameters ?? {})) {
      expect(macroParameters).toHaveProperty(name);
      if (macroParameters[name].AllowedValues) expect(macroParameters[name].AllowedValues).toContain(value);
    }
    expect(app.Properties.Location.ApplicationId).toMatch(/^arn:aws:serverlessrepo:[a-z0-9-]+:\d{12}:applications\/warm-step-functions$/);
    expect(app.Properties.Location.SemanticVersion).toBe(PKG.version);
    expect(app.Properties.Location.ApplicationId.split('/').pop()).toBe(metadata().Name);

    const result = await samTranslate(consumer);
    expect(result.errors).toBeUndefined();
    expect(result.sarCalls).toEqual([[app.Properties.Location.ApplicationId, PKG.version]]);
    const stack = result.output.Resources[id];
    expect(stack.Type).toBe('AWS::CloudFormation::Stack');
    expect(stack.Properties.TemplateURL).toBe(result.stubTemplateUrl);
    expect(stack.Properties.Parameters).toEqual(app.Properties.Parameters);
    expect(stack.Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'serverlessrepo:applicationId', Value: app.Properties.Location.ApplicationId },
        { Key: 'serverlessrepo:semanticVersion', Value: PKG.version },
      ]),
    );
    // The output the consumer template reads from the nested stack exists in template/macro.yml.
    const outputs = template().Outputs;
    for (const output of Object.values<Json>(consumer.Outputs ?? {})) {
      const [target, attribute] = output.Value['Fn::GetAtt'];
      expect(target).toBe(id);
      expect(outputs).toHaveProperty(attribute.replace(/^Outputs\./, ''));
    }
  });

  test('negative control: the translator rejects an application without SemanticVersion', async () => {
    const consumer = readmeConsumerTemplate();
    const app = Object.values<Json>(consumer.Resources).find((r) => r.Type === 'AWS::Serverless::Application')!;
    delete app.Properties.Location.SemanticVersion;
    const result = await samTranslate(consumer);
    expect(result.ok).toBe(false);
    expect(result.errors!.join('\n')).toContain('SemanticVersion');
  });
});
