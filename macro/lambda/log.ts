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

/** A record without its level, and without an undefined field: what Lambda's JSON log format writes of it. */
export type LogFields = Omit<LogRecord, 'level'>;

/**
 * Where log records go. `level`, when set, is the lowest level the sink writes (the function's
 * application log level): a record below it is never built (see `writes`). `fields`, when set (a
 * sink that writes a record's fields without its level, as Lambda's JSON log format does), writes
 * such fields at a level as they are: a writer of many records hands them so, instead of records
 * the sink would copy to drop their level.
 */
export type LogSink = ((record: LogRecord) => void) & { level?: Level | 'TRACE' | 'DEBUG' | 'FATAL'; fields?: (level: Level, fields: LogFields) => void };

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
 *   runtime's line already carries the level. Its `fields` writes a record's fields given without the
 *   level as they are (see LogSink), so the decisions' records need no copy.
 * The function's application log level (`AWS_LAMBDA_LOG_LEVEL`, which Lambda sets with the JSON
 * log format) is the sink's `level`: the runtime would drop a record below it, so none is built.
 */
export function consoleSink(env: Record<string, string | undefined>, out: Pick<Console, 'info' | 'warn' | 'error'> = console): LogSink {
  const json = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const level = env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase();
  const write = (level: Level, line: unknown): void => out[level === 'ERROR' ? 'error' : level === 'WARN' ? 'warn' : 'info'](line);
  const sink: LogSink = (record) => write(record.level, json ? fieldsOf(record) : jsonText(record));
  if (json) sink.fields = write;
  if (level !== undefined && Object.hasOwn(RANKS, level)) sink.level = level as LogSink['level'];
  return sink;
}

/** The record without its level and its undefined fields, in one copy (for a record given whole). */
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
  const fields = sink.fields;
  for (const d of report.decisions) {
    const level = d.action === 'warning' ? 'WARN' : 'INFO';
    if (!(level === 'WARN' ? warn : info)) continue;
    if (fields) fields(level, decisionRecord(requestId, d));
    else sink(decisionRecord(requestId, d, level) as LogRecord);
  }
  if (info) sink({ level: 'INFO', message: 'summary', requestId, ...report.summary });
}

/**
 * One decision as a log line, with only the fields that are set (as JSON.stringify would write them), and
 * without its level for a sink that takes fields (see LogSink). Every field that holds names from the
 * template is shortened in the middle past its limit (docs/limits.md): a state 10,000 levels deep, or a
 * name of 500 KB, still makes a line of a few KB, not one that repeats every ancestor in full.
 */
function decisionRecord(requestId: string, d: Decision, level?: Level): LogFields {
  // Grown from an empty object, which V8 makes with room for four fields: half the bytes of one grown
  // from a literal of three (a run may log thousands).
  const r = {} as LogFields;
  if (level) r.level = level;
  r.message = d.action;
  r.requestId = requestId;
  if (d.stateMachine) r.stateMachine = capText(d.stateMachine);
  if (d.state !== undefined) r.state = capText(d.state);
  if (d.statePath !== undefined) r.statePath = capText(d.statePath);
  if (d.templatePath !== undefined) r.templatePath = capText(d.templatePath, LIMITS.reasonText);
  if (d.function !== undefined) r.function = capText(d.function);
  if (d.from !== undefined) r.from = capText(d.from);
  if (d.to !== undefined) r.to = capText(d.to);
  if (d.reason !== undefined) r.reason = capText(d.reason, LIMITS.reasonText);
  if (d.source !== undefined) r.source = capText(d.source);
  if (d.reasons !== undefined) r.reasons = d.reasons;
  if (d.consequence !== undefined) r.consequence = d.consequence;
  return r;
}
