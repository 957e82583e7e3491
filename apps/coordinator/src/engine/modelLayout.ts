// What the round engine knows of a task's model besides its weights: their shapes, which of them
// train (frozen layers), and whether the coordinator holds a test set to evaluate it on (protocol's rule).

import { hasCentralTestSet } from '@flotilla/protocol';

/** The flat weight vector's layout: one shape per tensor, and a 0/1 mask of the weights that train. */
export interface ModelLayout {
  shapes: number[][];
  /** One entry per scalar in flat order; null when the worker did not say (everything trains). */
  trainable: Uint8Array | null;
  /** The layers that own weights, with their tensors' indices (a personal head is resolved against them); absent in older callers. */
  layers?: { name: string; tensors: number[] }[];
}

export { hasCentralTestSet };

/**
 * Puts back the previous global value of every frozen weight (mask 0), in place: whatever moved
 * them (a server optimiser's momentum, DP noise, centered clipping, a client that trained them
 * anyway), a frozen layer keeps its pretrained weights.
 * @example restoreFrozen(next, runner.weights, mask);
 */
export function restoreFrozen(next: Float32Array, previous: Float32Array, trainable: Uint8Array): void {
  if (next.length !== previous.length || trainable.length !== next.length) {
    throw new Error(`frozen-weight mask of ${trainable.length} for ${next.length} weights (previous ${previous.length})`);
  }
  for (let i = 0; i < next.length; i++) if (trainable[i] === 0) next[i] = previous[i]!;
}
