/**
 * Every limit docs/limits.md states, with the same number: at the limit the macro works, one past
 * it the failure names the limit (never a stack overflow, a runtime serialization error or a heap
 * that runs out). The numbers come from macro/limits.ts, and docs/limits.md is checked to state them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TransformError } from '../../macro/errors';
import { createHandler } from '../../macro/lambda/handler';
import { tokenizeSub } from '../../macro/cfn/sub';
import { formatCount, LIMITS, nestingDepth } from '../../macro/limits';
import type { LogRecord } from '../../macro/lambda/log';
import { transform } from '../../macro/core/transform';
import type { JsonObject, MacroReply } from '../../macro/types';
import { deepObject, deepTasks, deepText, longName, macroEvent, subReuseName, warmTemplate, wideTasks } from '../support/probes';

const OPTS = { region: 'us-east-1', accountId: '123456789012' };

function failure(fragment: unknown): string {
  try {
    transform(fragment, OPTS);
  } catch (e) {
    expect(e).toBeInstanceOf(TransformError);
    return (e as Error).message;
  }
  throw new Error('expected a TransformError');
}

const flowOf = (fragment: unknown): JsonObject => ((fragment as JsonObject).Resources as JsonObject).Flow as JsonObject;
const metadataOf = (fragment: unknown): JsonObject[] => (flowOf(fragment).Metadata as JsonObject).WarmStepFunctions as JsonObject[];

describe('docs/limits.md states the numbers of macro/limits.ts', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'limits.md'), 'utf8');
  test.each(Object.entries(LIMITS))('%s: %d', (_name, value) => {
    expect(doc).toContain(formatCount(value));
  });
});

describe(`nesting: ${formatCount(LIMITS.nesting)} levels of objects and lists`, () => {
  // Template → Resources → Flow → Properties → Definition, then 4 levels per Parallel state, and the
  // innermost task's Resource (an object holding a list).
  const deepest = Math.floor((LIMITS.nesting - 9) / 4);

  test(`a Definition object with ${deepest} nested Parallel states: rewritten, and the reply serializes`, () => {
    const t = JSON.parse(deepObject(deepest));
    expect(nestingDepth(t, Infinity)).toBeLessThanOrEqual(LIMITS.nesting);
    const { fragment, report } = transform(t, OPTS);
    expect(report.summary.rewritten).toBe(1);
    expect(() => JSON.stringify(fragment)).not.toThrow();
  });

  test(`one more Parallel state (${deepest + 1}): a failure naming the limit and the state machine`, () => {
    const t = JSON.parse(deepObject(deepest + 1));
    expect(nestingDepth(t, Infinity)).toBe(LIMITS.nesting + 1);
    expect(failure(t)).toMatch(/^Resource with id \[Flow\] is invalid\. Resources\/Flow: the template nests more than 3,000 levels deep/);
  });

  test("10,000 nested Parallel states in a Definition object (the README's old claim): a failure naming the limit, and the reply serializes", async () => {
    const logs: LogRecord[] = [];
    const reply = (await createHandler({ log: (r) => logs.push(r), env: {} })(macroEvent(JSON.parse(deepObject(10_000))) as never)) as MacroReply;
    expect(reply.status).toBe('failure');
    expect(reply.errorMessage).toContain("nests more than 3,000 levels deep (objects and lists), the macro's limit");
    // The template it was given cannot be written back: the failure carries an empty one.
    expect(reply.fragment).toEqual({});
    expect(() => JSON.stringify(reply)).not.toThrow();
    expect(logs.map((l) => l.level)).toEqual(['ERROR']);
  });
});

describe.each(['string', 'sub', 'join'] as const)('definition text (%s): no nesting limit of its own', (form) => {
  test('Parallel states nested 10,000 deep: the innermost task is rewritten', () => {
    const { fragment, report } = transform(deepText(10_000, form), OPTS);
    expect(report.summary.rewritten).toBe(1);
    expect(() => JSON.stringify(fragment)).not.toThrow();
    const path = report.decisions.find((d) => d.action === 'rewritten')!.statePath!;
    // The state path is bounded (LIMITS.statePath), with its start and its end.
    expect(path.length).toBeLessThanOrEqual(LIMITS.statePath);
    expect(path).toMatch(/^States\.P9999\.Branches\[0\]\.States\.P9998.*….*States\.P0\.Branches\[0\]\.States\.Work$/);
  });
});

describe(`expansion: ${formatCount(LIMITS.expansion)} characters`, () => {
  const pad = (n: number): string => {
    const core = '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:orders-fn","End":true}}}';
    return core + ' '.repeat(n - core.length);
  };

  test('a DefinitionString of exactly the limit: rewritten', () => {
    expect(transform(warmTemplate({ DefinitionString: pad(LIMITS.expansion) }), OPTS).report.summary.rewritten).toBe(1);
  });

  test('one character more: a failure naming the limit and the definition', () => {
    expect(failure(warmTemplate({ DefinitionString: pad(LIMITS.expansion + 1) }))).toBe(
      "Resource with id [Flow] is invalid. Resources/Flow/Properties/DefinitionString: the definition of Flow expands beyond 1,048,576 characters (the macro's expansion limit)",
    );
  });

  test('an Fn::Join whose delimiter copies alone pass the limit: a failure before any copy', () => {
    const t = warmTemplate({ DefinitionString: { 'Fn::Join': [' '.repeat(600_000), ['{"StartAt":"A",', '"States":{}', '}']] } });
    expect(failure(t)).toBe(
      "Resource with id [Flow] is invalid. Resources/Flow/Properties/DefinitionString: the Fn::Join of the definition expands beyond 1,048,576 characters (the macro's expansion limit)",
    );
  });

  // 4 uses per level: 10 levels make 4^10 = 1,048,576 characters, exactly the limit.
  test('a FunctionName of 10 nested Fn::Sub each using its variable 4 times (4^10 characters): read', () => {
    const { report } = transform(subReuseName(10), OPTS);
    expect(report.summary.stateMachines).toBe(1);
  });

  test('11 levels (a template of about 1 KB, like the one that exhausted the heap): a failure naming the limit', () => {
    expect(JSON.stringify(subReuseName(11)).length).toBeLessThan(1100);
    expect(failure(subReuseName(11))).toMatch(/^\(fragment\): an Fn::Sub value \(.*\) expands beyond 1,048,576 characters \(the macro's expansion limit\)$/);
  });

  test('20 levels (4^20 characters) fail as fast as 11', () => {
    expect(failure(subReuseName(20))).toContain("expands beyond 1,048,576 characters (the macro's expansion limit)");
  });
});

describe(`Fn::Sub tokens: ${formatCount(LIMITS.subTokens)} per text`, () => {
  // `${A}` is one token; the definition around them adds its own.
  const definition = (refs: number): string =>
    `{"Comment":"${'${A}'.repeat(refs)}","StartAt":"A","States":{"A":{"Type":"Task","Resource":"\${Fn.Arn}","End":true}}}`;
  const template = (refs: number): JsonObject => ({
    ...warmTemplate({ DefinitionString: { 'Fn::Sub': definition(refs) } }),
    Parameters: { A: { Type: 'String' } },
  });
  const extra = tokenizeSub(definition(1)).length - 1;

  test('exactly the limit: rewritten', () => {
    expect(tokenizeSub(definition(LIMITS.subTokens - extra)).length).toBe(LIMITS.subTokens);
    expect(transform(template(LIMITS.subTokens - extra), OPTS).report.summary.rewritten).toBe(1);
  });

  test('one token more: a failure naming the limit', () => {
    expect(failure(template(LIMITS.subTokens - extra + 1))).toBe(
      "Resource with id [Flow] is invalid. Resources/Flow/Properties/DefinitionString: an Fn::Sub text has more than 200,000 tokens (texts, variables and escapes), the macro's limit",
    );
  });
});

describe(`substitutions: ${formatCount(LIMITS.substitutions)} keys`, () => {
  const template = (keys: number): JsonObject => {
    const subs: JsonObject = { fn: { 'Fn::GetAtt': ['Fn', 'Arn'] } };
    for (let k = 1; k < keys; k++) subs[`k${k}`] = `v${k}`;
    const used = Object.keys(subs)
      .map((k) => `"\${${k}}"`)
      .join(',');
    return warmTemplate({
      DefinitionString: `{"Comment":[${used}],"StartAt":"A","States":{"A":{"Type":"Task","Resource":"\${fn}","End":true}}}`,
      DefinitionSubstitutions: subs,
    });
  };

  test('exactly the limit: rewritten', () => {
    expect(transform(template(LIMITS.substitutions), OPTS).report.summary.rewritten).toBe(1);
  });

  test('one key more: a failure naming the limit', () => {
    expect(failure(template(LIMITS.substitutions + 1))).toBe(
      "Resource with id [Flow] is invalid. Resources/Flow/Properties/DefinitionString: DefinitionSubstitutions has 10,001 keys, more than the macro's limit of 10,000",
    );
  });
});

describe(`reply: ${formatCount(LIMITS.replyBytes)} bytes (Lambda's 6 MB response limit)`, () => {
  const handler = createHandler({ log: () => undefined, env: {} });
  const withQueues = (bytes: number): JsonObject => {
    const queues: JsonObject = {};
    const name = 'q'.repeat(1000);
    for (let k = 0; k * 1050 < bytes; k++) queues[`Queue${k}`] = { Type: 'AWS::SQS::Queue', Properties: { QueueName: name } };
    return warmTemplate({ DefinitionString: { 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn.Arn}","End":true}}}' } }, queues);
  };

  test('a 5 MB template: success', async () => {
    const reply = await handler(macroEvent(withQueues(5_000_000)));
    expect(reply.status).toBe('success');
    expect(Buffer.byteLength(JSON.stringify(reply))).toBeLessThanOrEqual(LIMITS.replyBytes);
  });

  test('a reply over the limit: a failure that says so, itself within the limit', async () => {
    const reply = await handler(macroEvent(withQueues(6_400_000)));
    expect(reply.status).toBe('failure');
    expect(reply.errorMessage).toMatch(
      /^WarmStepFunctions cannot reply: the processed template is [\d,]+ bytes as JSON, over Lambda's response limit of 6,291,456 bytes \(6 MB\)$/,
    );
    expect(reply.fragment).toEqual({});
    expect(Buffer.byteLength(JSON.stringify(reply))).toBeLessThanOrEqual(LIMITS.replyBytes);
  });
});

describe(`Metadata and log lines: ${formatCount(LIMITS.metadataEntries)} entries, ${formatCount(LIMITS.reportText)} characters per name or path`, () => {
  test('a rewritten task at each of 300 nested levels: every path in Metadata and in the log lines is capped', async () => {
    const logs: LogRecord[] = [];
    const reply = await createHandler({ log: (r) => logs.push(r), env: {} })(macroEvent(deepTasks(300)));
    expect(reply.status).toBe('success');
    const entries = metadataOf(reply.fragment);
    expect(entries).toHaveLength(301);
    for (const e of entries) expect((e.path as string).length).toBeLessThanOrEqual(LIMITS.reportText);
    // The deepest keeps its start and its end.
    expect(entries[300].path).toMatch(/^States\.P299\.Branches\[0\]\..*…\(\d[\d,]* characters\)….*States\.P0\.Branches\[0\]\.States\.W$/);
    const rewritten = logs.filter((l) => l.message === 'rewritten');
    expect(rewritten).toHaveLength(301);
    for (const l of rewritten) expect((l.statePath as string).length).toBeLessThanOrEqual(LIMITS.reportText);
  });

  test(`${formatCount(LIMITS.metadataEntries + 1)} rewrites: ${formatCount(LIMITS.metadataEntries)} entries, then one that counts the rest`, () => {
    const { fragment, report } = transform(wideTasks(LIMITS.metadataEntries + 1), OPTS);
    expect(report.summary.rewritten).toBe(LIMITS.metadataEntries + 1);
    const entries = metadataOf(fragment);
    expect(entries).toHaveLength(LIMITS.metadataEntries + 1);
    expect(entries[LIMITS.metadataEntries]).toEqual({ omitted: 1, why: 'at most 1,000 entries are recorded here' });
    // The report says so.
    expect(report.decisions).toContainEqual(
      expect.objectContaining({
        action: 'unchanged',
        templatePath: 'Resources/Flow/Metadata',
        reason: "Metadata records the first 1,000 of its 1,001 rewrites (the macro's limit); the report and the log lines list them all",
      }),
    );
  });

  test('a state name of 100 KB: Metadata and log lines hold 256 characters of it', async () => {
    const logs: LogRecord[] = [];
    const reply = await createHandler({ log: (r) => logs.push(r), env: {} })(macroEvent(longName(100_000)));
    const [entry] = metadataOf(reply.fragment);
    expect((entry.state as string).length).toBeLessThanOrEqual(LIMITS.reportText);
    expect(entry.state).toMatch(/^\u001b\[31m::error::xN+…\(99,\d{3} characters\)…N+$/);
    const line = logs.find((l) => l.message === 'rewritten')!;
    expect((line.state as string).length).toBeLessThanOrEqual(LIMITS.reportText);
    expect(JSON.stringify(line).length).toBeLessThan(3 * LIMITS.reasonText);
  });
});

describe('the handler stops before its time or memory runs out', () => {
  const event = macroEvent(wideTasks(600));
  // 10 GB: a jest worker may well use more than 85% of 512 MB.
  const context = (remaining: () => number, memoryLimitInMB = '10240'): never => ({ getRemainingTimeInMillis: remaining, memoryLimitInMB }) as never;

  test('less than a second left when the transform would start: a failure naming the time', async () => {
    const reply = await createHandler({ log: () => undefined, env: {} })(
      event,
      context(() => 900),
    );
    expect(reply.status).toBe('failure');
    expect(reply.errorMessage).toBe(
      "the macro stopped while starting the transform: 900 ms of the function's time were left, less than the 1,000 ms it keeps for its reply (raise the function's timeout, or split the template)",
    );
  });

  test('time running out during the work: a failure naming the step it stopped at', async () => {
    let calls = 0;
    // Plenty of time for the first checks, then none.
    const reply = await createHandler({ log: () => undefined, env: {} })(
      event,
      context(() => (++calls <= 2 ? 60_000 : 10)),
    );
    expect(reply.status).toBe('failure');
    expect(reply.errorMessage).toBe(
      "(fragment): the macro stopped while deciding the invocations of Flow: 10 ms of the function's time were left, less than the 1,000 ms it keeps for its reply (raise the function's timeout, or split the template)",
    );
  });

  test("more memory in use than 85% of the function's: a failure naming the memory", async () => {
    const reply = await createHandler({ log: () => undefined, env: {} })(
      event,
      context(() => 60_000, '1'),
    );
    expect(reply.status).toBe('failure');
    expect(reply.errorMessage).toMatch(
      /^the macro stopped while starting the transform: the function used \d+ MB, over 85% of its 1 MB \(raise the function's memory\)$/,
    );
  });

  test('with time and memory to spare: the same reply as without a context', async () => {
    const h = createHandler({ log: () => undefined, env: {} });
    expect(
      await h(
        event,
        context(() => 60_000),
      ),
    ).toEqual(await h(event));
  });
});
