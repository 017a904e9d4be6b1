/**
 * Realistic benchmark templates, beside bench/generate.mjs's synthetic ones:
 * - `scaledService(bytes)`: a real Serverless Framework service (template/examples/serverless-rich, compiled
 *   by `serverless package` with serverless-step-functions) copied under new logical IDs and function names
 *   until the template reaches `bytes`: what a typical service looks like at that size (IAM roles, log
 *   groups, versions, aliases, two state machines per copy), with no padding.
 * - `denseTemplate()`: two state machines with 2,500 Lambda tasks each (one a DefinitionString Fn::Sub as
 *   serverless-step-functions writes it, one a Definition object as SAM and hand-written templates do),
 *   over 60 functions of which two thirds have an alias with provisioned concurrency: the most
 *   invocations per byte a template is likely to hold.
 * Both are deterministic.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function scaledService(targetBytes) {
  const base = JSON.parse(readFileSync(join(ROOT, 'template/examples/serverless-rich/compiled.json'), 'utf8'));
  delete base.Transform;
  const ids = Object.keys(base.Resources).sort((a, b) => b.length - a.length);
  const idPattern = new RegExp(`\\b(${ids.join('|')})\\b`, 'g');
  const text = JSON.stringify(base.Resources);
  const resources = {};
  const outputs = {};
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const copy = JSON.parse(
      text.replace(idPattern, (id) => (i === 0 ? id : `${id}C${i}`)).replaceAll('warm-rich-orders', i === 0 ? 'warm-rich-orders' : `warm-rich-orders-c${i}`),
    );
    Object.assign(resources, copy);
    const template = { AWSTemplateFormatVersion: base.AWSTemplateFormatVersion, Description: base.Description, Resources: resources, Outputs: outputs };
    size = JSON.stringify(template).length;
    if (size >= targetBytes) return template;
  }
  throw new Error('unreachable');
}

export function denseTemplate({ tasksPerMachine = 2500, functions = 60 } = {}) {
  const Resources = {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
      },
    },
    FlowRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: 'invoke',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'lambda:InvokeFunction',
                  Resource: Array.from({ length: functions }, (_, f) => ({ 'Fn::GetAtt': [`Fn${f}`, 'Arn'] })),
                },
              ],
            },
          },
        ],
      },
    },
  };
  for (let f = 0; f < functions; f++) {
    Resources[`Fn${f}`] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: `dense-fn-${f}`,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
        Code: { ZipFile: 'exports.handler=async()=>1' },
      },
    };
    if (f % 3 !== 2) {
      Resources[`Fn${f}Version`] = { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: `Fn${f}` } } };
      Resources[`Fn${f}Live`] = {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { Ref: `Fn${f}` },
          FunctionVersion: { 'Fn::GetAtt': [`Fn${f}Version`, 'Version'] },
          Name: 'live',
          ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
        },
      };
    }
  }
  const states = (fnValue) => {
    const out = {};
    for (let i = 0; i < tasksPerMachine; i++) {
      const f = (i * 7) % functions;
      out[`Step${i}`] = {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: fnValue(f), 'Payload.$': '$' },
        ...(i + 1 < tasksPerMachine ? { Next: `Step${i + 1}` } : { End: true }),
      };
    }
    return out;
  };
  const subDefinition = JSON.stringify({ StartAt: 'Step0', States: states((f) => `\${Fn${f}.Arn}`) });
  Resources.SubFlow = {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: { RoleArn: { 'Fn::GetAtt': ['FlowRole', 'Arn'] }, DefinitionString: { 'Fn::Sub': subDefinition } },
  };
  Resources.ObjectFlow = {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: {
      RoleArn: { 'Fn::GetAtt': ['FlowRole', 'Arn'] },
      Definition: { StartAt: 'Step0', States: states((f) => ({ 'Fn::GetAtt': [`Fn${f}`, 'Arn'] })) },
    },
  };
  return { AWSTemplateFormatVersion: '2010-09-09', Resources };
}
