// The sum kernels against the JS reference on random inputs: uint32 sums bit for bit, Float64 sums bit for bit, blocked sums within their bound.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsWeightedSum, JsWordSum } from './jsSums.ts';
import { SUM_BACKENDS, WASM_MIN_LENGTH, createWeightedSum, createWordSum } from './sumBackends.ts';
import { BLOCK_UPDATES, STAGING_ELEMENTS } from './wasmSums.ts';

const wasm = SUM_BACKENDS['wasm-simd'];
// Lengths below, at and across the staging chunk, with every tail mod 8 (the vector loop's stride).
const lengthArb = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.integer({ min: STAGING_ELEMENTS - 9, max: STAGING_ELEMENTS + 9 }),
  fc.integer({ min: 2 * STAGING_ELEMENTS - 3, max: 2 * STAGING_ELEMENTS + 21 }),
);

function words(length: number, seed: number): Uint32Array {
  // xorshift32: cheap, and covers the whole word range, so sums wrap often.
  let s = seed | 1;
  return Uint32Array.from({ length }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  });
}

function floats(length: number, seed: number, scale: number): Float32Array {
  const w = words(length, seed);
  return Float32Array.from(w, (x) => ((x / 2 ** 32) * 2 - 1) * scale);
}

const bits = (x: Float32Array): Uint32Array => new Uint32Array(x.buffer, x.byteOffset, x.length);

