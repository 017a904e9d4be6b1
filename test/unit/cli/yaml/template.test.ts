import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { lenientText, parseTemplateText, TemplateSyntaxError, toYaml } from '../../../../macro/cli/yaml/template';
import { layout } from '../../../support/yaml-layouts';

/** Parses `v: <yaml>` and returns the value of `v`. */
const valueIn = (yaml: string): unknown => (parseTemplateText(`v: ${yaml}\n`) as { v: unknown }).v;

/** Returns the TemplateSyntaxError thrown by parsing `text` (fails the test if nothing is thrown). */
function syntaxError(text: string, source?: string): TemplateSyntaxError {
  try {
    parseTemplateText(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    return error as TemplateSyntaxError;
  }
  throw new Error('expected a TemplateSyntaxError');
}

describe('parseTemplateText: short-form tags', () => {
  const FUNCTIONS = [
    'And',
    'Base64',
    'Cidr',
    'Equals',
    'FindInMap',
    'ForEach',
    'GetAZs',
    'If',
    'ImportValue',
    'Join',
    'Length',
    'Not',
    'Or',
    'Select',
    'Split',
    'Sub',
    'ToJsonString',
    'Transform',
  ];
  const LONG_FORMS: Array<[string, string]> = [['Ref', 'Ref'], ['Condition', 'Condition'], ...FUNCTIONS.map((name): [string, string] => [name, `Fn::${name}`])];

  // Every tag, in each node kind: the tagged value is kept as is under the long-form key.
  const cases = LONG_FORMS.flatMap(([tag, key]) => [
    [`!${tag} scalar`, `!${tag} Name`, { [key]: 'Name' }],
    [`!${tag} quoted scalar`, `!${tag} '42'`, { [key]: '42' }],
    [`!${tag} flow sequence`, `!${tag} [a, 1, true]`, { [key]: ['a', 1, true] }],
    [`!${tag} block sequence`, `!${tag}\n  - a\n  - [b]`, { [key]: ['a', ['b']] }],
    [`!${tag} flow mapping`, `!${tag} {k: v}`, { [key]: { k: 'v' } }],
    [`!${tag} block mapping`, `!${tag}\n  k: v\n  n: 2`, { [key]: { k: 'v', n: 2 } }],
  ]) as Array<[string, string, unknown]>;

  it.each(cases)('%s', (_name, yaml, expected) => {
    expect(valueIn(yaml)).toEqual(expected);
  });

  it('scalars under a tag stay strings, even if they look like numbers', () => {
    expect(valueIn('!Ref 123')).toEqual({ Ref: '123' });
    expect(valueIn('!Ref yes')).toEqual({ Ref: 'yes' });
  });

  it.each([
    ['!GetAtt Fn.Arn', ['Fn', 'Arn']],
    ['!GetAtt Db.Endpoint.Address', ['Db', 'Endpoint.Address']],
    ['!GetAtt [Db, Endpoint.Address]', ['Db', 'Endpoint.Address']],
    ['!GetAtt\n  - Db\n  - !Ref Attr', ['Db', { Ref: 'Attr' }]],
    ['!GetAtt NoDot', ['NoDot']],
  ])('GetAtt: %j', (yaml, expected) => {
    expect(valueIn(yaml)).toEqual({ 'Fn::GetAtt': expected });
  });

  // Realistic uses, including short forms nested inside each other's sequences and mappings.
  it.each<[string, unknown]>([
    ["!GetAZs ''", { 'Fn::GetAZs': '' }],
    ['!GetAZs', { 'Fn::GetAZs': '' }],
    ["!Select [0, !GetAZs '']", { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }],
    ['!If [c, !Ref a, !Ref AWS::NoValue]', { 'Fn::If': ['c', { Ref: 'a' }, { Ref: 'AWS::NoValue' }] }],
    ["!Join ['', [!Ref x, '-y']]", { 'Fn::Join': ['', [{ Ref: 'x' }, '-y']] }],
    ['!Sub "arn:${AWS::Partition}:s3:::${Bucket}/*"', { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Bucket}/*' }],
    [
      "!Sub\n  - '${Name}-${AWS::Region}'\n  - Name: !ImportValue shared-name",
      { 'Fn::Sub': ['${Name}-${AWS::Region}', { Name: { 'Fn::ImportValue': 'shared-name' } }] },
    ],
    ['!Sub |\n  #!/bin/bash\n  echo ${AWS::StackName}', { 'Fn::Sub': '#!/bin/bash\necho ${AWS::StackName}\n' }],
    ['!Base64\n  Fn::Sub: echo ${Env}', { 'Fn::Base64': { 'Fn::Sub': 'echo ${Env}' } }],
    ['\n  Fn::Base64: !Sub echo ${Env}', { 'Fn::Base64': { 'Fn::Sub': 'echo ${Env}' } }],
    ["!Split [',', !ImportValue Subnets]", { 'Fn::Split': [',', { 'Fn::ImportValue': 'Subnets' }] }],
    ['!FindInMap [RegionMap, !Ref AWS::Region, Ami]', { 'Fn::FindInMap': ['RegionMap', { Ref: 'AWS::Region' }, 'Ami'] }],
    ['!Cidr [!GetAtt Vpc.CidrBlock, 6, 8]', { 'Fn::Cidr': [{ 'Fn::GetAtt': ['Vpc', 'CidrBlock'] }, 6, 8] }],
    [
      '!And [!Equals [!Ref Env, prod], !Not [!Condition IsTest], !Or [!Condition A, !Condition B]]',
      {
        'Fn::And': [
          { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
          { 'Fn::Not': [{ Condition: 'IsTest' }] },
          { 'Fn::Or': [{ Condition: 'A' }, { Condition: 'B' }] },
        ],
      },
    ],
    [
      '!Transform {Name: AWS::Include, Parameters: {Location: !Sub "s3://${Bucket}/x.yaml"}}',
      {
        'Fn::Transform': {
          Name: 'AWS::Include',
          Parameters: { Location: { 'Fn::Sub': 's3://${Bucket}/x.yaml' } },
        },
      },
    ],
    ['!ToJsonString {Key: !Ref Value}', { 'Fn::ToJsonString': { Key: { Ref: 'Value' } } }],
    ['!Length [!Ref A, !Ref B]', { 'Fn::Length': [{ Ref: 'A' }, { Ref: 'B' }] }],
  ])('%j', (yaml, expected) => {
    expect(valueIn(yaml)).toEqual(expected);
  });

  // CloudFormation documents these as invalid ("use the full function name for at least one of the functions").
  it.each(['!Base64 !Sub echo hi', '!GetAZs !Ref AWS::Region'])('rejects a short form directly inside another: %s', (yaml) => {
    const error = syntaxError(`Resources:\n  I:\n    Properties:\n      P: ${yaml}\n`, 'ec2.yaml');
    expect(error.line).toBe(4);
    expect(error.message).toMatch(/^ec2\.yaml:4:\d+: A node can have at most one tag/);
    expect(error.message).toContain('Fn::Base64: !Sub');
  });
});

describe('parseTemplateText: plain scalars (YAML 1.1 as CloudFormation reads it)', () => {
  it.each<[string, unknown]>([
    // no timestamps: dates stay strings
    ['2010-09-09', '2010-09-09'],
    ["'2010-09-09'", '2010-09-09'],
    ['2001-12-14t21:59:43.10-05:00', '2001-12-14t21:59:43.10-05:00'],
    // YAML 1.1 booleans, but not the single letters
    ['yes', true],
    ['Yes', true],
    ['ON', true],
    ['true', true],
    ['True', true],
    ['no', false],
    ['NO', false],
    ['off', false],
    ['false', false],
    ['y', 'y'],
    ['n', 'n'],
    ['"yes"', 'yes'],
    ['yEs', 'yEs'],
    // null
    ['~', null],
    ['null', null],
    ['', null],
    ["''", ''],
    // numbers
    ['42', 42],
    ['-7', -7],
    ['+3', 3],
    ['0', 0],
    ['1_000', 1000],
    ['0x1F', 31],
    ['017', 15],
    ['0b101', 5],
    ['1:30', 90],
    ['3.5', 3.5],
    ['1.0', 1],
    ['.5', 0.5],
    ['1.5e+3', 1500],
    ['-.inf', -Infinity],
    // look numeric, but are strings in YAML 1.1
    ['012345678901', '012345678901'],
    ['08', '08'],
    ['1e5', '1e5'],
    ['.', '.'],
    ['1.2.3', '1.2.3'],
    ['"42"', '42'],
    ['!!str 42', '42'],
    ['!!int "42"', 42],
    // ordinary strings
    ['t2.micro', 't2.micro'],
    ['arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/*'],
    ['${AWS::Region}', '${AWS::Region}'],
  ])('%s', (yaml, expected) => {
    expect(valueIn(yaml)).toEqual(expected);
  });

  it('treats every mapping key as a literal string', () => {
    const result = parseTemplateText('yes: 1\n1: 2\n~: 3\n2010-09-09: 4\n"a": 5\n<<: {b: 6}\n');
    expect(result).toEqual({ yes: 1, '1': 2, '~': 3, '2010-09-09': 4, a: 5, '<<': { b: 6 } });
  });
});

describe('parseTemplateText: JSON input', () => {
  it('parses JSON with JSON semantics', () => {
    const text = ' \n{"AWSTemplateFormatVersion": "2010-09-09", "Big": 1e5, "On": "yes", "L": [null, true]}';
    // `1e5` is a number in JSON but would be a string in YAML 1.1: proves the JSON path was taken.
    expect(parseTemplateText(text)).toEqual({ AWSTemplateFormatVersion: '2010-09-09', Big: 100000, On: 'yes', L: [null, true] });
  });

  it('accepts a byte order mark', () => {
    expect(parseTemplateText('\uFEFF{"a": 1}')).toEqual({ a: 1 });
  });

  it('falls back to YAML for a flow mapping that is not JSON', () => {
    expect(parseTemplateText('{Resources: {B: {Type: AWS::S3::Bucket, Condition: !Ref C}}}')).toEqual({
      Resources: { B: { Type: 'AWS::S3::Bucket', Condition: { Ref: 'C' } } },
    });
  });

  it('reports broken JSON with a position', () => {
    const error = syntaxError('{\n  "a": 1,\n  "b": [1, 2\n}\n', 'tpl.json');
    expect(error.message).toMatch(/^tpl\.json:\d+:\d+: /);
    expect(error.line).toBeGreaterThanOrEqual(3);
  });
});

describe('parseTemplateText: a Serverless-style template', () => {
  const text = `
AWSTemplateFormatVersion: 2010-09-09
Description: "The AWS CloudFormation template for this Serverless application"
Transform:
  - WarmStepFunctions
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  HelloLambdaFunction:
    Type: AWS::Lambda::Function
    Properties:
      Handler: handler.hello
      Runtime: python3.10
      MemorySize: 512
      Timeout: 60
      Role: !GetAtt IamRoleLambdaExecution.Arn
      Environment:
        Variables:
          ENABLED: yes
          VERSION: '1.0'
    DependsOn:
      - HelloLogGroup
  HelloProvConcLambdaAlias:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref HelloLambdaFunction
      FunctionVersion: !GetAtt HelloLambdaVersion.Version
      Name: provisioned
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 3
  HelloStepFunc:
    Type: AWS::StepFunctions::StateMachine
    Condition: IsProd
    Properties:
      DefinitionString: !Sub
        - |-
          {
            "StartAt": "HelloWorld",
            "States": {"HelloWorld": {"Type": "Task", "Resource": "\${fn}", "End": true}}
          }
        - fn: !GetAtt [HelloLambdaFunction, Arn]
      RoleArn: !If [IsProd, !GetAtt StepRole.Arn, !Ref AWS::NoValue]
Outputs:
  HelloStepFuncArn:
    Value: !Ref HelloStepFunc
    Export:
      Name: !Join ['-', [!Ref AWS::StackName, arn]]
`;

  it('expands to the long form CloudFormation passes to the macro', () => {
    const template = parseTemplateText(text, 'serverless.yml') as any;
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(template.Transform).toEqual(['WarmStepFunctions']);
    expect(template.Conditions).toEqual({ IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] } });
    expect(template.Resources.HelloLambdaFunction).toEqual({
      Type: 'AWS::Lambda::Function',
      Properties: {
        Handler: 'handler.hello',
        Runtime: 'python3.10',
        MemorySize: 512,
        Timeout: 60,
        Role: { 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] },
        Environment: { Variables: { ENABLED: true, VERSION: '1.0' } },
      },
      DependsOn: ['HelloLogGroup'],
    });
    expect(template.Resources.HelloProvConcLambdaAlias.Properties).toEqual({
      FunctionName: { Ref: 'HelloLambdaFunction' },
      FunctionVersion: { 'Fn::GetAtt': ['HelloLambdaVersion', 'Version'] },
      Name: 'provisioned',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 3 },
    });
    const stateMachine = template.Resources.HelloStepFunc;
    expect(stateMachine.Condition).toBe('IsProd');
    const [definition, variables] = stateMachine.Properties.DefinitionString['Fn::Sub'];
    expect(JSON.parse(definition)).toEqual({
      StartAt: 'HelloWorld',
      States: { HelloWorld: { Type: 'Task', Resource: '${fn}', End: true } },
    });
    expect(variables).toEqual({ fn: { 'Fn::GetAtt': ['HelloLambdaFunction', 'Arn'] } });
    expect(stateMachine.Properties.RoleArn).toEqual({
      'Fn::If': ['IsProd', { 'Fn::GetAtt': ['StepRole', 'Arn'] }, { Ref: 'AWS::NoValue' }],
    });
    expect(template.Outputs.HelloStepFuncArn).toEqual({
      Value: { Ref: 'HelloStepFunc' },
      Export: { Name: { 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'arn']] } },
    });
  });

  it('gives the same result as the equivalent JSON template', () => {
    const template = parseTemplateText(text);
    expect(parseTemplateText(JSON.stringify(template, null, 2))).toEqual(template);
  });
});

describe('parseTemplateText: errors', () => {
  it('is a named Error subclass', () => {
    const error = syntaxError('a: [1, 2\n');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TemplateSyntaxError');
    expect(error.source).toBe('template');
    expect(error.message.startsWith('template:')).toBe(true);
  });

  it('reports a syntax error with the source, line and column', () => {
    const error = syntaxError('Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n   Properties: {}\n', 'my.yaml');
    expect(error.source).toBe('my.yaml');
    expect(error.line).toBe(4);
    expect(error.column).toBeGreaterThan(0);
    expect(error.message).toMatch(new RegExp(`^my\\.yaml:4:${error.column}: \\S`));
  });

  it.each<[string, string, number, RegExp]>([
    ['an unknown tag', 'Resources:\n  B:\n    Type: !Foo x\n', 3, /Unresolved tag: !Foo/],
    ['an unknown tag on a collection', 'a:\n  b: !Foo [x]\n', 2, /Unresolved tag: !Foo/],
    ['a duplicate key', 'Resources:\n  B:\n    Type: A\n    Type: B\n', 4, /Map keys must be unique/],
    ['a duplicate top-level section', 'Resources: {}\nOutputs: {}\nResources: {}\n', 3, /Map keys must be unique/],
    ['an alias', 'a: &tags {k: v}\nb: *tags\n', 2, /aliases are not allowed/],
    ['a timestamp tag', 'a: !!timestamp 2001-12-14\n', 1, /Unresolved tag/],
    ['a binary tag', 'a: !!binary aGVsbG8=\n', 1, /Unresolved tag/],
    ['a set tag', 'a: !!set {x, y}\n', 1, /Unresolved tag/],
    ['several documents', 'a: 1\n---\nb: 2\n', 2, /multiple documents/],
    ['a collection as key', '? [a, b]\n: c\n', 1, /keys must be strings/],
    ['a tagged key', '!Ref a: b\n', 1, /keys must be strings/],
    ['bad indentation', 'a:\n  b: 1\n c: 2\n', 3, /./],
  ])('rejects %s', (_name, text, line, message) => {
    const error = syntaxError(text, 'x.yaml');
    expect(error.line).toBe(line);
    expect(error.message).toMatch(new RegExp(`^x\\.yaml:${line}:\\d+: `));
    expect(error.message).toMatch(message);
  });
});

describe('parseTemplateText: indentation as PyYAML (cfn-lint, SAM CLI) reads it', () => {
  const TRICKY = join(__dirname, '..', '..', '..', 'fixtures', 'yaml');
  const tricky = readdirSync(TRICKY).filter((f) => f.endsWith('.yaml'));
  const read = (f: string): string => readFileSync(join(TRICKY, f), 'utf8');
  /** What the `yaml` package says on its own (YAML 1.2's indentation rules). */
  const strictErrors = (text: string): string[] => parseDocument(text, { version: '1.1' }).errors.map((e) => e.code);

  it('a flow map indented less than its parent key (and its closing brace further left)', () => {
    const text =
      'Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Environment:\n        Variables: {\n          A: b,\n      C: d\n    }\n      Handler: h\n';
    expect(strictErrors(text)).toContain('BAD_INDENT');
    expect(parseTemplateText(text)).toEqual({
      Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { A: 'b', C: 'd' } }, Handler: 'h' } } },
    });
  });

  it('a flow map in a block sequence, continued on a line indented less than the dash', () => {
    const text = 'Resources:\n  Fn:\n    Properties:\n      Tags:\n      - {Key: a,\n    Value: b}\n      - {Key: c, Value: d}\n';
    expect(strictErrors(text)).toContain('BAD_INDENT');
    expect(parseTemplateText(text)).toEqual({
      Resources: {
        Fn: {
          Properties: {
            Tags: [
              { Key: 'a', Value: 'b' },
              { Key: 'c', Value: 'd' },
            ],
          },
        },
      },
    });
  });

  it.each<[string, string, unknown]>([
    ['a flow sequence down to column 0', 'a:\n  b: [x,\ny]\n  c: d\n', { a: { b: ['x', 'y'], c: 'd' } }],
    ['a comment at column 0 inside a flow map', 'a:\n  b: {x: 1,\n# c\n y: 2}\n  c: d\n', { a: { b: { x: 1, y: 2 }, c: 'd' } }],
    ['nested flow collections', 'a:\n  - [1,\n  [2,\n 3], {k:\nv}]\n  - 4\n', { a: [[1, [2, 3], { k: 'v' }], 4] }],
    [
      'short tags inside',
      "a:\n  b: !Join ['-', [\n !Ref X,\n!GetAtt Y.Arn]]\n",
      { a: { b: { 'Fn::Join': ['-', [{ Ref: 'X' }, { 'Fn::GetAtt': ['Y', 'Arn'] }]] } } },
    ],
    ['a double-quoted scalar continued at column 0', 'a:\n  b: "x\ny \\"z\\""\n  c: d\n', { a: { b: 'x y "z"', c: 'd' } }],
    ['a single-quoted scalar continued at column 1', "a:\n  b: 'it''s\n a'\n  c: d\n", { a: { b: "it's a", c: 'd' } }],
    ['brackets, braces and hashes in quoted strings', 'a:\n  b: {x: "[", y: \'{#\',\n z: "}"}\n', { a: { b: { x: '[', y: '{#', z: '}' } } }],
    ['a tab that starts a line in a flow map (libyaml, which cfn-lint uses, takes it)', 'a: {b: 1,\n\tc: 2}\n', { a: { b: 1, c: 2 } }],
    ['CRLF line ends', 'a:\r\n  b: [x,\r\n y]\r\n', { a: { b: ['x', 'y'] } }],
  ])('%s', (_name, text, expected) => {
    expect(strictErrors(text).length).toBeGreaterThan(0);
    expect(parseTemplateText(text)).toEqual(expected);
  });

  it('steps over block scalars and plain multi-line scalars that hold brackets, braces and quotes', () => {
    const value = parseTemplateText(read('block-scalars.yaml')) as any;
    const p = value.Resources.Fn.Properties;
    expect(p.Code.ZipFile).toBe('exports.handler = async (event) => {\n  const s = "unclosed [ { \'\n  return {ok: true\n');
    expect(p.Description).toBe('folded { [ " text');
    expect(p.Literal).toBe('  indented by two more\n{\n');
    expect(p.Environment).toEqual({ Variables: { A: 'b' } });
    const plain = parseTemplateText(read('plain-multiline.yaml')) as any;
    expect(plain.Description).toBe('this description goes on [not a list, and "not a quote {nor a map');
    expect(plain.Resources.Q.Properties.Tags).toEqual([
      { Key: 'k', Value: 'v "continued' },
      { Key: 'x', Value: 'y' },
    ]);
  });

  it.each(tricky.filter((f) => !f.startsWith('reject-')))('reads %s (test/fixtures/yaml)', (f) => {
    expect(() => parseTemplateText(read(f), f)).not.toThrow();
  });

  it('most of those files are rejected by YAML 1.2 alone (so they test the leniency)', () => {
    const rejected = tricky.filter((f) => !f.startsWith('reject-') && strictErrors(read(f)).length > 0);
    expect(rejected.length).toBeGreaterThanOrEqual(tricky.filter((f) => !f.startsWith('reject-')).length - 1);
  });

  it('a lone - in a flow collection is the string "-", as libyaml reads it', () => {
    const text = "a: !Join [-, [x, y]]\nb: {k: -}\nc: [-a, '-', -]\n";
    expect(strictErrors(text).length).toBeGreaterThan(0);
    expect(parseTemplateText(text)).toEqual({ a: { 'Fn::Join': ['-', ['x', 'y']] }, b: { k: '-' }, c: ['-a', '-', '-'] });
  });

  it.each<[string, number, RegExp]>([
    ['reject-duplicate-key.yaml', 6, /Map keys must be unique/],
    ['reject-unclosed-flow.yaml', 6, /Flow map in block collection must be sufficiently indented/],
    ['reject-plain-under-indented.yaml', 7, /Implicit map keys need to be followed by map values/],
  ])('still rejects %s, as cfn-lint does', (f, line, message) => {
    const error = syntaxError(read(f), f);
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
  });

  it('reports positions in the text as written, not as re-indented', () => {
    // The alias is on a line that the lenient reading indents by 4 more columns.
    const error = syntaxError('a: [x,\n*y]\n', 't.yaml');
    expect(error.message).toMatch(/^t\.yaml:2:1: YAML aliases are not allowed/);
  });

  it('lenientText: nothing to do outside flow collections and quoted scalars', () => {
    expect(lenientText('a: |\n  {\n  "\nb: [1, 2]\nc: d {e\n  [f\n')).toBeUndefined();
  });

  it('lenientText: one column past the outermost opening bracket or quote, blank lines left alone', () => {
    expect(lenientText('a:\n  b: [x,\n\ny, [z,\n w]]\n  c: "q\nr"\n')).toEqual({
      text: 'a:\n  b: [x,\n\n      y, [z,\n      w]]\n  c: "q\n      r"\n',
      shifts: [0, 0, 0, 6, 5, 0, 6, 0],
    });
    // Unclosed: the text is broken anyway, and the original error is the one to report.
    expect(lenientText('a: [x,\ny\n')).toBeUndefined();
  });

  it('property: every generated lenient layout means the value it was built from', () => {
    fc.assert(
      fc.property(layout, (l) => {
        expect(parseTemplateText(l.text)).toEqual(l.value);
      }),
      { numRuns: 300, seed: 20261127 },
    );
  });
});

