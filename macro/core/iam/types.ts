/**
 * The types the IAM modules share (paths, policy documents, warnings), in a module of their own
 * so that no two IAM modules import each other.
 */

import type { Json, JsonObject } from '../../types';

/** Names the IAM step writes in many places (each once in the bundle). */
export const POLICY_DOCUMENT = 'PolicyDocument';
export const STATEMENT = 'Statement';
export const RESOURCE = 'Resource';
export const NOT_RESOURCE = 'NotResource';
export const LAMBDA_INVOKE_POLICY = 'LambdaInvokePolicy';

export type Path = (string | number)[];

/** A policy document the macro may read and extend, with where it is. */
export interface PolicyDoc {
  path: Path; // path of the PolicyDocument (or SAM inline document)
  label: string;
}

export interface IamWarning {
  path: string;
  message: string;
  /** The wording when Mode strict turns the warning into a failure. */
  strictMessage: string;
  /** A warning Mode strict does not fail on: the macro cannot know, and the usual case is fine. */
  note?: true;
}

/**
 * A statement of a policy that reaches a principal (see principal.ts). Its value does not change while it is
 * evaluated: evaluate.ts keeps what it derives from it (per combination and renderer), and a policy the macro
 * edits is read again as new Statements.
 */
export interface Statement {
  /** The statement, with Fn::If resolved at its top level (its values are resolved when read). */
  value: JsonObject;
  /** Its place in the template; undefined for a statement SAM writes (a policy template or Connector). */
  path?: Path;
  /** Which policy: `Role Policies[0] (invoke)`, `GuardrailPolicy`, `SM LambdaInvokePolicy`… */
  label: string;
  /** `Sid`, when it has one. */
  sid?: string;
  /** What evaluate.ts derived from it, for the last combination and renderer (its own type). */
  prepared?: unknown;
}

export interface ExternalPolicy {
  kind: 'boundary' | 'managed';
  /** Its value as written (an ARN, a Sub, a Ref to a parameter) and where. */
  value: Json;
  path: Path;
}

export interface Policies {
  /** False when the principal does not exist in this combination (its Condition is false). */
  exists: boolean;
  identity: Statement[];
  /** undefined: no boundary; else its statements (empty for an external boundary, see `external`). */
  boundary?: { label: string; path?: Path; statements: Statement[]; external: boolean };
  external: ExternalPolicy[];
}
