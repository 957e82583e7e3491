// The buffer of an asynchronous (FedBuff) task's next commit, built for the task's strategy: a
// staleness-weighted streaming mean handed to the strategy's server step, or the strategy's own
// aggregation of the weighted updates where it forms the mean itself (client-level DP) or needs
// every update (the robust rules).

import {
  FedBuffBuffer, STRATEGY_TRAITS, StalenessStats, hasMeanUpdateStep, hasPrivacyAccounting, stalenessWeight, type FitAggregation,
  type StalenessWeighting, type Strategy,
} from '@flotilla/core';
import type { AsynchronousSpec } from '@flotilla/protocol';

/** One buffer: updates folded in until K have arrived, then turned into the next global model. */
export interface CommitBuffer {
  /** The version the buffer is applied to: an update trained from version v is this − v stale. */
  readonly modelVersion: number;
  readonly bufferSize: number;
  readonly count: number;
  readonly isFull: boolean;
  admits(staleness: number): boolean;
  /** Folds one update in and returns its weight s(τ); `localSteps` is its τ for a normalising (FedNova) strategy. A throw changes nothing. */
  add(clientId: string, update: Float32Array, numExamples: number, staleness: number, localSteps?: number): number;
  staleness(): { count: number; mean: number; max: number; histogram: number[] };
  /**
   * The next global model from `global` (the buffer's version), or null when the strategy keeps it.
   * `population`: the clients eligible now, whose share K / population client-level DP accounts the commit at.
   */
  finish(global: Float32Array, population: number): Float32Array | null;
}

export const weightingOf = (spec: AsynchronousSpec): StalenessWeighting => ({
  kind: spec.stalenessWeighting, exponent: spec.stalenessExponent, hingeAt: spec.hingeAt,
});

/**
 * Opens the buffer of commit `round` on `global` (version `modelVersion`); `population` is the
 * number of eligible clients now.
 * @example const buffer = openCommitBuffer(strategy, spec, { round: 4, modelVersion: 3, global, population: 20 });
 */
export function openCommitBuffer(
  strategy: Strategy, spec: AsynchronousSpec, at: { round: number; modelVersion: number; global: Float32Array; population: number },
): CommitBuffer {
  if (hasPrivacyAccounting(strategy) || STRATEGY_TRAITS[strategy.name].needsEveryUpdate || !hasMeanUpdateStep(strategy)) {
    // The denominator K is fixed when the aggregation opens; the sampling rate is read when it finishes.
    if (hasPrivacyAccounting(strategy)) strategy.planCommit(spec.bufferSize, Math.max(spec.bufferSize, at.population));
    return new StrategyBuffer(strategy, strategy.beginAggregation(at.round, at.global), spec, at.modelVersion);
  }
  return new MeanBuffer(strategy, spec, at.modelVersion, at.global.length);
}

/** FedBuff proper: x ← server step(x, η_g · Σ nₖ·s(τₖ)·Δₖ / Σ nₖ), the step being the strategy's (plain, momentum, Adam …). */
class MeanBuffer implements CommitBuffer {
  private readonly buffer: FedBuffBuffer;

  constructor(private readonly strategy: Strategy & { applyMeanUpdate(g: Float32Array, d: Float32Array): Float32Array }, private readonly spec: AsynchronousSpec, readonly modelVersion: number, length: number) {
    this.buffer = new FedBuffBuffer(length, { bufferSize: spec.bufferSize, maxStaleness: spec.maxStaleness, weighting: weightingOf(spec) });
  }

  get bufferSize() { return this.spec.bufferSize; }
  get count() { return this.buffer.count; }
  get isFull() { return this.buffer.isFull; }
  admits(staleness: number) { return this.buffer.admits(staleness); }
  add(_clientId: string, update: Float32Array, numExamples: number, staleness: number) { return this.buffer.add(update, numExamples, staleness); }
  staleness() { return this.buffer.staleness(); }

  finish(global: Float32Array, _population: number): Float32Array {
    const mean = this.buffer.mean();
    const eta = this.spec.serverLearningRate;
    if (eta !== 1) for (let i = 0; i < mean.length; i++) mean[i] = mean[i]! * eta;
    return this.strategy.applyMeanUpdate(global, mean);
  }
}

/**
 * The strategy's own aggregation over the buffer's updates, each scaled by s(τ) before it goes in:
 * under DP-FedAvg it is then clipped to S (so a stale update's weight never lifts it past the
 * clip), summed, noised once and divided by K; a robust rule combines the K scaled updates.
 */
class StrategyBuffer implements CommitBuffer {
  private readonly stats = new StalenessStats();
  private added = 0;

  constructor(
    private readonly strategy: Strategy, private readonly aggregation: FitAggregation, private readonly spec: AsynchronousSpec, readonly modelVersion: number,
  ) {}

  get bufferSize() { return this.spec.bufferSize; }
  get count() { return this.stats.count; }
  get isFull() { return this.count >= this.spec.bufferSize; }
  admits(staleness: number) { return staleness >= 0 && staleness <= this.spec.maxStaleness; }
  staleness() { return this.stats.summary(); }

  add(clientId: string, update: Float32Array, numExamples: number, staleness: number, localSteps?: number): number {
    if (this.isFull || !this.admits(staleness)) throw new Error(`buffer refuses an update ${staleness} versions stale (full: ${this.isFull})`);
    const weight = stalenessWeight(weightingOf(this.spec), staleness);
    const scaled = weight === 1 ? update : update.map((v) => v * weight);
    // A client may contribute twice to one buffer: the aggregations refuse a repeated id.
    // FedNova (and FedAvg under adaptive work) divides by the steps taken: without them it refuses every update.
    this.aggregation.add({ clientId: `${clientId}#${this.added}`, numExamples, update: scaled, ...(localSteps === undefined ? {} : { localSteps }) });
    this.added++;
    this.stats.add(staleness);
    return weight;
  }

  finish(_global: Float32Array, population: number): Float32Array | null {
    // Fewer than K distinct clients may be connected; q is then 1, never above.
    if (hasPrivacyAccounting(this.strategy)) this.strategy.planCommit(this.spec.bufferSize, Math.max(this.spec.bufferSize, population));
    return this.aggregation.finish([]);
  }
}
