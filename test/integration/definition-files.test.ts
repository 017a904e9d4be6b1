/**
 * The CLI (dist/cli.cjs) on definitions kept in files, run as a user runs it:
 * - the SAM project in template/examples/sam-definition-uri, laid out as `sam init` lays it out
 *   (statemachine/*.asl.json, functions/), whose state machine has `DefinitionUri: statemachine/...`;
 * - a CDK app whose state machine uses `DefinitionBody.fromFile`, synthesized in-process into a
 *   cdk.out folder, read as `cdk.out/<Stack>.template.json` with its asset manifest.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

jest.setTimeout(120_000);
const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'template', 'examples', 'sam-definition-uri');

/** The built CLI. */
const CLI = join(ROOT, 'dist', 'cli.cjs');

function cli(args: string[], cwd = ROOT): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('the SAM project with DefinitionUri (template/examples/sam-definition-uri)', () => {
  test('check finds the cold paths from the local file (Mode report: what the macro would leave cold without rewriting)', () => {
    const r = cli(['check', 'template.yaml', '--param', 'Mode=report'], EXAMPLE);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        '2 cold paths (after WarmStepFunctions):',
        '  StockTradingStateMachine States.Check Stock Value: invokes {StockCheckerFunction.Arn} (unqualified: $LATEST), not {StockCheckerFunction.Alias}, which has the provisioned concurrency of StockCheckerFunction',
        '  StockTradingStateMachine States.Sell Stock: invokes {StockSellerFunction.Arn} (unqualified: $LATEST), not {StockSellerFunction.Alias}, which has the provisioned concurrency of StockSellerFunction',
        '',
      ].join('\n'),
    );
  });

  test('check with the macro listed: no cold path once it runs; from another directory too', () => {
    for (const [file, cwd] of [
      ['template.yaml', EXAMPLE],
      [join('template', 'examples', 'sam-definition-uri', 'template.yaml'), ROOT],
    ]) {
      const r = cli(['check', file], cwd);
      expect({ code: r.code, stdout: r.stdout }).toEqual({
        code: 0,
        stdout:
          'No cold paths (after WarmStepFunctions): every state that invokes a function needing a published target (provisioned concurrency, SnapStart, durable, Managed Instances) goes through it.\n',
      });
    }
  });

  test('transform: the substitutions move to the aliases; the definition stays in its file, which `sam deploy` uploads', () => {
    const r = cli(['transform', 'template.yaml', '--format', 'json'], EXAMPLE);
    expect(r.code).toBe(0);
    const sm = JSON.parse(r.stdout).Resources.StockTradingStateMachine;
    expect(sm.Properties.DefinitionUri).toBe('statemachine/stock_trader.asl.json');
    expect(sm.Properties.DefinitionSubstitutions).toMatchObject({
      StockCheckerFunctionArn: { Ref: 'StockCheckerFunction.Alias' },
      StockSellerFunctionArn: { Ref: 'StockSellerFunction.Alias' },
    });
    expect(r.stderr).toContain('cold       StockTradingStateMachine States.Buy Stock: function StockBuyerFunction has no provisioned concurrency');
  });

  test('a DefinitionUri file that is missing: listed as not checked, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsf-sam-'));
    try {
      cpSync(EXAMPLE, dir, { recursive: true });
      rmSync(join(dir, 'statemachine'), { recursive: true });
      const r = cli(['check', 'template.yaml'], dir);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain(
        "StockTradingStateMachine: cannot read StockTradingStateMachine's definition at statemachine/stock_trader.asl.json: not found: no such file",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a CDK app with DefinitionBody.fromFile (cdk.out)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wsf-cdk-file-'));
    const definition = join(dir, 'flow.asl.json');
    writeFileSync(
      definition,
      JSON.stringify({
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: '${WorkArn}', 'Payload.$': '$' },
            ResultSelector: { 'result.$': '$.Payload', worker: '${WorkArn}' },
            Next: 'Save',
          },
          Save: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:s3:putObject',
            Parameters: { Bucket: '${ResultsBucket}', Key: 'result.json', 'Body.$': '$' },
            End: true,
          },
        },
      }),
    );
    const app = new App({ outdir: join(dir, 'cdk.out') });
    const stack = new Stack(app, 'FileStack');
    stack.addTransform('WarmStepFunctions');
    const fn = new lambda.Function(stack, 'Work', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1'),
    });
    new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion, provisionedConcurrentExecutions: 1 });
    const bucket = new s3.Bucket(stack, 'Results');
    const sm = new sfn.StateMachine(stack, 'Flow', {
      definitionBody: sfn.DefinitionBody.fromFile(definition),
      definitionSubstitutions: { WorkArn: fn.functionArn, ResultsBucket: bucket.bucketName },
    });
    fn.grantInvoke(sm);
    app.synth();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('check finds the cold path through the asset manifest; transform puts the rewritten definition inline', () => {
    const asWritten = cli(['check', join('cdk.out', 'FileStack.template.json'), '--param', 'Mode=report'], dir);
    expect(asWritten.code).toBe(1);
    expect(asWritten.stdout).toMatch(
      /^1 cold path \(after WarmStepFunctions\):\n {2}Flow[0-9A-F]+ States\.Work: invokes \{Work[0-9A-F]+\.Arn\} \(unqualified: \$LATEST\), not \{Live[0-9A-F]+\}/,
    );
    const r = cli(['transform', join('cdk.out', 'FileStack.template.json'), '--format', 'json', '--report', 'json'], dir);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stderr);
    const rewritten = report.decisions.filter((d: { action: string }) => d.action === 'rewritten');
    expect(rewritten).toHaveLength(1);
    expect(rewritten[0].source).toMatch(
      /^cdk\.out\/asset\.[0-9a-f]{64}\.json \(CDK asset of s3:\/\/cdk-hnb659fds-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}\/[0-9a-f]{64}\.json\)$/,
    );
    const out = JSON.parse(r.stdout);
    const [id, flow] = Object.entries<any>(out.Resources).find(([, x]) => x.Type === 'AWS::StepFunctions::StateMachine')!;
    expect(flow.Properties.DefinitionS3Location).toBeUndefined();
    const text = JSON.parse(flow.Properties.DefinitionString);
    expect(text.States.Work.Parameters.FunctionName).toMatch(/^\$\{WarmStepFunctionsLive[0-9A-F]+\}$/);
    expect(text.States.Work.ResultSelector.worker).toBe('${WorkArn}');
    const added = (text.States.Work.Parameters.FunctionName as string).slice(2, -1);
    expect(Object.keys(flow.Properties.DefinitionSubstitutions).sort()).toEqual(['ResultsBucket', added, 'WorkArn'].sort());
    expect(flow.Properties.DefinitionSubstitutions[added]).toEqual({ Ref: added.slice('WarmStepFunctions'.length) });
    expect(out.Resources[id].Metadata.WarmStepFunctions).toHaveLength(1);
    // The checked output has no cold path left.
    writeFileSync(join(dir, 'after.json'), r.stdout);
    expect(cli(['check', 'after.json'], dir).code).toBe(0);
    expect(readFileSync(join(dir, 'cdk.out', 'FileStack.template.json'), 'utf8')).toContain('DefinitionS3Location');
  });
});
