/**
 * Test oracles for integration tests: two independent, offline validators and a helper that turns the
 * CloudFormation value of a state machine definition into a plain ASL object.
 *
 *  - `validateTemplate` runs AWS's offline CloudFormation validator (`@aws/cloudformation-validate`, WASM):
 *    provider-schema checks (F*), cfn-lint rules (E/W/I*), engine rules; includes E3601 (state machine structure).
 *  - `validateDefinition` runs `asl-validator` (JSON-schema based Amazon States Language validator).
 *  - `materialize` replaces every CloudFormation intrinsic in a definition with a deterministic sample value.
 *
 * Written independently of macro/ on purpose (it is an oracle): do NOT import product code here.
 *
 * Notes on `@aws/cloudformation-validate` (1.9.0-beta) that shape this module:
 *  - It only accepts a `TemplateFile` (a path). The engine just calls `template.readBytes()` and reads
 *    `template.path` (used as the report's filePath; JSON and YAML are both parsed, whatever the name),
 *    so an in-memory object `{ path, readBytes }` is passed instead of writing a temp file.
 *  - Loading the package compiles the 9 MB WASM synchronously (~0.3-0.7 s); constructing an engine loads the
 *    bundled provider schemas and rules, synchronously, ~5-12 s on this machine; the first validation adds
 *    another ~0.5-1 s of lazy initialisation (and the first template with the SAM transform ~1-2 s more).
 *    Later validations take tens of ms. The engine is therefore created once and cached (see `sharedEngine`).
 *  - Severities: FATAL (schema/structural, rule ids F*), ERROR (E*), WARN (W*), INFO (I*), DEBUG.
 *    Both FATAL and ERROR map to Finding.severity 'error'.
 *  - The region is only configurable through `pseudoParameterOverrides.region` (default us-east-1); it drives
 *    regional resource-type availability (F3006 "... does not exist in 'cn-north-1'").
 */
import type { Engine, StandardDiagnostic, StandardReport, TemplateFile, ValidateConfig } from '@aws/cloudformation-validate';

// ---------------------------------------------------------------------------------------------------------------
// CloudFormation template validation
// ---------------------------------------------------------------------------------------------------------------

export interface Finding {
  /** 'error' (validator severity FATAL or ERROR), 'warning' (WARN), 'info' (INFO), 'debug' (DEBUG). */
  severity: 'error' | 'warning' | 'info' | string;
  /** Rule id, e.g. 'F3006', 'E3601', 'W3005'; its first letter encodes the validator's own severity. */
  ruleId?: string;
  message: string;
  /**
   * Where in the template, '/'-separated from the template root, e.g. 'Resources/Q/Properties/QueueName',
   * 'Resources/Foo' (no property), 'Parameters/P/Type', 'Outputs/O/Value/Ref', 'Transform'.
   */
  path?: string;
  /** The validator's raw severity: 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG'. */
  level?: string;
  /** Logical id of the resource/parameter/output the finding is attributed to. */
  logicalId?: string;
  /** CloudFormation resource type of that entity, when it is a resource. */
  resourceType?: string;
  /** 1-based line in the JSON text the validator was given (JSON.stringify(template) => usually 1). */
  line?: number;
}

export interface ValidateTemplateOptions {
  /** AWS::Region used by the validator (resource-type availability, pseudo parameters). Default 'us-east-1'. */
  region?: string;
  /** Extra validator config (rule include/exclude, severityLevel, parameterOverrides...), passed through. */
  config?: ValidateConfig;
}

type CfnValidateModule = typeof import('@aws/cloudformation-validate');

/**
 * Key under which the engine is cached on a Node core module object. Jest gives every test FILE a fresh module
 * registry (so a module-level cache would re-pay the multi-second engine construction per file), but core modules
 * are shared by all test files running in the same worker process, so the engine is built once per worker.
 * Set WSF_VALIDATE_NO_SHARED_ENGINE=1 to keep the cache per test file instead.
 */
const ENGINE_KEY = Symbol.for('warm-step-functions/test/validate:cfn-engine');

type EngineHost = { [ENGINE_KEY]?: Engine };

let localEngine: Engine | undefined;

function engineHost(): EngineHost | undefined {
  if (process.env.WSF_VALIDATE_NO_SHARED_ENGINE === '1') return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:v8') as EngineHost;
}

