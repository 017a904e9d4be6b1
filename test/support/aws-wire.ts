/**
 * A loopback endpoint that answers as CloudFormation, Step Functions and Lambda do on the wire,
 * for the wire-level tests: the real AWS SDK, pointed at it with `AWS_ENDPOINT_URL`, serializes
 * each call in its service's own protocol and parses the answers and errors as it would AWS's.
 *
 * - CloudFormation, the query protocol: `POST /` with a form body (`Action=ListStackResources&
 *   Version=2010-05-15&StackName=...&NextToken=...`), XML answers
 *   (`<ListStackResourcesResponse><ListStackResourcesResult>...`) and XML errors
 *   (`<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>...`).
 * - Step Functions, JSON 1.0: `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>` and a JSON
 *   body; errors are HTTP 400 with `{"__type": "...#Name", "message": ...}`.
 * - Lambda, REST JSON: `GET /2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL`,
 *   `GET /2015-03-31/functions/{FunctionName}/aliases[/{Name}]`, ...; errors carry their name in
 *   the `x-amzn-ErrorType` header (429 TooManyRequestsException, 403 AccessDeniedException, 404).
 *
 * Paging is real: NextToken (CloudFormation), nextToken and maxResults (Step Functions, at most
 * 1,000 per page), Marker/NextMarker and MaxItems (Lambda). Faults are injected per call by
 * `fault()`: throttling, access denied, or a stall (the request is held and never answered).
 *
 * Bounded: it listens on 127.0.0.1 only, answers at most `maxRequests` requests, and closes
 * itself (dropping any held request) after `lifetimeMs`, even if a test forgets to.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Service = 'cloudformation' | 'sfn' | 'lambda';

export interface WireCall {
  service: Service;
  operation: string;
  /** The call's parameters as the service received them (form fields, JSON body, path and query). */
  params: Record<string, unknown>;
  /** The function, state machine, execution or stack the call is about. */
  subject: string;
  /** How many calls of this operation on this subject came before this one. */
  seen: number;
  at: number;
  /** The Region the request was signed for (SigV4 credential scope): which Region's client sent it. */
  signedRegion?: string;
}

export type Fault = 'throttle' | 'denied' | 'stall' | 'server-error';

export interface FakeFunction {
  /** Provisioned concurrency per qualifier (alias name or version). */
  pc?: Record<string, { status?: 'READY' | 'IN_PROGRESS' | 'FAILED'; allocated?: number; requested?: number }>;
  /** Alias name → version. */
  aliases?: Record<string, string>;
  /** Page size of ListProvisionedConcurrencyConfigs and ListAliases when the caller gives no MaxItems (AWS: 50). */
  pageSize?: number;
  /** What GetFunctionConfiguration returns beyond the name and ARN (SnapStart, DurableConfig, CapacityProviderConfig). */
  config?: Record<string, unknown>;
  /** The same for a version, asked by version or by an alias of it (`Qualifier`), over `config`. */
  versions?: Record<string, Record<string, unknown>>;
}

export interface FakeMachine {
  /** The state machine's name (its ARN is built from it). */
  name: string;
  definition: unknown;
  type?: 'STANDARD' | 'EXPRESS';
  loggingConfiguration?: { level: 'ALL' | 'ERROR' | 'FATAL' | 'OFF'; includeExecutionData: boolean; logGroupArn?: string };
  /** How many executions it has (named exec-000001 ... , the newest first). */
  executions?: number;
  /** Each execution's history events (without id, previousEventId and timestamp, which are filled in). */
  history?: (execution: string) => Record<string, unknown>[];
  /** Page size of GetExecutionHistory when the caller gives no maxResults (AWS: 100). */
  historyPageSize?: number;
}

export interface FakeAccount {
  region: string;
  account: string;
  /** Stack name → its resources, in order. */
  stacks: Record<string, { logicalId: string; type: string; physicalId: string }[]>;
  /** Page size of ListStackResources (AWS: 100). */
  stackPageSize?: number;
  machines: FakeMachine[];
  /** Function name → what Lambda knows of it. */
  functions: Record<string, FakeFunction>;
  /**
   * Functions of other Regions or accounts, by unqualified ARN. Lambda is regional: each is known only to a
   * request signed for its own Region (any other gets ResourceNotFoundException, as for a function it does not know).
   */
  elsewhere?: Record<string, FakeFunction>;
  /** A fault to inject into this call, if any. */
  fault?: (call: WireCall) => Fault | undefined;
}

export interface WireServer {
  /** `http://127.0.0.1:PORT`, for AWS_ENDPOINT_URL. */
  url: string;
  calls: WireCall[];
  /** Calls of one operation, in order. */
  callsOf: (operation: string) => WireCall[];
  close: () => Promise<void>;
}

