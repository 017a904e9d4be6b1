/**
 * Seeded generator of realistic CloudFormation templates for the benchmark.
 *
 * A template holds exactly `resources` resources: Lambda functions (about 30% of them warm, i.e.
 * with a Version and an Alias that has ProvisionedConcurrencyConfig), execution roles, state
 * machines with their roles (and CDK-style DefaultPolicy resources), and unrelated resources
 * (buckets, queues, topics, tables, log groups, parameters, rules, alarms).
 *
 * State machines have 1 to 200 states (counted at every depth), with nested Parallel and Map
 * (Iterator and ItemProcessor), and use every definition form the macro reads:
 *   object   Definition object with intrinsics as values
 *   string   DefinitionString plain string with literal ARNs and names
 *   sub      DefinitionString Fn::Sub string (`${Fn.Arn}`, `${Fn}`, `${AWS::Partition}`)
 *   subvars  DefinitionString Fn::Sub [string, vars] (Serverless Framework style)
 *   cdk      DefinitionString Fn::Join "" (CDK style)
 *   sam      DefinitionString Fn::Join "\n" with DefinitionSubstitutions (SAM style)
 *
 * The template's JSON size is fitted to `targetBytes`: first the resources other than state
 * machines get as many cost-allocation tags (the same number on every taggable resource, at most
 * 50, as AWS allows) as keeps them within `1 - definitionShare` of the target, then the state
 * counts fill the rest. `definitionShare` thus fixes the make-up of a template (how much of it is
 * state machine definitions), so that templates of different sizes can be compared like for
 * like; with `definitionShare: 1` there are no tags and the definitions fill everything.
 * Everything is a deterministic function of the seed.
 */

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const FORMS = ['object', 'string', 'sub', 'subvars', 'cdk', 'sam'];
export const MAX_STATES = 200;
export const MAX_TAGS = 50;
const TAG_KEYS = [
  'cost-center',
  'owner',
  'environment',
  'team',
  'application',
  'data-classification',
  'compliance',
  'backup-policy',
  'project',
  'repository',
  'managed-by',
  'service',
  'tier',
  'contact',
  'review-date',
  'business-unit',
  'product',
  'component',
  'on-call',
  'sla',
  'region-role',
  'retention',
  'encryption',
  'budget',
  'ticket',
  'created-by',
  'pipeline',
  'release',
  'feature',
  'customer-facing',
  'pii',
  'audit-scope',
  'dr-tier',
  'schedule',
  'country',
  'domain',
  'lifecycle',
  'purpose',
  'risk',
  'support-group',
  'account-purpose',
  'workload',
  'architecture',
  'runbook',
  'dashboard',
  'cost-owner',
  'approver',
  'change-window',
  'version',
  'notes',
];
/** Resource types that take a `Tags` list of `{Key, Value}` in the generated templates. */
const TAGGABLE = new Set([
  'AWS::Lambda::Function',
  'AWS::IAM::Role',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::SNS::Topic',
  'AWS::DynamoDB::Table',
  'AWS::Logs::LogGroup',
  'AWS::CloudWatch::Alarm',
  'AWS::StepFunctions::StateMachine',
]);
const STACK = 'orders-platform-prod';