/**
 * The cached CelEngine (RegoEngine gives the same diagnostics per the README, but validated ~3-5x slower here).
 * Construction is synchronous and slow (see file header): call `warmUpTemplateValidator()` from a `beforeAll`
 * with a generous timeout so the cost is not charged to the first test.
 */
function sharedEngine(): Engine {
  const host = engineHost();
  const cached = host ? host[ENGINE_KEY] : localEngine;
  if (cached) return cached;
  // Lazy so that test files that only use validateDefinition/materialize never load the WASM.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cfv = require('@aws/cloudformation-validate') as CfnValidateModule;
  const engine = new cfv.CelEngine();
  if (host) host[ENGINE_KEY] = engine;
  else localEngine = engine;
  return engine;
}

/** Builds (or reuses) the validator engine and runs one tiny validation so that lazy initialisation is done. */
export async function warmUpTemplateValidator(): Promise<void> {
  await validateTemplate({ Resources: { WarmUp: { Type: 'AWS::SQS::Queue' } } });
}

const SEVERITY: Record<string, string> = {
  FATAL: 'error',
  ERROR: 'error',
  WARN: 'warning',
  INFO: 'info',
  DEBUG: 'debug',
};

const SECTION_OF_ENTITY: Record<string, string> = {
  Resource: 'Resources',
  Parameter: 'Parameters',
  Output: 'Outputs',
  Mapping: 'Mappings',
  Metadata: 'Metadata',
  Rule: 'Rules',
  Condition: 'Conditions',
  Transform: 'Transform',
  FormatVersion: 'AWSTemplateFormatVersion',
  Description: 'Description',
};

const TOP_LEVEL_SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
]);

/**
 * Template-root path of a diagnostic. The validator's `propertyPath` is either entity-relative and dotted
 * ('Properties.Policies.1.PolicyDocument', 'DependsOn', 'Type') or section-absolute ('Parameters/P/Type',
 * 'Outputs.O.Value.Ref', 'Transform'). Dots are treated as separators (no CloudFormation property name contains one).
 */
function findingPath(d: StandardDiagnostic): string | undefined {
  const rel = d.propertyPath ? d.propertyPath.split(/[./]/).filter((s) => s !== '') : [];
  if (rel.length > 0 && TOP_LEVEL_SECTIONS.has(rel[0])) return rel.join('/');
  const entity = d.entity;
  if (!entity) return rel.length > 0 ? rel.join('/') : undefined;
  const section = SECTION_OF_ENTITY[entity.entityType] ?? entity.entityType;
  const head = section === entity.logicalId ? [section] : [section, entity.logicalId];
  return [...head, ...rel].join('/');
}

function toFinding(d: StandardDiagnostic): Finding {
  // Copy into plain objects of this realm (the engine may have been created by another test file's realm).
  const f: Finding = {
    severity: SEVERITY[String(d.severity)] ?? String(d.severity).toLowerCase(),
    ruleId: String(d.ruleId),
    message: String(d.message),
    level: String(d.severity),
  };
  const p = findingPath(d);
  if (p !== undefined) f.path = p;
  if (d.entity?.logicalId) f.logicalId = String(d.entity.logicalId);
  if (d.entity?.resourceType) f.resourceType = String(d.entity.resourceType);
  if (typeof d.startLine === 'number') f.line = d.startLine;
  return f;
}

/**
 * Validates a CloudFormation template (object, or JSON/YAML text) and returns ALL findings (info and above by
 * default). Throws if the validator pipeline failed without reporting why. If the validator ran out of an internal
 * analysis budget (status ANALYSIS_INCOMPLETE) a synthetic 'warning' finding with ruleId 'ANALYSIS_INCOMPLETE'
 * is appended, since findings may then be missing.
 *
 * Templates with `Transform: WarmStepFunctions` (or any other unknown macro name) are validated as if the
 * Transform line were absent: no finding at all about it. `AWS::Serverless-2016-10-31` is understood (SAM
 * translation errors come back as E0001; AWS::Serverless::* resources without the transform give E3038), but see
 * the integration test for its limits.
 */
