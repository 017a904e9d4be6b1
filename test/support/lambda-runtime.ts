/**
 * The Lambda execution environment, on loopback: a Runtime API server that speaks the protocol of
 * Lambda's `2018-06-01` Runtime API, and a launcher that starts one of AWS's own runtime interface
 * clients (aws-lambda-ric, see scripts/runtime-clients.mjs) against it, in a task folder, with the
 * environment the managed runtime sets. Tests and the benchmark drive the deployed bundle through it
 * exactly as Lambda does: the client loads `_HANDLER` from `LAMBDA_TASK_ROOT`, long-polls
 * `/invocation/next`, calls the handler, and posts the reply or the error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const PREFIX = '/2018-06-01/runtime';

export interface RuntimeClient {
  version: string;
  runtime: string;
  /** The Node.js major its Lambda runtime runs (the client runs on it, and its addon is built against it). */
  node: number;
  entry: string;
  addon: string;
}

/** The runtime clients the tests use (scripts/runtime-clients.json; scripts/runtime-clients.mjs installs them). */
export const RUNTIME_CLIENTS: RuntimeClient[] = JSON.parse(readFileSync(join(__dirname, '..', '..', 'scripts', 'runtime-clients.json'), 'utf8'));

export interface NodeVersion {
  major: number;
  version: string;
  why: string;
  integrity: Record<string, string>;
}

/** The pinned Node.js versions (scripts/node-versions.json; scripts/node-binaries.mjs fetches them). */
export const NODE_VERSIONS: NodeVersion[] = JSON.parse(readFileSync(join(__dirname, '..', '..', 'scripts', 'node-versions.json'), 'utf8'));

/** The pinned Node.js of a major line, where the cache holds it (as scripts/node-binaries.mjs lays it out), and whether it is there. */
export function nodeBinary(major: number, env: NodeJS.ProcessEnv = process.env): { version: string; bin: string; binDir: string; installed: boolean } {
  const n = NODE_VERSIONS.find((v) => v.major === major);
  if (!n) throw new Error(`Node.js ${major} is not pinned in scripts/node-versions.json`);
  const root = env.WARM_NODE_CACHE || join(homedir(), '.cache', 'warm-step-functions', 'node');
  const binDir = join(root, `${n.version}-${process.platform}-${process.arch}`, 'bin');
  const bin = join(binDir, 'node');
  return { version: n.version, bin, binDir, installed: existsSync(bin) };
}

/** What scripts/runtime-clients.mjs recorded about a client's build (built-with.json). */
export interface BuiltWith {
  client: string;
  runtime: string;
  /** The Node.js version node-gyp ran under, from the build's own log. */
  nodeGyp: string;
  nodedir: string;
  /** The Node.js that loaded the finished addon after the build. */
  loadedBy: string;
  modules: string;
  napi: string;
}

/**
 * Where a client is installed (the cache outside the checkout, one build per Node.js major), the Node.js it
 * runs on, and whether both are there, with an addon that node-gyp built under that Node.js major.
 */
export function clientPaths(
  client: RuntimeClient,
  env: NodeJS.ProcessEnv = process.env,
): { root: string; entry: string; addon: string; node: string; builtWith: BuiltWith | null; installed: boolean } {
  const root = join(env.WARM_RIC_CACHE || join(homedir(), '.cache', 'warm-step-functions', 'ric'), `${client.version}-node${client.node}`);
  const pkg = join(root, 'node_modules', 'aws-lambda-ric');
  const entry = join(pkg, client.entry);
  const addon = join(pkg, client.addon);
  let builtWith: BuiltWith | null = null;
  try {
    builtWith = JSON.parse(readFileSync(join(root, 'built-with.json'), 'utf8'));
  } catch {
    // not built, or an interrupted build
  }
  const major = (v: string | undefined): number => Number(/^v?(\d+)\./.exec(v ?? '')?.[1]);
  const node = nodeBinary(client.node, env);
  const installed =
    node.installed && existsSync(entry) && existsSync(addon) && major(builtWith?.nodeGyp) === client.node && major(builtWith?.loadedBy) === client.node;
  return { root, entry, addon, node: node.bin, builtWith, installed };
}

