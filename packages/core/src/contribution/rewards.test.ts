// Tests for splitRewards: proportional and thresholded splits of the operator's pool.
import { describe, expect, it } from 'vitest';
import { splitRewards } from './rewards.ts';

describe('splitRewards', () => {
  it('splits the pool in proportion to positive cumulative values and pays nothing for harm', () => {
    const split = splitRewards({ a: 3, b: 1, c: -2, d: 0 }, { kind: 'proportional', pool: 200, threshold: 0.5 });
    expect(split.get('a')).toEqual({ share: 0.75, reward: 150 });
    expect(split.get('b')).toEqual({ share: 0.25, reward: 50 });
    expect(split.get('c')).toEqual({ share: 0, reward: 0 });
    expect(split.get('d')).toEqual({ share: 0, reward: 0 });
  });

  it('takes a Map as well as a record', () => {
    const split = splitRewards(new Map([['x', 1], ['y', 1]]), { kind: 'proportional', pool: 10, threshold: 0 });
    expect(split.get('x')).toEqual({ share: 0.5, reward: 5 });
  });

  it('under a threshold, drops clients whose share is below it and splits the whole pool among the rest', () => {
    // Shares of the positive total: a 0.6, b 0.36, c 0.04 (< 0.05).
    const split = splitRewards({ a: 0.6, b: 0.36, c: 0.04 }, { kind: 'threshold', pool: 100, threshold: 0.05 });
    expect(split.get('c')).toEqual({ share: 0, reward: 0 });
    expect(split.get('a')!.share).toBeCloseTo(0.625, 12);
    expect(split.get('b')!.reward).toBeCloseTo(37.5, 10);
    expect([...split.values()].reduce((s, r) => s + r.reward, 0)).toBeCloseTo(100, 10);
  });

  it('pays nobody when no value is positive', () => {
    const split = splitRewards({ a: -1, b: 0 }, { kind: 'proportional', pool: 100, threshold: 0 });
    expect([...split.values()]).toEqual([{ share: 0, reward: 0 }, { share: 0, reward: 0 }]);
  });
});
