/**
 * Adversarial templates: the worst cases for time, memory and reply size, one generator per class.
 *
 * Each generator takes a size knob and returns a CloudFormation fragment (plain JSON, or JSON text
 * when it nests too deep for JSON.stringify). The sizes in `WORST` keep every template within
 * CloudFormation's 1 MB limit for a template, and are the worst of each class that we know of:
 * `npm run bench` runs each in a fresh process under `--max-old-space-size=256`
 * (bench/probe-run.mjs) and prints the "worst cases" table, and docs/limits.md quotes its figures.
 * The unit tests (test/unit/limits.test.ts, test/unit/resources.test.ts) use the same generators.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
type Template = Record<string, any>;

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
const KB = 1024;

/** A warm function (Fn, its version and alias FnLive) and a state machine Flow with the given definition properties. */
export function warmTemplate(flowProperties: Template, extra: Template = {}, fnProperties: Template = { FunctionName: 'orders-fn' }): Template {
  return {
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: fnProperties },
      FnVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
      FnLive: {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { Ref: 'Fn' },
          FunctionVersion: { 'Fn::GetAtt': ['FnVersion', 'Version'] },
          Name: 'live',
          ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
        },
      },
      Flow: { Type: 'AWS::StepFunctions::StateMachine', Properties: { RoleArn: 'arn:aws:iam::123456789012:role/flow', ...flowProperties } },
      ...extra,
    },
  };
}

const TASK = (name: string): string => `{"StartAt":"${name}","States":{"${name}":{"Type":"Task","Resource":"\${Fn.Arn}","End":true}}}`;

/** `depth` Fn::Sub levels, each using the variable of the level below `uses` times: the text grows as uses^depth. */
export function subReuse(depth: number, uses = 4): unknown {
  let value: unknown = 'x';
  for (let k = 0; k < depth; k++) value = { 'Fn::Sub': ['${v}'.repeat(uses), { v: value }] };
  return value;
}

/** A function whose FunctionName is a nested Fn::Sub reusing its variables (the 977-byte crash). */
export function subReuseName(depth: number): Template {
  return warmTemplate({ DefinitionString: { 'Fn::Sub': TASK('A') } }, {}, { FunctionName: subReuse(depth) });
}

/** A definition whose Fn::Sub variable is a nested Fn::Sub reusing its variables (put in a Comment). */
export function subReuseDefinition(depth: number): Template {
  const def = `{"Comment":"\${C}","StartAt":"A","States":{"A":{"Type":"Task","Resource":"\${Fn.Arn}","End":true}}}`;
  return warmTemplate({ DefinitionString: { 'Fn::Sub': [def, { C: subReuse(depth) }] } });
}

/** Fn::Join of the definition's JSON tokens with a whitespace delimiter of `delimiterBytes`. */
export function joinDelimiter(delimiterBytes: number, tokens = 200): Template {
  const pieces: unknown[] = [
    '{',
    '"StartAt"',
    ':',
    '"A"',
    ',',
    '"States"',
    ':',
    '{',
    '"A"',
    ':',
    '{',
    '"Type"',
    ':',
    '"Task"',
    ',',
    '"Resource"',
    ':',
    { 'Fn::GetAtt': ['Fn', 'Arn'] },
    ',',
  ];
  while (pieces.length < tokens) pieces.push('"Comment"', ':', '"c"', ',');
  pieces.push('"End"', ':', 'true', '}', '}', '}');
  return warmTemplate({ DefinitionString: { 'Fn::Join': [' '.repeat(delimiterBytes), pieces] } });
}

/** DefinitionSubstitutions over a text full of `${` openers that close only at the end. */
export function substitutionsScan(openers: number): Template {
  const def = `{"Comment":"${'${'.repeat(openers)}}","StartAt":"A","States":{"A":{"Type":"Task","Resource":"\${fn}","End":true}}}`;
  return warmTemplate({ DefinitionString: def, DefinitionSubstitutions: { fn: { 'Fn::GetAtt': ['Fn', 'Arn'] } } });
}

/**
 * Parallel states nested `depth` deep as a Definition object; the innermost task invokes the warm
 * function. Returned as JSON text: JSON.stringify cannot write a value nested this deep.
 */
export function deepObject(depth: number): string {
  let inner = '{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":{"Fn::GetAtt":["Fn","Arn"]},"End":true}}}';
  for (let k = 0; k < depth; k++) inner = `{"StartAt":"P${k}","States":{"P${k}":{"Type":"Parallel","End":true,"Branches":[${inner}]}}}`;
  return JSON.stringify(warmTemplate({ Definition: '\u0000' })).replace('"\\u0000"', inner);
}

