/**
 * `warm-step-functions check --format json|sarif` (macro/cli/commands/check.ts, macro/cli/format/): every finding carries the
 * file, its line and column in the input as written (YAML or JSON, inside a DefinitionString where
 * the lines map), and the state path; SARIF 2.1.0 for code scanning, shaped as cfn-lint's.
 *
 * No SARIF schema package can be installed here (the ones on npm fetch the schema at run time), so
 * the output is typed with @types/sarif at compile time and its structure is checked below against
 * the schema's required properties and enumerations.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from 'sarif';
import { run, type Io } from '../../macro/cli/main';
import { SourcePositions } from '../../macro/cli/positions';

const ROOT = join(__dirname, '..', '..');

async function cli(argv: string[], files: Record<string, string> = {}, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
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
      if (!Object.hasOwn(files, path)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return files[path];
    },
    readStdin: () => stdin ?? '',
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

interface Finding {
  file: string;
  line: number;
  column: number;
  stateMachine?: string;
  state?: string;
  statePath?: string;
  templatePath: string;
  function?: string;
  invokes?: string;
  warmTarget?: string;
  message: string;
}
interface JsonOut {
  file: string;
  checked: string;
  exitCode: number;
  coldPaths: Finding[];
  notChecked: Finding[];
  macroFails: Finding[];
}

/** 1-based line and column of the first occurrence of `needle` at or after the line that contains `after`. */
function where(text: string, needle: string, after = ''): { line: number; column: number } {
  const lines = text.split('\n');
  const from = after ? lines.findIndex((l) => l.includes(after)) : 0;
  for (let k = Math.max(0, from); k < lines.length; k++) {
    const c = lines[k].indexOf(needle);
    if (c >= 0) return { line: k + 1, column: c + 1 };
  }
  throw new Error(`${needle} not found after ${after}`);
}

const FUNCTIONS = `  Fn:
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
`;

/** Cold paths in every definition form a YAML template can hold, and two places check cannot see into. */
const YAML = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
${FUNCTIONS}  ObjectFlow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      Definition:
        StartAt: Fan
        States:
          Fan:
            Type: Parallel
            Branches:
              - StartAt: Deep
                States:
                  Deep:
                    Type: Task
                    Resource: arn:aws:states:::lambda:invoke
                    Parameters:
                      FunctionName: !GetAtt Fn.Arn
                      Payload.$: $
                    End: true
            Next: Dyn
          Dyn:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters:
              FunctionName.$: $.target
            End: true
  BlockFlow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      DefinitionString: !Sub |
        {
          "StartAt": "First",
          "States": {
            "First": {
              "Type": "Task",
              "Resource": "\${Fn.Arn}",
              "Next": "Second"
            },
            "Second": {
              "Type": "Task",
              "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": { "FunctionName": "\${Fn.Arn}:$LATEST" },
              "End": true
            }
          }
        }
  JoinFlow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      DefinitionString:
        Fn::Join:
          - "\\n"
          - - '{"StartAt": "J", "States": {'
            - '  "J": {"Type": "Task", "End": true,'
            - '    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my-fn"}'
            - '}}'
  Stored:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      DefinitionS3Location:
        Bucket: b
        Key: k