/** The outcome of one invocation, as the client posted it. */
export interface InvocationResult {
  requestId: string;
  kind: 'response' | 'error';
  /** The body the client posted, parsed as JSON (an error body is {errorType, errorMessage, stackTrace}). */
  body: any;
  headers: Record<string, string | string[] | undefined>;
  /** ms from the moment the invocation was handed to the client (its /next answered) to its reply. */
  durationMs: number;
}

interface Pending {
  requestId: string;
  event: unknown;
  deadlineMs: number;
  resolve: (r: InvocationResult) => void;
  handedAt?: bigint;
}

/** A loopback Lambda Runtime API: invocations are queued by `invoke`, taken by the client's GET /next. */
export class RuntimeApi {
  private server?: Server;
  private readonly queue: Pending[] = [];
  private readonly waiting: ServerResponse[] = [];
  private readonly inFlight = new Map<string, Pending & { handedAt: bigint }>();
  /** Every request the client made, in order (method and path), for assertions on the protocol. */
  readonly requests: { method: string; path: string }[] = [];
  /** process.hrtime.bigint() of each GET /next (the first one marks the end of init). */
  readonly nextAt: bigint[] = [];
  /** Bodies posted to /runtime/init/error. */
  readonly initErrors: any[] = [];
  private nextListeners: (() => void)[] = [];
  private initErrorListeners: (() => void)[] = [];

  constructor(readonly functionName = 'warm-step-functions-macro-prod-macro') {}

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.route(req, res));
    this.server = server;
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return this.address;
  }

  get address(): string {
    if (!this.server) throw new Error('the runtime API is not started');
    const a = this.server.address() as AddressInfo;
    return `127.0.0.1:${a.port}`;
  }

  /** Queues one invocation and resolves with what the client posted for it. */
  invoke(event: unknown, timeoutMs = 60_000): Promise<InvocationResult> {
    return new Promise((resolve) => {
      const p: Pending = { requestId: randomUUID(), event, deadlineMs: Date.now() + timeoutMs, resolve };
      const res = this.waiting.shift();
      if (res) this.hand(p, res);
      else this.queue.push(p);
    });
  }

  /** Resolves at the client's first GET /next (init done), or rejects after `ms`. */
  firstNext(ms = 30_000): Promise<bigint> {
    if (this.nextAt.length) return Promise.resolve(this.nextAt[0]);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no GET /invocation/next within ${ms} ms`)), ms);
      this.nextListeners.push(() => {
        clearTimeout(t);
        resolve(this.nextAt[0]);
      });
    });
  }

  /** Resolves with the first /runtime/init/error body, or rejects after `ms`. */
  initError(ms = 30_000): Promise<any> {
    if (this.initErrors.length) return Promise.resolve(this.initErrors[0]);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no POST /runtime/init/error within ${ms} ms`)), ms);
      this.initErrorListeners.push(() => {
        clearTimeout(t);
        resolve(this.initErrors[0]);
      });
    });
  }

  async close(): Promise<void> {
    for (const res of this.waiting.splice(0)) res.destroy();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private hand(p: Pending, res: ServerResponse): void {
    this.inFlight.set(p.requestId, Object.assign(p, { handedAt: process.hrtime.bigint() }));
    const body = JSON.stringify(p.event);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': p.requestId,
      'Lambda-Runtime-Deadline-Ms': String(p.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': `arn:aws:lambda:us-east-1:123456789012:function:${this.functionName}`,
      'Lambda-Runtime-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Parent=0000000000000000;Sampled=0`,
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    this.requests.push({ method: req.method ?? '', path });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const accepted = (): void => {
      res.writeHead(202, { 'Content-Type': 'application/json' });
      res.end('{"status":"OK"}');
    };
    if (req.method === 'GET' && path === `${PREFIX}/invocation/next`) {
      this.nextAt.push(process.hrtime.bigint());
      for (const l of this.nextListeners.splice(0)) l();
      const p = this.queue.shift();
      if (p) this.hand(p, res);
      else this.waiting.push(res);
      return;
    }
    if (req.method === 'POST' && path === `${PREFIX}/init/error`) {
      this.initErrors.push(parse(text));
      for (const l of this.initErrorListeners.splice(0)) l();
      return accepted();
    }
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === 'POST' && m) {
      const p = this.inFlight.get(decodeURIComponent(m[1]));
      if (!p) {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errorMessage: `unknown request ID ${m[1]}`, errorType: 'InvalidRequestID' }));
        return;
      }
      this.inFlight.delete(p.requestId);
      accepted();
      p.resolve({
        requestId: p.requestId,
        kind: m[2] as 'response' | 'error',
        body: parse(text),
        headers: req.headers,
        durationMs: Number(process.hrtime.bigint() - p.handedAt) / 1e6,
      });
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errorMessage: `no route ${req.method} ${path}`, errorType: 'NotFound' }));
  }
}

