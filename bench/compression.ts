// Update codecs side by side: bytes per round (up and down) and rounds to a target test accuracy on
// McMahan et al.'s MNIST 2NN with IID clients, for float32, float16, int8, top-k 1 % with error
// feedback and QSGD, in process (tfjs WASM training, the real codecs and error feedback of
// @flotilla/client on every update, FedAvg of the decoded updates). The codecs advance in
// lockstep, round by round, from the same initial model, client selection and training seeds,
// and the JSON is rewritten after every round; it carries the CNN's bytes per update for each codec.
//
// Why this setting (3 clients of 20,000 examples, all of them every round, 50 local steps of B = 50
// at lr 0.3): top-k's error feedback needs each client's residual to be fresh when it is next
// sent. With 5 of 100 clients per round a residual is ~20 rounds old when it is used; with every
// client in every round it is one round old. Few clients with much data each keep the compute to
// 97 % (about clients × the sequential SGD steps to 97 %) small enough for the codecs on two
// cores; B = 50 trains 2.5× more examples per second than B = 10 in tfjs WASM, lr 0.3 keeps the
// step size. Measured (3 December 2026): top-k 1 % reached 97 % in 48 rounds to float32's 40
// (1.2×), but took about twice float32's rounds to 0.9 and 0.95 (also with 10 local steps a round,
// to 0.84): a hundredth of the coordinates a round limits how fast the model moves early on, and
// float32 spends rounds 20–40 between 96 and 97 % at this constant learning rate.
// Usage: npm run bench -- compression   (COMPRESSION_TARGET (0.97), COMPRESSION_ROUNDS (100),
// COMPRESSION_FLEET (clients, 3), COMPRESSION_CLIENTS (per round, all), COMPRESSION_STEPS (local
// steps, 50; unset with COMPRESSION_STEPS=epoch for one epoch), COMPRESSION_BATCH (50),
// COMPRESSION_LR (0.3), COMPRESSION_CODECS (comma-separated names, all), COMPRESSION_TEST (2000),
// COMPRESSION_RESULT (the results file's name, compression) override it; COMPRESSION_FLEET=100
// COMPRESSION_CLIENTS=5 COMPRESSION_STEPS=epoch COMPRESSION_BATCH=10 COMPRESSION_LR=0.1 is the
// earlier McMahan-like setting)

import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { encodeUpdate } from '@flotilla/client';
import { createStrategy } from '@flotilla/core';
import { gatherExamples, loadMnist, partitionIndices } from '@flotilla/data';
import { createModel, evaluateModel, getFlatWeights, initNodeBackend, setFlatWeights, trainLocal, weightShapes } from '@flotilla/models';
import { decodeFrame, encodeFrame, flattenTensors, seededRandom, splitFlat, type CodecSpec } from '@flotilla/protocol';
import { round, writeResult } from './support.ts';

const TARGET = Number(process.env.COMPRESSION_TARGET ?? 0.97);
/** Rounds to each of these accuracies are reported too, so a run cut short still compares the codecs. */
const MILESTONES = [0.9, 0.95, 0.96, 0.97];
const MAX_ROUNDS = Number(process.env.COMPRESSION_ROUNDS ?? 100);
const NUM_CLIENTS = Number(process.env.COMPRESSION_FLEET ?? 3);
const PER_ROUND = Number(process.env.COMPRESSION_CLIENTS ?? NUM_CLIENTS);
const STEPS = process.env.COMPRESSION_STEPS ?? '50';
const PLAN = {
  epochs: 1, batchSize: Number(process.env.COMPRESSION_BATCH ?? 50), learningRate: Number(process.env.COMPRESSION_LR ?? 0.3),
  ...(STEPS === 'epoch' ? {} : { localSteps: Number(STEPS) }),
};
const TEST = Number(process.env.COMPRESSION_TEST ?? 2000);
/** The results file's name: a second, differently sized run beside the default one keeps both. */
const RESULT = process.env.COMPRESSION_RESULT ?? 'compression';
const ONLY = process.env.COMPRESSION_CODECS?.split(',');

