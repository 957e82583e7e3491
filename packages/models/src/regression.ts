// Local training and evaluation of a regression model (one linear output, mean squared error):
// the tabular regression tasks' counterpart of trainLocal and evaluateModel, which are cross-entropy.

import * as tf from '@tensorflow/tfjs';
import { createRng, shuffleInPlace } from '@flotilla/core';
import { ModelError } from './errors.ts';
import { modelIo, throwIfAborted, yieldToEventLoop } from './batches.ts';
import type { TrainingHooks, TrainingPlan } from './train.ts';

/** Examples with a numeric target each: `inputs` holds `count` rows in the model's input layout. */
export type RegressionData = { inputs: Float32Array; targets: Float32Array; count: number };

/** Example-weighted means over the last epoch, measured on each batch before its update. */
export type RegressionResult = { numExamples: number; mse: number; mae: number; steps: number };

/**
 * Trains in place with minibatch SGD on mean squared error, reshuffling (seeded) every epoch, with
 * the FedProx term when `proximalMu` > 0, yielding between batches and honouring `signal` as
 * trainLocal does. Only trainable weights change (see freezeLayers). DP-SGD is not offered here:
 * its per-example clipping is written for cross-entropy, so a plan with `dpSgd` is refused.
 * @example const r = await trainRegression(model, rows, { epochs: 2, batchSize: 16, learningRate: 0.01 });
 */
export async function trainRegression(
  model: tf.LayersModel, data: RegressionData, plan: TrainingPlan, hooks: TrainingHooks = {},
): Promise<RegressionResult> {
  const inputShape = checkRegression(model, data);
  if (plan.dpSgd) throw new ModelError('MODEL_PLAN_INVALID', 'DP-SGD is not available for regression models');
  if (!(Number.isInteger(plan.epochs) && plan.epochs >= 1 && Number.isInteger(plan.batchSize) && plan.batchSize >= 1 && plan.learningRate > 0 && (plan.proximalMu ?? 0) >= 0)) {
    throw new ModelError('MODEL_PLAN_INVALID', `invalid training plan ${JSON.stringify(plan)}`);
  }
  throwIfAborted(hooks.signal);
  const mu = plan.proximalMu ?? 0;
  const width = inputShape.reduce((a, b) => a * b, 1);
  const batches = Math.ceil(data.count / plan.batchSize);
  const rng = createRng(plan.seed ?? Math.floor(Math.random() * 2 ** 32));
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.sgd(plan.learningRate);
  const start = mu > 0 ? variables.map((v) => v.clone()) : [];
  let steps = 0;
  let squared = 0;
  let absolute = 0;
  try {
    for (let epoch = 1; epoch <= plan.epochs; epoch++) {
      shuffleInPlace(order, rng);
      squared = 0;
      absolute = 0;
      for (let batch = 0; batch < batches; batch++) {
        throwIfAborted(hooks.signal);
        const from = batch * plan.batchSize;
        const n = Math.min(plan.batchSize, data.count - from);
        const x = new Float32Array(n * width);
        const y = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const index = order[from + i]!;
          x.set(data.inputs.subarray(index * width, (index + 1) * width), i * width);
          y[i] = data.targets[index]!;
        }
        let stats: tf.Tensor1D | undefined;
        tf.tidy(() => {
          const xt = tf.tensor(x, [n, ...inputShape]);
          const yt = tf.tensor2d(y, [n, 1]);
          optimizer.minimize(() => {
            const error = tf.sub(model.apply(xt, { training: true }) as tf.Tensor2D, yt);
            stats = tf.keep(tf.stack([tf.sum(tf.square(error)), tf.sum(tf.abs(error))]) as tf.Tensor1D);
            const loss = tf.mean(tf.square(error));
            if (mu === 0) return loss as tf.Scalar;
            const drift = tf.addN(variables.map((v, i) => tf.sum(tf.squaredDifference(v, start[i]!))));
            return tf.add(loss, tf.mul(mu / 2, drift)) as tf.Scalar;
          }, false, variables);
        });
        const [sq = 0, abs = 0] = await stats!.data();
        stats!.dispose();
        squared += sq;
        absolute += abs;
        steps++;
        hooks.onProgress?.({ epoch, epochs: plan.epochs, batch: batch + 1, batches, loss: sq / n });
        if (steps % Math.max(1, Math.floor(hooks.yieldEveryBatches ?? 1)) === 0) await yieldToEventLoop();
      }
    }
  } finally {
    optimizer.dispose();
    tf.dispose(start);
  }
  return { numExamples: data.count, mse: squared / data.count, mae: absolute / data.count, steps };
}

/**
 * Mean squared and mean absolute error of the model on the examples, in inference mode, in batches.
 * @example const { mae } = await evaluateRegression(model, test);
 */
export async function evaluateRegression(model: tf.LayersModel, data: RegressionData, batchSize = 1000): Promise<{ mse: number; mae: number }> {
  const inputShape = checkRegression(model, data);
  const width = inputShape.reduce((a, b) => a * b, 1);
  let squared = 0;
  let absolute = 0;
  for (let from = 0; from < data.count; from += batchSize) {
    const n = Math.min(batchSize, data.count - from);
    const stats = tf.tidy(() => {
      const pred = model.predict(tf.tensor(data.inputs.slice(from * width, (from + n) * width), [n, ...inputShape])) as tf.Tensor2D;
      const error = tf.sub(pred, tf.tensor2d(data.targets.slice(from, from + n), [n, 1]));
      return tf.stack([tf.sum(tf.square(error)), tf.sum(tf.abs(error))]);
    });
    const [sq = 0, abs = 0] = await stats.data();
    stats.dispose();
    squared += sq;
    absolute += abs;
    if (from + n < data.count) await yieldToEventLoop();
  }
  return { mse: squared / data.count, mae: absolute / data.count };
}

function checkRegression(model: tf.LayersModel, data: RegressionData): number[] {
  const io = modelIo(model);
  if (io.classes !== 1) throw new ModelError('MODEL_SPEC_INVALID', `a regression model has one output unit, this one has ${io.classes}`);
  if (!Number.isInteger(data.count) || data.count < 1 || data.inputs.length < data.count * io.inputSize || data.targets.length < data.count) {
    throw new ModelError('MODEL_DATA_INVALID', `${data.count} examples need ${data.count * io.inputSize} input values and ${data.count} targets, got ${data.inputs.length} and ${data.targets.length}`);
  }
  const bad = data.targets.subarray(0, data.count).findIndex((t) => !Number.isFinite(t));
  if (bad >= 0) throw new ModelError('MODEL_DATA_INVALID', `target ${data.targets[bad]} at ${bad} is not a finite number`);
  return io.inputShape;
}
