/**
 * SAM's real translator (aws-sam-translator, Python, offline) around the macro, in both orders:
 *
 *  1. SAM after the macro: the inputs of the SAM-after fixtures are what the translator makes of their sources in
 *     test/fixtures/sam-source (`npm run fixtures:sam`), never written by hand: a checked-in input that differs
 *     from the translator's output today fails here (a new translator version is noticed).
 *  2. The macro first: for every fixture (and YAML example) whose input lists the macro, then SAM's transform, the
 *     translator accepts the macro's output, and in what it makes every state that invokes a function with
 *     provisioned concurrency invokes the alias SAM publishes (`Ref: Fn.Alias` resolves to `FnAlias<Name>`), and
 *     the state machine's role may invoke that alias.
 *  3. Both orders agree: for each of these SAM templates, the macro then SAM, and SAM then the macro, give the same
 *     definitions: every state invokes the same target.
 *
 * The templates are read by the oracle of test/support/corpus.ts (materialised definitions), not by the macro.
 * All translations go through one batch of Python (test/support/aws_tools.py). Without Python and SAM's translator
 * the tests are skipped with a warning, except under CI=true, where they fail.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readTransform, restoreTransform } from '../../macro/cli/transform-entry';
import type { JsonObject } from '../../macro/types';
import { describeWithTools, resultOf, runJobs, type Job, type JobResult } from '../support/aws-tools';
import {
  existingPlan,
  expectationOf,
  findInvocations,
  roleMayInvoke,
  roleOf,
  stateMachines,
  structuralDiff,
  type OracleSlot,
  type Template,
} from '../support/corpus';
import { parseTemplateText } from '../../macro/cli/yaml/template';
import { FIXTURES, listExamples, listFixtures, loadInput, runFixture, type FixtureCase } from '../support/fixtures';
import { afterSam, checkedInInput, forSam, isMacroFirst, listSamSources, loadSamSource, withOrder } from '../support/sam';

/** The macro's output as CloudFormation passes it on: with the transforms listed after the macro. */
function macro(template: JsonObject, file?: string): JsonObject {
  // `file`: where the template is, for DefinitionUri paths relative to it.
  const r = runFixture(template, file ? ({ name: file, inputPath: file, outputPath: '', isError: false } as FixtureCase) : undefined);
  if (!r.ok) throw new Error(`the macro failed: ${r.errorMessage}`);
  return restoreTransform(template, r.fragment as JsonObject, readTransform(template).remaining);
}

const sources = listSamSources();

/** A template that lists the macro before SAM's transform, and the macro's output (with SAM's transform). */
interface MacroFirst {
  name: string;
  input: JsonObject;
  output: () => JsonObject;
  /** How many states the macro rewrote. */
  rewritten: () => number;
  /** The folder local DefinitionUri paths are relative to. */
  dir: string;
}

const rewrittenIn = (output: JsonObject): number =>
  Object.values(output.Resources as Record<string, { Metadata?: { WarmStepFunctions?: unknown[] } }>).reduce(
    (n, x) => n + (x.Metadata?.WarmStepFunctions?.length ?? 0),
    0,
  );

const macroFirst: MacroFirst[] = [
  ...listFixtures()
    .filter((c) => !c.isError && isMacroFirst(loadInput(c)))
    .map((c): MacroFirst => {
      const input = loadInput(c);
      const output = (): JsonObject => restoreTransform(input, JSON.parse(readFileSync(c.outputPath, 'utf8')) as JsonObject, readTransform(input).remaining);
      return { name: `fixture ${c.name}`, input, output, rewritten: () => rewrittenIn(output()), dir: join(FIXTURES, 'input') };
    }),
  ...listExamples()
    .filter((e) => /\.ya?ml$/.test(e.file) && isMacroFirst(parseTemplateText(readFileSync(e.file, 'utf8'), e.file) as JsonObject))
    .map((e): MacroFirst => {
      const input = parseTemplateText(readFileSync(e.file, 'utf8'), e.file) as JsonObject;
      return { name: `example ${e.name}`, input, output: () => macro(input, e.file), rewritten: () => rewrittenIn(macro(input, e.file)), dir: dirname(e.file) };
    }),
];

