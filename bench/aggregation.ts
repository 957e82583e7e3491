// Streaming aggregation throughput as a ratio to a plain memcpy of the same bytes, side by side for the JS and SIMD kernels, with memory and the blocked sum's error.
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BLOCK_UPDATES, FedAvgAccumulator, SUM_BACKENDS, createWordSum, type SumBackendName, type SumPrecision } from '@flotilla/core';
import { median, round, writeResult } from './support.ts';

// McMahan et al. 2017's MNIST 2NN (784-200-200-10) and CNN (two 5×5 convs, 512-unit dense).
const MODEL_SIZES = [199_210, 1_663_370] as const;
const UPDATE_COUNTS = [10, 100, 1000] as const;
// Updates cycle through a few pre-filled buffers, so memory stays bounded at any K.
const BUFFER_COUNT = 4;

/** What is timed: FedAvg's accumulator on a backend and precision, or the secure sum of uint32 words. */
interface Variant {
  readonly name: string;
  readonly description: string;
  run(parameters: number, updates: number, buffers: Float32Array[], onAdd?: (k: number) => void): Float32Array | Uint32Array;
}

function fedAvgOn(backend: SumBackendName, precision: SumPrecision) {
  return (parameters: number, updates: number, buffers: Float32Array[], onAdd?: (k: number) => void): Float32Array => {
    const accumulator = new FedAvgAccumulator(parameters, { backend, precision });
    for (let k = 0; k < updates; k++) {
      accumulator.add(buffers[k % BUFFER_COUNT]!, 1 + (k % 7));
      onAdd?.(k);
    }
    return accumulator.mean();
  };
}

// The masked inputs of secure aggregation are uint32 words: the same bytes as the Float32 updates, reinterpreted.
function wordSumOn(backend: SumBackendName) {
  return (parameters: number, updates: number, buffers: Float32Array[], onAdd?: (k: number) => void): Uint32Array => {
    const words = buffers.map((b) => new Uint32Array(b.buffer, b.byteOffset, b.length));
    const sum = createWordSum(parameters, backend);
    for (let k = 0; k < updates; k++) {
      sum.add(words[k % BUFFER_COUNT]!);
      onAdd?.(k);
    }
    return sum.words;
  };
}

const VARIANTS: readonly Variant[] = [
  { name: 'fedavg-js', description: 'FedAvgAccumulator on the JS loop (Float64), the accumulator before the kernel', run: fedAvgOn('js', 'float64') },
  { name: 'fedavg-wasm-f64', description: 'FedAvgAccumulator on the SIMD kernel, Float64 (bit for bit as JS)', run: fedAvgOn('wasm-simd', 'float64') },
  { name: 'fedavg-wasm-blocked', description: `FedAvgAccumulator on the SIMD kernel, Float32 blocks of ${BLOCK_UPDATES} folded into Float64 (the default)`, run: fedAvgOn('wasm-simd', 'blocked') },
  { name: 'secagg-js', description: 'SecAgg masked sum mod 2^32 on the JS loop', run: wordSumOn('js') },
  { name: 'secagg-wasm', description: 'SecAgg masked sum mod 2^32 on the SIMD kernel (the default)', run: wordSumOn('wasm-simd') },
];

interface Throughput {
  GBps: number;
  /** memcpy time ÷ this variant's time, each run paired with a memcpy just before it; the median pair. */
  ratioToMemcpy: number;
  msPerUpdate: number;
}

interface Memory {
  peakRssDeltaMB: number;
  peakArrayBuffersDeltaMB: number;
  peakHeapUsedDeltaMB: number;
  /** The sums this variant keeps plus the Float32 mean: what O(model) predicts. */
  expectedMB: number;
  /** What buffering every update would have held instead. */
  bufferedAllMB: number;
}

interface Row {
  parameters: number;
  updates: number;
  bytesPerRun: number;
  repetitions: number;
  memcpyGBps: number;
  variants: Record<string, Throughput>;
  memory: Record<string, Memory>;
  /** The default FedAvg (blocked) against the Float64 JS accumulator on this row's updates. */
  blockedError: { maxAbs: number; maxOverBound: number; maxUlps: number };
  /** Checked, not assumed: the Float64 kernel against JS and the secure sums against each other. */
  bitForBit: { fedavgFloat64: boolean; secagg: boolean };
}

