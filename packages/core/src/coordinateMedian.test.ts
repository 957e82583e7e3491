// Tests for coordinateMedian: the shared aggregator cases plus robustness to outliers.
import { describe, expect, it } from 'vitest';
import { runAggregatorCases } from './aggregator.cases.ts';
import { coordinateMedian } from './coordinateMedian.ts';

runAggregatorCases('coordinateMedian', { aggregate: coordinateMedian, expects: 'median' });

const one = (x: number, numExamples = 1) => ({ weights: new Float32Array([x]), numExamples });

describe('coordinateMedian', () => {
  it('resists one arbitrarily bad update', () => {
    // Arrange: four honest values and one attacker at 1e30
    const updates = [one(1), one(2), one(3), one(4), one(1e30)];
    // Act
    const median = coordinateMedian(updates);
    // Assert: median of {1, 2, 3, 4, 1e30} is 3
    expect(median[0]).toBe(3);
  });

  it('ignores example counts, so a client cannot buy the median by claiming more data', () => {
    const updates = [one(1), one(2), one(1000, 1_000_000)];
    expect(coordinateMedian(updates)[0]).toBe(2);
  });

  it('takes each coordinate independently', () => {
    // Arrange: coordinate 0 sorted {1, 5, 9}, coordinate 1 sorted {−7, −2, 0}
    const updates = [
      { weights: new Float32Array([9, -2]), numExamples: 1 },
      { weights: new Float32Array([1, 0]), numExamples: 1 },
      { weights: new Float32Array([5, -7]), numExamples: 1 },
    ];
    // Act / Assert
    expect(Array.from(coordinateMedian(updates))).toEqual([5, -2]);
  });

  it('sorts long columns too (more reports than the insertion-sort cut-off)', () => {
    // 41 reports 40, 39, …, 0: the median is 20
    const updates = Array.from({ length: 41 }, (_, i) => one(40 - i));
    expect(coordinateMedian(updates)[0]).toBe(20);
  });
});
