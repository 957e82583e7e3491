// Tests for trimmedMean: the shared aggregator cases (β = 0) plus trimming.
import { describe, expect, it } from 'vitest';
import { runAggregatorCases } from './aggregator.cases.ts';
import { trimmedMean } from './trimmedMean.ts';

runAggregatorCases('trimmedMean (β = 0)', { aggregate: (u) => trimmedMean(u, 0), expects: 'unweightedMean' });

const one = (x: number, numExamples = 1) => ({ weights: new Float32Array([x]), numExamples });

describe('trimmedMean', () => {
  it('drops ⌊β·n⌋ values at each end before averaging', () => {
    // Arrange: β = 0.2, n = 5 → k = 1: drop 1 and 100, average {2, 3, 4}
    const updates = [one(100), one(2), one(1), one(4), one(3)];
    // Act / Assert
    expect(trimmedMean(updates, 0.2)[0]).toBe(3);
  });

  it('rounds the trimmed count down', () => {
    // β = 0.2, n = 4 → k = ⌊0.8⌋ = 0: the plain mean (1 + 2 + 3 + 10)/4
    const updates = [one(1), one(2), one(3), one(10)];
    expect(trimmedMean(updates, 0.2)[0]).toBe(4);
  });

  it('is unweighted, as in Yin et al.', () => {
    // β = 0.25, n = 4 → k = 1: drop −50 and 50, average {1, 3}; the 1e6 examples do not count
    const updates = [one(-50), one(1, 1e6), one(3), one(50)];
    expect(trimmedMean(updates, 0.25)[0]).toBe(2);
  });

  it('throws when nothing would be left or β is negative', () => {
    const updates = [one(1), one(2)];
    // β = 0.5, n = 2 → k = 1, 2k = n
    expect(() => trimmedMean(updates, 0.5)).toThrow(expect.objectContaining({ code: 'AGGREGATION_PRECONDITION' }));
    expect(() => trimmedMean(updates, -0.1)).toThrow(expect.objectContaining({ code: 'AGGREGATION_PRECONDITION' }));
    expect(() => trimmedMean(updates, Number.NaN)).toThrow(expect.objectContaining({ code: 'AGGREGATION_PRECONDITION' }));
  });
});
