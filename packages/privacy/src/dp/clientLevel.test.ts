// Tests of DP-FedAvg, adaptive clipping and DP-SGD noise.
import { describe, expect, it } from 'vitest';
import { adaptiveClippingConfig, effectiveNoiseMultiplier, noisyUnclippedFraction, updateClipNorm } from './adaptiveClipping.ts';
import { distributedNoiseStd, dpFedAvgAggregate, dpFedAvgClientUpdate, dpFedAvgConfig } from './clientLevel.ts';
import { dpSgdGradient } from './dpSgd.ts';
import { seededGaussianNoise } from './gaussian.ts';
import { createRng } from '@flotilla/core';
import { expectStd } from '../testkit/stats.ts';

describe('DP-FedAvg (McMahan et al. 2018)', () => {
  it('clips each update to S and reports whether it was already within S', () => {
    const dp = dpFedAvgConfig({ clipNorm: 1, expectedClientsPerRound: 10 });

    const long = dpFedAvgClientUpdate(new Float64Array([3, 4]), dp);
    const short = dpFedAvgClientUpdate(new Float64Array([0.3, 0.4]), dp);

    expect(long).toMatchObject({ norm: 5, unclipped: false });
    expect(Array.from(long.update)).toEqual([expect.closeTo(0.6, 9), expect.closeTo(0.8, 9)]);
    expect(short.unclipped).toBe(true);
  });

  it('central noise on the sum has std z·S, then the fixed denominator applies', () => {
    const dp = dpFedAvgConfig({ clipNorm: 2, noiseMultiplier: 1.1, expectedClientsPerRound: 10 });

    const mean = dpFedAvgAggregate(new Float64Array(200_000), dp, seededGaussianNoise(1));

    expectStd(mean.map((x) => x * 10), 2.2);
  });

  it('distributed noise: n clients adding std z·S/√n give the sum std z·S', () => {
    const dp = dpFedAvgConfig({ clipNorm: 2, noiseMultiplier: 1.1, expectedClientsPerRound: 16, noise: 'distributed' });
    const sum = new Float64Array(50_000);
    const noise = seededGaussianNoise(2);

    for (let k = 0; k < 16; k++) {
      const { update } = dpFedAvgClientUpdate(new Float64Array(50_000), dp, 16, noise);
      update.forEach((x, i) => (sum[i]! += x));
    }

    expect(distributedNoiseStd(2, 1.1, 16)).toBeCloseTo(0.55, 12);
    expectStd(sum, 2.2);
    expect(dpFedAvgAggregate(sum, dp)[0]).toBe(sum[0]! / 16);
  });
});

describe('adaptive clipping (Andrew et al. 2021)', () => {
  const ac = adaptiveClippingConfig({ expectedClientsPerRound: 100 });

  it('keeps S at the target quantile, shrinks it when too many fit, grows it otherwise', () => {
    expect(updateClipNorm(1, 0.5, ac)).toBe(1);
    expect(updateClipNorm(1, 1, ac)).toBeCloseTo(Math.exp(-0.1), 12);
    expect(updateClipNorm(1, 0, ac)).toBeCloseTo(Math.exp(0.1), 12);
  });

  it('converges to the median of the update norms from a bad start', () => {
    // Norms uniform on [0, 10]: the median is 5. The count noise σ_b = m/20 as in the paper.
    let clipNorm = 0.1;
    const rng = createRng(3);
    const noise = seededGaussianNoise(3);
    for (let round = 0; round < 300; round++) {
      const norms = Array.from({ length: 100 }, () => 10 * rng());
      const unclipped = norms.filter((x) => x <= clipNorm).length;
      clipNorm = updateClipNorm(clipNorm, noisyUnclippedFraction(unclipped, 100, ac.countNoiseStd, noise), ac);
    }

    expect(clipNorm).toBeGreaterThan(3.5);
    expect(clipNorm).toBeLessThan(6.5);
  });

  it('noises the count of unclipped updates with std σ_b', () => {
    // b̃·m − Σb_i is the noise alone; 20,000 draws pin its std to within a few per cent.
    const noise = seededGaussianNoise(4);
    const counts = Float64Array.from({ length: 20_000 }, () => noisyUnclippedFraction(7, 10, 2.5, noise) * 10 - 7);
    expectStd(counts, 2.5);
  });

  it('splits the budget: z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2), and refuses σ_b ≤ z/2', () => {
    expect(effectiveNoiseMultiplier(1, 5)).toBeCloseTo(1 / Math.sqrt(0.99), 12);
    expect(() => effectiveNoiseMultiplier(1, 0.5)).toThrow(expect.objectContaining({ code: 'DP_INVALID_CONFIG' }));
  });
});

describe('DP-SGD micro-batch clipping and noise (Abadi et al. 2016)', () => {
  it('averages clipped micro-batch gradients and counts the clipped ones', () => {
    const { gradient, clipped } = dpSgdGradient([[3, 4], [0.3, 0.4]], { l2NormClip: 1, noiseMultiplier: 0 });

    expect(clipped).toBe(1);
    expect(Array.from(gradient)).toEqual([expect.closeTo(0.45, 12), expect.closeTo(0.6, 12)]);
  });

  it('adds noise of std z·C to the sum before dividing by the number of micro-batches', () => {
    const zeros = Array.from({ length: 4 }, () => new Float64Array(100_000));

    const { gradient } = dpSgdGradient(zeros, { l2NormClip: 1.5, noiseMultiplier: 1.1 }, seededGaussianNoise(5));

    expectStd(gradient.map((x) => x * 4), 1.65);
  });
});
