// Tests for leaveOneOut: what it agrees on with exact Shapley and where it misses redundancy.
import { describe, expect, it } from 'vitest';
import { exactShapley } from './exactShapley.ts';
import { leaveOneOut } from './leaveOneOut.ts';
import { additiveGame, anyoneGame, counted, gloveGame } from './games.ts';

describe('leaveOneOut', () => {
  it('agrees with exact Shapley on an additive game after n + 2 evaluations', async () => {
    const weights = [0.2, 0.1, -0.05, 0.4, 0];
    const game = counted(additiveGame(weights));
    const loo = await leaveOneOut(5, game.utility);
    const exact = await exactShapley(5, additiveGame(weights));
    loo.values.forEach((v, i) => expect(v).toBeCloseTo(exact.values[i]!, 12));
    expect(loo.evaluations).toBe(7);
    expect(game.calls()).toBe(7);
    expect(loo).toMatchObject({ truncated: false, baseUtility: 0 });
  });

  it('values two redundant right gloves at 0 where exact Shapley splits their credit', async () => {
    const loo = await leaveOneOut(3, gloveGame(new Set([0])));
    expect(loo.values).toEqual([1, 0, 0]);
    const exact = await exactShapley(3, gloveGame(new Set([0])));
    expect(exact.values[1]).toBeGreaterThan(0.1);
  });

  it('values every player 0 when any one of them would do', async () => {
    expect((await leaveOneOut(4, anyoneGame())).values).toEqual([0, 0, 0, 0]);
  });

  it('refuses a bad player count with a code', async () => {
    await expect(leaveOneOut(NaN, () => 0)).rejects.toMatchObject({ code: 'CONTRIBUTION_INVALID_GAME' });
  });
});
