// Statistical tests of the Gaussian noise and of L2 clipping.
import { describe, expect, it } from 'vitest';
import { Z_1E6, expectStd, sampleStats } from '../testkit/stats.ts';
import { addGaussianNoise, clipByL2Norm, gaussianNoise, l2Norm, secureUniform, seededGaussianNoise } from './gaussian.ts';

const Z = Z_1E6;

describe('seeded Gaussian noise (for tests and simulations)', () => {
  it('has the configured standard deviation, and the same seed gives the same draws', () => {
    expectStd(seededGaussianNoise(11)(200_000, 1.5), 1.5);
    expect(seededGaussianNoise(11)(5, 1)).toEqual(seededGaussianNoise(11)(5, 1));
    expect(seededGaussianNoise(11)(5, 1)).not.toEqual(seededGaussianNoise(12)(5, 1));
  });
});

describe('Gaussian noise from crypto.getRandomValues', () => {
  const n = 200_000;
  const sigma = 2.5;

  it('has the configured standard deviation and zero mean', () => {
    expectStd(gaussianNoise(n, sigma), sigma);
  });

  it('is normal: the mass within 1σ and beyond 3σ match Φ', () => {
    const x = gaussianNoise(n, sigma);
    const within1 = x.filter((v) => Math.abs(v) < sigma).length / n;
    const beyond3 = x.filter((v) => Math.abs(v) > 3 * sigma).length / n;
    const [p1, p3] = [0.682689492, 0.002699796];

    expect(Math.abs(within1 - p1)).toBeLessThan(Z * Math.sqrt((p1 * (1 - p1)) / n));
    expect(Math.abs(beyond3 - p3)).toBeLessThan(Z * Math.sqrt((p3 * (1 - p3)) / n));
  });

  it('adds noise in place and gives exactly the input for std 0', () => {
    const v = new Float64Array([1, 2, 3]);

    expect(addGaussianNoise(v.slice(), 0)).toEqual(v);
    expect(addGaussianNoise(v.slice(), 1)).not.toEqual(v);
  });

  it('draws uniforms strictly inside (0, 1), across more than one getRandomValues call', () => {
    const u = secureUniform(20_000);

    expect(Math.min(...u)).toBeGreaterThan(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(sampleStats(u).mean - 0.5)).toBeLessThan(Z * Math.sqrt(1 / 12 / u.length));
  });

  it('rejects a negative or non-finite std with DP_INVALID_CONFIG', () => {
    expect(() => gaussianNoise(3, -1)).toThrow(expect.objectContaining({ code: 'DP_INVALID_CONFIG' }));
    expect(() => gaussianNoise(3, Infinity)).toThrow(expect.objectContaining({ code: 'DP_INVALID_CONFIG' }));
  });
});

describe('clipByL2Norm', () => {
  it('scales a long vector onto the ball of radius S and keeps its direction', () => {
    const v = new Float32Array([3, 4]);

    const clipped = clipByL2Norm(v, 1);

    expect(clipped).toBeInstanceOf(Float32Array);
    expect(l2Norm(clipped)).toBeCloseTo(1, 6);
    expect(clipped[0]! / clipped[1]!).toBeCloseTo(0.75, 6);
    expect(v).toEqual(new Float32Array([3, 4]));
  });

  it('leaves a short vector unchanged', () => {
    expect(clipByL2Norm(new Float64Array([0.3, 0.4]), 1)).toEqual(new Float64Array([0.3, 0.4]));
  });
});
