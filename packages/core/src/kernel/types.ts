// The running sums the accumulators keep, as interfaces every backend (WebAssembly SIMD, plain JS) implements.

/**
 * Σ wₖ·xₖ over Float32 vectors xₖ, kept in Float64 (a Float32 running sum of a thousand updates
 * loses the low bits of the small ones). Every backend rounds exactly as `sum + w * x` in JS does.
 * @example
 * const sum = createWeightedSum(2);
 * sum.addScaled(new Float32Array([1, 2]), 3);
 * sum.divided(3); // Float32Array [1, 2]
 */
export interface WeightedSum {
  readonly length: number;
  readonly backend: SumBackendName;
  /** What this sum actually keeps ('blocked' only where the backend gains by it). */
  readonly precision: SumPrecision;
  /** sum ← sum + w·x. The caller checks the length and w; `x` is not kept. */
  addScaled(x: Float32Array, w: number): void;
  /** A new Float32Array of sum ÷ divisor, each rounded to nearest. */
  divided(divisor: number): Float32Array;
  /** A new Float32Array of sum · factor, each rounded to nearest. */
  scaled(factor: number): Float32Array;
}

/**
 * Σ xₖ mod 2^32 over Uint32 vectors: the fixed-point sum secure aggregation keeps of masked inputs.
 * @example
 * const sum = createWordSum(1);
 * sum.add(new Uint32Array([0xffffffff]));
 * sum.add(new Uint32Array([2]));
 * sum.words; // Uint32Array [1]
 */
export interface WordSum {
  readonly length: number;
  readonly backend: SumBackendName;
  /** sum ← sum + x mod 2^32. */
  add(x: Uint32Array): void;
  /** sum ← sum − x mod 2^32. */
  subtract(x: Uint32Array): void;
  /** The sum itself (a live view: later adds change it). */
  readonly words: Uint32Array;
}

/**
 * 'float64': every update added into a Float64 sum, rounding as JS's `sum + w * x` does (bit for
 * bit). 'blocked': Float32 partial sums of up to BLOCK_UPDATES updates, each block folded into the
 * Float64 sum; half the bytes per update, and each result element within
 * 2^-20 · Σ wₖ|xₖ| / Σ wₖ plus one Float32 rounding of the Float64 result (see BLOCK_UPDATES).
 */
export type SumPrecision = 'float64' | 'blocked';

/** The registered backends: 'wasm-simd' where WebAssembly SIMD runs, 'js' everywhere. */
export type SumBackendName = 'wasm-simd' | 'js';

/** A backend by name, or 'auto': the fastest one this runtime supports for the length. */
export type SumBackendChoice = SumBackendName | 'auto';
