/**
 * Types shared by the core and its edges.
 *
 * CloudFormation's macro contract is not part of @types/aws-lambda, so it lives here.
 * See "Template macros" in the CloudFormation user guide: the event and the reply below
 * are exactly the documented fields.
 */

/** The product's name: the macro's name in `Transform`, its Metadata key, and the prefix of its messages. */
export const MACRO_NAME = 'WarmStepFunctions';

/** Where the macro's Transform parameters sit, as problems name them. */
export const PARAMETERS_PATH = `Transform/${MACRO_NAME}/Parameters`;

/** A JSON value as CloudFormation sends it (long form: `{"Fn::GetAtt": [...]}`). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The event CloudFormation sends to a macro's Lambda function. */
export interface MacroEvent {
  region: string;
  accountId: string;
  fragment: unknown;
  transformId: string;
  params: Record<string, unknown>;
  requestId: string;
  /** May hold NoEcho values: never logged, never read by the core. */
  templateParameterValues: Record<string, unknown>;
}

/** The reply CloudFormation expects from a macro's Lambda function. */
export interface MacroReply {
  requestId: string;
  status: 'success' | 'failure';
  fragment: unknown;
  errorMessage?: string;
}

export type Mode = 'rewrite' | 'report' | 'strict';

/** Why an invocation must use a published target (macro/core/targets/reasons.ts; docs/reasons.md). */
export type Reason = 'ProvisionedConcurrency' | 'SnapStart' | 'Durable' | 'ManagedInstances';

/** What an unqualified invocation does: runs cold, fails at run time, or runs another published version. */
export type Consequence = 'cold' | 'fails' | 'bypasses';

/** Options of one run of the core transform (the macro's Transform parameters plus the event's context). */
export interface TransformOptions {
  /** Alias name to use when a function has several warm aliases. */
  aliasName?: string;
  /** Process only these state machines (logical IDs). */
  stateMachines?: string[];
  /** Skip these state machines (logical IDs). */
  exclude?: string[];
  mode?: Mode;
  /** The reasons to act on (the Reasons parameter); all of them when undefined. */
  reasons?: Reason[];
  /** Deployment region and account, used to complete partial ARNs and to judge IAM patterns. */
  region?: string;
  accountId?: string;
  /**
   * Warm aliases of functions outside the template, found by the edge (issue 6: ResolveExternal).
   * Key: the function's unqualified ARN; value: the outcome of the lookup.
   */
  external?: Record<string, ExternalLookup>;
  /**
   * Definitions stored outside the template (DefinitionUri, DefinitionS3Location), read by the edge:
   * the Lambda from S3, the CLI from local files. Key: the state machine's logical ID.
   */
  definitions?: Record<string, StoredDefinition>;
  /**
   * Called between steps of the work (each state machine, every 256 invocations). The Lambda edge
   * passes one that throws a LimitError when its time or memory is running out, so that the macro
   * replies with a failure that says so instead of being stopped by Lambda.
   */
  checkpoint?: (stage: string) => void;
  /**
   * Whether each decision about a state carries its `location` in the template's source (what the
   * CLI's findings point at): true unless false. The Lambda edge, which logs no location, asks for none.
   */
  locations?: boolean;
}

/** The properties that load a state machine's definition from outside the template. */
export type StoredProperty = 'DefinitionUri' | 'DefinitionS3Location';

/** Where a stored definition is. */
export type DefinitionLocation =
  | {
      kind: 's3';
      /** The bucket name; undefined when it needs a pseudo parameter the caller did not give (region, account). */
      bucket: string | undefined;
      /** The bucket as written: the literal name or the `Fn::Sub` template (how CDK asset manifests name it). */
      bucketText: string;
      key: string;
      version?: string;
    }
  /** A path relative to the template (SAM source templates, before `sam package` uploads it). */
  | { kind: 'file'; path: string };

/** A state machine's stored definition as the template names it (where to read it). */
export interface StoredRef {
  stateMachine: string;
  property: StoredProperty;
  /** e.g. `Resources/Flow/Properties/DefinitionUri`. */
  templatePath: string;
  location?: DefinitionLocation;
  /** Why the location cannot be known before deployment (set when `location` is not). */
  problem?: string;
}

