/**
 * `check --format json`: every finding with its file, line and state path, grouped by kind.
 */
import type { CheckResult, FindingKind } from '../commands/check-findings';

export function formatJson(result: CheckResult): string {
  const { file, checked, exitCode, findings } = result; // failure: its problems are the macroFails findings
  const pick = (kind: FindingKind) => findings.filter((f) => f.kind === kind).map(({ kind: _kind, ...rest }) => rest);
  return `${JSON.stringify({ file, checked, exitCode, failsAtRunTime: pick('fails-at-run-time'), coldPaths: pick('cold-path'), notChecked: pick('not-checked'), macroFails: pick('macro-fails') }, null, 2)}\n`;
}
