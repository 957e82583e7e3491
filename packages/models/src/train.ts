// Local training (SGD, optional FedProx term), evaluation, and the centralized early-stopped baseline.

import * as tf from '@tensorflow/tfjs';
import { createRng, shuffleInPlace } from '@flotilla/core';
import { ModelError } from './errors.ts';
import { checkData, countCorrect, gatherBatch, modelIo, throwIfAborted, yieldToEventLoop, type LabelArray, type LabelledData } from './batches.ts';
import { checkDpSgdPlan, privateGradient, type DpSgdPlan } from './dpSgd.ts';
import { getFlatWeights, setFlatWeights } from './weights.ts';

/** A client's training plan for one round: local epochs E, batch size B, learning rate, FedProx μ, DP-SGD. */
export type TrainingPlan = { epochs: number; batchSize: number; learningRate: number; proximalMu?: number; seed?: number; dpSgd?: DpSgdPlan };

/** Reported after every batch; `epoch` and `batch` count from 1. `loss` is that batch's mean loss. */
export type TrainingProgress = { epoch: number; epochs: number; batch: number; batches: number; loss: number };

/** Progress callback, cancellation, and how many batches run between two yields to the event loop. */
export type TrainingHooks = { onProgress?(p: TrainingProgress): void; signal?: AbortSignal; yieldEveryBatches?: number };

/**
 * `loss` (cross-entropy, without the proximal term) and `accuracy` are example-weighted means
 * over the last epoch, measured on each batch before its update, as Keras reports them.
 */
export type TrainingResult = {
  numExamples: number; loss: number; accuracy: number; steps: number;
  /** With DP-SGD: the share of micro-batch gradients that were clipped, over all steps. */
  clippedFraction?: number;
};

/** One epoch of the centralized baseline. */
export type CentralizedEpoch = { epoch: number; trainLoss: number; valAccuracy: number; valLoss: number };

/**
 * Trains in place with minibatch SGD on categorical cross-entropy, reshuffling (seeded) every
 * epoch. With `proximalMu` > 0 it minimises the FedProx objective F(w) + (μ/2)·‖w − w₀‖², w₀ being
 * the weights at the call (Li et al. 2020, arXiv:1812.06127). The model must output class
 * probabilities (a softmax), as every zoo model does. Between batches it yields to the
 * event loop so a Worker or a Node client keeps answering its socket; when `signal` aborts it
 * throws a DOMException named 'AbortError' and leaves the weights partly trained.
 * With `dpSgd` every step is a DP-SGD step (see privateGradient): micro-batch gradients clipped
 * to C, noise σ·C on their sum; the FedProx gradient μ(w − w₀) touches no example and is added
 * after the noise.
 * @example
 * const r = await trainLocal(model, partition, { epochs: 5, batchSize: 10, learningRate: 0.1 }, { signal });
 * send({ weights: getFlatWeights(model), numExamples: r.numExamples });
 */
