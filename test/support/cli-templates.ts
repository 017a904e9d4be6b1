/**
 * Templates the CLI's tests share: a warm function with its alias and a state machine that invokes it
 * (`resources`, `withTransform`), the same function in YAML text with every definition form a template can
 * hold (`FLOWS_YAML`), and `where` to find a line and column in a template's text.
 */
import type { JsonObject } from '../../macro/types';
import { parseTemplateText } from '../../macro/cli/yaml/template';

export const resources = (definitionResource = '!GetAtt Fn.Arn', extraAliases = ''): string => `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: my-fn
  Ver:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: !GetAtt Ver.Version
      Name: live
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 1
${extraAliases}  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: invoke
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: lambda:InvokeFunction
                Resource: '*'
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: !GetAtt Role.Arn
      Definition:
        StartAt: Work
        States:
          Work:
            Type: Task
            Resource: ${definitionResource}
            End: true
`;

export const BLUE = `  Blue:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: !GetAtt Ver.Version
      Name: blue
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 1
`;

export const withTransform = (transform: string, body = resources()): string => `AWSTemplateFormatVersion: '2010-09-09'\nTransform: ${transform}\n${body}`;
export const TEMPLATE = withTransform('WarmStepFunctions');

export const yamlOf = (s: string): JsonObject => parseTemplateText(s) as JsonObject;
export const workResource = (out: JsonObject): unknown =>
  ((out.Resources as JsonObject).Flow as { Properties: { Definition: { States: { Work: { Resource: unknown } } } } }).Properties.Definition.States.Work
    .Resource;

/** 1-based line and column of the first occurrence of `needle` at or after the line that contains `after`. */
export function where(text: string, needle: string, after = ''): { line: number; column: number } {
  const lines = text.split('\n');
  const from = after ? lines.findIndex((l) => l.includes(after)) : 0;
  for (let k = Math.max(0, from); k < lines.length; k++) {
    const c = lines[k].indexOf(needle);
    if (c >= 0) return { line: k + 1, column: c + 1 };
  }
  throw new Error(`${needle} not found after ${after}`);
}

export const FUNCTIONS_YAML = `  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: my-fn
  Ver:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: !GetAtt Ver.Version
      Name: live
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 1
`;

/** Cold paths in every definition form a YAML template can hold, and two places check cannot see into. */
export const FLOWS_YAML = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
${FUNCTIONS_YAML}  ObjectFlow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      Definition:
        StartAt: Fan
        States:
          Fan:
            Type: Parallel
            Branches:
              - StartAt: Deep
                States:
                  Deep:
                    Type: Task
                    Resource: arn:aws:states:::lambda:invoke
                    Parameters:
                      FunctionName: !GetAtt Fn.Arn
                      Payload.$: $
                    End: true
            Next: Dyn
          Dyn:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters:
              FunctionName.$: $.target
            End: true
  BlockFlow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      DefinitionString: !Sub |
        {
          "StartAt": "First",
          "States": {
            "First": {
              "Type": "Task",
              "Resource": "\${Fn.Arn}",
              "Next": "Second"
            },
            "Second": {
              "Type": "Task",
              "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": { "FunctionName": "\${Fn.Arn}:$LATEST" },
              "End": true
            }
          }
        }
  JoinFlow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      DefinitionString:
        Fn::Join:
          - "\\n"
          - - '{"StartAt": "J", "States": {'
            - '  "J": {"Type": "Task", "End": true,'
            - '    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my-fn"}'
            - '}}'
  Stored:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      DefinitionS3Location:
        Bucket: b
        Key: k
`;