/** mulberry32: small, fast, good enough for test data, reproducible. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
    hex: (n) => {
      let s = '';
      for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(next() * 16)];
      return s;
    },
    weighted: (table) => {
      const total = table.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [v, w] of table) {
        r -= w;
        if (r < 0) return v;
      }
      return table[table.length - 1][0];
    },
  };
}

function mix(...xs) {
  let h = 2166136261;
  for (const x of xs) {
    h ^= x >>> 0;
    h = Math.imul(h, 16777619);
    h ^= h >>> 13;
  }
  return h >>> 0;
}

const VERBS = [
  'Validate',
  'Enrich',
  'Charge',
  'Reserve',
  'Notify',
  'Audit',
  'Score',
  'Transform',
  'Archive',
  'Resize',
  'Index',
  'Publish',
  'Reconcile',
  'Approve',
  'Ship',
  'Refund',
  'Sync',
  'Export',
  'Import',
  'Render',
];
const NOUNS = [
  'Order',
  'Payment',
  'Invoice',
  'Customer',
  'Inventory',
  'Shipment',
  'Report',
  'Image',
  'Document',
  'Ledger',
  'Account',
  'Event',
  'Batch',
  'Record',
  'Message',
  'Quote',
];
const RUNTIMES = ['nodejs22.x', 'nodejs20.x', 'python3.12', 'python3.11', 'java21'];
const LAMBDA_RETRY = [
  {
    ErrorEquals: ['Lambda.ClientExecutionTimeoutException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
  },
];

/** A function reference inside an abstract definition; each form renders it its own way. */
class FnRef {
  constructor(id, field) {
    this.id = id;
    this.field = field; // 'Resource' (needs an ARN) or 'FunctionName' (name or ARN)
  }
}
/** `arn:<partition>:states:::lambda:invoke<suffix>`. */
class InvokeArn {
  constructor(suffix) {
    this.suffix = suffix;
  }
}

/** Plans the resource counts of a template with `n` resources. */
function plan(n, rng) {
  const functions = Math.max(2, Math.round(n * 0.16));
  const warm = Math.max(1, Math.round(functions * 0.3));
  const execRoles = Math.max(1, Math.round(functions / 10));
  const machines = Math.max(1, Math.round(n * 0.06));
  // Forms: every form once per group of six, in a seeded order.
  const forms = [];
  while (forms.length < machines) {
    const group = FORMS.slice();
    for (let i = group.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [group[i], group[j]] = [group[j], group[i]];
    }
    forms.push(...group);
  }
  forms.length = machines;
  const policies = forms.filter((f) => f === 'cdk').length;
  const fixed = functions + 2 * warm + execRoles + 2 * machines + policies;
  const unrelated = n - fixed;
  if (unrelated < 1) throw new Error(`cannot plan ${n} resources`);
  return { functions, warm, execRoles, machines, forms, unrelated };
}

/**
 * Template with exactly `resources` resources, sized close to (and not above) `targetBytes` of
 * JSON, with state machine definitions at most about `definitionShare` of it (see the header).
 * Returns { template, stateCounts, forms, bytes, tags, definitionBytes }.
 */
export function generateTemplate({ resources, targetBytes, seed, definitionShare = 1 }) {
  const rng = prng(seed);
  const p = plan(resources, rng);
  // Relative sizes of the state machines: the first has 1 state, the second is the largest
  // (it reaches 200 states in the biggest templates), the others are spread in between.
  const many = p.forms.length >= 3;
  const weights = p.forms.map((_, i) => (many && i === 0 ? 0 : i === 1 || !many ? 1 : 0.02 + 0.45 * rng.next() ** 1.5));
  const base = buildBase(p, seed);
  const counts = (scale) => weights.map((w) => Math.min(MAX_STATES, Math.max(1, Math.round(1 + scale * w))));
  let tags = 0;
  const build = (scale) => {
    const c = counts(scale);
    const template = assemble(base, p, c, seed, tags);
    return { template, stateCounts: c, bytes: JSON.stringify(template).length };
  };
  // Tags: the most that keep everything but the definitions within (1 - share) of the target
  // (measured with the smallest definitions, which are a few hundred bytes).
  const others = (1 - definitionShare) * targetBytes;
  while (tags < MAX_TAGS) {
    tags++;
    if (build(0).bytes > others) {
      tags--;
      break;
    }
  }
  // Bisection on the scale, keeping the largest template that does not exceed the target.
  let lo = build(0);
  if (lo.bytes > targetBytes) throw new Error(`${resources} resources need at least ${lo.bytes} bytes; target ${targetBytes} is too small`);
  let loScale = 0;
  let hiScale = 1;
  let hi;
  for (;;) {
    hi = build(hiScale);
    if (hi.bytes > targetBytes) break;
    lo = hi;
    loScale = hiScale;
    if (counts(hiScale).every((c, i) => c === MAX_STATES || weights[i] === 0)) break; // cannot grow further
    hiScale *= 2;
  }
  for (let k = 0; k < 40 && hiScale - loScale > 1e-3; k++) {
    const mid = (loScale + hiScale) / 2;
    const m = build(mid);
    if (m.bytes <= targetBytes) {
      lo = m;
      loScale = mid;
    } else hiScale = mid;
  }
  return { ...lo, forms: p.forms, tags, definitionBytes: definitionBytes(lo.template) };
}

