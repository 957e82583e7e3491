// The registry of sum backends and the choice between them: WebAssembly SIMD where it runs and pays, JS otherwise.
import { JsWeightedSum, JsWordSum } from './jsSums.ts';
import type { SumBackendChoice, SumBackendName, SumPrecision, WeightedSum, WordSum } from './types.ts';
import { WasmWeightedSum, WasmWordSum, sumKernelModule } from './wasmSums.ts';

/**
 * One backend: whether this runtime can run it, and how it builds each kind of sum.
 * @example SUM_BACKENDS.js.weightedSum(3, 'float64').addScaled(new Float32Array([1, 2, 3]), 1);
 */
export interface SumBackendEntry {
  readonly name: SumBackendName;
  readonly description: string;
  available(): boolean;
  weightedSum(length: number, precision: SumPrecision): WeightedSum;
  wordSum(length: number): WordSum;
}

/**
 * Every backend by name.
 * @example SUM_BACKENDS['wasm-simd'].available(); // true on Node 20 and current browsers
 */
export const SUM_BACKENDS: Readonly<Record<SumBackendName, SumBackendEntry>> = {
  'wasm-simd': {
    name: 'wasm-simd',
    description: 'WebAssembly SIMD kernels (f64x2 weighted sums, i32x4 wrap-around sums), assembled in packages/core/src/kernel',
    available: () => sumKernelModule() !== null,
    weightedSum: (length, precision) => new WasmWeightedSum(length, precision),
    wordSum: (length) => new WasmWordSum(length),
  },
  js: {
    name: 'js',
    description: 'typed arrays and JS loops: the reference, and the fallback everywhere',
    available: () => true,
    weightedSum: (length) => new JsWeightedSum(length),
    wordSum: (length) => new JsWordSum(length),
  },
};

/**
 * Below this many elements 'auto' keeps to JS: a fresh module instance and memory cost tens of
 * microseconds. Measured here (Node 20, 2 loaded cores), 10 adds and a mean took 86 µs in JS and
 * 125 µs on the kernel at 4,096 values, 551 and 610 µs at 20,000, 2.25 and 1.85 ms at 65,536.
 * @example createWeightedSum(WASM_MIN_LENGTH - 1).backend; // 'js'
 */
export const WASM_MIN_LENGTH = 32_768;

function resolve(choice: SumBackendChoice, length: number): SumBackendEntry {
  switch (choice) {
    case 'auto': {
      const wasm = SUM_BACKENDS['wasm-simd'];
      return length >= WASM_MIN_LENGTH && wasm.available() ? wasm : SUM_BACKENDS.js;
    }
    case 'wasm-simd':
    case 'js':
      return SUM_BACKENDS[choice];
    default: {
      const never: never = choice;
      throw new Error(`unknown sum backend ${String(never)}`);
    }
  }
}

/**
 * How a weighted sum is made: the backend and, where the backend offers a choice, the precision.
 * @example new FedAvgAccumulator(199_210, { backend: 'js' }); // the Float64 JS loop, as a baseline
 */
export interface WeightedSumOptions {
  readonly backend?: SumBackendChoice;
  readonly precision?: SumPrecision;
}

/**
 * A weighted sum of `length` elements on the chosen backend ('auto', the default: WebAssembly SIMD
 * where available and the vector is long enough, else JS; also JS if its memory cannot be had),
 * in 'float64' (the default) or 'blocked' precision.
 * @example
 * const sum = createWeightedSum(199_210, { precision: 'blocked' });
 * sum.backend; // 'wasm-simd' on Node 20
 */
export function createWeightedSum(length: number, options: WeightedSumOptions = {}): WeightedSum {
  const { backend = 'auto', precision = 'float64' } = options;
  const entry = resolve(backend, length);
  const build = (): WeightedSum => entry.weightedSum(length, precision);
  return backend === 'auto' ? withFallback(build, () => new JsWeightedSum(length)) : build();
}

/**
 * A uint32 wrap-around sum of `length` words on the chosen backend (chosen as `createWeightedSum` does).
 * @example
 * const sum = createWordSum(1_663_371);
 * sum.add(maskedInput);
 */
export function createWordSum(length: number, choice: SumBackendChoice = 'auto'): WordSum {
  const entry = resolve(choice, length);
  return choice === 'auto' ? withFallback(() => entry.wordSum(length), () => new JsWordSum(length)) : entry.wordSum(length);
}

// A WebAssembly memory is one contiguous reservation and can fail where an ArrayBuffer of the same size would not.
function withFallback<T>(build: () => T, fallback: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof RangeError) return fallback();
    throw err;
  }
}
