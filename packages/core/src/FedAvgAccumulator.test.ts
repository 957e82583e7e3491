// Tests for FedAvgAccumulator: the shared aggregator cases plus streaming behaviour.
import { describe, expect, it } from 'vitest';
import { runAggregatorCases } from './aggregator.cases.ts';
import { FedAvgAccumulator } from './FedAvgAccumulator.ts';
import type { WeightedVector } from './types.ts';

function accumulate(updates: readonly WeightedVector[]): Float32Array {
  const accumulator = new FedAvgAccumulator(updates[0]?.weights.length ?? 0);
  for (const u of updates) accumulator.add(u.weights, u.numExamples);
  return accumulator.mean();
}

runAggregatorCases('FedAvgAccumulator', { aggregate: accumulate, expects: 'weightedMean' });

describe('FedAvgAccumulator', () => {
  it('counts updates and examples', () => {
    const accumulator = new FedAvgAccumulator(2);
    accumulator.add(new Float32Array([1, 2]), 1);
    accumulator.add(new Float32Array([3, 6]), 3);
    expect(accumulator.count).toBe(2);
    expect(accumulator.totalExamples).toBe(4);
  });

  it('does not keep a reference to added arrays, so senders may reuse their buffers', () => {
    // Arrange
    const accumulator = new FedAvgAccumulator(3);
    const buffer = new Float32Array([1, 2, 3]);
    accumulator.add(buffer, 1);
    // Act
    buffer.fill(100);
    accumulator.add(new Float32Array([3, 2, 1]), 1);
    // Assert
    expect(Array.from(accumulator.mean())).toEqual([2, 2, 2]);
  });

  it('handles lengths that are not a multiple of the unrolled stride', () => {
    // 11 = 8 + 3: the unrolled body and the remainder loop both run; (i + 3i)/2 = 2i
    const length = 11;
    const accumulator = new FedAvgAccumulator(length);
    accumulator.add(Float32Array.from({ length }, (_, i) => i), 1);
    accumulator.add(Float32Array.from({ length }, (_, i) => 3 * i), 1);
    expect(Array.from(accumulator.mean())).toEqual(Array.from({ length }, (_, i) => 2 * i));
  });

  it('leaves its state unchanged when an add is refused', () => {
    // Arrange
    const accumulator = new FedAvgAccumulator(2);
    accumulator.add(new Float32Array([4, 8]), 2);
    // Act
    expect(() => accumulator.add(new Float32Array([1, 1, 1]), 1)).toThrow(
      expect.objectContaining({ code: 'AGGREGATION_SHAPE_MISMATCH' }),
    );
    expect(() => accumulator.add(new Float32Array([1, 1]), 0)).toThrow(
      expect.objectContaining({ code: 'AGGREGATION_PRECONDITION' }),
    );
    // Assert
    expect(accumulator.count).toBe(1);
    expect(accumulator.totalExamples).toBe(2);
    expect(Array.from(accumulator.mean())).toEqual([4, 8]);
  });

  it('refuses a mean of nothing and an invalid length', () => {
    expect(() => new FedAvgAccumulator(3).mean()).toThrow(expect.objectContaining({ code: 'AGGREGATION_PRECONDITION' }));
    expect(() => new FedAvgAccumulator(-1)).toThrow(expect.objectContaining({ code: 'AGGREGATION_PRECONDITION' }));
  });
});
