// Tests for spearman and kendallTau: known values, ties, and their invariances (fast-check).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { kendallTau, spearman } from './rankCorrelation.ts';

describe('rank correlations', () => {
  it('match hand-computed values, ties included', () => {
    expect(spearman([1, 2, 3], [10, 30, 20])).toBeCloseTo(0.5, 12);
    expect(kendallTau([1, 2, 3], [1, 3, 2])).toBeCloseTo(1 / 3, 12);
    // Ranks (1.5, 1.5, 3, 4) against (1, 2, 3, 4): Pearson of those is 0.9486833.
    expect(spearman([5, 5, 6, 7], [1, 2, 3, 4])).toBeCloseTo(0.9486833, 6);
    // τ-b: 5 concordant, 0 discordant, 1 tie on the left: 5 / √(5 · 6).
    expect(kendallTau([5, 5, 6, 7], [1, 2, 3, 4])).toBeCloseTo(5 / Math.sqrt(30), 12);
  });

  it('are undefined (NaN) for a constant side and refuse unequal lengths', () => {
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(kendallTau([1, 2], [3, 3])).toBeNaN();
    expect(() => spearman([1, 2], [1])).toThrow(expect.objectContaining({ code: 'CONTRIBUTION_INVALID_GAME' }));
  });

  const distinct = fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 12 });

  it('are 1 against a monotone transform and −1 against a reversal', () => {
    fc.assert(fc.property(distinct, (a) => {
      // Strictly increasing and exact on these integers (a float transform could merge close values).
      const up = a.map((v) => v ** 3 + 2 * v);
      const down = a.map((v) => -v);
      expect(spearman(a, up)).toBeCloseTo(1, 9);
      expect(kendallTau(a, up)).toBeCloseTo(1, 9);
      expect(spearman(a, down)).toBeCloseTo(-1, 9);
      expect(kendallTau(a, down)).toBeCloseTo(-1, 9);
    }));
  });

  it('stay within [−1, 1] and are symmetric in their arguments', () => {
    const pair = fc.integer({ min: 2, max: 10 }).chain((n) => fc.tuple(
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n }),
    ));
    fc.assert(fc.property(pair, ([a, b]) => {
      for (const f of [spearman, kendallTau]) {
        const r = f(a, b);
        if (Number.isNaN(r)) continue;
        expect(Math.abs(r)).toBeLessThanOrEqual(1 + 1e-12);
        expect(f(b, a)).toBeCloseTo(r, 12);
      }
    }));
  });
});
