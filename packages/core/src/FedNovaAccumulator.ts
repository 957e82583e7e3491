// FedNova's normalised averaging, streamed: each update divided by its local steps before the
// example-weighted mean, then scaled by the effective number of steps.
import { AggregationError } from './errors.ts';
import { assertExampleCount, assertLength } from './preconditions.ts';
import { createWeightedSum } from './kernel/sumBackends.ts';
import type { WeightedSum } from './kernel/types.ts';

/**
 * FedNova (Wang et al., NeurIPS 2020, arXiv:2007.07481): with p_i = n_i / Σ n_j and τ_i the
 * local steps client i actually did, d = Σ p_i Δ_i / τ_i and the server step is τ_eff · d with
 * τ_eff = Σ p_i τ_i. Plain FedAvg's Σ p_i Δ_i weighs a client by the steps it took as well as by
 * its data, so unequal work drifts the model toward the busiest clients' optimum; dividing by τ_i
 * removes that. With equal τ it is FedAvg. Partial work (fewer steps than planned) enters with
 * the τ it reports, as FedProx's inexact solutions do. Memory O(model), sums in Float64
 * (on the WebAssembly SIMD kernel where the runtime has it).
 * @example
 * const acc = new FedNovaAccumulator(1);
 * acc.add(new Float32Array([4]), 1, 4); // Δ/τ = 1
 * acc.add(new Float32Array([1]), 1, 1); // Δ/τ = 1
 * acc.mean(); // Float32Array [2.5]: τ_eff = 2.5, d = 1
 */
export class FedNovaAccumulator {
  readonly #sum: WeightedSum;
  #count = 0;
  #totalExamples = 0;
  /** Σ n_i τ_i, so τ_eff = #weightedSteps / #totalExamples. */
  #weightedSteps = 0;

  constructor(readonly length: number) {
    if (!Number.isInteger(length) || length < 0) {
      throw new AggregationError('AGGREGATION_PRECONDITION', `invalid vector length ${length}`);
    }
    // Float64 (bit for bit as the JS loop): FedNova's weights n/τ are rarely exact in Float32.
    this.#sum = createWeightedSum(length);
  }

  get count(): number {
    return this.#count;
  }

  /** τ_eff = Σ p_i τ_i over the updates so far (0 before any). */
  get effectiveSteps(): number {
    return this.#totalExamples === 0 ? 0 : this.#weightedSteps / this.#totalExamples;
  }

  /** Folds in Δ_i with n_i examples and τ_i ≥ 1 local steps. Checks come first: a throw changes nothing. */
  add(update: Float32Array, numExamples: number, localSteps: number | undefined): void {
    assertLength(update.length, this.length, 'update');
    assertExampleCount(numExamples);
    if (localSteps === undefined || !Number.isInteger(localSteps) || localSteps < 1) {
      // Δ/τ has no meaning without τ ≥ 1: a report of zero steps carries no direction to normalise.
      throw new AggregationError('AGGREGATION_PRECONDITION', `FedNova needs the local steps (an integer ≥ 1) of each update, got ${localSteps}`);
    }
    const w = numExamples / localSteps;
    this.#sum.addScaled(update, w);
    this.#count++;
    this.#totalExamples += numExamples;
    this.#weightedSteps += numExamples * localSteps;
  }

  /** τ_eff · d, the update the server applies; throws before any update was added. */
  mean(): Float32Array {
    if (this.#count === 0) throw new AggregationError('AGGREGATION_PRECONDITION', 'no updates to aggregate');
    // τ_eff · Σ (n_i/N) Δ_i/τ_i = (Σ n_i τ_i / N) · Σ (n_i/τ_i) Δ_i / N
    const scale = this.#weightedSteps / (this.#totalExamples * this.#totalExamples);
    return this.#sum.scaled(scale);
  }
}