export async function validateTemplate(template: object | string, opts: ValidateTemplateOptions = {}): Promise<Finding[]> {
  const text = typeof template === 'string' ? template : JSON.stringify(template);
  const bytes = Buffer.from(text, 'utf8');
  const file: TemplateFile = { path: 'template.json', readBytes: () => bytes };
  const config: ValidateConfig = { ...opts.config };
  if (opts.region !== undefined) {
    config.pseudoParameterOverrides = { ...config.pseudoParameterOverrides, region: opts.region };
  }
  let report: StandardReport;
  try {
    report = sharedEngine().validateStandard(file, config);
  } catch (error) {
    // Re-wrap: the error may come from another realm (`instanceof Error` would be false) or be a plain string.
    throw new Error(`@aws/cloudformation-validate threw: ${error instanceof Error ? error.message : String(error)}`);
  }
  const findings = (report.diagnostics ?? []).map(toFinding);
  if (report.status === 'ERROR' && !findings.some((f) => f.severity === 'error')) {
    throw new Error(`@aws/cloudformation-validate failed (status ERROR) without reporting an error finding`);
  }
  if (report.status === 'ANALYSIS_INCOMPLETE') {
    const why = (report.metadata?.budgetExhaustions ?? []).map((b) => String(b.description ?? b.kind)).join('; ');
    findings.push({
      severity: 'warning',
      ruleId: 'ANALYSIS_INCOMPLETE',
      message: `validator analysis incomplete, findings may be missing${why ? `: ${why}` : ''}`,
    });
  }
  return findings;
}

/** The error-level findings (validator severity FATAL or ERROR). */
export function errorFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'error');
}

/**
 * Identity used by `newErrors`: ruleId + path + message, with
 *  - every numeric path segment replaced by '*' (array indices shift when the macro inserts or removes
 *    elements, e.g. 'Resources/R/Properties/Policies/1/...' vs '.../Policies/2/...'), and the same for dotted
 *    index segments inside the message ('Properties.Policies.1.PolicyDocument');
 *  - source line/column ignored (they shift with any edit).
 * Logical ids stay part of the identity: an error moving to another resource is a new error.
 */
export function findingKey(f: Finding): string {
  const path = (f.path ?? '')
    .split('/')
    .map((s) => (/^\d+$/.test(s) ? '*' : s))
    .join('/');
  const message = f.message.replace(/\.\d+(?=\.)/g, '.*').replace(/\/\d+(?=\/|$)/g, '/*');
  return `${f.ruleId ?? ''}\u0000${path}\u0000${message}`;
}

/**
 * Error-level findings of `after` that `before` does not have, compared by `findingKey` as a multiset: if
 * `before` has an error once and `after` has it twice, one of the two is reported as new.
 */
export function newErrors(before: readonly Finding[], after: readonly Finding[]): Finding[] {
  const remaining = new Map<string, number>();
  for (const f of errorFindings(before)) {
    const k = findingKey(f);
    remaining.set(k, (remaining.get(k) ?? 0) + 1);
  }
  const fresh: Finding[] = [];
  for (const f of errorFindings(after)) {
    const k = findingKey(f);
    const n = remaining.get(k) ?? 0;
    if (n > 0) remaining.set(k, n - 1);
    else fresh.push(f);
  }
  return fresh;
}

/** One line per finding, for assertion messages. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `[${f.level ?? f.severity}] ${f.ruleId ?? '?'} ${f.path ?? ''}: ${f.message}`).join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Amazon States Language validation
// ---------------------------------------------------------------------------------------------------------------

interface AslValidatorError {
  'Error code': string;
  Message: string;
}
type AslValidator = (definition: unknown, opts?: { checkPaths: boolean; checkArn: boolean }) => { isValid: boolean; errors: AslValidatorError[] };

export interface ValidateDefinitionOptions {
  /** asl-validator: check Task `Resource` strings against its ARN regex. Default true. */
  checkArn?: boolean;
  /** asl-validator: check InputPath/OutputPath/ResultPath/Parameters path syntax. Default true. */
  checkPaths?: boolean;
  /**
   * asl-validator deliberately ACCEPTS a Task Resource that is a whole `${Placeholder}` string or an intrinsic
   * object such as `{"Fn::GetAtt": [...]}`, so an un-materialized definition would pass. Unless this is true,
   * validateDefinition reports those (and any intrinsic-shaped object anywhere in the definition) as errors.
   */
  allowPlaceholders?: boolean;
}

const INTRINSIC_KEY = /^(Ref|Fn::[A-Za-z0-9]+)$/;