`;

describe('check --format json', () => {
  it('each cold path: file, line and column where the state invokes the function, state machine, state path, and the warm target', async () => {
    const r = await cli(['check', 'flows.yaml', '--format', 'json', '--region', 'us-east-1', '--account-id', '123456789012'], { 'flows.yaml': YAML });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect({ file: out.file, checked: out.checked, exitCode: out.exitCode }).toEqual({ file: 'flows.yaml', checked: 'as written', exitCode: 1 });
    const at = (f: Finding) => ({ sm: f.stateMachine, path: f.statePath, line: f.line, column: f.column });
    expect(out.coldPaths.map(at)).toEqual([
      // A Definition object: the key that names the function.
      { sm: 'ObjectFlow', path: 'States.Fan.Branches[0].States.Deep', ...where(YAML, 'FunctionName: !GetAtt Fn.Arn') },
      // A literal block (|): the line and column inside the definition's own text.
      { sm: 'BlockFlow', path: 'States.First', ...where(YAML, '${Fn.Arn}', '"First": {') },
      { sm: 'BlockFlow', path: 'States.Second', ...where(YAML, '${Fn.Arn}:$LATEST') },
      // Fn::Join: the piece, and the column in it.
      { sm: 'JoinFlow', path: 'States.J', ...where(YAML, 'arn:aws:lambda:us-east-1:123456789012:function:my-fn') },
    ]);
    expect(out.coldPaths[0]).toMatchObject({
      file: 'flows.yaml',
      state: 'Deep',
      templatePath: 'Resources/ObjectFlow/Properties/Definition',
      function: 'Fn',
      invokes: '{Fn.Arn}',
      warmTarget: '{Live}',
    });
    expect(out.coldPaths[0].message).toBe('invokes {Fn.Arn} (unqualified: $LATEST), not {Live}, which has the provisioned concurrency of Fn');
    expect(out.notChecked.map(at)).toEqual([
      // FunctionName.$: the state itself.
      { sm: 'ObjectFlow', path: 'States.Dyn', ...where(YAML, 'Dyn:', 'Next: Dyn') },
      // DefinitionS3Location: the property.
      { sm: 'Stored', path: undefined, ...where(YAML, 'DefinitionS3Location:') },
    ]);
    expect(out.macroFails).toEqual([]);
  });

  it('a JSON template: the line of the key, and in a DefinitionString the column of the value inside the escaped string', async () => {
    const template = {
      Resources: {
        ...(JSON.parse(JSON.stringify(yamlResources())) as object),
        Flow: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            RoleArn: 'arn:aws:iam::123456789012:role/flow',
            DefinitionString: {
              'Fn::Sub': [
                '{"Comment": "a \\"quoted\\" \\u00e9 comment",\n "StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${fn}", "End": true}}}',
                { fn: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
              ],
            },
          },
        },
        Obj: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            RoleArn: 'arn:aws:iam::123456789012:role/flow',
            Definition: { StartAt: 'B', States: { B: { Type: 'Task', Resource: { 'Fn::GetAtt': ['Fn', 'Arn'] }, End: true } } },
          },
        },
      },
    };
    const text = JSON.stringify(template, null, 2);
    const r = await cli(['check', 't.json', '--format', 'json'], { 't.json': text });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.coldPaths.map((f) => [f.stateMachine, f.line, f.column])).toEqual([
      ['Flow', ...Object.values(where(text, '${fn}'))],
      ['Obj', ...Object.values(where(text, '"Resource": {', '"Obj"'))],
    ]);
  });

  it('nothing cold, something not checked: exit 2, and the JSON says so', async () => {
    const body = `Resources:\n${FUNCTIONS}  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: r\n      DefinitionUri: s3://b/k\n`;
    const r = await cli(['check', 't.yaml', '--format', 'json'], { 't.yaml': body });
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out).toMatchObject({
      exitCode: 2,
      coldPaths: [],
      notChecked: [{ stateMachine: 'Flow', templatePath: 'Resources/Flow/Properties/DefinitionUri', ...where(body, 'DefinitionUri:') }],
    });
  });

  it('no cold path: exit 0, empty lists', async () => {
    const body = `Transform: WarmStepFunctions\nResources:\n${FUNCTIONS}  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: r\n      Definition: {StartAt: A, States: {A: {Type: Task, Resource: !GetAtt Fn.Arn, End: true}}}\n`;
    const r = await cli(['check', 't.yaml', '--format', 'json'], { 't.yaml': body });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      file: 't.yaml',
      checked: 'after WarmStepFunctions',
      exitCode: 0,
      failsAtRunTime: [],
      coldPaths: [],
      notChecked: [],
      macroFails: [],
    });
  });

  it('the macro fails (two warm aliases, no AliasName): exit 1, the failure on stderr and as findings with their place', async () => {
    const body = `Transform: WarmStepFunctions\nResources:\n${FUNCTIONS}  Blue:\n    Type: AWS::Lambda::Alias\n    Properties:\n      FunctionName: !Ref Fn\n      FunctionVersion: !GetAtt Ver.Version\n      Name: blue\n      ProvisionedConcurrencyConfig:\n        ProvisionedConcurrentExecutions: 1\n  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties:\n      RoleArn: r\n      Definition: {StartAt: A, States: {A: {Type: Task, Resource: !GetAtt Fn.Arn, End: true}}}\n`;
    const r = await cli(['check', 't.yaml', '--format', 'json'], { 't.yaml': body });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^WarmStepFunctions failed: Resource with id \[Flow\] is invalid\./);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.macroFails).toEqual([
      expect.objectContaining({
        stateMachine: 'Flow',
        line: where(body, 'Definition:').line,
        message: expect.stringMatching(/^WarmStepFunctions fails: .*Live \(Name: live\), Blue \(Name: blue\)/),
      }),
    ]);
  });

  it('invalid Transform parameters: still JSON on stdout', async () => {
    const r = await cli(['check', 't.yaml', '--format', 'json', '--param', 'Mode=fast'], {
      't.yaml': `Transform: WarmStepFunctions\nResources:\n${FUNCTIONS}`,
    });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as JsonOut).macroFails).toEqual([
      expect.objectContaining({ templatePath: 'Transform/WarmStepFunctions/Parameters', line: 1 }),
    ]);
  });

  it('--format text is the default text', async () => {
    const a = await cli(['check', 'flows.yaml'], { 'flows.yaml': YAML });
    const b = await cli(['check', 'flows.yaml', '--format', 'text'], { 'flows.yaml': YAML });
    expect(b).toEqual(a);
    expect(a.stdout).toMatch(/^4 cold paths \(as written\):\n/);
  });
});