/** One SAM template in both orders: `macroThenSam` and `samThenMacro` are filled in by the batch. */
interface BothOrders {
  name: string;
  /** Job id of SAM's translation of the macro's output (macro first). */
  macroFirstJob: string;
  /** Job id of SAM's translation of the template (SAM first), on which the macro then runs. */
  samFirstJob: string;
  /** The source, with SAM's transform first. */
  samFirst: JsonObject;
  /** The folder local DefinitionUri paths are relative to. */
  dir: string;
}

function jobs(): { jobs: Job[]; both: BothOrders[] } {
  const out: Job[] = [];
  const both: BothOrders[] = [];
  for (const s of sources) {
    const source = loadSamSource(s);
    out.push({ id: `drift:${s.name}`, op: 'sam', template: forSam(source) });
    out.push({ id: `macro-first:sam-source/${s.name}`, op: 'sam', template: forSam(macro(withOrder(source, 'macro'))) });
    both.push({
      name: `sam-source/${s.name}`,
      macroFirstJob: `macro-first:sam-source/${s.name}`,
      samFirstJob: `drift:${s.name}`,
      samFirst: source,
      dir: join(FIXTURES, 'sam-source'),
    });
  }
  for (const c of macroFirst) {
    out.push({ id: `macro-first:${c.name}`, op: 'sam', template: forSam(c.output()) });
    const samFirst = withOrder(c.input, 'sam');
    out.push({ id: `sam-first:${c.name}`, op: 'sam', template: forSam(samFirst) });
    both.push({ name: c.name, macroFirstJob: `macro-first:${c.name}`, samFirstJob: `sam-first:${c.name}`, samFirst, dir: c.dir });
  }
  return { jobs: out, both };
}

/**
 * What Step Functions deploys for a definition kept in S3: the object's text in place of `DefinitionS3Location`
 * (its DefinitionSubstitutions kept). The objects are the fixtures' stand-in for S3 (test/fixtures/s3/<bucket>/<key>)
 * and, for the bucket `bucket` that stands for `sam package`'s upload of a local DefinitionUri (aws_tools.py),
 * the local file beside the template (`dir`). Without it, the checks below could not see into those definitions.
 */
function deployed(t: Template, dir = join(FIXTURES, 'input')): Template {
  const out = structuredClone(t);
  for (const r of Object.values(out.Resources)) {
    const loc =
      r.Type === 'AWS::StepFunctions::StateMachine' ? (r.Properties?.DefinitionS3Location as { Bucket?: unknown; Key?: unknown } | undefined) : undefined;
    if (!loc || typeof loc.Bucket !== 'string' || typeof loc.Key !== 'string') continue;
    const file = loc.Bucket === 'bucket' ? join(dir, loc.Key) : join(FIXTURES, 's3', loc.Bucket, ...loc.Key.split('/'));
    if (!existsSync(file)) continue;
    delete r.Properties!.DefinitionS3Location;
    r.Properties!.DefinitionString = readFileSync(file, 'utf8');
  }
  return out;
}

/** What each invocation of each state machine targets, by `<state machine> <path in the definition>`. */
function targets(t: Template): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of findInvocations(t).slots) {
    const x = s.target;
    const what =
      x.kind === 'external' ? `external ${x.value}` : x.kind === 'function' ? `function ${x.fn}${x.qualifier ? `:${x.qualifier}` : ''}` : `${x.kind} ${x.id}`;
    out.set(`${s.stateMachine} ${s.aslPath.join('/')}`, what);
  }
  return out;
}

/**
 * Problems of a deployable template (after every transform): a state that still invokes a function with
 * provisioned concurrency without its warm target, or a role that may not invoke the target its state invokes.
 */
