// A model's layers that own weights, with the indices of their tensors in the flat weight order:
// what a personal head (FedPer / FedRep) is resolved against on the client and the coordinator.

import type * as tf from '@tensorflow/tfjs';

/**
 * Layers with weights, in `model.layers` order, each with the indices of its tensors in
 * `model.weights` (the order `getFlatWeights` flattens in).
 * @example weightLayers(await createModel({ kind: 'mnist-2nn' })) // [{ name: 'hidden1', tensors: [0, 1] }, { name: 'hidden2', tensors: [2, 3] }, { name: 'output', tensors: [4, 5] }]
 */
export function weightLayers(model: tf.LayersModel): { name: string; tensors: number[] }[] {
  const index = new Map(model.weights.map((w, i) => [w, i]));
  return model.layers
    .map((layer) => ({ name: layer.name, tensors: layer.weights.map((w) => index.get(w)).filter((i): i is number => i !== undefined).sort((a, b) => a - b) }))
    .filter((l) => l.tensors.length > 0);
}
