/**
 * Templates for the IAM properties: one warm function (its alias maybe under a Condition), a cold
 * one, a state machine (plain or SAM) whose role, role branches or task Credentials role carry
 * statements drawn from the shapes users write (narrow and broad Allows, Deny guardrails with
 * Resource, NotResource and NotAction, conditional statements), placed inline, in attached
 * policies (some under a Condition) or managed policies, with or without a permissions boundary.
 *
 * And the two checks (test/support/iam-eval.ts decides, not the product):
 * - every rewritten invocation is allowed for its calling principal in every combination of the
 *   conditions, or the report has a warning that names the statement, policy or role that stands
 *   in the way (and Mode strict fails on it);
 * - for every principal and combination, the (action, resource) pairs allowed after the macro are
 *   those allowed before plus exactly lambda:InvokeFunction on the new target.
 */
import fc from 'fast-check';
import { TransformError } from '../../macro/errors';
import { transform } from '../../macro/core/transform';
import type { Json, JsonObject, TransformOptions, TransformResult } from '../../macro/types';
import { ACCOUNT, REGION, allowedPairs, arnOf, decide, materialize, policiesOf, possiblePairs, type Assignment } from './iam-eval';

export interface IamCase {
  template: JsonObject;
  options: TransformOptions;
}

const GA = (id: string): Json => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** Statements as users write them. */
export const STATEMENTS: Record<string, JsonObject> = {
  allowFn: { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: GA('Fn') },
  allowLambdaStar: { Effect: 'Allow', Action: 'lambda:*', Resource: GA('Fn') },
  allowStar: { Effect: 'Allow', Action: '*', Resource: '*' },
  allowWithUpdateAlias: { Effect: 'Allow', Action: ['lambda:InvokeFunction', 'lambda:UpdateAlias'], Resource: GA('Fn') },
  allowQualified: { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::Sub': '${Fn.Arn}:*' } },
  allowS3: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' },
  allowBoth: { Effect: 'Allow', Action: ['lambda:InvokeFunction', 'lambda:InvokeAsync'], Resource: [GA('Fn'), GA('Other')] },
  allowConditional: { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'a' } } },
  denyNotFn: { Sid: 'OnlyFn', Effect: 'Deny', Action: 'lambda:InvokeFunction', NotResource: [GA('Fn')] },
  denyNotFnOther: { Effect: 'Deny', Action: 'lambda:InvokeFunction', NotResource: [GA('Fn'), GA('Other')] },
  denyLambdaStarNotFn: { Effect: 'Deny', Action: 'lambda:*', NotResource: [GA('Fn')] },
  denyListNotFn: { Effect: 'Deny', Action: ['lambda:InvokeFunction', 'lambda:UpdateAlias'], NotResource: GA('Fn') },
  denyOther: { Effect: 'Deny', Action: 'lambda:InvokeFunction', Resource: GA('Other') },
  denyQualified: { Effect: 'Deny', Action: 'lambda:*', Resource: 'arn:aws:lambda:*:*:function:*:*' },
  denyNotAction: { Effect: 'Deny', NotAction: ['s3:*', 'lambda:InvokeFunction'], Resource: '*' },
  denyUpdateAlias: { Effect: 'Deny', Action: 'lambda:UpdateAlias', Resource: '*' },
};
const STATEMENT_NAMES = Object.keys(STATEMENTS);

const statement = fc.tuple(fc.constantFrom(...STATEMENT_NAMES), fc.integer({ min: 0, max: 9 })).map(
  ([name, k]): Json =>
    // One in ten only under condition C1.
    k === 0 ? { 'Fn::If': ['C1', STATEMENTS[name], { Ref: 'AWS::NoValue' }] } : STATEMENTS[name],
);
const doc = (statements: Json[]): JsonObject => ({ Version: '2012-10-17', Statement: statements });

type Placement = 'inline' | 'policy' | 'policy-c1' | 'managed' | 'role-policy';
type Boundary = 'none' | 'allow-fn' | 'allow-fn-broad' | 'allow-star' | 'allow-other' | 'external';

interface RoleSpec {
  statements: Json[];
  placement: Placement;
  boundary: Boundary;
  external: boolean;
}

