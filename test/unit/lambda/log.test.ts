/**
 * The Lambda log sink (macro/lambda/log.ts): each record at its own console level, as one JSON line in
 * Lambda's text log format and as an object (which the runtime nests under `message`) in its JSON
 * log format.
 */
import { consoleSink, logDecisions, type LogRecord } from '../../../macro/lambda/log';
import type { Report } from '../../../macro/types';

function fakeConsole(): { info: jest.Mock; warn: jest.Mock; error: jest.Mock } {
  return { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
}

const records: LogRecord[] = [
  { level: 'INFO', message: 'rewritten', requestId: 'r', stateMachine: 'SM', reason: undefined },
  { level: 'WARN', message: 'warning', requestId: 'r', reason: 'cannot read' },
  { level: 'ERROR', message: 'failure', requestId: 'r', errorMessage: 'bad' },
];

test('text log format: one JSON line per record, through console.info / warn / error by level', () => {
  const out = fakeConsole();
  const sink = consoleSink({}, out);
  for (const r of records) sink(r);
  expect(out.info.mock.calls).toEqual([[JSON.stringify(records[0])]]);
  expect(out.warn.mock.calls).toEqual([[JSON.stringify(records[1])]]);
  expect(out.error.mock.calls).toEqual([[JSON.stringify(records[2])]]);
  expect(JSON.parse(out.info.mock.calls[0][0])).toEqual({ level: 'INFO', message: 'rewritten', requestId: 'r', stateMachine: 'SM' });
});

test('JSON log format: the record as an object without its level (the runtime writes the level) and without undefined fields', () => {
  const out = fakeConsole();
  const sink = consoleSink({ AWS_LAMBDA_LOG_FORMAT: 'JSON' }, out);
  for (const r of records) sink(r);
  expect(out.info.mock.calls).toEqual([[{ message: 'rewritten', requestId: 'r', stateMachine: 'SM' }]]);
  expect(out.warn.mock.calls).toEqual([[{ message: 'warning', requestId: 'r', reason: 'cannot read' }]]);
  expect(out.error.mock.calls).toEqual([[{ message: 'failure', requestId: 'r', errorMessage: 'bad' }]]);
});

test('logDecisions: a warning decision is WARN, the others INFO, then one INFO summary', () => {
  const seen: LogRecord[] = [];
  const report = {
    decisions: [
      { action: 'rewritten', stateMachine: 'SM', state: 'A', statePath: 'States.A', templatePath: 'Resources.SM', function: 'Fn', from: 'x', to: 'y' },
      { action: 'warning', stateMachine: 'SM', templatePath: 'Resources.SM', reason: 'why' },
    ],
    summary: { rewritten: 1, warnings: 1 },
  } as unknown as Report;
  logDecisions((r) => seen.push(r), 'req', report);
  expect(seen.map((r) => [r.level, r.message])).toEqual([
    ['INFO', 'rewritten'],
    ['WARN', 'warning'],
    ['INFO', 'summary'],
  ]);
  expect(seen[2]).toMatchObject({ requestId: 'req', rewritten: 1, warnings: 1 });
});

test("the function's application log level (AWS_LAMBDA_LOG_LEVEL) is the sink's level; an unknown one sets none", () => {
  expect(consoleSink({ AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' }, fakeConsole()).level).toBe('WARN');
  expect(consoleSink({ AWS_LAMBDA_LOG_LEVEL: 'debug' }, fakeConsole()).level).toBe('DEBUG');
  expect(consoleSink({}, fakeConsole()).level).toBeUndefined();
  expect(consoleSink({ AWS_LAMBDA_LOG_LEVEL: 'LOUD' }, fakeConsole()).level).toBeUndefined();
});

test('logDecisions: a record below the sink level is never built, so the decision is not even read', () => {
  const read: string[] = [];
  const decision = (action: string, reason: string): object =>
    new Proxy(
      { action, stateMachine: 'SM', templatePath: 'Resources/SM', reason },
      {
        get: (t, k) => {
          read.push(`${reason}.${String(k)}`);
          return (t as Record<string | symbol, unknown>)[k];
        },
      },
    );
  const report = { decisions: [decision('rewritten', 'r1'), decision('warning', 'w1')], summary: { rewritten: 1, warnings: 1 } } as unknown as Report;
  const seen: LogRecord[] = [];
  const sink = Object.assign((r: LogRecord) => seen.push(r), { level: 'WARN' as const });
  logDecisions(sink, 'req', report);
  expect(seen).toEqual([{ level: 'WARN', message: 'warning', requestId: 'req', stateMachine: 'SM', templatePath: 'Resources/SM', reason: 'w1' }]);
  // Of the dropped INFO decision only its action was read, to know its level.
  expect(read.filter((k) => k.startsWith('r1.'))).toEqual(['r1.action']);

  seen.length = 0;
  logDecisions(
    Object.assign((r: LogRecord) => seen.push(r), { level: 'ERROR' as const }),
    'req',
    report,
  );
  expect(seen).toEqual([]);
  logDecisions(
    Object.assign((r: LogRecord) => seen.push(r), { level: 'INFO' as const }),
    'req',
    report,
  );
  expect(seen.map((r) => [r.level, r.message])).toEqual([
    ['INFO', 'rewritten'],
    ['WARN', 'warning'],
    ['INFO', 'summary'],
  ]);
});

test('the records written are the same in both log formats, without the fields a decision does not set', () => {
  const report = {
    decisions: [{ action: 'cold', stateMachine: '', templatePath: 'Resources/SM', reason: 'r', function: 'Fn' }],
    summary: { rewritten: 0 },
  } as unknown as Report;
  const text = fakeConsole();
  const json = fakeConsole();
  logDecisions(consoleSink({}, text), 'req', report);
  logDecisions(consoleSink({ AWS_LAMBDA_LOG_FORMAT: 'JSON' }, json), 'req', report);
  const expected = { message: 'cold', requestId: 'req', templatePath: 'Resources/SM', function: 'Fn', reason: 'r' };
  expect(text.info.mock.calls[0][0]).toBe(JSON.stringify({ level: 'INFO', ...expected }));
  expect(json.info.mock.calls[0][0]).toEqual(expected);
  expect(Object.keys(json.info.mock.calls[0][0])).toEqual(Object.keys(expected));
});

test('every field of a decision, capped where long, is written alike in both log formats (the JSON one takes the fields without a copy)', () => {
  const long = `States.${'Deep.'.repeat(400)}Work`;
  const report = {
    decisions: [
      {
        action: 'rewritten',
        stateMachine: 'SM',
        state: 'Work',
        statePath: long,
        templatePath: 'Resources/SM/Properties/DefinitionString',
        function: 'Fn',
        from: '{Fn.Arn}',
        to: '{Live}',
        reason: 'now invokes "Live"\n',
        source: 's3://bucket/key',
        reasons: ['ProvisionedConcurrency'],
        consequence: 'cold',
      },
      { action: 'warning', stateMachine: 'SM', templatePath: 'Resources/SM', reason: 'cannot read' },
    ],
    summary: { rewritten: 1, warnings: 1 },
  } as unknown as Report;
  const text = fakeConsole();
  const json = fakeConsole();
  const jsonSink = consoleSink({ AWS_LAMBDA_LOG_FORMAT: 'JSON' }, json);
  expect(typeof jsonSink.fields).toBe('function');
  expect(consoleSink({}, text).fields).toBeUndefined();
  logDecisions(consoleSink({}, text), 'req', report);
  logDecisions(jsonSink, 'req', report);
  const lines = [...text.info.mock.calls, ...text.warn.mock.calls].map(([line]) => JSON.parse(line));
  const objects = [...json.info.mock.calls, ...json.warn.mock.calls].map(([o]) => o);
  expect(lines.map(({ level, ...fields }) => [level, fields])).toEqual(objects.map((o, i) => [i === objects.length - 1 ? 'WARN' : 'INFO', o]));
  expect(Object.keys(objects[0])).toEqual(Object.keys(lines[0]).slice(1));
  expect(Object.keys(objects[0])).toEqual([
    'message',
    'requestId',
    'stateMachine',
    'state',
    'statePath',
    'templatePath',
    'function',
    'from',
    'to',
    'reason',
    'source',
    'reasons',
    'consequence',
  ]);
  expect((objects[0].statePath as string).length).toBeLessThan(long.length);
  expect(objects[2]).toEqual({ message: 'warning', requestId: 'req', stateMachine: 'SM', templatePath: 'Resources/SM', reason: 'cannot read' });
});
