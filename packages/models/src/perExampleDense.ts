// Per-example gradient clipping in one backward pass for stacks of dense layers (Goodfellow 2015,
// "Efficient per-example gradient computations", arXiv:1510.01799): the 2NN and logistic regression.

import * as tf from '@tensorflow/tfjs';
import { countCorrect } from './batches.ts';
import type { ClippedSum } from './dpSgd.ts';

const ACTIVATIONS: Record<string, (z: tf.Tensor) => tf.Tensor> = {
  linear: (z) => z,
  relu: (z) => tf.relu(z),
  sigmoid: (z) => tf.sigmoid(z),
  tanh: (z) => tf.tanh(z),
  softmax: (z) => tf.softmax(z),
};

type DenseStep = { kernel: tf.Variable; bias: tf.Variable | null; activation: (z: tf.Tensor) => tf.Tensor };

/**
 * The model as dense layers with known activations whose weights are exactly `variables`, or null
 * for any other architecture (convolutions, custom layers …), which then takes the per-micro-batch loop.
 */
export function denseStack(model: tf.LayersModel, variables: readonly tf.Variable[]): DenseStep[] | null {
  const steps: DenseStep[] = [];
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === 'InputLayer') continue;
    const config = layer.getConfig();
    const activation = ACTIVATIONS[String(config['activation'])];
    const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    if (kind !== 'Dense' || !activation || weights.length < 1 || weights.length > 2 || weights[0]!.rank !== 2) return null;
    steps.push({ kernel: weights[0]!, bias: weights[1] ?? null, activation });
  }
  const ours = steps.flatMap((s) => (s.bias ? [s.kernel, s.bias] : [s.kernel]));
  if (ours.length !== variables.length || ours.some((v, i) => v.id !== variables[i]!.id)) return null;
  // Cross-entropy is computed on probabilities, so only the last layer may be the softmax.
  if (steps.length === 0 || steps.at(-1)!.activation !== ACTIVATIONS['softmax']) return null;
  return steps;
}

/**
 * Σ_i clip(∇ loss_i, C) over the rows of (x, y), equal to clipping each example's gradient on its
 * own but computed from one forward and one backward pass. For a dense layer z = aW + b, example
 * i's gradient is aᵢᵀδᵢ for W and δᵢ for b, with δᵢ = ∂lossᵢ/∂zᵢ, so its squared norm is
 * ‖aᵢ‖²‖δᵢ‖² + ‖δᵢ‖², and the clipped sum is Aᵀ diag(c) Δ with cᵢ = min(1, C/‖gᵢ‖).
 * @example const { sum, stats } = denseClippedSum(denseStack(model, variables)!, x, y, 1.0);
 */
export function denseClippedSum(steps: readonly DenseStep[], x: tf.Tensor, y: tf.Tensor2D, l2NormClip: number): ClippedSum {
  const n = x.shape[0]!;
  const inputs: tf.Tensor2D[] = [];
  let stats: tf.Tensor1D | undefined;
  // ∂(Σᵢ lossᵢ)/∂z, read as the gradient of zero offsets added to each layer's pre-activation.
  const offsets = steps.map((s) => tf.zeros([n, s.kernel.shape[1]!]));
  try {
    const deltas = tf.grads((...e: tf.Tensor[]) => {
      let a = tf.reshape(x, [n, -1]) as tf.Tensor2D;
      steps.forEach((s, i) => {
        inputs.push(tf.keep(a));
        const z = tf.add(s.bias ? tf.add(tf.matMul(a, s.kernel), s.bias) : tf.matMul(a, s.kernel), e[i]!);
        a = s.activation(z) as tf.Tensor2D;
      });
      const perExample = tf.metrics.categoricalCrossentropy(y, a);
      stats = tf.keep(tf.stack([tf.sum(perExample), countCorrect(a, y)]) as tf.Tensor1D);
      return tf.sum(perExample) as tf.Scalar;
    })(offsets) as tf.Tensor2D[];
    return tf.tidy(() => {
      const squared = steps.map((s, i) => {
        const d2 = tf.sum(tf.square(deltas[i]!), 1);
        const w2 = tf.mul(tf.sum(tf.square(inputs[i]!), 1), d2);
        return s.bias ? tf.add(w2, d2) : w2;
      });
      const norm = tf.sqrt(tf.addN(squared));
      const factor = tf.reshape(tf.div(l2NormClip, tf.maximum(norm, l2NormClip)), [n, 1]);
      const clipped = tf.reshape(tf.sum(tf.cast(tf.greater(norm, l2NormClip), 'float32')), [1]);
      const sum = steps.flatMap((s, i) => {
        const scaled = tf.mul(deltas[i]!, factor);
        const kernel = tf.matMul(inputs[i]!, scaled, true, false);
        return s.bias ? [kernel, tf.sum(scaled, 0)] : [kernel];
      });
      tf.dispose(deltas);
      return { sum, microbatches: n, stats: tf.concat([stats!, clipped]) as tf.Tensor1D };
    });
  } finally {
    tf.dispose([...offsets, ...inputs]);
    stats?.dispose();
  }
}
