// The round engine of one task (McMahan et al. 2017's FedAvg loop, organised as in Bonawitz et
// al. 2019): selection → configuration → reporting → aggregation → evaluation → commit, until the
// target accuracy, the round budget or an operator's stop. Dropouts are data, not exceptions.

import { hasPrivacyAccounting, type DpSgdAccountant } from '@flotilla/privacy';
import { createRng, type FitAggregation, type FitFailure, type FitInstructions, type Strategy } from '@flotilla/core';
import {
  ErrorCodes, FlotillaError, SUPPORTED_CODECS, taskSchema, type EvaluationReport, type FitPlan, type NamedTensor, type RoundPlan,
  type TaskState, type Update,
} from '@flotilla/protocol';
import type { Checkpoint, TaskRecord } from '../store/Store.ts';
import type { ConnectedClient } from './ClientRegistry.ts';
import type { EngineDeps } from './deps.ts';
import { RoundState, type RoundPhase } from './RoundState.ts';
import { buildStrategy } from './strategyFromTask.ts';
import { validateUpdate } from './validateUpdate.ts';
import { assertPlannedCodec, uplinkFor, withUplink } from './uplinkCodec.ts';
import { downlinkField, servedBase } from './downlink.ts';
import { admissible, exampleCountRule, updateExampleLimits, type ExampleCountRule } from './exampleCounts.ts';
import { commitRound, abandonRound } from './roundCommit.ts';
import { dpSgdAccountant, dpSgdBudgetStop, dpSgdEligible, dpSgdPlan } from './sampleLevelPrivacy.ts';
import { evaluateRound } from './roundEvaluation.ts';
import { SecureRound, type SecAggClientMessage } from './SecureRound.ts';
import { selectionSeed } from './selectionSeed.ts';
import { FederatedEvaluator } from './FederatedEvaluator.ts';
import type { FederatedSummary } from './federatedSummary.ts';
import { hasCentralTestSet, restoreFrozen, type ModelLayout } from './modelLayout.ts';

/** The pause after an abandoned round before the next is planned (see loopRounds). */
export const ABANDONED_ROUND_PAUSE_MS = 1_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms).unref(); });

export class TaskRunner {
  weights: Float32Array;
  version: number;
  lastRound: number;
  state: TaskState;
  current: RoundState | null = null;
  private aggregation: FitAggregation | null = null;
  private secure: SecureRound | null = null;
  private loop: Promise<void> | null = null;
  private wakeUp: () => void = () => {};
  readonly strategy: Strategy;
  /** Sample-level DP-SGD's ε, from every update received; null when the task does not use it. */
  readonly sampleDp: DpSgdAccountant | null;
  private committedState: Record<string, Float32Array>;
  /** The round whose commit produced the current model (0: the initial model). */
  modelRound: number;
  /** Federated evaluation of committed models on the clients' held-out data. */
  readonly evaluator: FederatedEvaluator;
  readonly shapes: number[][];
  /** 1 where a weight trains, 0 where it is frozen; null when every weight trains. */
  readonly trainable: Uint8Array | null;

  private constructor(
    readonly deps: EngineDeps, readonly task: TaskRecord, checkpoint: Checkpoint, layout: ModelLayout,
    /** What one client may claim as its example count: checked at hello, at selection and on every update. */
    readonly exampleCounts: ExampleCountRule,
  ) {
    this.weights = checkpoint.weights;
    this.version = checkpoint.version;
    this.modelRound = checkpoint.round;
    this.shapes = layout.shapes;
    this.trainable = layout.trainable && layout.trainable.includes(0) ? layout.trainable : null;
    // Asked like fit selection: a simulated client that has not yet announced its training part is about to reconnect.
    this.evaluator = new FederatedEvaluator(deps, task.id, task.config, (c) => admissible(this.exampleCounts, c));
    this.lastRound = task.lastRound;
    this.state = task.state;
    this.strategy = buildStrategy(task.config);
    this.committedState = checkpoint.strategyState;
    this.strategy.importState(checkpoint.strategyState);
    this.sampleDp = dpSgdAccountant(task.config, deps.store.listRounds(task.id));
  }

