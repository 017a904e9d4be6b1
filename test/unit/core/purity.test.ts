/**
 * The core is pure (CONTRIBUTING.md, "Rules the tests hold"; docs/architecture.md): `transform` and every
 * module it reaches do no I/O, load no SDK, write no log and import no edge. The modules are found by
 * following the relative imports from macro/core/transform.ts, so a new import is checked as it lands.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const EDGES = ['macro/cli/', 'macro/lambda/', 'macro/aws/', 'macro/frontends/', 'macro/index.ts'];

/** The source without comments, so that a comment naming an edge or `console` is no finding. */
const code = (source: string): string => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

/** Every module specifier of a source: static imports and re-exports, dynamic import() and require(). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/\b(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/g)) out.push(m[1]);
  for (const m of source.matchAll(/\bimport\s+'([^']+)'/g)) out.push(m[1]);
  for (const m of source.matchAll(/\b(?:import|require)\s*\(\s*['"`]([^'"`]+)/g)) out.push(m[1]);
  return out;
}

/** The core's modules: macro/core/transform.ts and everything it imports, relative path by path. */
function coreModules(): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const source = code(readFileSync(join(ROOT, file), 'utf8'));
    seen.set(file, source);
    for (const s of specifiers(source)) {
      if (!s.startsWith('.')) continue;
      const base = relative(ROOT, join(ROOT, dirname(file), s));
      const next = [`${base}.ts`, join(base, 'index.ts'), base].find((f) => existsSync(join(ROOT, f)));
      if (next === undefined) throw new Error(`${file}: cannot resolve ${s}`);
      if (next.endsWith('.ts')) visit(next);
      else seen.set(next, ''); // data (package.json): no code of its own
    }
  };
  visit('macro/core/transform.ts');
  return seen;
}

describe('the core is pure', () => {
  const modules = coreModules();

  test('it reaches the core, the CloudFormation vocabulary and the shared tables', () => {
    const files = [...modules.keys()];
    expect(files.length).toBeGreaterThan(30);
    expect(files).toEqual(expect.arrayContaining(['macro/core/state-machine.ts', 'macro/core/iam/fixer.ts', 'macro/cfn/sub.ts', 'macro/messages.ts']));
  });

  test('it imports no edge (macro/cli, macro/lambda, macro/aws, macro/frontends)', () => {
    const edges = [...modules.keys()].filter((f) => EDGES.some((e) => f === e || f.startsWith(e)));
    expect(edges).toEqual([]);
  });

  test('it imports no Node.js module and no package (no I/O, no SDK), statically or lazily', () => {
    const found: string[] = [];
    for (const [file, source] of modules) {
      for (const s of specifiers(source)) {
        // A type-only import leaves nothing in the bundle.
        const typeOnly = new RegExp(`\\bimport\\s+type\\s[^;]*?from\\s+'${s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`).test(source);
        if (!s.startsWith('.') && !typeOnly) found.push(`${file}: ${s}`);
      }
    }
    expect(found).toEqual([]);
  });

  test('it writes no log and reads no process state (console, process)', () => {
    const found = [...modules].filter(([, source]) => /\b(?:console|process)\s*\./.test(source)).map(([file]) => file);
    expect(found).toEqual([]);
  });
});
