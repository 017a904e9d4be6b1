/**
 * The macro over a corpus of real-world templates that nobody here wrote (shared/corpus beside the repository:
 * AWS SAM translator outputs and AWS CDK integration snapshots). Every template is its own test:
 *
 *  1. As-is: the template comes back unchanged, unless it already has provisioned concurrency on a function a
 *     state machine invokes; then exactly those invocations move onto the warm target (same checks as 2).
 *  2. Warmed (`warm` in test/support/corpus.ts adds provisioned concurrency to every function the state machines
 *     invoke, found by an oracle independent of the macro):
 *     a. every invocation the oracle expects to move now targets the warm alias (materialised definitions);
 *     b. every difference between input and output lies in a state machine's definition, DefinitionSubstitutions
 *        or Metadata.WarmStepFunctions, or is an addition to IAM;
 *     c. everything else in the materialised definitions (Pass data, aws-sdk:lambda tasks, ...) is unchanged;
 *     d. the output is a fixed point of the macro;
 *     e. the macro throws nothing but TransformError, and only for the templates listed in EXPECTED_ERRORS;
 *     plus: the report's rewritten decisions and Metadata.WarmStepFunctions match the oracle, the state machine's
 *     role (when it is in the template) may invoke every new target, and a state machine whose definition cannot
 *     be read (S3) is left as it is with a warning when its DefinitionSubstitutions name a warm function.
 *  3. Warmed with data uses (`withDataUses`): the invocation's own reference (its DefinitionSubstitutions key, or
 *     the same Fn::Join piece) is also used in a Pass Result and as an aws-sdk:lambda:getFunction FunctionName; the
 *     same checks as 2, so those data uses must stay as they are while the invocation moves. (The corpus itself
 *     has no such data uses, so without this stage check (c) would only guard against collateral damage.)
 *
 * Known core defects are listed in KNOWN_DEFECTS with the exact problems they cause: such a test passes while the
 * problems are exactly those, and fails as soon as they change (fixed or different), so that the entry is removed.
 * Set WSF_CORPUS_SUMMARY=<file> to write a JSON summary of the run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TransformError } from '../../macro/errors';
import { jsonEqual } from '../../macro/cfn/json';
import { transform } from '../../macro/core/transform';
import type { Report } from '../../macro/types';
import {
  aliasSample,
  corpusRoot,
  disallowedDifference,
  existingPlan,
  expectationOf,
  findInvocations,
  functionsOfUnreadableDefinitions,
  listCorpus,
  loadTemplate,
  roleMayInvoke,
  roleOf,
  setAt,
  stateMachines,
  structuralDiff,
  warm,
  type CorpusEntry,
  type OracleSlot,
  type StateMachineInfo,
  type Template,
  type WarmPlan,
  withDataUses,
  DATA_STATES,
} from '../support/corpus';
import { materialize, sampleArn } from '../support/validate';

const OPTIONS = { region: 'us-east-1', accountId: '123456789012' };
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const ROOT = corpusRoot(REPO_ROOT);

/**
 * Templates on which the macro must throw a TransformError (as-is), each with why that is right. None today: the
 * two SAM test templates with a resource that has no Type (`unsupported_resources`) or an object as its Type
 * (`resource_with_invalid_type`) used to be here; the macro now passes such resources through, since it has
 * nothing to do with them and CloudFormation reports them itself.
 */
const EXPECTED_ERRORS: Record<string, { message: RegExp; why: string }> = {};
// Known core defects (none open). A state's Type given by DefinitionSubstitutions was one; it is resolved now.
const KNOWN_DEFECTS: Record<string, RegExp[]> = {};

interface Outcome {
  name: string;
  stateMachines: number;
  unreadable: string[];
  slots: number;
  expectedRewrites: number;
  reportedRewrites: number;
  alreadyWarm: string[];
  warmed: Record<string, string>;
  dataUses: string[];
  error?: string;
  problems: string[];
}

const outcomes: Outcome[] = [];
let entries: CorpusEntry[] = [];
let missing: Error | undefined;
try {
  entries = listCorpus(ROOT);
} catch (e) {
  missing = e as Error;
}

