// Tests for the vector helpers l2Norm and findNonFinite.
import { describe, expect, it } from 'vitest';
import { findNonFinite, l2Norm } from './vectors.ts';

describe('l2Norm', () => {
  it('is the Euclidean length', () => {
    expect(l2Norm(new Float32Array([3, 4]))).toBe(5);
    expect(l2Norm(new Float32Array([1, 2, 2]))).toBe(3);
    expect(l2Norm(new Float32Array(0))).toBe(0);
  });

  it('does not overflow where a Float32 sum of squares would', () => {
    // 2 · (3e20)² = 1.8e41 exceeds Float32's 3.4e38, but not Float64
    expect(l2Norm(new Float32Array([3e20, 3e20]))).toBeCloseTo(Math.SQRT2 * 3e20, -14);
  });
});

describe('findNonFinite', () => {
  it('returns the first NaN or infinite index, or −1', () => {
    expect(findNonFinite(new Float32Array([1, 2, 3]))).toBe(-1);
    expect(findNonFinite(new Float32Array([1, Number.NaN, Number.POSITIVE_INFINITY]))).toBe(1);
    expect(findNonFinite(new Float32Array([0, Number.NEGATIVE_INFINITY]))).toBe(1);
    expect(findNonFinite(new Float32Array(0))).toBe(-1);
  });
});