function warmProblems(t: Template): { problems: string[]; warm: OracleSlot[] } {
  const plan = existingPlan(t);
  const problems: string[] = [];
  const warm: OracleSlot[] = [];
  for (const s of findInvocations(t).slots) {
    const x = expectationOf(s, plan, t);
    if (x.change) problems.push(`${s.stateMachine} ${s.aslPath.join('/')} invokes ${s.value}, not the warm ${x.alias} (${x.reason})`);
    const target = s.target;
    if (target.kind === 'external' || target.kind === 'function' || plan.aliasOf.get(target.fn) !== target.id) continue;
    warm.push(s);
    const role = roleOf(t, s.stateMachine);
    if (role && !roleMayInvoke(t, role, target.id)) problems.push(`${s.stateMachine}'s role ${role} may not invoke ${target.id}`);
  }
  if (plan.ambiguous.length > 0) problems.push(`functions with several warm targets: ${plan.ambiguous.join(', ')}`);
  return { problems, warm };
}

describeWithTools("SAM's real translator, before and after the macro", ['aws-sam-translator'], () => {
  const { jobs: batch, both } = jobs();
  let results: Record<string, JobResult> = {};

  beforeAll(async () => {
    results = await runJobs(batch);
  }, 600_000);

  test('there are SAM templates in both orders', () => {
    expect(sources.length).toBeGreaterThanOrEqual(4);
    expect(macroFirst.filter((c) => c.name.startsWith('fixture ')).length).toBeGreaterThanOrEqual(5);
    expect(macroFirst.map((c) => c.name)).toContain('example sam');
  });

  describe('SAM first: the fixture inputs are what SAM makes of their sources (npm run fixtures:sam)', () => {
    test('every sam_after_ fixture has a SAM source', () => {
      const made = new Set(sources.map((s) => s.name));
      expect(
        listFixtures()
          .filter((c) => c.name.startsWith('sam_after_') && !made.has(c.name))
          .map((c) => c.name),
      ).toEqual([]);
    });

    test.each(sources.map((s) => [s.name, s] as const))('%s', (_name, s) => {
      const translated = resultOf(results, `drift:${s.name}`).template as JsonObject;
      const expected = afterSam(loadSamSource(s), translated);
      const current = checkedInInput(s);
      const diff =
        current === undefined
          ? ['(no input file)']
          : structuralDiff(current, expected).map((d) => `${d.path.join('/')}: ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}`);
      expect(diff.slice(0, 10)).toEqual([]);
    });
  });

  describe('the macro first: SAM accepts the output, and every state invokes the alias SAM publishes', () => {
    test.each(macroFirst.map((c) => [c.name, c] as const))('%s', (name, c) => {
      const r = results[`macro-first:${name}`];
      expect(r && (r.ok ? 'accepted' : r.error)).toBe('accepted');
      const t = deployed((r as { template: Template }).template, c.dir);
      const { problems, warm } = warmProblems(t);
      expect(problems).toEqual([]);
      // Every rewrite the macro reports ends at an alias (or version) with provisioned concurrency.
      expect(warm.length).toBeGreaterThanOrEqual(c.rewritten());
    });

    test('Ref Fn.Alias becomes the alias SAM publishes (FnAliaslive), as a warm target of the state', () => {
      const t = resultOf(results, 'macro-first:fixture sam_before_policy_template').template as Template;
      expect(t.Resources.FnAliaslive).toMatchObject({
        Type: 'AWS::Lambda::Alias',
        Properties: { Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 } },
      });
      expect([...targets(t).values()]).toEqual(['alias FnAliaslive']);
      expect(JSON.stringify(t)).not.toContain('{"Ref":"Fn.Alias"}');
    });
  });

  describe('Globals, SnapStart, durable functions and Fn.Version: the translated output invokes <Fn>Alias<name>', () => {
    test.each<[string, Record<string, string>]>([
      ['sam_globals_autopublish_pc', { 'Flow States/Checkout/Resource': 'alias CheckoutAliaslive', 'Flow States/Audit/Resource': 'function Audit' }],
      [
        'sam_globals_snapstart',
        { 'Flow States/Quote/Parameters/FunctionName': 'alias QuoteAliaslive', 'Flow States/Bill/Parameters/FunctionName': 'alias BillAliascurrent' },
      ],
      ['sam_durable_autopublish', { 'Flow States/Saga/Parameters/FunctionName': 'alias SagaAliasprod' }],
      ['sam_ref_version', { 'Flow States/Work/Resource': 'alias FnAliaslive' }],
      [
        'sam_globals_deployment_preference',
        {
          'Booking States/Reserve/Parameters/FunctionName': 'alias ReserveAliaslive',
          'Booking States/Settle/Parameters/FunctionName': 'alias SettleAliaslive',
        },
      ],
      ['sam_globals_conditional_stage', { 'Pricing States/Price/Resource': 'alias PricerAliaslive' }],
    ])('%s, in both orders', (name, expected) => {
      const b = both.find((x) => x.name === `fixture ${name}`)!;
      const macroThenSam = resultOf(results, b.macroFirstJob).template as Template;
      const samThenMacro = macro(afterSam(b.samFirst, resultOf(results, b.samFirstJob).template as JsonObject) as JsonObject) as Template;
      expect(Object.fromEntries(targets(macroThenSam))).toEqual(expected);
      expect(Object.fromEntries(targets(samThenMacro))).toEqual(expected);
    });

    test('SAM merged the Globals as the macro read them: the aliases carry what the functions were given', () => {
      const t = resultOf(results, 'macro-first:fixture sam_globals_snapstart').template as Template;
      expect(t.Resources.QuoteAliaslive).toMatchObject({ Type: 'AWS::Lambda::Alias', Properties: { Name: 'live' } });
      expect(t.Resources.Quote.Properties).toMatchObject({ SnapStart: { ApplyOn: 'PublishedVersions' } });
      expect(t.Resources.BillAliascurrent).toMatchObject({ Type: 'AWS::Lambda::Alias', Properties: { Name: 'current' } });
      const pc = resultOf(results, 'macro-first:fixture sam_globals_autopublish_pc').template as Template;
      expect(pc.Resources.CheckoutAliaslive).toMatchObject({ Properties: { ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } } });
      expect(Object.keys(pc.Resources).filter((id) => id.startsWith('AuditAlias'))).toEqual([]);
    });
  });

  describe('both orders, the macro then SAM and SAM then the macro, send every state to the same target', () => {
    test.each(both.map((b) => [b.name, b] as const))('%s', (_name, b) => {
      // Both as deployed: a definition kept in S3 is read as the deployed macro and Step Functions read it.
      const macroThenSam = deployed(resultOf(results, b.macroFirstJob).template as Template, b.dir);
      const samOutput = resultOf(results, b.samFirstJob).template as JsonObject;
      const samThenMacro = deployed(macro(deployed(afterSam(b.samFirst, samOutput) as Template, b.dir) as JsonObject) as Template, b.dir);
      expect(Object.fromEntries(targets(samThenMacro))).toEqual(Object.fromEntries(targets(macroThenSam)));
      // The whole definitions agree, not only the invocations.
      const asl = (t: Template) => Object.fromEntries(stateMachines(t).map((m) => [m.id, m.asl ?? m.unreadable]));
      expect(asl(samThenMacro)).toEqual(asl(macroThenSam));
      expect(warmProblems(samThenMacro).problems).toEqual([]);
      expect(warmProblems(macroThenSam).problems).toEqual([]);
    });

    test('the comparison is not vacuous: most templates invoke an alias with provisioned concurrency', () => {
      // Templates with nothing warm to invoke, by design: keep_no_warm (no provisioned concurrency) and
      // form_definition_uri (its definition stays in S3 with no object behind it in the fixtures).
      const cold = both
        .filter((b) => warmProblems(deployed(resultOf(results, b.macroFirstJob).template as Template, b.dir)).warm.length === 0)
        .map((b) => b.name);
      expect(cold).toEqual(['fixture form_definition_uri', 'fixture keep_no_warm']);
    });
  });

  test('the checks can fail: an output that still invokes the function is caught', () => {
    const t = structuredClone(resultOf(results, 'macro-first:fixture sam_before_policy_template').template) as Template;
    const subs = t.Resources.Flow.Properties!.DefinitionSubstitutions as Record<string, unknown>;
    for (const k of Object.keys(subs)) subs[k] = { 'Fn::GetAtt': ['Fn', 'Arn'] };
    expect(warmProblems(t).problems).toEqual([expect.stringMatching(/^Flow States\/Work\/Resource invokes .*function:Fn, not the warm FnAliaslive/)]);
  });
});
