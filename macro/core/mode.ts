/**
 * The run's record, and Mode applied once, at the end.
 *
 * The core records every decision (with its message id and data) and every problem. A decision
 * that Mode strict fails on carries the problem it becomes; `finish` turns those into problems in
 * Mode strict, keeps the input fragment in Mode report, and throws every problem as one
 * TransformError. Nothing else in the core asks which mode it runs in: texts that differ in Mode
 * report are variants in `messages.ts`, rendered here.
 */
import { TransformError, type Problem } from '../errors';
import { render, whereText, type MessageId } from '../messages';
import type { Decision, MessageData, Mode, Needs, Report, StoredRef, TransformResult } from '../types';

/** A decision as the core records it: its text comes from its message id and data. */
export type DecisionRecord = Omit<Decision, 'reason' | 'messageId'> & { messageId: MessageId };

/**
 * A problem Mode strict fails on, or a function that makes it: its text is built only in Mode
 * strict (a run may record thousands of cold invocations, each of which would fail Mode strict).
 */
export type StrictProblem = Problem | (() => Problem);

export class Outcome {
  readonly decisions: Decision[] = [];
  readonly #problems: { problem: StrictProblem; strictOnly: boolean }[] = [];
  #hard = 0;
  #strictOnly = 0;
  #stateMachines = 0;
  readonly #changed: string[] = [];
  #grants = 0;
  readonly #neededDefinitions: StoredRef[] = [];
  readonly #neededExternal = new Set<string>();

  readonly #mode: Mode;

  constructor(mode: Mode) {
    this.#mode = mode;
  }

  /** The text of a message in this run's mode. */
  text(id: MessageId, data: MessageData = {}): string {
    return render(id, data, this.#mode);
  }

  /** Records a decision; `strict` is the problem it becomes in Mode strict. */
  add(d: DecisionRecord, strict?: StrictProblem): void {
    // The core hands over a fresh record: it becomes the decision (no copy: a run may make thousands).
    const decision = d as Decision;
    decision.reason = this.text(d.messageId, d.data) + whereText(d.when);
    this.decisions.push(decision);
    if (strict) this.strictFails(strict);
  }

  /** A problem only in Mode strict (a decision Mode strict fails on). */
  strictFails(p: StrictProblem): void {
    // Counted in every mode, kept only in Mode strict, the one that reads it (a run may have thousands).
    if (this.#mode === 'strict') this.#problems.push({ problem: p, strictOnly: true });
    this.#strictOnly++;
  }

  /** A problem in every mode. */
  problem(p: Problem): void {
    this.#problems.push({ problem: p, strictOnly: false });
    this.#hard++;
  }

  /** Whether the run fails so far: then no more state machines are written. */
  get failing(): boolean {
    return this.#hard > 0 || (this.#mode === 'strict' && this.#strictOnly > 0);
  }

  /** One processed state machine: whether its definition was written, and how many grants were added. */
  stateMachine(id: string, written: boolean, grantsAdded: number): void {
    this.#stateMachines++;
    if (written) this.#changed.push(id);
    this.#grants += grantsAdded;
  }

  needDefinition(ref: StoredRef): void {
    this.#neededDefinitions.push(ref);
  }

  needExternal(arn: string): void {
    this.#neededExternal.add(arn);
  }

  #needs(): Needs {
    return { definitions: this.#neededDefinitions, external: this.#hard > 0 ? [] : [...this.#neededExternal].sort() };
  }

  /** The result: the output fragment (the input in Mode report), or every problem thrown at once. */
  finish(input: unknown, output: unknown): TransformResult {
    const problems = this.#problems
      .filter((p) => !p.strictOnly || this.#mode === 'strict')
      .map((p) => (typeof p.problem === 'function' ? p.problem() : p.problem));
    if (problems.length) throw new TransformError(problems, { needs: this.#needs() });
    return { fragment: this.#mode === 'report' ? input : output, report: this.#report() };
  }

  #report(): Report {
    // (reduce: a run may record thousands of decisions, and for-of makes an object per step until optimized.)
    const count = (a: Decision['action']): number => this.decisions.reduce((n, d) => (d.action === a ? n + 1 : n), 0);
    return {
      mode: this.#mode,
      decisions: this.decisions,
      changed: this.#changed,
      needs: this.#needs(),
      summary: {
        stateMachines: this.#stateMachines,
        modifiedStateMachines: this.#mode === 'report' ? 0 : this.#changed.length,
        rewritten: count('rewritten'),
        cold: count('cold'),
        warnings: count('warning'),
        iamGrantsAdded: this.#grants,
      },
    };
  }
}

/** A Mode strict problem from a warning: `state <path>: ` before the text when it is about a state. */
export function strictProblem(stateMachine: string | undefined, path: string, message: string, statePath?: string): Problem {
  const text = render('strict.problem', { where: statePath ? `state ${statePath}: ` : '', message });
  return stateMachine ? { logicalId: stateMachine, path, message: text } : { path, message: text };
}
