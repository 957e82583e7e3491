// Tests for krum: the shared aggregator cases (f = 0, m = n) plus Byzantine rejection.
import { describe, expect, it } from 'vitest';
import { runAggregatorCases } from './aggregator.cases.ts';
import { krum } from './krum.ts';

// With f = 0 and m = n, Multi-Krum keeps everything and averages it by examples: FedAvg.
runAggregatorCases('krum (f = 0, m = n)', {
  aggregate: (u) => krum(u, { f: 0, m: u.length }),
  expects: 'weightedMean',
  minUpdates: 3,
});

const point = (x: number, y: number, numExamples = 1) => ({ weights: new Float32Array([x, y]), numExamples });

// Four honest updates on a line and one Byzantine far away; f = 1, so n = 5 = 2f + 3 and each
// score sums the n − f − 2 = 2 smallest squared distances:
//   (0,0): to (1,0) 1, (2,0) 4, (4,0) 16, (100,100) 20000  → 1 + 4  = 5
//   (1,0): 1, 1, 9, 19801                                 → 1 + 1  = 2
//   (2,0): 4, 1, 4, 19604                                 → 1 + 4  = 5
//   (4,0): 16, 9, 4, 19216                                → 4 + 9  = 13
//   (100,100): 20000, 19801, 19604, 19216                 → 19216 + 19604 = 38820
const honestAndByzantine = [point(0, 0), point(1, 0, 1), point(2, 0, 2), point(4, 0), point(100, 100)];

describe('krum', () => {
  it('picks the most central update and rejects the Byzantine one', () => {
    expect(Array.from(krum(honestAndByzantine, { f: 1 }))).toEqual([1, 0]);
  });

  it('Multi-Krum averages the m best-scored updates by examples', () => {
    // m = 3 keeps scores 2, 5, 5: (1·0 + 1·1 + 2·2)/4 = 1.25
    expect(Array.from(krum(honestAndByzantine, { f: 1, m: 3 }))).toEqual([1.25, 0]);
  });

  it('breaks ties by input order, so the result is deterministic', () => {
    // m = 2 keeps score 2 and the first of the two 5s: (0,0) before (2,0) → (1·0 + 1·1)/2
    expect(Array.from(krum(honestAndByzantine, { f: 1, m: 2 }))).toEqual([0.5, 0]);
  });

  it('needs n ≥ 2f + 3', () => {
    const four = honestAndByzantine.slice(0, 4);
    expect(() => krum(four, { f: 1 })).toThrow(expect.objectContaining({ code: 'AGGREGATION_PRECONDITION' }));
  });

  it('needs 1 ≤ m ≤ n − f and an integer f ≥ 0', () => {
    const pre = expect.objectContaining({ code: 'AGGREGATION_PRECONDITION' });
    expect(() => krum(honestAndByzantine, { f: 1, m: 5 })).toThrow(pre);
    expect(() => krum(honestAndByzantine, { f: 1, m: 0 })).toThrow(pre);
    expect(() => krum(honestAndByzantine, { f: -1 })).toThrow(pre);
    expect(() => krum(honestAndByzantine, { f: 0.5 })).toThrow(pre);
  });
});
