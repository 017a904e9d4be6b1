/**
 * The AWS SDK commands a bundle sends, read from its text, and the IAM actions each one needs: what
 * test/integration/deployment.test.ts compares with the IAM actions of every deployment template's role.
 *
 * The bundle keeps the SDK external (scripts/build.mjs) and loads each client with `import("@aws-sdk/…")`,
 * so a command appears as `new <module>.<Name>Command(`: minification renames the module variable, never
 * the property. A command that the table below does not know fails the comparison: add it with the
 * actions the Service Authorization Reference lists for its operation (docs/security.md cites them).
 */

export interface CommandActions {
  /** The SDK client package that exports the command. */
  client: string;
  /** The IAM actions the call needs. */
  actions: string[];
}

export const COMMAND_ACTIONS: Record<string, CommandActions> = {
  // ResolveExternal (macro/external/resolve.ts).
  ListProvisionedConcurrencyConfigsCommand: { client: '@aws-sdk/client-lambda', actions: ['lambda:ListProvisionedConcurrencyConfigs'] },
  ListAliasesCommand: { client: '@aws-sdk/client-lambda', actions: ['lambda:ListAliases'] },
  // Definitions in S3 (macro/external/s3-definitions.ts). GetObject with a VersionId (a pinned Version)
  // needs s3:GetObjectVersion as well as s3:GetObject.
  GetObjectCommand: { client: '@aws-sdk/client-s3', actions: ['s3:GetObject', 's3:GetObjectVersion'] },
};

export interface BundleCalls {
  /** Commands the bundle instantiates (`new x.NameCommand(`), sorted. */
  sent: string[];
  /** Every `NameCommand` identifier in the bundle, sorted: a command used any other way shows here. */
  mentioned: string[];
  /** The `@aws-sdk/*` packages the bundle imports, sorted. */
  clients: string[];
}

export function bundleCalls(source: string): BundleCalls {
  const all = (re: RegExp): string[] => [...new Set([...source.matchAll(re)].map((m) => m[1]))].sort();
  return {
    sent: all(/\bnew\s+(?:[A-Za-z_$][\w$]*\s*\.\s*)?([A-Z][A-Za-z0-9]*Command)\s*\(/g),
    mentioned: all(/(?<![\w$])([A-Z][A-Za-z0-9]*Command)(?![\w$])/g),
    clients: all(/["'](@aws-sdk\/[a-z0-9-]+)["']/g),
  };
}

/** The IAM actions the given commands need, sorted; throws on a command the table does not know. */
export function actionsFor(commands: readonly string[]): string[] {
  const unknown = commands.filter((c) => !Object.hasOwn(COMMAND_ACTIONS, c));
  if (unknown.length) throw new Error(`no IAM actions known for ${unknown.join(', ')}: add them to COMMAND_ACTIONS (test/support/sdk-commands.ts)`);
  return [...new Set(commands.flatMap((c) => COMMAND_ACTIONS[c].actions))].sort();
}
