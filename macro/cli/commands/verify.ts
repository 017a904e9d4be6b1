/**
 * `warm-step-functions verify --stack NAME [--region R] [--profile P] [--json] [--executions N] [--timeout S]`
 *
 * Checks a deployed stack with the user's AWS credentials (verify-stack.ts): for every Lambda task of every
 * state machine in the stack, which qualifier it invokes and whether provisioned concurrency serves it. With
 * `--executions N`, it also reads the last N executions' history and shows which qualified ARN each task
 * really ran (verify-executions.ts). Prints the table (format/table.ts) or, with `--json`, the whole result;
 * the exit code is `verify`'s column of EXIT_CODES (exit-codes.ts).
 */
import { type ClientOptions, DEFAULT_TIMEOUT_S, defaultClients, type VerifyClients } from '../../aws/stack';
import { type Parsed, UsageError } from '../args';
import { formatTable } from '../format/table';
import type { Io } from '../io';
import { timeoutOr } from './verify-errors';
import type { VerifyResult } from './verify-result';
import { verifyStack } from './verify-stack';

export type MakeClients = (region?: string, profile?: string, options?: ClientOptions) => VerifyClients;

interface VerifyArgs {
  stack: string;
  region?: string;
  profile?: string;
  json: boolean;
  executions: number;
  timeoutS: number;
}

function verifyArgs({ values, positionals }: Parsed): VerifyArgs {
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]} (the stack goes after --stack)`);
  if (typeof values.stack !== 'string' || values.stack === '') throw new UsageError('verify needs --stack NAME');
  const args: VerifyArgs = {
    stack: values.stack,
    region: values.region as string | undefined,
    profile: values.profile as string | undefined,
    json: values.json === true,
    executions: 0,
    timeoutS: DEFAULT_TIMEOUT_S,
  };
  if (values.executions !== undefined) {
    args.executions = Number(values.executions);
    if (!/^\d+$/.test(String(values.executions)) || args.executions < 1) throw new UsageError('--executions takes a positive whole number');
  }
  if (values.timeout !== undefined) {
    args.timeoutS = Number(values.timeout);
    if (!/^\d+(\.\d+)?$/.test(String(values.timeout)) || !(args.timeoutS > 0)) throw new UsageError('--timeout takes a positive number of seconds');
  }
  return args;
}

/** The verdicts' exit code: `verify`'s column of EXIT_CODES (exit-codes.ts). */
export function exitCode(result: VerifyResult): number {
  if (result.rows.some((r) => r.verdict === 'fails')) return 3;
  if (result.rows.some((r) => r.verdict === 'cold' || r.verdict === 'not-ready')) return 1;
  return result.rows.some((r) => r.verdict === 'unknown') || result.executionErrors.length > 0 ? 2 : 0;
}

export async function runVerify(parsed: Parsed, io: Io, makeClients: MakeClients = defaultClients): Promise<number> {
  const args = verifyArgs(parsed);
  let result: VerifyResult;
  try {
    result = await verifyStack(args.stack, makeClients(args.region, args.profile, { timeoutS: args.timeoutS }), { executions: args.executions });
  } catch (e) {
    io.stderr(`error: ${credentialMessage(e, args.stack)}\n`);
    return 2;
  }
  io.stdout(args.json ? `${JSON.stringify(result, null, 2)}\n` : formatTable(result));
  const code = exitCode(result);
  if (code === 2) {
    const what = [
      result.rows.some((r) => r.verdict === 'unknown') ? 'some tasks could not be checked (see "not checked" above)' : '',
      result.executionErrors.length ? 'some executions could not be read (see "executions not read" above)' : '',
    ];
    io.stderr(`error: ${what.filter(Boolean).join('; ')}\n`);
  }
  return code;
}

function credentialMessage(e: unknown, stack: string): string {
  const name = (e as Error)?.name ?? '';
  const message = (e as Error)?.message ?? String(e);
  if (name === 'TimeoutError') return timeoutOr(e, message).replace(/^timed out/, 'CloudFormation timed out');
  if (name === 'CredentialsProviderError' || /credential/i.test(message))
    return `no AWS credentials: ${message} (set AWS_PROFILE, use --profile, or configure credentials)`;
  if (/region/i.test(message) && /missing/i.test(message)) return 'no AWS region: pass --region or set AWS_REGION';
  if (name === 'ValidationError' && /does not exist/.test(message)) return `stack ${stack} does not exist in this account and region`;
  if (name === 'AccessDenied' || name === 'AccessDeniedException') return `access denied: ${message}`;
  return `${name || 'error'}: ${message}`;
}
