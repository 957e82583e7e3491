// The engine of an asynchronous task (FedBuff, Nguyen et al., AISTATS 2022), beside the round loop:
// up to `concurrency` clients train at once on the newest version; each update is folded into the
// buffer weighted by its staleness; every K updates a version is committed at once, and the
// central evaluation trails it. A client that reports gets its next plan straight away.

import { STRATEGY_TRAITS, createRng, sampleWithoutReplacement } from '@flotilla/core';
import {
  ErrorCodes, FlotillaError, SUPPORTED_CODECS, taskSchema, type CurrentBufferView, type FitPlan, type NamedTensor, type RoundPlan,
  type TaskConfig, type TaskState, type Update,
} from '@flotilla/protocol';
import type { Strategy } from '@flotilla/core';
import type { ConnectedClient } from './ClientRegistry.ts';
import type { EngineDeps } from './deps.ts';
import { openCommitBuffer, type CommitBuffer } from './asyncBuffer.ts';
import { asyncRoundRecord, countClientBytes, emptyTally, recordAsyncEvaluation, type BufferTally } from './asyncCommit.ts';
import { admissible, type ExampleCountRule } from './exampleCounts.ts';
import { restoreFrozen } from './modelLayout.ts';
import { servedBase } from './downlink.ts';
import type { PersonalLayout } from './personalLayout.ts';
import { evaluateRound } from './roundEvaluation.ts';
import { roundSummary, type CommitResult } from './roundCommit.ts';
import { selectionSeed } from './selectionSeed.ts';
import type { PlanDecorator } from './planDecorators.ts';
import { acceptClearUpdate } from './updateAcceptance.ts';

/** What the loop reads and moves of its task's runner. */
export interface AsyncHost {
  readonly id: string;
  readonly config: TaskConfig;
  readonly deps: EngineDeps;
  readonly strategy: Strategy;
  readonly shapes: number[][];
  readonly trainable: Uint8Array | null;
  readonly exampleCounts: ExampleCountRule;
  /** The task's plan decorators (work, codecs, personalisation): async plans pass through them like round plans. */
  readonly decorate: PlanDecorator;
  /** FedPer / FedRep: buffered updates carry the body only, as round updates do (see personalLayout.ts). */
  readonly personal?: PersonalLayout | null;
  readonly weights: Float32Array;
  readonly version: number;
  readonly lastRound: number;
  readonly state: TaskState;
}

interface InFlight { round: number; modelVersion: number; deadline: number }

/** How often the loop looks for missed deadlines and free slots when nothing else wakes it. */
const TICK_MS = 1_000;

/**
 * @example
 * const loop = new AsyncLoop(runner, (state, reason) => runner.setState(state, reason), (result) => runner.apply(result));
 * await loop.run(); // until the budget, the target, a stop or a pause
 */
export class AsyncLoop {
  private buffer: CommitBuffer;
  private tally: BufferTally = emptyTally();
  private readonly inFlight = new Map<string, InFlight>();
  private refusedStaleTotal = 0;
  private dispatched = 0;
  private wakeUp: () => void = () => {};
  /** The strategy's state at the last commit: an abandoned buffer puts it back. */
  private committedState: Record<string, Float32Array>;
  private evaluating: Promise<void> | null = null;
  private pendingEvaluation: { round: number; weights: Float32Array } | null = null;

  constructor(
    private readonly host: AsyncHost,
    private readonly setState: (state: TaskState, reason: string) => void,
    /** Hands a commit (or an abandoned buffer) to the runner, which moves its model and round. */
    private readonly apply: (result: CommitResult) => void,
  ) {
    this.committedState = host.strategy.exportState();
    this.buffer = this.open();
  }

  private get spec() {
    return this.host.config.asynchronous!;
  }

  private get deps() {
    return this.host.deps;
  }

  /** Plans, waits and expires deadlines until the task stops running; a stop or the end tells clients still training. */
  async run(): Promise<void> {
    const { host } = this;
    while (host.state === 'running') {
      if (host.lastRound >= host.config.stop.maxRounds) {
        this.setState('completed', 'round budget spent');
        break;
      }
      this.expireDeadlines();
      this.dispatch();
      await Promise.race([this.deps.registry.nextChange(TICK_MS), new Promise<void>((r) => (this.wakeUp = r))]);
    }
    // Paused: plans in flight may still report and fill the buffer. Otherwise their work is moot.
    if (host.state !== 'paused') this.releaseAll();
    await this.evaluating;
  }

