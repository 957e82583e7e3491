// One epoch of vertical training, protected vs in plaintext: hetero LR (Paillier) and split NN (Beaver masks).
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binarizeDigits, loadMnist, mnistColumnBands, poolMnist } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import {
  createSplitNn,
  PlainSplitNn,
  PlainTaylorLr,
  runHeteroLrStep,
  runSplitNnStep,
  setUpHeteroLr,
  stepsPerEpoch,
} from '@flotilla/vertical';
import type { VerticalLrData } from '@flotilla/vertical';
import { round, writeResult } from './support.ts';

// Hetero LR costs one Paillier operation per (row, feature): a small epoch at the default
// 2048-bit key already takes a minute on one core, so the rows are few and the image is pooled to 7×7.
const LR_ROWS = 128;
const LR_BATCH = 64;
const LR_BITS = 2048;
const NN_ROWS = 2048;
const NN_BATCH = 64;

function columns(images: Float32Array, count: number, width: number, pixels: number[]): Float32Array {
  const out = new Float32Array(count * pixels.length);
  for (let i = 0; i < count; i++) pixels.forEach((px, k) => (out[i * pixels.length + k] = images[i * width + px]!));
  return out;
}

async function heteroLrEpoch(): Promise<object> {
  const mnist = await loadMnist('train', { limit: LR_ROWS });
  const pooled = poolMnist(mnist.images, LR_ROWS, 4);
  const [g, h] = mnistColumnBands(2, 4) as [number[], number[]];
  const data: VerticalLrData = {
    guestFeatures: columns(pooled, LR_ROWS, 49, g),
    guestFeatureCount: g.length,
    hostFeatures: columns(pooled, LR_ROWS, 49, h),
    hostFeatureCount: h.length,
    labels: binarizeDigits(mnist.labels),
  };
  const config = { rows: LR_ROWS, batchSize: LR_BATCH, learningRate: 1 };
  const keyStart = performance.now();
  const parties = await setUpHeteroLr(data, config, LR_BITS);
  const keygenSeconds = (performance.now() - keyStart) / 1000;
  const steps = stepsPerEpoch(parties.guest.config);
  // r^n does not depend on the plaintext: each party fills its randomness pool before the epoch
  // (offline), so the timed epoch is the online cost. Host: a score per row, the loss term and a
  // mask per feature; guest: a fresh E(0) per residual (re-randomisation) and a mask per weight.
  const offlineStart = performance.now();
  await parties.host.precompute(steps * (LR_BATCH + 1 + h.length));
  await parties.guest.precompute(steps * (LR_BATCH + g.length + 1));
  const offlineMs = performance.now() - offlineStart;
  // Interleave the two sides step by step so background load hits both alike.
  const plain = new PlainTaylorLr(data, config);
  let encryptedMs = 0;
  let plainMs = 0;
  for (let s = 0; s < steps; s++) {
    let t = performance.now();
    runHeteroLrStep(parties);
    encryptedMs += performance.now() - t;
    t = performance.now();
    for (let r = 0; r < 100; r++) new PlainTaylorLr(data, config).step();
    plainMs += (performance.now() - t) / 100;
    plain.step();
    process.stdout.write(`  hetero LR step ${s + 1}/${steps}: ${round(encryptedMs / 1000)} s encrypted so far\n`);
  }
  // A dry pool would put r^n exponentiations into the online time the benchmark claims to measure.
  const fallbacks = parties.host.randomnessFallbacks + parties.guest.randomnessFallbacks;
  if (fallbacks !== 0) throw new Error(`${fallbacks} encryptions found the randomness pool empty: the online timing would be wrong`);
  return {
    rows: LR_ROWS,
    features: { guest: g.length + 1, host: h.length },
    keyBits: LR_BITS,
    keygenSeconds: round(keygenSeconds),
    offlineRandomnessSeconds: round(offlineMs / 1000),
    epochSeconds: { encrypted: round(encryptedMs / 1000), plaintext: round(plainMs / 1000, 6) },
    msPerRow: { encrypted: round(encryptedMs / LR_ROWS), plaintext: round(plainMs / LR_ROWS, 6) },
    slowdown: Math.round(encryptedMs / plainMs),
    slowdownWithOffline: Math.round((encryptedMs + offlineMs) / plainMs),
  };
}

async function splitNnEpoch(): Promise<object> {
  const backend = await initNodeBackend('wasm');
  const mnist = await loadMnist('train', { limit: NN_ROWS });
  const [g, h] = mnistColumnBands(2) as [number[], number[]];
  const guest = columns(mnist.images, NN_ROWS, 784, g);
  const host = columns(mnist.images, NN_ROWS, 784, h);
  const config = { rows: NN_ROWS, guestFeatures: g.length, hostFeatures: h.length, batchSize: NN_BATCH };
  const parties = createSplitNn(config, guest, mnist.labels, host);
  const plain = new PlainSplitNn(config, guest, mnist.labels, host);
  const steps = Math.ceil(NN_ROWS / NN_BATCH);
  // Warm-up step on each (WASM kernels, optimiser slots), then a full epoch interleaved step by step.
  runSplitNnStep(createSplitNn(config, guest, mnist.labels, host));
  new PlainSplitNn(config, guest, mnist.labels, host).step();
  let maskedMs = 0;
  let plainMs = 0;
  for (let s = 0; s < steps; s++) {
    let t = performance.now();
    runSplitNnStep(parties);
    maskedMs += performance.now() - t;
    t = performance.now();
    plain.step();
    plainMs += performance.now() - t;
  }
  return {
    backend: backend.backend,
    rows: NN_ROWS,
    batchSize: NN_BATCH,
    epochSeconds: { masked: round(maskedMs / 1000), plaintext: round(plainMs / 1000) },
    slowdown: round(maskedMs / plainMs),
  };
}

async function earlierFigures(dir: string): Promise<object> {
  const read = async (name: string): Promise<unknown> => {
    try {
      return JSON.parse(await readFile(resolve(dir, name), 'utf8'));
    } catch {
      return `not measured yet: npm run bench -- ${name.replace('.json', '')}`;
    }
  };
  return { psi: await read('psi.json'), paillier: await read('paillier.json') };
}

/** Runs both epochs and writes bench/results/vertical.json (PSI and Paillier figures copied from their own runs). */
export async function runVerticalBench(): Promise<object> {
  const dir = resolve(fileURLToPath(new URL('.', import.meta.url)), 'results');
  const splitNn = await splitNnEpoch();
  process.stdout.write(`split NN one epoch: ${JSON.stringify(splitNn)}\n`);
  const heteroLr = await heteroLrEpoch();
  process.stdout.write(`hetero LR one epoch: ${JSON.stringify(heteroLr)}\n`);
  const report = {
    benchmark: 'one epoch of vertical training, protected vs plaintext, all parties in one process (no network)',
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    date: new Date().toISOString(),
    heteroLr,
    splitNn,
    ...(await earlierFigures(dir)),
  };
  await writeResult('vertical', report);
  return report;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runVerticalBench();
}