  /** Rebuilds a runner from the store: the last committed model, its version and optimiser state. */
  static async load(deps: EngineDeps, task: TaskRecord, layout: ModelLayout): Promise<TaskRunner> {
    const checkpoint = deps.store.latestCheckpoint(task.id);
    if (!checkpoint) throw new Error(`task ${task.id} has no checkpoint`);
    return new TaskRunner(deps, task, checkpoint, layout, await exampleCountRule(task.config, deps.datasets));
  }

  get id(): string {
    return this.task.id;
  }

  get config() {
    return this.task.config;
  }

  /** Starts or resumes the loop. */
  run(): void {
    this.setState('running');
    this.deps.baselines.ensure(this.id, this.config);
    this.loop ??= this.loopRounds().finally(() => (this.loop = null));
    this.wakeUp();
  }

  /** Lets the round in flight finish, then starts no new one. */
  pause(): void {
    this.setState('paused');
    this.wakeUp();
  }

  /** Ends the task; a round in flight is abandoned and the model kept. */
  async stop(state: 'stopped' | 'completed' | 'failed' = 'stopped', reason = 'stopped by the operator'): Promise<void> {
    this.setState(state, reason);
    this.current?.close('aborted');
    this.evaluator.abort();
    this.wakeUp();
    await this.loop;
  }

  /** For shutdown: abandons the loop without changing the persisted state, so a restart resumes. */
  async detach(): Promise<void> {
    this.state = 'paused';
    this.current?.close('aborted');
    this.evaluator.abort();
    this.wakeUp();
    await this.loop;
  }

  private setState(state: TaskState, reason: string | null = null): void {
    this.state = state;
    this.deps.store.setTaskState(this.id, state, reason);
    this.deps.bus.publish('task.state', this.id, { state, reason });
  }

  private async loopRounds(): Promise<void> {
    // The initial model (or, after a crash between a commit and its evaluation, the last one) is evaluated first.
    await this.evaluateIfDue();
    while (this.state === 'running') {
      if (this.lastRound >= this.config.stop.maxRounds) {
        this.setState('completed', 'round budget spent');
        break;
      }
      const round = this.lastRound + 1;
      // A client whose declared example count breaks the task's rule never weighs in.
      const eligible = dpSgdEligible(this.config, this.deps.registry.eligibleFor(this.id, this.deps.isActiveTask(this.id)).filter((c) => admissible(this.exampleCounts, c)));
      const rng = createRng(selectionSeed(this.config, round));
      const available = eligible.map((c) => ({
        id: c.id,
        ...(c.numExamples === null ? {} : { numExamples: c.numExamples }),
        ...(c.device.examplesPerSec === undefined ? {} : { examplesPerSec: c.device.examplesPerSec }),
      }));
      const instructions = this.strategy.configureFit(round, available, rng);
      if (!instructions) {
        await Promise.race([this.deps.registry.nextChange(1000), new Promise<void>((r) => (this.wakeUp = r))]);
        continue;
      }
      const budget = this.config.privacy.differentialPrivacy.targetEpsilon;
      if (budget !== undefined && hasPrivacyAccounting(this.strategy) && this.strategy.epsilonAfterNextRound() > budget) {
        this.setState('completed', `privacy budget ε = ${budget} reached (spent ${this.strategy.epsilonSpent().toFixed(3)})`);
        break;
      }
      const planned = instructions.clientIds.map((clientId) => ({ clientId, numExamples: this.deps.registry.get(clientId)?.numExamples ?? null }));
      const sampleStop = dpSgdBudgetStop(this.config, this.sampleDp, planned);
      if (sampleStop) {
        this.setState('completed', sampleStop);
        break;
      }
      const versionBefore = this.version;
      try {
        await this.runRound(round, instructions);
        // An abandoned round (no new version) may have ended at once, e.g. when every selected
        // socket was closing but its close event had not run: starting the next at once, on the
        // same unreachable clients, would spend the whole round budget in a burst. A pause lets
        // the sockets' close events run; an operator's pause or stop cuts it short.
        if (this.version === versionBefore && this.state === 'running') {
          await Promise.race([sleep(ABANDONED_ROUND_PAUSE_MS), new Promise<void>((r) => (this.wakeUp = r))]);
        }
      } catch (err) {
        // A bug must not leave the task spinning: record it and fail the task visibly.
        this.deps.log.error({ taskId: this.id, round, err }, 'round engine failed');
        this.setState('failed', err instanceof Error ? err.message : String(err));
      }
    }
  }

