// The WebAssembly SIMD sums: each owns one linear memory holding a staging chunk and its running sum.
import { type SumKernelExports, sumKernelBytes } from './sumKernelModule.ts';
import type { SumPrecision, WeightedSum, WordSum } from './types.ts';

/**
 * Elements copied into the module's memory per kernel call. A kernel reads only its own memory, so
 * an update is staged chunk by chunk: 8,192 Float32s (32 KiB) stay in L1 between the copy and the
 * sum, where copying the whole update first would cost a second pass over it.
 */
export const STAGING_ELEMENTS = 8192;
const STAGING_BYTES = STAGING_ELEMENTS * 4;
const PAGE_BYTES = 65_536;

/**
 * Updates per Float32 block under 'blocked' precision. A block's partial sum carries at most one
 * rounding of w to Float32, one of each product and one of each of 8 additions: error below
 * 10 · 2^-24 · Σ wₖ|xₖ| (Higham, "Accuracy and Stability of Numerical Algorithms", §4.2), under
 * the 2^-20 the tests hold it to. Folding then costs 24 bytes per element once per 8 updates.
 */
export const BLOCK_UPDATES = 8;

let compiled: WebAssembly.Module | null | undefined;

/**
 * The compiled kernel, or null where this runtime has no WebAssembly SIMD (it is compiled once;
 * the module is about 1.5 KB, under the 4 KB Chrome allows to compile synchronously on a page's main thread).
 * @example if (sumKernelModule() === null) console.log('falling back to the JS sums');
 */
export function sumKernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = sumKernelBytes();
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** A fresh instance over a memory of `bytes` (staging included); throws RangeError when it cannot be allocated. */
function instantiate(bytes: number): { memory: WebAssembly.Memory; kernel: SumKernelExports } {
  const module = sumKernelModule();
  if (module === null) throw new Error('WebAssembly SIMD is not available in this runtime');
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE_BYTES)) });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return { memory, kernel: instance.exports as unknown as SumKernelExports };
}

/**
 * The weighted sum in the module's memory. 'float64': f64x2 lanes round as the JS loop does, so
 * results are equal bit for bit. 'blocked': f32x4 partial sums, folded into Float64 every
 * BLOCK_UPDATES updates and before any result. Layout: staging chunk, Float32 partials, Float64 sum.
 * @example
 * const sum = new WasmWeightedSum(3, 'float64');
 * sum.addScaled(new Float32Array([1, 2, 3]), 2);
 * sum.scaled(0.5); // Float32Array [1, 2, 3]
 */
export class WasmWeightedSum implements WeightedSum {
  readonly backend = 'wasm-simd';
  readonly #kernel: SumKernelExports;
  readonly #staging: Float32Array;
  readonly #partialAt: number;
  readonly #sumAt: number;
  #pending = 0;

  constructor(readonly length: number, readonly precision: SumPrecision) {
    const partialBytes = precision === 'blocked' ? Math.ceil(length / 4) * 16 : 0;
    this.#partialAt = STAGING_BYTES;
    this.#sumAt = STAGING_BYTES + partialBytes;
    const { memory, kernel } = instantiate(this.#sumAt + length * 8);
    this.#kernel = kernel;
    this.#staging = new Float32Array(memory.buffer, 0, STAGING_ELEMENTS);
  }

  addScaled(x: Float32Array, w: number): void {
    const blocked = this.precision === 'blocked';
    for (let from = 0; from < this.length; from += STAGING_ELEMENTS) {
      const count = Math.min(STAGING_ELEMENTS, this.length - from);
      this.#staging.set(count === x.length ? x : x.subarray(from, from + count));
      if (blocked) this.#kernel.addScaledFloat32(this.#partialAt + from * 4, 0, count, w);
      else this.#kernel.addScaledFloat64(this.#sumAt + from * 8, 0, count, w);
    }
    if (blocked && ++this.#pending === BLOCK_UPDATES) this.#fold();
  }

  divided(divisor: number): Float32Array {
    return this.#finish((from, count) => this.#kernel.divideInto(0, this.#sumAt + from * 8, count, divisor));
  }

  scaled(factor: number): Float32Array {
    return this.#finish((from, count) => this.#kernel.multiplyInto(0, this.#sumAt + from * 8, count, factor));
  }

  #fold(): void {
    this.#kernel.foldInto(this.#sumAt, this.#partialAt, this.length);
    this.#pending = 0;
  }

  // The Float32 result is produced chunk by chunk in the staging area, so the memory holds no second vector.
  #finish(kernel: (from: number, count: number) => void): Float32Array {
    if (this.#pending > 0) this.#fold();
    const out = new Float32Array(this.length);
    for (let from = 0; from < this.length; from += STAGING_ELEMENTS) {
      const count = Math.min(STAGING_ELEMENTS, this.length - from);
      kernel(from, count);
      out.set(count === STAGING_ELEMENTS ? this.#staging : this.#staging.subarray(0, count), from);
    }
    return out;
  }
}

/**
 * The uint32 sum in the module's memory: i32x4 lanes wrap mod 2^32 as Uint32Array stores do.
 * @example
 * const sum = new WasmWordSum(2);
 * sum.add(new Uint32Array([0xffffffff, 1]));
 * sum.add(new Uint32Array([1, 1]));
 * sum.words; // Uint32Array [0, 2]
 */
export class WasmWordSum implements WordSum {
  readonly backend = 'wasm-simd';
  readonly words: Uint32Array;
  readonly #kernel: SumKernelExports;
  readonly #staging: Uint32Array;

  constructor(readonly length: number) {
    const { memory, kernel } = instantiate(STAGING_BYTES + length * 4);
    this.#kernel = kernel;
    this.#staging = new Uint32Array(memory.buffer, 0, STAGING_ELEMENTS);
    this.words = new Uint32Array(memory.buffer, STAGING_BYTES, length);
  }

  add(x: Uint32Array): void {
    this.#each(x, (from, count) => this.#kernel.addWords(STAGING_BYTES + from * 4, 0, count));
  }

  subtract(x: Uint32Array): void {
    this.#each(x, (from, count) => this.#kernel.subtractWords(STAGING_BYTES + from * 4, 0, count));
  }

  #each(x: Uint32Array, kernel: (from: number, count: number) => void): void {
    for (let from = 0; from < this.length; from += STAGING_ELEMENTS) {
      const count = Math.min(STAGING_ELEMENTS, this.length - from);
      this.#staging.set(count === x.length ? x : x.subarray(from, from + count));
      kernel(from, count);
    }
  }
}