/** The first index where two word arrays differ, or −1 (toEqual on 16k-element arrays takes seconds). */
function firstDifference(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('the WebAssembly SIMD kernel', () => {
  it('is available on this runtime (Node 20 has WebAssembly SIMD), and auto picks it for long vectors only', () => {
    expect(wasm.available()).toBe(true);
    expect(createWeightedSum(WASM_MIN_LENGTH).backend).toBe('wasm-simd');
    expect(createWordSum(WASM_MIN_LENGTH).backend).toBe('wasm-simd');
    expect(createWeightedSum(WASM_MIN_LENGTH - 1).backend).toBe('js');
    expect(createWeightedSum(10, { backend: 'wasm-simd' }).backend).toBe('wasm-simd');
  });

  it('sums uint32 words mod 2^32 bit for bit as JS does, adding and subtracting', () => {
    fc.assert(
      fc.property(lengthArb, fc.array(fc.tuple(fc.integer(), fc.boolean()), { minLength: 1, maxLength: 5 }), (length, terms) => {
        const kernel = wasm.wordSum(length);
        const reference = new JsWordSum(length);
        for (const [seed, add] of terms) {
          const x = words(length, seed);
          if (add) {
            kernel.add(x);
            reference.add(x);
          } else {
            kernel.subtract(x);
            reference.subtract(x);
          }
        }
        expect(firstDifference(kernel.words, reference.words)).toBe(-1);
      }),
      { numRuns: 25 },
    );
  });

  it('wraps around: 0xffffffff + 2 is 1, and 0 − 1 is 0xffffffff, in the vector lanes and in the tail', () => {
    const length = 19; // two vector turns of 8 and a tail of 3
    const sum = wasm.wordSum(length);
    sum.add(new Uint32Array(length).fill(0xffffffff));
    sum.add(new Uint32Array(length).fill(2));
    expect([...sum.words]).toEqual(new Array(length).fill(1));
    sum.subtract(new Uint32Array(length).fill(2));
    expect([...sum.words]).toEqual(new Array(length).fill(0xffffffff));
  });

  it('sums weighted Float32 vectors in Float64 bit for bit as JS does, zero weights included', () => {
    const weightArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60_000 }), fc.double({ min: 1e-3, max: 1e4, noNaN: true }));
    fc.assert(
      fc.property(lengthArb, fc.array(fc.tuple(fc.integer(), weightArb), { minLength: 1, maxLength: 6 }), fc.double({ min: 0.5, max: 1e5, noNaN: true }), (length, terms, divisor) => {
        const kernel = wasm.weightedSum(length, 'float64');
        const reference = new JsWeightedSum(length);
        for (const [seed, w] of terms) {
          const x = floats(length, seed, 10);
          kernel.addScaled(x, w);
          reference.addScaled(x, w);
        }
        expect(firstDifference(bits(kernel.divided(divisor)), bits(reference.divided(divisor)))).toBe(-1);
        expect(firstDifference(bits(kernel.scaled(1 / divisor)), bits(reference.scaled(1 / divisor)))).toBe(-1);
      }),
      { numRuns: 25 },
    );
  });

  it('keeps blocked sums within 2^-20 · Σ w|x| / Σ w plus one Float32 rounding of the Float64 mean', () => {
    fc.assert(
      fc.property(
        lengthArb,
        fc.array(fc.tuple(fc.integer(), fc.integer({ min: 1, max: 5000 }), fc.double({ min: 1e-6, max: 1e3, noNaN: true })), { minLength: BLOCK_UPDATES - 1, maxLength: 2 * BLOCK_UPDATES + 1 }),
        (length, terms) => {
          const kernel = wasm.weightedSum(length, 'blocked');
          const reference = new JsWeightedSum(length);
          const magnitude = new Float64Array(length);
          let total = 0;
          for (const [seed, w, scale] of terms) {
            const x = floats(length, seed, scale);
            kernel.addScaled(x, w);
            reference.addScaled(x, w);
            for (let i = 0; i < length; i++) magnitude[i]! += w * Math.abs(x[i]!);
            total += w;
          }
          const got = kernel.divided(total);
          const want = reference.divided(total);
          const outside: number[] = [];
          for (let i = 0; i < length; i++) {
            const ulp = Math.abs(want[i]!) * 2 ** -23 + Number.MIN_VALUE;
            if (!(Math.abs(got[i]! - want[i]!) <= 2 ** -20 * (magnitude[i]! / total) + ulp)) outside.push(i);
          }
          expect(outside).toEqual([]);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('gives the same mean however the adds fall into blocks, and folds pending adds before a result', () => {
    const length = 1001;
    const sum = wasm.weightedSum(length, 'blocked');
    // Small integers: every product and sum is exact in Float32, so the mean must be x itself.
    const x = Float32Array.from({ length }, (_, i) => i - 500);
    sum.addScaled(x, 3); // fewer than BLOCK_UPDATES: the result must include them
    expect(sum.divided(3)).toEqual(x);
    for (let k = 1; k < 2 * BLOCK_UPDATES; k++) sum.addScaled(x, 3); // adds after a result still count
    expect(sum.divided(6 * BLOCK_UPDATES)).toEqual(x);
  });

  it('propagates NaN and Infinity as the JS loop does (refusing them is the callers\' job)', () => {
    const length = 13;
    const x = new Float32Array(length).fill(1);
    x[2] = Number.NaN;
    x[11] = Number.POSITIVE_INFINITY;
    for (const precision of ['float64', 'blocked'] as const) {
      const sum = wasm.weightedSum(length, precision);
      sum.addScaled(x, 2);
      const mean = sum.divided(2);
      expect(Number.isNaN(mean[2])).toBe(true);
      expect(mean[11]).toBe(Number.POSITIVE_INFINITY);
      expect(mean[0]).toBe(1);
    }
  });

  it('reads only the update\'s own elements when it is a view into a larger buffer (unaligned offset)', () => {
    const length = STAGING_ELEMENTS + 5;
    const backing = floats(length + 3, 7, 1);
    const view = backing.subarray(1, length + 1); // byte offset 4: not 16-aligned
    const kernel = wasm.weightedSum(length, 'float64');
    const reference = new JsWeightedSum(length);
    kernel.addScaled(view, 5);
    reference.addScaled(view, 5);
    expect(firstDifference(bits(kernel.divided(5)), bits(reference.divided(5)))).toBe(-1);
  });
});