  /** Wakes the loop (a stop, a pause, a report). */
  wake(): void {
    this.wakeUp();
  }

  /** The buffer filling now, for the task view and `buffer.update` events. */
  view(): CurrentBufferView {
    const s = this.buffer.staleness();
    return {
      modelVersion: this.buffer.modelVersion, filled: this.buffer.count, bufferSize: this.buffer.bufferSize, inFlight: this.inFlight.size,
      concurrency: this.spec.concurrency, meanStaleness: s.mean, maxStaleness: s.max, refusedStale: this.tally.refusedStale, refusedStaleTotal: this.refusedStaleTotal,
    };
  }

  /** Is this client training for the task now (its progress may reach the dashboards)? */
  isTraining(clientId: string): boolean {
    return this.inFlight.has(clientId);
  }

  /** Counts a download of `version`'s weights while plans on it are in flight; to a client when it said who it is. */
  noteDownload(version: number, bytes: number, clientId: string | null = null): void {
    if (version < this.buffer.modelVersion - this.spec.maxStaleness) return;
    this.tally.bytesDown += bytes;
    if (clientId !== null) countClientBytes(this.tally, clientId, 'down', bytes);
  }

  private open(): CommitBuffer {
    const { host } = this;
    const population = this.deps.registry.eligibleFor(host.id, this.deps.isActiveTask(host.id)).length;
    return openCommitBuffer(host.strategy, this.spec, { round: host.lastRound + 1, modelVersion: host.version, global: host.weights, population });
  }

  private eligible(): ConnectedClient[] {
    const { host } = this;
    return this.deps.registry.eligibleFor(host.id, this.deps.isActiveTask(host.id)).filter((c) => admissible(host.exampleCounts, c));
  }

  /** Fills the free training slots with idle clients, chosen uniformly at random. */
  private dispatch(): void {
    const { host } = this;
    const eligible = this.eligible();
    const free = this.spec.concurrency - this.inFlight.size;
    if (free <= 0 || eligible.length < host.config.fit.minAvailableClients) return;
    // Under client-level DP a client is in a commit's sum at most once: the noise is sized to one clipped update per client.
    // A robust rule (median, trimmed mean, Krum) tolerates a share of bad clients, not of updates: a fast
    // attacker answering at once would otherwise fill the buffer with its own copies.
    const once = host.config.privacy.differentialPrivacy.enabled || STRATEGY_TRAITS[host.strategy.name].needsEveryUpdate;
    const idle = eligible.filter((c) => !this.inFlight.has(c.id) && !(once && this.tally.contributions.has(c.id)));
    if (idle.length === 0) return;
    const rng = createRng(selectionSeed(host.config, 1_000_003 + this.dispatched));
    for (const client of sampleWithoutReplacement(idle, Math.min(free, idle.length), rng)) this.sendPlan(client);
    this.publishBuffer();
  }

  private sendPlan(client: ConnectedClient): void {
    const { host } = this;
    const { config } = host;
    const round = host.lastRound + 1;
    const deadline = Date.now() + config.stop.roundDeadlineMs;
    const fit: FitPlan = {
      epochs: config.fit.epochs, batchSize: config.fit.batchSize, learningRate: config.fit.learningRate,
      proximalMu: config.strategy.name === 'fedprox' ? config.fit.proximalMu : 0, seed: (config.seed * 7919 + this.dispatched) >>> 0,
    };
    this.dispatched++;
    const base: RoundPlan = {
      type: 'round.plan', taskId: host.id, round, modelVersion: host.version, model: config.model, schema: taskSchema(config.data),
      weightsUrl: this.deps.weightsPath(host.id, host.version), codec: SUPPORTED_CODECS[0]!, fit, deadline, asynchronous: true,
    };
    const plan = host.decorate(base, { round, client, clientId: client.id, collector: 'buffered' });
    if (!client.send(plan)) return;
    this.inFlight.set(client.id, { round, modelVersion: host.version, deadline });
    this.deps.store.bumpClientStats(client.id, { roundsJoined: 1 });
  }