/** `{"Ref": ...}` or `{"Fn::Xxx": ...}` (exactly one key). */
function isIntrinsic(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && INTRINSIC_KEY.test(keys[0]);
}

function placeholderErrors(node: unknown, path: string, out: string[]): void {
  if (isIntrinsic(node)) {
    out.push(`UNRESOLVED_INTRINSIC: ${path} is a CloudFormation intrinsic ${JSON.stringify(node)}`);
    return;
  }
  if (Array.isArray(node)) {
    node.forEach((v, i) => {
      placeholderErrors(v, `${path}/${i}`, out);
    });
  } else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'Resource' && typeof v === 'string' && /^\$\{[^}]+\}$/.test(v)) {
        out.push(`UNRESOLVED_PLACEHOLDER: ${path}/${k} is the placeholder ${v}`);
      } else {
        placeholderErrors(v, `${path}/${k}`, out);
      }
    }
  }
}

/**
 * Validates an ASL definition object with asl-validator. `errors` are '<ERROR_CODE>: <message>' strings.
 * The definition is cloned first (asl-validator mutates its input: it writes `QueryLanguage` into every state).
 * Note asl-validator reports a Task without `Resource` confusingly, as "/States/X/Type is invalid ...".
 */
export async function validateDefinition(definition: object, opts: ValidateDefinitionOptions = {}): Promise<{ valid: boolean; errors: string[] }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const aslValidator = require('asl-validator') as AslValidator;
  // asl-validator REPLACES (does not merge) its defaults when options are given, so always pass both.
  const result = aslValidator(structuredClone(definition), {
    checkArn: opts.checkArn ?? true,
    checkPaths: opts.checkPaths ?? true,
  });
  const errors = result.errors.map((e) => `${e['Error code']}: ${e.Message}`);
  if (!opts.allowPlaceholders) placeholderErrors(definition, '', errors);
  return { valid: errors.length === 0, errors };
}

// ---------------------------------------------------------------------------------------------------------------
// Materializing a CloudFormation definition value into plain ASL
// ---------------------------------------------------------------------------------------------------------------

export const SAMPLE_PARTITION = 'aws';
export const SAMPLE_REGION = 'us-east-1';
export const SAMPLE_ACCOUNT = '123456789012';

/** The sample value of `{"Ref": X}` / `{"Fn::GetAtt": [X, "...Arn"]}`: a valid (unqualified) Lambda function ARN. */
export function sampleArn(logicalId: string): string {
  return `arn:${SAMPLE_PARTITION}:lambda:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:function:${logicalId}`;
}

const PSEUDO_PARAMETERS: Record<string, unknown> = {
  'AWS::Partition': SAMPLE_PARTITION,
  'AWS::Region': SAMPLE_REGION,
  'AWS::AccountId': SAMPLE_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'sample-stack',
  'AWS::StackId': `arn:aws:cloudformation:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:stack/sample-stack/00000000-0000-0000-0000-000000000000`,
  'AWS::NotificationARNs': [],
};

/** `{"Ref": "AWS::NoValue"}`: removes the enclosing property / array element. */
const NO_VALUE = Symbol('AWS::NoValue');

function ref(name: string): unknown {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name in PSEUDO_PARAMETERS) return PSEUDO_PARAMETERS[name];
  return sampleArn(name);
}

function getAtt(logicalId: string, attribute: string): string {
  return /arn$/i.test(attribute) ? sampleArn(logicalId) : `sample-${logicalId}-${attribute}`;
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === NO_VALUE || v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(text).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Fn::Sub: `${Name}` from the variable map, then pseudo parameters, `${X.Attr}` as GetAtt, else Ref; `${!L}` -> `${L}`. */
function sub(template: string, vars: Record<string, unknown>): string {
  return template.replace(/\$\{([^}]*)\}/g, (_whole, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    if (Object.hasOwn(vars, name)) return text(vars[name]);
    if (name in PSEUDO_PARAMETERS) return text(PSEUDO_PARAMETERS[name]);
    const dot = name.indexOf('.');
    if (dot > 0) return getAtt(name.slice(0, dot), name.slice(dot + 1));
    return text(ref(name));
  });
}

