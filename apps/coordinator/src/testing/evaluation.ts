// For tests: what an honest client computes for a federated evaluation, done here with
// packages/models directly (the client runtime is another package's): the weights of a model
// version fetched as clients fetch them, and a model's loss and accuracy on given examples.

import { createModel, evaluateModel, initNodeBackend, setFlatWeights } from '@flotilla/models';
import { decodeFrame, type DataSchema, type ModelSpec } from '@flotilla/protocol';

/** The flat weights of a model version, from the route clients fetch them from. */
export async function fetchWeights(url: string, weightsUrl: string): Promise<Float32Array> {
  const response = await fetch(`${url}${weightsUrl}`);
  if (!response.ok) throw new Error(`weights ${weightsUrl}: ${response.status}`);
  const frame = decodeFrame(new Uint8Array(await response.arrayBuffer()));
  const flat = new Float32Array(frame.tensors.reduce((n, t) => n + t.values.length, 0));
  let offset = 0;
  for (const t of frame.tensors) {
    flat.set(t.values as Float32Array, offset);
    offset += t.values.length;
  }
  return flat;
}

/** Loss and accuracy of `weights` (in `spec`'s flat layout) on examples, as a client reports them. */
export async function evaluateWeights(
  spec: ModelSpec, schema: DataSchema, weights: Float32Array, data: { features: Float32Array; labels: Uint8Array; count: number },
): Promise<{ loss: number; accuracy: number }> {
  await initNodeBackend('auto');
  const model = await createModel(spec, 0, schema);
  try {
    setFlatWeights(model, weights);
    return await evaluateModel(model, data.features, data.labels, data.count);
  } finally {
    model.dispose();
  }
}

/**
 * Deterministic two-class tabular examples: `width` features in [-1, 1], the label whether the
 * first two sum above zero (a linear rule a logistic regression can learn).
 */
export function syntheticRows(seed: number, count: number, width = 4): { features: Float32Array; labels: Uint8Array; count: number } {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return (x / 2 ** 32) * 2 - 1;
  };
  const features = new Float32Array(count * width);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < width; j++) features[i * width + j] = next();
    labels[i] = features[i * width]! + features[i * width + 1]! > 0 ? 1 : 0;
  }
  return { features, labels, count };
}
