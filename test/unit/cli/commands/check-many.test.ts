/**
 * `check` over many files in one run: globs, local nested stacks followed, one SARIF run for all, the exit
 * code of the worst file. Real files in a temp folder (globs read the file system); `run` from the CLI edge.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandGlob } from '../../../../macro/cli/commands/check-many';
import { type CliResult, cli as cliWith } from '../../../support/cli';

const ROOT = join(__dirname, '../../../..');
const COLD = readFileSync(join(ROOT, 'template/examples/cloudformation/template.yaml'), 'utf8').replace(/^Transform: WarmStepFunctions\n/m, '');
const WARM = readFileSync(join(ROOT, 'template/examples/cloudformation/template.yaml'), 'utf8');
const PARENT = `Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ./nested/child.template.json
  Remote:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://example.com/remote.yaml
`;

let dir: string;
let cwd: string;

beforeAll(() => {
  cwd = process.cwd();
  dir = mkdtempSync(join(tmpdir(), 'wsf-check-many-'));
  mkdirSync(join(dir, 'templates/a'), { recursive: true });
  mkdirSync(join(dir, 'cdk.out/nested'), { recursive: true });
  writeFileSync(join(dir, 'templates/a/cold.yaml'), COLD);
  writeFileSync(join(dir, 'templates/warm.yml'), WARM);
  writeFileSync(join(dir, 'templates/notes.txt'), 'not a template');
  writeFileSync(join(dir, 'cdk.out/Parent.template.yaml'), PARENT);
  process.chdir(dir);
});

afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI on the files of the temp folder (globs read the file system). */
const cli = (argv: string[]): Promise<CliResult> => cliWith(argv, 'disk');

test('globs: ** crosses folders, * stays in one, {a,b} and ? alternatives; sorted', () => {
  expect(expandGlob('templates/**/*.y*ml')).toEqual(['templates/a/cold.yaml', 'templates/warm.yml']);
  expect(expandGlob('templates/*.y?l')).toEqual(['templates/warm.yml']);
  expect(expandGlob('templates/**/*.{yaml,txt}')).toEqual(['templates/a/cold.yaml', 'templates/notes.txt']);
});

test('many files and globs in one run: a report per file, exit 1 for the cold one', async () => {
  const r = await cli(['check', 'templates/**/*.y*ml']);
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('templates/a/cold.yaml: 1 cold path (as written):');
  expect(r.stdout).toContain('templates/warm.yml: No cold paths (after WarmStepFunctions)');
});

test('one SARIF run for all files, one artifact each, results pointing at their file', async () => {
  const r = await cli(['check', '--format', 'sarif', 'templates/warm.yml', 'templates/**/cold.yaml']);
  expect(r.code).toBe(1);
  const log = JSON.parse(r.stdout);
  expect(log.runs).toHaveLength(1);
  const run0 = log.runs[0];
  expect(run0.artifacts.map((a: any) => a.location.uri)).toEqual(['templates/warm.yml', 'templates/a/cold.yaml']);
  expect(run0.results).toHaveLength(1);
  expect(run0.results[0].locations[0].physicalLocation.artifactLocation).toMatchObject({ uri: 'templates/a/cold.yaml', index: 1 });
  expect(run0.invocations[0].exitCode).toBe(1);
});

test('json: one document with every file and the worst exit code', async () => {
  const r = await cli(['check', '--format', 'json', 'templates/warm.yml', 'templates/a/cold.yaml']);
  const doc = JSON.parse(r.stdout);
  expect(doc.exitCode).toBe(1);
  expect(doc.files.map((f: any) => [f.file, f.exitCode])).toEqual([
    ['templates/warm.yml', 0],
    ['templates/a/cold.yaml', 1],
  ]);
});

test('a nested stack whose TemplateURL is a local file is followed; a URL is not', async () => {
  writeFileSync(
    join(dir, 'cdk.out/nested/child.template.json'),
    JSON.stringify(JSON.parse((await cli(['transform', 'templates/a/cold.yaml', '--format', 'json'])).stdout)),
  );
  const r = await cli(['check', 'cdk.out/Parent.template.yaml']);
  expect(r.stdout).toContain('cdk.out/Parent.template.yaml: No cold paths');
  expect(r.stdout).toContain('cdk.out/nested/child.template.json: 1 cold path (as written):');
  expect(r.stdout).not.toContain('remote');
  expect(r.code).toBe(1);
});

test('a file that cannot be read counts as 2, and the others are still checked', async () => {
  const r = await cli(['check', 'templates/warm.yml', 'missing.yaml']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('cannot read missing.yaml');
  expect(r.stdout).toContain('templates/warm.yml: No cold paths');
});

test('a glob that matches nothing says so, and nothing to check is exit 2', async () => {
  const r = await cli(['check', 'nowhere/**/*.yaml']);
  expect(r.stderr).toContain('nowhere/**/*.yaml: no file matches');
  expect(r.code).toBe(2);
});

describe('findings in a DefinitionUri file point at the state in that file', () => {
  const example = join(ROOT, 'template/examples/sam-definition-uri');
  const asl = join(example, 'statemachine/stock_trader.asl.json');
  const aslLines = readFileSync(asl, 'utf8').split('\n');
  const lineOf = (state: string) => aslLines.findIndex((l) => l.trimStart().startsWith(`${JSON.stringify(state)}:`)) + 1;

  test('json: the ASL file, and the line and column of the state there', async () => {
    const r = await cli(['check', '--format', 'json', '--param', 'Mode=report', join(example, 'template.yaml')]);
    const doc = JSON.parse(r.stdout);
    expect(doc.coldPaths.length).toBeGreaterThan(0);
    for (const f of doc.coldPaths) {
      expect(f.file).toBe(asl);
      expect(lineOf(f.state)).toBeGreaterThan(0);
      expect([f.state, f.line, f.column]).toEqual([f.state, lineOf(f.state), aslLines[lineOf(f.state) - 1].indexOf('"') + 1]);
    }
  });

  test('SARIF: the ASL file is an artifact beside the template, and the results point into it', async () => {
    const r = await cli(['check', '--format', 'sarif', '--param', 'Mode=report', join(example, 'template.yaml'), 'templates/warm.yml']);
    const run0 = JSON.parse(r.stdout).runs[0];
    const uris = run0.artifacts.map((a: any) => a.location.uri);
    expect(uris.some((u: string) => u.endsWith('/statemachine/stock_trader.asl.json'))).toBe(true);
    const index = uris.findIndex((u: string) => u.endsWith('/statemachine/stock_trader.asl.json'));
    const cold = run0.results.filter((x: any) => x.ruleId === 'cold-path' && x.properties.stateMachine === 'StockTradingStateMachine');
    expect(cold.length).toBeGreaterThan(0);
    for (const x of cold) expect(x.locations[0].physicalLocation.artifactLocation.index).toBe(index);
  });
});
