/**
 * The CLI prints template-controlled text safely (macro/cli/safe.ts): no control character, line
 * separator or bidirectional override from a template reaches the terminal or a CI log as itself,
 * so that no ANSI escape runs and no `::error::` or `##vso[` line starts; quoted names are capped.
 */
import { escapeControls, QUOTE_LIMIT, quote, safeLine } from '../../../macro/cli/safe';
import { cli } from '../../support/cli';
import { deepObject } from '../../support/probes';

/** Nothing a terminal or a CI runner would act on, and every line the CLI's own. */
function expectInert(out: string): void {
  expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  for (const line of out.split('\n')) {
    expect(line).not.toMatch(/^\s*::/);
    expect(line).not.toMatch(/^\s*##vso\[/);
  }
}

const HOSTILE = '\u001b[2J\u001b[31mowned\u0007\r\n::error file=x::forged\n##vso[task.complete result=Succeeded]\u2028\u202etxt.exe\u0085';

describe('escapeControls', () => {
  test('C0, DEL, C1, line separators and bidirectional overrides become visible escapes', () => {
    expect(escapeControls(HOSTILE)).toBe(
      '\\x1b[2J\\x1b[31mowned\\x07\\r\\n::error file=x::forged\\n##vso[task.complete result=Succeeded]\\u2028\\u202etxt.exe\\x85',
    );
  });

  test('printable text, including non-ASCII letters and emoji, is left as it is', () => {
    expect(escapeControls('Zürich → 東京 ✓ 🚀 ${Fn.Arn}')).toBe('Zürich → 東京 ✓ 🚀 ${Fn.Arn}');
  });

  test(`quote caps at ${QUOTE_LIMIT} characters, keeping both ends`, () => {
    const q = quote(`start${'x'.repeat(10_000)}end`);
    expect(q.length).toBeLessThanOrEqual(QUOTE_LIMIT);
    expect(q).toMatch(/^startx+…\(\d[\d,]* characters\)…x+end$/);
    expect(quote('short')).toBe('short');
  });

  test('safeLine keeps a message on one line', () => {
    expect(safeLine('a\nb')).toBe('a\\nb');
  });
});

describe('the CLI on a template with hostile names', () => {
  // A state named with an ANSI escape, a newline and a workflow command, invoking a warm function.
  const stateName = JSON.stringify(HOSTILE).slice(1, -1);
  const definition = `{"StartAt":"${stateName}","States":{"${stateName}":{"Type":"Task","Resource":"\${Fn.Arn}","End":true},"Cold${stateName}":{"Type":"Task","Resource":"\${Other.Arn}","End":true}}}`;
  const template = JSON.stringify({
    Transform: 'WarmStepFunctions',
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'orders-fn' } },
      Other: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'other-fn' } },
      FnLive: {
        Type: 'AWS::Lambda::Alias',
        Properties: { FunctionName: { Ref: 'Fn' }, FunctionVersion: '1', Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 } },
      },
      Flow: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { RoleArn: 'arn:aws:iam::123456789012:role/flow', DefinitionString: { 'Fn::Sub': definition } },
      },
    },
  });

  test('transform: the summary on stderr quotes the names escaped', async () => {
    const { code, stderr, stdout } = await cli(['transform', 't.json'], { 't.json': template });
    expect(code).toBe(0);
    expectInert(stderr);
    expect(stderr).toContain('rewritten  Flow States.\\x1b[2J\\x1b[31mowned\\x07\\r\\n::error file=x::forged\\n##vso[task.complete');
    // The template itself is JSON on stdout: JSON escapes control characters.
    expect(stdout).not.toMatch(/\u001b/);
  });

  test('check (text): the findings quote the names escaped', async () => {
    const noTransform = template.replace('"Transform":"WarmStepFunctions",', '');
    const { stdout, stderr } = await cli(['check', 't.json'], { 't.json': noTransform });
    expectInert(stdout);
    expectInert(stderr);
    expect(stdout).toContain('Flow States.\\x1b[2J');
  });

  test('a failure message quoting an Fn::Sub excerpt stays on its line', async () => {
    const t = JSON.parse(template);
    t.Resources.Flow.Properties.DefinitionString['Fn::Sub'] =
      '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn.Arn\n::error::forged\u001b[31m","End":true}}}';
    const { code, stderr } = await cli(['transform', 't.json'], { 't.json': JSON.stringify(t) });
    expect(code).toBe(1);
    expect(stderr).toContain('failed: ');
    expect(stderr).toContain('\\n::error::forged\\x1b[31m');
    expectInert(stderr);
  });

  test('a state name of 50,000 characters: quoted in at most 200', async () => {
    const long = template.split(stateName).join(`L${'x'.repeat(50_000)}`);
    const { stderr } = await cli(['transform', 't.json'], { 't.json': long });
    const line = stderr.split('\n').find((l) => l.includes('rewritten'))!;
    expect(line.length).toBeLessThan(3 * QUOTE_LIMIT);
  });
});

describe('the CLI on a template nested past the limit: a failure naming it, never a stack overflow', () => {
  const deep = deepObject(10_000);
  test.each([
    ['listing the macro', deep.replace('{"Resources"', '{"Transform":"WarmStepFunctions","Resources"')],
    ['not listing the macro (printed back as it is)', deep],
  ])('transform, %s', async (_name, text) => {
    const { code, stderr } = await cli(['transform', 't.json'], { 't.json': text });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^WarmStepFunctions failed: .*nests more than 3,000 levels deep \(objects and lists\), the macro's limit/);
    expect(stderr).not.toContain('Maximum call stack');
  });

  test('check', async () => {
    const { code, stderr } = await cli(['check', 't.json'], { 't.json': deep });
    expect(code).toBe(1);
    expect(stderr).toContain("nests more than 3,000 levels deep (objects and lists), the macro's limit");
  });
});
