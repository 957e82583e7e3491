// Contribution assessment of one task's rounds: keeps each round's accepted plain updates while it
// is open, and after a commit values them on the model worker, stores the values, announces the
// round and tells each valued client its own standing. It trails the commit and never touches the
// model; a failed valuation is an event and a log line, not a failed round.

import { ErrorCodes, hasErrorCode, taskSchema, type ContributionRoundView, type StandingMessage, type TaskConfig } from '@flotilla/protocol';
import type { EngineDeps } from '../engine/deps.ts';
import type { ContributionSetup } from '../model/jobs.ts';
import type { RoundState } from '../engine/RoundState.ts';
import { assessesContribution } from './contributionConfig.ts';
import { contributionMetric, currentStandings } from './contributionView.ts';
import { validationSplit, type ValidationSplit } from './validationSplit.ts';

/** What the tracker is told of each accepted clear update (a copy is kept). */
export type KeepUpdate = (clientId: string, numExamples: number, update: Float32Array) => void;

interface Kept { numExamples: number; update: Float32Array }

/**
 * @example
 * const tracker = await ContributionTracker.load(deps, taskId, config); // null without contribution
 * ctx.keepUpdate = tracker?.keeper(round);                            // the round's collector keeps its updates
 * tracker?.roundEnded(rs, base, committed);                           // values the round after its commit
 */
export class ContributionTracker {
  private readonly rounds = new Map<number, Map<string, Kept>>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private signalClosed: () => void = () => {};
  /** Resolves at close: a loop waiting for valuations stops waiting when the coordinator shuts down. */
  private readonly closing = new Promise<void>((resolve) => (this.signalClosed = resolve));

  private constructor(private readonly deps: EngineDeps, private readonly taskId: string, private readonly config: TaskConfig & { contribution: NonNullable<TaskConfig['contribution']> }, readonly split: ValidationSplit) {}

  /** The task's tracker with its validation split built, or null when the task does not assess contribution. */
  static async load(deps: EngineDeps, taskId: string, config: TaskConfig): Promise<ContributionTracker | null> {
    if (!assessesContribution(config)) return null;
    const tracker = new ContributionTracker(deps, taskId, config, await validationSplit(config, deps.datasets));
    // The worker reads the split while round 1 trains; a failure here shows in the first valuation.
    deps.models.prepareContributions(tracker.setup(), { taskId }).catch(() => undefined);
    return tracker;
  }

  private setup(): ContributionSetup {
    return { model: this.config.model, schema: taskSchema(this.config.data), validation: { key: this.taskId, source: this.split.source, indices: this.split.indices } };
  }

  /** Where the round's collector hands each accepted update. */
  keeper(round: number): KeepUpdate {
    const kept = new Map<string, Kept>();
    this.rounds.set(round, kept);
    return (clientId, numExamples, update) => kept.set(clientId, { numExamples, update: update.slice() });
  }

  /**
   * The round ended: a committed round's reports (those `rs` counts, in its order) are valued
   * against `base`, the model the round trained from, after every earlier round's valuation.
   */
  roundEnded(rs: RoundState, base: Float32Array, committed: boolean): void {
    const kept = this.rounds.get(rs.round);
    this.rounds.delete(rs.round);
    if (!committed || !kept || this.closed) return;
    const reports = [...rs.reports.keys()].filter((id) => kept.has(id)).map((clientId) => ({ clientId, ...kept.get(clientId)! }));
    if (reports.length === 0) return;
    const from = base.slice();
    this.queue = this.queue.then(() => this.value(rs.round, from, reports)).catch(() => undefined);
  }

  /** Resolves once every valuation queued so far has ended. */
  idle(): Promise<void> {
    return this.queue;
  }

  /**
   * Before a round is selected: under a downweight or exclude policy, waits for the valuations
   * still running, so the policy judges on every committed round and a seed selects alike on
   * every run (uniform selection never waits). True when it waited (the task's state may have changed).
   */
  async beforeSelection(): Promise<boolean> {
    if ((this.config.contribution.selection?.policy ?? 'uniform') === 'uniform') return false;
    await Promise.race([this.queue, this.closing]);
    return true;
  }

  /** No valuation is started after this; one in flight ends quietly (the worker closing fails it). */
  close(): void {
    this.closed = true;
    this.rounds.clear();
    this.signalClosed();
  }

  private async value(round: number, base: Float32Array, reports: { clientId: string; numExamples: number; update: Float32Array }[]): Promise<void> {
    if (this.closed) return;
    const { deps, taskId, config } = this;
    const spec = config.contribution;
    const started = performance.now();
    try {
      const result = await deps.models.valueContributions({
        ...this.setup(), base, updates: reports.map((r) => r.update), numExamples: reports.map((r) => r.numExamples), method: spec.method,
        gtg: {
          truncationTolerance: spec.truncationTolerance, roundTolerance: spec.roundTolerance, convergenceTolerance: spec.convergenceTolerance,
          maxPermutations: spec.maxPermutations, seed: (config.seed * 7919 + round) >>> 0,
        },
      }, ({ evaluations }) => {
        if (!this.closed) deps.bus.publish('contribution.progress', taskId, { round, evaluations, players: reports.length, method: spec.method }, { durable: false });
      }, { taskId, round });
      if (this.closed) return;
      const view: ContributionRoundView = {
        round, method: result.method, metric: contributionMetric(config), baseUtility: result.baseUtility, fullUtility: result.fullUtility,
        evaluations: result.evaluations, truncated: result.truncated, elapsedMs: performance.now() - started,
        values: Object.fromEntries(reports.map((r, i) => [r.clientId, result.values[i]!])),
      };
      deps.store.contributions.putRound(taskId, view);
      deps.bus.publish('contribution.round', taskId, view);
      this.sendStandings(view);
    } catch (err) {
      if (this.closed) return;
      const code = hasErrorCode(err, ErrorCodes.MODEL_WORKER_FAILED) ? ErrorCodes.MODEL_WORKER_FAILED : ErrorCodes.INTERNAL;
      const reason = err instanceof Error ? err.message : String(err);
      deps.log.warn({ taskId, round, code, reason }, 'contribution valuation failed; the round stays committed without values');
      deps.bus.publish('contribution.failed', taskId, { round, code, reason });
    }
  }

  /** Each valued client still connected hears its own standing, and nothing of anyone else's. */
  private sendStandings(view: ContributionRoundView): void {
    const task = this.deps.store.getTask(this.taskId);
    if (!task) return;
    const standings = currentStandings(this.deps.store, task);
    for (const standing of standings) {
      const value = view.values[standing.clientId];
      if (value === undefined) continue;
      const message: StandingMessage = {
        type: 'standing', taskId: this.taskId, round: view.round, value, cumulative: standing.cumulative,
        rank: standing.rank, of: standings.length, share: standing.share, reward: standing.reward,
      };
      this.deps.registry.get(standing.clientId)?.send(message);
    }
  }
}
