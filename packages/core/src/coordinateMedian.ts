// Coordinate-wise median: a Byzantine-robust replacement for the mean (Yin et al. 2018).
import { reduceSortedColumns } from './coordinates.ts';
import { assertUpdates } from './preconditions.ts';
import type { WeightedVector } from './types.ts';

/**
 * Per coordinate, the median of the n values (mean of the two middle ones when n is even).
 * Unweighted, as in Yin et al. 2018 ("Byzantine-Robust Distributed Learning: Towards Optimal
 * Statistical Rates"): weighting by self-reported example counts would let one client that
 * claims a huge count move the median wherever it likes.
 * @example
 * coordinateMedian([1, 2, 3, 4, 1000].map((x) => ({ weights: new Float32Array([x]), numExamples: 1 })));
 * // Float32Array [3]
 */
export function coordinateMedian(updates: readonly WeightedVector[]): Float32Array {
  assertUpdates(updates);
  const mid = updates.length >> 1;
  const even = updates.length % 2 === 0;
  return reduceSortedColumns(updates, (sorted) =>
    even ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[mid]!,
  );
}
