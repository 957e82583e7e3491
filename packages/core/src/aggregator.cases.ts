// The shared aggregator suite: hand-computed cases every aggregator's test runs.
import { describe, expect, it } from 'vitest';
import type { AggregationErrorCode } from './errors.ts';
import type { WeightedVector } from './types.ts';

/** Which hand-computed answer an aggregator must produce on the shared cases. */
export type Expectation = 'weightedMean' | 'unweightedMean' | 'median';

export interface AggregatorCase {
  name: string;
  updates: readonly WeightedVector[];
  expected: Record<Expectation, readonly number[]>;
}

export interface PreconditionCase {
  name: string;
  updates: readonly WeightedVector[];
  code: AggregationErrorCode;
}

const v = (weights: readonly number[], numExamples: number): WeightedVector => ({
  weights: Float32Array.from(weights),
  numExamples,
});

export const aggregatorCases: readonly AggregatorCase[] = [
  {
    name: 'a single update comes back unchanged',
    updates: [v([1, -2, 0.5], 5)],
    expected: { weightedMean: [1, -2, 0.5], unweightedMean: [1, -2, 0.5], median: [1, -2, 0.5] },
  },
  {
    name: 'identical updates give that update whatever their weights',
    updates: [v([0.25, -4], 1), v([0.25, -4], 2), v([0.25, -4], 7)],
    expected: { weightedMean: [0.25, -4], unweightedMean: [0.25, -4], median: [0.25, -4] },
  },
  {
    // weighted: (1·1 + 3·3)/4 = 2.5, (1·2 + 3·6)/4 = 5; unweighted and median: (1+3)/2, (2+6)/2
    name: 'two updates weighted 1:3',
    updates: [v([1, 2], 1), v([3, 6], 3)],
    expected: { weightedMean: [2.5, 5], unweightedMean: [2, 4], median: [2, 4] },
  },
  {
    // weighted: (0 + 3 + 2·6)/4 = 3.75, (0 − 3 + 2·3)/4 = 0.75; unweighted: 9/3, 0/3;
    // median of {0, 3, 6} and {−3, 0, 3}
    name: 'three updates, one with twice the examples',
    updates: [v([0, 0], 1), v([3, -3], 1), v([6, 3], 2)],
    expected: { weightedMean: [3.75, 0.75], unweightedMean: [3, 0], median: [3, 0] },
  },
  {
    // means: 16/4 = 4; median of {1, 2, 3, 10} = (2 + 3)/2
    name: 'equal weights: the mean follows the outlier, the median does not',
    updates: [v([1], 2), v([2], 2), v([3], 2), v([10], 2)],
    expected: { weightedMean: [4], unweightedMean: [4], median: [2.5] },
  },
  {
    // (0.1 + 0.2 + 0.3)/3 = 0.2 up to Float32 rounding of the inputs
    name: 'decimals Float32 cannot hold exactly stay within rounding',
    updates: [v([0.1], 1), v([0.2], 1), v([0.3], 1)],
    expected: { weightedMean: [0.2], unweightedMean: [0.2], median: [0.2] },
  },
];

export const preconditionCases: readonly PreconditionCase[] = [
  { name: 'no updates', updates: [], code: 'AGGREGATION_PRECONDITION' },
  { name: 'lengths differ', updates: [v([1, 2], 1), v([1], 1)], code: 'AGGREGATION_SHAPE_MISMATCH' },
  { name: 'zero examples', updates: [v([1], 1), v([2], 0)], code: 'AGGREGATION_PRECONDITION' },
  { name: 'negative examples', updates: [v([1], -3)], code: 'AGGREGATION_PRECONDITION' },
  { name: 'NaN examples', updates: [v([1], Number.NaN)], code: 'AGGREGATION_PRECONDITION' },
  { name: 'infinite examples', updates: [v([1], Number.POSITIVE_INFINITY)], code: 'AGGREGATION_PRECONDITION' },
];

export interface AggregatorUnderTest {
  aggregate: (updates: readonly WeightedVector[]) => Float32Array;
  expects: Expectation;
  /** Cases with fewer updates are skipped (Krum with f = 0 needs 3). */
  minUpdates?: number;
  /** False for wrappers that turn some preconditions into data (a strategy's empty round). */
  preconditions?: boolean;
}

/** Registers the shared cases for one aggregator inside the caller's test file. */
export function runAggregatorCases(label: string, subject: AggregatorUnderTest): void {
  describe(`${label} (shared aggregator cases)`, () => {
    const runnable = aggregatorCases.filter((c) => c.updates.length >= (subject.minUpdates ?? 1));
    it.each(runnable)('$name', ({ updates, expected }) => {
      // Arrange: the case's updates. Act
      const result = subject.aggregate(updates);
      // Assert
      const want = expected[subject.expects];
      expect(result).toBeInstanceOf(Float32Array);
      expect(result).toHaveLength(want.length);
      want.forEach((x, i) => expect(result[i]).toBeCloseTo(x, 6));
    });

    if (subject.preconditions !== false) {
      it.each(preconditionCases)('throws $code on $name', ({ updates, code }) => {
        expect(() => subject.aggregate(updates)).toThrow(expect.objectContaining({ code }));
      });
    }

    it('does not modify its inputs', () => {
      const updates = [v([1, 2], 1), v([3, 6], 3), v([5, 4], 2)];
      const before = updates.map((u) => Array.from(u.weights));
      subject.aggregate(updates);
      expect(updates.map((u) => Array.from(u.weights))).toEqual(before);
    });
  });
}