/** Runs every (model size, K) case and writes bench/results/aggregation.json. */
export async function runAggregationBench(): Promise<object> {
  const gc = exposeGc();
  const rows: Row[] = [];
  for (const parameters of MODEL_SIZES) {
    const buffers = makeBuffers(parameters);
    const target = new Float32Array(parameters);
    warmUp(buffers, target);
    for (const updates of UPDATE_COUNTS) {
      rows.push(await measure(parameters, updates, buffers, target, gc));
      console.log(`  measured ${parameters.toLocaleString('en')} parameters × ${updates} updates`);
    }
  }
  const report = {
    benchmark: 'streaming aggregation (K adds + the mean) vs Float32Array.prototype.set of the same bytes',
    variants: Object.fromEntries(VARIANTS.map((v) => [v.name, v.description])),
    wasmSimd: SUM_BACKENDS['wasm-simd'].available(),
    blockUpdates: BLOCK_UPDATES,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    bufferCount: BUFFER_COUNT,
    gcExposed: gc !== null,
    peakProcessRssMB: round(process.resourceUsage().maxRSS / 1024),
    date: new Date().toISOString(),
    rows,
  };
  await writeResult('aggregation', report);
  printTables(rows);
  return report;
}

async function measure(
  parameters: number,
  updates: number,
  buffers: Float32Array[],
  target: Float32Array,
  gc: (() => void) | null,
): Promise<Row> {
  const bytes = updates * parameters * 4;
  // Each run is paired with a memcpy just before it and the ratio taken per pair: the cores are
  // shared, and the load swings memcpy itself several-fold between rows (1–19 GB/s seen).
  const repetitions = updates >= 1000 ? 3 : updates >= 100 ? 5 : 15;
  const memcpy: number[] = [];
  const samples = new Map(VARIANTS.map((v) => [v.name, { GBps: [] as number[], ratio: [] as number[] }]));
  for (let r = 0; r < repetitions; r++) {
    for (const v of VARIANTS) {
      const copySeconds = time(() => copyAll(updates, buffers, target));
      const runSeconds = time(() => v.run(parameters, updates, buffers));
      memcpy.push(bytes / copySeconds);
      samples.get(v.name)!.GBps.push(bytes / runSeconds);
      samples.get(v.name)!.ratio.push(copySeconds / runSeconds);
    }
  }
  const memcpyGBps = median(memcpy) / 1e9;
  const variants: Record<string, Throughput> = {};
  for (const v of VARIANTS) {
    const GBps = median(samples.get(v.name)!.GBps) / 1e9;
    variants[v.name] = {
      GBps: round(GBps),
      ratioToMemcpy: round(median(samples.get(v.name)!.ratio), 3),
      msPerUpdate: round((parameters * 4) / (GBps * 1e9) * 1e3, 3),
    };
  }
  const memory: Record<string, Memory> = {};
  for (const v of VARIANTS.filter((x) => x.name !== 'fedavg-wasm-f64' && x.name !== 'secagg-js')) {
    memory[v.name] = await measureMemory(v, parameters, updates, buffers, gc);
  }
  return {
    parameters, updates, bytesPerRun: bytes, repetitions,
    memcpyGBps: round(memcpyGBps), variants, memory,
    blockedError: blockedError(parameters, updates, buffers),
    bitForBit: {
      fedavgFloat64: sameBits(fedAvgOn('wasm-simd', 'float64')(parameters, updates, buffers), fedAvgOn('js', 'float64')(parameters, updates, buffers)),
      secagg: sameBits(wordSumOn('wasm-simd')(parameters, updates, buffers), wordSumOn('js')(parameters, updates, buffers)),
    },
  };
}

function sameBits(a: Float32Array | Uint32Array, b: Float32Array | Uint32Array): boolean {
  const [x, y] = [new Uint32Array(a.buffer, a.byteOffset, a.length), new Uint32Array(b.buffer, b.byteOffset, b.length)];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Bytes a variant's sums hold: Float64 sum (+ Float32 partials when blocked) + the staging chunk, or the words. */
function expectedBytes(name: string, parameters: number): number {
  const staging = name.includes('wasm') ? 32_768 : 0;
  if (name.startsWith('secagg')) return parameters * 4 + staging;
  return parameters * 8 + (name.endsWith('blocked') ? parameters * 4 : 0) + staging + parameters * 4;
}

// Untimed pass: samples memory about 50 times during the aggregation, after a GC baseline.
// V8 frees ArrayBuffer backing stores on a background sweeper, so the baseline waits for it.
async function measureMemory(
  variant: Variant,
  parameters: number,
  updates: number,
  buffers: Float32Array[],
  gc: (() => void) | null,
): Promise<Memory> {
  gc?.();
  await new Promise((done) => setTimeout(done, 100));
  gc?.();
  const base = process.memoryUsage();
  let rss = base.rss;
  let arrayBuffers = base.arrayBuffers;
  let heapUsed = base.heapUsed;
  const sample = (): void => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss);
    arrayBuffers = Math.max(arrayBuffers, now.arrayBuffers);
    heapUsed = Math.max(heapUsed, now.heapUsed);
  };
  const every = Math.max(1, Math.floor(updates / 50));
  variant.run(parameters, updates, buffers, (k) => {
    if (k % every === 0) sample();
  });
  sample();
  const mb = (x: number): number => round(x / 2 ** 20);
  return {
    peakRssDeltaMB: mb(rss - base.rss),
    peakArrayBuffersDeltaMB: mb(arrayBuffers - base.arrayBuffers),
    peakHeapUsedDeltaMB: mb(heapUsed - base.heapUsed),
    expectedMB: mb(expectedBytes(variant.name, parameters)),
    bufferedAllMB: mb(updates * parameters * 4),
  };
}

