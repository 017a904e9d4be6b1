/**
 * The edges read the report, never its prose (issue 20, point 2).
 *
 * A source scan of every edge (the CLI, the Lambda handler, its log and its AWS readers): no regex
 * is applied to a message text (`reason`, `message`, `errorMessage`). What an edge needs to know
 * is in the report's structure: `topic`, `messageId` and `data`, `coldPath`, `changed`, `needs`.
 *
 * A few edges classify errors that are not the macro's: the AWS SDK's and Node's own messages.
 * They are listed in ALLOWED, each with why; the list is checked to be current, so it cannot hide
 * a line that has gone.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const EDGES = ['macro/cli', 'macro/lambda', 'macro/aws'];

/** A value that holds a message text. */
const TEXT = String.raw`\b(?:reason|message|errorMessage|messages?Text)\b`;
const PATTERNS: { name: string; re: RegExp }[] = [
  // d.reason.replace(/…/, …), reply.errorMessage.match(/…/), e.message?.search(…)
  {
    name: 'a regex method called on a message',
    re: new RegExp(String.raw`${TEXT}\s*\)?\s*(?:\?\.|\.)\s*(?:match|matchAll|replace|replaceAll|search)\s*\(`, 'g'),
  },
  // /…/.test(d.reason), RE.exec(e.message)
  { name: 'a regex tested against a message', re: new RegExp(String.raw`\.\s*(?:test|exec)\s*\(\s*[^;\n]*?${TEXT}`, 'g') },
  // new RegExp(…) built or applied on the same statement as a message
  { name: 'a RegExp built beside a message', re: new RegExp(String.raw`(?:new\s+)?RegExp\s*\([^;]*${TEXT}|${TEXT}[^;\n]*RegExp\s*\(`, 'g') },
];

/** Edges that classify errors that are not the macro's texts. */
const ALLOWED: { file: string; snippet: string; why: string }[] = [
  { file: 'macro/cli/args.ts', snippet: "/'(-{1,2}[^' ]+)/.exec(e.message)", why: "Node's util.parseArgs error: the option it names" },
  {
    file: 'macro/cli/args.ts',
    snippet: '/does not take an argument/.test(e.message)',
    why: "Node's util.parseArgs error, turned into the CLI's own usage text",
  },
  {
    file: 'macro/cli/commands/verify.ts',
    snippet: "timeoutOr(e, message).replace(/^timed out/, 'CloudFormation timed out')",
    why: "verify's own text for an AWS SDK timeout",
  },
  { file: 'macro/cli/commands/verify.ts', snippet: '/credential/i.test(message)', why: 'an AWS SDK credentials error' },
  { file: 'macro/cli/commands/verify.ts', snippet: '/region/i.test(message) && /missing/i.test(message)', why: 'an AWS SDK configuration error' },
  { file: 'macro/cli/commands/verify.ts', snippet: '/does not exist/.test(message)', why: "CloudFormation's ValidationError for a missing stack" },
  { file: 'macro/aws/s3-definitions.ts', snippet: "/version/i.test((e as Error).message ?? '')", why: "S3's InvalidArgument error for a bad version id" },
];

function files(path: string): string[] {
  const abs = join(ROOT, path);
  if (!statSync(abs).isDirectory()) return [path];
  return readdirSync(abs)
    .flatMap((name) => files(join(path, name)))
    .filter((p) => p.endsWith('.ts'));
}

/** The source without comments (kept line for line, so that findings name the right line). */
function code(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .split('\n')
    .map((line) => (line.trimStart().startsWith('//') ? '' : line))
    .join('\n');
}

interface Finding {
  line: number;
  pattern: string;
  text: string;
}

/** Every place in `source` where a regex is applied to a message text. */
function scan(source: string): Finding[] {
  const text = code(source);
  const lines = source.split('\n');
  const out: Finding[] = [];
  for (const { name, re } of PATTERNS) {
    for (const m of text.matchAll(re)) {
      const line = text.slice(0, m.index).split('\n').length;
      out.push({ line, pattern: name, text: lines[line - 1].trim() });
    }
  }
  // One finding per line, whichever pattern saw it first.
  return out.sort((a, b) => a.line - b.line).filter((f, i, all) => i === 0 || all[i - 1].line !== f.line);
}

const allowed = (file: string, f: Finding): boolean => ALLOWED.some((a) => a.file === file && f.text.includes(a.snippet));

describe('the scan catches an edge that parses message text (self-check)', () => {
  test.each([
    // what cli/main.ts did before the report had message ids
    ["return `  would grant  ${where}: ${d.reason.replace(/ \\(Mode report: nothing changed\\)$/, '')}`;"],
    ['if (/Mode report/.test(d.reason)) return;'],
    ['const cold = decisions.filter((d) => /stays cold/.test(d.reason));'],
    ['const m = reply.errorMessage.match(/Resource with id \\[(\\w+)\\]/);'],
    ['const id = /\\[(\\w+)\\]/.exec(e.message)?.[1];'],
    ['const found = new RegExp(name).test(problem.message);'],
    ['const text = d.reason\n  .replace(/x/, "");'],
    ['if (error.message?.search(/strict/) >= 0) fail();'],
  ])('%s', (line) => {
    expect(scan(`const before = 1;\n${line}\n`)).toEqual([expect.objectContaining({ line: 2 })]);
  });

  test.each([
    ['d.reason, read as it is', 'out.push(`${where}: ${d.reason}`);'],
    ['a regex on a file name', 'const m = /^(.*)\\.template\\.json$/.exec(basename(templateFile));'],
    ['a regex on file text', "return readFile(path).replace(/^\\uFEFF/, '');"],
    ['a comment that quotes the old code', "// d.reason.replace(/ \\(Mode report: nothing changed\\)$/, '')"],
    ['structure, not prose', "if (d.topic === 'definition' && d.messageId === 'definition.storedFails') return;"],
  ])('no finding: %s', (_name, line) => {
    expect(scan(`${line}\n`)).toEqual([]);
  });
});

describe('no edge matches a regex against a message text', () => {
  const edgeFiles = EDGES.flatMap(files);

  test('the scan sees the edges', () => {
    expect(edgeFiles).toEqual(
      expect.arrayContaining([
        'macro/cli/main.ts',
        'macro/cli/commands/check.ts',
        'macro/lambda/handler.ts',
        'macro/lambda/log.ts',
        'macro/aws/lambda-aliases.ts',
        'macro/aws/stack.ts',
      ]),
    );
  });

  test.each(EDGES.flatMap(files).map((f) => [f]))('%s', (file) => {
    const findings = scan(readFileSync(join(ROOT, file), 'utf8')).filter((f) => !allowed(file, f));
    expect(findings.map((f) => `${relative(ROOT, join(ROOT, file))}:${f.line}: ${f.pattern}: ${f.text}`)).toEqual([]);
  });

  test('every allowed line still exists and is still caught by the scan (the list does not rot)', () => {
    for (const a of ALLOWED) {
      const findings = scan(readFileSync(join(ROOT, a.file), 'utf8'));
      expect({ ...a, caught: findings.some((f) => f.text.includes(a.snippet)) }).toEqual({ ...a, caught: true });
    }
  });
});
