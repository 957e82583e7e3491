// The round engine of one task (McMahan et al. 2017's FedAvg loop, organised as in Bonawitz et
// al. 2019): selection → configuration → reporting → aggregation → evaluation → commit, until the
// target accuracy, the round budget or an operator's stop. Dropouts are data, not exceptions.

import type { DpSgdAccountant } from '@flotilla/privacy';
import type { FitInstructions, Strategy } from '@flotilla/core';
import { ErrorCodes, FlotillaError, type EvaluationReport, type NamedTensor, type TaskState, type Update } from '@flotilla/protocol';
import type { Checkpoint, TaskRecord } from '../store/Store.ts';
import type { ConnectedClient } from './ClientRegistry.ts';
import type { EngineDeps } from './deps.ts';
import type { RoundState } from './RoundState.ts';
import { buildStrategy } from './strategyFromTask.ts';
import { admissible, exampleCountRule, type ExampleCountRule } from './exampleCounts.ts';
import type { CommitResult } from './roundCommit.ts';
import { dpSgdAccountant } from './sampleLevelPrivacy.ts';
import type { SecAggClientMessage } from './SecureRound.ts';
import { FederatedEvaluator } from './FederatedEvaluator.ts';
import type { FederatedSummary } from './federatedSummary.ts';
import type { ModelLayout } from './modelLayout.ts';
import { personalLayout, type PersonalLayout } from './personalLayout.ts';
import { planDecorators, type PlanDecorator } from './planDecorators.ts';
import { servedBase } from './downlink.ts';
import { RoundRun, type RoundEnd, type RoundHost } from './RoundRun.ts';
import { nextRound } from './roundSelection.ts';
import { AsyncLoop } from './AsyncLoop.ts';
import { isAsynchronous } from './asynchronousConfig.ts';
import { ContributionTracker } from '../contribution/ContributionTracker.ts';

/** The pause after an abandoned round before the next is planned (see loopRounds). */
export const ABANDONED_ROUND_PAUSE_MS = 1_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms).unref(); });

/**
 * Runs one task: the loop of rounds (selection in roundSelection.ts, each round a RoundRun on the
 * task's update collector), the results it applies, and the sockets' messages routed to the round
 * in flight. Its fields change only here.
 * @example
 * const runner = await TaskRunner.load(deps, task, layout);
 * runner.run();            // rounds until the target, the budget or a stop
 * await runner.stop();     // the round in flight is abandoned, the model kept
 */
export class TaskRunner implements RoundHost {
  weights: Float32Array;
  version: number;
  lastRound: number;
  state: TaskState;
  private round: RoundRun | null = null;
  private loop: Promise<void> | null = null;
  private wakeUp: () => void = () => {};
  readonly strategy: Strategy;
  /** Sample-level DP-SGD's ε, from every update received; null when the task does not use it. */
  readonly sampleDp: DpSgdAccountant | null;
  private committed: Record<string, Float32Array>;
  /** The task's plan decorators (device-aware work, codecs, personalisation), composed once. */
  readonly decorate: PlanDecorator;
  /** The round whose commit produced the current model (0: the initial model). */
  modelRound: number;
  /** Federated evaluation of committed models on the clients' held-out data. */
  readonly evaluator: FederatedEvaluator;
  readonly shapes: number[][];
  /** 1 where a weight trains, 0 where it is frozen; null when every weight trains. */
  readonly trainable: Uint8Array | null;
  /** The engine of an asynchronous (FedBuff) task, in place of the round loop; null for rounds. */
  readonly buffered: AsyncLoop | null;
  /** FedPer / FedRep: updates carry the body only, and the global head stays as it is (like frozen weights). */
  readonly personal: PersonalLayout | null;

  private constructor(
    readonly deps: EngineDeps, readonly task: TaskRecord, checkpoint: Checkpoint, layout: ModelLayout,
    /** What one client may claim as its example count: checked at hello, at selection and on every update. */
    readonly exampleCounts: ExampleCountRule,
    /** Contribution assessment of the committed rounds; null when the task does not assess it. */
    readonly contribution: ContributionTracker | null = null,
  ) {
    this.weights = checkpoint.weights;
    this.version = checkpoint.version;
    this.modelRound = checkpoint.round;
    this.shapes = layout.shapes;
    this.personal = personalLayout(task.config, layout);
    this.trainable = this.personal?.trainable ?? (layout.trainable && layout.trainable.includes(0) ? layout.trainable : null);
    // Asked like fit selection: a simulated client that has not yet announced its training part is about to reconnect.
    this.evaluator = new FederatedEvaluator(deps, task.id, task.config, (c) => admissible(this.exampleCounts, c));
    this.lastRound = task.lastRound;
    this.state = task.state;
    this.strategy = buildStrategy(task.config);
    this.committed = checkpoint.strategyState;
    this.strategy.importState(checkpoint.strategyState);
    this.sampleDp = dpSgdAccountant(task.config, deps.store.listRounds(task.id));
    this.decorate = planDecorators({ taskId: task.id, config: task.config, deps });
    this.buffered = isAsynchronous(task.config) ? new AsyncLoop(this, (state, reason) => this.setState(state, reason), (result) => this.apply(result)) : null;
  }

  /** Rebuilds a runner from the store: the last committed model, its version and optimiser state. */
  static async load(deps: EngineDeps, task: TaskRecord, layout: ModelLayout): Promise<TaskRunner> {
    const checkpoint = deps.store.latestCheckpoint(task.id);
    if (!checkpoint) throw new Error(`task ${task.id} has no checkpoint`);
    return new TaskRunner(deps, task, checkpoint, layout, await exampleCountRule(task.config, deps.datasets), await ContributionTracker.load(deps, task.id, task.config));
  }

