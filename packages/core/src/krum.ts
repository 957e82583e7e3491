// Krum and Multi-Krum: keep the updates closest to their neighbours (Blanchard et al. 2017).
import { AggregationError } from './errors.ts';
import { FedAvgAccumulator } from './FedAvgAccumulator.ts';
import { assertUpdates } from './preconditions.ts';
import type { WeightedVector } from './types.ts';

/** Krum's parameters: `f` Byzantine updates tolerated, `m` best-scored updates averaged. */
export interface KrumOptions {
  f: number;
  m?: number;
}

/**
 * Blanchard et al. 2017 ("Machine Learning with Adversaries: Byzantine Tolerant Gradient
 * Descent", NeurIPS): each update's score is the sum of squared distances to its n − f − 2
 * nearest others; Krum (m = 1) returns the best-scored update, Multi-Krum averages the m best,
 * weighted by examples as Flower does. Requires n ≥ 2f + 3 (the paper's bound) and
 * 1 ≤ m ≤ n − f: averaging more than n − f would, with f attackers present, admit one of them.
 * Ties keep the earlier update, so the result is deterministic. Cost O(n²·d).
 * @example
 * krum(updates, { f: 1 });       // the single most central update
 * krum(updates, { f: 1, m: 3 }); // the mean of the three most central
 */
export function krum(updates: readonly WeightedVector[], options: KrumOptions): Float32Array {
  const length = assertUpdates(updates);
  const n = updates.length;
  const { f, m = 1 } = options;
  if (!Number.isInteger(f) || f < 0 || n < 2 * f + 3) {
    throw new AggregationError(
      'AGGREGATION_PRECONDITION',
      `Krum needs an integer f ≥ 0 and n ≥ 2f + 3, got f = ${f}, n = ${n}`,
    );
  }
  if (!Number.isInteger(m) || m < 1 || m > n - f) {
    throw new AggregationError(
      'AGGREGATION_PRECONDITION',
      `Multi-Krum needs an integer 1 ≤ m ≤ n − f, got m = ${m}, n = ${n}, f = ${f}`,
    );
  }
  const scores = krumScores(updates, n - f - 2);
  const order = Array.from(scores.keys()).sort((a, b) => scores[a]! - scores[b]! || a - b);
  const accumulator = new FedAvgAccumulator(length);
  for (const index of order.slice(0, m)) {
    const u = updates[index]!;
    accumulator.add(u.weights, u.numExamples);
  }
  return accumulator.mean();
}

/** Each update's sum of squared distances to its `neighbours` nearest others. */
function krumScores(updates: readonly WeightedVector[], neighbours: number): Float64Array {
  const n = updates.length;
  const distances = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const d = squaredDistance(updates[a]!.weights, updates[b]!.weights);
      distances[a * n + b] = d;
      distances[b * n + a] = d;
    }
  }
  const scores = new Float64Array(n);
  const others = new Float64Array(n - 1);
  for (let a = 0; a < n; a++) {
    let k = 0;
    for (let b = 0; b < n; b++) if (b !== a) others[k++] = distances[a * n + b]!;
    others.sort();
    let score = 0;
    for (let j = 0; j < neighbours; j++) score += others[j]!;
    scores[a] = score;
  }
  return scores;
}

function squaredDistance(x: Float32Array, y: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - y[i]!;
    sum += d * d;
  }
  return sum;
}