/** The same nesting as text: a plain string, an Fn::Sub or an Fn::Join. */
export function deepText(depth: number, form: 'string' | 'sub' | 'join'): Template {
  let inner = TASK('Work');
  for (let k = 0; k < depth; k++) inner = `{"StartAt":"P${k}","States":{"P${k}":{"Type":"Parallel","End":true,"Branches":[${inner}]}}}`;
  if (form === 'sub') return warmTemplate({ DefinitionString: { 'Fn::Sub': inner } });
  const [a, b] = inner.split('${Fn.Arn}');
  if (form === 'join') return warmTemplate({ DefinitionString: { 'Fn::Join': ['', [a, { 'Fn::GetAtt': ['Fn', 'Arn'] }, b]] } });
  return warmTemplate({ DefinitionString: `${a}arn:aws:lambda:us-east-1:123456789012:function:orders-fn${b}` });
}

/** Nested Parallel states, each level with a task that invokes the warm function: every rewrite repeats the ancestors' names. */
export function deepTasks(depth: number, nameLength = 8): Template {
  const pad = 'n'.repeat(Math.max(0, nameLength - 8));
  let inner = TASK(`W${pad}`);
  for (let k = 0; k < depth; k++) {
    const p = `P${k}${pad}`;
    const t = `T${k}${pad}`;
    inner = `{"StartAt":"${t}","States":{"${t}":{"Type":"Task","Resource":"\${Fn.Arn}","Next":"${p}"},"${p}":{"Type":"Parallel","End":true,"Branches":[${inner}]}}}`;
  }
  return warmTemplate({ DefinitionString: { 'Fn::Sub': inner } });
}

/** One task whose state name is `length` characters long, with control characters and a workflow command in it. */
export function longName(length: number): Template {
  const name = `\u001b[31m::error::x${'N'.repeat(Math.max(0, length - 14))}`;
  return warmTemplate({ DefinitionString: { 'Fn::Sub': TASK(JSON.stringify(name).slice(1, -1)) } });
}

/**
 * A long function name and a role policy whose Resource is a pattern of many `*a` before a `b` that
 * never matches (or `*`, a run of `a` and a `b`): a backtracking matcher takes time proportional to
 * the product of both lengths.
 */
export function wildcardPolicy(nameLength: number, stars: number, run = 0): Template {
  const t = warmTemplate(
    { DefinitionString: { 'Fn::Sub': TASK('A') }, RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } },
    {},
    { FunctionName: 'a'.repeat(nameLength) },
  );
  t.Resources.Role = {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      Policies: [
        {
          PolicyName: 'invoke',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: `arn:aws:lambda:*:*:function:${'*a'.repeat(stars)}${'a'.repeat(run)}b` }],
          },
        },
      ],
    },
  };
  return t;
}

/** One state machine with `tasks` tasks in a row, each invoking one of `functions` warm functions (CloudFormation allows 500 resources). */
export function wideTasks(tasks: number, functions = 1): Template {
  const states: string[] = [];
  for (let k = 0; k < tasks; k++) {
    const fn = `Fn${k % functions}`;
    states.push(`"T${k}":{"Type":"Task","Resource":"\${${fn}.Arn}",${k + 1 < tasks ? `"Next":"T${k + 1}"` : '"End":true'}}`);
  }
  const extra: Template = {};
  for (let f = 0; f < functions; f++) {
    extra[`Fn${f}`] = { Type: 'AWS::Lambda::Function', Properties: { FunctionName: `fn-${f}` } };
    extra[`Fn${f}Version`] = { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: `Fn${f}` } } };
    extra[`Fn${f}Live`] = {
      Type: 'AWS::Lambda::Alias',
      Properties: {
        FunctionName: { Ref: `Fn${f}` },
        FunctionVersion: { 'Fn::GetAtt': [`Fn${f}Version`, 'Version'] },
        Name: 'live',
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
      },
    };
  }
  return warmTemplate({ DefinitionString: { 'Fn::Sub': `{"StartAt":"T0","States":{${states.join(',')}}}` } }, extra);
}

