// Tests of the fixed-point codec: round trips, the no-wrap guard, weighted FedAvg coordinates.
import { describe, expect, it } from 'vitest';
import {
  assertNoWrap,
  decodeFixedPointSum,
  decodeWeightedMean,
  encodeFixedPoint,
  encodeWeightedUpdate,
  fixedPointConfig,
  weightedFixedPointConfig,
} from './fixedPoint.ts';

function randomVector(n: number, scale: number): Float64Array {
  const u = new Uint32Array(n);
  crypto.getRandomValues(u);
  return Float64Array.from(u, (w) => (w / 2 ** 32 * 2 - 1) * scale);
}

function addMod32(vectors: Uint32Array[]): Uint32Array {
  const sum = new Uint32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) sum[i] = sum[i]! + v[i]!;
  return sum;
}

describe('fixed-point encoding into Z_2^32', () => {
  it('round-trips a sum of 100 clipped vectors within n/(2·scale)', () => {
    const fp = fixedPointConfig({ clip: 0.5, maxSummands: 100 });
    const inputs = Array.from({ length: 100 }, () => randomVector(500, 0.5));
    const plain = new Float64Array(500);
    for (const v of inputs) v.forEach((x, i) => (plain[i]! += x));

    const decoded = decodeFixedPointSum(addMod32(inputs.map((v) => encodeFixedPoint(v, fp))), fp, 100);

    const bound = 100 / (2 * fp.scale);
    decoded.forEach((x, i) => expect(Math.abs(x - plain[i]!)).toBeLessThanOrEqual(bound));
  });

  it('clips to [−c, c] and the extreme sum of n clients at ±c does not wrap', () => {
    const fp = fixedPointConfig({ clip: 1, maxSummands: 1000 });
    const encoded = encodeFixedPoint([5, -5, 1, -1], fp);

    const sum = decodeFixedPointSum(addMod32(Array.from({ length: 1000 }, () => encoded)), fp, 1000);

    expect(Array.from(sum, (x) => Math.round(x))).toEqual([1000, -1000, 1000, -1000]);
  });

  it('refuses more summands than the range allows (n·range ≥ 2^32)', () => {
    const fp = fixedPointConfig({ clip: 1, maxSummands: 10 });

    expect(() => assertNoWrap(fp, 11)).toThrow(expect.objectContaining({ code: 'FIXED_POINT_OVERFLOW' }));
    expect(() => decodeFixedPointSum(new Uint32Array(1), fp, 11)).toThrow(expect.objectContaining({ code: 'FIXED_POINT_OVERFLOW' }));
    expect(() => fixedPointConfig({ clip: 1, maxSummands: 10, scale: 2 ** 31 })).toThrow(
      expect.objectContaining({ code: 'FIXED_POINT_OVERFLOW' }),
    );
  });

  it('rejects non-finite values and invalid configurations with codes', () => {
    const fp = fixedPointConfig({ clip: 1, maxSummands: 2 });

    expect(() => encodeFixedPoint([NaN], fp)).toThrow(expect.objectContaining({ code: 'FIXED_POINT_NOT_FINITE' }));
    expect(() => fixedPointConfig({ clip: 0, maxSummands: 2 })).toThrow(expect.objectContaining({ code: 'FIXED_POINT_INVALID_CONFIG' }));
    expect(() => fixedPointConfig({ clip: 1, maxSummands: 0 })).toThrow(expect.objectContaining({ code: 'FIXED_POINT_INVALID_CONFIG' }));
  });

  it('aggregates the FedAvg weights as one extra coordinate and decodes the weighted mean', () => {
    const codec = weightedFixedPointConfig({ clip: 1, maxSummands: 3, maxWeight: 1000 });
    const updates = [randomVector(50, 1), randomVector(50, 1), randomVector(50, 1)];
    const weights = [100, 600, 1000];

    const sum = addMod32(updates.map((u, k) => encodeWeightedUpdate(u, weights[k]!, codec)));
    const { mean, totalWeight } = decodeWeightedMean(sum, codec, 3);

    expect(totalWeight).toBe(1700);
    mean.forEach((m, i) => {
      const expected = updates.reduce((acc, u, k) => acc + u[i]! * weights[k]!, 0) / 1700;
      expect(m).toBeCloseTo(expected, 5);
    });
  });
});
