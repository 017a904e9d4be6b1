/**
 * Cold start as Lambda measures it: the bundle loaded by AWS's own runtime interface clients
 * (aws-lambda-ric, scripts/runtime-clients.mjs) against a loopback Runtime API
 * (test/support/lambda-runtime.ts), in fresh processes, each client on its runtime's Node.js
 * (aws-lambda-ric 3.3.0 on Node.js 22, 4.0.2 on Node.js 24: scripts/runtime-clients.json, node-versions.json).
 *
 * For each client/Node.js pair, and interleaved with the same pair running an empty handler, it times:
 * - init: from spawning the client to its first GET /invocation/next (what Lambda reports as Init Duration);
 * - first reply: from that /next, which hands over an invocation already queued, to the posted reply.
 * The init overhead is the difference of the medians (real bundle - empty handler).
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The loopback Runtime API and launcher of the tests, compiled for this script. */
async function loadSupport(dir) {
  const out = join(dir, 'lambda-runtime.cjs');
  await build({
    entryPoints: [join(ROOT, 'test/support/lambda-runtime.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    logLevel: 'warning',
    define: { __dirname: JSON.stringify(join(ROOT, 'test/support')) },
  });
  return createRequire(import.meta.url)(out);
}

function seedEvent() {
  const t = JSON.parse(readFileSync(join(ROOT, 'template/examples/serverless-seed/compiled.json'), 'utf8'));
  delete t.Transform;
  return {
    region: 'us-east-1',
    accountId: '123456789012',
    fragment: t,
    transformId: '123456789012::WarmStepFunctions',
    params: {},
    requestId: 'bench-cold',
    templateParameterValues: {},
  };
}

/**
 * @param {{ macro: string, rounds?: number }} o  macro: the bundle to load (dist/macro.js)
 * @returns {Promise<{ clients: Array<{ version: string, runtime: string, node: string, installed: boolean, rounds?: number, init?: {macro: number, empty: number}, reply?: {macro: number, empty: number} }> }>}
 *   node: the Node.js version the client ran on
 */
export async function runtimeColdStart({ macro, rounds = 21 }) {
  const dir = mkdtempSync(join(tmpdir(), 'wsf-bench-runtime-'));
  try {
    const support = await loadSupport(dir);
    const roots = { macro: join(dir, 'task-macro'), empty: join(dir, 'task-empty') };
    // Both are ES modules, as the deployed code is (dist/package.json says so).
    for (const r of Object.values(roots)) {
      mkdirSync(join(r, 'dist'), { recursive: true });
      writeFileSync(join(r, 'dist', 'package.json'), '{ "type": "module" }\n');
    }
    copyFileSync(macro, join(roots.macro, 'dist', 'macro.js'));
    writeFileSync(
      join(roots.empty, 'dist', 'macro.js'),
      'export const handler = async (event) => ({ requestId: event.requestId, status: "success", fragment: event.fragment });\n',
    );
    const event = seedEvent();

    const once = async (client, entry, which) => {
      const api = new support.RuntimeApi();
      await api.start();
      const reply = api.invoke(event);
      const fn = support.launch(client, entry, api, { taskRoot: roots[which], handler: 'dist/macro.handler' });
      try {
        const next = await api.firstNext(30_000);
        const r = await reply;
        if (r.kind !== 'response' || r.body.status !== 'success')
          throw new Error(`${which} under aws-lambda-ric@${client.version}: ${JSON.stringify(r.body).slice(0, 300)}`);
        return { init: Number(next - fn.startedAt) / 1e6, reply: r.durationMs };
      } finally {
        await fn.stop();
        await api.close();
      }
    };

    const clients = [];
    for (const client of support.RUNTIME_CLIENTS) {
      const { entry, installed } = support.clientPaths(client);
      const node = support.nodeBinary(client.node).version;
      if (!installed) {
        clients.push({ version: client.version, runtime: client.runtime, node, installed });
        continue;
      }
      for (let i = 0; i < 2; i++) {
        await once(client, entry, 'empty');
        await once(client, entry, 'macro');
      }
      const s = { macro: { init: [], reply: [] }, empty: { init: [], reply: [] } };
      for (let i = 0; i < rounds; i++) {
        for (const which of i % 2 === 0 ? ['macro', 'empty'] : ['empty', 'macro']) {
          const t = await once(client, entry, which);
          s[which].init.push(t.init);
          s[which].reply.push(t.reply);
        }
      }
      clients.push({
        version: client.version,
        runtime: client.runtime,
        node,
        installed,
        rounds,
        init: { macro: median(s.macro.init), empty: median(s.empty.init) },
        reply: { macro: median(s.macro.reply), empty: median(s.empty.reply) },
      });
    }
    return { clients };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Standalone: node bench/runtime.mjs [rounds]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rounds = Number(process.argv[2]) || 21;
  const r = await runtimeColdStart({ macro: join(ROOT, 'dist', 'macro.js'), rounds });
  const rows = [
    ['client', 'Lambda runtime', 'Node.js', 'init ms', 'init ms, empty handler', 'init overhead ms', 'first reply ms', 'first reply ms, empty handler'],
  ];
  for (const c of r.clients) {
    if (!c.installed) rows.push([`aws-lambda-ric@${c.version}`, c.runtime, c.node, 'not installed (node scripts/runtime-clients.mjs)', '', '', '', '']);
    else {
      const d = c.init.macro - c.init.empty;
      rows.push([
        `aws-lambda-ric@${c.version}`,
        c.runtime,
        c.node,
        c.init.macro.toFixed(1),
        c.init.empty.toFixed(1),
        `${d >= 0 ? '+' : ''}${d.toFixed(1)}`,
        c.reply.macro.toFixed(2),
        c.reply.empty.toFixed(2),
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(rows[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
  console.log(
    `Medians of ${rounds} interleaved fresh processes per pair: init from spawning the client on its Node.js to its first GET /invocation/next; first reply from that /next to the posted reply. This machine: ${process.arch}, the bench itself on Node.js ${process.version}.`,
  );
}