/** JSON bytes of the state machines' Definition / DefinitionString values. */
export function definitionBytes(template) {
  let n = 0;
  for (const r of Object.values(template.Resources)) {
    if (r.Type === 'AWS::StepFunctions::StateMachine') n += JSON.stringify(r.Properties.Definition ?? r.Properties.DefinitionString).length;
  }
  return n;
}

/** `n` cost-allocation tags of a resource (`Tags` list), the same keys everywhere, seeded values. */
function tagList(n, id, seed) {
  const rng = prng(mix(seed, 3, ...[...id].map((c) => c.charCodeAt(0))));
  return TAG_KEYS.slice(0, n).map((Key) => ({ Key, Value: `${Key.split('-')[0]}-${rng.hex(rng.int(4, 12))}` }));
}

/** Everything but the state machines' definitions. */
function buildBase(p, seed) {
  const rng = prng(mix(seed, 1));
  const resources = {};
  const fnIds = [];
  const fnNames = new Map();
  const warmFns = new Set();
  const execRoleIds = [];

  // Unrelated resources first get the deployment bucket (function code lives there).
  const unrelated = [];
  const bucketId = 'ServerlessDeploymentBucket';
  unrelated.push([
    bucketId,
    {
      Type: 'AWS::S3::Bucket',
      Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } },
    },
  ]);
  for (let i = 1; i < p.unrelated; i++) unrelated.push(unrelatedResource(i, rng));

  for (let i = 0; i < p.execRoles; i++) {
    const id = `LambdaExecutionRole${i}`;
    execRoleIds.push(id);
    resources[id] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
        },
        Policies: [
          {
            PolicyName: { 'Fn::Join': ['-', [STACK, 'lambda', String(i)]] },
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents'],
                  Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${STACK}*:*` }],
                },
                {
                  Effect: 'Allow',
                  Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
                  Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${STACK}-*` }],
                },
              ],
            },
          },
        ],
        Path: '/',
      },
    };
  }

  const usedNames = new Set();
  for (let i = 0; i < p.functions; i++) {
    let word;
    do word = `${rng.pick(VERBS)}${rng.pick(NOUNS)}`;
    while (usedNames.has(word));
    usedNames.add(word);
    const id = `${word}LambdaFunction`;
    const name = `${STACK}-${word.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`;
    fnIds.push(id);
    fnNames.set(id, name);
    resources[id] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Bucket: { Ref: bucketId }, S3Key: `serverless/${STACK}/prod/1700000000000-2024-01-01T00:00:00.000Z/${word}.zip` },
        Handler: `src/handlers/${word}.handler`,
        Runtime: rng.pick(RUNTIMES),
        FunctionName: name,
        MemorySize: rng.pick([128, 256, 512, 1024, 1769]),
        Timeout: rng.pick([6, 15, 30, 60, 300]),
        Environment: { Variables: { STAGE: 'prod', TABLE_NAME: `${STACK}-${word.toLowerCase()}`, POWERTOOLS_SERVICE_NAME: word } },
        Role: { 'Fn::GetAtt': [rng.pick(execRoleIds), 'Arn'] },
        TracingConfig: { Mode: 'Active' },
      },
    };
  }
  // Warm functions: a published version and an alias with provisioned concurrency.
  for (let i = 0; i < p.warm; i++) {
    const id = fnIds[Math.floor((i * p.functions) / p.warm)];
    warmFns.add(id);
    const stem = id.replace(/LambdaFunction$/, '');
    const version = `${stem}LambdaVersion${rng.hex(12)}`;
    resources[version] = { Type: 'AWS::Lambda::Version', DeletionPolicy: 'Retain', Properties: { FunctionName: { Ref: id }, CodeSha256: rng.hex(43) } };
    resources[`${stem}ProvConcLambdaAlias`] = {
      Type: 'AWS::Lambda::Alias',
      Properties: {
        FunctionName: { Ref: id },
        FunctionVersion: { 'Fn::GetAtt': [version, 'Version'] },
        Name: 'provisioned',
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: rng.int(1, 20) },
      },
      DependsOn: id,
    };
  }
  for (const [id, r] of unrelated) resources[id] = r;
  return { resources, fnIds, fnNames, warmFns };
}

