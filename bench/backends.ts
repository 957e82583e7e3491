// Node training throughput on the tfjs WASM vs CPU backends (2NN, CNN), and our WASM conv kernels.
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel, initNodeBackend, trainLocal, type ModelSpec } from '@flotilla/models';
import { median, round, syntheticMnist, writeResult } from './support.ts';

// Captured before initNodeBackend replaces it, to time tfjs's own kernel against ours.
const stockBackpropInput = tf.getKernel('Conv2DBackpropInput', 'wasm');

type Backend = 'wasm' | 'cpu';
interface TrainingRow {
  model: string;
  batchSize: number;
  backend: Backend;
  steps: number;
  msPerStep: number;
  examplesPerSec: number;
}
interface KernelRow {
  kernel: string;
  shape: string;
  implementation: string;
  ms: number;
}

// Steps timed per repetition. The CPU backend's Conv2DBackpropFilter is a scalar loop (~40 s per
// CNN step at batch 10 on our 2-core machine), so the CPU CNN gets one step, and none at batch 50
// unless FLOTILLA_BENCH_FULL=1 (about 3 minutes more). The 2NN alternates backends three times and
// keeps medians, so that load from other processes hits both sides alike.
const FULL = process.env['FLOTILLA_BENCH_FULL'] === '1';
const CASES: Array<{ model: ModelSpec['kind']; batchSize: number; reps: number; steps: Record<Backend, number> }> = [
  { model: 'mnist-2nn', batchSize: 10, reps: 3, steps: { wasm: 30, cpu: 10 } },
  { model: 'mnist-2nn', batchSize: 50, reps: 3, steps: { wasm: 10, cpu: 4 } },
  { model: 'mnist-cnn', batchSize: 10, reps: 1, steps: { wasm: 6, cpu: 1 } },
  { model: 'mnist-cnn', batchSize: 50, reps: 1, steps: { wasm: 3, cpu: FULL ? 1 : 0 } },
];

/** Runs every case and writes bench/results/backends.json. */
export async function runBackendsBench(): Promise<object> {
  const training: TrainingRow[] = [];
  for (const c of CASES) training.push(...(await timeCase(c)));
  await initNodeBackend('wasm');
  const kernels = timeKernels();
  const ratios = CASES.map((c) => {
    const find = (b: Backend) => training.find((r) => r.model === c.model && r.batchSize === c.batchSize && r.backend === b);
    const wasm = find('wasm');
    const cpu = find('cpu');
    return { model: c.model, batchSize: c.batchSize, wasmOverCpu: wasm && cpu ? round(wasm.examplesPerSec / cpu.examplesPerSec) : null };
  });
  const result = {
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, tfjs: tf.version.tfjs, loadAverage: loadavg() },
    wasmSimd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    training,
    ratios,
    kernels,
  };
  await writeResult('backends', result);
  print(training, ratios, kernels);
  return result;
}

async function use(backend: Backend): Promise<void> {
  const { backend: active } = await initNodeBackend(backend);
  if (active !== backend) throw new Error(`wanted the ${backend} backend, got ${active}`);
}

async function timeCase(c: (typeof CASES)[number]): Promise<TrainingRow[]> {
  const backends = (['wasm', 'cpu'] as const).filter((b) => c.steps[b] > 0);
  const plan = { epochs: 1, batchSize: c.batchSize, learningRate: 0.01, seed: 1 };
  const models = new Map<Backend, tf.LayersModel>();
  for (const backend of backends) {
    await use(backend);
    const model = await createModel({ kind: c.model } as ModelSpec, 1);
    models.set(backend, model);
    // Untimed steps first: V8's JIT needs ~10 steps to settle on the 2NN (21 → 11 ms/step at
    // batch 10 in one measurement). Skipped where a single step takes seconds.
    const warmup = c.model === 'mnist-cnn' ? (backend === 'cpu' ? 0 : 1) : 10;
    if (warmup > 0) await trainLocal(model, syntheticMnist(c.batchSize * warmup), plan);
  }
  const msPerStep = new Map<Backend, number[]>(backends.map((b) => [b, []]));
  for (let rep = 0; rep < c.reps; rep++) {
    for (const backend of backends) {
      await use(backend);
      const data = syntheticMnist(c.batchSize * c.steps[backend]);
      const start = performance.now();
      await trainLocal(models.get(backend)!, data, plan);
      msPerStep.get(backend)!.push((performance.now() - start) / c.steps[backend]);
    }
  }
  for (const model of models.values()) model.dispose();
  return backends.map((backend) => {
    const ms = median(msPerStep.get(backend)!);
    return {
      model: c.model, batchSize: c.batchSize, backend, steps: c.steps[backend] * c.reps,
      msPerStep: round(ms), examplesPerSec: round((c.batchSize / ms) * 1000),
    };
  });
}

