// Tests of quantised fixed point: ring width, unbiased stochastic rounding, and the property that
// masked words reduced mod 2^m (what packing sends) still sum and unmask to the quantised sum.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFixedPointSum, decodeWeightedMean } from './fixedPoint.ts';
import { encodeQuantisedUpdate, quantisedFixedPointConfig, ringBitsFor } from './quantisedFixedPoint.ts';

const signedIn = (word: number, bits: number) => ((word << (32 - bits)) >> (32 - bits));

describe('quantised fixed point for secure aggregation', () => {
  it('sizes the ring as b + ⌈log2 n⌉ and refuses a ring wider than 32 bits', () => {
    expect([ringBitsFor(8, 1), ringBitsFor(8, 2), ringBitsFor(8, 10), ringBitsFor(8, 16), ringBitsFor(8, 17)]).toEqual([8, 9, 12, 12, 13]);
    expect(quantisedFixedPointConfig({ clip: 0.5, bits: 8, maxSummands: 10, maxWeight: 600 })).toMatchObject({ ringBits: 12, scale: 254 });
    expect(() => quantisedFixedPointConfig({ clip: 1, bits: 8, maxSummands: 2 ** 24 + 1, maxWeight: 1 })).toThrow(
      expect.objectContaining({ code: 'FIXED_POINT_OVERFLOW' }),
    );
  });

  it('rounds stochastically without bias and never past ±(2^(b−1) − 1)', () => {
    const codec = quantisedFixedPointConfig({ clip: 1, bits: 8, maxSummands: 4, maxWeight: 1 });
    const value = 0.3 / 127; // 0.3 of a quantisation step
    let total = 0;
    const draws = 20_000;
    for (let k = 0; k < draws; k++) total += signedIn(encodeQuantisedUpdate([value], 1, codec)[0]!, 32);
    expect(total / draws).toBeCloseTo(0.3, 1);

    const extremes = encodeQuantisedUpdate([5, -5, 1, -1], 1, codec, () => 0);
    expect(Array.from(extremes.subarray(0, 4), (w) => signedIn(w, 32))).toEqual([127, -127, 127, -127]);
  });

  it('property: n masked inputs sent mod 2^m sum and unmask to the sum of the quantised inputs, any n up to the bound', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 16 }), fc.integer(),
        (bits, n, length, seed) => {
          const codec = quantisedFixedPointConfig({ clip: 1, bits, maxSummands: n, maxWeight: 1000 });
          let state = seed >>> 0;
          const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
          const sum = new Uint32Array(length + 1);
          const plain = new Float64Array(length);
          let weights = 0;
          let selfMasks = new Uint32Array(length + 1);
          for (let k = 0; k < n; k++) {
            const weight = Math.floor(random() * 1001);
            const input = encodeQuantisedUpdate(Array.from({ length }, () => random() * 4 - 2), weight, codec, random);
            for (let i = 0; i < length; i++) plain[i]! += signedIn(input[i]!, 32);
            weights += weight;
            // A self mask r_k (uniform over Z_2^32), removed from the sum at unmasking.
            const mask = Uint32Array.from({ length: length + 1 }, () => Math.floor(random() * 2 ** 32));
            selfMasks = selfMasks.map((m, i) => m + mask[i]!);
            for (let i = 0; i <= length; i++) {
              const masked = (input[i]! + mask[i]!) >>> 0;
              // The wire keeps the low m bits of a value word, all 32 of the weight word.
              sum[i] = sum[i]! + (i < length ? masked % 2 ** codec.ringBits : masked);
            }
          }
          for (let i = 0; i <= length; i++) sum[i] = sum[i]! - selfMasks[i]!;

          const decoded = decodeFixedPointSum(sum.subarray(0, length), codec, n);
          expect(Array.from(decoded, (x) => Math.round(x * codec.scale))).toEqual(Array.from(plain));
          expect(decodeWeightedMean(sum, codec, n).totalWeight).toBe(weights);
        },
      ),
      { numRuns: 200 },
    );
  });
});
