// Coordinate-wise β-trimmed mean: drop the extremes, average the rest (Yin et al. 2018).
import { reduceSortedColumns } from './coordinates.ts';
import { AggregationError } from './errors.ts';
import { assertUpdates } from './preconditions.ts';
import type { WeightedVector } from './types.ts';

/**
 * Per coordinate, sorts the n values, drops the k = ⌊β·n⌋ smallest and k largest and averages
 * the remaining n − 2k, unweighted as in Yin et al. 2018. Requires 2k < n, so that something
 * is left: with β in [0, 0.5) that always holds. β = 0 is the plain unweighted mean.
 * @example
 * trimmedMean([1, 2, 3, 4, 100].map((x) => ({ weights: new Float32Array([x]), numExamples: 1 })), 0.2);
 * // Float32Array [3]  (drops 1 and 100)
 */
export function trimmedMean(updates: readonly WeightedVector[], beta: number): Float32Array {
  assertUpdates(updates);
  const n = updates.length;
  const k = Math.floor(beta * n);
  if (!(beta >= 0) || 2 * k >= n) {
    throw new AggregationError(
      'AGGREGATION_PRECONDITION',
      `trimmed mean needs 0 ≤ β and 2·⌊β·n⌋ < n, got β = ${beta}, n = ${n}`,
    );
  }
  const kept = n - 2 * k;
  return reduceSortedColumns(updates, (sorted) => {
    let sum = 0;
    for (let j = k; j < n - k; j++) sum += sorted[j]!;
    return sum / kept;
  });
}
