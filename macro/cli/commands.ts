/**
 * The commands of the CLI: their options (for `util.parseArgs`) and their usage texts (--help), whose
 * exit codes are written from the table in exit-codes.ts.
 */
import { version } from '../../package.json';
import type { OptionSpecs } from './args';
import { bySeverity, type ExitCodeRow, severityOrder } from './exit-codes';
import { ACCEPTED } from '../core/params';
import { MACRO_NAME } from '../types';

/** The package's version, for --version (inlined by the bundler). */
export const VERSION: string = version;

/** Greedy word wrap at `width` columns: the first line starts with `lead`, the others with `indent`. */
function wrap(text: string, width: number, lead = '', indent = ''): string {
  const lines: string[] = [];
  let line = lead;
  let first = true;
  for (const word of text.split(' ')) {
    if (!first && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = first ? line + word : `${line} ${word}`;
    first = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** Items of a list: `, ` between them, or `; ` when an item holds a comma itself. */
const list = (items: string[]): string => items.join(items.some((i) => i.includes(',')) ? '; ' : ', ');

/** "Exit codes: 0 …, 1 …, 2 …." (0 first, then from the most serious), each code that `meaning` names, wrapped at `width`. */
function exitCodes(meaning: (row: ExitCodeRow) => string | undefined, width: number): string {
  const rows = bySeverity();
  const items = [...rows.filter((r) => r.code === 0), ...rows.filter((r) => r.code !== 0)].flatMap((r) => {
    const m = meaning(r);
    return m === undefined ? [] : [`${r.code} ${m}`];
  });
  return wrap(`Exit codes: ${list(items)}.`, width);
}

/** The overview's line on `check`: what each exit code of it means, from the most serious. */
const CHECK_OVERVIEW = wrap(
  `exits ${list(bySeverity().map((r) => `${r.code} ${r.checkOverview}`))}. --format json or sarif for CI.`,
  100,
  'check      ',
  ' '.repeat(11),
);

/** transform's --param line: the Transform parameters' names, as the macro accepts them (params.ts). */
const PARAM_OPTION = wrap(
  `a Transform parameter, over the template's own: ${ACCEPTED.map((a) => a.split(' ')[0]).join(', ')}`,
  110,
  '  --param Key=Value    ',
  ' '.repeat(23),
);

export const TRANSFORM_USAGE = `Usage: warm-step-functions transform <file | -> [--format yaml|json] [--param Key=Value]... [--report json] [--diff]
                                     [--region R] [--account-id A]

Prints the template as CloudFormation would deploy it after the ${MACRO_NAME} macro, and a summary
of what changed on stderr.

  --format yaml|json   output format (default: that of the input)
${PARAM_OPTION}
  --report json        the full report as JSON on stderr instead of the summary
  --diff               a unified diff of input and output (YAML) instead of the template
  --region R, --account-id A
                       where the template will be deployed (CloudFormation tells the macro); literal ARNs of
                       another region or account are then never taken for the template's own
  -h, --help           this help

${exitCodes((r) => r.transform?.help, 100)}`;

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

${exitCodes((r) => r.check.help, 103)}
The most serious finding decides: ${severityOrder()}.`;

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

${exitCodes((r) => r.verify.help, 104)}`;

export const USAGE = `Usage:
  warm-step-functions transform <file | -> [--format yaml|json] [--param Key=Value]... [--report json] [--diff]
                                [--region R] [--account-id A]
  warm-step-functions check <file | glob | ->... [--format text|json|sarif] [--param Key=Value]... [--region R] [--account-id A]
  warm-step-functions verify --stack NAME [--region R] [--profile P] [--json] [--executions N] [--timeout S]
  warm-step-functions [COMMAND] --help | --version

transform  prints the template as CloudFormation would deploy it after the ${MACRO_NAME} macro,
           and a summary of what changed on stderr (--report json: the full report as JSON;
           --diff: a unified diff of input and output instead of the template).
${CHECK_OVERVIEW}
verify     checks a deployed stack with your AWS credentials.

--region and --account-id say where the template will be deployed (CloudFormation tells the
macro); literal ARNs of another region or account are then never taken for the template's own.

${exitCodes((r) => r.overview, 92)}`;

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