function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface LaunchOptions {
  /** The task folder (LAMBDA_TASK_ROOT), holding what the deployment zip holds. */
  taskRoot: string;
  /** `_HANDLER`, as the function's Handler property says. */
  handler: string;
  /** Lambda's log controls: AWS_LAMBDA_LOG_FORMAT (Text | JSON) and AWS_LAMBDA_LOG_LEVEL. */
  logFormat?: 'Text' | 'JSON';
  logLevel?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
  /** Extra function environment variables (the function's Environment.Variables). */
  env?: Record<string, string>;
  memoryMb?: number;
  /** The Node.js binary to run the client on; default: the pinned Node.js of the client's runtime (`client.node`). */
  nodeBin?: string;
}

/** A running runtime client: its process and everything it printed. */
export interface Launched {
  child: ChildProcess;
  startedAt: bigint;
  /** What the process printed so far. Output still in the pipe arrives later: read it after `stop()`. */
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Ends the process and waits until all its output is read. */
  stop: () => Promise<void>;
}

/**
 * Starts a runtime client the way Lambda's bootstrap does: the runtime's Node.js (not the one running the
 * tests) on the client's entry, cwd the task root, and only the environment the managed runtime defines
 * (nothing of the test process leaks in but PATH, with that Node.js first as Lambda's /var/lang/bin is, so
 * a bundle that needs something else fails here as it would in Lambda).
 */
export function launch(client: RuntimeClient, entry: string, api: RuntimeApi, o: LaunchOptions): Launched {
  const memory = o.memoryMb ?? 512;
  const nodeBin = o.nodeBin ?? nodeBinary(client.node).bin;
  if (!existsSync(nodeBin))
    throw new Error(`Node.js ${client.node} for aws-lambda-ric@${client.version} is not at ${nodeBin}: run \`node scripts/runtime-clients.mjs\``);
  const env: Record<string, string> = {
    PATH: `${dirname(nodeBin)}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    _HANDLER: o.handler,
    LAMBDA_TASK_ROOT: o.taskRoot,
    LAMBDA_RUNTIME_DIR: join(entry, '..'),
    AWS_LAMBDA_RUNTIME_API: api.address,
    AWS_EXECUTION_ENV: `AWS_Lambda_${client.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: api.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memory),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${api.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `2026/12/03/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEEXAMPLE00',
    AWS_SECRET_ACCESS_KEY: 'example-secret-key-for-loopback-tests-0000',
    AWS_SESSION_TOKEN: 'example-session-token',
    NODE_PATH: '/opt/nodejs/node_modules:/var/runtime/node_modules',
    ...(o.logFormat ? { AWS_LAMBDA_LOG_FORMAT: o.logFormat } : {}),
    ...(o.logLevel ? { AWS_LAMBDA_LOG_LEVEL: o.logLevel } : {}),
    ...o.env,
  };
  // 3.x takes the handler as an argument and the task root as its working directory; 4.x reads both
  // from the environment. Both read AWS_LAMBDA_RUNTIME_API.
  const args = [`--max-old-space-size=${Math.floor(memory * 0.9)}`, entry, ...(client.version.startsWith('3.') ? [o.handler] : [])];
  const startedAt = process.hrtime.bigint();
  const child = spawn(nodeBin, args, { cwd: o.taskRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  // 'close', not 'exit': it comes after the child's stdout and stderr are drained, so that everything the
  // function printed has been read once `exited` (or `stop`) resolves.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    startedAt,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
