// Streaming example-weighted mean of updates: memory O(model), whatever the number of clients.
import { AggregationError } from './errors.ts';
import { assertExampleCount, assertLength } from './preconditions.ts';

/**
 * FedAvg's weighted mean Σ nₖΔₖ / Σ nₖ (McMahan et al. 2017, arXiv:1602.05629) folded in as
 * reports arrive, so the coordinator never holds more than one Float64 sum of the model. Float64
 * because a Float32 running sum of a thousand updates loses the low bits of the small ones.
 * @example
 * const acc = new FedAvgAccumulator(2);
 * acc.add(new Float32Array([1, 2]), 1);
 * acc.add(new Float32Array([3, 6]), 3);
 * acc.mean(); // Float32Array [2.5, 5]
 */
export class FedAvgAccumulator {
  readonly #sum: Float64Array;
  #count = 0;
  #totalExamples = 0;

  constructor(readonly length: number) {
    if (!Number.isInteger(length) || length < 0) {
      throw new AggregationError('AGGREGATION_PRECONDITION', `invalid vector length ${length}`);
    }
    this.#sum = new Float64Array(length);
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
    const sum = this.#sum;
    const n = sum.length;
    const w = numExamples;
    // Unrolled by eight: V8 does not vectorise this loop, and unrolling measured 1.5–2× the
    // plain loop's throughput on Node 20 (2-core machine, 199,210 and 1,663,370 parameters).
    const tail = n - (n % 8);
    let i = 0;
    for (; i < tail; i += 8) {
      sum[i] = sum[i]! + w * update[i]!;
      sum[i + 1] = sum[i + 1]! + w * update[i + 1]!;
      sum[i + 2] = sum[i + 2]! + w * update[i + 2]!;
      sum[i + 3] = sum[i + 3]! + w * update[i + 3]!;
      sum[i + 4] = sum[i + 4]! + w * update[i + 4]!;
      sum[i + 5] = sum[i + 5]! + w * update[i + 5]!;
      sum[i + 6] = sum[i + 6]! + w * update[i + 6]!;
      sum[i + 7] = sum[i + 7]! + w * update[i + 7]!;
    }
    for (; i < n; i++) sum[i] = sum[i]! + w * update[i]!;
    this.#count++;
    this.#totalExamples += numExamples;
  }

  /** The example-weighted mean as a new Float32Array. Throws before any update was added. */
  mean(): Float32Array {
    if (this.#count === 0) {
      throw new AggregationError('AGGREGATION_PRECONDITION', 'mean of zero updates');
    }
    const sum = this.#sum;
    const total = this.#totalExamples;
    const out = new Float32Array(sum.length);
    for (let i = 0; i < sum.length; i++) out[i] = sum[i]! / total;
    return out;
  }
}