/**
 * The blocked mean against the Float64 JS mean of the same updates: the largest absolute error,
 * that error over the stated bound 2^-20·Σw|x|/Σw + one Float32 rounding (≤ 1 holds the bound),
 * and in units in the last place of the Float64 result rounded to Float32.
 */
function blockedError(parameters: number, updates: number, buffers: Float32Array[]): Row['blockedError'] {
  const got = fedAvgOn('wasm-simd', 'blocked')(parameters, updates, buffers);
  const want = fedAvgOn('js', 'float64')(parameters, updates, buffers);
  const weightOf = new Float64Array(BUFFER_COUNT);
  let total = 0;
  for (let k = 0; k < updates; k++) {
    weightOf[k % BUFFER_COUNT]! += 1 + (k % 7);
    total += 1 + (k % 7);
  }
  let maxAbs = 0;
  let maxOverBound = 0;
  let maxUlps = 0;
  for (let i = 0; i < parameters; i++) {
    let magnitude = 0;
    for (let b = 0; b < BUFFER_COUNT; b++) magnitude += weightOf[b]! * Math.abs(buffers[b]![i]!);
    const w = want[i]!;
    const ulp = w === 0 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(w))) - 23);
    const error = Math.abs(got[i]! - w);
    maxAbs = Math.max(maxAbs, error);
    maxOverBound = Math.max(maxOverBound, error / (2 ** -20 * (magnitude / total) + Math.abs(w) * 2 ** -23 + Number.MIN_VALUE));
    maxUlps = Math.max(maxUlps, error / ulp);
  }
  return { maxAbs, maxOverBound: round(maxOverBound, 4), maxUlps: round(maxUlps, 2) };
}

function copyAll(updates: number, buffers: Float32Array[], target: Float32Array): void {
  for (let k = 0; k < updates; k++) target.set(buffers[k % BUFFER_COUNT]!);
}

function makeBuffers(parameters: number): Float32Array[] {
  return Array.from({ length: BUFFER_COUNT }, (_, b) => {
    const buffer = new Float32Array(parameters);
    for (let i = 0; i < parameters; i++) buffer[i] = Math.sin(i * 0.001 + b) * 0.01;
    return buffer;
  });
}

// Enough turns that V8 optimises the JS loops and tiers the WebAssembly kernel up from Liftoff to TurboFan.
function warmUp(buffers: Float32Array[], target: Float32Array): void {
  for (let r = 0; r < 3; r++) {
    for (const v of VARIANTS) v.run(target.length, 2 * BLOCK_UPDATES, buffers);
    copyAll(8, buffers, target);
  }
}

function time(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// `node --expose-gc` is not available through `npx tsx`; the flag can still be set at runtime.
function exposeGc(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

function printTable(header: string[], lines: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}

function printTables(rows: Row[]): void {
  const names = VARIANTS.map((v) => v.name);
  console.log('\nThroughput as a ratio to memcpy (1 = as fast as copying the same update bytes):');
  printTable(
    ['params', 'K', 'memcpy GB/s', ...names],
    rows.map((r) => [r.parameters, r.updates, r.memcpyGBps, ...names.map((n) => r.variants[n]!.ratioToMemcpy)].map(String)),
  );
  console.log('\nMemory growth during a run (MB): RSS Δ / O(model) expected; buffering every update would hold the last column:');
  const measured = Object.keys(rows[0]?.memory ?? {});
  printTable(
    ['params', 'K', ...measured, 'buffer-all'],
    rows.map((r) => [
      String(r.parameters), String(r.updates),
      ...measured.map((n) => `${r.memory[n]!.peakRssDeltaMB} / ${r.memory[n]!.expectedMB}`),
      String(r.memory[measured[0]!]?.bufferedAllMB ?? ''),
    ]),
  );
  console.log('\nBlocked FedAvg against the Float64 JS accumulator (error ÷ stated bound ≤ 1 keeps the bound):');
  printTable(
    ['params', 'K', 'max |error|', 'error ÷ bound', 'max ulps'],
    rows.map((r) => [r.parameters, r.updates, r.blockedError.maxAbs.toExponential(2), r.blockedError.maxOverBound, r.blockedError.maxUlps].map(String)),
  );
  const all = (key: keyof Row['bitForBit']): string => (rows.every((r) => r.bitForBit[key]) ? 'yes, in every row' : 'NO');
  console.log(`\nBit for bit: fedavg-wasm-f64 = fedavg-js: ${all('fedavgFloat64')}; secagg-wasm = secagg-js: ${all('secagg')}.`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAggregationBench();
}