const started = Date.now();

test('the template corpus is present beside the repository', () => {
  if (missing) throw missing;
  expect(entries.length).toBeGreaterThan(0);
});

if (entries.length > 0) {
  test.each(entries.map((e) => [e.name, e] as const))('%s', (name, entry) => {
    const outcome = runTemplate(name, loadTemplate(entry.file));
    outcomes.push(outcome);
    const known = KNOWN_DEFECTS[name] ?? [];
    const unexplained = outcome.problems.filter((p, i) => !known[i]?.test(p));
    expect({ problems: outcome.problems.length, unexplained }).toEqual({ problems: known.length, unexplained: [] });
  });

  test('the corpus exercises the macro (summary)', () => {
    const total = (k: 'stateMachines' | 'slots' | 'expectedRewrites' | 'reportedRewrites'): number => outcomes.reduce((n, o) => n + o[k], 0);
    const summary = {
      templates: outcomes.length,
      withStateMachines: outcomes.filter((o) => o.stateMachines > 0).map((o) => o.name),
      stateMachines: total('stateMachines'),
      unreadableStateMachines: outcomes.flatMap((o) => o.unreadable.map((u) => `${o.name}: ${u}`)),
      withInvocations: outcomes.filter((o) => o.slots > 0).length,
      invocations: total('slots'),
      expectedRewrites: total('expectedRewrites'),
      reportedRewrites: total('reportedRewrites'),
      alreadyWarm: outcomes.filter((o) => o.alreadyWarm.length > 0).map((o) => `${o.name}: ${o.alreadyWarm.join(', ')}`),
      warmed: outcomes.filter((o) => Object.keys(o.warmed).length > 0).map((o) => ({ name: o.name, functions: o.warmed })),
      dataUses: outcomes.flatMap((o) => o.dataUses.map((u) => `${o.name}: ${u}`)),
      transformErrors: outcomes.filter((o) => o.error).map((o) => `${o.name}: ${o.error}`),
      failing: outcomes.filter((o) => o.problems.length > 0).map((o) => ({ name: o.name, problems: o.problems })),
      milliseconds: Date.now() - started,
    };
    if (process.env.WSF_CORPUS_SUMMARY) fs.writeFileSync(process.env.WSF_CORPUS_SUMMARY, `${JSON.stringify(summary, null, 2)}\n`);
    expect(summary.templates).toBe(entries.length);
    // Not vacuous: the corpus has state machines whose invocations the warmed run must move.
    expect(summary.withStateMachines.length).toBeGreaterThan(0);
    expect(summary.expectedRewrites).toBeGreaterThan(0);
    expect(summary.reportedRewrites).toBeGreaterThan(0);
    expect(summary.dataUses.length).toBeGreaterThan(0);
  });
}

// ---------------------------------------------------------------------------------------------------------------

