/**
 * The effective-permission check (macro/core/iam/evaluate.ts and principal.ts): AWS's evaluation logic
 * for one request, and the policies that reach a principal in one combination of conditions.
 */
import { applies, assignments, evaluate, INVOKE, resourceMatches, type Render } from '../../../../macro/core/iam/evaluate';
import { resolve, type Assignment } from '../../../../macro/core/iam/conditions';
import { PrincipalReader } from '../../../../macro/core/iam/principal';
import { readTemplate } from '../../../../macro/core/template/read';
import type { Policies, Statement } from '../../../../macro/core/iam/types';
import type { Json, JsonObject } from '../../../../macro/types';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:my-fn';
const LIVE = `${FN}:live`;
/** Strings as they are; GetAtt Fn.Arn and Ref Live as the ARNs above; anything else unknown. */
const render: Render = (v) => {
  if (typeof v === 'string') return v;
  const s = JSON.stringify(v);
  if (s === '{"Fn::GetAtt":["Fn","Arn"]}') return FN;
  if (s === '{"Ref":"Live"}') return LIVE;
  return undefined;
};
const ALL: Assignment = new Map();
const st = (value: JsonObject, label = 'P'): Statement => ({ value, label, path: ['Resources', label] });
const allow = (resource: Json, extra: JsonObject = {}): Statement => st({ Effect: 'Allow', Action: INVOKE, Resource: resource, ...extra });
const deny = (extra: JsonObject): Statement => st({ Effect: 'Deny', Action: INVOKE, ...extra });
const policies = (identity: Statement[], boundary?: Statement[], external = false): Policies => ({
  exists: true,
  identity,
  external: [],
  ...(boundary || external ? { boundary: { label: 'B', statements: boundary ?? [], external } } : {}),
});
const verdict = (p: Policies, target = LIVE): string => evaluate(p, INVOKE, target, render, ALL).kind;