function yamlResources(): Record<string, unknown> {
  return {
    Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'my-fn' } },
    Ver: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
    Live: {
      Type: 'AWS::Lambda::Alias',
      Properties: {
        FunctionName: { Ref: 'Fn' },
        FunctionVersion: { 'Fn::GetAtt': ['Ver', 'Version'] },
        Name: 'live',
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0

const LEVELS = new Set(['none', 'note', 'warning', 'error']);
const KINDS = new Set([
  'function',
  'member',
  'module',
  'namespace',
  'parameter',
  'resource',
  'returnType',
  'type',
  'variable',
  'object',
  'array',
  'property',
  'value',
  'element',
  'text',
  'attribute',
  'comment',
  'declaration',
  'dtd',
  'processingInstruction',
]);

/** The SARIF 2.1.0 schema's required properties, enumerations and minimums, for what check writes. Returns the problems. */
function sarifProblems(log: Log): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  const isUriReference = (u: unknown): boolean => typeof u === 'string' && !/[\s"<>\\^`{|}]/.test(u);
  need(log.version === '2.1.0', 'version must be "2.1.0"');
  need(typeof log.$schema === 'string' && /^https:\/\//.test(log.$schema), '$schema is a URI');
  need(Array.isArray(log.runs), 'runs is an array');
  for (const run of log.runs ?? []) {
    const driver = run.tool?.driver;
    need(typeof driver?.name === 'string' && driver.name.length > 0, 'run.tool.driver.name');
    const ruleIds = (driver?.rules ?? []).map((r) => r.id);
    for (const rule of driver?.rules ?? []) {
      need(typeof rule.id === 'string', 'rule.id');
      need(rule.defaultConfiguration?.level === undefined || LEVELS.has(rule.defaultConfiguration.level), 'rule level');
      need(typeof rule.shortDescription?.text === 'string', 'rule.shortDescription.text');
    }
    for (const [name, base] of Object.entries(run.originalUriBaseIds ?? {}))
      need(base.uri !== undefined || base.description !== undefined, `originalUriBaseIds.${name}`);
    for (const a of run.artifacts ?? []) need(isUriReference(a.location?.uri), 'artifact location uri');
    for (const inv of run.invocations ?? []) need(typeof inv.executionSuccessful === 'boolean', 'invocation.executionSuccessful');
    need(run.columnKind === undefined || run.columnKind === 'utf16CodeUnits' || run.columnKind === 'unicodeCodePoints', 'columnKind');
    for (const result of run.results ?? []) {
      need(typeof result.message?.text === 'string' || typeof result.message?.id === 'string', 'result.message needs text or id');
      need(result.level === undefined || LEVELS.has(result.level), 'result.level');
      need(result.ruleId === undefined || ruleIds.includes(result.ruleId), `ruleId ${result.ruleId} among the rules`);
      need(
        result.ruleIndex === undefined || (Number.isInteger(result.ruleIndex) && driver?.rules?.[result.ruleIndex]?.id === result.ruleId),
        'ruleIndex points at its rule',
      );
      for (const loc of result.locations ?? []) {
        const phys = loc.physicalLocation;
        if (phys) {
          need(phys.artifactLocation !== undefined || phys.address !== undefined, 'physicalLocation needs artifactLocation or address');
          need(isUriReference(phys.artifactLocation?.uri), 'artifactLocation.uri is a URI reference');
          need(
            phys.artifactLocation?.uriBaseId === undefined || Object.hasOwn(run.originalUriBaseIds ?? {}, phys.artifactLocation.uriBaseId),
            'uriBaseId is declared',
          );
          need(phys.artifactLocation?.index === undefined || (run.artifacts ?? [])[phys.artifactLocation.index] !== undefined, 'artifact index');
          const region = phys.region;
          need(region !== undefined && Number.isInteger(region.startLine) && region.startLine! >= 1, 'region.startLine >= 1');
          need(region?.startColumn === undefined || (Number.isInteger(region.startColumn) && region.startColumn >= 1), 'region.startColumn >= 1');
        }
        for (const l of loc.logicalLocations ?? []) need(l.kind === undefined || KINDS.has(l.kind), `logicalLocation.kind ${l.kind}`);
      }
      for (const v of Object.values(result.partialFingerprints ?? {})) need(typeof v === 'string', 'partialFingerprints are strings');
    }
  }
  return problems;
}

describe('check --format sarif', () => {
  it('SARIF 2.1.0: one run, the rules that matched, one result per finding at its line, state path as logical location', async () => {
    const r = await cli(['check', 'templates/flows.yaml', '--format', 'sarif', '--region', 'us-east-1', '--account-id', '123456789012'], {
      'templates/flows.yaml': YAML,
    });
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as Log;
    expect(sarifProblems(log)).toEqual([]);
    const run = log.runs[0];
    expect(run.tool.driver).toMatchObject({ name: 'warm-step-functions', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(run.tool.driver.rules?.map((x) => [x.id, x.defaultConfiguration?.level])).toEqual([
      ['cold-path', 'error'],
      ['not-checked', 'warning'],
    ]);
    expect(run.invocations).toEqual([{ executionSuccessful: true, exitCode: 1 }]);
    expect(run.results).toHaveLength(6);
    const first = run.results![0];
    expect(first).toMatchObject({
      ruleId: 'cold-path',
      ruleIndex: 0,
      level: 'error',
      message: {
        text: 'ObjectFlow States.Fan.Branches[0].States.Deep: invokes {Fn.Arn} (unqualified: $LATEST), not {Live}, which has the provisioned concurrency of Fn',
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'templates/flows.yaml', uriBaseId: 'EXECUTIONROOT', index: 0 },
            region: { startLine: where(YAML, 'FunctionName: !GetAtt Fn.Arn').line, startColumn: where(YAML, 'FunctionName: !GetAtt Fn.Arn').column },
          },
          logicalLocations: [{ name: 'Deep', fullyQualifiedName: 'ObjectFlow/States.Fan.Branches[0].States.Deep', kind: 'member' }],
        },
      ],
      properties: {
        stateMachine: 'ObjectFlow',
        statePath: 'States.Fan.Branches[0].States.Deep',
        templatePath: 'Resources/ObjectFlow/Properties/Definition',
        function: 'Fn',
      },
    });
    expect(run.results!.map((x) => [x.ruleId, x.level])).toEqual([
      ['cold-path', 'error'],
      ['cold-path', 'error'],
      ['cold-path', 'error'],
      ['cold-path', 'error'],
      ['not-checked', 'warning'],
      ['not-checked', 'warning'],
    ]);
    // Fingerprints tell the findings apart and do not depend on the line.
    const prints = run.results!.map((x) => x.partialFingerprints?.['warmStepFunctions/v1']);
    expect(new Set(prints).size).toBe(6);
    const moved = JSON.parse(
      (
        await cli(['check', 'templates/flows.yaml', '--format', 'sarif', '--region', 'us-east-1', '--account-id', '123456789012'], {
          'templates/flows.yaml': `# a comment line\n${YAML}`,
        })
      ).stdout,
    ) as Log;
    expect(moved.runs[0].results!.map((x) => x.partialFingerprints?.['warmStepFunctions/v1'])).toEqual(prints);
    expect(moved.runs[0].results![0].locations![0].physicalLocation!.region!.startLine).toBe(first.locations![0].physicalLocation!.region!.startLine! + 1);
  });

  it('no finding: an empty result list, no rules, exit 0', async () => {
    const r = await cli(['check', 't.yaml', '--format', 'sarif'], { 't.yaml': `Resources:\n${FUNCTIONS}` });
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout) as Log;
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0].results).toEqual([]);
    expect(log.runs[0].tool.driver.rules).toEqual([]);
  });

  it('a file name with a space is percent-encoded; an absolute path is a file: URI; stdin has logical locations only', async () => {
    const spaced = JSON.parse((await cli(['check', 'my flows.yaml', '--format', 'sarif'], { 'my flows.yaml': YAML })).stdout) as Log;
    expect(sarifProblems(spaced)).toEqual([]);
    expect(spaced.runs[0].artifacts).toEqual([{ location: { uri: 'my%20flows.yaml', uriBaseId: 'EXECUTIONROOT' }, sourceLanguage: 'yaml' }]);
    const absolute = JSON.parse((await cli(['check', '/work/t.yaml', '--format', 'sarif'], { '/work/t.yaml': YAML })).stdout) as Log;
    expect(sarifProblems(absolute)).toEqual([]);
    expect(absolute.runs[0].results![0].locations![0].physicalLocation!.artifactLocation).toEqual({ uri: 'file:///work/t.yaml', index: 0 });
    expect(absolute.runs[0].originalUriBaseIds).toBeUndefined();
    const stdin = JSON.parse((await cli(['check', '-', '--format', 'sarif'], {}, YAML)).stdout) as Log;
    expect(sarifProblems(stdin)).toEqual([]);
    expect(stdin.runs[0].results![0].locations).toEqual([
      { logicalLocations: [expect.objectContaining({ fullyQualifiedName: 'ObjectFlow/States.Fan.Branches[0].States.Deep' })] },
    ]);
  });

  it('the checker catches what it should (positive control)', () => {
    const bad = {
      version: '2.0.0',
      runs: [
        {
          tool: { driver: { name: '' } },
          results: [
            { ruleId: 'x', level: 'fatal', message: {}, locations: [{ physicalLocation: { artifactLocation: { uri: 'a b' }, region: { startLine: 0 } } }] },
          ],
        },
      ],
    } as unknown as Log;
    expect(sarifProblems(bad)).toEqual(
      expect.arrayContaining([
        'version must be "2.1.0"',
        'run.tool.driver.name',
        'result.message needs text or id',
        'result.level',
        'ruleId x among the rules',
        'artifactLocation.uri is a URI reference',
        'region.startLine >= 1',
      ]),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The examples: every cold path points at the text that invokes the function

describe('check --format json on the bundled examples, their Transform removed', () => {
  const examples = [
    'serverless-seed/compiled.json',
    'serverless-rich/compiled.json',
    'serverless-exact-version/compiled.json',
    'cdk/compiled.json',
    'cloudformation/template.yaml',
    'sam/template.yaml',
  ];
  it.each(examples)('%s', async (example) => {
    const original = readFileSync(join(ROOT, 'template', 'examples', example), 'utf8');
    const text = example.endsWith('.json')
      ? JSON.stringify({ ...(JSON.parse(original) as object), Transform: undefined }, null, 2)
      : original.replace(/^Transform:\n(?: {2}- .*\n)+|^Transform: .*\n/m, '');
    const r = await cli(['check', example, '--format', 'json'], { [example]: text });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.coldPaths.length).toBeGreaterThan(0);
    const lines = text.split('\n');
    for (const f of out.coldPaths) {
      const at = lines[f.line - 1].slice(f.column - 1);
      // The key that names the function, the reference inside a definition's text, or the reference itself.
      expect({ state: f.statePath, at: at.slice(0, 40) }).toEqual({
        state: f.statePath,
        at: expect.stringMatching(/^(Resource|FunctionName|"Resource"|"FunctionName"|\$\{|arn:|\{)/),
      });
    }
  });
});

describe('SourcePositions', () => {
  it('paths through short-form tags, lists, and a path deeper than the file', () => {
    const text = 'A:\n  B: !Sub\n    - "x-${y}"\n    - y: !GetAtt R.Arn\n';
    const p = SourcePositions.of(text);
    expect(p.at(['A', 'B'])).toEqual({ line: 2, column: 3, exact: true });
    expect(p.at(['A', 'B', 'Fn::Sub', 1, 'y'])).toEqual({ line: 4, column: 7, exact: true });
    expect(p.at(['A', 'B', 'Fn::Sub', 1, 'y', 'Fn::GetAtt', 0])).toEqual({ line: 4, column: 7, exact: true });
    expect(p.at(['A', 'Nope', 'x'])).toEqual({ line: 1, column: 1, exact: false });
    expect(p.inString(['A', 'B', 'Fn::Sub', 0], 2)).toEqual({ line: 3, column: 10, exact: true });
  });

  it('single-quoted and escaped strings: the column of the character', () => {
    const text = `a: 'it''s \${x}'\nb: "tab\\there \${y}"\n`;
    const p = SourcePositions.of(text);
    expect(p.inString(['a'], "it's ".length)).toEqual({ line: 1, column: text.indexOf('${x}') + 1, exact: true });
    expect(p.inString(['b'], 'tab\there '.length)).toEqual({ line: 2, column: text.split('\n')[1].indexOf('${y}') + 1, exact: true });
  });

  it('a folded scalar (>) does not map line by line: the start of the string', () => {
    const p = SourcePositions.of('a: >\n  one\n  two\n');
    expect(p.inString(['a'], 5)).toEqual({ line: 1, column: 4, exact: false });
  });

  it('text that does not parse: line 1', () => {
    expect(SourcePositions.of('{ "a": ').at(['a'])).toMatchObject({ line: 1 });
  });
});

describe('check: invocations that fail at run time, and the reason of each finding', () => {
  const REASONS_YAML = `Resources:
  Saga:
    Type: AWS::Lambda::Function
    Properties:
      DurableConfig: { ExecutionTimeout: 3600 }
  SagaVersion:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Saga
  SagaProd:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Saga
      FunctionVersion: !GetAtt SagaVersion.Version
      Name: prod
  Quote:
    Type: AWS::Lambda::Function
    Properties:
      SnapStart: { ApplyOn: PublishedVersions }
  QuoteVersion:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Quote
  QuoteLive:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Quote
      FunctionVersion: !GetAtt QuoteVersion.Version
      Name: live
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      Definition:
        StartAt: Saga
        States:
          Saga:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters:
              FunctionName: !GetAtt Saga.Arn
            Next: Quote
          Quote:
            Type: Task
            Resource: !GetAtt Quote.Arn
            End: true
`;

  it('text: exit 3, the failing invocation first, then the cold path, each naming its reason', async () => {
    const r = await cli(['check', 'flow.yaml'], { 'flow.yaml': REASONS_YAML });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(
      [
        '1 invocation fails at run time (as written):',
        "  Flow States.Saga: invokes {Saga.Arn}, not {SagaProd}, which Saga's durable configuration (DurableConfig) needs: that call fails at run time: Lambda rejects an unqualified invocation of a durable function (InvalidParameterValueException)",
        '1 cold path (as written):',
        "  Flow States.Quote: invokes {Quote.Arn}, not {QuoteLive}, which Quote's SnapStart configuration (SnapStart) needs: that call runs $LATEST, which has no snapshot, so it starts cold",
        'Add "Transform: WarmStepFunctions" to the template (or fix these states) to use the warm capacity.',
        '',
      ].join('\n'),
    );
  });

  it('JSON: failsAtRunTime and coldPaths carry the reasons; SARIF: its own rule, level error, exit code 3', async () => {
    const json = JSON.parse((await cli(['check', 'flow.yaml', '--format', 'json'], { 'flow.yaml': REASONS_YAML })).stdout);
    expect(json.exitCode).toBe(3);
    expect(json.failsAtRunTime).toEqual([
      expect.objectContaining({
        stateMachine: 'Flow',
        statePath: 'States.Saga',
        function: 'Saga',
        reasons: ['Durable'],
        invokes: '{Saga.Arn}',
        warmTarget: '{SagaProd}',
        line: where(REASONS_YAML, 'FunctionName: !GetAtt Saga.Arn').line,
      }),
    ]);
    expect(json.coldPaths).toEqual([expect.objectContaining({ statePath: 'States.Quote', function: 'Quote', reasons: ['SnapStart'] })]);
    const r = await cli(['check', 'flow.yaml', '--format', 'sarif'], { 'flow.yaml': REASONS_YAML });
    expect(r.code).toBe(3);
    const log = JSON.parse(r.stdout) as Log;
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0].tool.driver.rules?.map((x) => [x.id, x.name, x.defaultConfiguration?.level])).toEqual([
      ['fails-at-run-time', 'FailsAtRunTime', 'error'],
      ['cold-path', 'ColdPath', 'error'],
    ]);
    expect(log.runs[0].invocations).toEqual([{ executionSuccessful: true, exitCode: 3 }]);
    expect(log.runs[0].results!.map((x) => [x.ruleId, x.ruleIndex, x.level, x.properties?.reasons])).toEqual([
      ['fails-at-run-time', 0, 'error', ['Durable']],
      ['cold-path', 1, 'error', ['SnapStart']],
    ]);
  });

  it('with the transform listed, the macro fixes both: exit 0', async () => {
    const r = await cli(['check', 'flow.yaml'], { 'flow.yaml': `Transform: WarmStepFunctions\n${REASONS_YAML}` });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/^No cold paths \(after WarmStepFunctions\)/) });
  });

  it('--help documents the exit codes and SARIF levels', async () => {
    const r = await cli(['check', '--help']);
    expect(r.stdout).toMatch(/3 an invocation fails at run time \(SARIF rule fails-at-run-time, level\s+error\)/);
    expect(r.stdout).toContain('docs/reasons.md');
  });
});

