/**
 * The Lambda edge (macro/lambda/handler.ts): the reply CloudFormation expects, failures that never throw,
 * and structured logs that never carry template parameter values.
 */
import { createHandler, handler, type HandlerDeps } from '../../../macro/lambda/handler';
import type { LogRecord } from '../../../macro/lambda/log';
import { formatValue } from '../../../macro/cfn/parts';
import type { JsonObject, MacroReply } from '../../../macro/types';

const FROM = formatValue({ 'Fn::GetAtt': ['Fn', 'Arn'] });
const TO = formatValue({ Ref: 'Live' });

const SECRET = 'S3cr3t-NoEcho-Value-7f3a';

const TEMPLATE: JsonObject = {
  Parameters: { DbPassword: { Type: 'String', NoEcho: true } },
  Resources: {
    Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'my-fn', Environment: { Variables: { PASSWORD: { Ref: 'DbPassword' } } } } },
    Cold: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'cold-fn' } },
    Live: {
      Type: 'AWS::Lambda::Alias',
      Properties: { FunctionName: { Ref: 'Fn' }, FunctionVersion: '1', Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 } },
    },
    Role: { Type: 'AWS::IAM::Role', Properties: {} },
    SM: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
        DefinitionString: {
          'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn.Arn}","Next":"B"},"B":{"Type":"Task","Resource":"${Cold.Arn}","End":true}}}',
        },
      },
    },
  },
};

function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    region: 'us-east-1',
    accountId: '123456789012',
    fragment: TEMPLATE,
    transformId: '123456789012::WarmStepFunctions',
    params: {},
    requestId: 'req-1',
    templateParameterValues: { DbPassword: SECRET },
    ...overrides,
  };
}

function deps(extra: Partial<HandlerDeps> = {}): HandlerDeps & { lines: string[] } {
  const lines: string[] = [];
  return { log: (l: LogRecord) => lines.push(JSON.stringify(l)), env: {}, lines, ...extra };
}

describe('success', () => {
  test('the reply has requestId, status success and the new fragment, and no errorMessage', async () => {
    const d = deps();
    const reply = await createHandler(d)(event());
    expect(Object.keys(reply).sort()).toEqual(['fragment', 'requestId', 'status']);
    expect(reply.requestId).toBe('req-1');
    expect(reply.status).toBe('success');
    const sm = (reply.fragment as { Resources: { SM: { Properties: JsonObject; Metadata: JsonObject } } }).Resources.SM;
    expect(sm.Properties.DefinitionString).toEqual({
      'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Live}","Next":"B"},"B":{"Type":"Task","Resource":"${Cold.Arn}","End":true}}}',
    });
    expect(sm.Metadata).toEqual({ WarmStepFunctions: [{ state: 'A', path: 'States.A', from: FROM, to: TO }] });
    expect(FROM).toContain('Fn.Arn');
    expect(TO).toContain('Live');
  });

  test('the input event is not changed', async () => {
    const e = event();
    const before = JSON.stringify(e);
    await createHandler(deps())(e);
    expect(JSON.stringify(e)).toBe(before);
  });

  test('one JSON log line per decision, then a summary line', async () => {
    const d = deps();
    await createHandler(d)(event());
    const lines = d.lines.map((l) => JSON.parse(l));
    expect(d.lines.every((l) => !l.includes('\n'))).toBe(true);
    expect(lines.map((l) => l.message)).toEqual(['rewritten', 'cold', 'granted', 'summary']);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      requestId: 'req-1',
      stateMachine: 'SM',
      state: 'A',
      statePath: 'States.A',
      function: 'Fn',
      from: FROM,
      to: TO,
    });
    expect(lines[1]).toMatchObject({ level: 'INFO', stateMachine: 'SM', state: 'B', function: 'Cold', reason: 'function Cold has no provisioned concurrency' });
    expect(lines[2]).toMatchObject({
      level: 'INFO',
      requestId: 'req-1',
      stateMachine: 'SM',
      to: TO,
      templatePath: expect.stringMatching(/^Resources\/Role\/Properties\/Policies\//),
      reason: expect.stringContaining('lambda:InvokeFunction'),
    });
    expect(lines[3]).toEqual({
      level: 'INFO',
      message: 'summary',
      requestId: 'req-1',
      stateMachines: 1,
      modifiedStateMachines: 1,
      rewritten: 1,
      cold: 1,
      warnings: 0,
      iamGrantsAdded: 1,
    });
  });

  test('warnings are logged at WARN', async () => {
    const fragment = {
      Resources: {
        ...(TEMPLATE.Resources as JsonObject),
        SM: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionS3Location: { Bucket: 'b', Key: 'k' } } },
      },
    };
    const d = deps();
    const reply = await createHandler(d)(event({ fragment }));
    expect(reply.status).toBe('success');
    const lines = d.lines.map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ level: 'WARN', message: 'warning', stateMachine: 'SM', templatePath: 'Resources/SM/Properties/DefinitionS3Location' });
  });

  test('Mode report returns the fragment unchanged', async () => {
    const reply = await createHandler(deps())(event({ params: { Mode: 'report' } }));
    expect(reply.status).toBe('success');
    expect(reply.fragment).toBe(TEMPLATE);
  });

  test('ResolveExternal uses the injected resolver and passes it the options', async () => {
    const seen: unknown[] = [];
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:shared';
    const fragment = {
      Resources: {
        SM: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            RoleArn: 'arn:aws:iam::123456789012:role/r',
            DefinitionString: `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${arn}","End":true}}}`,
          },
        },
      },
    };
    const d = deps({
      resolveExternal: async (frag, options) => {
        seen.push(frag, options.region, options.accountId);
        return { [arn]: { status: 'warm', aliases: [{ name: 'live', arn: `${arn}:live` }] } };
      },
    });
    const reply = await createHandler(d)(event({ fragment, params: { ResolveExternal: 'true' } }));
    expect(seen).toEqual([fragment, 'us-east-1', '123456789012']);
    expect(reply.status).toBe('success');
    expect((reply.fragment as { Resources: { SM: { Properties: JsonObject } } }).Resources.SM.Properties.DefinitionString).toBe(
      `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${arn}:live","End":true}}}`,
    );
  });
});

