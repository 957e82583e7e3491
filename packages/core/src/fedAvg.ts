// FedAvg as a pure function: the example-weighted mean of a batch of vectors.
import { FedAvgAccumulator } from './FedAvgAccumulator.ts';
import { assertUpdates } from './preconditions.ts';
import type { WeightedVector } from './types.ts';

/**
 * Σ nₖwₖ / Σ nₖ (McMahan et al. 2017, arXiv:1602.05629), accumulated in Float64. Strategies
 * stream reports into a `FedAvgAccumulator` instead; this is the same arithmetic over a batch.
 * @example
 * fedAvg([
 *   { weights: new Float32Array([1, 2]), numExamples: 1 },
 *   { weights: new Float32Array([3, 6]), numExamples: 3 },
 * ]); // Float32Array [2.5, 5]
 */
export function fedAvg(updates: readonly WeightedVector[]): Float32Array {
  const length = assertUpdates(updates);
  const accumulator = new FedAvgAccumulator(length);
  for (const u of updates) accumulator.add(u.weights, u.numExamples);
  return accumulator.mean();
}
