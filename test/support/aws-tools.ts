/**
 * AWS's own tools in the test loop: cfn-lint, SAM's translator (aws-sam-translator) and cfn-lint's YAML reader,
 * all Python, driven through test/support/aws_tools.py. A Python process answers a whole batch of jobs, so
 * that cfn-lint's rules and the translator load once per process (one or two per test file), not once per
 * template.
 *
 * When Python or one of these packages is missing (a user's machine), the tests that need them say so with
 * console.warn and are skipped; under CI=true they fail instead (`describeWithTools`). Set WSF_PYTHON to use
 * another interpreter than `python3`.
 *
 * Written independently of macro/ (it is an oracle): no product code is imported here.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type Tool = 'cfn-lint' | 'aws-sam-translator' | 'PyYAML';

// Bundled scripts (scripts/run-ts.mjs) run from a temp dir: then the script is found from the project root.
const SCRIPT = existsSync(join(__dirname, 'aws_tools.py')) ? join(__dirname, 'aws_tools.py') : resolve('test', 'support', 'aws_tools.py');
const PYTHON = process.env.WSF_PYTHON || 'python3';

let versions: Record<string, string | null> | undefined;
let versionsError: string | undefined;

/** Versions of Python and of each tool (null when missing), read once per test file. */
export function toolVersions(): Record<string, string | null> | undefined {
  if (versions || versionsError) return versions;
  const r = spawnSync(PYTHON, [SCRIPT, '--versions'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error || r.status !== 0) {
    versionsError = `${PYTHON} could not run ${SCRIPT}: ${r.error ? r.error.message : (r.stderr || `exit ${r.status}`).trim()}`;
    return undefined;
  }
  try {
    versions = JSON.parse(r.stdout) as Record<string, string | null>;
  } catch {
    versionsError = `${PYTHON} ${SCRIPT} --versions printed ${JSON.stringify(r.stdout.slice(0, 200))}`;
  }
  return versions;
}

/** Why the tools cannot be used, or undefined when they all can. */
export function missingTools(tools: readonly Tool[]): string | undefined {
  const v = toolVersions();
  if (!v) return versionsError;
  const missing = tools.filter((t) => !v[t]);
  if (missing.length === 0) return undefined;
  const why = missing.map((t) => `${t}${v[`${t} error`] ? ` (${v[`${t} error`]})` : ''}`).join(', ');
  return `python ${v.python} has no ${why}; install them with pip (pip install cfn-lint aws-sam-translator)`;
}

/**
 * `describe(title, body)` when the tools are there. Otherwise: under CI=true, one failing test that names what
 * is missing; elsewhere a console.warn with the reason, and the block is skipped.
 */
export function describeWithTools(title: string, tools: readonly Tool[], body: () => void): void {
  const missing = missingTools(tools);
  if (!missing) {
    describe(title, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(title, () => {
      test(`needs ${tools.join(', ')}`, () => {
        throw new Error(`${title}: ${missing} (CI=true: these tests may not be skipped)`);
      });
    });
    return;
  }
  console.warn(`Skipping "${title}": ${missing}`);
  describe.skip(title, body);
}

export interface LintFinding {
  rule: string;
  /** 'error' | 'warning' | 'informational' */
  severity: string;
  message: string;
  path: (string | number)[];
}

export type Job =
  | { id: string; op: 'lint'; template: unknown; regions?: string[] }
  | { id: string; op: 'sam'; template: unknown }
  | { id: string; op: 'yaml'; text: string };

export type JobResult = { ok: true; findings?: LintFinding[]; template?: any; value?: unknown } | { ok: false; error: string; trace?: string };

/**
 * Runs the jobs, split over as many Python processes as there are cores (at most 2: each loads cfn-lint's rules
 * once, about 2 s); each job succeeds or fails on its own.
 */
export async function runJobs(jobs: readonly Job[], processes = Math.min(2, cpus().length)): Promise<Record<string, JobResult>> {
  const n = Math.max(1, Math.min(processes, Math.ceil(jobs.length / 20)));
  // Interleaved, so that each process gets a share of the large templates.
  const shards = Array.from({ length: n }, (_, k) => jobs.filter((_job, i) => i % n === k));
  const answers = await Promise.all(shards.map(runBatch));
  return Object.assign({}, ...answers) as Record<string, JobResult>;
}

/** Runs the jobs in one Python process. */
function runBatch(jobs: readonly Job[]): Promise<Record<string, JobResult>> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code !== 0) {
        reject(new Error(`${SCRIPT} exited with ${code}: ${Buffer.concat(err).toString('utf8').slice(-2000)}`));
        return;
      }
      try {
        resolve((JSON.parse(stdout) as { results: Record<string, JobResult> }).results);
      } catch (e) {
        reject(new Error(`${SCRIPT} printed no JSON answer (${(e as Error).message}): ${stdout.slice(0, 500)}`));
      }
    });
    child.stdin.end(JSON.stringify({ jobs }));
  });
}

/** The result of a job, or an error that says why it failed. */
export function resultOf(results: Record<string, JobResult>, id: string): JobResult & { ok: true } {
  const r = results[id];
  if (!r) throw new Error(`no answer for job ${id}`);
  if (!r.ok) throw new Error(`${id}: ${r.error}`);
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// Comparing cfn-lint findings
// ---------------------------------------------------------------------------------------------------------------

/**
 * Where a finding belongs: `Resources/<id>` for a resource, else the template section (`Outputs/<id>`,
 * `Parameters/<id>`, `Transform`...). Paths inside a resource and line numbers are left out: they move when the
 * macro edits a definition or a policy.
 */
export function findingOwner(f: LintFinding): string {
  const [section, id] = f.path;
  if (section === undefined) return '(template)';
  if (['Resources', 'Outputs', 'Parameters', 'Conditions', 'Mappings', 'Rules'].includes(String(section)) && id !== undefined) return `${section}/${id}`;
  return String(section);
}

/**
 * The error-level findings of `after` that `before` does not have, compared by rule id and owner (see
 * `findingOwner`) as a multiset: an error `before` has once and `after` twice counts once as new.
 */
export function newLintErrors(before: readonly LintFinding[], after: readonly LintFinding[]): LintFinding[] {
  const key = (f: LintFinding): string => `${f.rule} ${findingOwner(f)}`;
  const remaining = new Map<string, number>();
  for (const f of before) if (f.severity === 'error') remaining.set(key(f), (remaining.get(key(f)) ?? 0) + 1);
  const fresh: LintFinding[] = [];
  for (const f of after) {
    if (f.severity !== 'error') continue;
    const n = remaining.get(key(f)) ?? 0;
    if (n > 0) remaining.set(key(f), n - 1);
    else fresh.push(f);
  }
  return fresh;
}

export function formatLintFindings(findings: readonly LintFinding[]): string {
  return findings.map((f) => `${f.rule} ${f.path.join('/')}: ${f.message}`).join('\n');
}
