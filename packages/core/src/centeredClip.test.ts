// Tests for centeredClip: the shared aggregator cases (τ = ∞, L = 1) plus its bound on attackers.
import { describe, expect, it } from 'vitest';
import { runAggregatorCases } from './aggregator.cases.ts';
import { centeredClip } from './centeredClip.ts';

runAggregatorCases('centeredClip (τ = ∞, L = 1)', {
  aggregate: (u) => centeredClip(u, { tau: Number.POSITIVE_INFINITY, iterations: 1 }),
  expects: 'unweightedMean',
});

const point = (x: number, y: number, numExamples = 1) => ({ weights: new Float32Array([x, y]), numExamples });

describe('centeredClip', () => {
  it('clips each offset from the centre to τ before averaging', () => {
    // Arrange: centre 0, τ = 1: (3,4) has norm 5 → (0.6, 0.8); (0.5, 0) stays. Mean: (0.55, 0.4)
    const updates = [point(3, 4), point(0.5, 0)];
    // Act
    const v = centeredClip(updates, { tau: 1, iterations: 1 });
    // Assert
    expect(v[0]).toBeCloseTo(0.55, 6);
    expect(v[1]).toBeCloseTo(0.4, 6);
  });

  it('starts from the given centre and iterates', () => {
    // centre (1, 0), τ = 1, one update (1, 10): offset (0, 10) → (0, 1); v = (1, 1); again → (1, 2)
    const v = centeredClip([point(1, 10)], { tau: 1, iterations: 2, centre: new Float32Array([1, 0]) });
    expect(Array.from(v)).toEqual([1, 2]);
  });

  it('bounds what one huge update can do: at most L·τ/n', () => {
    // Four honest updates at (1, 0), one attacker at (−1e6, 0); τ = 0.5, L = 3, centre (1, 0).
    const updates = [point(1, 0), point(1, 0), point(1, 0), point(1, 0), point(-1e6, 0)];
    const v = centeredClip(updates, { tau: 0.5, iterations: 3, centre: new Float32Array([1, 0]) });
    // The mean would be about −2e5; the attacker moves v by ≤ 3 · 0.5 / 5 = 0.3.
    expect(Math.abs(v[0]! - 1)).toBeLessThanOrEqual(0.3 + 1e-6);
    expect(v[1]).toBe(0);
  });

  it('ignores example counts: a claimed weight buys no influence', () => {
    const v = centeredClip([point(0, 0, 1), point(2, 0, 1e9)], { tau: Number.POSITIVE_INFINITY, iterations: 1 });
    expect(Array.from(v)).toEqual([1, 0]);
  });

  it('refuses τ ≤ 0, a non-integer L and a centre of the wrong length', () => {
    const updates = [point(1, 0)];
    const code = (f: () => unknown) => {
      try {
        f();
        return null;
      } catch (e) {
        return (e as { code?: string }).code;
      }
    };
    expect(code(() => centeredClip(updates, { tau: 0, iterations: 1 }))).toBe('AGGREGATION_PRECONDITION');
    expect(code(() => centeredClip(updates, { tau: 1, iterations: 1.5 }))).toBe('AGGREGATION_PRECONDITION');
    expect(code(() => centeredClip(updates, { tau: 1, iterations: 1, centre: new Float32Array(3) }))).toBe('AGGREGATION_SHAPE_MISMATCH');
  });
});
