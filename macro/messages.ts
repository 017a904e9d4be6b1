/**
 * Every text the core's run writes into the report and its problems, in one table keyed by
 * message id, with `{{data}}` placeholders (as typescript-eslint's `meta.messages`). The logic
 * records a message id and its data; `render` builds the text.
 *
 * A message is its text, or its text and a Mode report variant (`report`): what the run would do,
 * since it changes nothing. Texts still composed where they are found (the target notes of `targets/find.ts`, IAM's
 * warnings in `iam/`, the slot notes of `definition/slots.ts`, read errors) pass through as `{{reason}}`.
 */
import type { Decision, MessageData, Mode } from './types';

/** A text alone, or a text and its variant in Mode report. */
type Message =
  | string
  | {
      text: string;
      /** The text in Mode report, when it differs. */
      report?: string;
    };

/** Phrases that several messages share (written once in the bundle). */
const PC = ' provisioned concurrency';
const NOT_THE_WARM_QUALIFIER = `, which has no${PC} (that is on {{target}}); an explicit qualifier is left as it is`;
const NO_ENABLED_REASON = 'function {{fn}} needs no published target for {{reasons}} (the Reasons the macro acts on)';
const CANNOT_TELL_QUALIFIER = `; the macro cannot tell whether it invokes the${PC} of {{fn}}`;
const PUBLISHED_NEEDED = ', a published target, which its {{reasons}} configuration needs';
const EXISTS_ONLY_WHEN = `the${PC} of {{target}} exists only when condition {{condition}} is `;
const EXPANDED_FIRST = 'not expanded yet (AWS::LanguageExtensions): ';
const EXPANDS_FIRST = '; CloudFormation expands it first if Transform lists AWS::LanguageExtensions first';
const INLINE_AS = ' inline as {{property}} in place of {{stored}} (read from {{source}})';
const NOTHING_CHANGED = ' (Mode report: nothing changed)';
const FROM_CANNOT = '{{field}} is {{from}}, which the macro cannot ';

