/**
 * ResolveExternal under throttling, on the wire: N external functions, each throttled once by a
 * loopback Lambda endpoint (429 TooManyRequestsException on its first ListProvisionedConcurrencyConfigs),
 * resolved with the macro's own client (budget-aware standard retry) and, for comparison, with the
 * client configuration it had before (`retryMode: 'adaptive', maxAttempts: 6`) and with the SDK's
 * standard mode (`retryMode: 'standard', maxAttempts: 3`).
 *
 *   node scripts/run-ts.mjs scripts/measure-resolve-retry.ts [--runs 3] [--sizes 8,12] [--budget 10000]
 *
 * Prints, per configuration and size, each run's time and how many lookups did not finish
 * (lost to the budget or to throttling). `--write FILE` also records what it printed, with the command
 * and the Node.js version, in FILE (bench/resolve-retry.json, which docs/resolve-external.md shows).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { writeFileSync } from 'node:fs';
import { DEFAULT_BUDGET_MS, resolveExternal } from '../macro/aws/lambda-aliases';
import type { JsonObject } from '../macro/types';
import { fnArn, startFakeAws, wireEnv, type FakeAccount } from '../test/support/aws-wire';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

function arg(name: string, fallback: string): string {
  const k = process.argv.indexOf(`--${name}`);
  return k > 0 && process.argv[k + 1] ? process.argv[k + 1] : fallback;
}

function template(names: string[]): JsonObject {
  const states: JsonObject = {};
  names.forEach((n, k) => {
    states[`Call${k}`] = {
      Type: 'Task',
      Resource: fnArn({ region: REGION, account: ACCOUNT }, n),
      ...(k + 1 < names.length ? { Next: `Call${k + 1}` } : { End: true }),
    };
  });
  return {
    Resources: {
      Flow: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { RoleArn: 'arn:aws:iam::123456789012:role/flow', Definition: { StartAt: 'Call0', States: states } },
      },
    },
  };
}

type Config = 'before' | 'standard' | 'after';
const LABELS: Record<Config, string> = {
  before: "before: retryMode 'adaptive', maxAttempts 6",
  standard: "for comparison: the SDK's retryMode 'standard', maxAttempts 3",
  after: "after: the macro's own client, budget-aware standard retry",
};

async function once(size: number, budgetMs: number, config: Config): Promise<{ ms: number; lost: number; messages: string[] }> {
  const names = Array.from({ length: size }, (_, k) => `ext-${k + 1}`);
  const fake: FakeAccount = {
    region: REGION,
    account: ACCOUNT,
    stacks: {},
    machines: [],
    functions: Object.fromEntries(names.map((n) => [n, { pc: { live: { status: 'READY' as const } }, aliases: { live: '1' } }])),
    fault: (call) => (call.operation === 'ListProvisionedConcurrencyConfigs' && call.seen === 0 ? 'throttle' : undefined),
  };
  const server = await startFakeAws(fake, { lifetimeMs: budgetMs + 30_000 });
  const saved = { ...process.env };
  Object.assign(process.env, wireEnv(server, REGION));
  try {
    const client =
      config === 'before'
        ? new LambdaClient({ region: REGION, retryMode: 'adaptive', maxAttempts: 6 })
        : config === 'standard'
          ? new LambdaClient({ region: REGION, retryMode: 'standard', maxAttempts: 3 })
          : undefined;
    const started = performance.now();
    const out = await resolveExternal(template(names), { region: REGION, accountId: ACCOUNT }, { enabled: true, budgetMs, client });
    const ms = performance.now() - started;
    const errors = Object.values(out).filter((o) => o.status !== 'warm');
    return { ms, lost: errors.length, messages: [...new Set(errors.map((e) => (e.status === 'error' ? e.message : e.status)))] };
  } finally {
    process.env = saved;
    await server.close();
  }
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '3'));
  const sizes = arg('sizes', '8,12').split(',').map(Number);
  const budgetMs = Number(arg('budget', String(DEFAULT_BUDGET_MS)));
  const printed: string[] = [];
  const print = (line: string): void => {
    printed.push(line);
    console.log(line);
  };
  print(`ResolveExternal, each function throttled once (429), budget ${budgetMs} ms, concurrency 4, ${runs} runs each`);
  for (const config of ['before', 'standard', 'after'] as const) {
    const label = LABELS[config];
    for (const size of sizes) {
      const results = [];
      for (let r = 0; r < runs; r++) results.push(await once(size, budgetMs, config));
      const times = results.map((x) => `${(x.ms / 1000).toFixed(2)} s`).join(', ');
      const lost = results.map((x) => x.lost).join(', ');
      print(
        `${label}; ${size} functions: time ${times}; not resolved ${lost}${results.some((x) => x.lost) ? ` (${[...new Set(results.flatMap((x) => x.messages))].join('; ')})` : ''}`,
      );
    }
  }
  const write = arg('write', '');
  if (write) {
    const command = `node scripts/run-ts.mjs scripts/measure-resolve-retry.ts ${process.argv.slice(2).join(' ')}`;
    writeFileSync(
      write,
      `${JSON.stringify({ command, node: process.version, date: new Date().toISOString().slice(0, 10), output: printed.join('\n') }, null, 2)}\n`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
