// What of a FedPer / FedRep update leaves the client: the body's tensors, never the head's.

import { flattenTensors, splitFlat, type NamedTensor } from '@flotilla/protocol';

/**
 * The update's tensors without the head's (the coordinator expects the body's shapes only).
 * @example bodyTensors(splitFlat(update, shapes), [4, 5]) // the 2NN's hidden layers
 */
export function bodyTensors(tensors: readonly NamedTensor[], head: readonly number[]): NamedTensor[] {
  const skip = new Set(head);
  return tensors.filter((_, i) => !skip.has(i));
}

/**
 * The flat update and shapes of the body alone: what a FedPer / FedRep client encodes in its uplink
 * codec (so a top-k residual is the body's as well); with no head, the update as it is.
 * @example bodyUpdate(update, shapes, [4, 5]) // { update: the hidden layers' values, shapes: their shapes }
 */
export function bodyUpdate(update: Float32Array, shapes: readonly number[][], head: readonly number[]): { update: Float32Array; shapes: number[][] } {
  if (head.length === 0) return { update, shapes: shapes.map((s) => [...s]) };
  const body = bodyTensors(splitFlat(update, shapes.map((s) => [...s])), head);
  return { update: flattenTensors(body), shapes: body.map((t) => [...t.shape]) };
}

/**
 * A copy of the flat update with the head's values set to zero: under secure aggregation the
 * masked vector has the whole model's length, and a zero carries nothing of the head.
 * @example zeroHead(update, shapes, [4, 5])
 */
export function zeroHead(update: Float32Array, shapes: readonly number[][], head: readonly number[]): Float32Array {
  const out = update.slice();
  const skip = new Set(head);
  let offset = 0;
  shapes.forEach((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (skip.has(i)) out.fill(0, offset, offset + size);
    offset += size;
  });
  return out;
}
