// Coordinate-wise order statistics shared by the median and the trimmed mean.
import type { WeightedVector } from './types.ts';

/**
 * For each coordinate, gathers the n values into one scratch column, sorts it ascending and
 * writes `reduce(column)`. Callers have checked the preconditions (non-empty, equal lengths).
 */
export function reduceSortedColumns(
  updates: readonly WeightedVector[],
  reduce: (sorted: Float64Array) => number,
): Float32Array {
  const n = updates.length;
  const length = updates[0]!.weights.length;
  const vectors = updates.map((u) => u.weights);
  const column = new Float64Array(n);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    for (let k = 0; k < n; k++) column[k] = vectors[k]![i]!;
    sortColumn(column);
    out[i] = reduce(column);
  }
  return out;
}

// Insertion sort beats the native sort's call overhead for the short columns of a round
// (tens of reports), and this runs once per coordinate: a million times for a 1M model.
const INSERTION_SORT_MAX = 32;

function sortColumn(column: Float64Array): void {
  if (column.length > INSERTION_SORT_MAX) {
    column.sort();
    return;
  }
  for (let i = 1; i < column.length; i++) {
    const x = column[i]!;
    let j = i - 1;
    while (j >= 0 && column[j]! > x) {
      column[j + 1] = column[j]!;
      j--;
    }
    column[j + 1] = x;
  }
}