describe('check: Managed Instances', () => {
  const MI_YAML = `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      CapacityProviderConfig:
        LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: arn:aws:lambda:us-east-1:123456789012:capacity-provider:p }
  V:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: !GetAtt V.Version
      Name: live
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/flow
      Definition:
        StartAt: First
        States:
          First: { Type: Task, Resource: !GetAtt Fn.Arn, Next: Second }
          Second: { Type: Task, Resource: !Sub "\${Fn.Arn}:$LATEST", End: true }
`;
  it('unqualified runs $LATEST.PUBLISHED (a cold path: it misses the alias); :$LATEST fails at run time (exit 3)', async () => {
    const r = await cli(['check', 'mi.yaml', '--format', 'json'], { 'mi.yaml': MI_YAML });
    expect(r.code).toBe(3);
    const json = JSON.parse(r.stdout);
    expect(json.failsAtRunTime.map((f: { statePath: string; message: string }) => [f.statePath, f.message])).toEqual([
      [
        'States.Second',
        "invokes {Fn.Arn}:$LATEST, not {Live}, which Fn's Managed Instances configuration (CapacityProviderConfig) needs: that call fails at run time: Lambda never invokes $LATEST of a Managed Instances function",
      ],
    ]);
    expect(json.coldPaths.map((f: { statePath: string; message: string }) => [f.statePath, f.message])).toEqual([
      [
        'States.First',
        "invokes {Fn.Arn}, not {Live}, which Fn's Managed Instances configuration (CapacityProviderConfig) needs: that call runs $LATEST.PUBLISHED (Lambda never invokes $LATEST of a Managed Instances function), not the version the template publishes",
      ],
    ]);
  });
});
