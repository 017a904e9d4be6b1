/**
 * Structured logging for the edges (the core never logs). One JSON line per decision and one
 * summary line. Only fields picked here are written: never template parameter values, never a
 * template.
 */
import type { Decision, Report } from './types';

export type LogSink = (line: string) => void;

export function logDecisions(sink: LogSink, requestId: string, report: Report): void {
  for (const d of report.decisions) sink(JSON.stringify(decisionLine(requestId, d)));
  sink(JSON.stringify({ level: 'INFO', message: 'summary', requestId, ...report.summary }));
}

function decisionLine(requestId: string, d: Decision): Record<string, unknown> {
  return {
    level: d.action === 'warning' ? 'WARN' : 'INFO',
    message: d.action,
    requestId,
    stateMachine: d.stateMachine || undefined,
    state: d.state,
    statePath: d.statePath,
    templatePath: d.templatePath,
    function: d.function,
    from: d.from,
    to: d.to,
    reason: d.reason,
  };
}
