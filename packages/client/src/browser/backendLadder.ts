// The backend ladder of a browser worker: probe WebGPU → WebGL → WASM (SIMD) → CPU, benchmark
// every backend that works by training the 2NN briefly, and keep the fastest.

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createModel, registerWasmTrainingKernels, trainLocal } from '@flotilla/models';
import type { ModelSpec } from '@flotilla/protocol';

export const BACKEND_LADDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_LADDER)[number];

/** What one rung of the ladder gave: whether it works, how fast, or why not. */
export interface BackendProbe {
  backend: BackendName;
  ok: boolean;
  examplesPerSec?: number;
  reason?: string;
  /** Time spent probing and benchmarking this backend. */
  ms: number;
  /** WebGPU: the adapter the device offered (vendor, architecture, description). */
  adapter?: string;
}

export interface BackendChoice {
  backend: BackendName;
  /** Benchmarked 2NN training speed of the chosen backend (batch 10). */
  examplesPerSec: number;
  /** True when `?backend=` named it and it worked. */
  forced: boolean;
  probes: BackendProbe[];
  /** WASM only: whether the SIMD build runs. */
  simd?: boolean;
}

export interface LadderOptions {
  /** Probe only this backend (falling back down the ladder if it fails). */
  force?: BackendName | null;
  /** Where the .wasm binaries are: a URL prefix, or a map from binary name to URL. */
  wasmPaths?: string | Record<string, string>;
  /** Examples of the timed benchmark run, after a warm-up (default 200, i.e. 20 batches of 10). */
  benchmarkExamples?: number;
  /** Longest timed run per rung (default 2000 ms): a slow rung (WebGPU on a software adapter) is measured on fewer batches. */
  benchmarkBudgetMs?: number;
}

export function isBackendName(name: string | null | undefined): name is BackendName {
  return (BACKEND_LADDER as readonly string[]).includes(name ?? '');
}

// getBackend() names the backend last *asked for*, even when its initialisation failed (setBackend
// can fail quietly); the registry only holds backends that did initialise.
function active(name: BackendName): boolean {
  return tf.getBackend() === name && tf.engine().registry[name] !== undefined;
}

let wasmConfigured = false;
/** What the last WebGPU probe's adapter said about itself. */
let adapterText: string | undefined;

