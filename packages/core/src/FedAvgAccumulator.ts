// Streaming example-weighted mean of updates: memory O(model), whatever the number of clients.
import { AggregationError } from './errors.ts';
import { assertExampleCount, assertLength } from './preconditions.ts';
import { createWeightedSum, type WeightedSumOptions } from './kernel/sumBackends.ts';
import type { SumPrecision, WeightedSum } from './kernel/types.ts';

/**
 * The precision FedAvg sums in: 'blocked' Float32 blocks folded into Float64 (within the tolerance
 * `SumPrecision` states of the Float64 sum; half the bytes per update) or 'float64' (bit for bit).
 */
export const FEDAVG_PRECISION: SumPrecision = 'blocked';

/**
 * FedAvg's weighted mean Σ nₖΔₖ / Σ nₖ (McMahan et al. 2017, arXiv:1602.05629) folded in as
 * reports arrive, so the coordinator never holds more than one Float64 sum of the model. Float64
 * because a Float32 running sum of a thousand updates loses the low bits of the small ones. The
 * sum runs on the WebAssembly SIMD kernel where the runtime has it (packages/core/src/kernel), in
 * `FEDAVG_PRECISION`; `options` pick another backend or precision (the benchmark compares them).
 * @example
 * const acc = new FedAvgAccumulator(2);
 * acc.add(new Float32Array([1, 2]), 1);
 * acc.add(new Float32Array([3, 6]), 3);
 * acc.mean(); // Float32Array [2.5, 5]
 */
export class FedAvgAccumulator {
  readonly #sum: WeightedSum;
  #count = 0;
  #totalExamples = 0;

  constructor(readonly length: number, options: WeightedSumOptions = {}) {
    if (!Number.isInteger(length) || length < 0) {
      throw new AggregationError('AGGREGATION_PRECONDITION', `invalid vector length ${length}`);
    }
    this.#sum = createWeightedSum(length, { precision: FEDAVG_PRECISION, ...options });
  }

  /** Where the sum runs and in what precision (the backend may differ from the one asked for by 'auto'). */
  get kernel(): Pick<WeightedSum, 'backend' | 'precision'> {
    return { backend: this.#sum.backend, precision: this.#sum.precision };
  }

  /** Number of updates added so far. */
  get count(): number {
    return this.#count;
  }

  /** Σ nₖ over the updates added so far. */
  get totalExamples(): number {
    return this.#totalExamples;
  }

  /** Folds in one update weighted by its example count. Checks come first: a throw changes nothing. */
  add(update: Float32Array, numExamples: number): void {
    assertLength(update.length, this.length, 'update');
    assertExampleCount(numExamples);
    this.#sum.addScaled(update, numExamples);
    this.#count++;
    this.#totalExamples += numExamples;
  }

  /** The example-weighted mean as a new Float32Array. Throws before any update was added. */
  mean(): Float32Array {
    if (this.#count === 0) {
      throw new AggregationError('AGGREGATION_PRECONDITION', 'mean of zero updates');
    }
    return this.#sum.divided(this.#totalExamples);
  }
}