  get id(): string {
    return this.task.id;
  }

  get config() {
    return this.task.config;
  }

  /** The round in flight, null between rounds. */
  get current(): RoundState | null {
    return this.round?.rs ?? null;
  }

  /** The strategy's state at the last commit: what an abandoned round restores. */
  get committedState(): Record<string, Float32Array> {
    return this.committed;
  }

  /** Starts or resumes the loop. */
  run(): void {
    this.setState('running');
    this.deps.baselines.ensure(this.id, this.config);
    this.loop ??= (this.buffered ? this.buffered.run() : this.loopRounds()).finally(() => (this.loop = null));
    this.wakeUp();
    this.buffered?.wake();
  }

  /** Lets the round in flight finish, then starts no new one. */
  pause(): void {
    this.setState('paused');
    this.wakeUp();
    this.buffered?.wake();
  }

  /** Ends the task; a round in flight is abandoned and the model kept. */
  async stop(state: 'stopped' | 'completed' | 'failed' = 'stopped', reason = 'stopped by the operator'): Promise<void> {
    this.setState(state, reason);
    this.current?.close('aborted');
    this.evaluator.abort();
    this.wakeUp();
    this.buffered?.wake();
    await this.loop;
  }

  /** For shutdown: abandons the loop without changing the persisted state, so a restart resumes. */
  async detach(): Promise<void> {
    this.state = 'paused';
    this.contribution?.close();
    this.current?.close('aborted');
    this.evaluator.abort();
    this.wakeUp();
    this.buffered?.wake();
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
      // Under a contribution selection policy, the standings of every committed round first.
      if (await this.contribution?.beforeSelection() && this.state !== 'running') break;
      const next = nextRound(this);
      if (next.kind === 'stop') {
        this.setState('completed', next.reason);
        break;
      }
      if (next.kind === 'wait') {
        await Promise.race([this.deps.registry.nextChange(1000), new Promise<void>((r) => (this.wakeUp = r))]);
        continue;
      }
      const versionBefore = this.version;
      try {
        await this.runRound(next.round, next.instructions);
        // An abandoned round (no new version) may have ended at once, e.g. when every selected
        // socket was closing but its close event had not run: starting the next at once, on the
        // same unreachable clients, would spend the whole round budget in a burst. A pause lets
        // the sockets' close events run; an operator's pause or stop cuts it short.
        if (this.version === versionBefore && this.state === 'running') {
          await Promise.race([sleep(ABANDONED_ROUND_PAUSE_MS), new Promise<void>((r) => (this.wakeUp = r))]);
        }
      } catch (err) {
        // A bug must not leave the task spinning: record it and fail the task visibly.
        this.deps.log.error({ taskId: this.id, round: next.round, err }, 'round engine failed');
        this.setState('failed', err instanceof Error ? err.message : String(err));
      }
    }
  }

  /** One round on the task's collector; its result applied here, then the stop conditions on the new model. */
  private async runRound(round: number, instructions: FitInstructions): Promise<void> {
    this.weights = servedBase(this.config, this.weights, this.shapes);
    const base = this.weights;
    const run = new RoundRun(this, round, instructions);
    this.round = run;
    let end: RoundEnd;
    try {
      end = await run.run();
    } finally {
      this.round = null;
    }
    this.apply(end.result);
    this.contribution?.roundEnded(run.rs, base, end.result.model !== null);
    run.announceEnd(end.result.model ? 'committed' : 'abandoned');
    if (!end.result.model) return;
    const federated = await this.evaluateIfDue();
    const target = this.config.stop.targetAccuracy;
    // The central test accuracy where there is a test set, else the clients' weighted accuracy.
    const accuracy = end.evaluation ? end.evaluation.accuracy : federated?.accuracy ?? null;
    if (target !== undefined && accuracy !== null && accuracy >= target) this.setState('completed', `target accuracy ${target} reached`);
    else if (round >= this.config.stop.maxRounds && this.state === 'running') this.setState('completed', 'round budget spent');
  }

  /**
   * Takes what a commit or an abandonment changed: the round is spent, and the model (with the
   * strategy state checkpointed beside it) moves only when it committed.
   */
  private apply(result: CommitResult): void {
    this.lastRound = result.lastRound;
    if (!result.model) return;
    this.weights = result.model.weights;
    this.version = result.model.version;
    this.modelRound = result.model.round;
    this.committed = result.model.strategyState;
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

  /** A secure-aggregation message of the round in flight; coded errors for anything else. */
  acceptSecAgg(client: ConnectedClient, message: SecAggClientMessage, words: Uint32Array | undefined, bytes: number): void {
    const run = this.round;
    if (!run || message.round !== run.rs.round) throw new FlotillaError(ErrorCodes.STALE_ROUND, `round ${message.round} is not a secure round in flight`);
    run.acceptSecAgg(client, message, words, bytes);
  }

  /** An update arrived. Throws a FlotillaError for the socket to answer; never touches the model. */
  acceptUpdate(client: ConnectedClient, message: Update, tensors: NamedTensor[], bytes: number): void {
    if (this.buffered) return this.buffered.acceptUpdate(client, message, tensors, bytes);
    const run = this.round;
    if (!run) {
      this.deps.metrics.lateReports.inc();
      throw new FlotillaError(ErrorCodes.STALE_ROUND, `round ${message.round} is not open for reports`);
    }
    run.acceptUpdate(client, message, tensors, bytes);
  }

  fitFailed(clientId: string, round: number, code: string): void {
    this.buffered?.fitFailed(clientId, round, code);
    this.round?.fitFailed(clientId, round, code);
  }

  clientLeft(clientId: string): void {
    this.evaluator.clientLeft(clientId);
    this.buffered?.clientLeft(clientId);
    this.round?.clientLeft(clientId);
  }
}
