// A SecAgg round long enough that the server's masked sum runs on the SIMD kernel: the unmasked sum equals the survivors' wrap-around sum bit for bit.
import { createWordSum, WASM_MIN_LENGTH } from '@flotilla/core';
import { describe, expect, it } from 'vitest';
import { secAggParams } from './params.ts';
import { simulateSecAggRound } from './simulate.ts';

// Past the length where 'auto' picks the kernel, across staging chunks (8,192 words), with a tail of 3 mod 8.
const LENGTH = 4 * 8192 + 3;

function randomWords(n: number): Uint32Array {
  const words = new Uint32Array(n);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let from = 0; from < n; from += 16_384) crypto.getRandomValues(words.subarray(from, from + 16_384));
  return words;
}

describe('SecAggServer on the WebAssembly SIMD word sum', () => {
  it('unmasks exactly Σ inputs mod 2^32 of the survivors, with a client dropped after sharing', async () => {
    // Arrange
    expect(LENGTH).toBeGreaterThanOrEqual(WASM_MIN_LENGTH);
    expect(createWordSum(LENGTH).backend).toBe('wasm-simd');
    const params = secAggParams({ clients: 5, vectorLength: LENGTH, threshold: 3 });
    const inputs = new Map(Array.from({ length: 5 }, (_, i) => [i + 1, randomWords(LENGTH)] as const));
    // Act
    const { result } = await simulateSecAggRound({ params, inputs, dropouts: { afterSharing: [3] } });
    // Assert
    expect(result.survivors).toEqual([1, 2, 4, 5]);
    const expected = new Uint32Array(LENGTH);
    for (const id of result.survivors) {
      const x = inputs.get(id)!;
      for (let i = 0; i < LENGTH; i++) expected[i] = expected[i]! + x[i]!;
    }
    let firstDifference = -1;
    for (let i = 0; i < LENGTH && firstDifference === -1; i++) if (result.sum[i] !== expected[i]) firstDifference = i;
    expect(firstDifference).toBe(-1);
    expect(result.sum.length).toBe(LENGTH);
  });
});
