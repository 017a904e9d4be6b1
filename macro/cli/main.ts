/**
 * The CLI edge: the same core as the Lambda, on a template file. This file only dispatches: it reads the
 * command name, parses the command's options (args.ts, with the option tables of commands.ts), answers
 * --help and --version, reports usage errors with the command's usage, and runs commands/<name>.ts.
 *
 *   warm-step-functions transform | check | verify ... (USAGE in commands.ts)
 *   warm-step-functions [COMMAND] --help | --version
 *
 * Exit codes: EXIT_CODES in exit-codes.ts.
 */
import { readFileSync } from 'node:fs';
import { type Parsed, parseCommand, UsageError } from './args';
import { type Command, COMMANDS, otherOptions, USAGE, VERSION } from './commands';
import { runCheck } from './commands/check';
import { runTransform } from './commands/transform';
import type { Io } from './io';

/** A command's run on its parsed options; a UsageError it throws is reported with its usage (exit 2). */
export type CommandRun = (args: Parsed, io: Io) => number | Promise<number>;

/** The commands' runs; verify's is loaded only when it runs (with it, the AWS SDK). */
const RUNS: Record<Command, () => Promise<CommandRun>> = {
  transform: async () => runTransform,
  check: async () => runCheck,
  verify: async () => (await import('./commands/verify')).runVerify,
};

const isCommand = (name: string): name is Command => Object.hasOwn(COMMANDS, name);

export async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (command === '--version') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  if (command === undefined || !isCommand(command)) {
    io.stderr(`error: ${command === undefined ? 'no command given' : `unknown command ${command}`}\n\n${USAGE}\n`);
    return 2;
  }
  return runCommand(command, rest, io, await RUNS[command]());
}

/** One command: its options parsed, --help and --version answered, then its run; a usage error is exit 2 with its usage. */
export async function runCommand(command: Command, argv: string[], io: Io, commandRun: CommandRun): Promise<number> {
  const usage = COMMANDS[command].usage;
  try {
    const args = parseCommand(command, argv, COMMANDS[command].options, otherOptions(command));
    if (args.values.help) {
      io.stdout(`${usage}\n`);
      return 0;
    }
    if (args.values.version) {
      io.stdout(`${VERSION}\n`);
      return 0;
    }
    return await commandRun(args, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`error: ${e.message}\n\n${usage}\n`);
    return 2;
  }
}

/* istanbul ignore next: process wiring */
if (require.main === module) {
  const io: Io = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readFile: (p) => readFileSync(p, 'utf8'),
    readStdin: () => readFileSync(0, 'utf8'),
  };
  run(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`error: unexpected failure: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
