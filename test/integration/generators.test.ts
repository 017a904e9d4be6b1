/**
 * Proof against what users' tools really emit: templates compiled by the Serverless Framework v3
 * (serverless-step-functions), synthesized by the AWS CDK v2 in-process, and SAM-shaped
 * templates, each fed to the Lambda handler exactly as CloudFormation would (the built bundle runs
 * the same cases under the Lambda runtime clients in lambda-runtime.test.ts).
 *
 * On every output: each invocation of a warm function goes to its warm target (independent
 * oracle), everything else in the definitions is identical, the role allows the new target,
 * AWS's offline validator finds no new error, each definition passes asl-validator, and a second
 * run changes nothing.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CDK_APPS } from '../support/cdk-apps';
import { definitionOf, expectedTarget, invocations, roleAllows, roleOf, sampleTargetArn, warmInfo } from '../support/oracle';
import { errorFindings, formatFindings, newErrors, validateDefinition, validateTemplate, warmUpTemplateValidator } from '../support/validate';
import { parseTemplateText } from '../../macro/cli/yaml/template';
import { dependencyGraph } from '../support/cycles';

jest.setTimeout(180_000);

type Obj = Record<string, any>;
const ROOT = join(__dirname, '..', '..');
import { createHandler } from '../../macro/lambda/handler';
const quiet = { log: () => undefined, env: {} };

function withoutTransform(t: Obj): Obj {
  const { Transform: _t, ...rest } = t;
  return rest;
}

async function runMacro(fragment: Obj): Promise<Obj> {
  const reply = await createHandler(quiet)({
    region: 'us-east-1',
    accountId: '123456789012',
    fragment,
    transformId: '123456789012::WarmStepFunctions',
    params: {},
    requestId: 'test',
    templateParameterValues: {},
  });
  if (reply.status !== 'success') throw new Error(`macro failed: ${reply.errorMessage}`);
  return reply.fragment as Obj;
}

const cases: [string, () => Obj][] = [];
for (const dir of readdirSync(join(ROOT, 'template', 'examples'))
  .filter((d) => d.startsWith('serverless-'))
  .sort()) {
  const file = join(ROOT, 'template', 'examples', dir, 'compiled.json');
  if (existsSync(file)) cases.push([`Serverless Framework: ${dir}`, () => JSON.parse(readFileSync(file, 'utf8'))]);
}
cases.push(['CDK example project (template/examples/cdk)', () => JSON.parse(readFileSync(join(ROOT, 'template', 'examples', 'cdk', 'compiled.json'), 'utf8'))]);
for (const app of CDK_APPS) cases.push([`CDK app ${app.name}: ${app.description}`, () => app.synth()]);
const fixtures = join(ROOT, 'test', 'fixtures', 'input');
for (const f of readdirSync(fixtures)
  .filter((f) => f.startsWith('sam_'))
  .sort()) {
  cases.push([`SAM-shaped: ${f}`, () => parseTemplateText(readFileSync(join(fixtures, f), 'utf8'), f) as Obj]);
}

beforeAll(async () => {
  await warmUpTemplateValidator();
}, 180_000);

test('there are generator cases of every kind', () => {
  expect(cases.filter(([n]) => n.startsWith('Serverless')).length).toBeGreaterThanOrEqual(5);
  expect(cases.filter(([n]) => n.startsWith('CDK')).length).toBeGreaterThanOrEqual(4);
});

describe.each(cases)('%s', (_name, load) => {
  let input: Obj;
  let output: Obj;
  beforeAll(async () => {
    input = withoutTransform(load());
    output = await runMacro(structuredClone(input));
  });

  test('every invocation of a warm function goes to its warm target; everything else is identical', () => {
    const info = warmInfo(input);
    let rewritten = 0;
    for (const [id, r] of Object.entries<Obj>(input.Resources)) {
      if (!/StateMachine$/.test(r.Type)) continue;
      const before = definitionOf(r);
      const after = definitionOf(output.Resources[id]);
      if (!before) continue;
      const expected = structuredClone(before);
      for (const inv of invocations(expected)) {
        const target = expectedTarget(inv.value, info);
        if (!target) continue;
        const [container, key] = inv.field.includes('.') ? inv.field.split('.') : [undefined, inv.field];
        // When the target depends on the state machine (the functions' environment or role refers to
        // it), a reference would make a circular dependency: the target's literal ARN instead.
        const literal = closesCycle(input, id, target) ? literalTargetArn(input, target, info) : undefined;
        (container ? inv.state[container] : inv.state)[key] = literal ?? sampleTargetArn(target);
        rewritten++;
      }
      expect(after).toEqual(expected);
    }
    if (info.targetOf.size > 0 && Object.values<Obj>(input.Resources).some((r) => /StateMachine$/.test(r.Type))) {
      // Templates with warm functions and state machines exercise at least one rewrite or are already warm.
      expect(rewritten + invocationsAlreadyWarm(input, info)).toBeGreaterThan(0);
    }
  });

  test('the role of every rewritten state machine allows the new target', () => {
    const info = warmInfo(input);
    for (const [id, r] of Object.entries<Obj>(output.Resources)) {
      const meta: Obj[] = r.Metadata?.WarmStepFunctions ?? [];
      if (!/StateMachine$/.test(r.Type) || meta.length === 0) continue;
      const role = roleOf(r);
      if (!role) continue; // SAM state machines: covered by fixtures
      for (const inv of invocations(definitionOf(r)!)) {
        const target = targetOfArn(inv.value, input, info);
        if (target) expect({ id, target, allowed: roleAllows(output, role, target, info) }).toEqual({ id, target, allowed: true });
      }
    }
  });

  test('nothing outside state machines, their Metadata and IAM changes', () => {
    for (const [id, r] of Object.entries<Obj>(input.Resources)) {
      const o = output.Resources[id];
      if (/StateMachine$/.test(r.Type)) {
        const { Metadata: _m1, Properties: _p1, ...restIn } = r;
        const { Metadata: _m2, Properties: _p2, ...restOut } = o;
        expect(restOut).toEqual(restIn);
      } else if (!/^AWS::IAM::/.test(r.Type)) expect(o).toEqual(r);
    }
    expect(Object.keys(output.Resources)).toEqual(Object.keys(input.Resources));
    const { Resources: _a, ...topIn } = input;
    const { Resources: _b, ...topOut } = output;
    expect(topOut).toEqual(topIn);
  });

  test('AWS CloudFormation validator: no error the input did not already have', async () => {
    const ignoreSamAliasRef = (f: { message: string }) => !/\.Alias/.test(f.message);
    const before = errorFindings(await validateTemplate(input));
    const after = errorFindings(await validateTemplate(output));
    const added = newErrors(before, after).filter(ignoreSamAliasRef);
    expect(formatFindings(added)).toBe(formatFindings([]));
  });

  test('asl-validator: every definition stays valid', async () => {
    for (const [id, r] of Object.entries<Obj>(output.Resources)) {
      if (!/StateMachine$/.test(r.Type)) continue;
      const def = definitionOf(r);
      if (!def) continue;
      const inputResult = await validateDefinition(definitionOf(input.Resources[id])!);
      const result = await validateDefinition(def);
      expect({ id, errors: result.errors.filter((e) => !inputResult.errors.includes(e)) }).toEqual({ id, errors: [] });
    }
  });

  test('a second run changes nothing', async () => {
    expect(await runMacro(structuredClone(output))).toEqual(output);
  });
});

/** Would `stateMachine → target` close a circular dependency of the template (independent detector)? */
function closesCycle(template: Obj, stateMachine: string, target: string): boolean {
  const graph = dependencyGraph(template);
  const seen = new Set<string>();
  const stack = [target.replace(/\.Alias$/, '')];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === stateMachine) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(graph.get(id) ?? []));
  }
  return false;
}

