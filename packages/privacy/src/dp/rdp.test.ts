// RDP accountant against published reference values (Opacus, TF Privacy).
import { describe, expect, it } from 'vitest';
import { findNoiseMultiplier } from './findNoiseMultiplier.ts';
import { RdpAccountant } from './RdpAccountant.ts';
import { DEFAULT_RDP_ORDERS, computeRdp, getPrivacySpent, rdpSampledGaussian } from './rdp.ts';

const MNIST_Q = 256 / 60_000;
/** TF Privacy's mnist tutorial: steps = epochs · N // batch. */
const mnistSteps = (epochs: number) => Math.floor((epochs * 60_000) / 256);

describe('RDP of the sampled Gaussian mechanism', () => {
  it("uses Opacus's default orders: 1.1 … 10.9 by 0.1, then 12 … 63", () => {
    expect(DEFAULT_RDP_ORDERS).toHaveLength(151);
    expect(DEFAULT_RDP_ORDERS[0]).toBeCloseTo(1.1, 12);
    expect(DEFAULT_RDP_ORDERS[98]).toBeCloseTo(10.9, 12);
    expect(DEFAULT_RDP_ORDERS.slice(99, 101)).toEqual([12, 13]);
    expect(DEFAULT_RDP_ORDERS.at(-1)).toBe(63);
  });

  it('equals the Gaussian mechanism α/(2σ²) without subsampling, 0 without sampling', () => {
    expect(rdpSampledGaussian(1, 2, 7)).toBe(7 / 8);
    expect(rdpSampledGaussian(0, 2, 7)).toBe(0);
    expect(rdpSampledGaussian(0.5, 0, 7)).toBe(Infinity);
  });

  it.each([
    // Expected: Opacus's analysis/rdp.py evaluated with NumPy 2.4 / SciPy 1.17 (special.binom,
    // special.log_ndtr), an independent implementation of the same formulas; tolerance 1e-9 relative.
    [0.01, 1.1, 1.5, 9.554528557684942e-5],
    [0.01, 1.1, 8, 5.840703355202467e-4],
    [0.01, 0.5, 10.5, 15.910075057592113],
    [0.2, 0.8, 3.3, 0.5490275643278645],
    [0.004, 1.1, 63, 20.42254111212158],
    [0.5, 2, 1.1, 0.0356276298496638],
  ])('q = %f, σ = %f, α = %f matches Opacus (SciPy) to 1e-9', (q, sigma, alpha, expected) => {
    expect(Math.abs(rdpSampledGaussian(q, sigma, alpha) / expected - 1)).toBeLessThan(1e-9);
  });
});

