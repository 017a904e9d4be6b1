/**
 * Command-line arguments, read with Node's own `util.parseArgs` (strict: an unknown option or a
 * missing value is an error), and its errors turned into one short sentence each.
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Options every command takes. */
export const COMMON_OPTIONS: OptionSpecs = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` (the arguments after the command name).
 * @param others the options of the other commands, so that a message can say which command takes one
 */
export function parseCommand(command: string, argv: string[], options: OptionSpecs, others: ReadonlySet<string> = new Set()): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: true });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    // `--help` wins over any other mistake on the line.
    const end = argv.indexOf('--');
    if ((end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h')) return { values: { help: true }, positionals: [] };
    throw new UsageError(explain(command, e as Error & { code?: string }, options, others));
  }
}

function explain(command: string, e: Error & { code?: string }, options: OptionSpecs, others: ReadonlySet<string>): string {
  const name = /'(-{1,2}[^' ]+)/.exec(e.message)?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    if (others.has(name))
      return `${name} is not an option of ${command} (it takes ${Object.keys(options)
        .map((o) => `--${o}`)
        .join(', ')})`;
    return `unknown option ${name}`;
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(e.message)) return `${name} takes no value`;
    return `${name} needs a value`;
  }
  return e.message;
}
