/**
 * The CLI's exit codes (macro/cli/exit-codes.ts): one table, read by the --help texts and docs/cli.md, whose
 * ranks decide the worst code of several files.
 */
import { CHECK_USAGE, TRANSFORM_USAGE, USAGE, VERIFY_USAGE } from '../../../macro/cli/commands';
import { EXIT_CODES, worstExitCode } from '../../../macro/cli/exit-codes';
import { ACCEPTED } from '../../../macro/core/params';

test('the worst exit code: fails at run time (3) over a cold path (1) over not checked (2) over none (0)', () => {
  expect(worstExitCode([0, 2, 1, 0])).toBe(1);
  expect(worstExitCode([0, 2])).toBe(2);
  expect(worstExitCode([])).toBe(0);
  expect(worstExitCode([1, 3, 2])).toBe(3);
  expect(worstExitCode([0, 3])).toBe(3);
});

test('the table: codes 0 to 3 once each, ranks 0 to 3 once each, 0 the least serious; check and verify mean something by each', () => {
  expect(EXIT_CODES.map((r) => r.code)).toEqual([0, 1, 2, 3]);
  expect(EXIT_CODES.map((r) => r.rank).sort()).toEqual([0, 1, 2, 3]);
  expect(EXIT_CODES.find((r) => r.code === 0)?.rank).toBe(0);
  for (const r of EXIT_CODES) {
    expect([r.code, r.check.help.length > 0, r.check.docs.length > 0, r.verify.help.length > 0, r.verify.docs.length > 0]).toEqual([
      r.code,
      true,
      true,
      true,
      true,
    ]);
  }
  // transform never exits 3.
  expect(EXIT_CODES.filter((r) => r.transform === undefined).map((r) => r.code)).toEqual([3]);
});

test("every --help text says what each of its command's codes means, in the table's words", () => {
  const flat = (s: string): string => s.replace(/\s+/g, ' ');
  for (const r of EXIT_CODES) {
    if (r.transform) expect(flat(TRANSFORM_USAGE)).toContain(`${r.code} ${r.transform.help}`);
    expect(flat(CHECK_USAGE)).toContain(`${r.code} ${r.check.help}`);
    expect(flat(VERIFY_USAGE)).toContain(`${r.code} ${r.verify.help}`);
    expect(flat(USAGE)).toContain(`${r.code} ${r.checkOverview}`);
    expect(flat(USAGE)).toContain(`${r.code} ${r.overview}`);
  }
  // The overview's "Exit codes:" line names every code, 3 included (check and verify exit 3).
  expect(flat(USAGE)).toMatch(/Exit codes: 0 .*; 3 .*; 1 .*; 2 .*\.$/);
  expect(CHECK_USAGE).toContain('The most serious finding decides: 3, then 1, then 2.');
});

test("transform's --param line names every Transform parameter the macro accepts", () => {
  const flat = TRANSFORM_USAGE.replace(/\s+/g, ' ');
  for (const name of ACCEPTED.map((a) => a.split(' ')[0])) expect(flat).toContain(name);
  expect(flat).toContain("--param Key=Value a Transform parameter, over the template's own: AliasName, StateMachines, Exclude, Mode, ResolveExternal");
});
