// Property: real SecAgg rounds whose masked inputs travel packed at the quantised ring's width
// (what SecureSession sends and the coordinator unpacks) unmask to exactly the sum of the clients'
// quantised vectors, for any number of clients and any dropouts the threshold survives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWeightedMean, encodeQuantisedUpdate, quantisedFixedPointConfig, secAggParams, simulateSecAggRound } from '@flotilla/privacy';
import { packWords, unpackWords } from '@flotilla/protocol';

describe('quantised secure aggregation with packed masked inputs', () => {
  it('property: the unmasked sum of packed masked vectors is the sum of the quantised vectors, dropouts included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 5, max: 8 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 }),
        async (n, length, plus, seed) => {
          const params = secAggParams({ clients: n, vectorLength: length + 1, mode: plus ? 'plus' : 'full', ...(plus ? { neighbours: 4 } : {}), threshold: 2 });
          const codec = quantisedFixedPointConfig({ clip: 1, bits: 8, maxSummands: n, maxWeight: 100 });
          let state = seed;
          const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
          const inputs = new Map<number, Uint32Array>();
          for (let id = 1; id <= n; id++) {
            inputs.set(id, encodeQuantisedUpdate(Array.from({ length }, () => random() * 3 - 1.5), 1 + Math.floor(random() * 100), codec, random));
          }
          // One client drops after sharing (its pairwise masks are rebuilt from key shares), one after uploading.
          const packing = { bits: codec.ringBits, wide: 1 };
          const { result } = await simulateSecAggRound({
            params, inputs, dropouts: { afterSharing: [2], afterUpload: [n] },
            transport: (masked) => unpackWords(packWords(masked, packing), masked.length, packing),
          });

          const signed = (w: number) => w | 0;
          const expected = new Array<number>(length).fill(0);
          let weight = 0;
          for (const id of result.survivors) {
            const input = inputs.get(id)!;
            for (let i = 0; i < length; i++) expected[i]! += signed(input[i]!);
            weight += input[length]!;
          }
          const { mean, totalWeight } = decodeWeightedMean(result.sum, codec, result.survivors.length);
          expect(totalWeight).toBe(weight);
          const sum = Array.from(mean, (x) => Math.round((x * totalWeight * codec.scale) / codec.maxWeight));
          expect(sum).toEqual(expected);
        },
      ),
      { numRuns: 12 },
    );
  }, 60_000);
});
