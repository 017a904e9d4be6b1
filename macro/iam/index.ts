/**
 * IAM: make the state machine's role allow the new targets (see fixer.ts).
 *
 * - fixer.ts: where each grant goes, avoiding circular dependencies;
 * - documents.ts: the policy documents of a state machine's role, and how to add a statement;
 * - coverage.ts: whether a statement already covers a target;
 * - own-policy.ts: the macro's own AWS::IAM::Policy for a role, and the DependsOn on it;
 * - render.ts: symbolic text of ARN expressions, and the IAM wildcard matcher.
 */
export { IamFixer, type Grant, type IamOutcome } from './fixer';
export type { IamWarning } from './types';
export { wildcard } from './render';
