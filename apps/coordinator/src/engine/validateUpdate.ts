// Checks on a client's update before it may touch an aggregate: the tensors match the model,
// every value is finite, the norm is within bounds and the example count is plausible.

import { ErrorCodes, FlotillaError, flattenTensors, type NamedTensor, type Update } from '@flotilla/protocol';

export interface UpdateLimits {
  shapes: readonly number[][];
  maxUpdateNorm: number;
  /** The task's cap, or less: what the client declared at hello. */
  maxExamples: number;
  /** In a simulation: the client's partition size, the only count its updates may report. */
  exactExamples?: number | null;
}

/**
 * Returns the update as one flat vector, or throws a FlotillaError naming what is wrong.
 * @example const delta = validateUpdate(message, tensors, { shapes, maxUpdateNorm: 100, maxExamples: 600 });
 */
export function validateUpdate(message: Update, tensors: readonly NamedTensor[], limits: UpdateLimits): Float32Array {
  const { shapes } = limits;
  if (tensors.length !== shapes.length) {
    throw new FlotillaError(ErrorCodes.TENSOR_MISMATCH, `expected ${shapes.length} tensors, got ${tensors.length}`);
  }
  tensors.forEach((t, i) => {
    const expected = shapes[i]!;
    if (t.shape.length !== expected.length || t.shape.some((d, j) => d !== expected[j])) {
      throw new FlotillaError(ErrorCodes.TENSOR_MISMATCH, `tensor ${i} has shape [${t.shape}], the model expects [${expected}]`);
    }
  });
  if (message.numExamples > limits.maxExamples) {
    throw new FlotillaError(ErrorCodes.BAD_EXAMPLE_COUNT, `claims ${message.numExamples} examples, at most ${limits.maxExamples} are plausible`);
  }
  const exact = limits.exactExamples;
  if (exact !== undefined && exact !== null && message.numExamples !== exact) {
    throw new FlotillaError(ErrorCodes.BAD_EXAMPLE_COUNT, `claims ${message.numExamples} examples, its partition holds ${exact}`);
  }
  const flat = flattenTensors(tensors);
  let sumSquares = 0;
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    if (!Number.isFinite(v)) throw new FlotillaError(ErrorCodes.NON_FINITE, `value ${i} of the update is ${v}`);
    sumSquares += v * v;
  }
  const norm = Math.sqrt(sumSquares);
  if (norm > limits.maxUpdateNorm) {
    throw new FlotillaError(ErrorCodes.UPDATE_NORM_EXCEEDED, `update norm ${norm.toFixed(3)} exceeds the bound ${limits.maxUpdateNorm}`);
  }
  return flat;
}
