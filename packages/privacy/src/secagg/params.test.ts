// Tests of SecAgg parameters and the SecAgg+ neighbourhood graph.
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../bytes.ts';
import { defaultNeighbours, defaultThreshold, secAggParams, secAggPlusGraph } from './params.ts';

describe('SecAgg+ neighbourhood graph', () => {
  const ids = Array.from({ length: 60 }, (_, i) => 3 * i + 1);

  it('is symmetric and k-regular, and the same for everyone holding the public seed', () => {
    const seed = randomBytes(32);

    const graph = secAggPlusGraph(ids, 8, seed);
    const again = secAggPlusGraph([...ids].reverse(), 8, seed);

    for (const [u, adjacent] of graph) {
      expect(adjacent).toHaveLength(8);
      expect(adjacent).not.toContain(u);
      for (const v of adjacent) expect(graph.get(v)).toContain(u);
    }
    expect(again).toEqual(graph);
  });

  it('differs between seeds (the neighbourhoods are random)', () => {
    const a = secAggPlusGraph(ids, 8, randomBytes(32));
    const b = secAggPlusGraph(ids, 8, randomBytes(32));

    expect(a).not.toEqual(b);
  });

  it('is the complete graph when k ≥ n − 1', () => {
    const graph = secAggPlusGraph([1, 2, 3, 4], 6, randomBytes(32));

    expect(graph.get(1)).toEqual([2, 3, 4]);
  });
});

describe('SecAgg parameters', () => {
  it('defaults: k = 2⌈log2 n⌉ neighbours, t a majority of the holders', () => {
    expect(defaultNeighbours(100)).toBe(14);
    expect(defaultThreshold(15)).toBe(8);
    expect(secAggParams({ clients: 50, vectorLength: 10 }).threshold).toBe(26);
  });

  it('rejects unusable configurations with SECAGG_BAD_CONFIG', () => {
    expect(() => secAggParams({ clients: 10, vectorLength: 0 })).toThrow(expect.objectContaining({ code: 'SECAGG_BAD_CONFIG' }));
    expect(() => secAggParams({ clients: 10, vectorLength: 5, mode: 'plus', neighbours: 3 })).toThrow(
      expect.objectContaining({ code: 'SECAGG_BAD_CONFIG' }),
    );
    expect(() => secAggParams({ clients: 10, vectorLength: 5, mode: 'plus', neighbours: 4, threshold: 6 })).toThrow(
      expect.objectContaining({ code: 'SECAGG_BAD_CONFIG' }),
    );
  });
});
