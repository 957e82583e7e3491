// Tests for FedBuff's buffer: the staleness-weighted mean, its fill, its statistics, and refusals that change nothing.
import { describe, expect, it } from 'vitest';
import { AggregationError } from './errors.ts';
import { FedBuffBuffer, type FedBuffOptions } from './FedBuffBuffer.ts';
import { StalenessStats } from './StalenessStats.ts';

const polynomial = (bufferSize: number, maxStaleness = 3): FedBuffOptions => ({
  bufferSize, maxStaleness, weighting: { kind: 'polynomial', exponent: 1, hingeAt: 0 },
});

describe('FedBuffBuffer', () => {
  it('weighs each update by its examples and its staleness, dividing by the examples only', () => {
    // Arrange: s(0) = 1, s(1) = 1/2, s(3) = 1/4
    const buffer = new FedBuffBuffer(2, polynomial(3));
    // Act
    const weights = [
      buffer.add(new Float32Array([1, 2]), 1, 0),
      buffer.add(new Float32Array([4, 4]), 2, 1),
      buffer.add(new Float32Array([8, 0]), 1, 3),
    ];
    // Assert: (1·1·[1,2] + 2·½·[4,4] + 1·¼·[8,0]) / 4 = [7, 6] / 4
    expect(weights).toEqual([1, 0.5, 0.25]);
    expect(Array.from(buffer.mean())).toEqual([1.75, 1.5]);
  });

  it('is the example-weighted FedAvg mean under the constant weighting', () => {
    const buffer = new FedBuffBuffer(2, { bufferSize: 2, maxStaleness: 5, weighting: { kind: 'constant', exponent: 0, hingeAt: 0 } });
    buffer.add(new Float32Array([1, 2]), 1, 4);
    buffer.add(new Float32Array([3, 6]), 3, 0);
    expect(Array.from(buffer.mean())).toEqual([2.5, 5]);
  });

  it('is full after K updates and refuses a K+1-th', () => {
    const buffer = new FedBuffBuffer(1, polynomial(2));
    buffer.add(new Float32Array([1]), 1, 0);
    expect(buffer.isFull).toBe(false);
    buffer.add(new Float32Array([1]), 1, 0);
    expect(buffer.isFull).toBe(true);
    expect(() => buffer.add(new Float32Array([1]), 1, 0)).toThrow(/full/);
  });

  it('refuses an update staler than maxStaleness and leaves the buffer as it was', () => {
    // Arrange
    const buffer = new FedBuffBuffer(2, polynomial(2, 2));
    buffer.add(new Float32Array([2, 2]), 1, 2);
    // Act
    const refusal = (() => { try { buffer.add(new Float32Array([100, 100]), 1, 3); } catch (e) { return e; } return null; })();
    // Assert
    expect(buffer.admits(2)).toBe(true);
    expect(buffer.admits(3)).toBe(false);
    expect(refusal).toBeInstanceOf(AggregationError);
    expect(buffer.count).toBe(1);
    expect(Array.from(buffer.mean())).toEqual([Math.fround(2 / 3), Math.fround(2 / 3)]);
  });

  it('refuses non-finite and wrong-length updates without folding them in', () => {
    const buffer = new FedBuffBuffer(2, polynomial(2));
    expect(() => buffer.add(new Float32Array([Number.NaN, 1]), 1, 0)).toThrow(AggregationError);
    expect(() => buffer.add(new Float32Array([1, 1, 1]), 1, 0)).toThrow(AggregationError);
    expect(buffer.count).toBe(0);
    expect(() => buffer.mean()).toThrow(/empty/);
  });

  it('reports the count, mean, max and histogram of the staleness it buffered', () => {
    const buffer = new FedBuffBuffer(1, polynomial(4, 5));
    for (const tau of [0, 2, 2, 4]) buffer.add(new Float32Array([1]), 1, tau);
    expect(buffer.staleness()).toEqual({ count: 4, mean: 2, max: 4, histogram: [1, 0, 2, 0, 1] });
  });
});

describe('StalenessStats', () => {
  it('summarises an empty buffer as zeros', () => {
    expect(new StalenessStats().summary()).toEqual({ count: 0, mean: 0, max: 0, histogram: [] });
  });
});
