// A model's weights as one flat Float32Array: the form updates travel, aggregate and get stored in.

import * as tf from '@tensorflow/tfjs';
import { ModelError } from './errors.ts';

// Order is `model.weights` (layer by layer, kernel before bias, non-trainable weights included,
// as Flower's get_weights does): the same architecture always flattens the same way.

/**
 * Copies every weight of the model into one vector.
 * @example const global = getFlatWeights(model); // Float32Array(199210) for the 2NN
 */
export function getFlatWeights(model: tf.LayersModel): Float32Array {
  const flat = new Float32Array(countParams(model));
  let offset = 0;
  for (const weight of model.weights) {
    if (weight.dtype !== 'float32') {
      throw new ModelError('MODEL_WEIGHTS_MISMATCH', `weight ${weight.name} is ${weight.dtype}; only float32 weights flatten`);
    }
    // read() returns the live variable, not a copy: copy its values and never dispose it.
    const values = weight.read().dataSync();
    flat.set(values as Float32Array, offset);
    offset += values.length;
  }
  return flat;
}

/**
 * Overwrites every weight of the model from one vector laid out as {@link getFlatWeights} makes it.
 * Throws `ModelError('MODEL_WEIGHTS_MISMATCH')` when the length does not match the model.
 * @example setFlatWeights(model, await fetchGlobalWeights(round));
 */
export function setFlatWeights(model: tf.LayersModel, flat: Float32Array): void {
  const expected = countParams(model);
  if (flat.length !== expected) {
    throw new ModelError('MODEL_WEIGHTS_MISMATCH', `model has ${expected} parameters, got a vector of ${flat.length}`);
  }
  let offset = 0;
  const tensors = model.weights.map((weight) => {
    const size = sizeOf(weight.shape);
    // slice (not subarray) so the tensor owns its values even if the caller reuses `flat`.
    const tensor = tf.tensor(flat.slice(offset, offset + size), weightShape(weight.shape), 'float32');
    offset += size;
    return tensor;
  });
  try {
    model.setWeights(tensors);
  } finally {
    // setWeights assigns copies into the variables, so our temporaries can go.
    tf.dispose(tensors);
  }
}

/**
 * Number of scalars in all weights, trainable or not (the length of the flat vector).
 * @example countParams(await createModel({ kind: 'mnist-cnn' })); // 1663370
 */
export function countParams(model: tf.LayersModel): number {
  return model.weights.reduce((sum, w) => sum + sizeOf(w.shape), 0);
}

/**
 * Shape of each weight in flat order, e.g. for codecs that quantise or sparsify per tensor.
 * @example weightShapes(model); // [[784, 200], [200], [200, 200], [200], [200, 10], [10]]
 */
export function weightShapes(model: tf.LayersModel): number[][] {
  return model.weights.map((w) => weightShape(w.shape));
}

// Weight shapes are always fully defined; the type allows null only because layer shapes may.
function weightShape(shape: ReadonlyArray<number | null>): number[] {
  return shape.map((d) => d ?? 1);
}

function sizeOf(shape: ReadonlyArray<number | null>): number {
  return weightShape(shape).reduce((a, b) => a * b, 1);
}
