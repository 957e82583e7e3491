// Tests for gtgShapley: accuracy against exact Shapley at a fraction of the evaluations, both
// truncations, guided sampling, convergence, determinism and refusals.
import { describe, expect, it } from 'vitest';
import { exactShapley } from './exactShapley.ts';
import { gtgShapley } from './gtgShapley.ts';
import { spearman } from './rankCorrelation.ts';
import { additiveGame, anyoneGame, counted, federatedLikeGame, gloveGame } from './games.ts';
import type { GtgOptions } from './types.ts';

const DEFAULTS: GtgOptions = { truncationTolerance: 0.005, roundTolerance: 0.001, convergenceTolerance: 0.05, maxPermutations: 50, seed: 7 };

describe('gtgShapley', () => {
  it('recovers an additive game exactly: every permutation sees the same marginals', async () => {
    const weights = [0.3, 0.1, 0.25, 0.05];
    const { values, truncated } = await gtgShapley(4, additiveGame(weights), { ...DEFAULTS, truncationTolerance: 0 });
    values.forEach((v, i) => expect(v).toBeCloseTo(weights[i]!, 12));
    expect(truncated).toBe(false);
  });

  it('stays within 6 % of the gain of exact Shapley (ρ ≥ 0.9) on 10-player federated-like games, at under a third of the evaluations', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const exact = await exactShapley(10, federatedLikeGame(10, seed));
      const gtg = await gtgShapley(10, federatedLikeGame(10, seed), { ...DEFAULTS, seed });
      const gain = Math.abs(exact.fullUtility - exact.baseUtility);
      const error = Math.max(...exact.values.map((v, i) => Math.abs(v - gtg.values[i]!)));
      expect(spearman(exact.values, gtg.values)).toBeGreaterThanOrEqual(0.9);
      expect(error).toBeLessThanOrEqual(0.06 * gain);
      expect(exact.evaluations).toBe(1024);
      expect(gtg.evaluations).toBeLessThan(1024 / 3);
    }
  });

  it('values a round whose update gains less than roundTolerance 0 for all, after 2 evaluations', async () => {
    const flat = counted((s) => 0.9 + 0.0005 * s.length / 4);
    const result = await gtgShapley(4, flat.utility, DEFAULTS);
    expect(result).toEqual({ values: [0, 0, 0, 0], evaluations: 2, truncated: true, permutations: 0, baseUtility: 0.9, fullUtility: 0.9005 });
    expect(flat.calls()).toBe(2);
  });

  it('stops each permutation once its prefix is as good as everyone: only singletons are evaluated', async () => {
    const game = counted(anyoneGame());
    const result = await gtgShapley(5, game.utility, { ...DEFAULTS, maxPermutations: 20 });
    // ∅, the grand coalition and the five singletons; guided sampling leads with each player 4 times.
    expect(result.evaluations).toBe(7);
    expect(game.calls()).toBe(7);
    result.values.forEach((v) => expect(v).toBeCloseTo(1 / 5, 12));
  });

  it('ends at convergence before maxPermutations and reports the permutations it sampled', async () => {
    const result = await gtgShapley(3, gloveGame(new Set([0])), { ...DEFAULTS, truncationTolerance: 0, maxPermutations: 10_000 });
    expect(result.permutations).toBeGreaterThanOrEqual(4);
    expect(result.permutations).toBeLessThan(10_000);
    expect(result.values[0]).toBeCloseTo(2 / 3, 1);
    expect(result.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('stops only at the end of a guided sweep, so every player has led equally often', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const result = await gtgShapley(4, federatedLikeGame(4, seed), { ...DEFAULTS, truncationTolerance: 0, convergenceTolerance: 0.1, maxPermutations: 10_000, seed });
      expect(result.permutations).toBeLessThan(10_000);
      expect(result.permutations! % 4).toBe(0);
    }
  });

  it('samples at most maxPermutations', async () => {
    const result = await gtgShapley(10, federatedLikeGame(10, 9), { ...DEFAULTS, convergenceTolerance: 1e-9, maxPermutations: 7 });
    expect(result.permutations).toBe(7);
  });

  it('returns the same values for the same seed and samples differently for another', async () => {
    const options = { ...DEFAULTS, truncationTolerance: 0, maxPermutations: 12 };
    const a = await gtgShapley(8, federatedLikeGame(8, 3), options);
    const b = await gtgShapley(8, federatedLikeGame(8, 3), options);
    const c = await gtgShapley(8, federatedLikeGame(8, 3), { ...options, seed: 8 });
    expect(b).toEqual(a);
    expect(c.values).not.toEqual(a.values);
  });

  it('refuses options out of range with a code naming the field', async () => {
    const u = additiveGame([1, 2]);
    await expect(gtgShapley(2, u, { ...DEFAULTS, maxPermutations: 0 })).rejects.toMatchObject({ code: 'CONTRIBUTION_INVALID_OPTIONS', message: expect.stringContaining('maxPermutations') });
    await expect(gtgShapley(2, u, { ...DEFAULTS, truncationTolerance: -1 })).rejects.toMatchObject({ message: expect.stringContaining('truncationTolerance') });
    await expect(gtgShapley(2, u, { ...DEFAULTS, convergenceTolerance: 0 })).rejects.toMatchObject({ message: expect.stringContaining('convergenceTolerance') });
    await expect(gtgShapley(2, u, { ...DEFAULTS, seed: 0.5 })).rejects.toMatchObject({ message: expect.stringContaining('seed') });
    await expect(gtgShapley(-2, u, DEFAULTS)).rejects.toMatchObject({ code: 'CONTRIBUTION_INVALID_GAME' });
  });

  it('values no player in a game of none', async () => {
    expect((await gtgShapley(0, () => 0.5, DEFAULTS)).values).toEqual([]);
  });
});
