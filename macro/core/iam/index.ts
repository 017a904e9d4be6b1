/**
 * IAM: make the principal that calls Lambda allow the new targets, and prove it (see fixer.ts).
 *
 * - fixer.ts: where each grant goes, avoiding circular dependencies;
 * - documents.ts: the policy documents of a state machine's role, and how to add a statement;
 * - coverage.ts: whether a statement already covers a target;
 * - own-policy.ts: the macro's own AWS::IAM::Policy for a role, and the DependsOn on it;
 * - render.ts: symbolic text of ARN expressions, and the IAM wildcard matcher;
 * - principal.ts: every policy that reaches the principal that calls Lambda, in one combination of conditions;
 * - evaluate.ts: AWS's policy evaluation logic for lambda:InvokeFunction on one ARN;
 * - conditions.ts: combinations of CloudFormation Conditions, and the values they select;
 * - types.ts: the types the IAM modules share (so that none imports another in a circle).
 */
export { IamFixer, type Grant, type IamOutcome } from './fixer';
export type { IamWarning } from './types';
export { wildcard } from './render';