  private expireDeadlines(): void {
    const now = Date.now();
    for (const [clientId, f] of this.inFlight) if (f.deadline < now) this.drop(clientId, f, 'deadline');
  }

  private drop(clientId: string, f: InFlight, reason: 'disconnected' | 'deadline'): void {
    this.inFlight.delete(clientId);
    this.tally.dropped++;
    this.deps.store.bumpClientStats(clientId, { dropouts: 1 });
    this.deps.metrics.dropouts.inc({ reason });
    this.deps.bus.publish('round.dropout', this.host.id, { round: f.round, clientId, reason });
  }

  /** Stop, completion: clients still training are told their plan is void, so they stop computing it. */
  private releaseAll(): void {
    for (const [clientId, f] of this.inFlight) this.deps.registry.get(clientId)?.send({ type: 'round.end', taskId: this.host.id, round: f.round, outcome: 'abandoned' });
    this.inFlight.clear();
  }

  clientLeft(clientId: string): void {
    const f = this.inFlight.get(clientId);
    if (!f) return;
    this.drop(clientId, f, 'disconnected');
    this.wakeUp();
  }

  fitFailed(clientId: string, round: number, code: string): void {
    const f = this.inFlight.get(clientId);
    if (!f || f.round !== round) return;
    this.inFlight.delete(clientId);
    this.tally.failed++;
    this.deps.bus.publish('client.error', this.host.id, { round, clientId, outcome: 'error', code });
    this.wakeUp();
  }

  /**
   * An update arrived. Throws a FlotillaError for the socket to answer (FLT_STALE_UPDATE past
   * maxStaleness); a refused update never touches the buffer or the model.
   */
  acceptUpdate(client: ConnectedClient, message: Update, tensors: NamedTensor[], bytes: number): void {
    const { host } = this;
    const f = this.inFlight.get(client.id);
    if (!f) throw new FlotillaError(ErrorCodes.NOT_SELECTED, `client ${client.id} has no plan of task ${host.id} in flight`);
    if (message.round !== f.round || message.modelVersion !== f.modelVersion) {
      this.deps.metrics.lateReports.inc();
      throw new FlotillaError(ErrorCodes.STALE_ROUND, `the plan in flight is round ${f.round} on version ${f.modelVersion}, not round ${message.round} on ${message.modelVersion}`);
    }
    this.inFlight.delete(client.id);
    this.wakeUp();
    const staleness = this.buffer.modelVersion - f.modelVersion;
    if (!this.buffer.admits(staleness)) {
      this.tally.refusedStale++;
      this.refusedStaleTotal++;
      this.deps.bus.publish('client.error', host.id, { round: f.round, clientId: client.id, outcome: 'rejected', code: ErrorCodes.STALE_UPDATE });
      this.publishBuffer();
      throw new FlotillaError(ErrorCodes.STALE_UPDATE, `update trained from version ${f.modelVersion} is ${staleness} versions stale; the task takes at most ${this.spec.maxStaleness}`);
    }
    this.tally.bytesUp += bytes;
    countClientBytes(this.tally, client.id, 'up', bytes);
    try {
      const { update, localSteps } = acceptClearUpdate({ shapes: host.shapes, config: host.config, exampleCounts: host.exampleCounts, sampleDp: null, personal: host.personal ?? null }, client, message, tensors);
      this.buffer.add(client.id, update, message.numExamples, staleness, localSteps);
    } catch (err) {
      this.tally.failed++;
      this.deps.bus.publish('client.error', host.id, { round: f.round, clientId: client.id, outcome: 'rejected', code: err instanceof FlotillaError ? err.code : ErrorCodes.INTERNAL });
      throw err;
    }
    const c = this.tally.contributions.get(client.id) ?? { updates: 0, numExamples: 0, lossTimesExamples: 0 };
    c.updates++;
    c.numExamples += message.numExamples;
    c.lossTimesExamples += message.metrics.loss * message.numExamples;
    this.tally.contributions.set(client.id, c);
    this.publishBuffer(client.id, staleness);
    if (this.buffer.isFull) this.commit();
  }