export async function trainLocal(
  model: tf.LayersModel, data: LabelledData, plan: TrainingPlan, hooks: TrainingHooks = {},
): Promise<TrainingResult> {
  const io = modelIo(model);
  checkData(io, data.images, data.labels, data.count);
  checkPlan(plan);
  throwIfAborted(hooks.signal);
  const mu = plan.proximalMu ?? 0;
  const yieldEvery = Math.max(1, Math.floor(hooks.yieldEveryBatches ?? 1));
  const batches = Math.ceil(data.count / plan.batchSize);
  const rng = createRng(plan.seed ?? Math.floor(Math.random() * 2 ** 32));
  const order = Int32Array.from({ length: data.count }, (_, i) => i);

  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.sgd(plan.learningRate);
  const start = mu > 0 ? variables.map((v) => v.clone()) : [];
  let steps = 0;
  let clipped = 0;
  let microbatches = 0;
  let epochLoss = 0;
  let epochCorrect = 0;
  try {
    for (let epoch = 1; epoch <= plan.epochs; epoch++) {
      shuffleInPlace(order, rng);
      epochLoss = 0;
      epochCorrect = 0;
      for (let batch = 0; batch < batches; batch++) {
        throwIfAborted(hooks.signal);
        const from = batch * plan.batchSize;
        const n = Math.min(plan.batchSize, data.count - from);
        const { x, y } = gatherBatch(data, io, order, from, n);
        const xt = tf.tensor(x, [n, ...io.inputShape]);
        const yt = tf.tensor2d(y, [n, io.classes]);
        const stats = plan.dpSgd ? dpStep(model, optimizer, variables, start, mu, xt, yt, plan.dpSgd) : step(model, optimizer, variables, start, mu, xt, yt);
        // Async read: on WebGL it does not block the thread while the GPU finishes.
        const [lossSum = 0, correct = 0, clippedHere = 0] = await stats.data();
        stats.dispose();
        clipped += clippedHere;
        microbatches += Math.ceil(n / (plan.dpSgd?.microbatchSize ?? 1));
        epochLoss += lossSum;
        epochCorrect += correct;
        steps++;
        hooks.onProgress?.({ epoch, epochs: plan.epochs, batch: batch + 1, batches, loss: lossSum / n });
        if (steps % yieldEvery === 0) await yieldToEventLoop();
      }
    }
  } finally {
    optimizer.dispose();
    tf.dispose(start);
  }
  return {
    numExamples: data.count, loss: epochLoss / data.count, accuracy: epochCorrect / data.count, steps,
    ...(plan.dpSgd ? { clippedFraction: clipped / microbatches } : {}),
  };
}

// One DP-SGD step; returns [sum of per-example losses, number correct, micro-batches clipped] and disposes x and y.
function dpStep(
  model: tf.LayersModel, optimizer: tf.Optimizer, variables: tf.Variable[], start: tf.Tensor[], mu: number,
  x: tf.Tensor, y: tf.Tensor2D, dp: DpSgdPlan,
): tf.Tensor1D {
  try {
    const { gradient, stats } = privateGradient(model, variables, x, y, dp);
    const grads = variables.map((v, i) => {
      const g = gradient[i]!;
      if (mu === 0) return { name: v.name, tensor: g };
      const withProx = tf.tidy(() => tf.add(g, tf.mul(mu, tf.sub(v, start[i]!))));
      g.dispose();
      return { name: v.name, tensor: withProx };
    });
    optimizer.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
    return stats;
  } finally {
    x.dispose();
    y.dispose();
  }
}

// One SGD step; returns [sum of per-example losses, number correct] and disposes x and y.
function step(
  model: tf.LayersModel, optimizer: tf.Optimizer, variables: tf.Variable[], start: tf.Tensor[], mu: number,
  x: tf.Tensor, y: tf.Tensor2D,
): tf.Tensor1D {
  let stats: tf.Tensor1D | undefined;
  try {
    optimizer.minimize(
      () => {
        const pred = model.apply(x, { training: true }) as tf.Tensor2D;
        const perExample = tf.metrics.categoricalCrossentropy(y, pred);
        // Kept out of the tape's cleanup; not on the loss path, so no gradient flows through it.
        stats = tf.keep(tf.stack([tf.sum(perExample), countCorrect(pred, y)]) as tf.Tensor1D);
        const loss = tf.mean(perExample);
        if (mu === 0) return loss as tf.Scalar;
        const drift = tf.addN(variables.map((v, i) => tf.sum(tf.squaredDifference(v, start[i]!))));
        return tf.add(loss, tf.mul(mu / 2, drift)) as tf.Scalar;
      },
      false,
      variables,
    );
  } finally {
    x.dispose();
    y.dispose();
  }
  return stats!;
}

/**
 * Mean cross-entropy and accuracy of the model on `count` examples, in inference mode, in
 * batches (yielding between them, so the coordinator stays responsive while it evaluates).
 * @example const { accuracy } = await evaluateModel(model, test.images, test.labels, test.count);
 */
