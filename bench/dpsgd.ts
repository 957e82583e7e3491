// DP-SGD's cost in the trainer: examples/s of trainLocal with and without per-example clipping
// and noise (2NN, WASM backend, Node), measured side by side; and the noise draw alone.
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createModel, initNodeBackend, trainLocal, type DpSgdPlan } from '@flotilla/models';
import { gaussianNoise } from '@flotilla/privacy';
import { median, round, syntheticMnist, writeResult } from './support.ts';

interface Row {
  batchSize: number;
  mode: string;
  microbatchSize: number | null;
  msPerStep: number;
  examplesPerSec: number;
}

const STEPS = 10;
const REPS = 3;
const MODES: Array<{ mode: string; dp?: (b: number) => DpSgdPlan }> = [
  { mode: 'plain SGD' },
  { mode: 'DP-SGD per example', dp: () => ({ l2NormClip: 1, noiseMultiplier: 1.1, microbatchSize: 1 }) },
  { mode: 'DP-SGD micro-batches of 5', dp: () => ({ l2NormClip: 1, noiseMultiplier: 1.1, microbatchSize: 5 }) },
];

/** Runs every case and writes bench/results/dpsgd.json. */
export async function runDpSgdBench(): Promise<object> {
  await initNodeBackend('wasm');
  const rows: Row[] = [];
  for (const batchSize of [10, 50]) rows.push(...(await timeBatch(batchSize)));
  const noiseMs = median(Array.from({ length: 5 }, () => {
    const start = performance.now();
    gaussianNoise(199_210, 1.1);
    return performance.now() - start;
  }));
  const ratios = rows.filter((r) => r.mode !== 'plain SGD').map((r) => {
    const plain = rows.find((p) => p.batchSize === r.batchSize && p.mode === 'plain SGD')!;
    return { batchSize: r.batchSize, mode: r.mode, dpOverPlain: round(r.examplesPerSec / plain.examplesPerSec) };
  });
  const result = {
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, tfjs: tf.version.tfjs, loadAverage: loadavg() },
    model: 'mnist-2nn', backend: tf.getBackend(), rows, ratios, gaussianNoiseMsFor2nn: round(noiseMs),
  };
  await writeResult('dpsgd', result);
  for (const r of rows) {
    const ratio = ratios.find((x) => x.batchSize === r.batchSize && x.mode === r.mode);
    console.log(`B=${String(r.batchSize).padStart(2)}  ${r.mode.padEnd(26)} ${String(r.examplesPerSec).padStart(8)} ex/s  ${String(r.msPerStep).padStart(7)} ms/step${ratio ? `  ${ratio.dpOverPlain}× plain` : ''}`);
  }
  console.log(`one Gaussian noise draw for the 2NN (199,210 values, crypto.getRandomValues + Box–Muller): ${round(noiseMs)} ms`);
  console.log('ratios = examples/s with DP-SGD ÷ without, measured in this run (modes interleaved, medians of 3).');
  return result;
}

async function timeBatch(batchSize: number): Promise<Row[]> {
  const model = await createModel({ kind: 'mnist-2nn' }, 1);
  const data = syntheticMnist(batchSize * STEPS);
  const plan = (m: (typeof MODES)[number]) => ({ epochs: 1, batchSize, learningRate: 0.01, seed: 1, ...(m.dp ? { dpSgd: m.dp(batchSize) } : {}) });
  // Untimed: V8's JIT and the backend settle over the first steps.
  for (const m of MODES) await trainLocal(model, syntheticMnist(batchSize * 3), plan(m));
  const ms = new Map<string, number[]>(MODES.map((m) => [m.mode, []]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const m of MODES) {
      const start = performance.now();
      await trainLocal(model, data, plan(m));
      ms.get(m.mode)!.push((performance.now() - start) / STEPS);
    }
  }
  model.dispose();
  return MODES.map((m) => {
    const perStep = median(ms.get(m.mode)!);
    return { batchSize, mode: m.mode, microbatchSize: m.dp ? m.dp(batchSize).microbatchSize ?? 1 : null, msPerStep: round(perStep), examplesPerSec: round((batchSize / perStep) * 1000) };
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runDpSgdBench();
}
