import type { Log } from 'sarif';
import { cli } from '../../../support/cli';
import { FLOWS_YAML, FUNCTIONS_YAML, where } from '../../../support/cli-templates';
import { sarifProblems } from '../../../support/sarif';

describe('check --format sarif', () => {
  it('SARIF 2.1.0: one run, the rules that matched, one result per finding at its line, state path as logical location', async () => {
    const r = await cli(['check', 'templates/flows.yaml', '--format', 'sarif', '--region', 'us-east-1', '--account-id', '123456789012'], {
      'templates/flows.yaml': FLOWS_YAML,
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
            region: {
              startLine: where(FLOWS_YAML, 'FunctionName: !GetAtt Fn.Arn').line,
              startColumn: where(FLOWS_YAML, 'FunctionName: !GetAtt Fn.Arn').column,
            },
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
          'templates/flows.yaml': `# a comment line\n${FLOWS_YAML}`,
        })
      ).stdout,
    ) as Log;
    expect(moved.runs[0].results!.map((x) => x.partialFingerprints?.['warmStepFunctions/v1'])).toEqual(prints);
    expect(moved.runs[0].results![0].locations![0].physicalLocation!.region!.startLine).toBe(first.locations![0].physicalLocation!.region!.startLine! + 1);
  });

  it('no finding: an empty result list, no rules, exit 0', async () => {
    const r = await cli(['check', 't.yaml', '--format', 'sarif'], { 't.yaml': `Resources:\n${FUNCTIONS_YAML}` });
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout) as Log;
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0].results).toEqual([]);
    expect(log.runs[0].tool.driver.rules).toEqual([]);
  });

  it('a file name with a space is percent-encoded; an absolute path is a file: URI; stdin has logical locations only', async () => {
    const spaced = JSON.parse((await cli(['check', 'my flows.yaml', '--format', 'sarif'], { 'my flows.yaml': FLOWS_YAML })).stdout) as Log;
    expect(sarifProblems(spaced)).toEqual([]);
    expect(spaced.runs[0].artifacts).toEqual([{ location: { uri: 'my%20flows.yaml', uriBaseId: 'EXECUTIONROOT' }, sourceLanguage: 'yaml' }]);
    const absolute = JSON.parse((await cli(['check', '/work/t.yaml', '--format', 'sarif'], { '/work/t.yaml': FLOWS_YAML })).stdout) as Log;
    expect(sarifProblems(absolute)).toEqual([]);
    expect(absolute.runs[0].results![0].locations![0].physicalLocation!.artifactLocation).toEqual({ uri: 'file:///work/t.yaml', index: 0 });
    expect(absolute.runs[0].originalUriBaseIds).toBeUndefined();
    const stdin = JSON.parse((await cli(['check', '-', '--format', 'sarif'], {}, FLOWS_YAML)).stdout) as Log;
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
