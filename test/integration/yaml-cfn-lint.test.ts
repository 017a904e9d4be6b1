/**
 * The CLI reads YAML as cfn-lint does: for every YAML file of the repository that is a template (fixtures, SAM
 * sources, examples, the macro's own templates), the tricky layouts in test/fixtures/yaml, and 300 generated
 * layouts (flow collections and quoted scalars indented less than the block around them, down to column 0),
 * `parseTemplateText` and cfn-lint's own reader (`cfnlint.decode.cfn_yaml.loads`, PyYAML with libyaml) either
 * both read the same value, or both refuse the text. The one documented difference, CloudFormation's rather than
 * cfn-lint's: a date stays a string (cfn-lint's dates are compared as ISO strings).
 *
 * Then the built CLI (`dist/cli.cjs`) runs `transform` and `check` on a whole template written in those layouts.
 * Without Python and cfn-lint the comparison is skipped with a warning, except under CI=true, where it fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { parseTemplateText } from '../../macro/cli/yaml/template';
import { describeWithTools, runJobs, type JobResult } from '../support/aws-tools';
import { layout } from '../support/yaml-layouts';

const ROOT = join(__dirname, '..', '..');

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' ? [] : yamlFiles(p);
    return /\.ya?ml$/.test(d.name) ? [p] : [];
  });
}

interface Case {
  name: string;
  text: string;
}

const files: Case[] = [join(ROOT, 'test', 'fixtures'), join(ROOT, 'template')]
  .flatMap(yamlFiles)
  .sort()
  .map((p) => ({ name: relative(ROOT, p), text: readFileSync(p, 'utf8') }));
const generated: Case[] = fc.sample(layout, { numRuns: 300, seed: 20261127 }).map((l, i) => ({ name: `generated layout ${i}`, text: l.text }));

type Reading = { ok: true; value: unknown } | { ok: false; error: string };

function ours(text: string): Reading {
  try {
    return { ok: true, value: JSON.parse(JSON.stringify(parseTemplateText(text))) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

describeWithTools("YAML is read as cfn-lint's own reader reads it", ['cfn-lint'], () => {
  let results: Record<string, JobResult> = {};

  beforeAll(async () => {
    results = await runJobs([...files, ...generated].map((c) => ({ id: c.name, op: 'yaml' as const, text: c.text })));
  }, 300_000);

  test('there are files to compare, tricky ones among them', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((f) => f.name.startsWith('test/fixtures/yaml/')).length).toBeGreaterThanOrEqual(10);
  });

  test.each([...files, ...generated].map((c) => [c.name, c] as const))('%s', (name, c) => {
    const theirs = results[name];
    const mine = ours(c.text);
    const verdict = (r: Reading | JobResult): string => (r.ok ? 'read' : 'refused');
    expect({ ours: verdict(mine), cfnLint: verdict(theirs) }).toEqual({ ours: verdict(theirs), cfnLint: verdict(theirs) });
    if (mine.ok && theirs.ok) expect(mine.value).toEqual(theirs.value);
    // The files named reject-* are refused by both, the others read by both.
    if (name.includes('/reject-')) expect(mine.ok).toBe(false);
  });

  test('the comparison can fail: a value read differently is caught', () => {
    const theirs = results['test/fixtures/yaml/flow-seq-item-continued.yaml'] as { value: any };
    const mine = ours(readFileSync(join(ROOT, 'test/fixtures/yaml/flow-seq-item-continued.yaml'), 'utf8')) as { value: any };
    expect(isDeepStrictEqual(mine.value, theirs.value)).toBe(true);
    mine.value.Resources.Fn.Properties.Tags[0].Value = 'other';
    expect(isDeepStrictEqual(mine.value, theirs.value)).toBe(false);
  });
});

describe('the CLI (dist/cli.cjs) on a template in those layouts', () => {
  const file = 'test/fixtures/yaml/lenient-template.yaml';
  const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.cjs'), ...args], { cwd: ROOT, encoding: 'utf8' });

  test('transform: exit 0, the Task moves to WarmStepFunctions alias, the rest as cfn-lint reads it', () => {
    const r = cli(['transform', file, '--format', 'json']);
    expect({ code: r.status, stderr: r.stderr }).toEqual({
      code: 0,
      stderr: expect.stringContaining('rewritten  Flow States.Work: {Worker.Arn} → {WorkerLive}'),
    });
    const out = JSON.parse(r.stdout);
    expect(out.Resources.Flow.Properties.Definition.States.Work).toEqual({ Type: 'Task', Resource: { Ref: 'WorkerLive' }, End: true });
    expect(out.Resources.Worker.Properties.Environment).toEqual({ Variables: { STAGE: 'prod', TABLE: { Ref: 'AWS::StackName' } } });
    expect(out.Resources.Worker.Properties.Tags).toEqual([{ Key: 'team', Value: 'orders' }]);
    expect(out.Resources.WorkerLive.Properties.ProvisionedConcurrencyConfig).toEqual({ ProvisionedConcurrentExecutions: 2 });
  });

  test('check: exit 0, no cold path once the macro runs', () => {
    const r = cli(['check', file]);
    expect({ code: r.status, stdout: r.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/^No cold paths \(after WarmStepFunctions\)/) });
  });

  test('a template the lenient reading cannot save still fails with the position of the problem', () => {
    const r = cli(['check', 'test/fixtures/yaml/reject-unclosed-flow.yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/reject-unclosed-flow\.yaml:6:\d+: /);
  });
});
