/**
 * The bad-input catalogue (README, "Bad inputs"): each row is a test. A clear failure that names
 * the resource and the path is right; a crash, a stack trace, a hang or a silently broken
 * template is wrong. Rows already covered by a fixture pair name it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TransformError } from '../../macro/errors';
import { createHandler } from '../../macro/lambda/handler';
import type { LogRecord } from '../../macro/lambda/log';
import { transform } from '../../macro/core/transform';
import type { JsonObject } from '../../macro/types';

const OPTS = { region: 'us-east-1', accountId: '123456789012' };

function warmTemplate(definitionString: unknown, extra: JsonObject = {}): JsonObject {
  return {
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'orders-fn' } },
      FnVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
      FnLive: {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { Ref: 'Fn' },
          FunctionVersion: { 'Fn::GetAtt': ['FnVersion', 'Version'] },
          Name: 'live',
          ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
        },
      },
      Flow: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { RoleArn: 'arn:aws:iam::123456789012:role/flow', DefinitionString: definitionString as never },
      },
      ...extra,
    },
  } as JsonObject;
}

function failure(fragment: unknown): string {
  try {
    transform(fragment, OPTS);
  } catch (e) {
    expect(e).toBeInstanceOf(TransformError);
    return (e as Error).message;
  }
  throw new Error('expected a TransformError');
}

const fixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'output', `${name}.json`), 'utf8');

describe('bad input catalogue', () => {
  test.each([
    ['null', null],
    ['a string', 'Resources: {}'],
    ['a list', [1, 2]],
  ])('the fragment is %s → failure naming the fragment', (_n, fragment) => {
    expect(failure(fragment)).toMatch(/^\(fragment\): the template fragment must be a JSON object, got /);
  });

  test('Resources is not an object → failure naming Resources (fixture error_resources_not_object)', () => {
    expect(failure({ Resources: [] })).toBe('Resources: must be a map of logical IDs to resources, got a list');
    expect(fixture('error_resources_not_object')).toContain('Resources: must be a map of logical IDs to resources');
  });

  test.each<[string, unknown]>([
    ['has no Type', { Properties: {} }],
    ['has an empty Type', { Type: '' }],
    ['has a Type that is not a string', { Type: { Ref: 'T' } }],
    ['is not an object', 5],
    ['is null', null],
  ])('a resource the macro has nothing to do with %s → passed through untouched (fixture keep_unreadable_resources)', (_n, odd) => {
    const t = warmTemplate({ 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn.Arn}","End":true}}}' }, { Odd: odd as never });
    const out = transform(t, OPTS).fragment as JsonObject;
    expect((out.Resources as JsonObject).Odd).toBe(odd);
    expect(JSON.stringify(out)).toContain('${FnLive}');
    expect(transform({ Resources: { Odd: odd as never } }, OPTS).fragment).toEqual({ Resources: { Odd: odd } });
  });

  test('a resource without Type that a state invokes → failure naming that resource and path (fixture error_unreadable_invoked)', () => {
    const t = warmTemplate({ 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Odd.Arn}","End":true}}}' }, { Odd: { Properties: {} } });
    expect(failure(t)).toBe(
      'Resource with id [Odd] is invalid. Resources/Odd/Type: the resource has no Type; the macro must read it, since state States.A of Flow refers to it in Resource',
    );
    expect(fixture('error_unreadable_invoked')).toContain('the resource has no Type; the macro must read it');
  });

  test('a role with an empty Type, of a state machine the macro rewrites → failure naming the role and path (fixture error_unreadable_role)', () => {
    const t = warmTemplate({ 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn.Arn}","End":true}}}' }, { Role: { Type: '' } });
    (t.Resources as any).Flow.Properties.RoleArn = { 'Fn::GetAtt': ['Role', 'Arn'] };
    expect(failure(t)).toBe(
      'Resource with id [Role] is invalid. Resources/Role/Type: Type must be a non-empty string; the macro must read it, since it is the role of Flow (RoleArn), which must be allowed to invoke the new targets',
    );
    expect(fixture('error_unreadable_role')).toContain('Type must be a non-empty string; the macro must read it');
    // A role whose Properties are not an object: the same, once the macro must read it.
    (t.Resources as any).Role = { Type: 'AWS::IAM::Role', Properties: 'oops' };
    expect(failure(t)).toMatch(
      /^Resource with id \[Role\] is invalid\. Resources\/Role\/Properties: Properties must be an object, got a string; the macro must read it, since it is the role of Flow/,
    );
    (t.Resources as any).Flow.Properties.RoleArn = 'arn:aws:iam::123456789012:role/flow';
    expect(transform(t, OPTS).fragment).toMatchObject({ Resources: { Role: { Type: 'AWS::IAM::Role', Properties: 'oops' } } });
  });

  test('DefinitionString is invalid JSON → failure with resource, path, line and column', () => {
    const msg = failure(warmTemplate({ 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn.Arn}","End":true}' }));
    expect(msg).toMatch(
      /^Resource with id \[Flow\] is invalid\. Resources\/Flow\/Properties\/DefinitionString: cannot read the definition, which refers to Fn, a function with provisioned concurrency: invalid JSON: expected ',' or '}', found end of text at line 1, column \d+/,
    );
  });

  test('DefinitionString is invalid JSON and refers to a SnapStart function with a published version (no provisioned concurrency) → failure too; with nothing published, a warning', () => {
    const text = { 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Snap.Arn}","End":true}' };
    const snap = { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'snap-fn', SnapStart: { ApplyOn: 'PublishedVersions' } } };
    const published = warmTemplate(text, { Snap: snap, SnapVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Snap' } } } });
    expect(failure(published)).toContain('Resources/Flow/Properties/DefinitionString: cannot read the definition, which refers to Snap');
    const { report } = transform(warmTemplate(text, { Snap: snap }), OPTS);
    expect(report.decisions.filter((d) => d.action === 'warning')).toHaveLength(1);
  });

  test('Fn::Sub with an unclosed ${ → failure with line and column', () => {
    const msg = failure(warmTemplate({ 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn.Arn}","End":true}}}\n${oops' }));
    expect(msg).toContain(
      "Resources/Flow/Properties/DefinitionString: cannot read the definition, which refers to Fn, a function with provisioned concurrency: Fn::Sub has an unclosed '${' at line 2, column 1 of the Fn::Sub text",
    );
  });

  test.each([
    [['only one'], 'a list of 1 item (a string)'],
    [['a', {}, 'c'], 'a list of 3 items (a string, an object, a string)'],
    [[1, { X: { 'Fn::GetAtt': ['Fn', 'Arn'] } }], 'a list of 2 items (a number, an object)'],
  ])('Fn::Sub with the wrong arity %j → failure saying what it got', (arg, got) => {
    const t = warmTemplate({ 'Fn::Sub': arg });
    // touches the warm function through the variable map or not at all: both are named
    const message = (() => {
      try {
        return transform(t, OPTS) && '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    if (message) expect(message).toContain(`Fn::Sub takes a string or a list of two items [string, variable map]; got ${got}`);
    else expect(transform(t, OPTS).report.decisions.some((d) => d.action === 'warning' && d.reason.includes(got))).toBe(true);
  });

  test('a GetAtt points at a missing resource → left as it is, with a warning naming it', () => {
    const t = warmTemplate('{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Missing.Arn}","End":true}}}');
    (t.Resources as JsonObject).Flow = {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        RoleArn: 'arn:aws:iam::123456789012:role/flow',
        DefinitionString: { 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Missing.Arn}","End":true}}}' },
      },
    };
    const { fragment, report } = transform(t, OPTS);
    expect(fragment).toEqual(t);
    expect(report.decisions).toContainEqual(
      expect.objectContaining({ action: 'warning', state: 'A', reason: expect.stringContaining('refers to Missing, which is not a resource or parameter') }),
    );
  });

  test("an alias's FunctionName is an Fn::ImportValue → ignored with a warning naming the alias", () => {
    const t = warmTemplate({ 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn.Arn}","End":true}}}' });
    ((t.Resources as JsonObject).FnLive as JsonObject).Properties = {
      FunctionName: { 'Fn::ImportValue': 'shared-fn' },
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
    };
    const { fragment, report } = transform(t, OPTS);
    expect(fragment).toEqual(t);
    expect(report.decisions).toContainEqual(
      expect.objectContaining({
        action: 'warning',
        templatePath: 'Resources/FnLive/Properties/FunctionName',
        reason: expect.stringContaining('names no function in this template; it is ignored'),
      }),
    );
  });

  test('Parallel branches nested 10,000 deep → no stack overflow; the innermost task is rewritten', () => {
    const depth = 10_000;
    let inner = '{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"${Fn.Arn}","End":true}}}';
    for (let k = 0; k < depth; k++) inner = `{"StartAt":"P${k}","States":{"P${k}":{"Type":"Parallel","End":true,"Branches":[${inner}]}}}`;
    const { fragment, report } = transform(warmTemplate({ 'Fn::Sub': inner }), OPTS);
    expect(report.summary.rewritten).toBe(1);
    const out = ((fragment as JsonObject).Resources as JsonObject).Flow as { Properties: { DefinitionString: { 'Fn::Sub': string } } };
    expect(out.Properties.DefinitionString['Fn::Sub']).toContain('"Resource":"${FnLive}"');
    expect(out.Properties.DefinitionString['Fn::Sub'].length).toBe(inner.length - '${Fn.Arn}'.length + '${FnLive}'.length);
  });

  test("a 5 MB fragment (5x CloudFormation's limit) → transformed, nothing lost", () => {
    const resources: JsonObject = {};
    for (let k = 0, size = 0; size < 5_300_000; k++) {
      resources[`Queue${k}`] = { Type: 'AWS::SQS::Queue', Properties: { QueueName: `q-${k}-${'x'.repeat(400)}` } };
      size += 470;
    }
    const t = warmTemplate({ 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn.Arn}","End":true}}}' }, resources);
    expect(JSON.stringify(t).length).toBeGreaterThan(5_000_000);
    const { fragment, report } = transform(t, OPTS);
    expect(report.summary.rewritten).toBe(1);
    expect(Object.keys((fragment as JsonObject).Resources as JsonObject)).toEqual(Object.keys(t.Resources as JsonObject));
  });

  test('duplicate state names across branches → each rewritten, told apart by path', () => {
    const branch = '{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"${Fn.Arn}","End":true}}}';
    const def = `{"StartAt":"Fan","States":{"Fan":{"Type":"Parallel","End":true,"Branches":[${branch},${branch}]}}}`;
    const { fragment, report } = transform(warmTemplate({ 'Fn::Sub': def }), OPTS);
    expect(report.decisions.filter((d) => d.action === 'rewritten').map((d) => d.statePath)).toEqual([
      'States.Fan.Branches[0].States.Work',
      'States.Fan.Branches[1].States.Work',
    ]);
    const meta = (((fragment as JsonObject).Resources as JsonObject).Flow as JsonObject).Metadata as JsonObject;
    expect((meta.WarmStepFunctions as JsonObject[]).map((m) => m.path)).toEqual(['States.Fan.Branches[0].States.Work', 'States.Fan.Branches[1].States.Work']);
  });

  test('a state machine whose Definition is a string → failure when it invokes a warm function (fixture error_definition_is_string_warm)', () => {
    expect(fixture('error_definition_is_string_warm')).toContain('Definition must be an object (a JSON string belongs in DefinitionString)');
  });

  test('the warm target depends on the state machine and has no literal ARN → left as it is, with a warning naming the cycle; a failure in Mode strict (fixtures cycle_no_literal, error_strict_cycle)', () => {
    // The function's environment refers to Flow; FnLive's Name is computed, so it has no literal ARN.
    const t = warmTemplate({
      'Fn::Sub': '{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:orders-fn","End":true}}}',
    });
    const resources = t.Resources as Record<string, JsonObject>;
    resources.Fn = { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'orders-fn', Environment: { Variables: { FLOW: { Ref: 'Flow' } } } } };
    (resources.FnLive.Properties as JsonObject).Name = { 'Fn::Sub': '${AWS::StackName}-live' };
    const { fragment, report } = transform(t, OPTS);
    expect((fragment as { Resources: JsonObject }).Resources.Flow).toEqual(resources.Flow);
    expect(report.decisions.map((d) => [d.action, d.statePath, d.reason.split(', which')[0]])).toEqual([
      ['warning', 'States.W', 'Resource is left as it is: pointing it at FnLive would make a circular dependency (Flow → FnLive → Fn → Flow)'],
    ]);
    expect(() => transform(t, { ...OPTS, mode: 'strict' })).toThrow(
      'state States.W: Resource cannot point at FnLive: that would make a circular dependency (Flow → FnLive → Fn → Flow) (Mode strict)',
    );
    expect(fixture('error_strict_cycle')).toContain('that would make a circular dependency (Flow → WorkLive → Work → Flow) (Mode strict)');
  });

  test('a Transform parameter of the wrong type → failure listing what is accepted (fixture error_param_mode_type)', async () => {
    const reply = await createHandler({ log: () => undefined, env: {} })({
      region: 'us-east-1',
      accountId: '123456789012',
      fragment: warmTemplate('{}'),
      transformId: 'x',
      params: { Mode: 3 },
      requestId: 'r',
      templateParameterValues: {},
    });
    expect(reply).toMatchObject({
      status: 'failure',
      errorMessage: 'Transform/WarmStepFunctions/Parameters: Mode must be one of rewrite, report, strict; got 3.',
    });
  });
});

describe('security', () => {
  test('a NoEcho secret in templateParameterValues never appears in any log line, on success or failure', async () => {
    const secret = 'S3cr3t-NoEcho-Value-4711';
    const lines: string[] = [];
    const log = (l: LogRecord): void => void lines.push(JSON.stringify(l));
    for (const fragment of [
      warmTemplate({ 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn.Arn}","End":true}}}' }),
      warmTemplate({ 'Fn::Sub': '{' }),
    ]) {
      await createHandler({ log, env: {} })({
        region: 'us-east-1',
        accountId: '123456789012',
        fragment,
        transformId: 'x',
        params: {},
        requestId: 'r',
        templateParameterValues: { DbPassword: secret },
      });
    }
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(l).not.toContain(secret);
  });

  test('templates full of __proto__ keys: Object.prototype untouched, keys survive as data', () => {
    const t = JSON.parse(
      `{"__proto__":{"polluted":1},"Resources":{"__proto__":{"Type":"AWS::SQS::Queue","Properties":{"__proto__":{"x":1},"constructor":{"prototype":{"polluted":2}}}},` +
        `"Fn":{"Type":"AWS::Lambda::Function","Properties":{}},"FnLive":{"Type":"AWS::Lambda::Alias","Properties":{"FunctionName":{"Ref":"Fn"},"Name":"live","ProvisionedConcurrencyConfig":{"ProvisionedConcurrentExecutions":1}}},` +
        `"Flow":{"Type":"AWS::StepFunctions::StateMachine","Metadata":{"__proto__":{"polluted":3}},"Properties":{"RoleArn":"arn:aws:iam::1:role/r","Definition":{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"__proto__":{"polluted":4}},"Next":"B"},"B":{"Type":"Task","Resource":{"Fn::GetAtt":["Fn","Arn"]},"End":true}}}}}}}`,
    );
    const { fragment } = transform(t, OPTS);
    const out = fragment as any;
    expect(({} as any).polluted).toBeUndefined();
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out.Resources)).toEqual(['__proto__', 'Fn', 'FnLive', 'Flow']);
    expect(Object.getOwnPropertyDescriptor(out.Resources.Flow.Metadata, '__proto__')?.value).toEqual({ polluted: 3 });
    expect(Object.getOwnPropertyDescriptor(out.Resources.Flow.Properties.Definition.States.A.Result, '__proto__')?.value).toEqual({ polluted: 4 });
    expect(out.Resources.Flow.Properties.Definition.States.B.Resource).toEqual({ Ref: 'FnLive' });
  });

  test('no eval or new Function in the source or the Lambda bundle', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name.endsWith('.ts')) files.push(join(dir, e.name));
      }
    };
    walk(join(__dirname, '..', '..', 'macro'));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expect({ f, hit: /\beval\s*\(|new\s+Function\s*\(/.test(readFileSync(f, 'utf8')) }).toEqual({ f, hit: false });
    const bundle = readFileSync(join(__dirname, '..', '..', 'dist', 'macro.js'), 'utf8');
    expect(/\beval\s*\(|new\s+Function\s*\(/.test(bundle)).toBe(false);
  });

  test('the Lambda bundle imports only Node built-ins statically, and (lazily) the AWS SDK of the Lambda runtime', () => {
    const bundle = readFileSync(join(__dirname, '..', '..', 'dist', 'macro.js'), 'utf8');
    const statics = [...bundle.matchAll(/\bfrom\s*"([^"]+)"|\bimport\s*"([^"]+)"|\brequire\("([^"]+)"\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
    for (const r of statics) expect(r).toMatch(/^node:|^(fs|path|os|util|events|crypto)$/);
    const dynamic = [...bundle.matchAll(/\bimport\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(dynamic).toContain('@aws-sdk/client-lambda');
    for (const r of dynamic) expect(r).toMatch(/^@aws-sdk\/client-[a-z0-9-]+$/);
  });
});
