/**
 * The types the IAM modules share (paths, policy documents, warnings), in a module of their own
 * so that no two IAM modules import each other.
 */

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