describe('parseTemplateText: prototype safety', () => {
  afterEach(() => {
    expect(({} as any).polluted).toBeUndefined();
    expect((Object.prototype as any).polluted).toBeUndefined();
  });

  it.each([
    ['YAML', '__proto__: {polluted: 1}\nconstructor: {prototype: {polluted: 2}}\n'],
    ['JSON', '{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}}'],
  ])('keeps __proto__ and constructor as plain data keys (%s)', (_format, text) => {
    const result = parseTemplateText(text) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toEqual({ polluted: 1 });
    expect((result as any).polluted).toBeUndefined();
    expect(typeof result.constructor).toBe('object');
  });

  it('does so in nested mappings and under tags', () => {
    const result = parseTemplateText('a:\n  __proto__: !Ref x\nb: !Sub ["s", {__proto__: {polluted: 1}}]\n') as any;
    expect(Object.getPrototypeOf(result.a)).toBe(Object.prototype);
    expect(Object.keys(result.a)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(result.a, '__proto__')?.value).toEqual({ Ref: 'x' });
    const vars = result.b['Fn::Sub'][1];
    expect(Object.keys(vars)).toEqual(['__proto__']);
    expect(vars.polluted).toBeUndefined();
  });
});

describe('toYaml', () => {
  it('writes block YAML in object key order, without tags', () => {
    const yaml = toYaml({
      Resources: { B: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': '${AWS::StackName}-b' } } } },
      AWSTemplateFormatVersion: '2010-09-09',
      Outputs: { Arn: { Value: { 'Fn::GetAtt': ['B', 'Arn'] } } },
    });
    expect(yaml).toBe(
      [
        'Resources:',
        '  B:',
        '    Type: AWS::S3::Bucket',
        '    Properties:',
        '      BucketName:',
        '        Fn::Sub: ${AWS::StackName}-b',
        'AWSTemplateFormatVersion: "2010-09-09"',
        'Outputs:',
        '  Arn:',
        '    Value:',
        '      Fn::GetAtt:',
        '        - B',
        '        - Arn',
        '',
      ].join('\n'),
    );
  });

  it.each(['2010-09-09', 'yes', 'No', 'on', 'y', 'N', '1.0', '42', '012345678901', '08', '1e5', '0x1F', '1:30', '~', 'null', '', ' padded '])(
    'quotes the string %j',
    (str) => {
      const yaml = toYaml({ v: str });
      expect(yaml).not.toBe(`v: ${str}\n`);
      expect(parseTemplateText(yaml)).toEqual({ v: str });
    },
  );

  it('keeps long strings on one line', () => {
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    expect(toYaml({ Description: long })).toBe(`Description: ${long}\n`);
  });

  it('writes numbers that YAML 1.1 reads back as numbers', () => {
    const numbers = { big: 1e21, small: 5e-7, negative: -12, float: 1.5, inf: Infinity };
    const yaml = toYaml(numbers);
    expect(yaml).toBe('big: 1.0e+21\nsmall: 5.0e-7\nnegative: -12\nfloat: 1.5\ninf: .inf\n');
    expect(parseTemplateText(yaml)).toEqual(numbers);
  });

  it('writes a shared object twice instead of using an alias', () => {
    const tags = [{ Key: 'team', Value: 'x' }];
    const yaml = toYaml({ A: { Tags: tags }, B: { Tags: tags } });
    expect(yaml).not.toMatch(/[&*]/);
    expect(parseTemplateText(yaml)).toEqual({ A: { Tags: tags }, B: { Tags: tags } });
  });
});

describe('round trip: parseTemplateText(toYaml(x)) equals x', () => {
  it('for a long-form template with multi-line strings, __proto__ keys and ambiguous strings', () => {
    const proto = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": "c"}');
    const template = {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: 'multi\nline\n  indented\n',
      Metadata: { proto, noFinalNewline: 'a\nb', trailing: 'a\n\n', spaces: 'a  \n  b', tab: 'a\tb' },
      Parameters: { Flag: { Type: 'String', AllowedValues: ['yes', 'no', 'true'], Default: 'yes' } },
      Mappings: { M: { 'us-east-1': { Ami: 'ami-1', Version: '1.10', Account: '012345678901' } } },
      Resources: {
        F: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Code: { ZipFile: 'def handler(event, context):\n    return {"ok": True}  # comment\n' },
            Timeout: 60,
            Enabled: true,
            Nothing: null,
            Empty: {},
            None: [],
            Keys: { yes: 1, '1': 2, '<<': 3, '': 4, 'a: b': 5, '#x': 6 },
            Unicode: 'Grüße ✓',
            Sub: { 'Fn::Sub': ['${A}-${!Literal}', { A: { Ref: 'AWS::Region' } }] },
          },
        },
      },
    };
    const yaml = toYaml(template);
    expect(yaml).toContain('Description: |\n');
    const back = parseTemplateText(yaml) as any;
    expect(back).toEqual(template);
    expect(Object.keys(back.Metadata.proto)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(back.Metadata.proto)).toBe(Object.prototype);
    expect(back.Metadata.proto.polluted).toBeUndefined();
  });

  it('for a template written with short forms', () => {
    const template = parseTemplateText(
      'Resources:\n  I:\n    Properties:\n      UserData:\n        Fn::Base64: !Sub |\n          #!/bin/bash\n          echo ${AWS::Region}\n      Zones: !GetAZs ""\n',
    );
    expect(parseTemplateText(toYaml(template))).toEqual(template);
  });

  it('for arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(parseTemplateText(toYaml(value))).toEqual(value);
      }),
    );
  });
});