function intrinsic(name: string, arg: unknown): unknown {
  switch (name) {
    case 'Ref':
      return ref(String(arg));
    case 'Fn::GetAtt': {
      // [LogicalId, Attribute] or the short 'LogicalId.Attribute' string form.
      const [id, attr] = Array.isArray(arg) ? arg : [String(arg).split('.')[0], String(arg).split('.').slice(1).join('.')];
      return getAtt(String(id), text(resolveIntrinsics(attr)));
    }
    case 'Fn::Sub': {
      if (typeof arg === 'string') return sub(arg, {});
      const [tpl, vars] = arg as [unknown, Record<string, unknown> | undefined];
      const resolvedVars = (resolveIntrinsics(vars ?? {}) ?? {}) as Record<string, unknown>;
      return sub(text(resolveIntrinsics(tpl)), resolvedVars);
    }
    case 'Fn::Join': {
      const [delimiter, pieces] = arg as [unknown, unknown];
      const list = resolveIntrinsics(pieces);
      return Array.isArray(list)
        ? list
            .filter((p) => p !== NO_VALUE)
            .map(text)
            .join(text(delimiter))
        : text(list);
    }
    case 'Fn::If': {
      const [, whenTrue] = arg as [unknown, unknown, unknown];
      return resolveIntrinsics(whenTrue);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [unknown, unknown];
      const items = resolveIntrinsics(list);
      const i = Number(resolveIntrinsics(index));
      return Array.isArray(items) && i >= 0 && i < items.length ? items[i] : `sample-Select`;
    }
    case 'Fn::Split': {
      const [delimiter, source] = arg as [unknown, unknown];
      return text(resolveIntrinsics(source)).split(text(delimiter));
    }
    case 'Fn::GetAZs':
      return [`${SAMPLE_REGION}a`, `${SAMPLE_REGION}b`, `${SAMPLE_REGION}c`];
    case 'Fn::Base64':
      return Buffer.from(text(resolveIntrinsics(arg)), 'utf8').toString('base64');
    case 'Fn::ToJsonString':
      return JSON.stringify(resolveIntrinsics(arg));
    default:
      // Fn::ImportValue, Fn::FindInMap, Fn::Cidr, Fn::Length, Fn::GetStackOutput, ...
      return `sample-${name.replace(/^Fn::/, '')}`;
  }
}

/**
 * Deep copy of `value` with every intrinsic replaced by its sample value (`Fn::If` -> its first branch,
 * `Ref AWS::NoValue` -> the property/element is dropped). Non-intrinsic strings are left as they are.
 */
export function resolveIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveIntrinsics).filter((v) => v !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  if (isIntrinsic(value)) {
    const [name] = Object.keys(value);
    return intrinsic(name, value[name]);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const r = resolveIntrinsics(v);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

/**
 * Turns the CloudFormation value of a state machine definition into a parsed ASL object:
 *  1. `definitionValue` may be a JSON string, `{"Fn::Sub": ...}`, `{"Fn::Join": ...}` (or any intrinsic producing
 *     the JSON text or the object), or an already-parsed `Definition` object containing intrinsics as values.
 *     Intrinsics are replaced by sample values (`Ref X` and `GetAtt X.Arn` -> `sampleArn(X)`, pseudo parameters ->
 *     aws / us-east-1 / 123456789012 / amazonaws.com); `${!Literal}` in Fn::Sub becomes `${Literal}`.
 *  2. If `substitutions` (DefinitionSubstitutions; values may be intrinsics) is given, every `${key}` with a
 *     matching key is replaced in the JSON text, as raw text like Step Functions does (single pass, so substituted
 *     values are not themselves re-substituted). `${...}` without a matching key is left alone.
 *  3. JSON.parse. Throws if the result is not valid JSON or not an object.
 */
export function materialize(definitionValue: unknown, substitutions?: Record<string, unknown>): object {
  const resolved = resolveIntrinsics(definitionValue);
  let json: string;
  if (typeof resolved === 'string') json = resolved;
  else if (resolved !== null && typeof resolved === 'object') json = JSON.stringify(resolved);
  else throw new Error(`materialize: a definition must be a string or an object, got ${JSON.stringify(definitionValue)}`);

  if (substitutions) {
    const values = resolveIntrinsics(substitutions) as Record<string, unknown>;
    json = json.replace(/\$\{([^}]+)\}/g, (whole, key: string) => (Object.hasOwn(values, key) ? text(values[key]) : whole));
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`materialize: not valid JSON after substitution (${(error as Error).message}):\n${json}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`materialize: the definition is not a JSON object:\n${json}`);
  }
  return parsed;
}