const CODECS: Record<string, CodecSpec> = {
  float32: { codec: 'float32' },
  float16: { codec: 'float16' },
  int8: { codec: 'int8', granularity: 'tensor', stochastic: true },
  'topk 1% EF': { codec: 'topk', fraction: 0.01, errorFeedback: true },
  'qsgd 16': { codec: 'qsgd', levels: 16 },
};

interface Track {
  name: string; spec: CodecSpec; global: Float32Array; residuals: Map<number, Float32Array>;
  accuracy: number[]; bytesUp: number[]; bytesDown: number[]; roundsToTarget: number | null;
}

/** The clients of a round: the same for every codec (a seeded shuffle). */
function selectClients(r: number): number[] {
  const random = seededRandom(9000 + r);
  const ids = Array.from({ length: NUM_CLIENTS }, (_, i) => i);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(0, PER_ROUND);
}

export async function runCompressionBench(): Promise<object> {
  await initNodeBackend('wasm');
  const [train, test] = await Promise.all([loadMnist('train'), loadMnist('test', { limit: TEST })]);
  const parts = partitionIndices({ kind: 'iid', numClients: NUM_CLIENTS, seed: 1 }, train.labels);
  const data = parts.map((p) => gatherExamples(train, p)).map((d) => ({ features: d.images, labels: d.labels, count: d.count }));
  const model = await createModel({ kind: 'mnist-2nn' }, 1);
  const shapes = weightShapes(model);
  const initial = getFlatWeights(model);
  const downFrame = encodeFrame({ type: 'weights', taskId: 'bench', version: 0 }, splitFlat(initial, shapes)).byteLength;
  const tracks: Track[] = Object.entries(CODECS).filter(([name]) => !ONLY || ONLY.includes(name)).map(([name, spec]) => ({
    name, spec, global: initial.slice(), residuals: new Map(), accuracy: [], bytesUp: [], bytesDown: [], roundsToTarget: null,
  }));
  // First, so that a run cut short before 97 % still has them: they take one small training.
  const cnn = await cnnUpdateBytes(data[0]!);
  const started = performance.now();
  const report = () => ({
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, tfjs: tf.version.tfjs, backend: tf.getBackend(), loadAverage: loadavg() },
    setting: { model: 'mnist-2nn', params: initial.length, target: TARGET, maxRounds: MAX_ROUNDS, clients: NUM_CLIENTS, perRound: PER_ROUND, partition: 'iid', plan: PLAN, testExamples: TEST, downlink: 'float32 full model' },
    wallSeconds: round((performance.now() - started) / 1000, 1),
    table: table(tracks),
    cnn,
    tracks: tracks.map((t) => ({ name: t.name, spec: t.spec, roundsToTarget: t.roundsToTarget, accuracy: t.accuracy.map((a) => round(a, 4)), bytesUp: t.bytesUp, bytesDown: t.bytesDown })),
  });

  for (let r = 1; r <= MAX_ROUNDS && tracks.some((t) => t.roundsToTarget === null); r++) {
    const chosen = selectClients(r);
    for (const track of tracks.filter((t) => t.roundsToTarget === null)) {
      const aggregation = createStrategy({ name: 'fedavg' }).beginAggregation(r, track.global);
      let up = 0;
      for (const c of chosen) {
        setFlatWeights(model, track.global);
        const metrics = await trainLocal(model, data[c]!, { ...PLAN, seed: r * 1000 + c });
        const update = getFlatWeights(model);
        for (let i = 0; i < update.length; i++) update[i]! -= track.global[i]!;
        const message = { type: 'update', taskId: 'bench', round: r, modelVersion: r - 1, numExamples: data[c]!.count, metrics: { loss: metrics.loss, accuracy: metrics.accuracy, trainMs: 0 } };
        const { frame, residual } = encodeUpdate(message, update, shapes, track.spec, track.residuals.get(c) ?? null, { random: seededRandom(r * 7919 + c) });
        if (residual) track.residuals.set(c, residual);
        up += frame.byteLength;
        // The coordinator's view: what the bytes decode to, nothing else.
        aggregation.add({ clientId: `c${c}`, numExamples: data[c]!.count, update: flattenTensors(decodeFrame(frame).tensors) });
      }
      track.global = aggregation.finish([]) ?? track.global;
      setFlatWeights(model, track.global);
      const { accuracy } = await evaluateModel(model, test.images, test.labels, test.count);
      track.accuracy.push(accuracy);
      track.bytesUp.push(up);
      track.bytesDown.push(downFrame * chosen.length);
      if (accuracy >= TARGET) track.roundsToTarget = r;
      process.stdout.write(`round ${r} ${track.name}: ${(accuracy * 100).toFixed(2)} %, ${(up / 2 ** 10).toFixed(0)} KiB up (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    }
    await writeResult(RESULT, report());
  }
  const result = report();
  console.log(`\nMNIST 2NN, ${NUM_CLIENTS} IID clients × ${data[0]!.count}, ${PER_ROUND} per round, ${STEPS === 'epoch' ? 'E=1' : `${STEPS} steps`} B=${PLAN.batchSize} lr=${PLAN.learningRate}, target ${TARGET * 100} %`);
  console.table(result.table);
  console.log('MNIST CNN, bytes of one update (from a real local training):');
  console.table(cnn.table);
  await writeResult(RESULT, result);
  return result;
}

/**
 * The MNIST CNN's bytes per update in each codec, from a real local training on 100 of `data`'s
 * examples (the 2NN's lockstep rounds are too costly to repeat for a model 8× its size).
 * @example const { table } = await cnnUpdateBytes(clientData);
 */
export async function cnnUpdateBytes(data: { features: Float32Array; labels: Uint8Array }): Promise<{ params: number; table: { codec: string; bytes: number; ratio: number }[] }> {
  const cnnModel = await createModel({ kind: 'mnist-cnn' }, 1);
  const cnnShapes = weightShapes(cnnModel);
  const base = getFlatWeights(cnnModel);
  const small = { features: data.features.subarray(0, 100 * 784), labels: data.labels.subarray(0, 100), count: 100 };
  await trainLocal(cnnModel, small, { epochs: 1, batchSize: 10, learningRate: 0.05, seed: 1 });
  const update = getFlatWeights(cnnModel).map((v, i) => v - base[i]!);
  const rows = Object.entries(CODECS).map(([name, spec]) => {
    const bytes = encodeUpdate({ type: 'update' }, update, cnnShapes, spec, null, { random: seededRandom(1) }).frame.byteLength;
    return { codec: name, bytes, ratio: 0 };
  });
  for (const row of rows) row.ratio = round(rows[0]!.bytes / row.bytes, 2);
  cnnModel.dispose();
  return { params: base.length, table: rows };
}

/** The first round at or above `accuracy`, or null. */
function roundsTo(track: Track, accuracy: number): number | null {
  const i = track.accuracy.findIndex((a) => a >= accuracy);
  return i === -1 ? null : i + 1;
}

function table(tracks: Track[]) {
  const f32 = tracks[0]!;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return tracks.map((t) => ({
    codec: t.name,
    upBytesPerRound: Math.round(mean(t.bytesUp)),
    downBytesPerRound: Math.round(mean(t.bytesDown)),
    upRatio: round(mean(f32.bytesUp) / mean(t.bytesUp), 2),
    roundsToTarget: t.roundsToTarget,
    roundsVsFloat32: t.roundsToTarget !== null && f32.roundsToTarget !== null ? round(t.roundsToTarget / f32.roundsToTarget, 2) : null,
    roundsTo: Object.fromEntries(MILESTONES.map((m) => [m, roundsTo(t, m)])),
    finalAccuracy: round(t.accuracy.at(-1) ?? 0, 4),
  }));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await runCompressionBench();
