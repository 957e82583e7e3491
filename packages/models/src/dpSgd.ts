// Sample-level DP-SGD for the local training loop (Abadi et al., CCS 2016, Alg. 1): each
// micro-batch gradient clipped to C, Gaussian noise of std σ·C on their sum, divided by their count.

import * as tf from '@tensorflow/tfjs';
import { gaussianNoise } from '@flotilla/privacy';
import { CLASSIFICATION, type Objective } from './batches.ts';
import { ModelError } from './errors.ts';
import { denseClippedSum, denseStack } from './perExampleDense.ts';

/**
 * DP-SGD settings in TF Privacy / Opacus terms. `microbatchSize` examples share one clipped
 * gradient (1, the default, is per-example clipping as in Opacus); an example's whole influence
 * on one step is then at most `l2NormClip`.
 */
export type DpSgdPlan = { l2NormClip: number; noiseMultiplier: number; microbatchSize?: number };

/** Draws `count` independent N(0, std²) samples. */
export type NoiseSource = (count: number, std: number) => Float64Array | Float32Array;

/** The clipped sum of one batch: per-variable tensors, how many micro-batches, and batch statistics. */
export type ClippedSum = {
  sum: tf.Tensor[];
  microbatches: number;
  /** [sum of per-example losses, number correct (or summed absolute error), micro-batches whose norm exceeded C] */
  stats: tf.Tensor1D;
};

/** Throws `ModelError('MODEL_PLAN_INVALID')` unless C > 0, σ ≥ 0 and the micro-batch size is an integer ≥ 1. */
export function checkDpSgdPlan(dp: DpSgdPlan): void {
  const m = dp.microbatchSize ?? 1;
  if (!(dp.l2NormClip > 0) || !Number.isFinite(dp.l2NormClip) || !(dp.noiseMultiplier >= 0) || !Number.isFinite(dp.noiseMultiplier) || !Number.isInteger(m) || m < 1) {
    throw new ModelError('MODEL_PLAN_INVALID', `invalid DP-SGD settings ${JSON.stringify(dp)}`);
  }
}

/**
 * Σ_j clip(∇ mean loss of micro-batch j, C) over the examples of (x, y). Per-example clipping of
 * a stack of dense layers (the 2NN, logistic regression) takes one backward pass
 * (denseClippedSum); anything else, and any regression, one gradient per micro-batch (microbatchClippedSum).
 * Everything stays on the backend (no reads), so WebGL does not stall. Disposes nothing it was
 * given; the caller owns the returned tensors.
 * @example const { sum, microbatches, stats } = clippedGradientSum(model, variables, x, y, 1.0, 1);
 */
export function clippedGradientSum(
  model: tf.LayersModel, variables: tf.Variable[], x: tf.Tensor, y: tf.Tensor2D, l2NormClip: number, microbatchSize: number,
  objective: Objective = CLASSIFICATION,
): ClippedSum {
  // The one-pass dense path differentiates softmax cross-entropy only.
  const dense = microbatchSize === 1 && objective.kind === 'classification' ? denseStack(model, variables) : null;
  return dense ? denseClippedSum(dense, x, y, l2NormClip) : microbatchClippedSum(model, variables, x, y, l2NormClip, microbatchSize, objective);
}

/**
 * clippedGradientSum for any model: one `tf.variableGrads` per micro-batch of `microbatchSize` examples.
 * @example const { sum } = microbatchClippedSum(model, variables, x, y, 1.0, 4);
 */
export function microbatchClippedSum(
  model: tf.LayersModel, variables: tf.Variable[], x: tf.Tensor, y: tf.Tensor2D, l2NormClip: number, microbatchSize: number,
  objective: Objective = CLASSIFICATION,
): ClippedSum {
  const n = x.shape[0]!;
  let sum: tf.Tensor[] = variables.map((v) => tf.zerosLike(v));
  let stats: tf.Tensor1D = tf.zeros([3]);
  let microbatches = 0;
  for (let from = 0; from < n; from += microbatchSize) {
    const k = Math.min(microbatchSize, n - from);
    let batchStats: tf.Tensor1D | undefined;
    const next = tf.tidy(() => {
      const xb = tf.slice(x, from, k);
      const yb = tf.slice(y, from, k);
      const { grads } = tf.variableGrads(() => {
        const pred = model.apply(xb, { training: true }) as tf.Tensor2D;
        const perExample = objective.perExample(yb as tf.Tensor2D, pred);
        // Kept past the gradient's tidy; not on the loss path.
        batchStats = tf.keep(tf.stack([tf.sum(perExample), objective.statistic(yb as tf.Tensor2D, pred)]) as tf.Tensor1D);
        return tf.mean(perExample) as tf.Scalar;
      }, variables);
      const g = variables.map((v) => grads[v.name]!);
      const norm = tf.sqrt(tf.addN(g.map((t) => tf.sum(tf.square(t)))));
      // min(1, C/‖g‖) without a division by zero for a zero gradient.
      const factor = tf.div(l2NormClip, tf.maximum(norm, l2NormClip));
      const clipped = tf.reshape(tf.cast(tf.greater(norm, l2NormClip), 'float32'), [1]);
      return [...g.map((t, i) => tf.add(sum[i]!, tf.mul(t, factor))), tf.add(stats, tf.concat([batchStats!, clipped]))];
    });
    batchStats?.dispose();
    tf.dispose([...sum, stats]);
    sum = next.slice(0, -1);
    stats = next.at(-1) as tf.Tensor1D;
    microbatches++;
  }
  return { sum, microbatches, stats };
}

/**
 * The privatised gradient of one step: (Σ_j clip(g_j, C) + N(0, (σC)² I)) / (number of
 * micro-batches), as TF Privacy's DPGradientDescentGaussianOptimizer computes it. The noise comes
 * from crypto.getRandomValues through `gaussianNoise` (never Math.random); tests may pass their own.
 * @example
 * const { gradient, stats } = privateGradient(model, variables, x, y, { l2NormClip: 1, noiseMultiplier: 1.1 });
 * optimizer.applyGradients(Object.fromEntries(variables.map((v, i) => [v.name, gradient[i]])));
 */
export function privateGradient(
  model: tf.LayersModel, variables: tf.Variable[], x: tf.Tensor, y: tf.Tensor2D, dp: DpSgdPlan,
  noise: NoiseSource = gaussianNoise, objective: Objective = CLASSIFICATION,
): { gradient: tf.Tensor[]; stats: tf.Tensor1D } {
  checkDpSgdPlan(dp);
  const { sum, microbatches, stats } = clippedGradientSum(model, variables, x, y, dp.l2NormClip, dp.microbatchSize ?? 1, objective);
  const total = variables.reduce((a, v) => a + v.size, 0);
  const std = dp.noiseMultiplier * dp.l2NormClip;
  // One draw for the whole model: fewer getRandomValues calls than one per variable.
  const z = std > 0 ? noise(total, std) : undefined;
  let offset = 0;
  const gradient = sum.map((s) => {
    const size = s.size;
    const piece = z === undefined ? undefined : new Float32Array(z.subarray(offset, offset + size));
    offset += size;
    const out = tf.tidy(() => tf.div(piece === undefined ? s : tf.add(s, tf.tensor(piece, s.shape)), microbatches));
    s.dispose();
    return out;
  });
  return { gradient, stats };
}