export const smArn = (fake: Pick<FakeAccount, 'region' | 'account'>, name: string): string =>
  `arn:aws:states:${fake.region}:${fake.account}:stateMachine:${name}`;
export const fnArn = (fake: Pick<FakeAccount, 'region' | 'account'>, name: string): string => `arn:aws:lambda:${fake.region}:${fake.account}:function:${name}`;

const T0 = Date.parse('2025-03-04T09:00:00Z');
const CFN_NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const token = (n: number): string => Buffer.from(`page:${n}`).toString('base64');
const untoken = (t: string | undefined): number => {
  if (t === undefined || t === '') return 0;
  const m = /^page:(\d+)$/.exec(Buffer.from(t, 'base64').toString('utf8'));
  if (!m) throw new ClientError(400, 'InvalidToken', 'Invalid pagination token');
  return Number(m[1]);
};

class ClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A held request; answered by nothing, dropped when the server closes. */
class Stall extends Error {}

export async function startFakeAws(fake: FakeAccount, opts: { lifetimeMs?: number; maxRequests?: number } = {}): Promise<WireServer> {
  const lifetimeMs = opts.lifetimeMs ?? 120_000;
  const maxRequests = opts.maxRequests ?? 20_000;
  const calls: WireCall[] = [];
  const seen = new Map<string, number>();
  const sockets = new Set<Socket>();
  let requests = 0;

  let signedRegion: string | undefined;
  const record = (service: Service, operation: string, subject: string, params: Record<string, unknown>): void => {
    const key = `${operation} ${subject}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const call: WireCall = { service, operation, params, subject, seen: n, at: Date.now(), ...(signedRegion ? { signedRegion } : {}) };
    calls.push(call);
    const fault = fake.fault?.(call);
    if (fault === 'stall') throw new Stall();
    if (fault) throw faultError(service, operation, fault, fake);
  };

  const server = createServer((req, res) => {
    if (++requests > maxRequests) {
      res.writeHead(503).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      // Authorization: AWS4-HMAC-SHA256 Credential=AKID/20250304/us-east-1/lambda/aws4_request, ...
      signedRegion = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
      const service: Service = req.headers['x-amz-target'] ? 'sfn' : req.method === 'POST' && req.url === '/' ? 'cloudformation' : 'lambda';
      try {
        if (service === 'cloudformation') cloudformation(fake, body, record, res);
        else if (service === 'sfn') sfn(fake, String(req.headers['x-amz-target']), body, record, res);
        else lambda(fake, req, record, res);
      } catch (e) {
        if (e instanceof Stall) return; // held: never answered
        const err = e instanceof ClientError ? e : new ClientError(500, 'InternalFailure', (e as Error).message);
        sendError(service, err, res);
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
    return closed;
  };
  const timer = setTimeout(() => void close(), lifetimeMs);
  timer.unref();

  return { url: `http://127.0.0.1:${port}`, calls, callsOf: (op) => calls.filter((c) => c.operation === op), close };
}

/** Each service's own error shape for an injected fault. */
function faultError(service: Service, operation: string, fault: Exclude<Fault, 'stall'>, fake: FakeAccount): ClientError {
  const who = `arn:aws:iam::${fake.account}:user/ci`;
  if (fault === 'server-error')
    return new ClientError(
      500,
      service === 'cloudformation' ? 'InternalFailure' : service === 'sfn' ? 'InternalFailure' : 'ServiceException',
      'We encountered an internal error. Please try again.',
    );
  if (service === 'cloudformation') {
    return fault === 'throttle'
      ? new ClientError(400, 'Throttling', 'Rate exceeded')
      : new ClientError(
          403,
          'AccessDenied',
          `User: ${who} is not authorized to perform: cloudformation:${operation} because no identity-based policy allows the cloudformation:${operation} action`,
        );
  }
  if (service === 'sfn') {
    return fault === 'throttle'
      ? new ClientError(400, 'ThrottlingException', 'Rate exceeded')
      : new ClientError(
          400,
          'AccessDeniedException',
          `User: ${who} is not authorized to perform: states:${operation} because no identity-based policy allows the states:${operation} action`,
        );
  }
  return fault === 'throttle'
    ? new ClientError(429, 'TooManyRequestsException', 'Rate exceeded')
    : new ClientError(
        403,
        'AccessDeniedException',
        `User: ${who} is not authorized to perform: lambda:${operation} because no identity-based policy allows the lambda:${operation} action`,
      );
}

let requestIds = 0;
const requestId = (): string => `00000000-0000-4000-8000-${String(++requestIds).padStart(12, '0')}`;

function sendError(service: Service, e: ClientError, res: ServerResponse): void {
  const id = requestId();
  if (service === 'cloudformation') {
    const type = e.status >= 500 ? 'Receiver' : 'Sender';
    res
      .writeHead(e.status, { 'content-type': 'text/xml', 'x-amzn-requestid': id })
      .end(
        `<ErrorResponse xmlns="${CFN_NS}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${e.code}</Code>\n    <Message>${xml(e.message)}</Message>\n  </Error>\n  <RequestId>${id}</RequestId>\n</ErrorResponse>\n`,
      );
  } else if (service === 'sfn') {
    // Step Functions' own exceptions carry their namespace; the common ones (throttling, access) do not.
    const namespaced = /^(StateMachineDoesNotExist|ExecutionDoesNotExist|StateMachineTypeNotSupported|InvalidArn|InvalidToken)$/.test(e.code);
    res
      .writeHead(e.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': id })
      .end(JSON.stringify({ __type: namespaced ? `com.amazonaws.swf.service.v2.model#${e.code}` : e.code, message: e.message }));
  } else {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amzn-requestid': id,
      'x-amzn-errortype': `${e.code}:http://internal.amazon.com/coral/com.amazonaws.awsgirlstuff/`,
    };
    const body: Record<string, unknown> = { Type: e.status >= 500 ? 'Service' : 'User', message: e.message };
    if (e.code === 'TooManyRequestsException') body.Reason = 'CallerRateLimitExceeded';
    res.writeHead(e.status, headers).end(JSON.stringify(body));
  }
}

type Record_ = (service: Service, operation: string, subject: string, params: Record<string, unknown>) => void;

// ---------------------------------------------------------------------------------------------
// CloudFormation (query protocol)

function cloudformation(fake: FakeAccount, body: string, record: Record_, res: ServerResponse): void {
  const form = Object.fromEntries(new URLSearchParams(body));
  const action = form.Action;
  if (form.Version !== '2010-05-15') throw new ClientError(400, 'InvalidParameterValue', `unexpected Version ${form.Version}`);
  if (action !== 'ListStackResources') throw new ClientError(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
  record('cloudformation', action, form.StackName ?? '', form);
  const stack = fake.stacks[form.StackName ?? ''];
  if (!stack) throw new ClientError(400, 'ValidationError', `Stack with id ${form.StackName} does not exist`);
  const size = fake.stackPageSize ?? 100;
  const from = untoken(form.NextToken);
  const page = stack.slice(from, from + size);
  const members = page
    .map(
      (r) =>
        `      <member>\n        <LogicalResourceId>${xml(r.logicalId)}</LogicalResourceId>\n        <PhysicalResourceId>${xml(r.physicalId)}</PhysicalResourceId>\n        <ResourceType>${xml(r.type)}</ResourceType>\n        <LastUpdatedTimestamp>2025-03-04T09:00:00.000Z</LastUpdatedTimestamp>\n        <ResourceStatus>UPDATE_COMPLETE</ResourceStatus>\n        <DriftInformation>\n          <StackResourceDriftStatus>NOT_CHECKED</StackResourceDriftStatus>\n        </DriftInformation>\n      </member>\n`,
    )
    .join('');
  const next = from + size < stack.length ? `    <NextToken>${xml(token(from + size))}</NextToken>\n` : '';
  res
    .writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId() })
    .end(
      `<ListStackResourcesResponse xmlns="${CFN_NS}">\n  <ListStackResourcesResult>\n${next}    <StackResourceSummaries>\n${members}    </StackResourceSummaries>\n  </ListStackResourcesResult>\n  <ResponseMetadata>\n    <RequestId>${requestId()}</RequestId>\n  </ResponseMetadata>\n</ListStackResourcesResponse>\n`,
    );
}

