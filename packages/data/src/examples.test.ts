import { describe, expect, it } from 'vitest';
import { gatherExamples, labelHistogram, partitionUnion } from './examples.ts';

describe('labelHistogram', () => {
  it('counts the labels of the selected examples only', () => {
    const labels = Uint8Array.of(0, 1, 1, 2, 2, 2);

    const counts = labelHistogram(labels, Uint32Array.of(1, 3, 4, 5), 4);

    expect(counts).toEqual([0, 1, 3, 0]);
  });

  it('rejects indices outside the labels and labels outside numClasses', () => {
    const labels = Uint8Array.of(0, 5);

    expect(() => labelHistogram(labels, Uint32Array.of(2), 10)).toThrow(RangeError);
    expect(() => labelHistogram(labels, Uint32Array.of(1), 3)).toThrow(RangeError);
  });
});

describe('partitionUnion', () => {
  it('returns the sorted, deduplicated union of all parts', () => {
    const parts = [Uint32Array.of(5, 1), Uint32Array.of(3, 1, 9), new Uint32Array(0)];

    const union = partitionUnion(parts);

    expect([...union]).toEqual([1, 3, 5, 9]);
  });
});

describe('gatherExamples', () => {
  it('copies the selected rows and labels, in the order given', () => {
    const split = { images: Float32Array.of(0, 0.1, 1, 1.1, 2, 2.1), labels: Uint8Array.of(7, 8, 9) };

    const gathered = gatherExamples(split, Uint32Array.of(2, 0), 2);

    expect(gathered.count).toBe(2);
    expect([...gathered.images]).toEqual([2, Math.fround(2.1), 0, Math.fround(0.1)]);
    expect([...gathered.labels]).toEqual([9, 7]);
  });

  it('returns fresh arrays that do not alias the split', () => {
    const split = { images: Float32Array.of(1, 2), labels: Uint8Array.of(3, 4) };

    const gathered = gatherExamples(split, Uint32Array.of(0, 1), 1);
    gathered.images[0] = 99;

    expect(split.images[0]).toBe(1);
  });

  it('rejects an index beyond the split', () => {
    const split = { images: new Float32Array(784 * 2), labels: new Uint8Array(2) };

    expect(() => gatherExamples(split, Uint32Array.of(2))).toThrow(RangeError);
  });
});
