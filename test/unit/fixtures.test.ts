/**
 * Fixture pairs: every input in test/fixtures/input gives exactly its output in
 * test/fixtures/output (regenerate with `npm run fixtures:update` and review the diff).
 * Every successful output is also a fixed point: running the macro on it changes nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { expectedFileContent, listFixtures, loadInput, runFixture } from '../support/fixtures';
import type { JsonObject } from '../../macro/types';

const cases = listFixtures();

test('fixtures exist', () => {
  expect(cases.length).toBeGreaterThan(0);
});

describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  const input = loadInput(c);
  const result = runFixture(input, c);

  test(c.isError ? 'fails with the expected message' : 'gives the expected output', () => {
    expect(existsSync(c.outputPath)).toBe(true);
    const expected = JSON.parse(readFileSync(c.outputPath, 'utf8'));
    expect(result.ok).toBe(!c.isError);
    expect(expectedFileContent(result)).toEqual(expected);
  });

  if (!c.isError) {
    test('is idempotent', () => {
      if (!result.ok) throw new Error('unexpected failure');
      const transform = (input as JsonObject).Transform;
      const again = runFixture({ ...(result.fragment as JsonObject), ...(transform === undefined ? {} : { Transform: transform }) }, c);
      expect(again.ok).toBe(true);
      expect(again.ok && again.fragment).toEqual(result.fragment);
    });
  }
});