// Median of a few runs of each kernel on the CNN's layer shapes (the input gradient of the first
// layer is never computed: its input is the image).
function timeKernels(): KernelRow[] {
  const backend = tf.backend();
  const rows: KernelRow[] = [];
  const ours = { filter: tf.getKernel('Conv2DBackpropFilter', 'wasm')!, input: tf.getKernel('Conv2DBackpropInput', 'wasm')! };
  if (stockBackpropInput !== undefined && stockBackpropInput.kernelFunc !== ours.input.kernelFunc) {
    // It was unregistered before the backend initialised, so its C++ binding was never set up.
    stockBackpropInput.setupFunc?.(backend);
  }
  const layers = [
    { name: 'conv1', x: [10, 28, 28, 1], filter: [5, 5, 1, 32] },
    { name: 'conv2', x: [10, 14, 14, 32], filter: [5, 5, 32, 64] },
    { name: 'conv2', x: [50, 14, 14, 32], filter: [5, 5, 32, 64] },
  ] as const;
  for (const layer of layers) {
    const x = tf.randomNormal([...layer.x]);
    const filter = tf.randomNormal([...layer.filter]);
    const dy = tf.randomNormal([layer.x[0], layer.x[1], layer.x[2], layer.filter[3]]);
    const shape = `${layer.name} x[${layer.x.join(',')}] f[${layer.filter.join(',')}]`;
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
    const time = (config: tf.KernelConfig, inputs: tf.NamedTensorInfoMap, extra: tf.NamedAttrMap): number =>
      median(Array.from({ length: 4 }, (_, i) => {
        const start = performance.now();
        const out = config.kernelFunc({ inputs, backend, attrs: { ...attrs, ...extra } as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
        const ms = performance.now() - start;
        backend.disposeData(out.dataId);
        return i === 0 ? Infinity : ms; // the first run warms up
      }).filter(Number.isFinite));
    rows.push({ kernel: 'Conv2DBackpropFilter', shape, implementation: 'flotilla (wasm)', ms: round(time(ours.filter, { x, dy }, { filterShape: [...layer.filter] })) });
    if (layer.name !== 'conv1') {
      const inputs = { dy, filter };
      const extra = { inputShape: [...layer.x] };
      rows.push({ kernel: 'Conv2DBackpropInput', shape, implementation: 'flotilla (wasm)', ms: round(time(ours.input, inputs, extra)) });
      if (stockBackpropInput !== undefined && stockBackpropInput.kernelFunc !== ours.input.kernelFunc) {
        rows.push({ kernel: 'Conv2DBackpropInput', shape, implementation: 'tfjs 4.22 (wasm)', ms: round(time(stockBackpropInput, inputs, extra)) });
      }
    }
    tf.dispose([x, filter, dy]);
  }
  return rows;
}

function print(training: TrainingRow[], ratios: Array<{ model: string; batchSize: number; wasmOverCpu: number | null }>, kernels: KernelRow[]): void {
  const table = (header: string[], lines: string[][]): void => {
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    const format = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
    console.log(format(header));
    for (const line of lines) console.log(format(line));
  };
  const row = (model: string, batch: number, backend: Backend) => training.find((r) => r.model === model && r.batchSize === batch && r.backend === backend);
  table(
    ['model', 'batch', 'wasm ex/s', 'wasm ms/step', 'cpu ex/s', 'cpu ms/step', 'wasm/cpu'],
    ratios.map((r) => {
      const w = row(r.model, r.batchSize, 'wasm');
      const c = row(r.model, r.batchSize, 'cpu');
      return [r.model, String(r.batchSize), String(w?.examplesPerSec ?? '-'), String(w?.msPerStep ?? '-'),
        String(c?.examplesPerSec ?? 'skipped'), String(c?.msPerStep ?? '-'), r.wasmOverCpu === null ? '-' : `${r.wasmOverCpu}×`];
    }),
  );
  console.log('wasm/cpu = examples per second of trainLocal on WASM ÷ on CPU, measured in this run.\n');
  table(['kernel', 'layer', 'implementation', 'ms'], kernels.map((k) => [k.kernel, k.shape, k.implementation, String(k.ms)]));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runBackendsBench();
}