describe('failure: never throws, replies with errorMessage', () => {
  test.each<[string, unknown, string, unknown]>([
    ['null event', null, 'the macro event must be a JSON object', undefined],
    ['string event', 'hello', 'the macro event must be a JSON object', undefined],
    ['list event', [1], 'the macro event must be a JSON object', undefined],
    ['no fragment', { requestId: 'r' }, 'the macro event lacks fragment', undefined],
    ['no requestId', { fragment: {} }, 'the macro event lacks requestId', {}],
    ['fragment is a string', { requestId: 'r', fragment: 'x' }, 'the template fragment must be a JSON object, got a string', 'x'],
    ['fragment without Resources', { requestId: 'r', fragment: {} }, 'the template has no Resources section', {}],
  ])('%s', async (_name, ev, message, fragment) => {
    const d = deps();
    const reply = await createHandler(d)(ev);
    expect(reply.status).toBe('failure');
    expect(reply.errorMessage).toContain(message);
    expect(reply.requestId).toBe(
      typeof ev === 'object' && ev !== null && typeof (ev as { requestId?: unknown }).requestId === 'string' ? (ev as { requestId: string }).requestId : '',
    );
    expect(reply.fragment).toEqual(fragment);
    expect(d.lines).toHaveLength(1);
    const line = JSON.parse(d.lines[0]);
    expect(line).toMatchObject({ level: 'ERROR', message: 'failure', errorMessage: reply.errorMessage });
    expect(line.stack).toBeUndefined();
  });

  test('invalid Transform parameters: a failure reply naming the parameter', async () => {
    const reply = await createHandler(deps())(event({ params: { Mode: 'loud' } }));
    expect(reply).toMatchObject<Partial<MacroReply>>({ requestId: 'req-1', status: 'failure', fragment: TEMPLATE });
    expect(reply.errorMessage).toBe('Transform/WarmStepFunctions/Parameters: Mode must be one of rewrite, report, strict; got "loud".');
  });

  test('a core failure replies with the TransformError message and the original fragment', async () => {
    const fragment = {
      Resources: {
        ...(TEMPLATE.Resources as JsonObject),
        Blue: {
          Type: 'AWS::Lambda::Alias',
          Properties: { FunctionName: { Ref: 'Fn' }, FunctionVersion: '1', Name: 'blue', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 } },
        },
      },
    };
    const reply = await createHandler(deps())(event({ fragment }));
    expect(reply.status).toBe('failure');
    expect(reply.fragment).toBe(fragment);
    expect(reply.errorMessage).toBe(
      'Resource with id [SM] is invalid. Resources/SM/Properties/DefinitionString: state States.A: function Fn has 2 aliases with provisioned concurrency: Live (Name: live), Blue (Name: blue). Choose one with the Transform parameter AliasName.',
    );
  });

  test('ResolveExternal with the deployment switch off: no lookup, a warning about the external function', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:shared';
    const fragment = {
      Resources: {
        SM: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            RoleArn: 'arn:aws:iam::123456789012:role/r',
            DefinitionString: `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${arn}","End":true}}}`,
          },
        },
      },
    };
    const d = deps({ env: {} });
    const reply = await createHandler(d)(event({ fragment, params: { ResolveExternal: true } }));
    expect(reply.status).toBe('success');
    expect(reply.fragment).toEqual(fragment);
    const about = d.lines.map((l) => JSON.parse(l)).filter((l) => typeof l.reason === 'string' && l.reason.includes(arn));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatchObject({ level: 'WARN', message: 'warning', state: 'A' });
    expect(about[0].reason).toContain('ResolveExternal is not enabled in this deployment');
  });

  test('ResolveExternal with the switch off, Mode strict: a failure reply, not a throw', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:shared';
    const fragment = {
      Resources: {
        SM: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            RoleArn: 'arn:aws:iam::123456789012:role/r',
            DefinitionString: `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${arn}","End":true}}}`,
          },
        },
      },
    };
    const reply = await createHandler(deps({ env: {} }))(event({ fragment, params: { ResolveExternal: true, Mode: 'strict' } }));
    expect(reply.status).toBe('failure');
    expect(reply.errorMessage).toContain(arn);
  });

  test('a resolver that throws an ordinary error: an internal-error reply with the stack logged', async () => {
    const d = deps({
      resolveExternal: async () => {
        throw new Error('network down');
      },
    });
    const reply = await createHandler(d)(event({ params: { ResolveExternal: true } }));
    expect(reply.status).toBe('failure');
    expect(reply.errorMessage).toBe('WarmStepFunctions internal error: network down');
    const line = JSON.parse(d.lines[0]);
    expect(typeof line.stack).toBe('string');
  });

  test('a resolver that throws a non-Error value', async () => {
    const reply = await createHandler(deps({ resolveExternal: () => Promise.reject('boom') }))(event({ params: { ResolveExternal: true } }));
    expect(reply.status).toBe('failure');
    expect(reply.errorMessage).toBe('WarmStepFunctions internal error: boom');
  });
});

