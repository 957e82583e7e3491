import { describe, expect, it } from 'vitest';
import { MAX_EXACT_PLAYERS } from '@flotilla/protocol';
import { coalitionWeights, methodFor } from './contributionJob.ts';

describe('coalition models', () => {
  const base = Float32Array.of(1, 1);
  const updates = [Float32Array.of(1, 0), Float32Array.of(0, 4)];

  it('add the example-weighted mean of the members\' updates to the previous global model', () => {
    expect(Array.from(coalitionWeights(base, updates, [100, 300], [0, 1]))).toEqual([1.25, 4]);
    expect(Array.from(coalitionWeights(base, updates, [100, 300], [1]))).toEqual([1, 5]);
  });

  it('are the previous global model for the empty coalition, which stays untouched', () => {
    const empty = coalitionWeights(base, updates, [100, 300], []);
    expect(Array.from(empty)).toEqual([1, 1]);
    expect(empty).not.toBe(base);
  });

  it('are valued exactly up to MAX_EXACT_PLAYERS reports, by gtg above', () => {
    expect(methodFor('exact', MAX_EXACT_PLAYERS)).toBe('exact');
    expect(methodFor('exact', MAX_EXACT_PLAYERS + 1)).toBe('gtg');
    expect(methodFor('leave-one-out', 40)).toBe('leave-one-out');
  });
});