/** `machines` state machines, each with `tasks` tasks invoking the warm function, on one role resource with an inline policy. */
export function manyMachines(machines: number, tasks: number): Template {
  const extra: Template = {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
      },
    },
  };
  for (let m = 0; m < machines; m++) {
    const states: string[] = [];
    for (let k = 0; k < tasks; k++) states.push(`"T${k}":{"Type":"Task","Resource":"\${Fn.Arn}",${k + 1 < tasks ? `"Next":"T${k + 1}"` : '"End":true'}}`);
    extra[`Flow${m}`] = {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] }, DefinitionString: { 'Fn::Sub': `{"StartAt":"T0","States":{${states.join(',')}}}` } },
    };
  }
  return warmTemplate({ DefinitionString: { 'Fn::Sub': TASK('A') } }, extra);
}

/** `tasks` tasks whose Resource is one Fn::Sub variable, an Fn::Join of `length` characters: each state must not read it whole. */
export function sharedVariable(tasks: number, length: number): Template {
  const states: string[] = [];
  for (let k = 0; k < tasks; k++) states.push(`"T${k}":{"Type":"Task","Resource":"\${X}",${k + 1 < tasks ? `"Next":"T${k + 1}"` : '"End":true'}}`);
  const x = { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, ':'.repeat(length)]] };
  return warmTemplate({ DefinitionString: { 'Fn::Sub': [`{"StartAt":"T0","States":{${states.join(',')}}}`, { X: x }] } });
}

/** The probe classes at their worst sizes within CloudFormation's 1 MB. */
export interface Probe {
  key: string;
  label: string;
  make: () => Template | string;
}

export const WORST: Probe[] = [
  { key: 'sub-reuse-name', label: 'nested Fn::Sub reusing variables, FunctionName (20 levels, 4 uses)', make: () => subReuseName(20) },
  { key: 'sub-reuse-definition', label: 'nested Fn::Sub reusing variables, definition variable (20 levels, 4 uses)', make: () => subReuseDefinition(20) },
  { key: 'join-delimiter', label: 'Fn::Join definition, 4 KB delimiter x 200 pieces', make: () => joinDelimiter(4 * KB, 200) },
  { key: 'join-delimiter-big', label: 'Fn::Join definition, 900 KB delimiter x 200 pieces', make: () => joinDelimiter(900 * KB, 200) },
  { key: 'substitutions', label: 'DefinitionSubstitutions over 450,000 ${ openers', make: () => substitutionsScan(450_000) },
  { key: 'deep-object', label: 'Definition object, Parallel nested 10,000 deep', make: () => deepObject(10_000) },
  { key: 'deep-object-747', label: 'Definition object, Parallel nested 747 deep (the deepest within the nesting limit)', make: () => deepObject(747) },
  { key: 'deep-string', label: 'DefinitionString string, Parallel nested 10,000 deep', make: () => deepText(10_000, 'string') },
  { key: 'deep-sub', label: 'DefinitionString Fn::Sub, Parallel nested 10,000 deep', make: () => deepText(10_000, 'sub') },
  { key: 'deep-join', label: 'DefinitionString Fn::Join, Parallel nested 10,000 deep', make: () => deepText(10_000, 'join') },
  { key: 'deep-tasks', label: 'a rewritten task at each of 2,500 nested Parallel levels', make: () => deepTasks(2_500) },
  { key: 'wide-tasks', label: '12,000 tasks in one definition, 1 function', make: () => wideTasks(12_000) },
  { key: 'many-functions', label: '5,000 tasks over 160 warm functions', make: () => wideTasks(5_000, 160) },
  { key: 'many-machines', label: '300 state machines of 40 tasks on one role', make: () => manyMachines(300, 40) },
  { key: 'shared-variable', label: 'a 300 KB Fn::Sub variable used by 10,000 tasks', make: () => sharedVariable(10_000, 300_000) },
  { key: 'long-name', label: 'a state name of 450 KB with control characters', make: () => longName(450 * KB) },
  { key: 'wildcard', label: 'function name of 400 KB, policy pattern of 250,000 stars', make: () => wildcardPolicy(400 * KB, 250_000) },
  { key: 'wildcard-run', label: 'function name of 400 KB, policy pattern * then 400 KB of a', make: () => wildcardPolicy(400 * KB, 1, 400 * KB) },
];

export function macroEvent(fragment: unknown): Template {
  return {
    region: REGION,
    accountId: ACCOUNT,
    fragment,
    transformId: `${ACCOUNT}::WarmStepFunctions`,
    params: {},
    requestId: 'probe',
    templateParameterValues: {},
  };
}