/**
 * A stored definition as the edge read it. `source` names it in the report: `s3://bucket/key`
 * with its version or ETag, or the local path.
 */
export type StoredDefinition = { status: 'ok'; source: string; text: string } | { status: 'error'; source: string; message: string };

export type ExternalLookup = { status: 'warm'; aliases: { name: string; arn: string }[] } | { status: 'cold' } | { status: 'error'; message: string };

/** What a decision is about, in pipeline order. */
export type Topic = 'parameters' | 'targets' | 'state-machine' | 'definition' | 'invocation' | 'iam';

/** The message data of a decision: the values its text is built from. */
export type MessageData = Record<string, string | number>;

/**
 * Where the value a decision is about sits in the template, as deep as the macro knows it: down
 * into a Definition object, or the string piece of a DefinitionString with the offset of the value
 * in it. (`templatePath` names the property; this names the value.)
 */
export interface ValueLocation {
  path: (string | number)[];
  /** Offset of the value in the string at `path`, when it sits inside a longer string. */
  offset?: number;
}

/** One decision the macro made about one invocation slot (or one state machine). */
export interface Decision {
  topic: Topic;
  /** The key of its text in `macro/messages.ts`; `reason` is that text rendered with `data`. */
  messageId: string;
  data: MessageData;
  /** `granted`: an IAM grant the macro added so that the state machine's role may invoke a new target. */
  action: 'rewritten' | 'cold' | 'unchanged' | 'warning' | 'granted';
  stateMachine: string;
  /** The state's name, when the decision is about a state. */
  state?: string;
  /** Where the state sits in the definition, e.g. `States.Fan.Branches[0].States.Work`. */
  statePath?: string;
  /**
   * The `Fn::If` branches that choose the state (a whole state, its `Parameters`, a Parallel
   * branch… written under `Fn::If`, which CloudFormation resolves at deploy time): the decision
   * applies where each condition has its value. Absent when the state is always there.
   */
  when?: { condition: string; value: boolean }[];
  /** Where the value sits in the template, e.g. `Resources/Flow/Properties/DefinitionString`. */
  templatePath: string;
  /** The invoked function (logical ID) when known. */
  function?: string;
  /** The invoked function's ARN when it is outside the template (a literal ARN or name). */
  external?: string;
  from?: string;
  to?: string;
  reason: string;
  /** Where the definition came from when it is stored outside the template (S3 object or local file). */
  source?: string;
  /**
   * True when the state invoked (before any rewrite) a function that has provisioned concurrency
   * without going through it: what `warm-step-functions check` reports.
   */
  coldPath?: boolean;
  /** Why the function needs a published target (provisioned concurrency, SnapStart, durable, Managed Instances). */
  reasons?: Reason[];
  /** What the invocation did before the macro (or does, when it stays): `fails` at run time for a durable function. */
  consequence?: Consequence;
  /** Where the value sits, when the decision is about a state of a definition in the template. */
  location?: ValueLocation;
}

/**
 * What the edges must fetch for the real run: run the core, read `needs`, fetch, and run again
 * only if something was fetched.
 */
export interface Needs {
  /** Stored definitions of the selected state machines that `options.definitions` does not hold. */
  definitions: StoredRef[];
  /**
   * Unqualified ARNs of functions outside the template that invocations name and
   * `options.external` does not answer (what ResolveExternal looks up), sorted. Empty when the run
   * fails on the template whatever the mode (only Mode strict's own findings keep them).
   */
  external: string[];
}

export interface Report {
  mode: Mode;
  decisions: Decision[];
  /** The state machines whose definition the run rewrote (in Mode report: would rewrite). */
  changed: string[];
  needs: Needs;
  summary: {
    stateMachines: number;
    modifiedStateMachines: number;
    rewritten: number;
    cold: number;
    warnings: number;
    iamGrantsAdded: number;
  };
}

export interface TransformResult {
  fragment: unknown;
  report: Report;
}
