// Frozen layers for horizontal transfer learning: a pretrained body stays fixed, only the head trains.

import type * as tf from '@tensorflow/tfjs';
import { ModelError } from './errors.ts';

/**
 * Which layers to freeze: every layer up to and including a named one, the first `count` layers
 * (of `model.layers`, input layers included for functional models), or layers by name.
 */
export type FreezeSpec = { upTo: string | number } | { names: readonly string[] };

/**
 * Marks layers non-trainable, in place, and returns the names of all frozen layers. `trainLocal`
 * then computes and applies gradients for the trainable weights only, so frozen weights stay
 * bit-identical through training.
 *
 * What travels: the full flat vector (`getFlatWeights`), frozen weights included, so a frozen
 * weight's update is exactly zero. The coordinator keeps aggregating one vector of all weights
 * as today (the smaller change); {@link trainableMask} tells it which entries must not move
 * when client-level DP noise or a server optimiser would otherwise touch them.
 *
 * Freeze before reading flat weights: tfjs lists trainable weights before non-trainable ones, so
 * freezing reorders `model.weights` and with it the flat layout. The flag is saved in model.json
 * (`trainable: false`), so a model rebuilt from the exported topology has the same layout.
 * Throws `ModelError('MODEL_FREEZE_INVALID')` for an unknown layer name, a count outside the
 * model, or a freeze that leaves no trainable weight.
 * @example
 * const model = await loadPretrainedModel(upload);
 * freezeLayers(model, { upTo: 'fc' }); // ['conv1', 'pool1', 'conv2', 'pool2', 'flatten', 'fc']
 */
export function freezeLayers(model: tf.LayersModel, spec: FreezeSpec): string[] {
  const names = model.layers.map((l) => l.name);
  const chosen = 'names' in spec ? spec.names : prefix(names, spec.upTo);
  const unknown = chosen.filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    throw new ModelError('MODEL_FREEZE_INVALID', `no layer named ${unknown.join(', ')}; the layers are ${names.join(', ')}`);
  }
  const frozen = new Set(chosen);
  const left = model.layers.filter((l) => !frozen.has(l.name) && l.trainable).reduce((n, l) => n + l.trainableWeights.length, 0);
  if (left === 0) throw new ModelError('MODEL_FREEZE_INVALID', 'freezing these layers would leave nothing to train');
  for (const layer of model.layers) if (frozen.has(layer.name)) layer.trainable = false;
  return model.layers.filter((l) => !l.trainable).map((l) => l.name);
}

/**
 * One entry per scalar of the flat weight vector, in `getFlatWeights` order: 1 where the weight
 * trains, 0 where it is frozen (or never trains, like batch-norm statistics).
 * @example const mask = trainableMask(model); // restore global[i] wherever mask[i] === 0 after noise
 */
export function trainableMask(model: tf.LayersModel): Uint8Array {
  const mask = new Uint8Array(model.weights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0));
  // Membership, not the variable's own flag: a layer built with `trainable: false` (from a saved
  // topology) lists its weights as non-trainable while their variables still say trainable.
  const trainable = new Set(model.trainableWeights);
  let offset = 0;
  for (const weight of model.weights) {
    const size = weight.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
    if (trainable.has(weight)) mask.fill(1, offset, offset + size);
    offset += size;
  }
  return mask;
}

function prefix(names: string[], upTo: string | number): string[] {
  if (typeof upTo === 'number') {
    if (!Number.isInteger(upTo) || upTo < 1 || upTo > names.length) {
      throw new ModelError('MODEL_FREEZE_INVALID', `cannot freeze the first ${upTo} of ${names.length} layers`);
    }
    return names.slice(0, upTo);
  }
  const index = names.indexOf(upTo);
  if (index < 0) throw new ModelError('MODEL_FREEZE_INVALID', `no layer named ${upTo}; the layers are ${names.join(', ')}`);
  return names.slice(0, index + 1);
}
