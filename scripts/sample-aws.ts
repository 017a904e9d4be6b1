/**
 * The example AWS account behind the documentation's `verify` sample: a loopback endpoint
 * (test/support/aws-wire.ts, the one the wire tests use) that answers as CloudFormation, Step Functions
 * and Lambda for the stack `orders-prod`.
 *
 *   node scripts/run-ts.mjs scripts/sample-aws.ts
 *
 * Prints one line, the environment that points the AWS SDK at it (JSON), then serves until its stdin
 * closes. scripts/docs.mjs runs `warm-step-functions verify --stack orders-prod …` with that environment.
 *
 * The stack:
 * - OrderFlow: Validate → orders-validate:live (provisioned concurrency READY: warm);
 *   Charge → lambda:invoke of the unqualified orders-charge although `live` has provisioned concurrency (cold);
 *   Notify → orders-notify, which has none.
 * - RefundFlow: Refund → lambda:invoke of orders-refund:live (provisioned concurrency
 *   IN_PROGRESS: not ready); Audit → orders-validate:live (warm); Reconcile → orders-reconcile:3 (FAILED).
 * Each machine has one execution; its history shows which qualified ARN each task ran.
 */
import { fnArn, smArn, startFakeAws, wireEnv, type FakeAccount, type FakeMachine } from '../test/support/aws-wire';

const HERE = { region: 'us-east-1', account: '123456789012' };
const INVOKE = 'arn:aws:states:::lambda:invoke';
const fn = (name: string): string => fnArn(HERE, name);

const entered = (name: string) => ({ type: 'TaskStateEntered', stateEnteredEventDetails: { name, input: '{}' } });
const exited = (name: string) => ({ type: 'TaskStateExited', stateExitedEventDetails: { name, output: '{}' } });
const lambda = (resource: string) => ({ type: 'LambdaFunctionScheduled', lambdaFunctionScheduledEventDetails: { resource, input: '{}' } });
const task = (resource: string, parameters: object) => ({
  type: 'TaskScheduled',
  taskScheduledEventDetails: { resourceType: 'lambda', resource, region: HERE.region, parameters: JSON.stringify(parameters) },
});

const ORDER_FLOW: FakeMachine = {
  name: 'OrderFlow-k3J9xQ2mZ8pL',
  definition: {
    StartAt: 'Validate',
    States: {
      Validate: { Type: 'Task', Resource: `${fn('orders-validate')}:live`, Next: 'Charge' },
      Charge: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: fn('orders-charge'), 'Payload.$': '$' }, Next: 'Notify' },
      Notify: { Type: 'Task', Resource: fn('orders-notify'), End: true },
    },
  },
  executions: 1,
  history: () => [
    { type: 'ExecutionStarted', executionStartedEventDetails: { input: '{}', roleArn: `arn:aws:iam::${HERE.account}:role/OrderFlow-role` } },
    entered('Validate'),
    lambda(`${fn('orders-validate')}:live`),
    exited('Validate'),
    entered('Charge'),
    task('invoke', { FunctionName: fn('orders-charge'), Payload: { orderId: 'o-1' } }),
    exited('Charge'),
    entered('Notify'),
    lambda(fn('orders-notify')),
    exited('Notify'),
    { type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: '{}' } },
  ],
};

const REFUND_FLOW: FakeMachine = {
  name: 'RefundFlow-P0aW7rT1sV4e',
  definition: {
    StartAt: 'Refund',
    States: {
      Refund: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: 'orders-refund:live', 'Payload.$': '$' }, Next: 'Audit' },
      Audit: { Type: 'Task', Resource: `${fn('orders-validate')}:live`, Next: 'Reconcile' },
      Reconcile: { Type: 'Task', Resource: `${fn('orders-reconcile')}:3`, End: true },
    },
  },
  executions: 1,
  history: () => [
    { type: 'ExecutionStarted', executionStartedEventDetails: { input: '{}', roleArn: `arn:aws:iam::${HERE.account}:role/RefundFlow-role` } },
    entered('Refund'),
    task('invoke', { FunctionName: 'orders-refund:live', Payload: {} }),
    exited('Refund'),
    { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'States.TaskFailed', cause: 'Audit failed' } },
  ],
};

const ACCOUNT: FakeAccount = {
  ...HERE,
  stacks: {
    'orders-prod': [
      { logicalId: 'OrderFlow', type: 'AWS::StepFunctions::StateMachine', physicalId: smArn(HERE, ORDER_FLOW.name) },
      { logicalId: 'RefundFlow', type: 'AWS::StepFunctions::StateMachine', physicalId: smArn(HERE, REFUND_FLOW.name) },
      { logicalId: 'Orders', type: 'AWS::SQS::Queue', physicalId: `https://sqs.${HERE.region}.amazonaws.com/${HERE.account}/orders` },
    ],
  },
  machines: [ORDER_FLOW, REFUND_FLOW],
  functions: {
    'orders-validate': { pc: { live: { status: 'READY', allocated: 5, requested: 5 } }, aliases: { live: '14' } },
    'orders-charge': { pc: { live: { status: 'READY', allocated: 10, requested: 10 } }, aliases: { live: '9' } },
    'orders-notify': {},
    'orders-refund': { pc: { live: { status: 'IN_PROGRESS', allocated: 2, requested: 10 } }, aliases: { live: '4' } },
    'orders-reconcile': { pc: { '3': { status: 'FAILED', allocated: 0, requested: 5 } } },
  },
};

async function main(): Promise<void> {
  const server = await startFakeAws(ACCOUNT, { lifetimeMs: 10 * 60_000, maxRequests: 10_000 });
  process.stdout.write(`${JSON.stringify(wireEnv(server, HERE.region))}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void server.close().then(() => process.exit(0));
  });
}

void main();