async function activate(name: BackendName, options: LadderOptions): Promise<string | null> {
  switch (name) {
    case 'webgpu': {
      // The host registers @tensorflow/tfjs-backend-webgpu (the join page's worker does); first ask
      // the device, so that a missing GPU is reported as such and not as a tfjs failure.
      const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
      if (!gpu) return 'navigator.gpu is absent (Chromium offers WebGPU in workers with --enable-unsafe-webgpu)';
      const adapter = await Promise.race([gpu.requestAdapter().catch(() => null), new Promise((r) => setTimeout(() => r(null), 3000))]);
      if (!adapter) return 'navigator.gpu offers no adapter';
      if (tf.findBackendFactory('webgpu') === null) return 'navigator.gpu offers an adapter, but @tensorflow/tfjs-backend-webgpu is not registered in this build';
      const info = (adapter as { info?: { vendor?: string; architecture?: string; description?: string } }).info;
      adapterText = [info?.vendor, info?.architecture, info?.description].filter((t) => t).join(' · ') || 'unnamed adapter';
      break;
    }
    case 'webgl':
      // In a worker tfjs renders into an OffscreenCanvas; without one there is no WebGL.
      if (typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') return 'no OffscreenCanvas in this worker';
      break;
    case 'wasm':
      // The threaded build hung when minified under COOP/COEP and gained ≤ 7 % on 2 cores: never use it.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      if (!wasmConfigured && options.wasmPaths !== undefined) {
        setWasmPaths(options.wasmPaths as Parameters<typeof setWasmPaths>[0]);
        wasmConfigured = true;
      }
      // tfjs 4.22's WASM backend lacks Conv2DBackpropFilter: ours makes the CNN trainable.
      registerWasmTrainingKernels();
      break;
    case 'cpu':
      break;
    default: {
      const never: never = name;
      return `unknown backend ${String(never)}`;
    }
  }
  try {
    // A GPU device that never comes up must not stall the ladder.
    const ok = await Promise.race([tf.setBackend(name), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
    if (!ok || !active(name)) return `tf.setBackend('${name}') did not take effect`;
    const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
    if (sum !== 3) return `${name} computed 1 + 2 = ${sum}`;
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Training speed of the active backend: examples per second over `examples` random examples in
 * batches of 10, after a warm-up that compiles shaders and allocates buffers. The timed run stops
 * after the batch that crosses `budgetMs`, and the speed is taken over the batches done.
 * @example await tf.setBackend('wasm'); const eps = await benchmarkActiveBackend({ kind: 'mnist-2nn' });
 */
export async function benchmarkActiveBackend(spec: ModelSpec = { kind: 'mnist-2nn' }, examples = 200, batchSize = 10, budgetMs = Infinity): Promise<number> {
  const model = await createModel(spec, 0);
  try {
    const inputSize = model.inputs[0]!.shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
    const data = (count: number) => ({
      features: Float32Array.from({ length: count * inputSize }, () => Math.random()),
      labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
      count,
    });
    const plan = { epochs: 1, batchSize, learningRate: 0.01, seed: 1 };
    const run = async (count: number) => {
      const abort = new AbortController();
      let done = 0;
      let elapsed = 0;
      const started = performance.now();
      try {
        await trainLocal(model, data(count), plan, {
          signal: abort.signal,
          onProgress: (p) => {
            done = Math.min(count, p.batch * batchSize);
            elapsed = performance.now() - started;
            if (elapsed > budgetMs) abort.abort();
          },
        });
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      }
      return { done, elapsed };
    };
    // The warm-up runs to its end whatever it costs: cutting it would rank a rung by its shader
    // compile time, which a tab pays once, not by its training speed.
    await run(batchSize * 3);
    const timed = await run(examples);
    return timed.done / Math.max(timed.elapsed / 1000, 1e-6);
  } finally {
    model.dispose();
  }
}

/**
 * Probes the ladder (or the forced backend first), benchmarks what works, activates the fastest
 * and frees the others. CPU always works, so a choice is always made. Benchmarks run in two
 * interleaved passes and keep each backend's best: tabs that start together contend for the
 * cores, and a single pass measured while a neighbour warms up picked WebGL over a faster WASM.
 * @example const choice = await chooseBackend({ force: null, wasmPaths: { 'tfjs-backend-wasm-simd.wasm': simdUrl } });
 */
export async function chooseBackend(options: LadderOptions = {}): Promise<BackendChoice> {
  const rungs: BackendName[] = options.force ? [options.force, ...BACKEND_LADDER.filter((b) => b !== options.force)] : [...BACKEND_LADDER];
  const probes: BackendProbe[] = [];
  for (const backend of rungs) {
    // A forced backend that works is taken without trying the others.
    if (options.force && probes.some((p) => p.ok)) break;
    const started = performance.now();
    adapterText = undefined;
    const reason = await activate(backend, options);
    const ms = Math.round(performance.now() - started);
    probes.push({ backend, ok: reason === null, ms, ...(reason === null ? {} : { reason }), ...(adapterText === undefined ? {} : { adapter: adapterText }) });
  }
  for (let pass = 0; pass < 2; pass++) {
    const best = Math.max(0, ...probes.map((p) => p.examplesPerSec ?? 0));
    for (const probe of probes) {
      // A second look only where it could change the choice (it costs seconds on a slow device).
      if (!probe.ok || (pass > 0 && (probe.examplesPerSec ?? 0) < best / 2)) continue;
      const started = performance.now();
      try {
        if (!(await tf.setBackend(probe.backend)) || !active(probe.backend)) throw new Error(`tf.setBackend('${probe.backend}') did not take effect`);
        const eps = Math.round(await benchmarkActiveBackend({ kind: 'mnist-2nn' }, options.benchmarkExamples ?? 200, 10, options.benchmarkBudgetMs ?? 2000));
        probe.examplesPerSec = Math.max(probe.examplesPerSec ?? 0, eps);
      } catch (err) {
        Object.assign(probe, { ok: false, reason: `benchmark failed: ${err instanceof Error ? err.message : String(err)}` });
        delete probe.examplesPerSec;
      }
      probe.ms += Math.round(performance.now() - started);
    }
  }
  const working = probes.filter((p) => p.ok);
  const best = options.force && working[0]?.backend === options.force
    ? working[0]
    : working.reduce<BackendProbe | undefined>((a, p) => (a === undefined || (p.examplesPerSec ?? 0) > (a.examplesPerSec ?? 0) ? p : a), undefined);
  if (!best) throw new Error(`no tfjs backend works: ${probes.map((p) => `${p.backend}: ${p.reason}`).join('; ')}`);
  if (!(await tf.setBackend(best.backend)) || !active(best.backend)) throw new Error(`could not return to the ${best.backend} backend`);
  // Each backend holds memory (a GL context, a WASM heap); a tab keeps only what it trains on.
  // CPU stays: other backends fall back to its kernels.
  for (const p of working) if (p.backend !== best.backend && p.backend !== 'cpu') tf.removeBackend(p.backend);
  const simd = best.backend === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : undefined;
  return {
    backend: best.backend, examplesPerSec: best.examplesPerSec ?? 0, forced: options.force === best.backend, probes,
    ...(simd === undefined ? {} : { simd }),
  };
}