const roleSpec: fc.Arbitrary<RoleSpec> = fc.record({
  statements: fc.array(statement, { minLength: 0, maxLength: 4 }),
  placement: fc.constantFrom<Placement>('inline', 'inline', 'policy', 'policy-c1', 'managed', 'role-policy'),
  boundary: fc.constantFrom<Boundary>('none', 'none', 'none', 'allow-fn', 'allow-fn-broad', 'allow-star', 'allow-other', 'external'),
  external: fc.integer({ min: 0, max: 9 }).map((k) => k === 0),
});

/** The resources of one role with its policies, boundary and (maybe) an external managed policy. */
function roleResources(id: string, spec: RoleSpec): JsonObject {
  const out: JsonObject = {};
  const props: JsonObject = { AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }]) };
  const managed: Json[] = [];
  if (spec.placement === 'inline') props.Policies = [{ PolicyName: 'invoke', PolicyDocument: doc(spec.statements) }];
  else if (spec.placement === 'managed') {
    out[`${id}Managed`] = { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc(spec.statements) } };
    managed.push({ Ref: `${id}Managed` });
  } else if (spec.placement === 'role-policy') {
    out[`${id}Policy`] = { Type: 'AWS::IAM::RolePolicy', Properties: { PolicyName: 'invoke', RoleName: { Ref: id }, PolicyDocument: doc(spec.statements) } };
  } else {
    out[`${id}Policy`] = {
      Type: 'AWS::IAM::Policy',
      ...(spec.placement === 'policy-c1' ? { Condition: 'C1' } : {}),
      Properties: { PolicyName: 'invoke', Roles: [{ Ref: id }], PolicyDocument: doc(spec.statements) },
    };
  }
  if (spec.external) managed.push('arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess');
  if (managed.length) props.ManagedPolicyArns = managed;
  const boundaryStatements: Record<Exclude<Boundary, 'none' | 'external'>, Json[]> = {
    'allow-fn': [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: GA('Fn') }, STATEMENTS.allowS3],
    'allow-fn-broad': [{ Effect: 'Allow', Action: ['lambda:InvokeFunction', 'lambda:GetFunction'], Resource: [GA('Fn'), GA('Other')] }],
    'allow-star': [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    'allow-other': [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: GA('Other') }],
  };
  if (spec.boundary === 'external') props.PermissionsBoundary = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/org-boundary' };
  else if (spec.boundary !== 'none') {
    out[`${id}Boundary`] = { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc(boundaryStatements[spec.boundary]) } };
    props.PermissionsBoundary = { Ref: `${id}Boundary` };
  }
  out[id] = { Type: 'AWS::IAM::Role', Properties: props };
  return out;
}

type Caller = 'role' | 'if-two-roles' | 'if-external' | 'credentials' | 'sam-policies';