function unrelatedResource(i, rng) {
  const kind = rng.pick(['bucket', 'queue', 'topic', 'table', 'logs', 'param', 'rule', 'alarm']);
  const word = `${rng.pick(NOUNS)}${i}`;
  switch (kind) {
    case 'bucket':
      return [
        `${word}Bucket`,
        {
          Type: 'AWS::S3::Bucket',
          DeletionPolicy: 'Retain',
          Properties: {
            BucketName: `${STACK}-${word.toLowerCase()}-${rng.hex(6)}`,
            VersioningConfiguration: { Status: 'Enabled' },
            PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          },
        },
      ];
    case 'queue':
      return [
        `${word}Queue`,
        {
          Type: 'AWS::SQS::Queue',
          Properties: { QueueName: `${STACK}-${word.toLowerCase()}`, VisibilityTimeout: 360, MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true },
        },
      ];
    case 'topic':
      return [`${word}Topic`, { Type: 'AWS::SNS::Topic', Properties: { TopicName: `${STACK}-${word.toLowerCase()}`, KmsMasterKeyId: 'alias/aws/sns' } }];
    case 'table':
      return [
        `${word}Table`,
        {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            TableName: `${STACK}-${word.toLowerCase()}`,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [
              { AttributeName: 'pk', AttributeType: 'S' },
              { AttributeName: 'sk', AttributeType: 'S' },
            ],
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          },
        },
      ];
    case 'logs':
      return [
        `${word}LogGroup`,
        { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: `/aws/vendedlogs/states/${STACK}-${word.toLowerCase()}`, RetentionInDays: 30 } },
      ];
    case 'param':
      return [
        `${word}Parameter`,
        {
          Type: 'AWS::SSM::Parameter',
          Properties: { Name: `/${STACK}/${word.toLowerCase()}/endpoint`, Type: 'String', Value: `https://${word.toLowerCase()}.internal.example.com/v1` },
        },
      ];
    case 'rule':
      return [
        `${word}ScheduleRule`,
        {
          Type: 'AWS::Events::Rule',
          Properties: { ScheduleExpression: `rate(${rng.int(1, 60)} minutes)`, State: 'ENABLED', Description: `Nightly ${word} sweep` },
        },
      ];
    default:
      return [
        `${word}ErrorsAlarm`,
        {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmDescription: `${word} errors`,
            Namespace: 'AWS/States',
            MetricName: 'ExecutionsFailed',
            Statistic: 'Sum',
            Period: 300,
            EvaluationPeriods: 1,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            TreatMissingData: 'notBreaching',
          },
        },
      ];
  }
}

