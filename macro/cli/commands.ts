/**
 * The commands of the CLI: their options (for `util.parseArgs`) and their usage texts (--help).
 */
import { version } from '../../package.json';
import type { OptionSpecs } from './args';
import { MACRO_NAME } from '../types';

/** The package's version, for --version (inlined by the bundler). */
export const VERSION: string = version;

export const TRANSFORM_USAGE = `Usage: warm-step-functions transform <file | -> [--format yaml|json] [--param Key=Value]... [--report json] [--diff]
                                     [--region R] [--account-id A]

Prints the template as CloudFormation would deploy it after the ${MACRO_NAME} macro, and a summary
of what changed on stderr.

  --format yaml|json   output format (default: that of the input)
  --param Key=Value    a Transform parameter (AliasName, StateMachines, Exclude, Mode); overrides the template's
  --report json        the full report as JSON on stderr instead of the summary
  --diff               a unified diff of input and output (YAML) instead of the template
  --region R, --account-id A
                       where the template will be deployed (CloudFormation tells the macro); literal ARNs of
                       another region or account are then never taken for the template's own
  -h, --help           this help

Exit codes: 0 success, 1 the macro fails, 2 usage or I/O error.`;

export const CHECK_USAGE = `Usage: warm-step-functions check <file | glob | ->... [--format text|json|sarif] [--param Key=Value]... [--region R] [--account-id A]

Lists each state that invokes a Lambda function without the published target its configuration needs
(docs/reasons.md): a cold path (provisioned concurrency, SnapStart; Managed Instances' alias), or an
invocation that fails at run time (a durable function's unqualified ARN, $LATEST on Managed Instances).
With the transform listed, checks what will be deployed; without it, the template as written.
Takes many files and quoted globs ('templates/**/*.y*ml') in one run, follows nested stacks whose
TemplateURL is a local file, and reports them together (one SARIF run); exits with the worst file's code.

  --format text|json|sarif
                       text (default); json: every finding with its file, line and state path;
                       sarif: SARIF 2.1.0, for code-scanning annotations
  --param Key=Value    a Transform parameter, as for transform
  --region R, --account-id A
                       where the template will be deployed
  -h, --help           this help

Exit codes: 0 no finding; 3 an invocation fails at run time (SARIF rule fails-at-run-time, level
error); 1 a cold path (SARIF cold-path, error) or the macro fails (macro-fails, error); 2 nothing cold
but some definition or invocation could not be checked (not-checked, warning), or a usage or I/O error.
The most serious finding decides: 3, then 1, then 2.`;

export const VERIFY_USAGE = `Usage: warm-step-functions verify --stack NAME [--region R] [--profile P] [--json] [--executions N] [--timeout S]

Checks a deployed stack with your AWS credentials: for every Lambda task of every state machine in the
stack, which qualifier it invokes and whether provisioned concurrency serves it.

  --stack NAME         the stack's name or ID
  --region R           its region (default: AWS_REGION or your profile's)
  --profile P          the AWS profile to use (default: AWS_PROFILE, or the default chain)
  --json               the full result as JSON instead of the table
  --executions N       also read the last N executions of each state machine and show what each task ran
  --timeout S          seconds one AWS request may take before it is retried (default 30)
  -h, --help           this help

A task that invokes a function without provisioned concurrency unqualified is also judged by the
function's configuration (docs/reasons.md): SnapStart makes it a cold path; a durable function (or
$LATEST of a Managed Instances function) fails at run time.

Exit codes: 0 every task is warm or has no provisioned concurrency; 3 a task fails at run time; 1 a cold
path, or provisioned concurrency that is not READY; 2 a usage or credential error, or something that
could not be checked.`;

export const USAGE = `Usage:
  warm-step-functions transform <file | -> [--format yaml|json] [--param Key=Value]... [--report json] [--diff]
                                [--region R] [--account-id A]
  warm-step-functions check <file | glob | ->... [--format text|json|sarif] [--param Key=Value]... [--region R] [--account-id A]
  warm-step-functions verify --stack NAME [--region R] [--profile P] [--json] [--executions N] [--timeout S]
  warm-step-functions [COMMAND] --help | --version

transform  prints the template as CloudFormation would deploy it after the ${MACRO_NAME} macro,
           and a summary of what changed on stderr (--report json: the full report as JSON;
           --diff: a unified diff of input and output instead of the template).
check      exits 3 when a state invokes a function in a way Lambda rejects at run time (a durable
           function's unqualified ARN); 1 when a state misses the published target its function
           needs (a cold path: provisioned concurrency, SnapStart), listing each one; 2 when nothing
           is cold but some definition or invocation could not be checked (listed); 0 otherwise.
           --format json or sarif for CI.
verify     checks a deployed stack with your AWS credentials.

--region and --account-id say where the template will be deployed (CloudFormation tells the
macro); literal ARNs of another region or account are then never taken for the template's own.

Exit codes: 0 success, 1 the macro fails (or check finds a cold path), 2 usage or I/O error
(or check could not see into some definition or invocation).`;

const TEMPLATE_OPTIONS: OptionSpecs = {
  param: { type: 'string', multiple: true },
  region: { type: 'string' },
  'account-id': { type: 'string' },
};

export const COMMANDS: Record<'transform' | 'check' | 'verify', { usage: string; options: OptionSpecs }> = {
  transform: { usage: TRANSFORM_USAGE, options: { format: { type: 'string' }, ...TEMPLATE_OPTIONS, report: { type: 'string' }, diff: { type: 'boolean' } } },
  check: { usage: CHECK_USAGE, options: { format: { type: 'string' }, ...TEMPLATE_OPTIONS } },
  verify: {
    usage: VERIFY_USAGE,
    options: {
      stack: { type: 'string' },
      region: { type: 'string' },
      profile: { type: 'string' },
      json: { type: 'boolean' },
      executions: { type: 'string' },
      timeout: { type: 'string' },
    },
  },
};

export type Command = keyof typeof COMMANDS;

/** The options of the commands other than `command`, to say "--diff is not an option of check". */
export function otherOptions(command: Command): Set<string> {
  const own = new Set(Object.keys(COMMANDS[command].options));
  return new Set(
    (Object.keys(COMMANDS) as Command[])
      .filter((c) => c !== command)
      .flatMap((c) => Object.keys(COMMANDS[c].options))
      .filter((o) => !own.has(o))
      .map((o) => `--${o}`),
  );
}
