// Streaming FedAvg throughput as a ratio to a plain memcpy of the same bytes, and its memory.
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FedAvgAccumulator } from '@flotilla/core';
import { median, round, writeResult } from './support.ts';

// McMahan et al. 2017's MNIST 2NN (784-200-200-10) and CNN (two 5×5 convs, 512-unit dense).
const MODEL_SIZES = [199_210, 1_663_370] as const;
const UPDATE_COUNTS = [10, 100, 1000] as const;
// Updates cycle through a few pre-filled buffers, so memory stays bounded at any K.
const BUFFER_COUNT = 4;

interface Row {
  parameters: number;
  updates: number;
  bytesPerRun: number;
  repetitions: number;
  aggregationGBps: number;
  memcpyGBps: number;
  /** Aggregation throughput ÷ memcpy throughput, medians of interleaved runs. */
  ratioToMemcpy: number;
  msPerUpdate: number;
  memory: {
    peakRssDeltaMB: number;
    peakArrayBuffersDeltaMB: number;
    peakHeapUsedDeltaMB: number;
    /** One Float64 sum plus the Float32 mean: what O(model) predicts. */
    expectedMB: number;
    /** What buffering every update would have held instead. */
    bufferedAllMB: number;
  };
}

/** Runs every (model size, K) case and writes bench/results/aggregation.json. */
export async function runAggregationBench(): Promise<object> {
  const gc = exposeGc();
  const rows: Row[] = [];
  for (const parameters of MODEL_SIZES) {
    const buffers = makeBuffers(parameters);
    const target = new Float32Array(parameters);
    warmUp(buffers, target);
    for (const updates of UPDATE_COUNTS) rows.push(await measure(parameters, updates, buffers, target, gc));
  }
  const report = {
    benchmark: 'streaming FedAvg (FedAvgAccumulator.add ×K + mean) vs Float32Array.prototype.set of the same bytes',
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
  printTable(rows);
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
  // Interleaved so that both sides see the same machine load (the cores are shared).
  const repetitions = updates >= 1000 ? 3 : updates >= 100 ? 5 : 15;
  const aggregation: number[] = [];
  const memcpy: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    memcpy.push(bytes / time(() => copyAll(updates, buffers, target)));
    aggregation.push(bytes / time(() => aggregate(parameters, updates, buffers)));
  }
  const aggregationGBps = median(aggregation) / 1e9;
  const memcpyGBps = median(memcpy) / 1e9;
  return {
    parameters,
    updates,
    bytesPerRun: bytes,
    repetitions,
    aggregationGBps: round(aggregationGBps),
    memcpyGBps: round(memcpyGBps),
    ratioToMemcpy: round(aggregationGBps / memcpyGBps, 3),
    msPerUpdate: round((parameters * 4) / (aggregationGBps * 1e9) * 1e3, 3),
    memory: await measureMemory(parameters, updates, buffers, gc),
  };
}

function aggregate(parameters: number, updates: number, buffers: Float32Array[], onAdd?: (k: number) => void): Float32Array {
  const accumulator = new FedAvgAccumulator(parameters);
  for (let k = 0; k < updates; k++) {
    accumulator.add(buffers[k % BUFFER_COUNT]!, 1 + (k % 7));
    onAdd?.(k);
  }
  return accumulator.mean();
}

function copyAll(updates: number, buffers: Float32Array[], target: Float32Array): void {
  for (let k = 0; k < updates; k++) target.set(buffers[k % BUFFER_COUNT]!);
}

// Untimed pass: samples memory about 50 times during the aggregation, after a GC baseline.
// V8 frees ArrayBuffer backing stores on a background sweeper, so the baseline waits for it.
async function measureMemory(
  parameters: number,
  updates: number,
  buffers: Float32Array[],
  gc: (() => void) | null,
): Promise<Row['memory']> {
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
  const mean = aggregate(parameters, updates, buffers, (k) => {
    if (k % every === 0) sample();
  });
  sample();
  const mb = (x: number): number => round(x / 2 ** 20);
  return {
    peakRssDeltaMB: mb(rss - base.rss),
    peakArrayBuffersDeltaMB: mb(arrayBuffers - base.arrayBuffers),
    peakHeapUsedDeltaMB: mb(heapUsed - base.heapUsed),
    expectedMB: mb(parameters * 8 + mean.byteLength),
    bufferedAllMB: mb(updates * parameters * 4),
  };
}

function makeBuffers(parameters: number): Float32Array[] {
  return Array.from({ length: BUFFER_COUNT }, (_, b) => {
    const buffer = new Float32Array(parameters);
    for (let i = 0; i < parameters; i++) buffer[i] = Math.sin(i * 0.001 + b) * 0.01;
    return buffer;
  });
}

function warmUp(buffers: Float32Array[], target: Float32Array): void {
  for (let r = 0; r < 3; r++) {
    aggregate(target.length, 8, buffers);
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

function printTable(rows: Row[]): void {
  const header = ['params', 'K', 'agg GB/s', 'memcpy GB/s', 'ratio', 'ms/update', 'RSS Δ MB', 'ArrayBuf Δ MB', 'O(model) MB', 'buffer-all MB'];
  const lines = rows.map((r) => [
    r.parameters,
    r.updates,
    r.aggregationGBps,
    r.memcpyGBps,
    r.ratioToMemcpy,
    r.msPerUpdate,
    r.memory.peakRssDeltaMB,
    r.memory.peakArrayBuffersDeltaMB,
    r.memory.expectedMB,
    r.memory.bufferedAllMB,
  ].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));
  console.log('ratio = aggregation throughput ÷ memcpy throughput of the same update bytes (1 = as fast as memcpy).');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAggregationBench();
}