describe('the checks can fail', () => {
  // A template whose warmed run moves invocations and passes every check.
  const sample = () => {
    const o = outcomes.find((x) => x.expectedRewrites > 0 && x.problems.length === 0 && !KNOWN_DEFECTS[x.name]);
    if (!o) throw new Error('no template of the corpus moves an invocation cleanly');
    const template = loadTemplate(entries.find((e) => e.name === o.name)!.file);
    const plan = warm(template);
    const machines = stateMachines(plan.template);
    const { slots } = findInvocations(plan.template, machines);
    const result = transform(plan.template, OPTIONS);
    return { plan, machines, slots, output: result.fragment as Template, report: result.report };
  };

  test('a macro that changes nothing is caught', () => {
    if (missing) throw missing;
    const { plan, machines, slots } = sample();
    const problems: string[] = [];
    check('self-test', plan.template, plan, machines, slots, plan.template, { decisions: [], summary: {} } as unknown as Report, problems);
    expect(problems.some((p) => /WarmAlias, got /.test(p))).toBe(true);
    expect(problems.some((p) => /report: rewritten states \[\]/.test(p))).toBe(true);
  });

  test('a change outside the definitions, Metadata and IAM is caught', () => {
    if (missing) throw missing;
    const { plan, machines, slots, output, report } = sample();
    const tampered = structuredClone(output);
    const fn = [...plan.aliasOf.keys()][0];
    tampered.Resources[fn].Properties = { ...tampered.Resources[fn].Properties, Timeout: 901 };
    const problems: string[] = [];
    check('self-test', plan.template, plan, machines, slots, tampered, report, problems);
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`Resources/${fn}/Properties/Timeout: .* may not change`)));
  });

  test('a data use moved onto the alias is caught', () => {
    if (missing) throw missing;
    // A template whose data uses share a DefinitionSubstitutions key with the invocation; moving the key itself
    // (instead of splitting it) would move the data uses too.
    const o = outcomes.find((x) => x.problems.length === 0 && x.dataUses.some((u) => u.includes('via DefinitionSubstitutions')));
    if (!o) throw new Error('no template of the corpus has a data use through DefinitionSubstitutions');
    const template = loadTemplate(entries.find((e) => e.name === o.name)!.file);
    const plan = warm(template);
    const data = withDataUses(plan.template, findInvocations(plan.template).slots, new Set(plan.aliasOf.keys()));
    const use = data.uses.find((u) => u.via.startsWith('DefinitionSubstitutions'))!;
    const key = use.via.slice('DefinitionSubstitutions '.length);
    const result = transform(data.template, OPTIONS);
    const tampered = structuredClone(result.fragment) as Template;
    tampered.Resources[use.stateMachine].Properties!.DefinitionSubstitutions[key] = { Ref: plan.aliasOf.get(use.fn) };
    const machines = stateMachines(data.template);
    const problems: string[] = [];
    check(
      'self-test',
      data.template,
      { ...plan, template: data.template },
      machines,
      findInvocations(data.template, machines).slots,
      tampered,
      result.report,
      problems,
    );
    expect(problems).toContainEqual(
      expect.stringMatching(new RegExp(`${use.stateMachine} States/${DATA_STATES.pass}/Result/fn: expected ${sampleArn(use.fn)}, got`)),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(new RegExp(`${use.stateMachine} States/${DATA_STATES.sdk}/Parameters/FunctionName: expected ${sampleArn(use.fn)}, got`)),
    );
  });
});