export const MESSAGES = {
  // parameters
  'parameters.notAStateMachine': '{{list}} names {{id}}, which is not a state machine in this template (state machines: {{machines}})',
  'parameters.aliasNameUnused': `AliasName is '{{aliasName}}', but no alias of this template has that name; a function with one alias with${PC} uses it, one with several fails`,
  // targets
  'targets.note': '{{logicalId}} {{message}}',
  'definition.substitutionsLoop': `DefinitionSubstitutions holds {{loop}}, ${EXPANDED_FIRST}its keys are not known${EXPANDS_FIRST}`,
  'template.unexpandedLoop': `{{loop}} is ${EXPANDED_FIRST}the resources it makes ({{types}}) are neither checked nor rewritten${EXPANDS_FIRST}`,
  // state machines
  'stateMachine.skipped': 'skipped by the StateMachines/Exclude parameters',
  'stateMachine.noDefinition': '{{stateMachine}} has no Definition or DefinitionString',
  'stateMachine.metadataCapped':
    "Metadata records the first {{limit}} of its {{rewrites}} rewrites (the macro's limit); the report and the log lines list them all",
  'stateMachine.metadataNotAMap': 'Metadata is not a plain map (an intrinsic function), so the rewrites are not recorded there',
  'stateMachine.brokenRole':
    '{{message}}; the macro must read it, since it is the role of {{stateMachine}} ({{roleKey}}), which must be allowed to invoke the new targets',
  'stateMachine.writeFailed': 'the macro could not write the definition back: {{message}}',
  // definitions
  'definition.notAnObject': 'Definition must be an object (a JSON string belongs in DefinitionString), got {{got}}',
  'definition.unreadableWarm': `cannot read the definition, which refers to {{fn}}, a function with${PC}: {{message}}`,
  'definition.unreadable': `cannot read the definition ({{message}}); it refers to no function with${PC}, so it is left as it is`,
  'definition.tooDeep': 'the definition is nested too deeply to read',
  'definition.storedFails': '{{reason}}; its invocations are left as they are',
  'definition.storedStrict':
    '{{why}}, so it cannot check {{stateMachine}}\'s invocations. Let the macro read it (see "Definitions in S3" in the README), inline it with Definition or DefinitionString, or list {{stateMachine}} in Exclude',
  'definition.storedUnlocated': '{{stateMachine}} loads its definition from {{property}}, which the macro cannot locate: {{problem}}',
  'definition.storedUnlocatedWhy': "the macro cannot locate {{stateMachine}}'s {{property}}",
  'definition.storedLocalFile':
    '{{stateMachine}} loads its definition from the local file {{where}}, which the deployed macro cannot read (sam package / sam deploy uploads it to S3 first; the CLI reads it)',
  'definition.storedLocalFileWhy': 'the definition is a local file',
  'definition.storedNotGiven': '{{stateMachine}} loads its definition from {{where}}, which the macro was not given',
  'definition.storedNotGivenWhy': 'the macro was not given the definition at {{where}}',
  'definition.storedReadFailed': "cannot read {{stateMachine}}'s definition at {{source}}: {{message}}",
  'definition.storedReadFailedWhy': 'the macro cannot read the definition at {{source}} ({{message}})',
  'definition.storedNotJson': 'the definition at {{source}} is not a JSON state machine definition ({{message}})',
  'definition.storedNotJsonWhy': 'the definition at {{source}} is not valid JSON',
  'definition.cannotInline':
    "the rewritten definition cannot go inline: SAM's Definition must be a JSON object, and the text at {{source}} is JSON only once DefinitionSubstitutions apply; its invocations are left as they are",
  'definition.inlined': {
    text: `the rewritten definition goes${INLINE_AS}`,
    report: `the rewritten definition would go${INLINE_AS}`,
  },
  // decisions about one slot (decide/slot.ts)
  'decide.noProvisionedConcurrency': `function {{fn}} has no${PC}`,
  'decide.noProvisionedConcurrencyExcluded': `function {{fn}} has no${PC}, and the Reasons parameter leaves out its {{excluded}} configuration`,
  'decide.noEnabledReason': NO_ENABLED_REASON,
  'decide.warmQualifier': `already invokes {{id}}, which has${PC}`,
  'decide.otherQualifier': `invokes {{id}}${NOT_THE_WARM_QUALIFIER}`,
  'decide.warmAlias': `already invokes alias '{{qualifier}}', which has${PC}`,
  'decide.coldQualifier': `explicit qualifier ':{{qualifier}}' has no${PC}; left as it is`,
  'decide.guarded': 'already guarded by the macro (Fn::If on the target condition)',
  // a function whose configuration needs a published target (macro/core/targets/reasons.ts; docs/reasons.md)
  'decide.warmPublished': `already invokes {{id}}${PUBLISHED_NEEDED}`,
  'decide.warmPublishedAlias': `already invokes alias '{{qualifier}}'${PUBLISHED_NEEDED}`,
  'decide.explicitLatest': 'already invokes {{target}}: the template publishes no version of {{fn}}, and a durable function accepts $LATEST',
  'decide.unpublished':
    'function {{fn}} has {{reasons}} ({{property}}), but the template publishes no version of it: its unqualified ARN {{unqualified}}; to fix it, {{fix}}',
  'decide.unpublishedManagedInstances':
    'function {{fn}} runs on Managed Instances (CapacityProviderConfig) with PublishToLatestPublished: false, and the template publishes no version of it: Lambda runs an unqualified call on $LATEST.PUBLISHED, which the macro cannot tell exists; to fix it, {{fix}}, or leave PublishToLatestPublished at its default',
  'decide.unresolved': `${FROM_CANNOT}resolve to a function of this template or to a literal ARN; if that function has${PC}, point the state at its alias yourself`,
  'decide.absent': `${EXISTS_ONLY_WHEN}false, and this state machine only when it is true`,
  'decide.absentInBranch': `${EXISTS_ONLY_WHEN}{{exists}}, and this state (in a branch of Fn::If on {{condition}}, which CloudFormation resolves at deploy time) only when it is {{absent}}`,
  'decide.branches': '{{field}} is Fn::If on {{condition}} (resolved at deploy time), and no branch moves: {{branches}}',
  'decide.branchUnresolved': '{{branch}}: {{written}}, which the macro cannot resolve to a function',
  'decide.branchExternal': '{{branch}}: {{arn}}, not a function of this template',
  'decide.branchWarm': '{{branch}}: already warm ({{fn}})',
  'decide.branchCold': `{{branch}}: function {{fn}} has no${PC}`,
  'decide.branchNoEnabledReason': `{{branch}}: ${NO_ENABLED_REASON}`,
  'decide.branchQualified': '{{branch}}: {{fn}} through an explicit qualifier, left as it is',
  'decide.qualifierDynamic': `{{field}}.$ is computed at run time${CANNOT_TELL_QUALIFIER}`,
  'decide.qualifierNotString': `{{field}} is not a string${CANNOT_TELL_QUALIFIER}`,
  'decide.qualifierUnresolved': `${FROM_CANNOT}compare with the${PC} of {{fn}} (on {{target}}); if it is not that qualifier, point the state at it yourself`,
  'decide.qualifierCold': `{{field}} invokes {{what}}${NOT_THE_WARM_QUALIFIER}`,
  'decide.externalNotLookedUp': '{{written}} is not a function in this template; set ResolveExternal to look it up',
  'decide.lookupFailed': 'lookup of {{arn}} failed: {{message}}',
  'decide.externalCold': `{{arn}} has no alias with${PC}`,
  'decide.externalAmbiguous': `function {{arn}} has {{count}} aliases with${PC}: {{aliases}}. Choose one with the Transform parameter AliasName.`,
  'decide.externalNoSuchAlias': `AliasName is '{{aliasName}}', but function {{arn}} has no such alias with${PC} (it has: {{aliases}})`,
  // invocations
  // a decision about a state chosen by Fn::If: appended to its text
  'invocation.where': ' (where {{where}}: Fn::If, resolved at deploy time)',
  'invocation.dynamic': '{{reason}}; the macro cannot tell which function it invokes',
  'invocation.note': '{{reason}}',
  'invocation.explicitColdPath': '{{reason}}, although it does not use {{what}} of {{fn}} ({{why}})',
  'invocation.explicitColdPathProvisioned': `the${PC}`,
  'invocation.explicitColdPathPublished': 'the published target that the {{reasons}} configuration needs',
  'invocation.rewritten': {
    text: '{{field}} now invokes {{target}}{{because}}{{literal}}',
    report: `{{field}} would invoke {{target}}{{because}}{{literal}}${NOTHING_CHANGED}`,
  },
  'invocation.because': ' ({{reasons}})',
  'invocation.literal': ' by its literal ARN (a reference would make a circular dependency: {{cycle}})',
  'invocation.cycle':
    '{{field}} is left as it is: pointing it at {{target}} would make a circular dependency ({{cycle}}), which CloudFormation rejects, and it has no literal ARN to use instead ({{why}}); break the cycle, or {{fix}}',
  'invocation.cycleStrict': '{{field}} cannot point at {{target}}: that would make a circular dependency ({{cycle}})',
  'invocation.cycleFixVersion': `put the${PC} on an alias with a literal Name`,
  'invocation.cycleFixAlias': 'give the function a literal FunctionName and its alias a literal Name',
  'invocation.coldStrict': 'state {{statePath}} stays cold: {{reason}} (Mode strict fails on invocations that stay cold)',
  'invocation.error': '{{states}} {{statePaths}}: {{message}}',
  'invocation.unreadable': '{{message}}; the macro must read it, since state {{statePath}} of {{stateMachine}} refers to it in {{field}}',
  'invocation.missing': '{{field}} refers to {{name}}, which is not a resource or parameter of this template; left as it is (CloudFormation will reject it)',
  'invocation.unresolvedStrict': '{{field}} cannot be resolved to a function, so the macro cannot check that it is warm',
  // IAM
  'iam.granted': {
    text: 'lambda:InvokeFunction on {{target}}: {{how}}',
    report: `lambda:InvokeFunction on {{target}}: {{how}}${NOTHING_CHANGED}`,
  },
  'iam.warning': '{{reason}}',
  'iam.guardrailExtended': { text: '{{how}}', report: `{{how}}${NOTHING_CHANGED}` },
  'iam.note': '{{reason}}',
  // Mode strict: a warning becomes a problem
  'strict.problem': '{{where}}{{message}} (Mode strict)',
  // the whole run
  'fragment.tooDeep': 'the template is nested too deeply to process ({{message}})',
  // limits (macro/limits.ts, docs/limits.md); numbers come formatted as in the docs
  'limit.nesting':
    "{{what}} nests more than {{limit}} levels deep (objects and lists), the macro's limit: the reply is written with JSON.stringify, which fails past about 7,000 levels. A Definition object takes 4 levels per nested Parallel state; DefinitionString has no such limit",
  'limit.expansion': "{{what}} expands beyond {{limit}} characters (the macro's expansion limit)",
  'limit.subTokens': "an Fn::Sub text has more than {{limit}} tokens (texts, variables and escapes), the macro's limit",
  'limit.substitutions': "DefinitionSubstitutions has {{keys}} keys, more than the macro's limit of {{limit}}",
  'limit.metadataOmitted': 'at most {{limit}} entries are recorded here',
  // the Lambda edge's budget (macro/lambda/budget.ts)
  'budget.time':
    "the macro stopped while {{stage}}: {{left}} ms of the function's time were left, less than the {{reserve}} ms it keeps for its reply (raise the function's timeout, or split the template)",
  'budget.memory': "the macro stopped while {{stage}}: the function used {{usedMB}} MB, over {{share}}% of its {{memoryMB}} MB (raise the function's memory)",
  'budget.replyTooLarge': "{{product}} cannot reply: the processed template is {{bytes}} bytes as JSON, over Lambda's response limit of {{limit}} bytes (6 MB)",
  'budget.replyUnwritable':
    "{{product}} cannot reply: the processed template cannot be written as JSON ({{message}}); it nests too deeply (the macro's limit is {{limit}} levels)",
} satisfies Record<string, Message>;

