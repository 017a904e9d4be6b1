/**
 * ResolveExternal's lanes (macro/external/lanes.ts): which external functions are looked up, with
 * which Region's client, and what the others say. Pure: the SDK-side behaviour is in external.test.ts
 * (aws-sdk-client-mock) and wire.test.ts (the real SDK on a loopback endpoint).
 */
import { DEFAULT_MAX_LOOKUPS, planLookups } from '../../macro/external/lanes';

const ACCOUNT = '123456789012';
const OTHER = '111122223333';
const fn = (name: string, region = 'us-east-1', account = ACCOUNT, partition = 'aws'): string =>
  `arn:${partition}:lambda:${region}:${account}:function:${name}`;
const HERE = { region: 'us-east-1', accountId: ACCOUNT };

describe('planLookups: partition and Region', () => {
  test("the stack's own account and Region: looked up with the event Region's client, in ARN order, once each", () => {
    const plan = planLookups([fn('b'), fn('a'), fn('b')], HERE);
    expect(plan).toEqual({
      lookups: [
        { arn: fn('a'), region: 'us-east-1' },
        { arn: fn('b'), region: 'us-east-1' },
      ],
      skipped: {},
      capped: 0,
      inLanes: 2,
    });
  });

  test("another Region of the same partition: looked up with that Region's client", () => {
    const plan = planLookups([fn('a', 'eu-west-1'), fn('b', 'us-west-2')], HERE);
    expect(plan.lookups).toEqual([
      { arn: fn('a', 'eu-west-1'), region: 'eu-west-1' },
      { arn: fn('b', 'us-west-2'), region: 'us-west-2' },
    ]);
    expect(plan.skipped).toEqual({});
  });

  test('another partition: not looked up, and says so (from either side)', () => {
    const cn = fn('a', 'cn-north-1', ACCOUNT, 'aws-cn');
    expect(planLookups([cn], HERE)).toEqual({
      lookups: [],
      skipped: {
        [cn]: {
          status: 'error',
          message: "not looked up: its partition (aws-cn) is not this stack's (aws); the macro looks up functions of its own partition only",
        },
      },
      capped: 0,
      inLanes: 0,
    });
    const aws = fn('a');
    expect(planLookups([aws], { region: 'cn-north-1', accountId: ACCOUNT }).skipped[aws]).toEqual({
      status: 'error',
      message: "not looked up: its partition (aws) is not this stack's (aws-cn); the macro looks up functions of its own partition only",
    });
    // The China Regions look each other up.
    expect(planLookups([fn('a', 'cn-northwest-1', ACCOUNT, 'aws-cn')], { region: 'cn-north-1', accountId: ACCOUNT }).lookups).toEqual([
      { arn: fn('a', 'cn-northwest-1', ACCOUNT, 'aws-cn'), region: 'cn-northwest-1' },
    ]);
  });

  test.each([
    ["a Region of another partition under this partition's name", 'cn-north-1'],
    ['a host name', 'evil.example.com'],
    ['an upper-case Region', 'US-EAST-1'],
    ['no Region', ''],
    ['a Region with a path', 'us-east-1/x'],
  ])('%s: not looked up (no client is built for it)', (_name, region) => {
    const arn = `arn:aws:lambda:${region}:${ACCOUNT}:function:a`;
    const plan = planLookups([arn], HERE);
    expect(plan.lookups).toEqual([]);
    expect(plan.skipped[arn]).toEqual({ status: 'error', message: expect.stringMatching(/^not looked up: /) });
  });
});

describe('planLookups: accounts and malformed input', () => {
  test("another account: only when ExternalAccounts names it; the stack's own account always", () => {
    const theirs = fn('a', 'us-east-1', OTHER);
    const ours = fn('b');
    const without = planLookups([theirs, ours], HERE);
    expect(without.lookups.map((l) => l.arn)).toEqual([ours]);
    expect(without.skipped[theirs]).toEqual({
      status: 'error',
      message: `not looked up: account ${OTHER} is not this stack's; the macro looks up functions of another account only when the Transform parameter ExternalAccounts names it`,
    });
    const withIt = planLookups([theirs, ours], { ...HERE, externalAccounts: [OTHER] });
    expect(withIt.lookups.map((l) => l.arn)).toEqual([theirs, ours]);
    expect(withIt.skipped).toEqual({});
    // Naming another account does not drop the stack's own.
    expect(planLookups([ours], { ...HERE, externalAccounts: [OTHER] }).lookups.map((l) => l.arn)).toEqual([ours]);
  });

  test('no Region in the event: nothing is looked up', () => {
    const plan = planLookups([fn('a')], { region: undefined, accountId: ACCOUNT });
    expect(plan.lookups).toEqual([]);
    expect(plan.skipped[fn('a')]).toEqual({
      status: 'error',
      message: 'not looked up: the macro event names no Region, so the partition of this stack is unknown',
    });
  });

  test('anything but an unqualified function ARN: not looked up', () => {
    const odd = [
      'arn:aws:lambda:us-east-1:123456789012:function:a:live',
      'a',
      'arn:aws:lambda:us-east-1:123456789012:layer:a',
      `arn:aws:lambda:us-east-1:${ACCOUNT}:function:a*`,
    ];
    const plan = planLookups(odd, HERE);
    expect(plan.lookups).toEqual([]);
    expect(Object.keys(plan.skipped).sort()).toEqual([...odd].sort());
  });
});

describe('planLookups: the cap', () => {
  test(`the cap: at most ${DEFAULT_MAX_LOOKUPS} functions by default, the first in ARN order; each of the others says why`, () => {
    const arns = Array.from({ length: DEFAULT_MAX_LOOKUPS + 3 }, (_, k) => fn(`f${String(k).padStart(3, '0')}`));
    const plan = planLookups([...arns].reverse(), HERE);
    expect(plan.lookups.map((l) => l.arn)).toEqual(arns.slice(0, DEFAULT_MAX_LOOKUPS));
    expect(plan.capped).toBe(3);
    expect(plan.inLanes).toBe(DEFAULT_MAX_LOOKUPS + 3);
    expect(Object.keys(plan.skipped)).toEqual(arns.slice(DEFAULT_MAX_LOOKUPS));
    for (const v of Object.values(plan.skipped)) {
      expect(v).toEqual({
        status: 'error',
        message: `not looked up: the template names ${DEFAULT_MAX_LOOKUPS + 3} functions outside it to look up, and the macro looks up at most ${DEFAULT_MAX_LOOKUPS} per template (the first ${DEFAULT_MAX_LOOKUPS} in ARN order)`,
      });
    }
  });

  test('the cap counts only functions in the lanes, and can be set', () => {
    const plan = planLookups([fn('a'), fn('b'), fn('c'), fn('x', 'us-east-1', OTHER)], { ...HERE, maxLookups: 2 });
    expect(plan.lookups.map((l) => l.arn)).toEqual([fn('a'), fn('b')]);
    expect(plan.capped).toBe(1);
    expect(plan.skipped[fn('c')]).toMatchObject({ message: expect.stringContaining('at most 2 per template') });
    expect(plan.skipped[fn('x', 'us-east-1', OTHER)]).toMatchObject({ message: expect.stringContaining('ExternalAccounts') });
  });
});
