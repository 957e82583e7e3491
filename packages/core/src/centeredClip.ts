// Centered clipping (Karimireddy, He, Jaggi, "Learning from History for Byzantine Robust
// Optimization", ICML 2021): the aggregate moves from a centre by the mean of clipped offsets.
import { AggregationError } from './errors.ts';
import { assertLength, assertUpdates } from './preconditions.ts';
import type { WeightedVector } from './types.ts';

/** Clipping radius τ, iterations L and the starting centre v (zeros when omitted). */
export interface CenteredClipOptions {
  tau: number;
  iterations: number;
  centre?: Float32Array | null;
}

/**
 * L iterations of v ← v + (1/n)·Σ clip_τ(Δ_i − v), clip_τ(z) = z·min(1, τ/‖z‖) (the paper's
 * Algorithm 2, CC). Each update moves the result by at most τ/n per iteration, so f attackers
 * shift it by at most L·f·τ/n however large their updates are. Unweighted, as in the paper:
 * an example count is a claim, and weighting by it would hand an attacker a lever. With
 * τ = ∞ and L = 1 it is the plain mean, whatever the centre.
 * @example centeredClip(updates, { tau: 1, iterations: 3, centre: previousAggregate });
 */
export function centeredClip(updates: readonly WeightedVector[], options: CenteredClipOptions): Float32Array {
  const length = assertUpdates(updates);
  const { tau, iterations, centre } = options;
  if (!(tau > 0) || Number.isNaN(tau)) {
    throw new AggregationError('AGGREGATION_PRECONDITION', `centered clipping needs τ > 0, got ${tau}`);
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new AggregationError('AGGREGATION_PRECONDITION', `centered clipping needs an integer L ≥ 1, got ${iterations}`);
  }
  if (centre) assertLength(centre.length, length, 'centre');
  const v = centre ? Float64Array.from(centre) : new Float64Array(length);
  const step = new Float64Array(length);
  const n = updates.length;
  for (let l = 0; l < iterations; l++) {
    step.fill(0);
    for (const { weights } of updates) {
      let squares = 0;
      for (let i = 0; i < length; i++) {
        const d = weights[i]! - v[i]!;
        squares += d * d;
      }
      const norm = Math.sqrt(squares);
      const factor = norm > tau ? tau / norm : 1;
      for (let i = 0; i < length; i++) step[i]! += (weights[i]! - v[i]!) * factor;
    }
    for (let i = 0; i < length; i++) v[i]! += step[i]! / n;
  }
  return Float32Array.from(v);
}
