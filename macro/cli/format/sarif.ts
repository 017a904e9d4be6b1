/**
 * `check --format sarif`: SARIF 2.1.0, for code-scanning annotations (as cfn-lint offers).
 */
import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Log, Result } from 'sarif';
import type { CheckResult, FindingKind } from '../commands/check-findings';
import { worstExitCode } from '../exit-codes';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const RULES: { id: FindingKind; name: string; level: 'error' | 'warning'; short: string; full: string }[] = [
  {
    id: 'fails-at-run-time',
    name: 'FailsAtRunTime',
    level: 'error',
    short: 'A state invokes a Lambda function in a way Lambda rejects at run time',
    full: 'Lambda rejects an unqualified invocation of a durable function (DurableConfig: "You cannot invoke a durable function using an unqualified ARN") and never invokes $LATEST of a Managed Instances function (CapacityProviderConfig). The stack deploys, then every execution of the state fails. List the WarmStepFunctions transform in the template, or point the state at a published version or alias (a durable function also accepts :$LATEST). See docs/reasons.md.',
  },
  {
    id: 'cold-path',
    name: 'ColdPath',
    level: 'error',
    short: 'A state invokes a function without the published target its configuration needs (provisioned concurrency, SnapStart, Managed Instances)',
    full: 'Provisioned concurrency serves only the alias or version it is configured on, and SnapStart snapshots exist only for published versions: a state that invokes the unqualified function ARN, $LATEST or another qualifier runs on cold instances. An unqualified call of a Managed Instances function runs $LATEST.PUBLISHED, not the alias the template publishes. List the WarmStepFunctions transform in the template, or point the state at the alias. See docs/reasons.md.',
  },
  {
    id: 'not-checked',
    name: 'NotChecked',
    level: 'warning',
    short: 'An invocation or a definition that the check could not see into',
    full: 'A definition in S3 or one that is not valid JSON, a FunctionName computed at run time (FunctionName.$, JSONata), or a function the template cannot resolve (Fn::ImportValue): whether it is a cold path cannot be told from the template.',
  },
  {
    id: 'macro-fails',
    name: 'MacroFails',
    level: 'error',
    short: 'The WarmStepFunctions macro would fail on this template',
    full: 'CloudFormation would reject the deployment: the macro reports a failure (several warm aliases without AliasName, a parameter of the wrong type...).',
  },
];

/**
 * SARIF 2.1.0, shaped as cfn-lint's SARIF output: one run for every file checked (one artifact each), rules for
 * the findings, file URIs relative to EXECUTIONROOT, the invocation's exit code the worst file's.
 */
export function formatSarif(result: CheckResult | readonly CheckResult[], version: string, exitCode?: number): string {
  const all: readonly CheckResult[] = Array.isArray(result) ? result : [result as CheckResult];
  const findings = all.flatMap((r) => r.findings);
  const ruleIds = [...new Set(findings.map((f) => f.kind))];
  const rules = RULES.filter((r) => ruleIds.includes(r.id));
  // One artifact per file: the templates, and the definition files findings point into.
  const files = [...new Set(all.flatMap((r) => [r.file, ...r.findings.map((f) => f.file)]))];
  const artifacts = files.flatMap((file) => {
    const location = artifactLocationOf(file);
    return location === undefined ? [] : [{ file, location }];
  });
  const results = all.flatMap((one) => {
    return one.findings.map((f): Result => {
      const index = artifacts.findIndex((a) => a.file === f.file);
      const artifactLocation = index >= 0 ? artifacts[index].location : undefined;
      const rule = RULES.find((r) => r.id === f.kind);
      if (rule === undefined) throw new Error(`no SARIF rule for the finding kind ${f.kind}`);
      const name = f.state ?? f.stateMachine ?? f.templatePath;
      const qualified = f.statePath ? `${f.stateMachine}/${f.statePath}` : (f.stateMachine ?? f.templatePath);
      return {
        ruleId: rule.id,
        ruleIndex: rules.indexOf(rule),
        level: rule.level,
        message: { text: f.statePath ? `${f.stateMachine} ${f.statePath}: ${f.message}` : f.stateMachine ? `${f.stateMachine}: ${f.message}` : f.message },
        locations: [
          {
            ...(artifactLocation
              ? { physicalLocation: { artifactLocation: { ...artifactLocation, index }, region: { startLine: f.line, startColumn: f.column } } }
              : {}),
            logicalLocations: [{ name, fullyQualifiedName: qualified, kind: f.statePath ? 'member' : 'resource' }],
          },
        ],
        partialFingerprints: {
          'warmStepFunctions/v1': createHash('sha256')
            .update(`${rule.id}\0${f.templatePath}\0${f.statePath ?? ''}\0${f.message}`)
            .digest('hex')
            .slice(0, 32),
        },
        properties: {
          ...(f.stateMachine !== undefined ? { stateMachine: f.stateMachine } : {}),
          ...(f.statePath !== undefined ? { statePath: f.statePath } : {}),
          templatePath: f.templatePath,
          ...(f.function !== undefined ? { function: f.function } : {}),
          ...(f.reasons !== undefined ? { reasons: f.reasons } : {}),
        },
      };
    });
  });
  const relativeUris = artifacts.some((a) => a.location?.uriBaseId);
  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'warm-step-functions',
            version,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.short },
              fullDescription: { text: r.full },
              defaultConfiguration: { level: r.level },
              help: { text: r.full },
            })),
          },
        },
        ...(relativeUris ? { originalUriBaseIds: { EXECUTIONROOT: { description: { text: 'The directory in which warm-step-functions was run.' } } } } : {}),
        ...(artifacts.length
          ? { artifacts: artifacts.map((a) => ({ location: a.location, sourceLanguage: a.file.endsWith('.json') ? 'json' : 'yaml' })) }
          : {}),
        invocations: [{ executionSuccessful: true, exitCode: exitCode ?? worstExitCode(all.map((r) => r.exitCode)) }],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** A file's SARIF artifact location: relative to EXECUTIONROOT, a file: URI when absolute, none for stdin. */
function artifactLocationOf(file: string): { uri: string; uriBaseId?: string } | undefined {
  if (file === '<stdin>') return undefined;
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: encodeURI(file.replace(/\\/g, '/').replace(/^\.\//, '')), uriBaseId: 'EXECUTIONROOT' };
}