  private async runRound(round: number, instructions: FitInstructions): Promise<void> {
    const { config } = this;
    const rs = new RoundState(this.id, round, this.version, new Set(instructions.clientIds), instructions.goal, Date.now() + config.stop.roundDeadlineMs);
    this.current = rs;
    this.weights = servedBase(this.config, this.weights, this.shapes);
    this.aggregation = this.strategy.beginAggregation(round, this.weights);
    let secure: SecureRound | null;
    try {
      secure = SecureRound.open(this.deps, this.id, this.config, rs, this.weights.length, this.strategy);
    } catch (err) {
      // E.g. a threshold the selected clients cannot meet: no plan goes out, the model stays.
      rs.close('aborted');
      return this.abandon(rs, `secure aggregation: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.secure = secure;
    this.deps.bus.publish('round.started', this.id, {
      round, selected: rs.selected.size, goal: rs.goal, deadline: rs.deadline, modelVersion: this.version, secure: secure !== null,
    });
    this.phase(rs, 'configuration');
    const plan = this.planFor(round, instructions);
    for (const clientId of rs.selected) {
      const client = this.deps.registry.get(clientId);
      if (client?.send(secure ? secure.bindPlan(plan, clientId) : { ...plan, ...downlinkField(this.config), fit: withUplink(plan.fit, this.config, client) })) this.deps.store.bumpClientStats(clientId, { roundsJoined: 1 });
      else this.recordFailure(rs, clientId, 'disconnected', null);
    }
    if (!secure) this.phase(rs, 'reporting');
    const reason = secure ? await secure.collect((p) => this.phase(rs, p)) : await rs.closed;
    for (const [clientId, f] of rs.failures) if (f.outcome === 'deadline') this.noteDropout(rs, clientId, 'deadline');
    const failures: FitFailure[] = [...rs.failures].filter(([, f]) => f.outcome !== 'late').map(([clientId, f]) => ({
      clientId, reason: f.outcome as FitFailure['reason'], ...(f.code ? { code: f.code } : {}),
    }));
    const aggregation = this.aggregation;
    this.aggregation = null;
    if (reason === 'aborted') return this.abandon(rs, this.state === 'stopped' ? 'stopped by the operator' : 'coordinator shutting down');
    if (reason === 'failed') return this.abandon(rs, `secure aggregation: ${secure?.failure}`);
    if (rs.reports.size < config.stop.minReports) {
      return this.abandon(rs, `${rs.reports.size} reports, fewer than minReports = ${config.stop.minReports}`);
    }
    let unmasked: Awaited<ReturnType<SecureRound['unmask']>> | null = null;
    if (secure) {
      try {
        unmasked = await secure.unmask((p) => this.phase(rs, p));
      } catch (err) {
        const code = err instanceof FlotillaError ? `${err.code}: ` : '';
        return this.abandon(rs, `secure aggregation: ${code}${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.phase(rs, 'aggregation');
    let next: Float32Array | null;
    try {
      next = unmasked ? SecureRound.finish(this.strategy, aggregation, this.weights, unmasked, failures) : aggregation.finish(failures);
    } catch (err) {
      // A strategy's precondition (Krum's n ≥ 2f + 3, …) failing keeps the model, it does not end the task.
      return this.abandon(rs, `aggregation failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!next) return this.abandon(rs, 'the strategy kept the model');
    // A server optimiser, DP noise or a lying client may have moved frozen weights: they keep the global values.
    if (this.trainable) restoreFrozen(next, this.weights, this.trainable);
    this.phase(rs, 'evaluation');
    // Central evaluation only where the operator registered a test set (or MNIST's, for tasks that predate schemas).
    const evaluated = await evaluateRound(this.deps.models, this.deps.datasets, config, next, { taskId: this.id, round });
    if (!evaluated.ok) return this.abandon(rs, evaluated.reason);
    const evaluation = evaluated.result;
    this.phase(rs, 'commit');
    commitRound(this, rs, next, evaluation);
    this.committedState = this.strategy.exportState();
    this.endRoundForClients(rs, 'committed');
    const federated = await this.evaluateIfDue();
    const target = config.stop.targetAccuracy;
    // The central test accuracy where there is a test set, else the clients' weighted accuracy.
    const accuracy = evaluation ? evaluation.accuracy : federated?.accuracy ?? null;
    if (target !== undefined && accuracy !== null && accuracy >= target) this.setState('completed', `target accuracy ${target} reached`);
    else if (round >= config.stop.maxRounds && this.state === 'running') this.setState('completed', 'round budget spent');
  }

  /** Runs the federated evaluation of the current model when it is due; null when none ran. */
  private async evaluateIfDue(): Promise<FederatedSummary | null> {
    if (this.state !== 'running' || !this.evaluator.due(this.modelRound)) return null;
    return this.evaluator.run(this.modelRound, this.version, () => this.state === 'running');
  }

  /** A client's federated evaluation report; throws a FlotillaError for the socket to answer. */
  acceptEvaluation(client: ConnectedClient, report: EvaluationReport): void {
    this.evaluator.accept(client, report);
  }

  evaluationFailed(clientId: string, round: number, code: string): void {
    this.evaluator.failed(clientId, round, code);
  }

  private abandon(rs: RoundState, reason: string): void {
    this.strategy.importState(this.committedState);
    abandonRound(this, rs, reason);
    this.endRoundForClients(rs, 'abandoned');
  }

  private endRoundForClients(rs: RoundState, outcome: 'committed' | 'abandoned'): void {
    this.current = null;
    this.secure = null;
    for (const clientId of rs.selected) this.deps.registry.get(clientId)?.send({ type: 'round.end', taskId: this.id, round: rs.round, outcome });
  }

  private phase(rs: RoundState, phase: RoundPhase): void {
    rs.phase = phase;
    this.deps.bus.publish('round.phase', this.id, { round: rs.round, phase }, { durable: false });
  }

  private planFor(round: number, instructions: FitInstructions): RoundPlan {
    const fit: FitPlan = { ...instructions.config, seed: (this.config.seed * 7919 + round) >>> 0, ...dpSgdPlan(this.config) };
    return {
      type: 'round.plan', taskId: this.id, round, modelVersion: this.version, model: this.config.model, schema: taskSchema(this.config.data),
      weightsUrl: this.deps.weightsPath(this.id, this.version), codec: SUPPORTED_CODECS[0]!, fit,
      deadline: this.current?.deadline ?? Date.now() + this.config.stop.roundDeadlineMs,
    };
  }

  /** A secure-aggregation message of the round in flight; coded errors for anything else. */
  acceptSecAgg(client: ConnectedClient, message: SecAggClientMessage, words: Uint32Array | undefined, bytes: number): void {
    const rs = this.current;
    if (!rs || !this.secure || message.round !== rs.round) throw new FlotillaError(ErrorCodes.STALE_ROUND, `round ${message.round} is not a secure round in flight`);
    rs.countUp(client.id, bytes);
    this.secure.handle(client.id, message, words, rs.modelVersion);
    // A masked report is spent like a clear one, at the example count its plan bound (DP-SGD).
    const bound = message.type === 'secagg.masked' ? this.secure.boundExamplesOf(client.id) : null;
    if (bound !== null) this.sampleDp?.recordUpdate(client.id, bound);
  }

  /** An update arrived. Throws a FlotillaError for the socket to answer; never touches the model. */
  acceptUpdate(client: ConnectedClient, message: Update, tensors: NamedTensor[], bytes: number): void {
    if (this.secure) throw new FlotillaError(ErrorCodes.SECAGG_REQUIRED, 'this round requires secure aggregation: send a masked input, not an update');
    const rs = this.current;
    if (!rs || !rs.isOpen || message.round !== rs.round) {
      this.deps.metrics.lateReports.inc();
      throw new FlotillaError(ErrorCodes.STALE_ROUND, `round ${message.round} is not open for reports`);
    }
    if (!rs.selected.has(client.id)) throw new FlotillaError(ErrorCodes.NOT_SELECTED, `client ${client.id} was not selected in round ${rs.round}`);
    if (rs.isSettled(client.id)) throw new FlotillaError(ErrorCodes.DUPLICATE_REPORT, `client ${client.id} already reported in round ${rs.round}`);
    if (message.modelVersion !== rs.modelVersion) {
      throw new FlotillaError(ErrorCodes.STALE_ROUND, `update trained from model ${message.modelVersion}, the round uses ${rs.modelVersion}`);
    }
    rs.countUp(client.id, bytes);
    let update: Float32Array;
    try {
      assertPlannedCodec(tensors, uplinkFor(this.config, client));
      update = validateUpdate(message, tensors, {
        shapes: this.shapes, maxUpdateNorm: this.config.limits.maxUpdateNorm, ...updateExampleLimits(this.exampleCounts, client),
      });
      // Accounted before aggregation: an update the coordinator has seen is spent even if the round fails.
      this.sampleDp?.recordUpdate(client.id, message.numExamples);
      this.aggregation!.add({ clientId: client.id, numExamples: message.numExamples, update, metrics: message.metrics });
    } catch (err) {
      const code = err instanceof FlotillaError ? err.code : ErrorCodes.INTERNAL;
      this.recordFailure(rs, client.id, 'rejected', code);
      throw err;
    }
    rs.addReport(client.id, { numExamples: message.numExamples, trainLoss: message.metrics.loss });
    this.deps.bus.publish('round.report', this.id, { round: rs.round, clientId: client.id, numExamples: message.numExamples, loss: message.metrics.loss, reported: rs.reports.size, goal: rs.goal });
  }

  fitFailed(clientId: string, round: number, code: string): void {
    const rs = this.current;
    if (rs?.isOpen && rs.round === round && rs.selected.has(clientId)) this.recordFailure(rs, clientId, 'error', code);
  }

  clientLeft(clientId: string): void {
    this.evaluator.clientLeft(clientId);
    const rs = this.current;
    if (rs?.selected.has(clientId)) this.secure?.left(clientId);
    if (rs?.isOpen && rs.selected.has(clientId) && !rs.isSettled(clientId)) this.recordFailure(rs, clientId, 'disconnected', null);
  }

  private recordFailure(rs: RoundState, clientId: string, outcome: 'disconnected' | 'error' | 'rejected', code: string | null): void {
    if (rs.isSettled(clientId)) return;
    rs.addFailure(clientId, outcome, code);
    this.secure?.left(clientId);
    if (outcome === 'disconnected') this.noteDropout(rs, clientId, outcome);
    else this.deps.bus.publish('client.error', this.id, { round: rs.round, clientId, outcome, code });
  }

  private noteDropout(rs: RoundState, clientId: string, reason: 'disconnected' | 'deadline'): void {
    this.deps.store.bumpClientStats(clientId, { dropouts: 1 });
    this.deps.metrics.dropouts.inc({ reason });
    this.deps.bus.publish('round.dropout', this.id, { round: rs.round, clientId, reason });
  }
}
