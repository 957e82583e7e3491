// Tests for exactShapley: games with known values, the Shapley axioms, the memo and refusals.
import { describe, expect, it } from 'vitest';
import { exactShapley, MAX_EXACT_SHAPLEY_PLAYERS } from './exactShapley.ts';
import { additiveGame, counted, gloveGame } from './games.ts';
import { ContributionError } from './errors.ts';

describe('exactShapley', () => {
  it('gives each player its own weight in an additive game, measuring all 2^n coalitions once', async () => {
    const game = counted(additiveGame([0.3, -0.1, 0.05, 0.2]));
    const result = await exactShapley(4, game.utility);
    result.values.forEach((v, i) => expect(v).toBeCloseTo([0.3, -0.1, 0.05, 0.2][i]!, 12));
    expect(result.evaluations).toBe(16);
    expect(game.calls()).toBe(16);
    expect(result).toMatchObject({ truncated: false, baseUtility: 0 });
    expect(result.fullUtility).toBeCloseTo(0.45, 12);
  });

  it('values the scarce left glove at 2/3 and each of two right gloves at 1/6', async () => {
    const { values } = await exactShapley(3, gloveGame(new Set([0])));
    expect(values[0]).toBeCloseTo(2 / 3, 12);
    expect(values[1]).toBeCloseTo(1 / 6, 12);
    expect(values[2]).toBeCloseTo(1 / 6, 12);
  });

  it('gives a null player 0 and symmetric players equal values, summing to u(N) − u(∅)', async () => {
    // Players 0 and 1 are interchangeable, 2 adds nothing to any coalition.
    const utility = (s: readonly number[]): number => {
      const pair = s.filter((i) => i < 2).length;
      return 1 + (pair === 0 ? 0 : pair === 1 ? 0.4 : 0.5);
    };
    const { values, baseUtility, fullUtility } = await exactShapley(3, utility);
    expect(values[2]).toBeCloseTo(0, 12);
    expect(values[0]).toBeCloseTo(values[1]!, 12);
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(fullUtility - baseUtility, 12);
  });

  it('values no player in a game of none, after measuring the one coalition', async () => {
    expect(await exactShapley(0, () => 0.7)).toEqual({ values: [], evaluations: 1, truncated: false, baseUtility: 0.7, fullUtility: 0.7 });
  });

  it('refuses too many players, a bad player count and a non-finite utility with codes', async () => {
    await expect(exactShapley(MAX_EXACT_SHAPLEY_PLAYERS + 1, () => 0)).rejects.toMatchObject({ code: 'CONTRIBUTION_TOO_MANY_PLAYERS' });
    await expect(exactShapley(2.5, () => 0)).rejects.toMatchObject({ code: 'CONTRIBUTION_INVALID_GAME' });
    await expect(exactShapley(-1, () => 0)).rejects.toBeInstanceOf(ContributionError);
    await expect(exactShapley(2, (s) => (s.length === 2 ? NaN : 0))).rejects.toMatchObject({ code: 'CONTRIBUTION_UTILITY_NOT_FINITE' });
  });
});