/** The template with state machines of the given state counts, and `tags` tags on every taggable resource. */
function assemble(base, p, counts, seed, tags) {
  const resources = { ...base.resources };
  const outputs = {};
  p.forms.forEach((form, i) => {
    const rng = prng(mix(seed, 2, i, counts[i]));
    const id = `${rng.pick(NOUNS)}Flow${i}StateMachine`;
    // Each machine invokes a handful of the template's functions.
    const used = [];
    const want = Math.min(base.fnIds.length, rng.int(2, 10));
    while (used.length < want) {
      const f = rng.pick(base.fnIds);
      if (!used.includes(f)) used.push(f);
    }
    const def = flow(counts[i], 0, { rng, used, counter: { n: 0 } });
    def.Comment = `${id}: ${counts[i]} states`;
    const roleId = `${id}Role`;
    const { property, value, substitutions } = render(form, def, base, rng);
    const props = { [property]: value, RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] }, StateMachineName: `${STACK}-${id.toLowerCase()}` };
    if (substitutions) props.DefinitionSubstitutions = substitutions;
    if (rng.chance(0.3)) props.TracingConfiguration = { Enabled: true };
    resources[id] = { Type: 'AWS::StepFunctions::StateMachine', Properties: props, DependsOn: [roleId] };
    Object.assign(resources, roleFor(form, id, roleId, used, base));
    outputs[`${id}Arn`] = { Value: { Ref: id }, Export: { Name: `${STACK}-${id}` } };
  });
  if (tags > 0) {
    for (const [id, r] of Object.entries(resources)) {
      if (TAGGABLE.has(r.Type)) resources[id] = { ...r, Properties: { ...r.Properties, Tags: tagList(tags, id, seed) } };
    }
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `${STACK}: order processing workflows`,
    Parameters: { Stage: { Type: 'String', Default: 'prod', AllowedValues: ['dev', 'staging', 'prod'] } },
    Resources: resources,
    Outputs: outputs,
  };
}

