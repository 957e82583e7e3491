// Local training of any schema's model (SGD on cross-entropy or squared error, optional FedProx
// term and DP-SGD), and the centralized early-stopped baseline.

import * as tf from '@tensorflow/tfjs';
import { createRng, shuffleInPlace } from '@flotilla/core';
import { ModelError } from './errors.ts';
import { checkData, gatherBatch, modelIo, throwIfAborted, yieldToEventLoop, type LabelledData, type Objective } from './batches.ts';
import { checkDpSgdPlan, privateGradient, type DpSgdPlan } from './dpSgd.ts';
import { measure } from './evaluate.ts';
import { getFlatWeights, setFlatWeights } from './weights.ts';

/**
 * A client's training plan for one round: local epochs E, batch size B, learning rate, FedProx μ,
 * DP-SGD. `localSteps` (device-aware work) replaces E: that many batches, across as many epochs as
 * they take, each epoch reshuffled.
 */
export type TrainingPlan = {
  epochs: number; batchSize: number; learningRate: number; proximalMu?: number; seed?: number; dpSgd?: DpSgdPlan; localSteps?: number;
  /** Train only these tensors (indices in `model.weights`, trainable ones only); the rest stay as they are (FedRep's alternation). */
  trainWeights?: readonly number[];
  /** The point the proximal term pulls towards, flat in `getFlatWeights` order; absent: the weights at the call (FedProx). Ditto pulls a personal model towards the global one. */
  proximalAnchor?: Float32Array;
};

/** Reported after every batch; `epoch` and `batch` count from 1. `loss` is that batch's mean loss. */
export type TrainingProgress = { epoch: number; epochs: number; batch: number; batches: number; loss: number };

/**
 * Progress callback, cancellation, how many batches run between two yields to the event loop, and
 * `shouldStop`, asked after every batch from the first on: true ends training there with the
 * steps done so far (partial work, as a client near its deadline reports it).
 */
export type TrainingHooks = { onProgress?(p: TrainingProgress): void; signal?: AbortSignal; yieldEveryBatches?: number; shouldStop?(): boolean };

/**
 * Example-weighted means over the last epoch, measured on each batch before its update, as Keras
 * reports them: `loss` (cross-entropy, or squared error for a regression; without the proximal
 * term), and `accuracy` for a classifier or `mae` for a regression.
 */
export type TrainingResult = {
  numExamples: number; loss: number; steps: number;
  accuracy?: number;
  mae?: number;
  /** With DP-SGD: the share of micro-batch gradients that were clipped, over all steps. */
  clippedFraction?: number;
};

/** One epoch of the centralized baseline; `valAccuracy` is null for a regression (its `valLoss` is the MSE). */
export type CentralizedEpoch = { epoch: number; trainLoss: number; valAccuracy: number | null; valLoss: number };

