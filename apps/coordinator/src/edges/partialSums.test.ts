import { describe, expect, it } from 'vitest';
import { FedAvgAccumulator } from '@flotilla/core';
import { PartialSum } from './partialSums.ts';

describe('PartialSum', () => {
  it('holds Σ nΔ, Σ n and who reported; summed over edges and divided, it is FedAvg\'s mean', () => {
    const reports = [[Float32Array.of(1, -2, 0.5), 3], [Float32Array.of(0.25, 4, -1), 1], [Float32Array.of(-3, 0, 2), 6]] as const;
    const edgeA = new PartialSum(3);
    const edgeB = new PartialSum(3);
    edgeA.add('a1', reports[0][0], reports[0][1]);
    edgeA.add('a2', reports[1][0], reports[1][1]);
    edgeB.add('b1', reports[2][0], reports[2][1]);
    expect([edgeA.count, edgeA.examples, edgeA.clients]).toEqual([2, 4, ['a1', 'a2']]);

    const single = new FedAvgAccumulator(3);
    for (const [update, n] of reports) single.add(update, n);
    const combined = edgeA.sum.map((v, i) => (v + edgeB.sum[i]!) / (edgeA.examples + edgeB.examples));
    const expected = single.mean();
    combined.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });

  it('refuses an update of another length', () => {
    expect(() => new PartialSum(2).add('c', Float32Array.of(1, 2, 3), 1)).toThrow(/3 values/);
  });
});