/** IAM for a state machine, as each generator writes it. */
function roleFor(form, smId, roleId, used, base) {
  const assume = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: { 'Fn::Sub': 'states.${AWS::Region}.amazonaws.com' } }, Action: 'sts:AssumeRole' }],
  };
  const other = { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'sqs:SendMessage', 'dynamodb:PutItem'], Resource: '*' };
  const arn = (f) => ({ 'Fn::GetAtt': [f, 'Arn'] });
  if (form === 'cdk') {
    // CDK: a role and a DefaultPolicy that grants the function and all its qualifiers.
    return {
      [roleId]: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: assume } },
      [`${roleId}DefaultPolicy`]: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: used.flatMap((f) => [arn(f), { 'Fn::Join': ['', [arn(f), ':*']] }]) },
              other,
            ],
          },
          PolicyName: `${roleId}DefaultPolicy`,
          Roles: [{ Ref: roleId }],
        },
      },
    };
  }
  let resource;
  if (form === 'subvars') resource = used.flatMap((f) => [arn(f), { 'Fn::Sub': ['${functionArn}:*', { functionArn: arn(f) }] }]);
  else if (form === 'sam')
    resource = used.map((f) => ({
      'Fn::Sub': ['arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${functionName}*', { functionName: { Ref: f } }],
    }));
  else if (form === 'string') resource = used.map((f) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${base.fnNames.get(f)}`);
  else resource = used.map(arn); // unqualified only: the macro must add grants
  return {
    [roleId]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: assume,
        Policies: [
          {
            PolicyName: `${smId}-policy`,
            PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: resource }, other] },
          },
        ],
      },
    },
  };
}

/** A flow of exactly `n` states (counted at every depth). */
function flow(n, depth, ctx) {
  const { rng } = ctx;
  const states = [];
  let left = n;
  while (left > 0) {
    const last = left === 1;
    const type = rng.weighted([
      ['Task', 55],
      ['Pass', 12],
      ['Choice', last ? 0 : 8],
      ['Wait', 4],
      ['Parallel', left >= 3 && depth < 4 ? 8 : 0],
      ['Map', left >= 2 && depth < 4 ? 8 : 0],
      ['Succeed', last ? 2 : 0],
      ['Fail', last ? 1 : 0],
    ]);
    const name = `${rng.pick(VERBS)}${rng.pick(NOUNS)}${++ctx.counter.n}`;
    let state;
    let used = 1;
    if (type === 'Task') state = task(ctx);
    else if (type === 'Pass')
      state = { Type: 'Pass', Parameters: { 'orderId.$': '$.detail.orderId', source: 'orders', 'at.$': '$$.State.EnteredTime' }, ResultPath: '$.meta' };
    else if (type === 'Choice')
      state = {
        Type: 'Choice',
        Choices: [
          { Variable: '$.status', StringEquals: 'REJECTED', Next: '@next' },
          { Variable: '$.amount', NumericGreaterThan: rng.int(10, 10000), Next: '@next' },
        ],
        Default: '@next',
      };
    else if (type === 'Wait') state = { Type: 'Wait', Seconds: rng.int(1, 300) };
    else if (type === 'Succeed') state = { Type: 'Succeed' };
    else if (type === 'Fail') state = { Type: 'Fail', Error: 'OrderFailed', Cause: 'The order could not be processed' };
    else if (type === 'Parallel') {
      const inner = rng.int(2, Math.min(left - 1, 60));
      const k = Math.min(inner, rng.int(2, 4));
      const sizes = split(inner, k, rng);
      state = { Type: 'Parallel', Branches: sizes.map((s) => flow(s, depth + 1, ctx)), ResultPath: '$.branches' };
      used += inner;
    } else {
      const inner = rng.int(1, Math.min(left - 1, 40));
      const body = flow(inner, depth + 1, ctx);
      if (rng.chance(0.5)) state = { Type: 'Map', ItemsPath: '$.items', MaxConcurrency: rng.int(0, 40), Iterator: body, ResultPath: '$.results' };
      else
        state = {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: rng.int(0, 40),
          ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, ...body },
          ResultPath: '$.results',
        };
      used += inner;
    }
    states.push([name, state]);
    left -= used;
  }
  // Chain the states; the last one ends the flow.
  const out = {};
  states.forEach(([name, state], k) => {
    const next = states[k + 1]?.[0];
    if (state.Type === 'Choice') {
      for (const c of state.Choices) c.Next = next;
      state.Default = next;
    } else if (state.Type !== 'Succeed' && state.Type !== 'Fail') {
      if (next) state.Next = next;
      else state.End = true;
    }
    out[name] = state;
  });
  return { StartAt: states[0][0], States: out };
}

function split(total, k, rng) {
  const sizes = new Array(k).fill(1);
  for (let r = total - k; r > 0; r--) sizes[rng.int(0, k - 1)]++;
  return sizes;
}

function task(ctx) {
  const { rng, used } = ctx;
  const kind = rng.weighted([
    ['invoke', 50],
    ['direct', 22],
    ['callback', 8],
    ['sqs', 10],
    ['dynamodb', 10],
  ]);
  const fn = rng.pick(used);
  if (kind === 'invoke' || kind === 'callback') {
    const payload = kind === 'callback' ? { 'token.$': '$$.Task.Token', 'input.$': '$' } : undefined;
    return {
      Type: 'Task',
      Resource: new InvokeArn(kind === 'callback' ? '.waitForTaskToken' : ''),
      Parameters: { FunctionName: new FnRef(fn, 'FunctionName'), ...(payload ? { Payload: payload } : { 'Payload.$': '$' }) },
      ...(kind === 'callback' ? { TimeoutSeconds: 3600 } : { OutputPath: '$.Payload' }),
      Retry: LAMBDA_RETRY,
    };
  }
  if (kind === 'direct') return { Type: 'Task', Resource: new FnRef(fn, 'Resource'), TimeoutSeconds: rng.pick([30, 60, 300]), Retry: LAMBDA_RETRY };
  if (kind === 'sqs')
    return {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage',
      Parameters: { QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${STACK}-events`, 'MessageBody.$': '$' },
      ResultPath: null,
    };
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::dynamodb:putItem',
    Parameters: { TableName: `${STACK}-orders`, Item: { pk: { 'S.$': '$.orderId' }, status: { S: 'PROCESSED' } } },
    ResultPath: null,
  };
}