export async function evaluateModel(
  model: tf.LayersModel, images: Float32Array, labels: LabelArray, count: number, batchSize = 1000,
): Promise<{ loss: number; accuracy: number }> {
  const io = modelIo(model);
  checkData(io, images, labels, count);
  const data = { images, labels, count };
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < count; from += batchSize) {
    const n = Math.min(batchSize, count - from);
    const { x, y } = gatherBatch(data, io, undefined, from, n);
    const stats = tf.tidy(() => {
      const yt = tf.tensor2d(y, [n, io.classes]);
      const pred = model.predict(tf.tensor(x, [n, ...io.inputShape])) as tf.Tensor2D;
      return tf.stack([tf.sum(tf.metrics.categoricalCrossentropy(yt, pred)), countCorrect(pred, yt)]);
    });
    const [l = 0, c = 0] = await stats.data();
    stats.dispose();
    lossSum += l;
    correct += c;
    if (from + n < count) await yieldToEventLoop();
  }
  return { loss: lossSum / count, accuracy: correct / count };
}

/**
 * Trains on the pooled data epoch by epoch until validation accuracy has not improved for
 * `patience` epochs (or `maxEpochs`), then restores the best epoch's weights: the centralized
 * baseline that federated accuracy is compared with. Returns one record per epoch run.
 * @example
 * const history = await trainCentralized(model, train, val, { batchSize: 50, learningRate: 0.05, maxEpochs: 30, patience: 3 });
 */
export async function trainCentralized(
  model: tf.LayersModel, train: LabelledData, validation: LabelledData,
  plan: Omit<TrainingPlan, 'epochs' | 'proximalMu'> & { maxEpochs: number; patience: number },
  onEpoch?: (epoch: CentralizedEpoch) => void,
): Promise<CentralizedEpoch[]> {
  if (!Number.isInteger(plan.maxEpochs) || plan.maxEpochs < 1 || !Number.isInteger(plan.patience) || plan.patience < 1) {
    throw new ModelError('MODEL_PLAN_INVALID', `maxEpochs and patience must be integers ≥ 1, got ${plan.maxEpochs}, ${plan.patience}`);
  }
  const history: CentralizedEpoch[] = [];
  let best = -Infinity;
  let bestWeights = getFlatWeights(model);
  let sinceBest = 0;
  for (let epoch = 1; epoch <= plan.maxEpochs; epoch++) {
    const seed = plan.seed === undefined ? undefined : plan.seed + epoch;
    // One epoch at a time; no μ: the baseline is plain centralized SGD.
    const trained = await trainLocal(model, train, { epochs: 1, batchSize: plan.batchSize, learningRate: plan.learningRate, seed });
    const val = await evaluateModel(model, validation.images, validation.labels, validation.count);
    const record = { epoch, trainLoss: trained.loss, valAccuracy: val.accuracy, valLoss: val.loss };
    history.push(record);
    onEpoch?.(record);
    if (val.accuracy > best) {
      best = val.accuracy;
      bestWeights = getFlatWeights(model);
      sinceBest = 0;
    } else if (++sinceBest >= plan.patience) {
      break;
    }
  }
  setFlatWeights(model, bestWeights);
  return history;
}

function checkPlan(plan: TrainingPlan): void {
  const ok =
    Number.isInteger(plan.epochs) && plan.epochs >= 1 &&
    Number.isInteger(plan.batchSize) && plan.batchSize >= 1 &&
    Number.isFinite(plan.learningRate) && plan.learningRate > 0 &&
    (plan.proximalMu === undefined || (Number.isFinite(plan.proximalMu) && plan.proximalMu >= 0));
  if (!ok) throw new ModelError('MODEL_PLAN_INVALID', `invalid training plan ${JSON.stringify(plan)}`);
  if (plan.dpSgd) checkDpSgdPlan(plan.dpSgd);
}
