// One synchronous round (Bonawitz et al. 2019's configuration → reporting → aggregation →
// evaluation → commit) on the collector the task uses; ends in a CommitResult the runner applies.

import type { FitFailure, FitInstructions } from '@flotilla/core';
import { ErrorCodes, FlotillaError, SUPPORTED_CODECS, taskSchema, type NamedTensor, type RoundPlan, type TaskState, type Update } from '@flotilla/protocol';
import type { EvaluateResult } from '../model/jobs.ts';
import type { ConnectedClient } from './ClientRegistry.ts';
import type { ClientFailure, CollectorContext, UpdateCollector } from './collectors.ts';
import { openCollector } from './collectorRegistry.ts';
import type { ExampleCountRule } from './exampleCounts.ts';
import { restoreFrozen } from './modelLayout.ts';
import type { PlanDecorator } from './planDecorators.ts';
import { abandonRound, commitRound, type CommitContext, type CommitResult } from './roundCommit.ts';
import { evaluateRound } from './roundEvaluation.ts';
import { RoundState, type RoundPhase } from './RoundState.ts';
import { dpSgdPlan } from './sampleLevelPrivacy.ts';
import { workPlannerFor } from './workPlan.ts';
import type { SecAggClientMessage } from './SecureRound.ts';
import type { PersonalLayout } from './personalLayout.ts';
import type { ContributionTracker } from '../contribution/ContributionTracker.ts';

/** What a round reads from its task (the TaskRunner); it writes none of it. */
export interface RoundHost extends CommitContext {
  /** Read when the round is aborted: an operator's stop and a shutdown are recorded differently. */
  readonly state: TaskState;
  readonly weights: Float32Array;
  readonly shapes: number[][];
  /** 1 where a weight trains, 0 where it is frozen; null when every weight trains. */
  readonly trainable: Uint8Array | null;
  readonly exampleCounts: ExampleCountRule;
  /** The strategy's state at the last commit, restored when a round is abandoned. */
  readonly committedState: Record<string, Float32Array>;
  /** The task's plan decorators, composed (see planDecorators.ts). */
  readonly decorate: PlanDecorator;
  /** FedPer / FedRep: updates carry the body only (see personalLayout.ts). */
  readonly personal?: PersonalLayout | null;
  /** Contribution assessment: keeps the round's accepted updates for the valuation after its commit. */
  readonly contribution?: ContributionTracker | null;
}

/** How a round ended: the result to apply and, when it committed, its central evaluation (null without a test set). */
export interface RoundEnd {
  readonly result: CommitResult;
  readonly evaluation: EvaluateResult | null;
}

/**
 * One round in flight. The runner creates it, routes the sockets' messages to it while `run` is
 * pending, applies the result, then has `announceEnd` tell the selected clients.
 * @example
 * const run = new RoundRun(runner, 3, instructions);
 * const { result } = await run.run();
 * runner.apply(result);
 * run.announceEnd();
 */
export class RoundRun {
  readonly rs: RoundState;
  private collector: UpdateCollector | null = null;

  constructor(private readonly host: RoundHost, round: number, private readonly instructions: FitInstructions) {
    const deadline = Date.now() + host.config.stop.roundDeadlineMs;
    this.rs = new RoundState(host.id, round, host.version, new Set(instructions.clientIds), instructions.goal, deadline);
  }

  /**
   * Opens the task's collector, sends each selected client its plan, collects, aggregates, evaluates
   * and stores the round; a round that cannot commit is stored as abandoned with the strategy's
   * state put back. Never writes the runner: the returned result is for it to apply.
   */
  async run(): Promise<RoundEnd> {
    const { rs, host } = this;
    const { config, deps } = host;
    let collector: UpdateCollector;
    try {
      collector = openCollector(this.collectorContext());
    } catch (err) {
      // No plan has gone out: the model stays and nobody waits.
      rs.close('aborted');
      return this.abandon(err instanceof Error ? err.message : String(err));
    }
    this.collector = collector;
    deps.bus.publish('round.started', host.id, {
      round: rs.round, selected: rs.selected.size, goal: rs.goal, deadline: rs.deadline, modelVersion: rs.modelVersion, secure: collector.kind === 'secure',
    });
    this.phase('configuration');
    for (const clientId of rs.selected) {
      const client = deps.registry.get(clientId);
      if (client?.send(this.planFor(clientId, client))) deps.store.bumpClientStats(clientId, { roundsJoined: 1 });
      else this.recordFailure(clientId, 'disconnected', null);
    }
    const upload = await collector.upload();
    for (const [clientId, f] of rs.failures) if (f.outcome === 'deadline') this.noteDropout(clientId, 'deadline');
    for (const [clientId, f] of rs.failures) if (f.outcome === 'deadline') workPlannerFor(config).missedDeadline(clientId, rs.round, deps.registry.get(clientId)?.numExamples ?? null, rs.deadline);
    if (upload.kind === 'aborted') return this.abandon(host.state === 'stopped' ? 'stopped by the operator' : 'coordinator shutting down');
    if (upload.kind === 'failed') return this.abandon(upload.reason);
    if (rs.reports.size < config.stop.minReports) return this.abandon(`${rs.reports.size} reports, fewer than minReports = ${config.stop.minReports}`);
    const aggregated = await collector.aggregate(this.fitFailures());
    if (aggregated.kind === 'failed') return this.abandon(aggregated.reason);
    const next = aggregated.weights;
    // A server optimiser, DP noise or a lying client may have moved frozen weights: they keep the global values.
    if (host.trainable) restoreFrozen(next, host.weights, host.trainable);
    this.phase('evaluation');
    // Central evaluation only where the operator registered a test set (or MNIST's, for tasks that predate schemas).
    const evaluated = await evaluateRound(deps.models, deps.datasets, config, next, { taskId: host.id, round: rs.round }, host.contribution?.split.testSkip);
    if (!evaluated.ok) return this.abandon(evaluated.reason);
    this.phase('commit');
    return { result: commitRound(host, rs, next, evaluated.result), evaluation: evaluated.result };
  }