/**
 * Trains in place with minibatch SGD, reshuffling (seeded) every epoch. A model with several
 * outputs is a classifier and must output class probabilities (a softmax, as every zoo model
 * does): it minimises categorical cross-entropy against class ids (images, table classes, the
 * next symbol of a text window, whose symbol indices an embedding layer reads). A model with one
 * output is a regression: it minimises squared error against the labels' values. With
 * `proximalMu` > 0 it minimises the FedProx objective F(w) + (μ/2)·‖w − w₀‖², w₀ being
 * the weights at the call (Li et al. 2020, arXiv:1812.06127). Between batches it yields to the
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
  checkData(io, data);
  checkPlan(plan);
  throwIfAborted(hooks.signal);
  const mu = plan.proximalMu ?? 0;
  const yieldEvery = Math.max(1, Math.floor(hooks.yieldEveryBatches ?? 1));
  const batches = Math.ceil(data.count / plan.batchSize);
  const totalSteps = plan.localSteps ?? plan.epochs * batches;
  const epochs = Math.ceil(totalSteps / batches);
  const rng = createRng(plan.seed ?? Math.floor(Math.random() * 2 ** 32));
  const order = Int32Array.from({ length: data.count }, (_, i) => i);

  const variables = trainedWeights(model, plan.trainWeights).map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.sgd(plan.learningRate);
  const start = mu > 0 ? proximalStart(model, variables, plan.proximalAnchor) : [];
  let steps = 0;
  let clipped = 0;
  let microbatches = 0;
  let epochLoss = 0;
  let epochStatistic = 0;
  let epochExamples = 0;
  let stopped = false;
  try {
    for (let epoch = 1; epoch <= epochs && !stopped; epoch++) {
      shuffleInPlace(order, rng);
      epochLoss = 0;
      epochStatistic = 0;
      epochExamples = 0;
      for (let batch = 0; batch < batches && steps < totalSteps; batch++) {
        throwIfAborted(hooks.signal);
        const from = batch * plan.batchSize;
        const n = Math.min(plan.batchSize, data.count - from);
        const { x, y } = gatherBatch(data, io, order, from, n);
        const xt = tf.tensor(x, [n, ...io.inputShape]);
        const yt = tf.tensor2d(y, [n, io.outputs]);
        const stats = plan.dpSgd
          ? dpStep(model, optimizer, variables, start, mu, xt, yt, plan.dpSgd, io.objective)
          : step(model, optimizer, variables, start, mu, xt, yt, io.objective);
        // Async read: on WebGL it does not block the thread while the GPU finishes.
        const [lossSum = 0, statistic = 0, clippedHere = 0] = await stats.data();
        stats.dispose();
        clipped += clippedHere;
        microbatches += Math.ceil(n / (plan.dpSgd?.microbatchSize ?? 1));
        epochLoss += lossSum;
        epochStatistic += statistic;
        epochExamples += n;
        steps++;
        hooks.onProgress?.({ epoch, epochs, batch: batch + 1, batches, loss: lossSum / n });
        if (steps % yieldEvery === 0) await yieldToEventLoop();
        if (hooks.shouldStop?.()) {
          stopped = true;
          break;
        }
      }
    }
  } finally {
    optimizer.dispose();
    tf.dispose(start);
  }
  // Over the last epoch's examples, which a step budget or an early stop may leave partial.
  const statistic = epochStatistic / epochExamples;
  return {
    numExamples: data.count, loss: epochLoss / epochExamples, steps,
    ...(io.objective.kind === 'regression' ? { mae: statistic } : { accuracy: statistic }),
    ...(plan.dpSgd ? { clippedFraction: clipped / microbatches } : {}),
  };
}

// The weights a plan trains: the model's trainable ones, or those of them the plan names.
function trainedWeights(model: tf.LayersModel, only: readonly number[] | undefined): tf.LayerVariable[] {
  if (only === undefined) return model.trainableWeights;
  const chosen = new Set(only.map((i) => model.weights[i]));
  return model.trainableWeights.filter((w) => chosen.has(w));
}

// The proximal term's anchor per trained variable: the anchor vector's slices, or the values at the call.
function proximalStart(model: tf.LayersModel, variables: tf.Variable[], anchor: Float32Array | undefined): tf.Tensor[] {
  if (!anchor) return variables.map((v) => v.clone());
  const offsets = new Map<string, number>();
  let offset = 0;
  for (const w of model.weights) {
    offsets.set((w.read() as tf.Variable).name, offset);
    offset += w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
  }
  if (anchor.length !== offset) throw new ModelError('MODEL_PLAN_INVALID', `proximal anchor of ${anchor.length} values for a model of ${offset}`);
  return variables.map((v) => {
    const at = offsets.get(v.name)!;
    return tf.tensor(anchor.slice(at, at + v.size), v.shape, 'float32');
  });
}

// One DP-SGD step; returns [sum of per-example losses, the objective's statistic, micro-batches clipped] and disposes x and y.
function dpStep(
  model: tf.LayersModel, optimizer: tf.Optimizer, variables: tf.Variable[], start: tf.Tensor[], mu: number,
  x: tf.Tensor, y: tf.Tensor2D, dp: DpSgdPlan, objective: Objective,
): tf.Tensor1D {
  try {
    const { gradient, stats } = privateGradient(model, variables, x, y, dp, undefined, objective);
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

// One SGD step; returns [sum of per-example losses, the objective's statistic] and disposes x and y.
function step(
  model: tf.LayersModel, optimizer: tf.Optimizer, variables: tf.Variable[], start: tf.Tensor[], mu: number,
  x: tf.Tensor, y: tf.Tensor2D, objective: Objective,
): tf.Tensor1D {
  let stats: tf.Tensor1D | undefined;
  try {
    optimizer.minimize(
      () => {
        const pred = model.apply(x, { training: true }) as tf.Tensor2D;
        const perExample = objective.perExample(y, pred);
        // Kept out of the tape's cleanup; not on the loss path, so no gradient flows through it.
        stats = tf.keep(tf.stack([tf.sum(perExample), objective.statistic(y, pred)]) as tf.Tensor1D);
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
 * Trains on the pooled data epoch by epoch until the validation metric (accuracy, or for a
 * regression the squared error) has not improved for `patience` epochs (or `maxEpochs`), then
 * restores the best epoch's weights: the centralized baseline that federated accuracy is compared
 * with (a one-unit model is a regression, see trainLocal).
 * Returns one record per epoch run.
 * @example
 * const history = await trainCentralized(model, train, val, { batchSize: 50, learningRate: 0.05, maxEpochs: 30, patience: 3 });
 */
export async function trainCentralized(
  model: tf.LayersModel, train: LabelledData, validation: LabelledData,
  plan: Omit<TrainingPlan, 'epochs' | 'proximalMu'> & { maxEpochs: number; patience: number },
  onEpoch?: (epoch: CentralizedEpoch) => void,
): Promise<CentralizedEpoch[]> {
  const regression = modelIo(model).objective.kind === 'regression';
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
    const val = await measure(model, validation);
    const record = { epoch, trainLoss: trained.loss, valAccuracy: val.accuracy ?? null, valLoss: val.loss };
    history.push(record);
    onEpoch?.(record);
    const score = regression ? -val.loss : val.accuracy!;
    if (score > best) {
      best = score;
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
    (plan.proximalMu === undefined || (Number.isFinite(plan.proximalMu) && plan.proximalMu >= 0)) &&
    (plan.localSteps === undefined || (Number.isInteger(plan.localSteps) && plan.localSteps >= 1));
  if (!ok) throw new ModelError('MODEL_PLAN_INVALID', `invalid training plan ${JSON.stringify(plan)}`);
  if (plan.dpSgd) checkDpSgdPlan(plan.dpSgd);
}
