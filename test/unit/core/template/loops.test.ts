/**
 * `Fn::ForEach` loops that AWS::LanguageExtensions has not expanded yet (macro/core/template/loops.ts): the
 * macro reads which types a loop makes and warns, naming them, when any is one it reads or rewrites (state
 * machines, functions and their published targets, roles, policies); Mode strict fails on it; `check` lists
 * it as a place it could not check. A loop of anything else passes without a word. A loop that makes
 * DefinitionSubstitutions keys leaves the definition unreadable (definition/read.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTemplateText } from '../../../../macro/cli/yaml/template';
import { loopTypes } from '../../../../macro/core/template/loops';
import { transform } from '../../../../macro/core/transform';
import { TransformError } from '../../../../macro/errors';
import type { Json, JsonObject } from '../../../../macro/types';

const FIXTURE = join(__dirname, '..', '..', '..', 'fixtures', 'input', 'realistic_cfn_foreach_loop_before_expansion.yaml');
const OPTIONS = { region: 'us-east-1', accountId: '123456789012' };
const load = (): JsonObject => parseTemplateText(readFileSync(FIXTURE, 'utf8')) as JsonObject;
/** The fixture with its loop making `body` instead (over the Regions parameter). */
const withLoopOf = (body: JsonObject): JsonObject => {
  const template = load();
  (template.Resources as JsonObject)['Fn::ForEach::RegionalFlows'] = ['Region', { Ref: 'Regions' }, body];
  return template;
};

describe('loopTypes', () => {
  it('the types a body makes, nested loops included, each once, in template order', () => {
    const loop: Json = [
      'Env',
      ['dev', 'prod'],
      {
        'Queue${Env}': { Type: 'AWS::SQS::Queue' },
        'Fn::ForEach::Inner': [
          'Kind',
          ['a', 'b'],
          { '${Env}${Kind}Flow': { Type: 'AWS::StepFunctions::StateMachine' }, '&{Kind}Q': { Type: 'AWS::SQS::Queue' } },
        ],
        'Role${Env}': { Type: 'AWS::IAM::Role' },
      },
    ];
    expect([...loopTypes(loop)]).toEqual(['AWS::SQS::Queue', 'AWS::StepFunctions::StateMachine', 'AWS::IAM::Role']);
  });

  it('a malformed loop makes nothing it can name (CloudFormation judges it)', () => {
    for (const bad of [null, 'x', ['Env'], ['Env', ['a'], 'not a map'], { Type: 'AWS::IAM::Role' }, ['E', ['a'], { K: 'not a resource' }]] as Json[]) {
      expect([...loopTypes(bad)]).toEqual([]);
    }
  });
});

describe('transform: an Fn::ForEach loop not expanded yet', () => {
  it('a warning that names the loop and the types it makes; the state machine outside it is rewritten', () => {
    const { fragment, report } = transform(load(), OPTIONS);
    const warnings = report.decisions.filter((d) => d.action === 'warning');
    expect(warnings).toEqual([
      expect.objectContaining({
        topic: 'definition',
        messageId: 'template.unexpandedLoop',
        templatePath: 'Resources/Fn::ForEach::RegionalFlows',
        stateMachine: '',
        data: { loop: 'Fn::ForEach::RegionalFlows', types: 'AWS::StepFunctions::StateMachine' },
        reason:
          'Fn::ForEach::RegionalFlows is not expanded yet (AWS::LanguageExtensions): the resources it makes (AWS::StepFunctions::StateMachine) are neither checked nor rewritten; CloudFormation expands it first if Transform lists AWS::LanguageExtensions first',
      }),
    ]);
    expect(report.summary).toMatchObject({ rewritten: 1, warnings: 1 });
    // The loop itself passes through as it was.
    expect((fragment as JsonObject).Resources).toHaveProperty(
      ['Fn::ForEach::RegionalFlows'],
      load().Resources && (load().Resources as JsonObject)['Fn::ForEach::RegionalFlows'],
    );
  });

  it('Mode strict fails on it, with the loop as the place', () => {
    let error: unknown;
    try {
      transform(load(), { ...OPTIONS, mode: 'strict' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TransformError);
    expect((error as TransformError).problems).toEqual([
      expect.objectContaining({
        path: 'Resources/Fn::ForEach::RegionalFlows',
        message: expect.stringContaining('Fn::ForEach::RegionalFlows is not expanded yet'),
      }),
    ]);
  });

  it('a loop that makes only what the macro never reads (buckets, queues): no warning', () => {
    const template = withLoopOf({ 'Archive${Region}': { Type: 'AWS::S3::Bucket' }, 'Q${Region}': { Type: 'AWS::SQS::Queue' } });
    const { report } = transform(template, { ...OPTIONS, mode: 'strict' });
    expect(report.decisions.filter((d) => d.action === 'warning')).toEqual([]);
  });

  it('a loop that makes a Lambda alias or an IAM policy: named too (what the macro reads to decide and to grant)', () => {
    const template = withLoopOf({
      '${Region}Live': { Type: 'AWS::Lambda::Alias', Properties: {} },
      'Deny${Region}': { Type: 'AWS::IAM::Policy', Properties: {} },
    });
    const { report } = transform(template, OPTIONS);
    expect(report.decisions.filter((d) => d.action === 'warning').map((d) => d.data.types)).toEqual(['AWS::Lambda::Alias, AWS::IAM::Policy']);
  });
});

describe('readDefinition: DefinitionSubstitutions made by an Fn::ForEach loop not expanded yet', () => {
  const withLoop = (resource: Json): JsonObject => {
    const template = load();
    const resources = template.Resources as JsonObject;
    delete resources['Fn::ForEach::RegionalFlows'];
    const dispatch = resources.Dispatch as JsonObject;
    dispatch.Properties = {
      RoleArn: { 'Fn::GetAtt': ['FlowRole', 'Arn'] },
      DefinitionSubstitutions: { 'Fn::ForEach::Arns': ['Name', ['Router'], { '${Name}Arn': resource }] },
      DefinitionString: '{"StartAt":"Route","States":{"Route":{"Type":"Task","Resource":"${RouterArn}","End":true}}}',
    };
    return template;
  };
  const why =
    'DefinitionSubstitutions holds Fn::ForEach::Arns, not expanded yet (AWS::LanguageExtensions): its keys are not known; CloudFormation expands it first if Transform lists AWS::LanguageExtensions first';

  it('that names a warm function: the transform fails, naming the loop (a `${key}` of the text is not plain text)', () => {
    expect(() => transform(withLoop({ 'Fn::GetAtt': ['Router', 'Arn'] }), OPTIONS)).toThrow(
      expect.objectContaining({
        problems: [
          {
            logicalId: 'Dispatch',
            path: 'Resources/Dispatch/Properties/DefinitionString',
            message: `cannot read the definition, which refers to Router, a function with provisioned concurrency: ${why}`,
          },
        ],
      }),
    );
  });

  it('that names no warm function: a warning with the same reason', () => {
    const { report } = transform(withLoop('arn:aws:lambda:us-east-1:123456789012:function:elsewhere'), OPTIONS);
    expect(report.decisions.filter((d) => d.action === 'warning').map((d) => [d.messageId, d.data.message])).toEqual([['definition.unreadable', why]]);
  });
});
