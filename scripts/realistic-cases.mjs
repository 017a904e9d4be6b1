#!/usr/bin/env node
// Runs the CLI on each realistic case in test/realistic/ and compares the result with the case's written
// expectation (<name>.expect.json), using an evaluator of its own (not the product's):
//   - every combination of the template's parameter values the expectation lists (Conditions follow);
//   - each state's Lambda invocation, rendered to a concrete ARN, must equal the expected target;
//   - the principal that calls Lambda (the state machine's role, or the task's Credentials.RoleArn) must be
//     allowed lambda:InvokeFunction on that ARN by every policy of the template that reaches it
//     (inline Policies, AWS::IAM::Policy/RolePolicy/ManagedPolicy, ManagedPolicyArns, PermissionsBoundary,
//     Deny with NotResource/NotAction), unless the expectation says a warning is enough;
//   - `check`'s exit code, and words the report must contain.
// SAM sources are translated with SAM's own translator (before the macro when SAM is listed first, after it
// when the macro is). Usage:
//   node scripts/realistic-cases.mjs [--cli dist/cli.cjs] [--json] [name-filter...]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CASES = join(ROOT, 'test', 'realistic');
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const PY = process.env.WSF_PYTHON || 'python3';

const args = process.argv.slice(2);
let cli = join(ROOT, 'dist', 'cli.cjs');
let asJson = false;
let lint = false;
let flipSam = false;
const filters = [];
for (let i = 0; i < args.length; i += 1) {
  if (args[i] === '--cli') {
    i += 1;
    cli = resolve(args[i]);
  } else if (args[i] === '--json') asJson = true;
  else if (args[i] === '--lint') lint = true;
  else if (args[i] === '--flip-sam')
    flipSam = true; // SAM cases in the other transform order
  else filters.push(args[i]);
}

// ---------- YAML/JSON reading: the CLI itself converts to JSON (transform of a no-transform copy is not safe),
// so read with the yaml package the repository already depends on.
const require_ = (await import('node:module')).createRequire(join(ROOT, 'package.json'));
const YAML = require_('yaml');
const cfnTags = [
  'Ref',
  'GetAtt',
  'Sub',
  'Join',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'Condition',
  'ImportValue',
  'Select',
  'Split',
  'FindInMap',
  'Base64',
  'GetAZs',
  'ToJsonString',
  'Cidr',
].map((n) => ({
  tag: `!${n}`,
  resolve: (v) => {
    if (n === 'GetAtt' && typeof v === 'string')
      return { 'Fn::GetAtt': v.split('.').length > 1 ? [v.slice(0, v.indexOf('.')), v.slice(v.indexOf('.') + 1)] : v };
    if (n === 'Ref' || n === 'Condition') return { [n]: v };
    return { [`Fn::${n}`]: v };
  },
}));
const tagsFor = (kind) => cfnTags.map((t) => ({ ...t, collection: kind === 'scalar' ? undefined : kind }));
const customTags = [
  ...cfnTags.map((t) => ({ tag: t.tag, resolve: (s) => t.resolve(s) })),
  ...tagsFor('seq').map((t) => ({ tag: t.tag, collection: 'seq', resolve: (s) => t.resolve(s.toJSON()) })),
  ...tagsFor('map').map((t) => ({ tag: t.tag, collection: 'map', resolve: (m) => t.resolve(m.toJSON()) })),
];
function readTemplate(file) {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return JSON.parse(text);
  return YAML.parse(text, { customTags, schema: 'core', uniqueKeys: false });
}