export function iamCase(): fc.Arbitrary<IamCase> {
  return fc
    .record({
      named: fc.boolean(),
      aliasUnderC0: fc.boolean(),
      caller: fc.constantFrom<Caller>('role', 'role', 'if-two-roles', 'if-external', 'credentials', 'sam-policies'),
      role: roleSpec,
      role2: roleSpec,
      sam: fc.record({
        invokePolicy: fc.boolean(),
        statements: fc.array(statement, { maxLength: 3 }),
        managedName: fc.boolean(),
        boundary: fc.constantFrom('none', 'none', 'external'),
      }),
      invokeOther: fc.boolean(),
      mode: fc.constantFrom<TransformOptions['mode']>('rewrite', 'rewrite', 'rewrite', 'report'),
    })
    .map((s) => {
      const resources: JsonObject = {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            ...(s.named ? { FunctionName: 'work-fn' } : {}),
            Handler: 'index.handler',
            Runtime: 'nodejs20.x',
            Role: 'arn:aws:iam::123456789012:role/fn',
            Code: { ZipFile: 'x' },
          },
        },
        FnVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
        Live: {
          Type: 'AWS::Lambda::Alias',
          ...(s.aliasUnderC0 ? { Condition: 'C0' } : {}),
          Properties: {
            FunctionName: { Ref: 'Fn' },
            FunctionVersion: { 'Fn::GetAtt': ['FnVersion', 'Version'] },
            Name: 'live',
            ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
          },
        },
        Other: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            FunctionName: 'other-fn',
            Handler: 'index.handler',
            Runtime: 'nodejs20.x',
            Role: 'arn:aws:iam::123456789012:role/fn',
            Code: { ZipFile: 'x' },
          },
        },
      };
      const credentials = s.caller === 'credentials' ? ',"Credentials":{"RoleArn":"${TaskRole.Arn}"}' : '';
      const states = [
        `"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke"${credentials},"Parameters":{"FunctionName":"\${Fn.Arn}"},"Next":"B"}`,
        `"B":{"Type":"Task","Resource":"${s.invokeOther ? '${Other.Arn}' : '${Fn.Arn}'}","End":true}`,
      ];
      const definition = { 'Fn::Sub': `{"StartAt":"A","States":{${states.join(',')}}}` };
      Object.assign(resources, roleResources('Role', s.role));
      let machine: JsonObject;
      if (s.caller === 'sam-policies') {
        const policies: Json[] = [];
        if (s.sam.invokePolicy) policies.push({ LambdaInvokePolicy: { FunctionName: { Ref: 'Fn' } } });
        if (s.sam.statements.length) policies.push(doc(s.sam.statements));
        if (s.sam.managedName) policies.push('AWSXRayDaemonWriteAccess');
        machine = {
          Type: 'AWS::Serverless::StateMachine',
          Properties: {
            DefinitionString: definition,
            ...(policies.length ? { Policies: policies } : {}),
            ...(s.sam.boundary === 'external' ? { PermissionsBoundary: 'arn:aws:iam::123456789012:policy/b' } : {}),
          },
        };
      } else {
        const roleArn =
          s.caller === 'if-two-roles'
            ? { 'Fn::If': ['C1', GA('Role'), GA('Role2')] }
            : s.caller === 'if-external'
              ? { 'Fn::If': ['C1', GA('Role'), { Ref: 'ExistingRoleArn' }] }
              : GA('Role');
        if (s.caller === 'if-two-roles') Object.assign(resources, roleResources('Role2', s.role2));
        if (s.caller === 'credentials') Object.assign(resources, roleResources('TaskRole', s.role2));
        machine = { Type: 'AWS::StepFunctions::StateMachine', Properties: { RoleArn: roleArn, DefinitionString: definition } };
      }
      resources.SM = machine;
      const template: JsonObject = {
        Parameters: { Stage: { Type: 'String', Default: 'dev' }, ExistingRoleArn: { Type: 'String', Default: '' } },
        Conditions: { C0: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] }, C1: { 'Fn::Equals': [{ Ref: 'ExistingRoleArn' }, ''] } },
        Resources: resources,
      };
      return { template, options: { region: REGION, accountId: ACCOUNT, mode: s.mode } };
    });
}

export const COMBINATIONS: Assignment[] = [false, true].flatMap((c0) =>
  [false, true].map(
    (c1) =>
      new Map([
        ['C0', c0],
        ['C1', c1],
      ]),
  ),
);

const describeA = (a: Assignment): string => [...a].map(([c, v]) => `${c}=${v}`).join(' ');

/** The principal that calls Lambda for task A (and B), in a materialized template. */
function callerOf(t: Record<string, any>): { role: string } | { samMachine: string } | { external: true } {
  const sm = t.Resources.SM;
  const def = JSON.stringify(sm.Properties.DefinitionString);
  if (def.includes('Credentials')) return { role: 'TaskRole' };
  if (sm.Type === 'AWS::Serverless::StateMachine') return { samMachine: 'SM' };
  const ga = sm.Properties.RoleArn?.['Fn::GetAtt'];
  return Array.isArray(ga) ? { role: ga[0] } : { external: true };
}

function fail(message: string): never {
  throw new Error(message);
}

/**
 * Every rewritten invocation is allowed for its calling principal in every combination, or the
 * report warns about what stands in the way (the statement's policy, the boundary, the role), and
 * Mode strict fails where the independent evaluator finds it certainly denied.
 */