describe('secrets', () => {
  test('a NoEcho value in templateParameterValues appears in no log line and not in the reply', async () => {
    const runs: [Record<string, unknown>, string][] = [
      [event(), 'success'],
      [event({ params: { Mode: 'report' } }), 'success'],
      [event({ params: { Mode: 'nope' } }), 'failure'],
      [event({ fragment: { Resources: 5 } }), 'failure'],
    ];
    for (const [e, status] of runs) {
      const d = deps();
      const reply = await createHandler(d)(e);
      expect(reply.status).toBe(status);
      expect(d.lines.length).toBeGreaterThan(0);
      for (const line of d.lines) expect(line).not.toContain(SECRET);
      expect(JSON.stringify(reply)).not.toContain(SECRET);
    }
  });

  test('the deployed handler declares at most two parameters (nodejs24.x refuses three or more; nodejs22.x passes a callback as the third)', () => {
    expect(handler.length).toBeLessThanOrEqual(2);
  });

  test("the deployed handler ignores the callback the nodejs22.x runtime passes, and writes through console at each line's level", async () => {
    const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const callback = jest.fn();
    try {
      const reply = await (handler as unknown as (e: unknown, c: unknown, cb: unknown) => Promise<MacroReply>)(event(), {}, callback);
      expect(reply.status).toBe('success');
      expect(callback).not.toHaveBeenCalled();
      // rewritten, cold, granted, summary: all INFO.
      expect(info).toHaveBeenCalledTimes(4);
      expect(log).not.toHaveBeenCalled();
      for (const [line] of info.mock.calls) {
        expect(JSON.parse(line as string).level).toBe('INFO');
        expect(line).not.toContain(SECRET);
      }
      const failed = await (handler as unknown as (e: unknown, c: unknown, cb: unknown) => Promise<MacroReply>)(
        event({ params: { Mode: 'nope' } }),
        {},
        callback,
      );
      expect(failed.status).toBe('failure');
      expect(error).toHaveBeenCalledTimes(1);
      expect(JSON.parse(error.mock.calls[0][0] as string)).toMatchObject({ level: 'ERROR', message: 'failure', requestId: 'req-1' });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      for (const s of [info, warn, error, log]) s.mockRestore();
    }
  });
});