  /** Turns the full buffer into the next version, stored with its checkpoint before anyone trains on it. */
  private commit(): void {
    const { host, deps } = this;
    const full = this.buffer;
    const tally = this.tally;
    const round = host.lastRound + 1;
    // Under a lossy downlink the clients trained from the served (decoded) model: the buffer's mean
    // update applies to it, as a synchronous round's does (downlink.ts servedBase).
    const base = servedBase(host.config, host.weights, host.shapes);
    let next: Float32Array | null = null;
    let reason = 'the strategy kept the model';
    try {
      next = full.finish(base, this.eligible().length);
    } catch (err) {
      reason = `aggregation failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    const ctx = { taskId: host.id, config: host.config, strategy: host.strategy, deps };
    if (!next) {
      host.strategy.importState(this.committedState);
      const record = asyncRoundRecord(ctx, tally, { round, modelVersion: host.version, outcome: 'abandoned', reason, staleness: full.staleness() });
      deps.store.recordAbandonedRound(record);
      this.apply({ record, lastRound: round, model: null });
      deps.metrics.rounds.inc({ outcome: 'abandoned' });
      deps.log.warn({ taskId: host.id, round, reason }, 'asynchronous buffer abandoned, model kept');
      deps.bus.publish('round.abandoned', host.id, roundSummary(record));
    } else {
      if (host.trainable) restoreFrozen(next, base, host.trainable);
      const version = host.version + 1;
      const record = asyncRoundRecord(ctx, tally, { round, modelVersion: version, outcome: 'committed', reason: null, staleness: full.staleness() });
      const strategyState = host.strategy.exportState();
      deps.store.commitRound(record, { taskId: host.id, version, round, weights: next, strategyState, createdAt: record.endedAt });
      this.apply({ record, lastRound: round, model: { weights: next, version, round, strategyState } });
      this.committedState = strategyState;
      deps.metrics.rounds.inc({ outcome: 'committed' });
      deps.metrics.roundSeconds.observe((record.endedAt - record.startedAt) / 1000);
      deps.bus.publish('round.committed', host.id, roundSummary(record));
      this.evaluate(round, next);
    }
    this.tally = emptyTally();
    this.buffer = this.open();
    this.publishBuffer();
    if (round >= host.config.stop.maxRounds) {
      // Plans still in flight (a paused task keeps them) would otherwise commit past the budget,
      // and under client-level DP spend ε beyond it: they are void now.
      this.releaseAll();
      if (host.state === 'running') this.setState('completed', 'round budget spent');
    }
    this.wakeUp();
  }

  /**
   * The central evaluation of the newest commit. Commits may come faster than evaluations: one
   * runs at a time and the next evaluates the newest version, so versions in between keep no test metrics.
   */
  private evaluate(round: number, weights: Float32Array): void {
    this.pendingEvaluation = { round, weights };
    if (this.evaluating) return;
    this.evaluating = this.evaluateNewest().finally(() => (this.evaluating = null));
  }

  private async evaluateNewest(): Promise<void> {
    const { host, deps } = this;
    for (let job = this.pendingEvaluation; job; job = this.pendingEvaluation) {
      this.pendingEvaluation = null;
      const evaluated = await evaluateRound(deps.models, deps.datasets, host.config, job.weights, { taskId: host.id, round: job.round });
      if (!evaluated.ok) {
        // The commit stands (it is stored); only its test metrics are missing.
        deps.log.warn({ taskId: host.id, round: job.round, reason: evaluated.reason }, 'asynchronous commit not evaluated');
        continue;
      }
      if (!evaluated.result) continue;
      try {
        recordAsyncEvaluation(deps, host.id, job.round, evaluated.result);
      } catch (err) {
        deps.log.error({ taskId: host.id, round: job.round, err }, 'asynchronous commit evaluated but not recorded');
      }
      const target = host.config.stop.targetAccuracy;
      const accuracy = evaluated.result.accuracy;
      if (target !== undefined && accuracy !== null && accuracy >= target && host.state === 'running') {
        this.setState('completed', `target accuracy ${target} reached`);
        this.wakeUp();
      }
    }
  }

  private publishBuffer(clientId?: string, staleness?: number): void {
    this.deps.bus.publish('buffer.update', this.host.id, {
      ...this.view(), ...(clientId === undefined ? {} : { clientId }), ...(staleness === undefined ? {} : { staleness }),
    }, { durable: false });
  }
}
