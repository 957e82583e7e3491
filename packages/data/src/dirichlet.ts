// Seeded Gamma and Dirichlet samplers behind the Dirichlet label-skew partitioner.

import type { Rng } from '@flotilla/core';

/**
 * Draws log(X) for X ~ Gamma(shape, 1) by Marsaglia & Tsang (2000), with their boost for
 * shape < 1: X_a = X_{a+1} · U^{1/a}. The log is returned because for the small concentrations
 * used in label-skew experiments (α = 0.01) U^{1/a} underflows to 0 in doubles, and a Dirichlet
 * draw made only of zeros cannot be normalised.
 * @example const x = Math.exp(sampleLogGamma(2, createRng(1)));
 */
export function sampleLogGamma(shape: number, rng: Rng): number {
  if (!(shape > 0 && Number.isFinite(shape))) throw new RangeError(`gamma shape must be a positive number, got ${shape}`);
  if (shape < 1) return sampleLogGamma(shape + 1, rng) + Math.log(1 - rng()) / shape;

  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng();
    // The cheap squeeze accepts ~98 % of draws before the log test is needed.
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
      return Math.log(d * v);
    }
  }
}

/**
 * Draws proportions p ~ Dir(α, …, α) over `k` categories; entries are ≥ 0 and sum to 1.
 * Small α concentrates the mass on few categories, large α spreads it evenly.
 * @example const p = sampleSymmetricDirichlet(0.5, 10, createRng(7)); // p.length === 10
 */
export function sampleSymmetricDirichlet(alpha: number, k: number, rng: Rng): Float64Array {
  const logs = new Float64Array(k);
  let max = -Infinity;
  for (let i = 0; i < k; i++) {
    const l = sampleLogGamma(alpha, rng);
    logs[i] = l;
    if (l > max) max = l;
  }
  // Normalising relative to the largest draw keeps at least one weight at exactly 1.
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const w = Math.exp(logs[i]! - max);
    logs[i] = w;
    sum += w;
  }
  for (let i = 0; i < k; i++) logs[i] = logs[i]! / sum;
  return logs;
}

function standardNormal(rng: Rng): number {
  // Box–Muller; 1 − u keeps the log argument in (0, 1].
  const u1 = 1 - rng();
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
