/**
 * `verify`'s words for the AWS SDK's errors: what a failed read of one state machine, its executions or a
 * function means, told on that row (the rest of the stack is still checked).
 */

/** An SDK timeout (`--timeout`, every attempt) as such, else `otherwise`. */
export function timeoutOr(e: unknown, otherwise: string): string {
  const name = (e as Error)?.name ?? '';
  if (name === 'TimeoutError' || (e as { code?: string })?.code === 'ETIMEDOUT') {
    const attempts = (e as { $metadata?: { attempts?: number } })?.$metadata?.attempts;
    return `timed out: no answer within --timeout${attempts ? ` (${attempts} attempt${attempts === 1 ? '' : 's'})` : ''}`;
  }
  return otherwise;
}

const nameAndMessage = (e: unknown): string => `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;

/** DescribeStateMachine failed. */
export function describeMachineError(e: unknown, arn: string): string {
  const name = (e as Error)?.name ?? 'Error';
  if (name === 'StateMachineDoesNotExist') return `state machine ${arn} does not exist (deleted since the stack was deployed?)`;
  if (name === 'AccessDeniedException') return 'access denied to the Step Functions API (needs states:DescribeStateMachine)';
  return timeoutOr(e, nameAndMessage(e));
}

/** ListExecutions or GetExecutionHistory failed. */
export function describeExecutionsError(e: unknown): string {
  const name = (e as Error)?.name ?? 'Error';
  if (name === 'AccessDeniedException') return 'access denied to the Step Functions API (needs states:ListExecutions and states:GetExecutionHistory)';
  return timeoutOr(e, nameAndMessage(e));
}

/** A read of the Lambda API about one function failed. */
export function describeLambdaError(e: unknown): string {
  const name = (e as Error)?.name ?? 'Error';
  if (name === 'AccessDeniedException') return 'access denied to the Lambda API';
  if (name === 'ResourceNotFoundException') return 'function not found';
  return timeoutOr(e, nameAndMessage(e));
}