// ---------------------------------------------------------------------------------------------
// Step Functions (JSON 1.0)

const epoch = (ms: number): number => ms / 1000;

function sfn(fake: FakeAccount, target: string, body: string, record: Record_, res: ServerResponse): void {
  const [prefix, operation] = target.split('.');
  if (prefix !== 'AWSStepFunctions') throw new ClientError(400, 'UnknownOperationException', `unknown target ${target}`);
  const input = JSON.parse(body || '{}') as Record<string, unknown>;
  const send = (out: unknown): void =>
    void res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId() }).end(JSON.stringify(out));
  const machineOf = (arn: unknown): FakeMachine => {
    const m = fake.machines.find((x) => smArn(fake, x.name) === arn);
    if (!m) throw new ClientError(400, 'StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
    return m;
  };
  const names = (m: FakeMachine): string[] => Array.from({ length: m.executions ?? 0 }, (_, k) => `exec-${String(k + 1).padStart(6, '0')}`);

  if (operation === 'DescribeStateMachine') {
    record('sfn', operation, String(input.stateMachineArn), input);
    const m = machineOf(input.stateMachineArn);
    const logging = m.loggingConfiguration;
    send({
      stateMachineArn: smArn(fake, m.name),
      name: m.name,
      status: 'ACTIVE',
      definition: typeof m.definition === 'string' ? m.definition : JSON.stringify(m.definition),
      roleArn: `arn:aws:iam::${fake.account}:role/${m.name}-role`,
      type: m.type ?? 'STANDARD',
      creationDate: epoch(T0),
      loggingConfiguration: logging
        ? {
            level: logging.level,
            includeExecutionData: logging.includeExecutionData,
            destinations: logging.logGroupArn ? [{ cloudWatchLogsLogGroup: { logGroupArn: logging.logGroupArn } }] : [],
          }
        : { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    });
    return;
  }
  if (operation === 'ListExecutions') {
    record('sfn', operation, String(input.stateMachineArn), input);
    const m = machineOf(input.stateMachineArn);
    if ((m.type ?? 'STANDARD') === 'EXPRESS')
      throw new ClientError(400, 'StateMachineTypeNotSupported', 'This operation is not supported by this type of state machine');
    const max = input.maxResults === undefined || input.maxResults === 0 ? 100 : Number(input.maxResults);
    if (!Number.isInteger(max) || max < 0 || max > 1000) {
      throw new ClientError(
        400,
        'ValidationException',
        `1 validation error detected: Value '${String(input.maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
      );
    }
    const all = names(m);
    const from = untoken(input.nextToken as string | undefined);
    const list = all.slice(from, from + max);
    send({
      executions: list.map((name, k) => ({
        executionArn: `arn:aws:states:${fake.region}:${fake.account}:execution:${m.name}:${name}`,
        stateMachineArn: smArn(fake, m.name),
        name,
        status: 'SUCCEEDED',
        startDate: epoch(T0 - (from + k) * 1000),
        stopDate: epoch(T0 - (from + k) * 1000 + 500),
      })),
      ...(from + max < all.length ? { nextToken: token(from + max) } : {}),
    });
    return;
  }
  if (operation === 'GetExecutionHistory') {
    record('sfn', operation, String(input.executionArn), input);
    const [, , , , , kind, machineName, execution] = String(input.executionArn).split(':');
    const m = kind === 'execution' ? fake.machines.find((x) => x.name === machineName) : undefined;
    if (!m || !names(m).includes(execution)) throw new ClientError(400, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${String(input.executionArn)}'`);
    const events = (m.history?.(execution) ?? []).map((e, k) => ({ id: k + 1, previousEventId: k, timestamp: epoch(T0 + k * 100), ...e }));
    const max = input.maxResults === undefined || input.maxResults === 0 ? (m.historyPageSize ?? 100) : Number(input.maxResults);
    const from = untoken(input.nextToken as string | undefined);
    send({ events: events.slice(from, from + max), ...(from + max < events.length ? { nextToken: token(from + max) } : {}) });
    return;
  }
  throw new ClientError(400, 'UnknownOperationException', `${operation} is not served by this fake`);
}

// ---------------------------------------------------------------------------------------------
// Lambda (REST JSON)

function lambda(fake: FakeAccount, req: IncomingMessage, record: Record_, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const query = Object.fromEntries(url.searchParams);
  const send = (out: unknown): void =>
    void res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': requestId() }).end(JSON.stringify(out));
  const m = /^\/(2015-03-31|2019-09-30)\/functions\/([^/]+)\/(provisioned-concurrency|aliases|configuration)(?:\/([^/]+))?$/.exec(url.pathname);
  if (!m || req.method !== 'GET') throw new ClientError(404, 'UnknownOperationException', `${req.method} ${url.pathname} is not served by this fake`);
  const [, version, rawName, resource, rawAlias] = m;
  const functionName = decodeURIComponent(rawName);
  const operation =
    resource === 'configuration'
      ? 'GetFunctionConfiguration'
      : resource === 'aliases'
        ? rawAlias === undefined
          ? 'ListAliases'
          : 'GetAlias'
        : query.List === 'ALL'
          ? 'ListProvisionedConcurrencyConfigs'
          : 'GetProvisionedConcurrencyConfig';
  if ((resource !== 'provisioned-concurrency') !== (version === '2015-03-31'))
    throw new ClientError(404, 'UnknownOperationException', `wrong API version ${version} for ${operation}`);
  record('lambda', operation, functionName, {
    FunctionName: functionName,
    ...query,
    ...(rawAlias !== undefined ? { Name: decodeURIComponent(rawAlias) } : {}),
  });

  // FunctionName: a name, a partial ARN (account:function:name) or a full ARN, with no qualifier here.
  const parts = functionName.split(':');
  const name = parts.length >= 7 ? parts[6] : parts.length === 3 ? parts[2] : parts[0];
  const arnRegion = parts.length >= 7 ? parts[3] : fake.region;
  const arnAccount = parts.length >= 7 ? parts[4] : parts.length === 3 ? parts[0] : fake.account;
  const here = arnRegion === fake.region && arnAccount === fake.account;
  const arn = fnArn({ region: arnRegion, account: arnAccount }, name);
  const signedFor = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
  const fn = here
    ? Object.hasOwn(fake.functions, name)
      ? fake.functions[name]
      : undefined
    : signedFor === arnRegion && fake.elsewhere && Object.hasOwn(fake.elsewhere, arn)
      ? fake.elsewhere[arn]
      : undefined;
  if (!fn) throw new ClientError(404, 'ResourceNotFoundException', `Function not found: ${arn}`);
  const page = <T>(items: T[]): { items: T[]; next?: string } => {
    const size = query.MaxItems !== undefined ? Number(query.MaxItems) : (fn.pageSize ?? 50);
    const from = untoken(query.Marker);
    return { items: items.slice(from, from + size), next: from + size < items.length ? token(from + size) : undefined };
  };
  const pcOf = (q: string, c: NonNullable<FakeFunction['pc']>[string]) => ({
    FunctionArn: `${arn}:${q}`,
    RequestedProvisionedConcurrentExecutions: c.requested ?? 1,
    AvailableProvisionedConcurrentExecutions: c.allocated ?? c.requested ?? 1,
    AllocatedProvisionedConcurrentExecutions: c.allocated ?? c.requested ?? 1,
    Status: c.status ?? 'READY',
    ...(c.status === 'FAILED' ? { StatusReason: 'FUNCTION_ERROR_INIT_FAILURE' } : {}),
    LastModified: '2025-03-01T12:00:00.000+0000',
  });
  const aliasOf = (alias: string, v: string) => ({ AliasArn: `${arn}:${alias}`, Name: alias, FunctionVersion: v, Description: '', RevisionId: `rev-${alias}` });

  if (operation === 'ListProvisionedConcurrencyConfigs') {
    const p = page(Object.entries(fn.pc ?? {}));
    send({ ProvisionedConcurrencyConfigs: p.items.map(([q, c]) => pcOf(q, c)), ...(p.next ? { NextMarker: p.next } : {}) });
  } else if (operation === 'GetProvisionedConcurrencyConfig') {
    const c = fn.pc?.[query.Qualifier ?? ''];
    if (!c) throw new ClientError(404, 'ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function');
    const { FunctionArn: _arn, ...rest } = pcOf(query.Qualifier ?? '', c);
    send(rest);
  } else if (operation === 'GetFunctionConfiguration') {
    // Lambda answers for the version an alias points to; an unknown qualifier is not found.
    const q = query.Qualifier;
    const v = q === undefined ? {} : fn.versions?.[fn.aliases?.[q] ?? q];
    if (!v) throw new ClientError(404, 'ResourceNotFoundException', `Function not found: ${arn}:${q}`);
    const version = q === undefined ? '$LATEST' : (fn.aliases?.[q] ?? q);
    send({ FunctionName: name, FunctionArn: q === undefined ? arn : `${arn}:${q}`, Version: version, ...(fn.config ?? {}), ...v });
  } else if (operation === 'ListAliases') {
    const p = page(Object.entries(fn.aliases ?? {}));
    send({ Aliases: p.items.map(([a, v]) => aliasOf(a, v)), ...(p.next ? { NextMarker: p.next } : {}) });
  } else {
    const alias = decodeURIComponent(rawAlias ?? '');
    const v = fn.aliases?.[alias];
    if (v === undefined) throw new ClientError(404, 'ResourceNotFoundException', `Alias not found: ${arn}:${alias}`);
    send(aliasOf(alias, v));
  }
}

/** The environment that points the AWS SDK at the fake, with placeholder credentials and no profile or config file. */
export function wireEnv(server: Pick<WireServer, 'url'>, region: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: server.url,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'AKIDWIRETESTPLACEHOLDER',
    AWS_SECRET_ACCESS_KEY: 'wire-test-placeholder-secret',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
