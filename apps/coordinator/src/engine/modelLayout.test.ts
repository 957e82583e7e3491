import { describe, expect, it } from 'vitest';
import { MNIST_SCHEMA } from '@flotilla/protocol';
import { hasCentralTestSet, restoreFrozen } from './modelLayout.ts';

describe('restoreFrozen', () => {
  it('puts back exactly the frozen weights and leaves the trainable ones as aggregated', () => {
    const previous = Float32Array.from([1, 2, 3, 4]);
    const next = Float32Array.from([9, 8, 7, 6]);
    restoreFrozen(next, previous, Uint8Array.from([0, 1, 0, 1]));
    expect([...next]).toEqual([1, 8, 3, 6]);
  });

  it('refuses a mask of another length rather than restoring the wrong weights', () => {
    expect(() => restoreFrozen(new Float32Array(3), new Float32Array(3), new Uint8Array(2))).toThrow(/mask/);
  });
});

describe('hasCentralTestSet', () => {
  it('evaluates centrally where a test set is named, and for MNIST tasks stored before schemas', () => {
    expect(hasCentralTestSet({ testDataset: 'mnist-test' })).toBe(true);
    expect(hasCentralTestSet({ dataset: 'mnist' })).toBe(true);
    expect(hasCentralTestSet({ dataset: 'ds-1', schema: MNIST_SCHEMA })).toBe(false);
    expect(hasCentralTestSet({ schema: MNIST_SCHEMA })).toBe(false);
  });
});
