/**
 * Structured logging for the edges (the core never logs). One line per decision and one summary
 * line, each written at its own level so that Lambda's log-level controls see it as what it is
 * (a warning as WARN, a failure as ERROR). Only fields picked here are written: never template
 * parameter values, never a template.
 */
import { capText, LIMITS } from './limits';
import type { Decision, Report } from './types';

export type Level = 'INFO' | 'WARN' | 'ERROR';

/** One log record: its level and its fields (`message` names what happened). */
export interface LogRecord {
  level: Level;
  message: string;
  [field: string]: unknown;
}

export type LogSink = (record: LogRecord) => void;

/**
 * The sink for Lambda: console.info / console.warn / console.error, which the Node.js runtime
 * labels with the matching level and filters by the function's application log level.
 * - Text log format: the record as one JSON line (the runtime prefixes timestamp, request ID, level).
 * - JSON log format (`AWS_LAMBDA_LOG_FORMAT=JSON`): the record as an object, which the runtime puts
 *   under `message` of its own JSON line, so each field is queryable as `message.<field>`; the
 *   runtime's line already carries the level.
 */
export function consoleSink(env: Record<string, string | undefined>, out: Pick<Console, 'info' | 'warn' | 'error'> = console): LogSink {
  const json = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  return (record) => {
    const write = record.level === 'ERROR' ? out.error : record.level === 'WARN' ? out.warn : out.info;
    if (json) {
      const { level: _level, ...fields } = record;
      write.call(out, dropUndefined(fields));
    } else {
      write.call(out, JSON.stringify(record));
    }
  };
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

export function logDecisions(sink: LogSink, requestId: string, report: Report): void {
  for (const d of report.decisions) sink(decisionRecord(requestId, d));
  sink({ level: 'INFO', message: 'summary', requestId, ...report.summary });
}

/**
 * One decision as a log line. Every field that holds names from the template is shortened in the
 * middle past its limit (docs/limits.md): a state 10,000 levels deep, or a name of 500 KB, still
 * makes a line of a few KB, not one that repeats every ancestor in full.
 */
function decisionRecord(requestId: string, d: Decision): LogRecord {
  const cap = (s: string | undefined, max: number = LIMITS.reportText): string | undefined => (s === undefined ? undefined : capText(s, max));
  return {
    level: d.action === 'warning' ? 'WARN' : 'INFO',
    message: d.action,
    requestId,
    stateMachine: cap(d.stateMachine) || undefined,
    state: cap(d.state),
    statePath: cap(d.statePath),
    templatePath: cap(d.templatePath, LIMITS.reasonText),
    function: cap(d.function),
    from: cap(d.from),
    to: cap(d.to),
    reason: cap(d.reason, LIMITS.reasonText),
    source: cap(d.source),
    reasons: d.reasons,
    consequence: d.consequence,
  };
}
