// Tests for fedAvg: the shared aggregator cases plus Float64 accumulation.
import { describe, expect, it } from 'vitest';
import { runAggregatorCases } from './aggregator.cases.ts';
import { fedAvg } from './fedAvg.ts';

runAggregatorCases('fedAvg', { aggregate: fedAvg, expects: 'weightedMean' });

describe('fedAvg', () => {
  it('keeps the small contributions a Float32 running sum would lose', () => {
    // Arrange: 2^24 + 1 is not a Float32, so a Float32 sum of 2^24 and 1 would drop the 1.
    const big = { weights: new Float32Array([2 ** 24]), numExamples: 1 };
    const small = { weights: new Float32Array([1]), numExamples: 1 };
    const again = { weights: new Float32Array([1]), numExamples: 1 };
    // Act: (2^24 + 1 + 1)/3 = 5592406 exactly, computed in Float64 before the final rounding
    const mean = fedAvg([big, small, again]);
    // Assert
    expect(mean[0]).toBe(5592406);
  });

  it('weights by example counts, not by arrival order', () => {
    const a = { weights: new Float32Array([10]), numExamples: 9 };
    const b = { weights: new Float32Array([0]), numExamples: 1 };
    expect(fedAvg([a, b])[0]).toBe(9);
    expect(fedAvg([b, a])[0]).toBe(9);
  });
});
