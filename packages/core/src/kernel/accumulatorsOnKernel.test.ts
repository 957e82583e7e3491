// The accumulators on the SIMD kernel (vectors long enough for 'auto' to pick it) against the same accumulators on JS.
import { describe, expect, it } from 'vitest';
import { FedAvgAccumulator } from '../FedAvgAccumulator.ts';
import { FedBuffBuffer } from '../FedBuffBuffer.ts';
import { FedNovaAccumulator } from '../FedNovaAccumulator.ts';
import { WASM_MIN_LENGTH } from './sumBackends.ts';

const LENGTH = WASM_MIN_LENGTH + 13;

/** The first index where two vectors differ (NaN equal to NaN), or −1: toEqual on 32k elements takes seconds. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function update(seed: number): Float32Array {
  return Float32Array.from({ length: LENGTH }, (_, i) => Math.sin(i * 0.37 + seed) * (1 + seed));
}

describe('accumulators on the WebAssembly SIMD kernel', () => {
  it('FedAvg runs on the kernel in blocked precision, within its bound of the Float64 mean', () => {
    const fast = new FedAvgAccumulator(LENGTH);
    const exact = new FedAvgAccumulator(LENGTH, { backend: 'js' });
    expect(fast.kernel).toEqual({ backend: 'wasm-simd', precision: 'blocked' });
    expect(exact.kernel).toEqual({ backend: 'js', precision: 'float64' });
    for (let k = 0; k < 20; k++) {
      fast.add(update(k), 10 + k);
      exact.add(update(k), 10 + k);
    }
    const [got, want] = [fast.mean(), exact.mean()];
    // |x| ≤ 1 + seed ≤ 20 here, so Σ w|x| / Σ w ≤ 20: the bound is 20 · 2^-20 plus one rounding.
    let worst = 0;
    for (let i = 0; i < LENGTH; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) - Math.abs(want[i]!) * 2 ** -23);
    expect(worst).toBeLessThanOrEqual(20 * 2 ** -20);
    expect(fast.count).toBe(20);
    expect(fast.totalExamples).toBe(exact.totalExamples);
  });

  it("FedAvg in 'float64' precision on the kernel equals the JS accumulator bit for bit", () => {
    const fast = new FedAvgAccumulator(LENGTH, { precision: 'float64' });
    const exact = new FedAvgAccumulator(LENGTH, { backend: 'js' });
    for (let k = 0; k < 5; k++) {
      fast.add(update(k), 3 * k + 1);
      exact.add(update(k), 3 * k + 1);
    }
    expect(firstDifference(fast.mean(), exact.mean())).toBe(-1);
  });

  it('FedAvg still refuses a NaN or zero example count and a wrong length, and the sum is left as it was', () => {
    const accumulator = new FedAvgAccumulator(LENGTH);
    accumulator.add(update(1), 2);
    const before = accumulator.mean();
    expect(() => accumulator.add(update(2), Number.NaN)).toThrow(expect.objectContaining({ code: 'AGGREGATION_PRECONDITION' }));
    expect(() => accumulator.add(update(2), 0)).toThrow(expect.objectContaining({ code: 'AGGREGATION_PRECONDITION' }));
    expect(() => accumulator.add(new Float32Array(LENGTH - 1), 1)).toThrow(expect.objectContaining({ code: 'AGGREGATION_SHAPE_MISMATCH' }));
    expect(firstDifference(accumulator.mean(), before)).toBe(-1);
  });

  it('FedNova on the kernel equals its Float64 arithmetic in JS bit for bit (weights n/τ)', () => {
    const fast = new FedNovaAccumulator(LENGTH);
    const sum = new Float64Array(LENGTH);
    let examples = 0;
    let weightedSteps = 0;
    for (let k = 0; k < 4; k++) {
      const [n, tau] = [7 + k, 3 + 2 * k];
      fast.add(update(k), n, tau);
      const x = update(k);
      for (let i = 0; i < LENGTH; i++) sum[i] = sum[i]! + (n / tau) * x[i]!;
      examples += n;
      weightedSteps += n * tau;
    }
    const scale = weightedSteps / (examples * examples);
    expect(firstDifference(fast.mean(), Float32Array.from(sum, (s) => s * scale))).toBe(-1);
  });

  it('FedBuff on the kernel refuses a non-finite update before it reaches the sum', () => {
    const buffer = new FedBuffBuffer(LENGTH, { bufferSize: 3, maxStaleness: 2, weighting: { kind: 'constant', exponent: 1, hingeAt: 0 } });
    buffer.add(update(0), 4, 0);
    const poisoned = update(1);
    poisoned[LENGTH - 1] = Number.NaN; // in the scalar tail
    expect(() => buffer.add(poisoned, 4, 0)).toThrow(expect.objectContaining({ code: 'AGGREGATION_NON_FINITE' }));
    expect(buffer.count).toBe(1);
    const x = update(0);
    expect(firstDifference(buffer.mean(), Float32Array.from(x, (v) => (4 * v) / 4))).toBe(-1);
  });
});