describe('conversion to (ε, δ) and the accountant', () => {
  it("reproduces the example in Opacus's analysis/rdp.py docstring: ε = 0.336 at α = 23", () => {
    // [(q=1e-5, σ=1.0, 10 steps), (q=1e-4, σ=3.0, 4 steps)], orders 2…32, δ = 1e-5, Balle et al. 2020.
    const orders = Array.from({ length: 31 }, (_, i) => i + 2);
    const rdp1 = computeRdp({ sampleRate: 1e-5, noiseMultiplier: 1, steps: 10, orders });
    const rdp2 = computeRdp({ sampleRate: 1e-4, noiseMultiplier: 3, steps: 4, orders });

    const { epsilon, bestAlpha } = getPrivacySpent({ orders, rdp: rdp1.map((r, i) => r + rdp2[i]!), delta: 1e-5 });

    expect(epsilon).toBeCloseTo(0.336, 3);
    expect(bestAlpha).toBe(23);
  });

  it.each([
    // TF Privacy, tutorials/README.md ("Expected Output" and the first and third rows of "Select
    // Parameters"): MNIST, N = 60,000, batch 256, δ = 1e-5, noise 1.12 → ε 1.00 after 1 epoch,
    // 1.04 after 2, 2.92 after 60; noise 1.2, 10 epochs → 1.20. Those numbers use the conversion of
    // that release, ε = rdp − log δ/(α − 1) ('mironov2017'), over the same orders as Opacus.
    // Published to two decimals: tolerance 0.005.
    [1.12, 1, 1.0],
    [1.12, 2, 1.04],
    [1.12, 60, 2.92],
    [1.2, 10, 1.2],
  ])('TF Privacy MNIST tutorial: noise %f, %i epochs → ε = %f', (noise, epochs, expected) => {
    const acc = new RdpAccountant();
    acc.step(noise, MNIST_Q, mnistSteps(epochs));

    expect(Math.abs(acc.getPrivacySpent(1e-5, { conversion: 'mironov2017' }).epsilon - expected)).toBeLessThan(0.005);
  });

  it('with the tighter Balle et al. 2020 conversion Opacus reports for the same run', () => {
    // noise 1.1, 60 epochs (14,062 steps): Opacus's get_privacy_spent evaluated with SciPy gives
    // ε = 2.5965558689607486 at α = 8.1 (the README's older conversion gives 3.008 here).
    const acc = new RdpAccountant();
    acc.step(1.1, MNIST_Q, mnistSteps(60));

    const { epsilon, bestAlpha } = acc.getPrivacySpent(1e-5);

    expect(Math.abs(epsilon - 2.5965558689607486)).toBeLessThan(1e-9);
    expect(bestAlpha).toBeCloseTo(8.1, 12);
    expect(acc.getPrivacySpent(1e-5, { conversion: 'mironov2017' }).epsilon).toBeCloseTo(3.0083, 4);
  });

  it('composes step by step like one batch of steps, and keeps a merged history', () => {
    const stepwise = new RdpAccountant();
    for (let round = 0; round < 100; round++) stepwise.step(1.0, 0.01);
    stepwise.step(2.0, 0.02, 5);
    const batch = new RdpAccountant([{ noiseMultiplier: 1.0, sampleRate: 0.01, steps: 100 }]);
    batch.step(2.0, 0.02, 5);

    expect(stepwise.history).toEqual([
      { noiseMultiplier: 1.0, sampleRate: 0.01, steps: 100 },
      { noiseMultiplier: 2.0, sampleRate: 0.02, steps: 5 },
    ]);
    expect(stepwise.getEpsilon(1e-5)).toBeCloseTo(batch.getEpsilon(1e-5), 12);
    expect(new RdpAccountant(stepwise.history).getEpsilon(1e-5)).toBe(stepwise.getEpsilon(1e-5));
  });

  it('reports ε = ∞ without noise and rejects invalid input with DP_INVALID_CONFIG', () => {
    const acc = new RdpAccountant();
    acc.step(0, 0.1);

    expect(acc.getEpsilon(1e-5)).toBe(Infinity);
    expect(() => acc.step(1, 1.5)).toThrow(expect.objectContaining({ code: 'DP_INVALID_CONFIG' }));
    expect(() => acc.getEpsilon(0)).toThrow(expect.objectContaining({ code: 'DP_INVALID_CONFIG' }));
  });
});

describe('findNoiseMultiplier', () => {
  it("matches Opacus's get_noise_multiplier and round-trips through the accountant", () => {
    // Opacus (accountants/utils.py) evaluated with SciPy: ε = 3, δ = 1e-5, q = 256/60000, 60 epochs
    // → 1.015625.
    const sigma = findNoiseMultiplier({ targetEpsilon: 3, delta: 1e-5, sampleRate: MNIST_Q, epochs: 60 });
    const acc = new RdpAccountant();
    acc.step(sigma, MNIST_Q, Math.floor(60 / MNIST_Q));

    expect(sigma).toBe(1.015625);
    expect(acc.getEpsilon(1e-5)).toBeLessThanOrEqual(3);
    expect(acc.getEpsilon(1e-5)).toBeGreaterThan(3 - 0.01);
  });

  it('round-trips a client-level budget: 1,000 rounds at q = 0.01', () => {
    const sigma = findNoiseMultiplier({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 1000 });
    const epsilon = new RdpAccountant([{ noiseMultiplier: sigma, sampleRate: 0.01, steps: 1000 }]).getEpsilon(1e-5);

    expect(sigma).toBe(1.5234375);
    expect(epsilon).toBeLessThanOrEqual(1);
    expect(epsilon).toBeGreaterThan(0.99);
  });

  it('refuses an unreachable budget with DP_BUDGET_TOO_LOW', () => {
    expect(() => findNoiseMultiplier({ targetEpsilon: 0.05, delta: 1e-5, sampleRate: 0.01, steps: 10 })).toThrow(
      expect.objectContaining({ code: 'DP_BUDGET_TOO_LOW' }),
    );
  });
});
