/**
 * Resources: whatever the template's shape, the macro's time and memory grow like the template,
 * and every reply is bounded (issue: bounded time, memory and replies).
 *
 * 1. A fast-check property over adversarial shapes (nested Fn::Sub reusing their variables, big
 *    Fn::Join delimiters, deep objects and texts, long names, wildcard policies, deep and wide
 *    rewrites): the result is a success whose template JSON can write and whose Metadata is capped,
 *    or a failure that names a limit; never another error.
 * 2. A benchmark-style test: each probe class at a size and at 8 times it, each in a fresh process
 *    (test/support/measure-probe.ts). Time and allocated memory are divided by those of the floor
 *    `JSON.parse(JSON.stringify(template))` of the same template, a linear baseline; the ratio at 8×
 *    may not exceed 3 times the ratio at 1× (linear work keeps it near 1; quadratic work makes it 8).
 *    No wall-clock limit: both sides run in the same process, interleaved, so load cancels out.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import fc from 'fast-check';
import { TransformError } from '../../macro/errors';
import { LIMITS } from '../../macro/limits';
import { transform } from '../../macro/core/transform';
import type { JsonObject } from '../../macro/types';
import {
  deepObject,
  deepTasks,
  deepText,
  joinDelimiter,
  longName,
  sharedVariable,
  subReuseDefinition,
  subReuseName,
  substitutionsScan,
  wideTasks,
  wildcardPolicy,
} from '../support/probes';

const OPTS = { region: 'us-east-1', accountId: '123456789012' };

const adversarial = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 6 })).map(([d]) => subReuseName(d)),
  fc.integer({ min: 1, max: 16 }).map((d) => subReuseDefinition(d)),
  fc.tuple(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 20, max: 400 })).map(([b, t]) => joinDelimiter(b, t)),
  fc.integer({ min: 0, max: 30_000 }).map((n) => substitutionsScan(n)),
  fc.integer({ min: 0, max: 1_000 }).map((d) => JSON.parse(deepObject(d))),
  fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.constantFrom('string' as const, 'sub' as const, 'join' as const)).map(([d, f]) => deepText(d, f)),
  fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 8, max: 400 })).map(([d, n]) => deepTasks(d, n)),
  fc.integer({ min: 14, max: 60_000 }).map((n) => longName(n)),
  fc
    .tuple(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 20_000 }))
    .map(([n, s, r]) => wildcardPolicy(n, s, r)),
  fc.integer({ min: 1, max: 1_500 }).map((n) => wideTasks(n)),
  fc.tuple(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 50_000 })).map(([t, n]) => sharedVariable(t, n)),
);

test('any adversarial shape: a success that JSON can write, with capped Metadata, or a failure that names a limit', () => {
  fc.assert(
    fc.property(adversarial, (template) => {
      let result: ReturnType<typeof transform>;
      try {
        result = transform(template, OPTS);
      } catch (e) {
        expect(e).toBeInstanceOf(TransformError);
        expect((e as Error).message).toMatch(/limit/);
        return;
      }
      const text = JSON.stringify(result.fragment);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(LIMITS.replyBytes);
      for (const r of Object.values((result.fragment as { Resources: Record<string, JsonObject> }).Resources)) {
        const entries = (r.Metadata as JsonObject | undefined)?.WarmStepFunctions as JsonObject[] | undefined;
        if (!entries) continue;
        expect(entries.length).toBeLessThanOrEqual(LIMITS.metadataEntries + 1);
        for (const e of entries)
          for (const k of ['state', 'path', 'from', 'to']) if (typeof e[k] === 'string') expect((e[k] as string).length).toBeLessThanOrEqual(LIMITS.reportText);
      }
    }),
    { numRuns: 60, seed: 22 },
  );
});

describe('time and memory grow like the template (ratios to the floor JSON.parse(JSON.stringify(template)))', () => {
  let dir: string;
  let script: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'warm-resources-'));
    script = join(dir, 'measure-probe.cjs');
    buildSync({
      entryPoints: [join(__dirname, '..', 'support', 'measure-probe.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: script,
      logLevel: 'warning',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const measure = (cls: string, size: number): { ms: number; floorMs: number; bytes: number; floorBytes: number; gcDuring: number; outcome: string } => {
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', '--max-semi-space-size=256', '--min-semi-space-size=256', '--max-old-space-size=512', script, cls, String(size), '15'],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    if (r.status !== 0) throw new Error(`measuring ${cls} at ${size} failed: ${r.stderr.slice(-500)}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  };

  // Sizes: the larger is 8 times the smaller, and within the limits (each stays a success).
  test.each<[string, number]>([
    ['join-delimiter', 200],
    ['substitutions', 10_000],
    ['deep-object', 90],
    ['deep-sub', 1_000],
    ['deep-tasks', 150],
    ['long-name', 20_000],
    ['wildcard', 20_000],
    ['wide-tasks', 400],
    ['shared-variable', 200],
  ])(
    '%s: x8 in size costs at most 3 times more per floor unit, in time and in memory',
    (cls, size) => {
      // Time on a shared machine is noisy: a busy neighbour can slow either side. Memory is counted,
      // but the heap's reading can still move under the floor's small allocation (once, in a CI run
      // on Node.js 24, deep-tasks read over 3 where it reads 0.9 every other time). So each ratio
      // gets up to 3 tries, and the best counts: a superlinear cost fails every try; noise does not.
      let time = Infinity;
      let memory = Infinity;
      for (let attempt = 0; attempt < 3 && (time > 3 || memory > 3); attempt++) {
        const small = measure(cls, size);
        const large = measure(cls, size * 8);
        expect([small.outcome, large.outcome]).toEqual(['success', 'success']);
        // The memory readings are sound only when no GC ran during the calls.
        expect(small.gcDuring + large.gcDuring).toBe(0);
        time = Math.min(time, large.ms / large.floorMs / (small.ms / small.floorMs));
        memory = Math.min(memory, large.bytes / large.floorBytes / (small.bytes / small.floorBytes));
      }
      expect({ cls, time: time <= 3, memory: memory <= 3 }).toEqual({ cls, time: true, memory: true });
    },
    300_000,
  );
});
