/**
 * The CDK Aspect: `Aspects.of(app).add(new WarmStepFunctions({ ... }))` (aws-cdk-lib v2, an optional peer).
 *
 * Mechanism: a mutating Aspect over the L1 resources of each stack (nested stacks included: a `NestedStack`
 * is a Stack whose own L1 resources the Aspect visits like any other). For each stack it
 * 1. renders the stack's template as CloudFormation would receive it (`stack.resolve` of the stack's
 *    L1 elements), except that every reference to a construct of ANOTHER stack is replaced by a Ref to a
 *    placeholder template parameter: that is what such a reference becomes in the synthesized template
 *    (a nested stack parameter, or an `Fn::ImportValue`), and the core cannot see through either;
 * 2. runs the same core as the macro (`transform`) over it;
 * 3. writes back only what the core changed, with `addPropertyOverride` / `addOverride` on the existing
 *    L1 resources (and new `CfnResource`s for resources the core adds), putting the original reference
 *    tokens back where the placeholders are.
 * CDK then synthesizes as usual: cross-stack references are still tokens when `prepareApp` turns them
 * into nested stack parameters, exports and imports, and asset hashes of nested templates are computed
 * from the rewritten template. A hook on the written `*.template.json` files would instead run after those
 * hashes and references were fixed (a nested template changed after its hash was taken), and needs an
 * internal synthesis API.
 *
 * Aspects run before synthesis resolves anything, and every Aspect added to the app runs in one pass:
 * add this one last (or with a high `priority`, aws-cdk-lib ≥ 2.172) so that the grants and resources
 * of other Aspects are already there.
 */
import {
  Annotations,
  CfnElement,
  CfnResource,
  DefaultTokenResolver,
  Reference,
  Stack,
  Token,
  Tokenization,
  type IAspect,
  type IFragmentConcatenator,
  type IPostProcessor,
  type IResolvable,
  type IResolveContext,
} from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { TransformError } from '../errors';
import { MACRO_NAME, type Mode, type TransformResult } from '../types';
import { decisionLine, runAtBuildTimeSync } from './build-time';

export interface WarmStepFunctionsProps {
  /** The alias to use when a function has several aliases with provisioned concurrency (Transform parameter AliasName). */
  readonly aliasName?: string;
  /** Process only these state machines (logical IDs). */
  readonly stateMachines?: string[];
  /** Skip these state machines (logical IDs). */
  readonly exclude?: string[];
  /** rewrite (default), report (change nothing), strict (fail the synthesis on cold or unresolvable invocations). */
  readonly mode?: Mode;
  /**
   * Why a function needs a published target (Transform parameter Reasons), e.g. `['ProvisionedConcurrency',
   * 'SnapStart']`; default all. Durable and ManagedInstances stay on unless turned off by name (`'-Durable'`).
   */
  readonly reasons?: string[];
  /** Write each decision as an info (or warning) annotation on the state machine. Default: true. */
  readonly annotate?: boolean;
}

const PLACEHOLDER = 'WarmStepFunctionsCrossStackRef';

/** A JSON object of the template: a section (Resources, Parameters...), a resource's Properties. */
type JsonMap = Record<string, unknown>;
/** A resource as the template has it. */
interface ResourceJson {
  Type: string;
  Properties?: JsonMap;
  [key: string]: unknown;
}
/** What CfnElement has (and does not declare, being internal) to render itself as CloudFormation. */
interface RenderableElement {
  _toCloudFormation(): object;
}

export class WarmStepFunctions implements IAspect {
  private readonly done = new Set<Stack>();
  /** Reports of the stacks processed so far, by stack path (for tests and tools). */
  readonly reports = new Map<string, import('../types').Report>();

  constructor(private readonly props: WarmStepFunctionsProps = {}) {}

  visit(node: IConstruct): void {
    if (!Stack.isStack(node) || this.done.has(node)) return;
    this.done.add(node);
    this.rewriteStack(node);
  }

