// FedBuff's buffer (Nguyen et al., AISTATS 2022, Algorithm 1): asynchronous updates folded into one
// staleness-weighted running sum until K have arrived. Memory O(model), whatever K.
import { AggregationError } from './errors.ts';
import { assertExampleCount, assertLength } from './preconditions.ts';
import { StalenessStats } from './StalenessStats.ts';
import { stalenessWeight, type StalenessWeighting } from './staleness.ts';
import { findNonFinite } from './vectors.ts';
import { createWeightedSum } from './kernel/sumBackends.ts';
import type { WeightedSum } from './kernel/types.ts';

export interface FedBuffOptions {
  /** K: the buffer is full after this many updates. */
  bufferSize: number;
  /** Updates more than this many versions stale are refused. */
  maxStaleness: number;
  weighting: StalenessWeighting;
}

/**
 * Σ nₖ·s(τₖ)·Δₖ / Σ nₖ over the buffered updates: example-weighted like FedAvg, so with s ≡ 1 a
 * buffer of one round's updates gives FedAvg's mean exactly, and with equal example counts it is
 * FedBuff's (1/K)·Σ s(τₖ)·Δₖ. Stale updates are down-weighted, not renormalised: a buffer of stale
 * updates moves the model less. Float64 sum (on the SIMD kernel where the runtime has it, bit for bit as JS).
 * @example
 * const buffer = new FedBuffBuffer(2, { bufferSize: 2, maxStaleness: 4, weighting: { kind: 'polynomial', exponent: 1, hingeAt: 0 } });
 * buffer.add(new Float32Array([2, 2]), 1, 0); // s(0) = 1
 * buffer.add(new Float32Array([4, 0]), 1, 1); // s(1) = 0.5
 * buffer.isFull; // true
 * buffer.mean(); // Float32Array [2, 1]
 */
export class FedBuffBuffer {
  readonly #sum: WeightedSum;
  readonly #stats = new StalenessStats();
  #examples = 0;

  constructor(readonly length: number, readonly options: FedBuffOptions) {
    if (!Number.isInteger(options.bufferSize) || options.bufferSize < 1) {
      throw new AggregationError('AGGREGATION_INVALID_CONFIG', `bufferSize must be a positive integer, got ${options.bufferSize}`);
    }
    this.#sum = createWeightedSum(length);
  }

  /** Would an update this stale be accepted? */
  admits(staleness: number): boolean {
    return staleness >= 0 && staleness <= this.options.maxStaleness;
  }

  /**
   * Folds in one update and returns its weight s(τ). Checks come first: a refused update (too
   * stale, wrong length, not finite, a full buffer) changes nothing.
   */
  add(update: Float32Array, numExamples: number, staleness: number): number {
    if (this.isFull) throw new AggregationError('AGGREGATION_PRECONDITION', 'the buffer is full: commit it first');
    if (!this.admits(staleness)) {
      throw new AggregationError('AGGREGATION_PRECONDITION', `an update ${staleness} versions stale exceeds maxStaleness ${this.options.maxStaleness}`);
    }
    assertLength(update.length, this.length, 'update');
    assertExampleCount(numExamples);
    const bad = findNonFinite(update);
    if (bad !== -1) throw new AggregationError('AGGREGATION_NON_FINITE', `update is not finite at ${bad}`);
    const weight = stalenessWeight(this.options.weighting, staleness);
    const w = numExamples * weight;
    this.#sum.addScaled(update, w);
    this.#examples += numExamples;
    this.#stats.add(staleness);
    return weight;
  }

  get count(): number {
    return this.#stats.count;
  }

  get isFull(): boolean {
    return this.count >= this.options.bufferSize;
  }

  /** Count, mean and max staleness and the histogram of the buffered updates. */
  staleness(): ReturnType<StalenessStats['summary']> {
    return this.#stats.summary();
  }

  /** The weighted mean update. Throws on an empty buffer. */
  mean(): Float32Array {
    if (this.count === 0) throw new AggregationError('AGGREGATION_PRECONDITION', 'mean of an empty buffer');
    return this.#sum.divided(this.#examples);
  }
}
