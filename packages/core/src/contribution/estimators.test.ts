// Tests for the estimator registry: each entry computes its method, exact falls back to gtg.
import { describe, expect, it } from 'vitest';
import { CONTRIBUTION_ESTIMATORS, estimateContribution } from './estimators.ts';
import { counted, gloveGame } from './games.ts';

const GTG = { truncationTolerance: 0, roundTolerance: 0.001, convergenceTolerance: 0.05, maxPermutations: 30, seed: 1 };

describe('contribution estimators', () => {
  it('name each method and evaluate no more coalitions than they announce', async () => {
    for (const [name, entry] of Object.entries(CONTRIBUTION_ESTIMATORS)) {
      expect(entry.name).toBe(name);
      const game = counted(gloveGame(new Set([0, 1])));
      const result = await entry.estimate(5, game.utility, GTG);
      expect(result.values).toHaveLength(5);
      expect(result.evaluations).toBeLessThanOrEqual(entry.maxEvaluations(5, GTG));
    }
  });

  it('run exact Shapley up to the player limit and gtg above it, saying which ran', async () => {
    const small = await estimateContribution('exact', 3, gloveGame(new Set([0])), GTG, 4);
    expect(small.method).toBe('exact');
    expect(small.result.values[0]).toBeCloseTo(2 / 3, 12);
    const large = await estimateContribution('exact', 6, gloveGame(new Set([0])), GTG, 4);
    expect(large.method).toBe('gtg');
    expect(large.result.permutations).toBeGreaterThan(0);
    expect((await estimateContribution('leave-one-out', 3, gloveGame(new Set([0])), GTG)).result.values).toEqual([1, 0, 0]);
  });
});
