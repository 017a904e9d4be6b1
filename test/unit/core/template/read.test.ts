/**
 * readTemplate's index (macro/core/template/read.ts): the policy resources and Connectors it lists in its
 * one pass, which the IAM step reads instead of listing every resource again.
 */
import { readTemplate } from '../../../../macro/core/template/read';

test('policyEntries: policy resources and Connectors with their Type, in template order, whatever their Properties', () => {
  const index = readTemplate({
    Resources: {
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
      B: { Type: 'AWS::IAM::ManagedPolicy', Properties: {} },
      Conn: { Type: 'AWS::Serverless::Connector', Properties: {} },
      A: { Type: 'AWS::IAM::Policy', Properties: {} },
      Bad: { Type: 'AWS::IAM::RolePolicy', Properties: 'not a map' },
      NoType: { Properties: {} },
      NotObject: 'AWS::IAM::Policy',
      Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
      '1': { Type: 'AWS::IAM::Policy' },
    },
  });
  // Object.keys order: an integer-like ID first, as everywhere the template is listed.
  expect(index.policyEntries).toEqual([
    { id: '1', type: 'AWS::IAM::Policy' },
    { id: 'B', type: 'AWS::IAM::ManagedPolicy' },
    { id: 'Conn', type: 'AWS::Serverless::Connector' },
    { id: 'A', type: 'AWS::IAM::Policy' },
    { id: 'Bad', type: 'AWS::IAM::RolePolicy' },
  ]);
});