// ---------- running tools
function run(cmd, argv, input) {
  const r = spawnSync(cmd, argv, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function samTranslate(template, parameters = {}) {
  const r = run(PY, [join(ROOT, 'test', 'support', 'sam_translate.py')], JSON.stringify({ template, parameters }));
  try {
    const j = JSON.parse(r.out);
    if (!j.ok) return { error: j.errors.join('; ') };
    return { output: j.output };
  } catch {
    return { error: `translator: ${r.err.slice(-400)}` };
  }
}
function transformsOf(t) {
  const tr = t.Transform;
  return tr === undefined ? [] : Array.isArray(tr) ? tr : [tr];
}

// ---------- intrinsic evaluation to concrete strings
const UNKNOWN = Symbol('unknown');
function makeEnv(template, paramValues) {
  const resources = template.Resources || {};
  const params = {};
  for (const [k, p] of Object.entries(template.Parameters || {})) params[k] = paramValues[k] ?? p.Default;
  const condCache = {};
  const env = { template, resources, params };
  env.cond = (name) => {
    if (name in condCache) return condCache[name];
    const def = template.Conditions?.[name];
    if (def === undefined) throw new Error(`unknown condition ${name}`);
    condCache[name] = Boolean(evalValue(env, def));
    return condCache[name];
  };
  return env;
}
function fnName(env, id) {
  const r = env.resources[id];
  const n = r?.Properties?.FunctionName;
  if (typeof n === 'string') return n;
  return id;
}
function fnArn(env, id) {
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fnName(env, id)}`;
}
function versionNumber(id) {
  return `1${id.length}`; // one stable number per version resource
}
function refOf(env, id) {
  if (id in env.params) return env.params[id];
  const pseudo = {
    'AWS::Region': REGION,
    'AWS::AccountId': ACCOUNT,
    'AWS::Partition': 'aws',
    'AWS::StackName': 'stack',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::NoValue': UNKNOWN,
  };
  if (id in pseudo) return pseudo[id];
  const r = env.resources[id];
  if (!r) return `{unresolved Ref ${id}}`;
  const p = r.Properties || {};
  switch (r.Type) {
    case 'AWS::Lambda::Function':
      return fnName(env, id);
    case 'AWS::Lambda::Alias':
      return `${lambdaTargetArn(env, p.FunctionName)}:${evalValue(env, p.Name)}`;
    case 'AWS::Lambda::Version':
      return `${lambdaTargetArn(env, p.FunctionName)}:${versionNumber(id)}`;
    case 'AWS::IAM::Role':
      return typeof p.RoleName === 'string' ? p.RoleName : id;
    case 'AWS::IAM::ManagedPolicy':
      return `arn:aws:iam::${ACCOUNT}:policy/${typeof p.ManagedPolicyName === 'string' ? p.ManagedPolicyName : id}`;
    default:
      return id;
  }
}
function lambdaTargetArn(env, v) {
  const s = evalValue(env, v);
  if (typeof s !== 'string') return String(s);
  if (s.startsWith('arn:')) return s;
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${s}`;
}
function getAtt(env, id, attr) {
  const r = env.resources[id];
  if (!r) return `{unresolved GetAtt ${id}.${attr}}`;
  if (r.Type === 'AWS::Lambda::Function' && attr === 'Arn') return fnArn(env, id);
  if (r.Type === 'AWS::Lambda::Version' && attr === 'Version') return versionNumber(id);
  if (r.Type === 'AWS::Lambda::Version' && attr === 'FunctionArn') return lambdaTargetArn(env, r.Properties.FunctionName);
  if (r.Type === 'AWS::IAM::Role' && attr === 'Arn') return `arn:aws:iam::${ACCOUNT}:role/${refOf(env, id)}`;
  return `{GetAtt ${id}.${attr}}`;
}
function subst(env, str, vars) {
  return str.replace(/\$\{(!?)([^}]*)\}/g, (_match, bang, name) => {
    if (bang) return `\${${name}}`;
    if (vars && name in vars) return String(evalValue(env, vars[name]));
    if (name.includes('.') && !name.startsWith('AWS::')) {
      const i = name.indexOf('.');
      return String(getAtt(env, name.slice(0, i), name.slice(i + 1)));
    }
    return String(refOf(env, name));
  });
}
function evalValue(env, v) {
  if (Array.isArray(v)) return v.map((x) => evalValue(env, x)).filter((x) => x !== UNKNOWN);
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const k = keys[0];
    const a = v[k];
    switch (k) {
      case 'Ref':
        return refOf(env, a);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(a) ? a : [a.slice(0, a.indexOf('.')), a.slice(a.indexOf('.') + 1)];
        return getAtt(env, id, attr);
      }
      case 'Fn::Sub':
        return Array.isArray(a) ? subst(env, a[0], a[1]) : subst(env, a);
      case 'Fn::Join':
        return evalValue(env, a[1]).join(a[0]);
      case 'Fn::If':
        return evalValue(env, env.cond(a[0]) ? a[1] : a[2]);
      case 'Fn::Equals':
        return evalValue(env, a[0]) === evalValue(env, a[1]);
      case 'Fn::Not':
        return !evalValue(env, a[0]);
      case 'Fn::And':
        return a.every((x) => evalValue(env, x));
      case 'Fn::Or':
        return a.some((x) => evalValue(env, x));
      case 'Condition':
        return env.cond(a);
      case 'Fn::ImportValue':
        return `arn:aws:iam::${ACCOUNT}:role/imported-${evalValue(env, a)}`;
      case 'Fn::Select':
        return evalValue(env, a[1])[Number(evalValue(env, a[0]))];
      case 'Fn::Split':
        return String(evalValue(env, a[1])).split(a[0]);
      case 'Fn::ToJsonString':
        return JSON.stringify(evalValue(env, a));
      default:
    }
  }
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    const e = evalValue(env, x);
    if (e !== UNKNOWN) out[k] = e;
  }
  return out;
}