/** Renders an abstract definition in one form: { property, value, substitutions? }. */
function render(form, def, base, rng) {
  const getAtt = (id) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  const literalArn = (id) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${base.fnNames.get(id)}`;
  if (form === 'object') {
    const value = JSON.parse(
      JSON.stringify(def, (_k, v) => (v instanceof FnRef ? { '@fn': v.id, field: v.field } : v instanceof InvokeArn ? { '@invoke': v.suffix } : v)),
      (_k, v) => {
        if (v && typeof v === 'object' && '@fn' in v) return v.field === 'Resource' || rng.chance(0.6) ? getAtt(v['@fn']) : { Ref: v['@fn'] };
        if (v && typeof v === 'object' && '@invoke' in v)
          return rng.chance(0.7)
            ? `arn:aws:states:::lambda:invoke${v['@invoke']}`
            : { 'Fn::Sub': `arn:\${AWS::Partition}:states:::lambda:invoke${v['@invoke']}` };
        return v;
      },
    );
    return { property: 'Definition', value };
  }
  // Text forms: stringify with placeholders, then put each form's references in their place.
  const refs = [];
  const replacer = (_k, v) => {
    if (v instanceof FnRef || v instanceof InvokeArn) {
      refs.push(v);
      return `@@${refs.length - 1}@@`;
    }
    return v;
  };
  const pretty = form === 'subvars' || form === 'sam' || (form === 'string' && rng.chance(0.5)) || form === 'sub';
  const text = JSON.stringify(def, replacer, pretty ? 2 : undefined);
  const chunks = text.split(/@@(\d+)@@/); // even: text, odd: reference index

  if (form === 'string') {
    const out = chunks.map((c, k) => {
      if (k % 2 === 0) return c;
      const r = refs[Number(c)];
      if (r instanceof InvokeArn) return `arn:aws:states:::lambda:invoke${r.suffix}`;
      return r.field === 'FunctionName' && rng.chance(0.5) ? base.fnNames.get(r.id) : literalArn(r.id);
    });
    return { property: 'DefinitionString', value: out.join('') };
  }
  if (form === 'sub') {
    const out = chunks.map((c, k) => {
      if (k % 2 === 0) return c;
      const r = refs[Number(c)];
      if (r instanceof InvokeArn) return `arn:\${AWS::Partition}:states:::lambda:invoke${r.suffix}`;
      const style = rng.int(0, 2);
      if (style === 0) return `\${${r.id}.Arn}`;
      if (style === 1 || r.field === 'Resource') return `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:\${${r.id}}`;
      return `\${${r.id}}`;
    });
    return { property: 'DefinitionString', value: { 'Fn::Sub': out.join('') } };
  }
  if (form === 'subvars') {
    const vars = {};
    const byFn = new Map();
    const out = chunks.map((c, k) => {
      if (k % 2 === 0) return c;
      const r = refs[Number(c)];
      if (r instanceof InvokeArn) return `arn:aws:states:::lambda:invoke${r.suffix}`;
      if (!byFn.has(r.id)) {
        const h = rng.hex(32);
        byFn.set(r.id, h);
        vars[h] = getAtt(r.id);
      }
      return `\${${byFn.get(r.id)}}`;
    });
    return { property: 'DefinitionString', value: { 'Fn::Sub': [out.join(''), vars] } };
  }
  if (form === 'cdk') {
    const pieces = [];
    const push = (v) => {
      if (typeof v === 'string' && typeof pieces[pieces.length - 1] === 'string') pieces[pieces.length - 1] += v;
      else if (v !== '') pieces.push(v);
    };
    chunks.forEach((c, k) => {
      if (k % 2 === 0) {
        push(c);
        return;
      }
      const r = refs[Number(c)];
      if (r instanceof InvokeArn) {
        push('arn:');
        push({ Ref: 'AWS::Partition' });
        push(`:states:::lambda:invoke${r.suffix}`);
      } else push(getAtt(r.id));
    });
    return { property: 'DefinitionString', value: { 'Fn::Join': ['', pieces] } };
  }
  // sam: the definition file's lines joined with "\n", references as DefinitionSubstitutions.
  const substitutions = {};
  const out = chunks.map((c, k) => {
    if (k % 2 === 0) return c;
    const r = refs[Number(c)];
    if (r instanceof InvokeArn) return `arn:aws:states:::lambda:invoke${r.suffix}`;
    const key = `${r.id.replace(/LambdaFunction$/, '')}FunctionArn`;
    substitutions[key] = getAtt(r.id);
    return `\${${key}}`;
  });
  return { property: 'DefinitionString', value: { 'Fn::Join': ['\n', out.join('').split('\n')] }, substitutions };
}