export function checkEffective(c: IamCase, r: TransformResult): void {
  if (c.options.mode === 'report') return;
  if (!r.report.decisions.some((d) => d.action === 'rewritten' && d.stateMachine === 'SM')) {
    if (JSON.stringify(r.fragment).includes('"Ref":"Live"')) fail('the output refers to Live, but the report has no rewrite');
    return;
  }
  const warnings = r.report.decisions.filter((d) => d.action === 'warning' && d.stateMachine === 'SM');
  let strictChecked = false;
  for (const a of COMBINATIONS) {
    const out = materialize(r.fragment, a);
    if (!out.Resources.Live) continue; // the alias does not exist: the invocation is the function itself
    const target = arnIn({ Ref: 'Live' }, out);
    const caller = callerOf(out);
    if ('external' in caller) {
      if (!warnings.some((w) => /is not defined in this template/.test(w.reason)))
        fail(`${describeA(a)}: the role is outside the template, and no warning says so`);
      continue;
    }
    const policies = policiesOf(out, caller);
    if (!policies) fail(`${describeA(a)}: the principal ${JSON.stringify(caller)} is missing from the output`);
    const d = decide(policies, 'lambda:InvokeFunction', target, out);
    if (d.allowed === 'yes') continue;
    const principalId = 'role' in caller ? caller.role : caller.samMachine;
    const resourceOf = (path: string | undefined): string | undefined => (path === undefined ? undefined : path.split('/')[1]);
    const named = warnings.some(
      (w) =>
        (d.where !== undefined && w.templatePath.startsWith(`Resources/${resourceOf(d.where)}`)) ||
        w.templatePath.startsWith(`Resources/${principalId}`) ||
        (caller && 'samMachine' in caller && w.templatePath.startsWith('Resources/SM/Properties')),
    );
    if (!named) {
      fail(
        `${describeA(a)}: ${principalId} may not invoke ${target} (${d.why}${d.where ? ` at ${d.where}` : ''}), and no warning names it; warnings: ${JSON.stringify(warnings.map((w) => `${w.templatePath}: ${w.reason}`))}`,
      );
    }
    if (d.allowed === 'no' && !strictChecked) {
      strictChecked = true;
      let error: unknown;
      try {
        transform(c.template, { ...c.options, mode: 'strict' });
      } catch (e) {
        error = e;
      }
      if (!(error instanceof TransformError)) fail(`${describeA(a)}: ${principalId} is denied ${target} (${d.why}), but Mode strict does not fail`);
    }
  }
}

/** The ARN of a resource of the case (the functions; the alias, where it exists). */
function arnIn(v: unknown, t: Parameters<typeof arnOf>[1]): string {
  const arn = arnOf(v, t);
  if (arn === undefined) fail(`no ARN for ${JSON.stringify(v)}`);
  return arn;
}

const ACTIONS = ['lambda:InvokeFunction', 'lambda:UpdateAlias', 'lambda:GetFunction', 's3:GetObject'] as const;

/**
 * No widening: for every principal and combination, what is allowed after the macro is what was
 * allowed before plus exactly lambda:InvokeFunction on the new target (as certain pairs, and as
 * possible ones). lambda:InvokeAsync is left out of the universe: its API takes no qualifier, so a
 * qualified ARN allows nothing there.
 */
export function checkNoWidening(c: IamCase, r: TransformResult): void {
  for (const a of COMBINATIONS) {
    const before = materialize(c.template, a);
    const after = materialize(r.fragment, a);
    const fnArn = arnIn(GA('Fn'), before);
    const otherArn = arnIn(GA('Other'), before);
    const target = `${fnArn}:live`;
    const resources = [fnArn, target, `${fnArn}:other`, `${fnArn}:1`, otherArn, `${otherArn}:live`, 'arn:aws:s3:::bucket/key'];
    const principals: ({ role: string } | { samMachine: string })[] = Object.keys(before.Resources)
      .filter((id) => before.Resources[id].Type === 'AWS::IAM::Role')
      .map((role) => ({ role }));
    if (before.Resources.SM?.Type === 'AWS::Serverless::StateMachine' && before.Resources.SM.Properties?.Role === undefined)
      principals.push({ samMachine: 'SM' });
    // The grant is on the target's ARN, in every combination: where the alias does not exist, it
    // allows invoking a resource that does not exist, and nothing else.
    const added = c.options.mode !== 'report' ? new Set([`lambda:InvokeFunction ${target}`]) : new Set<string>();
    for (const p of principals) {
      const pb = policiesOf(before, p);
      const pa = policiesOf(after, p);
      if (!pb || !pa) fail(`${describeA(a)}: ${JSON.stringify(p)} disappeared`);
      for (const [name, f] of [
        ['allowed', allowedPairs],
        ['possibly allowed', possiblePairs],
      ] as const) {
        const b = f(pb, ACTIONS, resources, before);
        const x = f(pa, ACTIONS, resources, after);
        const gained = [...x].filter((k) => !b.has(k) && !added.has(k));
        const lost = [...b].filter((k) => !x.has(k));
        if (gained.length || lost.length) {
          fail(
            `${describeA(a)}: ${JSON.stringify(p)}: the ${name} pairs changed beyond lambda:InvokeFunction on ${target}: gained ${JSON.stringify(gained)}, lost ${JSON.stringify(lost)}`,
          );
        }
      }
    }
  }
}