// ---------- definitions and invocations
function definitionOf(env, sm) {
  const p = sm.Properties || {};
  const subs = p.DefinitionSubstitutions ? evalValue(env, p.DefinitionSubstitutions) : {};
  let def;
  if (p.Definition !== undefined) def = JSON.stringify(evalValue(env, p.Definition));
  else if (p.DefinitionString !== undefined) def = String(evalValue(env, p.DefinitionString));
  else return { error: 'no inline definition' };
  def = def.replace(/\$\{([^}]+)\}/g, (m, n) => (n in subs ? String(subs[n]) : m));
  try {
    return { def: JSON.parse(def) };
  } catch (e) {
    return { error: `definition does not parse: ${e.message}` };
  }
}
function* states(statesObj, prefix = '') {
  for (const [name, s] of Object.entries(statesObj || {})) {
    yield [prefix + name, s];
    for (const b of s.Branches || []) yield* states(b.States, `${prefix}${name}/`);
    const proc = s.ItemProcessor || s.Iterator;
    if (proc) yield* states(proc.States, `${prefix}${name}/`);
  }
}
function invocationOf(s) {
  if (s.Type !== 'Task' || typeof s.Resource !== 'string') return null;
  const r = s.Resource;
  const args = s.Arguments || s.Parameters || {};
  let target;
  if (/^arn:aws[-a-z]*:states:::lambda:invoke(\.waitForTaskToken)?$/.test(r)) {
    const f = args.FunctionName ?? args['FunctionName.$'];
    if (typeof f !== 'string') return { target: '{dynamic}' };
    target = f.startsWith('arn:') ? f : `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${f}`;
    if (args.Qualifier) target += `:${args.Qualifier}`;
  } else if (/^arn:aws[-a-z]*:lambda:/.test(r)) target = r;
  else return null;
  const cred = s.Credentials?.RoleArn ?? (s.Credentials?.['RoleArn.$'] ? '{dynamic}' : undefined);
  return { target, credentials: cred };
}