  private rewriteStack(stack: Stack): void {
    const elements = stack.node.findAll().filter((c): c is CfnElement => CfnElement.isCfnElement(c) && Stack.of(c) === stack);
    if (!elements.some((e) => e instanceof CfnResource && e.cfnResourceType === 'AWS::StepFunctions::StateMachine')) return;
    const refs: IResolvable[] = [];
    const resolver = new CrossStackPlaceholders(stack, refs);
    const template: Record<string, JsonMap> = {};
    const owner = new Map<string, CfnElement>();
    for (const el of elements) {
      // Through JSON, as CloudFormation receives it: properties left undefined disappear.
      const rendered = JSON.parse(
        JSON.stringify(Tokenization.resolve((el as unknown as RenderableElement)._toCloudFormation(), { scope: stack, resolver, preparing: false }) ?? {}),
      );
      for (const [section, entries] of Object.entries<object>(rendered)) {
        template[section] ??= {};
        Object.assign(template[section], entries);
        if (section === 'Resources') for (const id of Object.keys(entries as object)) owner.set(id, el);
      }
    }
    template.Parameters ??= {};
    for (let i = 0; i < refs.length; i++) template.Parameters[`${PLACEHOLDER}${i}`] = { Type: 'String' };

    const params: Record<string, unknown> = {};
    if (this.props.aliasName !== undefined) params.AliasName = this.props.aliasName;
    if (this.props.stateMachines !== undefined) params.StateMachines = this.props.stateMachines;
    if (this.props.exclude !== undefined) params.Exclude = this.props.exclude;
    if (this.props.mode !== undefined) params.Mode = this.props.mode;
    if (this.props.reasons !== undefined) params.Reasons = this.props.reasons;
    const region = Token.isUnresolved(stack.region) ? undefined : stack.region;
    const accountId = Token.isUnresolved(stack.account) ? undefined : stack.account;
    let result: TransformResult;
    try {
      result = runAtBuildTimeSync(template, params, { region, accountId });
    } catch (e) {
      if (e instanceof TransformError) throw new Error(`${MACRO_NAME} (stack ${stack.node.path}): ${e.message}`);
      throw e;
    }
    this.reports.set(stack.node.path, result.report);
    const out = result.fragment as { Resources?: Record<string, ResourceJson> };
    const restore = (v: unknown): unknown => restoreRefs(v, refs);
    const resourcesBefore = template.Resources as Record<string, ResourceJson> | undefined;
    for (const [id, res] of Object.entries(out.Resources ?? {})) {
      const before = resourcesBefore?.[id];
      if (before !== undefined && JSON.stringify(before) === JSON.stringify(res)) continue;
      const el = owner.get(id);
      if (before === undefined || !(el instanceof CfnResource)) {
        const added = new CfnResource(stack, `${MACRO_NAME}${id}`, { type: res.Type, properties: restore(res.Properties) as Record<string, unknown> });
        added.overrideLogicalId(id);
        for (const key of Object.keys(res)) if (key !== 'Type' && key !== 'Properties') added.addOverride(key, restore(res[key]));
        continue;
      }
      const props = res.Properties ?? {};
      for (const key of new Set([...Object.keys(before.Properties ?? {}), ...Object.keys(props)])) {
        if (JSON.stringify(before.Properties?.[key]) === JSON.stringify(props[key])) continue;
        if (key in props) el.addPropertyOverride(key, restore(props[key]));
        else el.addPropertyDeletionOverride(key);
      }
      for (const key of new Set([...Object.keys(before), ...Object.keys(res)])) {
        if (key === 'Properties' || key === 'Type' || JSON.stringify(before[key]) === JSON.stringify(res[key])) continue;
        if (key in res) el.addOverride(key, restore(res[key]));
        else el.addDeletionOverride(key);
      }
    }
    if (this.props.annotate !== false) {
      for (const d of result.report.decisions) {
        const el = owner.get(d.stateMachine) ?? stack;
        const line = `${MACRO_NAME}: ${decisionLine(d)}`;
        if (d.action === 'warning' || d.action === 'cold') Annotations.of(el).addWarningV2(`${MACRO_NAME}:${d.messageId}`, line);
        else if (d.action !== 'unchanged') Annotations.of(el).addInfo(line);
      }
    }
  }
}

/** The default resolver, except that a reference to another stack's construct becomes a placeholder Ref. */
class CrossStackPlaceholders extends DefaultTokenResolver {
  constructor(
    private readonly stack: Stack,
    private readonly refs: IResolvable[],
  ) {
    super(new CloudFormationConcat());
  }

  override resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): unknown {
    if (t instanceof Reference && CfnElement.isCfnElement(t.target) && Stack.of(t.target) !== this.stack) {
      let i = this.refs.indexOf(t);
      if (i < 0) i = this.refs.push(t) - 1;
      return { Ref: `${PLACEHOLDER}${i}` };
    }
    return super.resolveToken(t, context, postProcessor);
  }
}

/** Joins string pieces and intrinsics into one `Fn::Join` with '' (as the CDK's own CloudFormation resolver does). */
class CloudFormationConcat implements IFragmentConcatenator {
  join(left: unknown, right: unknown): unknown {
    if (left === undefined) return right;
    if (right === undefined) return left;
    const parts: unknown[] = [];
    for (const x of [left, right]) {
      for (const p of joinedParts(x)) {
        if (p === '') continue;
        const last = parts.length - 1;
        if (typeof p === 'string' && last >= 0 && typeof parts[last] === 'string') parts[last] = `${parts[last]}${p}`;
        else parts.push(p);
      }
    }
    if (parts.length === 0) return '';
    if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
    return { 'Fn::Join': ['', parts] };
  }
}

/** The parts of an `Fn::Join` with '', or the value itself as the one part. */
function joinedParts(x: unknown): unknown[] {
  const join = x !== null && typeof x === 'object' ? (x as JsonMap)['Fn::Join'] : undefined;
  return Array.isArray(join) && join[0] === '' ? (join[1] as unknown[]) : [x];
}

function restoreRefs(v: unknown, refs: IResolvable[]): unknown {
  if (Array.isArray(v)) return v.map((x) => restoreRefs(x, refs));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === 'Ref' && typeof o.Ref === 'string' && o.Ref.startsWith(PLACEHOLDER)) {
      const ref = refs[Number(o.Ref.slice(PLACEHOLDER.length))];
      if (ref) return ref;
    }
    return Object.fromEntries(keys.map((k) => [k, restoreRefs(o[k], refs)]));
  }
  return v;
}
