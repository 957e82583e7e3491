// Tests for the staleness weighting functions: known values, monotonicity, refusal of bad staleness.
import { describe, expect, it } from 'vitest';
import { AggregationError } from './errors.ts';
import { STALENESS_WEIGHTINGS, stalenessWeight, type StalenessWeightingName } from './staleness.ts';

const params = { exponent: 0.5, hingeAt: 2 };

describe('stalenessWeight', () => {
  it('gives every update weight 1 under the constant weighting', () => {
    expect([0, 1, 7, 100].map((t) => stalenessWeight({ kind: 'constant', ...params }, t))).toEqual([1, 1, 1, 1]);
  });

  it('follows (1 + τ)^(−a) under the polynomial weighting', () => {
    const w = (t: number) => stalenessWeight({ kind: 'polynomial', exponent: 0.5, hingeAt: 0 }, t);
    expect(w(0)).toBe(1);
    expect(w(3)).toBeCloseTo(0.5, 12);
    expect(w(8)).toBeCloseTo(1 / 3, 12);
  });

  it('keeps full weight up to the hinge, then 1 / (a(τ − b) + 1)', () => {
    const w = (t: number) => stalenessWeight({ kind: 'hinge', exponent: 0.5, hingeAt: 2 }, t);
    expect([0, 1, 2].map(w)).toEqual([1, 1, 1]);
    expect(w(4)).toBeCloseTo(0.5, 12);
    expect(w(8)).toBeCloseTo(0.25, 12);
  });

  it('never weighs a staler update more, and stays in (0, 1], for every registered weighting', () => {
    for (const kind of Object.keys(STALENESS_WEIGHTINGS) as StalenessWeightingName[]) {
      let previous = Infinity;
      for (let t = 0; t <= 50; t++) {
        const s = stalenessWeight({ kind, exponent: 2, hingeAt: 5 }, t);
        expect(s).toBeGreaterThan(0);
        expect(s).toBeLessThanOrEqual(1);
        expect(s).toBeLessThanOrEqual(previous);
        previous = s;
      }
    }
  });

  it('refuses a negative or fractional staleness with a coded error', () => {
    expect(() => stalenessWeight({ kind: 'constant', ...params }, -1)).toThrow(AggregationError);
    expect(() => stalenessWeight({ kind: 'constant', ...params }, 0.5)).toThrow(/non-negative integer/);
  });
});
