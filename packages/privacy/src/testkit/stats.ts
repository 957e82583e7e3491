// Test-only statistics helpers (not exported from the package): sample moments and a σ check.
import { expect } from 'vitest';

/**
 * Tolerances: for n i.i.d. N(0, σ²) samples, the sample mean has sd σ/√n, the sample sd has
 * relative sd 1/√(2n), and an empirical frequency with probability p has sd √(p(1−p)/n). Each
 * check allows 4.89 of those standard errors, a two-sided false-alarm rate of 1e-6 (norm.isf(5e-7)).
 */
export const Z_1E6 = 4.89;

export function sampleStats(x: ArrayLike<number>): { mean: number; std: number } {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (x.length - 1)) };
}

/** Asserts zero mean and standard deviation `sigma` within 4.89 standard errors each. */
export function expectStd(x: ArrayLike<number>, sigma: number): void {
  const { mean, std } = sampleStats(x);
  expect(Math.abs(mean)).toBeLessThan((Z_1E6 * sigma) / Math.sqrt(x.length));
  expect(Math.abs(std / sigma - 1)).toBeLessThan(Z_1E6 / Math.sqrt(2 * x.length));
}
