/**
 * `transform`'s text summary on stderr (macro/cli/format/summary.ts): one line per decision, then the
 * counts. A state that an `Fn::If` chooses is rewritten once per branch, so its lines say which branch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSummary } from '../../../../macro/cli/format/summary';
import { parseTemplateText } from '../../../../macro/cli/yaml/template';
import { transform } from '../../../../macro/core/transform';
import { warmTemplate } from '../../../support/probes';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'input');
const load = (name: string): unknown => parseTemplateText(readFileSync(join(FIXTURES, name), 'utf8'));
const OPTIONS = { region: 'us-east-1', accountId: '123456789012' };

describe('formatSummary', () => {
  it('a DefinitionString chosen by Fn::If: each branch has its own rewritten line, naming the conditions that choose it', () => {
    const { report } = transform(load('realistic_cfn_definition_string_if_stage.yaml'), OPTIONS);
    expect(formatSummary(report).split('\n')).toEqual([
      '  rewritten  Checkout States.Score: {ScoreFunction.Arn} → {ScoreLive} (where IsProd is true: Fn::If, resolved at deploy time)',
      '  rewritten  Checkout States.Score: {ScoreFunction.Arn} → {ScoreLive} (where IsProd is false and IsStaging is true: Fn::If, resolved at deploy time)',
      '  granted    Checkout: lambda:InvokeFunction on {ScoreLive}: added to the statement of CheckoutRole that grants the function',
      'WarmStepFunctions: 2 invocations rewritten in 1 of 1 state machine; 1 IAM grant added; 0 left cold; 0 warnings.',
      '',
    ]);
  });

  it('Mode report: "would rewrite", the branch named the same way, and nothing counted as changed', () => {
    const { report } = transform(load('realistic_cfn_definition_string_if_substitutions.yaml'), { ...OPTIONS, mode: 'report' });
    const lines = formatSummary(report).split('\n');
    expect(lines.filter((l) => l.startsWith('  would rewrite'))).toEqual([
      '  would rewrite  Pipeline States.Batch.ItemProcessor.States.Ingest: {Ingest.Arn} → {IngestLive} (where Batching is true: Fn::If, resolved at deploy time)',
      '  would rewrite  Pipeline States.Ingest: {Ingest.Arn} → {IngestLive} (where Batching is false: Fn::If, resolved at deploy time)',
    ]);
    expect(lines.at(-2)).toMatch(/^WarmStepFunctions \(Mode report, nothing changed\): 2 invocations would be rewritten in 1 state machine;/);
  });

  it('a state that no Fn::If chooses: the line ends with the target, nothing after it', () => {
    const template = warmTemplate({
      Definition: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: { 'Fn::GetAtt': ['Fn', 'Arn'] }, End: true } } },
    });
    const { report } = transform(template, OPTIONS);
    expect(formatSummary(report).split('\n')[0]).toBe('  rewritten  Flow States.Work: {Fn.Arn} → {FnLive}');
  });
});