// ---------- IAM
const WELL_KNOWN = {
  'arn:aws:iam::aws:policy/service-role/AWSLambdaRole': [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' }],
  'arn:aws:iam::aws:policy/AWSLambda_FullAccess': [{ Effect: 'Allow', Action: 'lambda:*', Resource: '*' }],
};
const globMatch = (pattern, s) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((x) =>
        x
          .split('?')
          .map((y) => y.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
          .join('.'),
      )
      .join('.*')}$`,
    'i',
  ).test(s);
const list = (x) => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
function statementApplies(st, action, resource) {
  const actOk = st.Action !== undefined ? list(st.Action).some((a) => globMatch(a, action)) : !list(st.NotAction).some((a) => globMatch(a, action));
  const resMatch = (p) => (p.startsWith('arn:aws:lambda:') || p === '*' || p.includes('*') ? globMatch(p, resource) : p === resource);
  const resOk = st.Resource !== undefined ? list(st.Resource).some(resMatch) : !list(st.NotResource).some(resMatch);
  return actOk && resOk;
}
function docStatements(doc) {
  if (!doc || typeof doc !== 'object') return [];
  return list(doc.Statement).filter((s) => s && typeof s === 'object');
}
function roleIdFromArn(env, arn) {
  if (typeof arn !== 'string') return null;
  const m = /^arn:aws:iam::\d+:role\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!m) return null;
  for (const [id, r] of Object.entries(env.resources)) {
    if (r.Type === 'AWS::IAM::Role' && refOf(env, id) === m[1] && resourceOn(env, id)) return id;
  }
  return null;
}
function resourceOn(env, id) {
  const c = env.resources[id]?.Condition;
  return c === undefined || env.cond(c);
}
function policiesOf(env, roleId) {
  const role = env.resources[roleId];
  const identity = [];
  const unknown = [];
  const p = evalValue(env, role.Properties || {});
  for (const pol of list(p.Policies)) identity.push(...docStatements(pol.PolicyDocument).map((s) => ({ ...s, from: `${roleId}.Policies.${pol.PolicyName}` })));
  const attachedMp = new Set();
  for (const a of list(p.ManagedPolicyArns)) {
    const mpId = Object.keys(env.resources).find((id) => env.resources[id].Type === 'AWS::IAM::ManagedPolicy' && refOf(env, id) === a);
    if (mpId) attachedMp.add(mpId);
    else if (WELL_KNOWN[a]) identity.push(...WELL_KNOWN[a].map((s) => ({ ...s, from: a })));
    else unknown.push(`managed policy ${a}`);
  }
  const roleName = refOf(env, roleId);
  for (const [id, r] of Object.entries(env.resources)) {
    if (!resourceOn(env, id)) continue;
    const rp = r.Properties || {};
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      const roles = evalValue(env, rp.Roles || []);
      if (list(roles).includes(roleName) || attachedMp.has(id))
        identity.push(...docStatements(evalValue(env, rp.PolicyDocument)).map((s) => ({ ...s, from: id })));
    } else if (r.Type === 'AWS::IAM::RolePolicy' && evalValue(env, rp.RoleName) === roleName) {
      identity.push(...docStatements(evalValue(env, rp.PolicyDocument)).map((s) => ({ ...s, from: id })));
    }
  }
  let boundary = null;
  if (p.PermissionsBoundary !== undefined) {
    const b = p.PermissionsBoundary;
    const mpId = Object.keys(env.resources).find((id) => env.resources[id].Type === 'AWS::IAM::ManagedPolicy' && refOf(env, id) === b);
    if (mpId) boundary = docStatements(evalValue(env, env.resources[mpId].Properties.PolicyDocument)).map((s) => ({ ...s, from: `boundary ${mpId}` }));
    else unknown.push(`boundary ${b}`);
  }
  return { identity, boundary, unknown };
}
function evaluate(env, roleId, action, resource) {
  const { identity, boundary, unknown } = policiesOf(env, roleId);
  const all = [...identity, ...(boundary || [])];
  const deny = all.find((s) => s.Effect === 'Deny' && statementApplies(s, action, resource));
  if (deny) return { allowed: false, why: `explicit Deny in ${deny.from}` };
  const allow = identity.find((s) => s.Effect === 'Allow' && !s.Condition && statementApplies(s, action, resource));
  if (!allow) return { allowed: false, why: 'no Allow in the identity policies', unknown };
  if (boundary && !boundary.some((s) => s.Effect === 'Allow' && !s.Condition && statementApplies(s, action, resource)))
    return { allowed: false, why: 'the permissions boundary does not allow it' };
  return { allowed: true, why: `allowed by ${allow.from}`, unknown };
}

// ---------- one case
function combos(expect) {
  return expect.combos?.length ? expect.combos : [{ name: 'default', params: {} }];
}
function runCase(name, file, expect) {
  const failures = [];
  const notes = [];
  const source = readTemplate(file);
  if (flipSam && transformsOf(source).includes('AWS::Serverless-2016-10-31') && transformsOf(source).includes('WarmStepFunctions'))
    source.Transform = [...transformsOf(source)].reverse();
  const transforms = transformsOf(source);
  const samIdx = transforms.indexOf('AWS::Serverless-2016-10-31');
  const wsfIdx = transforms.indexOf('WarmStepFunctions');
  let input = source;
  // SAM listed first: CloudFormation runs SAM before the macro.
  if (samIdx >= 0 && samIdx < wsfIdx) {
    const t = samTranslate({ ...source, Transform: 'AWS::Serverless-2016-10-31' });
    if (t.error) return { name, failures: [`SAM translator (before the macro): ${t.error}`], notes };
    input = { ...t.output, Transform: 'WarmStepFunctions' };
  }
  const params = Object.entries(expect.params || {}).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
  const { tr, actual } = runCommands(JSON.stringify(input), params, expect, failures);
  if (tr.code !== 0) return { name, failures, notes, actual };
  let output;
  try {
    output = JSON.parse(tr.out);
  } catch {
    failures.push('transform output is not JSON');
    return { name, failures, notes, actual };
  }
  checkIdempotent(input, output, params, failures);
  const warnings = checkReport(tr.err, expect, failures, actual);
  // The macro before SAM: CloudFormation runs SAM on the macro's output.
  if (samIdx >= 0 && wsfIdx < samIdx) {
    const rest = transforms.filter((x) => x !== 'WarmStepFunctions');
    const t = samTranslate({ ...output, Transform: rest.length === 1 ? rest[0] : rest });
    if (t.error) {
      failures.push(`SAM translator (after the macro): ${t.error}`);
      return { name, failures, notes, actual };
    }
    output = t.output;
  }
  if (lint) lintPairs.push({ name, before: input, after: output });
  checkInvocations(output, expect, warnings, { failures, notes, actual });
  return { name, failures, notes, actual };
}

/** `transform` and `check` on the case's input: their exit codes and the words the report must (not) say. */
function runCommands(inputText, params, expect, failures) {
  const tr = run('node', [cli, 'transform', '-', '--format', 'json', '--report', 'json', '--region', REGION, '--account-id', ACCOUNT, ...params], inputText);
  const chk = run('node', [cli, 'check', '-', '--format', 'json', '--region', REGION, '--account-id', ACCOUNT, ...params], inputText);
  const chkText = run('node', [cli, 'check', '-', '--region', REGION, '--account-id', ACCOUNT, ...params], inputText);
  const actual = { transformExit: tr.code, checkExit: chk.code };
  if ((expect.transformExit ?? 0) !== tr.code)
    failures.push(`transform exit ${tr.code}, expected ${expect.transformExit ?? 0}: ${tr.err.split('\n').slice(0, 3).join(' | ')}`);
  if (expect.checkExit !== undefined && !list(expect.checkExit).includes(chk.code))
    failures.push(`check exit ${chk.code}, expected ${expect.checkExit}: ${chkText.out.split('\n').slice(0, 4).join(' | ')}`);
  const reportText = tr.err + chkText.out + chkText.err;
  for (const w of expect.reportContains || []) if (!reportText.toLowerCase().includes(w.toLowerCase())) failures.push(`report/check does not say "${w}"`);
  for (const w of expect.reportLacks || []) if (reportText.toLowerCase().includes(w.toLowerCase())) failures.push(`report/check says "${w}"`);
  return { tr, actual };
}

/** Idempotence: the macro on its own output (with its Transform back) changes nothing. */
function checkIdempotent(input, output, params, failures) {
  const again = run(
    'node',
    [cli, 'transform', '-', '--format', 'json', '--region', REGION, '--account-id', ACCOUNT, ...params],
    JSON.stringify({ ...output, Transform: input.Transform }),
  );
  if (again.code !== 0) failures.push(`transform of its own output fails: ${again.err.split('\n')[0]}`);
  else if (
    JSON.stringify(JSON.parse(again.out)) !== JSON.stringify({ ...output, Transform: input.Transform }) &&
    JSON.stringify(JSON.parse(again.out)) !== JSON.stringify(output)
  )
    failures.push(
      `not idempotent: the macro changes its own output again (${again.err
        .split('\n')
        .filter((l) => /granted|rewritten|extended/.test(l))
        .slice(0, 2)
        .join(' | ')})`,
    );
}

/** The transform's JSON report: at most `maxWarnings` warnings; its decisions go to `actual`. Returns the warning-like decisions. */
function checkReport(reportJson, expect, failures, actual) {
  let report;
  try {
    report = JSON.parse(reportJson);
  } catch {
    report = null;
  }
  if (expect.maxWarnings !== undefined && (report?.summary?.warnings ?? 0) > expect.maxWarnings)
    failures.push(
      `${report.summary.warnings} warnings, expected at most ${expect.maxWarnings}: ${(report.decisions || [])
        .filter((d) => /warn/.test(d.action))
        .map((d) => d.reason)
        .join(' | ')}`,
    );
  const warnings = (report?.decisions || []).filter((d) => /warn|cold|unchecked|not/.test(String(d.action)));
  actual.decisions = (report?.decisions || []).map((d) => `${d.action}${d.state ? ` ${d.stateMachine}.${d.state}` : ''}: ${d.reason ?? ''}`);
  return warnings;
}

/** Each state's invocation in each combination of parameter values: the expected target, and IAM that allows it. */
function checkInvocations(output, expect, warnings, { failures, notes, actual }) {
  actual.invocations = {};
  for (const combo of combos(expect)) {
    const env = makeEnv(output, combo.params || {});
    for (const [smId, sm] of Object.entries(env.resources)) {
      if (sm.Type !== 'AWS::StepFunctions::StateMachine' || !resourceOn(env, smId)) continue;
      const d = definitionOf(env, sm);
      if (d.error) {
        notes.push(`${combo.name} ${smId}: ${d.error}`);
        continue;
      }
      const smRole = evalValue(env, sm.Properties.RoleArn);
      for (const [path, s] of states(d.def.States)) {
        const inv = invocationOf(s);
        if (!inv) continue;
        const key = `${smId}.${path}`;
        actual.invocations[key] ||= {};
        actual.invocations[key][combo.name] = inv.target;
        const exp = expect.invocations?.[key];
        if (exp === undefined) {
          failures.push(`${combo.name}: ${key} invokes ${inv.target}, and the case expects no invocation there`);
          continue;
        }
        const want = typeof exp === 'string' || Array.isArray(exp) ? exp : exp[combo.name];
        if (Array.isArray(want) ? !want.includes(inv.target) : want !== undefined && want !== inv.target)
          failures.push(`${combo.name}: ${key} invokes ${inv.target}, expected ${want}`);
        // IAM
        if (inv.target === '{dynamic}') continue;
        checkInvocationIam(env, { combo, key, target: inv.target, principal: inv.credentials ?? smRole }, expect, warnings, failures, notes);
      }
    }
  }
  for (const key of Object.keys(expect.invocations || {})) if (!actual.invocations[key]) failures.push(`expected invocation ${key} not found in the output`);
}

/** The principal that calls Lambda may invoke the target (or, where the case says so, a warning is enough). */
function checkInvocationIam(env, { combo, key, target, principal }, expect, warnings, failures, notes) {
  const roleId = roleIdFromArn(env, principal);
  const iamExp = expect.iam?.[key]?.[combo.name] ?? expect.iam?.[key]?.all ?? expect.iam?.default ?? 'allowed';
  if (!roleId) {
    if (iamExp === 'allowed') failures.push(`${combo.name}: ${key}: caller ${principal} is not a role of the template`);
    return;
  }
  const e = evaluate(env, roleId, 'lambda:InvokeFunction', target);
  if (iamExp === 'allowed' && !e.allowed) failures.push(`${combo.name}: ${key}: ${roleId} may NOT invoke ${target} (${e.why})`);
  if (iamExp === 'warn' && !e.allowed && warnings.length === 0)
    failures.push(`${combo.name}: ${key}: ${roleId} may not invoke ${target} (${e.why}) and nothing warns`);
  if (e.unknown?.length) notes.push(`${combo.name} ${key}: not evaluated: ${e.unknown.join(', ')}`);
}

if (args[0] === '--translate-only') {
  // Prints the SAM-first case as the macro receives it (SAM's translator output, Transform: WarmStepFunctions).
  const source = readTemplate(resolve(args[1]));
  const t = samTranslate({ ...source, Transform: 'AWS::Serverless-2016-10-31' });
  if (t.error) {
    console.error(t.error);
    process.exit(1);
  }
  console.log(JSON.stringify({ Transform: 'WarmStepFunctions', ...t.output }, null, 2));
  process.exit(0);
}
const files = readdirSync(CASES)
  .filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('.expect.json'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
const results = [];
const lintPairs = [];
for (const f of files) {
  const name = f.replace(/\.(ya?ml|json)$/, '');
  const expFile = join(CASES, `${name}.expect.json`);
  if (!existsSync(expFile)) continue;
  const expect = JSON.parse(readFileSync(expFile, 'utf8'));
  let r;
  try {
    r = runCase(name, join(CASES, f), expect);
  } catch (e) {
    r = { name, failures: [`runner error: ${e.stack.split('\n').slice(0, 2).join(' ')}`], notes: [] };
  }
  results.push({ ...r, generator: expect.generator, shape: expect.shape });
}
// cfn-lint on each case's input and output (both without the macro's Transform): errors the output has and
// the input has not are failures.
if (lint && lintPairs.length) {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'rt-lint-'));
  const strip = (t) => {
    const c = { ...t };
    const rest = transformsOf(c).filter((x) => x !== 'WarmStepFunctions');
    if (rest.length) c.Transform = rest;
    else delete c.Transform;
    return c;
  };
  const files = [];
  for (const p of lintPairs)
    for (const side of ['before', 'after']) {
      const f = join(dir, `${p.name}.${side}.json`);
      writeFileSync(f, JSON.stringify(strip(p[side])));
      files.push(f);
    }
  const r = run('cfn-lint', ['--format', 'json', '--regions', REGION, '--', ...files]);
  let found = [];
  try {
    found = JSON.parse(r.out || '[]');
  } catch {
    console.error(`cfn-lint: ${r.err.slice(0, 400)}`);
  }
  if (!asJson) console.log(`cfn-lint: ${found.length} findings over ${files.length} files`);
  const errs = (name, side) =>
    new Set(
      found
        .filter((m) => m.Filename.endsWith(`${name}.${side}.json`) && m.Level === 'Error')
        .map((m) => `${m.Rule.Id} ${(m.Location?.Path || []).join('/')}: ${m.Message}`),
    );
  for (const p of lintPairs) {
    const before = errs(p.name, 'before');
    const res = results.find((x) => x.name === p.name);
    for (const e of errs(p.name, 'after')) if (!before.has(e)) res.failures.push(`cfn-lint error the input has not: ${e.slice(0, 300)}`);
  }
  rmSync(dir, { recursive: true, force: true });
}
if (asJson) console.log(JSON.stringify(results, null, 2));
else {
  for (const r of results) {
    console.log(`${r.failures.length ? 'FAIL' : 'ok  '} ${r.name}`);
    for (const x of r.failures) console.log(`     - ${x}`);
    for (const x of r.notes) console.log(`     (note) ${x}`);
  }
  console.log(`${results.filter((r) => !r.failures.length).length}/${results.length} as expected`);
}
process.exit(results.some((r) => r.failures.length) ? 1 : 0);
