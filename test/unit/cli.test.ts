/**
 * The CLI edge (macro/cli/main.ts `run(argv, io)`) with an in-memory file system: exit codes,
 * argument errors, the Transform section, parameters, output formats, the report, the diff, and
 * `check`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECK_USAGE, TRANSFORM_USAGE, USAGE, VERIFY_USAGE } from '../../macro/cli/commands';
import { run, type Io } from '../../macro/cli/main';
import { parseTemplateText } from '../../macro/cli/yaml/template';
import { formatValue } from '../../macro/cfn/parts';
import type { JsonObject } from '../../macro/types';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], files: Record<string, string> = {}, stdin?: string): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    readFile: (path) => {
      if (!Object.prototype.hasOwnProperty.call(files, path)) {
        const e = new Error(`ENOENT: no such file or directory, open '${path}'`);
        throw Object.assign(e, { code: 'ENOENT' });
      }
      return files[path];
    },
    readStdin: () => {
      if (stdin === undefined) throw new Error('no stdin');
      return stdin;
    },
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

const resources = (definitionResource = '!GetAtt Fn.Arn', extraAliases = ''): string => `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: my-fn
  Ver:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: !GetAtt Ver.Version
      Name: live
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 1
${extraAliases}  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: invoke
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: lambda:InvokeFunction
                Resource: '*'
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: !GetAtt Role.Arn
      Definition:
        StartAt: Work
        States:
          Work:
            Type: Task
            Resource: ${definitionResource}
            End: true
`;

const BLUE = `  Blue:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: !GetAtt Ver.Version
      Name: blue
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 1
`;

const withTransform = (transform: string, body = resources()): string => `AWSTemplateFormatVersion: '2010-09-09'\nTransform: ${transform}\n${body}`;
const TEMPLATE = withTransform('WarmStepFunctions');

const yamlOf = (s: string): JsonObject => parseTemplateText(s) as JsonObject;
const workResource = (out: JsonObject): unknown =>
  ((out.Resources as JsonObject).Flow as { Properties: { Definition: { States: { Work: { Resource: unknown } } } } }).Properties.Definition.States.Work
    .Resource;

describe('--help and --version', () => {
  test('--help prints the usage on stdout and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${USAGE}\n`);
    expect(r.stderr).toBe('');
  });

  test.each<[string, string]>([
    ['transform', TRANSFORM_USAGE],
    ['check', CHECK_USAGE],
    ['verify', VERIFY_USAGE],
  ])('%s --help (and -h) prints its own usage on stdout and exits 0, whatever else is given', async (command, usage) => {
    for (const argv of [
      [command, '--help'],
      [command, '-h'],
      [command, 't.yaml', '--param', 'Mode=report', '--help'],
      [command, '--bogus', '-h'],
    ]) {
      const r = await cli(argv, { 't.yaml': TEMPLATE });
      expect({ argv, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ argv, code: 0, stdout: `${usage}\n`, stderr: '' });
    }
    expect(usage.startsWith(`Usage: warm-step-functions ${command} `)).toBe(true);
  });

  test('--version prints the package version, alone or after a command', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    for (const argv of [['--version'], ['transform', '--version'], ['check', '--version'], ['verify', '--version']]) {
      const r = await cli(argv);
      expect({ argv, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ argv, code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});

describe('usage and exit code 2', () => {
  test("an unknown option with no --help: still exit 2, the message, and the command's usage", async () => {
    const r = await cli(['verify', '--stack', 's', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: unknown option --bogus\n\n${VERIFY_USAGE}\n`);
  });

  test.each<[string, string[], string]>([
    ['unknown command', ['frobnicate', 't.yaml'], 'error: unknown command frobnicate'],
    ['unknown option', ['transform', 't.yaml', '--bogus'], 'error: unknown option --bogus'],
    ['bad --format', ['transform', 't.yaml', '--format', 'xml'], 'error: --format must be yaml or json, got xml'],
    ['--format without a value', ['transform', 't.yaml', '--format'], 'error: --format needs a value'],
    ['--param without =', ['transform', 't.yaml', '--param', 'Mode'], 'error: --param takes Key=Value, got Mode'],
    ['--param with an empty key', ['transform', 't.yaml', '--param', '=x'], 'error: --param takes Key=Value, got =x'],
    ['bad --report', ['transform', 't.yaml', '--report', 'yaml'], 'error: --report takes json, got yaml'],
    ['no file', ['transform'], 'error: transform needs a template file (or - for stdin)'],
    ['check without a file', ['check'], 'error: check needs a template file (or - for stdin)'],
    [
      'an option of transform given to check',
      ['check', 't.yaml', '--diff'],
      'error: --diff is not an option of check (it takes --format, --param, --region, --account-id)',
    ],
    ['an option of verify given to transform', ['transform', 't.yaml', '--stack', 's'], 'error: --stack is not an option of transform'],
    ['a value given to a flag', ['transform', 't.yaml', '--diff=yes'], 'error: --diff takes no value'],
    ['an unknown short option', ['transform', 't.yaml', '-x'], 'error: unknown option -x'],
    ['--format of check', ['check', 't.yaml', '--format', 'yaml'], 'error: --format of check must be text, json or sarif, got yaml'],
    ['--param without a value', ['check', 't.yaml', '--param'], 'error: --param needs a value'],
    ['--report given to check', ['check', 't.yaml', '--report', 'json'], 'error: --report is not an option of check'],
    ['--region without a value', ['transform', 't.yaml', '--region'], 'error: --region needs a value'],
  ])('%s', async (_name, argv, message) => {
    const r = await cli(argv, { 't.yaml': TEMPLATE });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('Usage:');
    expect(r.stdout).toBe('');
  });

  test('a missing file', async () => {
    const r = await cli(['transform', 'nope.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot read nope\.yaml: ENOENT/);
    expect(r.stdout).toBe('');
  });

  test('a YAML syntax error names the file, line and column', async () => {
    const r = await cli(['transform', 'bad.yaml'], { 'bad.yaml': 'Resources:\n  A: [1, 2\n  B: 3\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: bad\.yaml:\d+:\d+: /);
  });

  test('an unknown short-form tag is a syntax error', async () => {
    const r = await cli(['check', 'bad.yaml'], { 'bad.yaml': 'Resources:\n  A: !Bogus x\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.yaml:2:');
  });

  test('a template that is not a map', async () => {
    const r = await cli(['transform', 'list.yaml'], { 'list.yaml': '- a\n- b\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: list.yaml is not a CloudFormation template (not a JSON/YAML object)\n');
  });
});

describe('transform', () => {
  test('rewrites, prints YAML for a YAML input, summarises on stderr, exits 0', async () => {
    const r = await cli(['transform', 't.yaml'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    const out = yamlOf(r.stdout);
    expect(workResource(out)).toEqual({ Ref: 'Live' });
    expect(out.Transform).toBeUndefined();
    expect(r.stderr).toContain('rewritten  Flow States.Work:');
    expect(r.stderr).toContain('WarmStepFunctions: 1 invocation rewritten in 1 of 1 state machine; 0 IAM grants added; 0 left cold; 0 warnings.');
  });

  test('the output keeps the key order of the input', async () => {
    const r = await cli(['transform', 't.yaml'], { 't.yaml': withTransform('[AWS::Serverless-2016-10-31, WarmStepFunctions]') });
    expect(Object.keys(yamlOf(r.stdout))).toEqual(['AWSTemplateFormatVersion', 'Transform', 'Resources']);
  });

  test('reads stdin with -', async () => {
    const r = await cli(['transform', '-', '--format', 'json'], {}, TEMPLATE);
    expect(r.code).toBe(0);
    expect(workResource(JSON.parse(r.stdout))).toEqual({ Ref: 'Live' });
  });

  test('a JSON input gives JSON output; --format yaml overrides', async () => {
    const json = JSON.stringify(yamlOf(TEMPLATE), null, 2);
    const a = await cli(['transform', 't.json'], { 't.json': json });
    expect(a.code).toBe(0);
    expect(workResource(JSON.parse(a.stdout))).toEqual({ Ref: 'Live' });
    const b = await cli(['transform', 't.json', '--format', 'yaml'], { 't.json': json });
    expect(b.stdout.trimStart().startsWith('{')).toBe(false);
    expect(yamlOf(b.stdout)).toEqual(JSON.parse(a.stdout));
  });

  test('--format json on a YAML input', async () => {
    const r = await cli(['transform', 't.yaml', '--format', 'json'], { 't.yaml': TEMPLATE });
    expect(r.stdout.endsWith('}\n')).toBe(true);
    expect(JSON.parse(r.stdout).AWSTemplateFormatVersion).toBe('2010-09-09');
  });

  test.each<[string, string, unknown]>([
    ['a string: removed', 'WarmStepFunctions', undefined],
    ['a list of one: removed', '[WarmStepFunctions]', undefined],
    ['SAM first: SAM kept', '[AWS::Serverless-2016-10-31, WarmStepFunctions]', ['AWS::Serverless-2016-10-31']],
    ['SAM after: SAM kept', '[WarmStepFunctions, AWS::Serverless-2016-10-31]', ['AWS::Serverless-2016-10-31']],
    ['others kept in order', '[A, WarmStepFunctions, B]', ['A', 'B']],
    ['{Name, Parameters}: removed', '[{Name: WarmStepFunctions, Parameters: {Mode: rewrite}}, AWS::Serverless-2016-10-31]', ['AWS::Serverless-2016-10-31']],
    ['{Name} other macros with parameters kept', '[{Name: Other, Parameters: {X: 1}}, WarmStepFunctions]', [{ Name: 'Other', Parameters: { X: 1 } }]],
  ])('Transform as %s', async (_name, transform, remaining) => {
    const r = await cli(['transform', 't.yaml'], { 't.yaml': withTransform(transform) });
    expect(r.code).toBe(0);
    const out = yamlOf(r.stdout);
    expect(out.Transform).toEqual(remaining);
    expect(workResource(out)).toEqual({ Ref: 'Live' });
  });

  test('a template without the Transform is printed unchanged, with a note', async () => {
    const body = `AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n${resources()}`;
    const r = await cli(['transform', 't.yaml'], { 't.yaml': body });
    expect(r.code).toBe(0);
    expect(yamlOf(r.stdout)).toEqual(yamlOf(body));
    expect(r.stderr).toBe('t.yaml: Transform does not list WarmStepFunctions; the macro would not run, so nothing changes.\n');
  });

  test('Transform parameters are used; --param overrides them', async () => {
    const body = withTransform('[{Name: WarmStepFunctions, Parameters: {AliasName: blue}}]', resources('!GetAtt Fn.Arn', BLUE));
    const a = await cli(['transform', 't.yaml'], { 't.yaml': body });
    expect(a.code).toBe(0);
    expect(workResource(yamlOf(a.stdout))).toEqual({ Ref: 'Blue' });
    const b = await cli(['transform', 't.yaml', '--param', 'AliasName=live'], { 't.yaml': body });
    expect(b.code).toBe(0);
    expect(workResource(yamlOf(b.stdout))).toEqual({ Ref: 'Live' });
  });

  test('--param values may contain =', async () => {
    const r = await cli(['transform', 't.yaml', '--param', 'AliasName=a=b'], {
      't.yaml': withTransform('WarmStepFunctions', resources('!GetAtt Fn.Arn', BLUE)),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("AliasName is 'a=b'");
  });

  test('--param Mode=report changes nothing but reports', async () => {
    const r = await cli(['transform', 't.yaml', '--param', 'Mode=report', '--report', 'json'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    expect(workResource(yamlOf(r.stdout))).toEqual({ 'Fn::GetAtt': ['Fn', 'Arn'] });
    expect(JSON.parse(r.stderr).summary.rewritten).toBe(1);
  });

  test('--param Mode=report: the summary says nothing changed', async () => {
    const r = await cli(['transform', 't.yaml', '--param', 'Mode=report'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('would rewrite  Flow States.Work:');
    expect(r.stderr).toContain(
      'WarmStepFunctions (Mode report, nothing changed): 1 invocation would be rewritten in 1 state machine; 0 IAM grants would be added; 0 left cold; 0 warnings.',
    );
  });

  test('--report json writes the whole report as JSON on stderr', async () => {
    const r = await cli(['transform', 't.yaml', '--report', 'json'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stderr);
    expect(report.summary).toEqual({ stateMachines: 1, modifiedStateMachines: 1, rewritten: 1, cold: 0, warnings: 0, iamGrantsAdded: 0 });
    expect(report.decisions).toEqual([expect.objectContaining({ action: 'rewritten', stateMachine: 'Flow', state: 'Work', function: 'Fn' })]);
  });

  test('--diff prints a unified diff with - and + lines instead of the template', async () => {
    const r = await cli(['transform', 't.yaml', '--diff'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('--- t.yaml (input)');
    expect(lines).toContain('+++ t.yaml (after WarmStepFunctions)');
    expect(lines).toContain('-Transform: WarmStepFunctions');
    expect(lines.some((l) => /^-\s+Resource:\s*$/.test(l) || /^-\s+Fn::GetAtt:/.test(l))).toBe(true);
    expect(lines.some((l) => /^\+\s+Ref: Live$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('@@'))).toBe(true);
  });

  test('--diff without the Transform prints nothing', async () => {
    const r = await cli(['transform', 't.yaml', '--diff'], { 't.yaml': resources() });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  test('the macro fails: exit 1 with the message', async () => {
    const r = await cli(['transform', 't.yaml'], { 't.yaml': withTransform('WarmStepFunctions', resources('!GetAtt Fn.Arn', BLUE)) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^WarmStepFunctions failed: Resource with id \[Flow\] is invalid\. .*Live \(Name: live\), Blue \(Name: blue\)/);
  });

  test('invalid parameters: exit 1', async () => {
    const r = await cli(['transform', 't.yaml', '--param', 'Mode=fast'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^WarmStepFunctions failed: .*Mode must be one of rewrite, report, strict.*"fast"/);
  });

  test('ResolveExternal is refused by the CLI: exit 1', async () => {
    const r = await cli(['transform', 't.yaml', '--param', 'ResolveExternal=true'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ResolveExternal');
  });
});

describe('YAML that PyYAML, SAM CLI and cfn-lint read: flow maps indented less than their keys', () => {
  const lenient = withTransform(
    'WarmStepFunctions',
    resources().replace(
      '      ProvisionedConcurrencyConfig:\n        ProvisionedConcurrentExecutions: 1\n',
      '      ProvisionedConcurrencyConfig: {\n    ProvisionedConcurrentExecutions: 1}\n      Tags:\n      - {Key: a,\n    Value: b}\n',
    ),
  );

  test('transform reads it as cfn-lint does and rewrites: exit 0', async () => {
    expect(lenient).toContain('      - {Key: a,\n    Value: b}');
    const r = await cli(['transform', 't.yaml', '--format', 'json'], { 't.yaml': lenient });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(workResource(out)).toEqual({ Ref: 'Live' });
    expect(out.Resources.Live.Properties).toMatchObject({
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
      Tags: [{ Key: 'a', Value: 'b' }],
    });
  });

  test('check reads it too: exit 0', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': lenient });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/^No cold paths \(after WarmStepFunctions\)/) });
  });

  test('a duplicate key is still an error, as in cfn-lint: exit 2 with its line', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': lenient.replace('Value: b}', 'Key: b}') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/t\.yaml:\d+:\d+: Map keys must be unique/);
  });
});

describe('check', () => {
  test('without the Transform: exit 1, each cold path listed, with a hint', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': resources() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 cold path (as written):\n');
    const line = r.stdout.split('\n').find((l) => l.startsWith('  Flow States.Work: '));
    expect(line).toBeDefined();
    // The line names what the state invokes and the warm target it should use.
    expect(line).toContain(`invokes ${formatValue({ 'Fn::GetAtt': ['Fn', 'Arn'] })} `);
    expect(line).toContain(formatValue({ Ref: 'Live' }));
    expect(r.stdout).toContain('Add "Transform: WarmStepFunctions" to the template');
    expect(r.stderr).toBe('');
  });

  test('with the Transform: the macro fixes the path, exit 0', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': TEMPLATE });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'No cold paths (after WarmStepFunctions): every state that invokes a function needing a published target (provisioned concurrency, SnapStart, durable, Managed Instances) goes through it.\n',
    );
  });

  test('already invoking the alias, no Transform: exit 0', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': resources('!Ref Live') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No cold paths (as written)');
  });

  test('a version the warm alias points to is fixed by the macro: exit 0', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': withTransform('WarmStepFunctions', resources('!Ref Ver')) });
    expect(r.code).toBe(0);
  });

  test('an explicit cold qualifier stays a cold path even with the Transform: exit 1', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': withTransform('WarmStepFunctions', resources('!Sub "${Fn.Arn}:7"')) });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 cold path (after WarmStepFunctions):');
    expect(r.stdout).toContain('Flow States.Work');
    expect(r.stdout).not.toContain('Add "Transform');
  });

  test('two cold paths are both listed', async () => {
    const body = resources().replace(
      '            End: true\n',
      '            Next: Again\n          Again:\n            Type: Task\n            Resource: !Sub "${Fn.Arn}:$LATEST"\n            End: true\n',
    );
    const r = await cli(['check', 't.yaml'], { 't.yaml': body });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('2 cold paths (as written):');
    expect(r.stdout).toContain('Flow States.Work');
    expect(r.stdout).toContain('Flow States.Again');
  });

  test('check when the macro would fail: exit 1', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': withTransform('WarmStepFunctions', resources('!GetAtt Fn.Arn', BLUE)) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('WarmStepFunctions failed:');
  });
});

describe('--region and --account-id: where the template will be deployed', () => {
  // A literal ARN in eu-west-1 names the template's own function only when deploying to eu-west-1.
  const literal = withTransform('WarmStepFunctions', resources('arn:aws:lambda:eu-west-1:111122223333:function:my-fn'));

  test("transform: the deployment region and account decide whether a literal ARN is the template's own", async () => {
    const same = await cli(['transform', 't.yaml', '--region', 'eu-west-1', '--account-id', '111122223333', '--format', 'json'], { 't.yaml': literal });
    expect(same.code).toBe(0);
    expect(workResource(JSON.parse(same.stdout) as JsonObject)).toEqual({ Ref: 'Live' });
    const other = await cli(['transform', 't.yaml', '--region', 'us-east-1', '--account-id', '111122223333', '--format', 'json'], { 't.yaml': literal });
    expect(other.code).toBe(0);
    expect(workResource(JSON.parse(other.stdout) as JsonObject)).toBe('arn:aws:lambda:eu-west-1:111122223333:function:my-fn');
  });

  test('check takes them too', async () => {
    const r = await cli(['check', 't.yaml', '--region', 'eu-west-1', '--account-id', '111122223333'], { 't.yaml': literal });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No cold paths (after WarmStepFunctions)');
  });
});

describe('circular dependencies (issue 12)', () => {
  const fixture = (name: string): Record<string, string> => ({ [name]: readFileSync(join(__dirname, '..', 'fixtures', 'input', name), 'utf8') });

  // serverless-step-functions' `${functionArn}:*` grant (with serverless-pseudo-parameters) covers
  // `svc-dev-SplitPdf:provisioned` whether or not the deployment is known; the slot goes by literal ARN.
  test.each<[string, string[]]>([
    ['without --region and --account-id', []],
    ['with them', ['--region', 'us-east-1', '--account-id', '123456789012']],
  ])('transform %s: the literal ARN is covered by the grant already there, nothing is added', async (_name, where) => {
    const r = await cli(['transform', 'iam_serverless_pseudo_parameters.yaml', ...where], fixture('iam_serverless_pseudo_parameters.yaml'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('2 invocations rewritten in 1 of 1 state machine; 0 IAM grants added; 0 left cold; 0 warnings.');
    expect(r.stdout).not.toContain('WarmStepFunctionsInvoke');
  });

  test('check: the literal ARN the macro writes is warm', async () => {
    const r = await cli(['check', 'cycle_serverless_role.json'], fixture('cycle_serverless_role.json'));
    expect(r.stdout).toBe(
      'No cold paths (after WarmStepFunctions): every state that invokes a function needing a published target (provisioned concurrency, SnapStart, durable, Managed Instances) goes through it.\n',
    );
    expect(r.code).toBe(0);
  });

  test('check: a slot the macro must leave (no literal ARN) is a cold path, and says why', async () => {
    const r = await cli(['check', 'cycle_no_literal.yaml'], fixture('cycle_no_literal.yaml'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('3 cold paths (after WarmStepFunctions):\n');
    expect(r.stdout).toContain(
      '  Flow States.Work: Resource is left as it is: pointing it at WorkLive would make a circular dependency (Flow → WorkLive → Work → Flow)',
    );
    expect(r.stdout).not.toContain('could not be checked');
  });
});

describe('check: what it could not see into', () => {
  test('an invocation it cannot resolve and a definition in S3: listed, exit 2 when nothing is cold', async () => {
    const body =
      resources().replace(
        '            Resource: !GetAtt Fn.Arn\n',
        '            Resource: arn:aws:states:::lambda:invoke\n            Parameters: {FunctionName: !ImportValue shared-fn}\n',
      ) +
      `  Stored:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: !GetAtt Role.Arn\n      DefinitionS3Location: {Bucket: b, Key: k}\n`;
    const r = await cli(['check', 't.yaml'], { 't.yaml': body });
    expect(r.stdout).toBe(
      [
        'No cold paths (as written) among the invocations the check could read.',
        '2 places could not be checked:',
        '  Flow States.Work: Parameters.FunctionName is {{"Fn::ImportValue":"shared-fn"}}, which the macro cannot resolve to a function of this template or to a literal ARN; if that function has provisioned concurrency, point the state at its alias yourself',
        "  Stored: cannot read Stored's definition at s3://b/k: the CLI reads local files and CDK assets in cdk.out, not S3 (the deployed macro reads it when its deployment lists the bucket in s3DefinitionBuckets); its invocations are left as they are",
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(2);
  });

  test('an explicit Qualifier $LATEST on a warm function is a cold path that the macro moves; an alias with provisioned concurrency is not', async () => {
    const task = (qualifier: string): string =>
      resources().replace(
        '            Resource: !GetAtt Fn.Arn\n',
        `            Resource: arn:aws:states:::lambda:invoke\n            Parameters: {FunctionName: !Ref Fn, Qualifier: '${qualifier}'}\n`,
      );
    // Without the macro, Qualifier $LATEST bypasses the alias; with it, the Qualifier moves to the alias.
    const cold = await cli(['check', 't.yaml'], { 't.yaml': task('$LATEST') });
    expect(cold.code).toBe(1);
    expect(cold.stdout).toContain('Flow States.Work');
    const fixed = await cli(['check', 't.yaml'], { 't.yaml': withTransform('WarmStepFunctions', task('$LATEST')) });
    expect(fixed.code).toBe(0);
    const warm = await cli(['check', 't.yaml'], { 't.yaml': withTransform('WarmStepFunctions', task('live')) });
    expect(warm.code).toBe(0);
  });
});

describe('CLI: defects', () => {
  // Running the CLI without any argument is a usage error (exit 2, as documented), not a success.
  test('no arguments at all: usage and exit 2', async () => {
    const r = await cli([]);
    expect(r.stderr).toContain('Usage:');
    expect(r.code).toBe(2);
  });

  // The CLI knows no region or account, and the core then takes a literal `aws` partition as
  // another deployment: `check` misses a cold path that the deployed macro would rewrite.
  test('check finds a cold path written as arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:NAME', async () => {
    const r = await cli(['check', 't.yaml'], { 't.yaml': resources('!Sub "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:my-fn"') });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 cold path (as written):');
  });

  // A second file is silently ignored: `transform a.yaml b.yaml` prints only a.yaml's result.
  test('an extra positional argument is a usage error', async () => {
    const r = await cli(['transform', 'a.yaml', 'b.yaml'], { 'a.yaml': TEMPLATE, 'b.yaml': TEMPLATE });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('b.yaml');
  });
});