export type MessageId = keyof typeof MESSAGES;

/** The text of a decision in a mode: what an edge shows instead of editing its `reason`. */
export function textOf(d: Pick<Decision, 'messageId' | 'data' | 'when'>, mode: Mode = 'rewrite'): string {
  if (!Object.hasOwn(MESSAGES, d.messageId)) throw new Error(`unknown message id ${d.messageId}`);
  return render(d.messageId as MessageId, d.data, mode) + whereText(d.when);
}

/** What a decision about a state chosen by Fn::If adds to its text: the branch (empty otherwise). */
export function whereText(when: Decision['when']): string {
  return when?.length ? render('invocation.where', { where: when.map((w) => `${w.condition} is ${w.value}`).join(' and ') }) : '';
}

/** A text split once at its placeholders: text, key, text, key, ..., text. */
type Compiled = string[];
const compiled = new Map<string, Compiled>();

function compile(text: string): Compiled {
  let c = compiled.get(text);
  if (!c) {
    c = text.split(/\{\{(\w+)\}\}/);
    compiled.set(text, c);
  }
  return c;
}

/** The text of a message with its data, in the given mode (default: as the run changes the template). */
export function render(id: MessageId, data: MessageData = {}, mode: Mode = 'rewrite'): string {
  const m: Message = MESSAGES[id];
  const parts = compile(typeof m === 'string' ? m : mode === 'report' && m.report !== undefined ? m.report : m.text);
  let out = parts[0];
  for (let k = 1; k < parts.length; k += 2) out += String(data[parts[k]] ?? '') + parts[k + 1];
  return out;
}
