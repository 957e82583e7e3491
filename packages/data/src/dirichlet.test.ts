import { createRng } from '@flotilla/core';
import { describe, expect, it } from 'vitest';
import { sampleLogGamma, sampleSymmetricDirichlet } from './dirichlet.ts';

function moments(samples: number[]): { mean: number; variance: number } {
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const variance = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples.length - 1);
  return { mean, variance };
}

describe('sampleLogGamma', () => {
  it.each([0.3, 1, 4.5])('matches Gamma(%s, 1): mean and variance both equal the shape', (shape) => {
    const rng = createRng(11);

    const samples = Array.from({ length: 20000 }, () => Math.exp(sampleLogGamma(shape, rng)));

    const { mean, variance } = moments(samples);
    expect(mean).toBeCloseTo(shape, 1);
    expect(Math.abs(variance - shape) / shape).toBeLessThan(0.1);
  });

  it('stays finite for concentrations whose samples underflow a double', () => {
    const rng = createRng(3);

    const logs = Array.from({ length: 1000 }, () => sampleLogGamma(0.001, rng));

    expect(logs.every(Number.isFinite)).toBe(true);
    expect(Math.min(...logs)).toBeLessThan(Math.log(Number.MIN_VALUE));
  });
});

describe('sampleSymmetricDirichlet', () => {
  it('returns k non-negative proportions summing to 1, even for tiny alpha', () => {
    const rng = createRng(5);

    for (const alpha of [0.001, 0.5, 100]) {
      const p = sampleSymmetricDirichlet(alpha, 20, rng);
      expect(p.length).toBe(20);
      expect(p.every((x) => x >= 0)).toBe(true);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it('concentrates mass on one category for small alpha and spreads it for large alpha', () => {
    const rng = createRng(9);
    const meanMax = (alpha: number): number =>
      Array.from({ length: 500 }, () => Math.max(...sampleSymmetricDirichlet(alpha, 10, rng))).reduce((a, b) => a + b) / 500;

    // Reference means of max(p) for k = 10, from 20k draws of Python's random.gammavariate.
    expect(Math.abs(meanMax(0.05) - 0.785)).toBeLessThan(0.04);
    expect(Math.abs(meanMax(100) - 0.116)).toBeLessThan(0.01);
  });
});
