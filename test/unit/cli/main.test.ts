/**
 * The CLI's dispatch (macro/cli/main.ts `run(argv, io)`): --help and --version, the commands' options read
 * with their usage, and usage errors (exit 2, the message and the command's usage on stderr).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECK_USAGE, TRANSFORM_USAGE, USAGE, VERIFY_USAGE } from '../../../macro/cli/commands';
import { cli } from '../../support/cli';
import { TEMPLATE } from '../../support/cli-templates';

describe('--help and --version', () => {
  test('--help prints the usage on stdout and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${USAGE}\n`);
    expect(r.stderr).toBe('');
  });

  test.each<[string, string]>([
    ['transform', TRANSFORM_USAGE],
    ['check', CHECK_USAGE],
    ['verify', VERIFY_USAGE],
  ])('%s --help (and -h) prints its own usage on stdout and exits 0, whatever else is given', async (command, usage) => {
    for (const argv of [
      [command, '--help'],
      [command, '-h'],
      [command, 't.yaml', '--param', 'Mode=report', '--help'],
      [command, '--bogus', '-h'],
    ]) {
      const r = await cli(argv, { 't.yaml': TEMPLATE });
      expect({ argv, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ argv, code: 0, stdout: `${usage}\n`, stderr: '' });
    }
    expect(usage.startsWith(`Usage: warm-step-functions ${command} `)).toBe(true);
  });

  test('--version prints the package version, alone or after a command', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
    for (const argv of [['--version'], ['transform', '--version'], ['check', '--version'], ['verify', '--version']]) {
      const r = await cli(argv);
      expect({ argv, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ argv, code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});

describe('usage and exit code 2', () => {
  test("an unknown option with no --help: still exit 2, the message, and the command's usage", async () => {
    const r = await cli(['verify', '--stack', 's', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: unknown option --bogus\n\n${VERIFY_USAGE}\n`);
  });

  test.each<[string, string[], string]>([
    ['unknown command', ['frobnicate', 't.yaml'], 'error: unknown command frobnicate'],
    ['unknown option', ['transform', 't.yaml', '--bogus'], 'error: unknown option --bogus'],
    ['bad --format', ['transform', 't.yaml', '--format', 'xml'], 'error: --format must be yaml or json, got xml'],
    ['--format without a value', ['transform', 't.yaml', '--format'], 'error: --format needs a value'],
    ['--param without =', ['transform', 't.yaml', '--param', 'Mode'], 'error: --param takes Key=Value, got Mode'],
    ['--param with an empty key', ['transform', 't.yaml', '--param', '=x'], 'error: --param takes Key=Value, got =x'],
    ['bad --report', ['transform', 't.yaml', '--report', 'yaml'], 'error: --report takes json, got yaml'],
    ['no file', ['transform'], 'error: transform needs a template file (or - for stdin)'],
    ['check without a file', ['check'], 'error: check needs a template file (or - for stdin)'],
    [
      'an option of transform given to check',
      ['check', 't.yaml', '--diff'],
      'error: --diff is not an option of check (it takes --format, --param, --region, --account-id)',
    ],
    ['an option of verify given to transform', ['transform', 't.yaml', '--stack', 's'], 'error: --stack is not an option of transform'],
    ['a value given to a flag', ['transform', 't.yaml', '--diff=yes'], 'error: --diff takes no value'],
    ['an unknown short option', ['transform', 't.yaml', '-x'], 'error: unknown option -x'],
    ['--format of check', ['check', 't.yaml', '--format', 'yaml'], 'error: --format of check must be text, json or sarif, got yaml'],
    ['--param without a value', ['check', 't.yaml', '--param'], 'error: --param needs a value'],
    ['--report given to check', ['check', 't.yaml', '--report', 'json'], 'error: --report is not an option of check'],
    ['--region without a value', ['transform', 't.yaml', '--region'], 'error: --region needs a value'],
  ])('%s', async (_name, argv, message) => {
    const r = await cli(argv, { 't.yaml': TEMPLATE });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('Usage:');
    expect(r.stdout).toBe('');
  });
});

describe('CLI: defects', () => {
  // Running the CLI without any argument is a usage error (exit 2, as documented), not a success.
  test('no arguments at all: usage and exit 2', async () => {
    const r = await cli([]);
    expect(r.stderr).toContain('Usage:');
    expect(r.code).toBe(2);
  });
});