function runTemplate(name: string, template: Template): Outcome {
  const machines = stateMachines(template);
  const { slots } = findInvocations(template, machines);
  const outcome: Outcome = {
    name,
    stateMachines: machines.length,
    unreadable: machines.filter((m) => m.unreadable).map((m) => `${m.id} (${m.unreadable})`),
    slots: slots.length,
    expectedRewrites: 0,
    reportedRewrites: 0,
    alreadyWarm: [],
    warmed: {},
    dataUses: [],
    problems: [],
  };
  const problems = outcome.problems;

  // 1. As-is.
  const current = existingPlan(template);
  outcome.alreadyWarm = [...current.aliasOf.entries()].map(([fn, t]) => `${fn} -> ${t}`).concat(current.ambiguous.map((fn) => `${fn} (several)`));
  const expected = EXPECTED_ERRORS[name];
  const asIs = run(template, outcome, 'as-is');
  if (expected) {
    if (asIs.ok) problems.push(`as-is: expected a TransformError (${expected.why}), but the macro succeeded`);
    else if (!expected.message.test(asIs.message))
      problems.push(`as-is: TransformError message ${JSON.stringify(asIs.message)} does not match ${expected.message}`);
    return outcome;
  }
  if (!asIs.ok) return outcome;
  const invokedWarm = slots.some((s) => s.target.kind !== 'external' && (current.aliasOf.has(s.target.fn) || current.ambiguous.includes(s.target.fn)));
  if (!invokedWarm) {
    if (!jsonEqual(asIs.fragment, template)) {
      problems.push(
        `as-is: nothing invoked is warm, but the template changed at ${structuralDiff(template, asIs.fragment)
          .map((d) => d.path.join('/'))
          .slice(0, 5)
          .join(', ')}`,
      );
    }
  } else {
    if (current.ambiguous.length > 0)
      problems.push(`as-is: functions with several warm targets (${current.ambiguous.join(', ')}): review and list the expected outcome`);
    check('as-is', template, current, machines, slots, asIs.fragment as Template, asIs.report, problems);
  }

  // 2. Warmed.
  const plan = warm(template, slots);
  outcome.warmed = Object.fromEntries([...plan.aliasOf.entries()].map(([fn, a]) => [fn, `${a} (${plan.how.get(fn)})`]));
  if (plan.aliasOf.size === 0) return outcome;
  const warmed = run(plan.template, outcome, 'warmed');
  if (!warmed.ok) return outcome;
  const warmedMachines = stateMachines(plan.template);
  const warmedSlots = findInvocations(plan.template, warmedMachines).slots;
  const counts = check('warmed', plan.template, plan, warmedMachines, warmedSlots, warmed.fragment as Template, warmed.report, problems);
  outcome.expectedRewrites = counts.expected;
  outcome.reportedRewrites = counts.reported;

  // 3. Warmed, with the invocations' own references also used as data (Pass Result, aws-sdk:lambda:getFunction).
  const data = withDataUses(plan.template, warmedSlots, new Set(plan.aliasOf.keys()));
  outcome.dataUses = data.uses.map((u) => `${u.stateMachine}: ${u.fn} via ${u.via}`);
  if (data.uses.length === 0) return outcome;
  const dataMachines = stateMachines(data.template);
  const dataScan = findInvocations(data.template, dataMachines);
  for (const u of data.uses) {
    const asl = dataMachines.find((m) => m.id === u.stateMachine)?.asl;
    const seen =
      asl?.States?.[DATA_STATES.pass]?.Result?.fn === sampleArn(u.fn) &&
      dataScan.notes.some((n) => n.stateMachine === u.stateMachine && n.state === DATA_STATES.sdk && n.kind === 'aws-sdk-lambda');
    if (!seen) problems.push(`data: the data states were not added to ${u.stateMachine} as intended (test helper problem)`);
  }
  const withData = run(data.template, outcome, 'data');
  if (!withData.ok) return outcome;
  check('data', data.template, { ...plan, template: data.template }, dataMachines, dataScan.slots, withData.fragment as Template, withData.report, problems);
  return outcome;
}

type RunResult = { ok: true; fragment: unknown; report: Report } | { ok: false; message: string };

/** Runs the core; records a TransformError on the outcome, and any other exception as a problem. */
function run(input: Template, outcome: Outcome, label: string): RunResult {
  try {
    const r = transform(input, OPTIONS);
    return { ok: true, fragment: r.fragment, report: r.report };
  } catch (e) {
    if (e instanceof TransformError) {
      outcome.error = `${label}: ${e.message}`;
      if (!EXPECTED_ERRORS[outcome.name] || label !== 'as-is') outcome.problems.push(`${label}: unexpected TransformError: ${e.message}`);
      return { ok: false, message: e.message };
    }
    outcome.problems.push(`${label}: threw ${(e as Error)?.name ?? typeof e} (not a TransformError): ${(e as Error)?.message ?? String(e)}`);
    return { ok: false, message: String(e) };
  }
}

