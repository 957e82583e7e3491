// Shared precondition checks for the aggregators: throw coded errors, never return bad data.
import { AggregationError } from './errors.ts';
import type { WeightedVector } from './types.ts';

/** Throws unless `numExamples` is a finite number greater than 0. */
export function assertExampleCount(numExamples: number): void {
  if (!(numExamples > 0) || !Number.isFinite(numExamples)) {
    throw new AggregationError(
      'AGGREGATION_PRECONDITION',
      `numExamples must be finite and > 0, got ${numExamples}`,
    );
  }
}

/** Throws unless `actual` equals the expected vector length. */
export function assertLength(actual: number, expected: number, what: string): void {
  if (actual !== expected) {
    throw new AggregationError(
      'AGGREGATION_SHAPE_MISMATCH',
      `${what} has ${actual} parameters, expected ${expected}`,
    );
  }
}

/**
 * Checks what every aggregator requires: at least one vector, all of one length, each with a
 * finite positive example count. Returns the common length.
 */
export function assertUpdates(updates: readonly WeightedVector[]): number {
  const first = updates[0];
  if (first === undefined) {
    throw new AggregationError('AGGREGATION_PRECONDITION', 'cannot aggregate zero updates');
  }
  const length = first.weights.length;
  updates.forEach((u, i) => {
    assertLength(u.weights.length, length, `update ${i}`);
    assertExampleCount(u.numExamples);
  });
  return length;
}