  /** Tells every selected client how the round ended (after the runner applied it). */
  announceEnd(outcome: 'committed' | 'abandoned'): void {
    const { deps, id } = this.host;
    for (const clientId of this.rs.selected) deps.registry.get(clientId)?.send({ type: 'round.end', taskId: id, round: this.rs.round, outcome });
  }

  /** A clear update for this round; throws a FlotillaError for the socket to answer. */
  acceptUpdate(client: ConnectedClient, message: Update, tensors: NamedTensor[], bytes: number): void {
    if (!this.collector) throw new FlotillaError(ErrorCodes.STALE_ROUND, `round ${message.round} is not open for reports`);
    this.collector.acceptUpdate(client, message, tensors, bytes);
  }

  /** A secure-aggregation message for this round; throws a FlotillaError for the socket to answer. */
  acceptSecAgg(client: ConnectedClient, message: SecAggClientMessage, words: Uint32Array | undefined, bytes: number): void {
    if (!this.collector) throw new FlotillaError(ErrorCodes.STALE_ROUND, `round ${message.round} is not a secure round in flight`);
    this.collector.acceptSecAgg(client, message, words, bytes);
  }

  /** A selected client says its training failed. */
  fitFailed(clientId: string, round: number, code: string): void {
    const { rs } = this;
    if (rs.isOpen && rs.round === round && rs.selected.has(clientId)) this.recordFailure(clientId, 'error', code);
  }

  clientLeft(clientId: string): void {
    const { rs } = this;
    if (!rs.selected.has(clientId)) return;
    this.collector?.left(clientId);
    if (rs.isOpen && !rs.isSettled(clientId)) this.recordFailure(clientId, 'disconnected', null);
  }

  private collectorContext(): CollectorContext {
    const { host } = this;
    return {
      deps: host.deps, taskId: host.id, config: host.config, strategy: host.strategy, rs: this.rs, global: host.weights,
      shapes: host.shapes, exampleCounts: host.exampleCounts, sampleDp: host.sampleDp, personal: host.personal ?? null,
      ...(host.contribution ? { keepUpdate: host.contribution.keeper(this.rs.round) } : {}),
      onPhase: (phase) => this.phase(phase),
      recordFailure: (clientId, outcome, code) => this.recordFailure(clientId, outcome, code),
    };
  }

  /** One client's plan: the round's base plan, the task's decorators, then what the collector binds. */
  private planFor(clientId: string, client: ConnectedClient | undefined): RoundPlan {
    const { host, rs } = this;
    const { config } = host;
    const fit = { ...this.instructions.config, seed: (config.seed * 7919 + rs.round) >>> 0, ...dpSgdPlan(config) };
    const base: RoundPlan = {
      type: 'round.plan', taskId: host.id, round: rs.round, modelVersion: rs.modelVersion, model: config.model, schema: taskSchema(config.data),
      weightsUrl: host.deps.weightsPath(host.id, rs.modelVersion), codec: SUPPORTED_CODECS[0]!, fit, deadline: rs.deadline,
    };
    const decorated = host.decorate(base, { round: rs.round, client, clientId, collector: this.collector!.kind });
    return this.collector!.bindPlan(decorated, clientId);
  }

  private fitFailures(): FitFailure[] {
    return [...this.rs.failures].filter(([, f]) => f.outcome !== 'late').map(([clientId, f]) => ({
      clientId, reason: f.outcome as FitFailure['reason'], ...(f.code ? { code: f.code } : {}),
    }));
  }

  private abandon(reason: string): RoundEnd {
    // The strategy's state goes back to the last commit's (server moments, DP accounting of a discarded round).
    this.host.strategy.importState(this.host.committedState);
    return { result: abandonRound(this.host, this.rs, reason), evaluation: null };
  }

  private recordFailure(clientId: string, outcome: ClientFailure, code: string | null): void {
    const { rs } = this;
    if (rs.isSettled(clientId)) return;
    rs.addFailure(clientId, outcome, code);
    this.collector?.left(clientId);
    if (outcome === 'disconnected') this.noteDropout(clientId, outcome);
    else this.host.deps.bus.publish('client.error', this.host.id, { round: rs.round, clientId, outcome, code });
  }

  private noteDropout(clientId: string, reason: 'disconnected' | 'deadline'): void {
    const { deps, id } = this.host;
    deps.store.bumpClientStats(clientId, { dropouts: 1 });
    deps.metrics.dropouts.inc({ reason });
    deps.bus.publish('round.dropout', id, { round: this.rs.round, clientId, reason });
  }

  private phase(phase: RoundPhase): void {
    this.rs.phase = phase;
    this.host.deps.bus.publish('round.phase', this.host.id, { round: this.rs.round, phase }, { durable: false });
  }
}
