/**
 * Structured logging for the edges (the core never logs). One line per decision and one summary
 * line, each written at its own level so that Lambda's log-level controls see it as what it is
 * (a warning as WARN, a failure as ERROR). Only fields picked here are written: never template
 * parameter values, never a template.
 */
import { capText, LIMITS } from '../limits';
import type { Decision, Report } from '../types';
import { jsonText } from '../cfn/json';

export type Level = 'INFO' | 'WARN' | 'ERROR';

/** Lambda's application log levels, lowest first (`AWS_LAMBDA_LOG_LEVEL`). */
const RANKS: Record<string, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };

/** One log record: its level and its fields (`message` names what happened). */
export interface LogRecord {
  level: Level;
  message: string;
  [field: string]: unknown;
}

/**
 * Where log records go. `level`, when set, is the lowest level the sink writes (the function's
 * application log level): a record below it is never built (see `writes`).
 */
export type LogSink = ((record: LogRecord) => void) & { level?: Level | 'TRACE' | 'DEBUG' | 'FATAL' };

/** Whether the sink writes records of this level (a sink without a level writes every record). */
export function writes(sink: LogSink, level: Level): boolean {
  return sink.level === undefined || RANKS[level] >= RANKS[sink.level];
}

/**
 * The sink for Lambda: console.info / console.warn / console.error, which the Node.js runtime
 * labels with the matching level and filters by the function's application log level.
 * - Text log format: the record as one JSON line (the runtime prefixes timestamp, request ID, level).
 * - JSON log format (`AWS_LAMBDA_LOG_FORMAT=JSON`): the record as an object, which the runtime puts
 *   under `message` of its own JSON line, so each field is queryable as `message.<field>`; the
 *   runtime's line already carries the level.
 * The function's application log level (`AWS_LAMBDA_LOG_LEVEL`, which Lambda sets with the JSON
 * log format) is the sink's `level`: the runtime would drop a record below it, so none is built.
 */
export function consoleSink(env: Record<string, string | undefined>, out: Pick<Console, 'info' | 'warn' | 'error'> = console): LogSink {
  const json = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const level = env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase();
  const sink: LogSink = (record) => {
    const write = record.level === 'ERROR' ? out.error : record.level === 'WARN' ? out.warn : out.info;
    write.call(out, json ? fieldsOf(record) : jsonText(record));
  };
  if (level !== undefined && Object.hasOwn(RANKS, level)) sink.level = level as LogSink['level'];
  return sink;
}

/** The record without its level and its undefined fields, in one copy (a run may log thousands). */
function fieldsOf(record: LogRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // for…in lists a record's own keys in order, without making their list (a record has no inherited ones).
  for (const k in record) {
    const v = record[k];
    if (k !== 'level' && v !== undefined) out[k] = v;
  }
  return out;
}

/** One record per decision at its level, then the summary (INFO); a record the sink would drop is not built. */
export function logDecisions(sink: LogSink, requestId: string, report: Report): void {
  const info = writes(sink, 'INFO');
  const warn = writes(sink, 'WARN');
  for (const d of report.decisions) {
    const level = d.action === 'warning' ? 'WARN' : 'INFO';
    if (level === 'WARN' ? warn : info) sink(decisionRecord(level, requestId, d));
  }
  if (info) sink({ level: 'INFO', message: 'summary', requestId, ...report.summary });
}

/**
 * One decision as a log line, with only the fields that are set (as JSON.stringify would write them). Every
 * field that holds names from the template is shortened in the middle past its limit (docs/limits.md): a
 * state 10,000 levels deep, or a name of 500 KB, still makes a line of a few KB, not one that repeats every
 * ancestor in full.
 *
 * One literal with every field, in the line's order, an unset one undefined: neither log format writes an
 * undefined field (JSON.stringify leaves it out, the JSON format's copy drops it), and the record is built
 * whole instead of growing field by field (a run may log thousands).
 */
function decisionRecord(level: Level, requestId: string, d: Decision): LogRecord {
  return {
    level,
    message: d.action,
    requestId,
    stateMachine: d.stateMachine ? capText(d.stateMachine) : undefined,
    state: d.state === undefined ? undefined : capText(d.state),
    statePath: d.statePath === undefined ? undefined : capText(d.statePath),
    templatePath: d.templatePath === undefined ? undefined : capText(d.templatePath, LIMITS.reasonText),
    function: d.function === undefined ? undefined : capText(d.function),
    from: d.from === undefined ? undefined : capText(d.from),
    to: d.to === undefined ? undefined : capText(d.to),
    reason: d.reason === undefined ? undefined : capText(d.reason, LIMITS.reasonText),
    source: d.source === undefined ? undefined : capText(d.source),
    reasons: d.reasons,
    consequence: d.consequence,
  };
}