/** Checks one successful run against the oracle's expectations. Returns the expected and reported rewrite counts. */
function check(
  label: string,
  input: Template,
  plan: WarmPlan,
  machines: StateMachineInfo[],
  slots: OracleSlot[],
  output: Template,
  report: Report,
  problems: string[],
): { expected: number; reported: number } {
  const expectations = slots.map((s) => expectationOf(s, plan, input));
  const moving = slots.filter((_, i) => expectations[i].change);

  // (a) + (c): the materialised output definition is the materialised input with exactly the expected slots moved.
  for (const sm of machines) {
    const outProps = output.Resources[sm.id]?.Properties ?? {};
    if (!sm.asl) {
      if (!jsonEqual(output.Resources[sm.id], input.Resources[sm.id])) problems.push(`${label}: ${sm.id} (${sm.unreadable}) changed`);
      continue;
    }
    const want = structuredClone(sm.asl);
    slots.forEach((s, i) => {
      const x = expectations[i];
      if (s.stateMachine === sm.id && x.change) setAt(want, s.aslPath, aliasSample(x.alias));
    });
    let got: unknown;
    try {
      got = materialize(outProps[sm.property!], outProps.DefinitionSubstitutions);
    } catch (e) {
      problems.push(`${label}: ${sm.id}: the output definition does not materialise: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    for (const d of structuralDiff(want, got)) {
      problems.push(`${label}: ${sm.id} ${d.path.join('/')}: expected ${show(d.before)}, got ${show(d.after)}`);
    }
    if (!moving.some((s) => s.stateMachine === sm.id) && !jsonEqual(output.Resources[sm.id], input.Resources[sm.id])) {
      problems.push(`${label}: ${sm.id} has no invocation to move, but the resource changed`);
    }
  }

  // (b): every difference is allowed.
  for (const d of structuralDiff(input, output)) {
    const why = disallowedDifference(input, d);
    if (why) problems.push(`${label}: ${why}`);
  }

  // The report and Metadata.WarmStepFunctions agree with the oracle.
  const rewritten = report.decisions
    .filter((d) => d.action === 'rewritten')
    .map((d) => `${d.stateMachine}/${d.state}`)
    .sort();
  const wanted = moving.map((s) => `${s.stateMachine}/${s.state}`).sort();
  if (!jsonEqual(rewritten, wanted))
    problems.push(`${label}: report: rewritten states [${rewritten.join(', ')}] but the oracle expects [${wanted.join(', ')}]`);
  for (const sm of machines) {
    const n = moving.filter((s) => s.stateMachine === sm.id).length;
    const meta = (output.Resources[sm.id]?.Metadata as Record<string, unknown> | undefined)?.WarmStepFunctions;
    const has = Array.isArray(meta) ? meta.length : 0;
    if (n > 0 && has !== n) problems.push(`${label}: ${sm.id}: Metadata.WarmStepFunctions has ${has} entries, expected ${n}`);
  }
  // State machines whose definition cannot be read, but whose substitutions name a warm function: a warning.
  const warmFns = new Set(plan.aliasOf.keys());
  for (const sm of machines) {
    if (sm.asl) continue;
    const refs = functionsOfUnreadableDefinitions(input, [sm]);
    if (refs.some((f) => warmFns.has(f)) && !report.decisions.some((d) => d.action === 'warning' && d.stateMachine === sm.id)) {
      problems.push(`${label}: ${sm.id} cannot be read and its substitutions name a warm function, but the report has no warning`);
    }
  }

  // IAM: the role (when it is in the template) may invoke every new target.
  for (const s of moving) {
    const role = roleOf(output, s.stateMachine);
    const alias = plan.aliasOf.get((s.target as { fn: string }).fn)!;
    if (role && !roleMayInvoke(output, role, alias)) problems.push(`${label}: role ${role} of ${s.stateMachine} may not invoke ${alias}`);
    if (!role && !report.decisions.some((d) => d.action === 'warning' && d.stateMachine === s.stateMachine)) {
      problems.push(`${label}: the role of ${s.stateMachine} is not in the template, but the report has no warning about it`);
    }
  }

  // (d): a fixed point.
  try {
    const again = transform(output, OPTIONS).fragment;
    if (!jsonEqual(again, output)) {
      problems.push(
        `${label}: not idempotent: the second run changed ${structuralDiff(output, again)
          .map((d) => d.path.join('/'))
          .slice(0, 5)
          .join(', ')}`,
      );
    }
  } catch (e) {
    problems.push(`${label}: the second run threw ${(e as Error).name}: ${(e as Error).message}`);
  }
  return { expected: moving.length, reported: rewritten.length };
}

function show(v: unknown): string {
  const s = v === undefined ? '(nothing)' : typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}