/** The materialised literal ARN of an alias whose function's FunctionName and whose Name are literal. */
function literalTargetArn(template: Obj, target: string, info: ReturnType<typeof warmInfo>): string | undefined {
  const fn = info.qualifierFn.get(target);
  const name = fn === undefined ? undefined : template.Resources[fn]?.Properties?.FunctionName;
  const alias = info.aliasName.get(target);
  return typeof name === 'string' && alias !== undefined ? `arn:aws:lambda:us-east-1:123456789012:function:${name}:${alias}` : undefined;
}

/** The alias or version an invoked (materialised) ARN names: a sample `Ref`, or a literal `NAME:ALIAS`. */
function targetOfArn(value: string, template: Obj, info: ReturnType<typeof warmInfo>): string | undefined {
  const [name, qualifier] = (value.split(':function:')[1] ?? '').split(':');
  if (qualifier === undefined) return info.qualifierFn.has(name) ? name : undefined;
  const fn = info.fnByName.get(name);
  return [...info.aliasName].find(([id, alias]) => alias === qualifier && info.qualifierFn.get(id) === fn && template.Resources[id] !== undefined)?.[0];
}

function invocationsAlreadyWarm(input: Obj, info: ReturnType<typeof warmInfo>): number {
  let n = 0;
  for (const r of Object.values<Obj>(input.Resources)) {
    if (!/StateMachine$/.test(r.Type)) continue;
    const def = definitionOf(r);
    if (!def) continue;
    for (const inv of invocations(def)) if (info.qualifierFn.has(inv.value.split(':function:')[1] ?? '')) n++;
  }
  return n;
}