describe('evaluate: AWS policy evaluation logic for lambda:InvokeFunction on one ARN', () => {
  test('no statement: implicitly denied (an identity-based Allow is needed)', () => {
    expect(verdict(policies([]))).toBe('no-allow');
  });

  test.each<[string, Json, string]>([
    ['the exact ARN', LIVE, 'allowed'],
    ['function:*', 'arn:aws:lambda:us-east-1:123456789012:function:*', 'allowed'],
    ['the unqualified ARN does not cover an alias', FN, 'no-allow'],
    [':* covers it', `${FN}:*`, 'allowed'],
    ['ARNs are case-sensitive', LIVE.toUpperCase(), 'no-allow'],
    ['? is one character', `${FN}:liv?`, 'allowed'],
    ['a list with it', ['arn:aws:s3:::b', LIVE], 'allowed'],
  ])('Allow on %s', (_name, resource, expected) => {
    expect(verdict(policies([allow(resource)]))).toBe(expected);
  });

  test.each<[string, Json, string]>([
    ['lambda:InvokeFunction', 'lambda:InvokeFunction', 'allowed'],
    ['action names ignore case', 'LAMBDA:invokefunction', 'allowed'],
    ['lambda:*', 'lambda:*', 'allowed'],
    ['*', '*', 'allowed'],
    ['lambda:Invoke*', 'lambda:Invoke*', 'allowed'],
    ['lambda:InvokeAsync is another action', 'lambda:InvokeAsync', 'no-allow'],
    ['s3:*', 's3:*', 'no-allow'],
  ])('Allow with Action %s', (_name, action, expected) => {
    expect(verdict(policies([allow(LIVE, { Action: action })]))).toBe(expected);
  });

  test('NotAction: every action but those listed', () => {
    expect(verdict(policies([st({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' })]))).toBe('allowed');
    expect(verdict(policies([st({ Effect: 'Allow', NotAction: 'lambda:*', Resource: '*' })]))).toBe('no-allow');
  });

  test('NotResource in an Allow: every resource but those listed', () => {
    expect(verdict(policies([st({ Effect: 'Allow', Action: INVOKE, NotResource: FN })]))).toBe('allowed');
    expect(verdict(policies([st({ Effect: 'Allow', Action: INVOKE, NotResource: `${FN}:*` })]))).toBe('no-allow');
  });

  test('an explicit Deny wins over any Allow', () => {
    expect(verdict(policies([allow('*'), deny({ Resource: `${FN}:*` })]))).toBe('denied');
  });

  test('a Deny with NotResource that names only the unqualified ARN denies the alias; one that names the alias does not', () => {
    expect(verdict(policies([allow('*'), deny({ NotResource: [FN] })]))).toBe('denied');
    expect(verdict(policies([allow('*'), deny({ NotResource: [FN, LIVE] })]))).toBe('allowed');
    expect(verdict(policies([allow('*'), deny({ NotResource: [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, { Ref: 'Live' }] })]))).toBe('allowed');
  });

  test('a Deny of other actions or other resources does not apply', () => {
    expect(verdict(policies([allow('*'), deny({ Action: 'lambda:UpdateAlias', Resource: '*' })]))).toBe('allowed');
    expect(verdict(policies([allow('*'), deny({ Resource: 'arn:aws:lambda:us-east-1:123456789012:function:other*' })]))).toBe('allowed');
    expect(verdict(policies([allow('*'), st({ Effect: 'Deny', NotAction: 'lambda:InvokeFunction', Resource: '*' })]))).toBe('allowed');
  });

  test('a Deny with NotAction that does not list the action denies it', () => {
    expect(verdict(policies([allow('*'), st({ Effect: 'Deny', NotAction: ['s3:*'], Resource: '*' })]))).toBe('denied');
  });

  test('an Allow with a Condition does not count (unknown before deployment); a Deny with one may apply', () => {
    const condition = { StringEquals: { 'aws:ResourceTag/team': 'a' } };
    expect(verdict(policies([allow(LIVE, { Condition: condition })]))).toBe('no-allow');
    const v = evaluate(policies([allow(LIVE), deny({ Resource: '*', Condition: condition })]), INVOKE, LIVE, render, ALL);
    expect(v).toMatchObject({ kind: 'denied', certain: false });
  });

  test('a Resource the macro cannot render: not an Allow that counts, a Deny that may apply', () => {
    expect(verdict(policies([allow({ Ref: 'SomeParameter' })]))).toBe('no-allow');
    expect(evaluate(policies([allow(LIVE), deny({ Resource: { Ref: 'SomeParameter' } })]), INVOKE, LIVE, render, ALL)).toMatchObject({
      kind: 'denied',
      certain: false,
    });
  });

  test('a permissions boundary must allow it too, and its Deny wins', () => {
    expect(verdict(policies([allow('*')], [allow(FN)]))).toBe('boundary');
    expect(verdict(policies([allow('*')], [allow(`${FN}*`)]))).toBe('allowed');
    expect(verdict(policies([allow('*')], [allow('*'), deny({ Resource: LIVE })]))).toBe('denied');
    expect(verdict(policies([allow('*')], [], true))).toBe('boundary');
  });

  test('a boundary alone grants nothing', () => {
    expect(verdict(policies([], [allow('*')]))).toBe('no-allow');
  });

  test('a principal that does not exist in this combination: nothing to allow', () => {
    expect(evaluate({ exists: false, identity: [], external: [] }, INVOKE, LIVE, render, ALL).kind).toBe('absent');
  });

  test('a function name known only at deploy time may match a Deny with wildcards in the name', () => {
    const deployTime = 'arn:aws:lambda:us-east-1:123456789012:function:\u0002Fn\u0002:live';
    expect(resourceMatches('arn:aws:lambda:*:*:function:stack-*', deployTime, render)).toBe('unknown');
    expect(resourceMatches('arn:aws:lambda:*:*:function:other-fn', deployTime, render)).toBe(false);
    expect(resourceMatches('*', deployTime, render)).toBe(true);
  });

  test('Fn::If in a statement is resolved in the combination', () => {
    const s = allow({ 'Fn::If': ['IsProd', LIVE, FN] });
    expect(applies(s, INVOKE, LIVE, render, new Map([['IsProd', true]])).applies).toBe(true);
    expect(applies(s, INVOKE, LIVE, render, new Map([['IsProd', false]])).applies).toBe(false);
  });
});

describe('assignments and resolve', () => {
  test('every combination, 2^n', () => {
    expect(assignments([]).length).toBe(1);
    const all = assignments(['A', 'B', 'C']);
    expect(all.length).toBe(8);
    expect(new Set(all.map((a) => JSON.stringify([...a]))).size).toBe(8);
  });

  test('Fn::If resolved at any depth, AWS::NoValue dropped', () => {
    const v: Json = { Statement: [{ 'Fn::If': ['A', { Effect: 'Allow' }, { Ref: 'AWS::NoValue' }] }, { Effect: { 'Fn::If': ['A', 'Deny', 'Allow'] } }] };
    expect(resolve(v, new Map([['A', true]]))).toEqual({ Statement: [{ Effect: 'Allow' }, { Effect: 'Deny' }] });
    expect(resolve(v, new Map([['A', false]]))).toEqual({ Statement: [{ Effect: 'Allow' }] });
  });
});

describe('PrincipalReader: every policy that reaches a role', () => {
  const template = (resources: JsonObject): PrincipalReader => {
    const root = { Resources: resources };
    return new PrincipalReader((path) => {
      let node: Json | undefined = root;
      for (const k of path) node = Array.isArray(node) ? node[k as number] : node && typeof node === 'object' ? (node as JsonObject)[k as string] : undefined;
      return node;
    });
  };
  const doc = (...statements: JsonObject[]): JsonObject => ({ Version: '2012-10-17', Statement: statements });
  const S = (r: string): JsonObject => ({ Effect: 'Allow', Action: INVOKE, Resource: r });
  const labels = (p: Policies): string[] => p.identity.map((s) => `${s.label}:${JSON.stringify(s.value.Resource)}`);

  test('inline Policies, Policy/ManagedPolicy via Roles, RolePolicy via RoleName, ManagedPolicyArns, a literal RoleName', () => {
    const reader = template({
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'flow-role',
          Policies: [{ PolicyName: 'inline', PolicyDocument: doc(S('a')) }],
          ManagedPolicyArns: [{ Ref: 'Managed' }, 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
        },
      },
      Attached: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: doc(S('b')) } },
      ByName: { Type: 'AWS::IAM::Policy', Properties: { Roles: ['flow-role'], PolicyDocument: doc(S('c')) } },
      RolePolicy: { Type: 'AWS::IAM::RolePolicy', Properties: { RoleName: { Ref: 'Role' }, PolicyDocument: doc(S('d')) } },
      Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc(S('e')) } },
      ManagedByRoles: { Type: 'AWS::IAM::ManagedPolicy', Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: doc(S('f')) } },
      Other: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'OtherRole' }], PolicyDocument: doc(S('x')) } },
    });
    const p = reader.policies({ kind: 'role', id: 'Role' }, ALL);
    expect(labels(p).sort()).toEqual(['Attached:"b"', 'ByName:"c"', 'Managed:"e"', 'ManagedByRoles:"f"', 'Role Policies[0] (inline):"a"', 'RolePolicy:"d"']);
    expect(p.external).toEqual([
      { kind: 'managed', value: 'arn:aws:iam::aws:policy/ReadOnlyAccess', path: ['Resources', 'Role', 'Properties', 'ManagedPolicyArns', 1] },
    ]);
    expect(p.boundary).toBeUndefined();
  });

  test('a policy resource counts only when its Condition holds; Fn::If statements resolve with their paths', () => {
    const reader = template({
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
      Prod: { Type: 'AWS::IAM::Policy', Condition: 'IsProd', Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: doc(S('prod')) } },
      Mixed: {
        Type: 'AWS::IAM::Policy',
        Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [{ 'Fn::If': ['IsProd', S('yes'), S('no')] }] } },
      },
    });
    expect(reader.conditions({ kind: 'role', id: 'Role' })).toEqual(new Set(['IsProd']));
    const on = reader.policies({ kind: 'role', id: 'Role' }, new Map([['IsProd', true]]));
    const off = reader.policies({ kind: 'role', id: 'Role' }, new Map([['IsProd', false]]));
    expect(labels(on).sort()).toEqual(['Mixed:"yes"', 'Prod:"prod"']);
    expect(labels(off)).toEqual(['Mixed:"no"']);
    expect(off.identity[0].path).toEqual(['Resources', 'Mixed', 'Properties', 'PolicyDocument', 'Statement', 0, 'Fn::If', 2]);
  });

  test('the role does not exist when its Condition is false', () => {
    const reader = template({ Role: { Type: 'AWS::IAM::Role', Condition: 'IsProd', Properties: {} } });
    expect(reader.policies({ kind: 'role', id: 'Role' }, new Map([['IsProd', false]])).exists).toBe(false);
  });

  test('a boundary of the template, an external one, one chosen by Fn::If', () => {
    const reader = template({
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: { PermissionsBoundary: { 'Fn::If': ['Strict', { Ref: 'Boundary' }, 'arn:aws:iam::123456789012:policy/org-boundary'] } },
      },
      Boundary: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc(S('b')) } },
    });
    const inTemplate = reader.policies({ kind: 'role', id: 'Role' }, new Map([['Strict', true]]));
    expect(inTemplate.boundary).toMatchObject({ label: 'Boundary', external: false, statements: [{ value: S('b') }] });
    const external = reader.policies({ kind: 'role', id: 'Role' }, new Map([['Strict', false]]));
    expect(external.boundary).toMatchObject({ external: true, statements: [] });
    expect(external.external).toEqual([
      {
        kind: 'boundary',
        value: 'arn:aws:iam::123456789012:policy/org-boundary',
        path: ['Resources', 'Role', 'Properties', 'PermissionsBoundary', 'Fn::If', 2],
      },
    ]);
  });

  test('the role SAM builds: inline documents, LambdaInvokePolicy, managed policy names, Connectors (resource and property), PermissionsBoundary', () => {
    const reader = template({
      SM: {
        Type: 'AWS::Serverless::StateMachine',
        Properties: {
          Policies: ['AWSXRayDaemonWriteAccess', { LambdaInvokePolicy: { FunctionName: 'my-fn' } }, doc(S('inline'))],
          PermissionsBoundary: 'arn:aws:iam::123456789012:policy/b',
        },
        Connectors: { ToOther: { Properties: { Destination: { Id: 'Other' }, Permissions: ['Write'] } } },
      },
      Conn: { Type: 'AWS::Serverless::Connector', Properties: { Source: { Id: 'SM' }, Destination: { Id: 'Fn' }, Permissions: ['Write'] } },
      ReadOnly: { Type: 'AWS::Serverless::Connector', Properties: { Source: { Id: 'SM' }, Destination: { Id: 'Fn' }, Permissions: ['Read'] } },
    });
    const p = reader.policies({ kind: 'sam', id: 'SM' }, ALL);
    expect(p.identity.map((s) => s.label)).toEqual([
      'SM Policies[1] LambdaInvokePolicy',
      'SM Policies[2]',
      'Conn (Connector)',
      'SM Connectors ToOther (Connector)',
    ]);
    expect(p.identity[0].value.Resource).toEqual({
      'Fn::Sub': ['arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${FunctionName}*', { FunctionName: 'my-fn' }],
    });
    expect(p.external.map((e) => e.kind)).toEqual(['managed', 'boundary']);
  });

  test('policies and conditions are the same whether the policy resources are listed by the caller or found in Resources', () => {
    const resources: JsonObject = {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: { RoleName: 'flow-role', ManagedPolicyArns: [{ Ref: 'Managed' }], PermissionsBoundary: { Ref: 'Boundary' } },
      },
      SM: { Type: 'AWS::Serverless::StateMachine', Properties: {} },
      Conn: { Type: 'AWS::Serverless::Connector', Properties: { Source: { Id: 'SM' }, Destination: { Id: 'Fn' }, Permissions: ['Write'] } },
      Attached: { Type: 'AWS::IAM::Policy', Condition: 'C', Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: doc(S('b')) } },
      Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc(S('e')) } },
      Boundary: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: { PolicyDocument: doc({ Effect: 'Deny', Action: '*', Resource: { 'Fn::If': ['D', 'x', 'y'] } }) },
      },
      ByName: { Type: 'AWS::IAM::RolePolicy', Properties: { RoleName: 'flow-role', PolicyDocument: doc(S('c')) } },
    };
    const root = { Resources: resources };
    const read = (path: (string | number)[]): Json | undefined => {
      let node: Json | undefined = root;
      for (const k of path) node = Array.isArray(node) ? node[k as number] : node && typeof node === 'object' ? (node as JsonObject)[k as string] : undefined;
      return node;
    };
    const listed = readTemplate(root).policyEntries;
    const found = new PrincipalReader(read);
    const given = new PrincipalReader(read, undefined, undefined, () => listed);
    for (const p of [{ kind: 'role', id: 'Role' } as const, { kind: 'sam', id: 'SM' } as const]) {
      expect(given.conditions(p)).toEqual(found.conditions(p));
      for (const a of assignments(['C', 'D'])) expect(given.policies(p, a)).toEqual(found.policies(p, a));
    }
  });
});
