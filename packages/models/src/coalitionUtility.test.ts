// Tests for coalitionUtility: the coalition's model is the previous model plus the weighted mean
// of its members' deltas, scored by the task's metric on one reused model without leaking tensors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { TabularSchema } from '@flotilla/protocol';
import { coalitionUtility, coalitionUtilityOn } from './coalitionUtility.ts';
import { createModel } from './zoo.ts';
import { getFlatWeights, setFlatWeights } from './weights.ts';
import { trainLocal } from './train.ts';
import { evaluateModel } from './evaluate.ts';
import { initNodeBackend } from './backendNode.ts';
import { blobs } from './testSupport.ts';

const spec = { kind: 'logreg' as const, inputs: 8, classes: 3 };
// Overlapping blobs, so that the coalitions' models score differently.
const data = blobs({ count: 300, dims: 8, classes: 3, seed: 4, spread: 4 });
const slice = (from: number, count: number) => ({
  features: data.features.slice(from * 8, (from + count) * 8), labels: data.labels.slice(from, from + count), count,
});
const validation = slice(200, 100);
const TABLE: TabularSchema = {
  kind: 'tabular', features: Array.from({ length: 8 }, (_, i) => ({ name: `x${i}`, kind: 'numeric' as const })), label: 'y',
  target: { type: 'classification', classes: ['a', 'b', 'c'] },
};
const PRICES: TabularSchema = {
  kind: 'tabular', features: [{ name: 'x1', kind: 'numeric' }, { name: 'x2', kind: 'numeric' }], label: 'y', target: { type: 'regression', metric: 'mse' },
};

beforeAll(async () => {
  await initNodeBackend('wasm');
});

async function trainedUpdates(): Promise<{ previous: Float32Array; weights: Float32Array[]; counts: number[] }> {
  const model = await createModel(spec, 1);
  const previous = getFlatWeights(model);
  const weights: Float32Array[] = [];
  const counts = [40, 80, 20];
  let from = 0;
  for (const [i, count] of counts.entries()) {
    setFlatWeights(model, previous);
    await trainLocal(model, slice(from, count), { epochs: 1, batchSize: 10, learningRate: 0.1, seed: i });
    weights.push(getFlatWeights(model));
    from += count;
  }
  model.dispose();
  return { previous, weights, counts };
}

describe('coalitionUtility', () => {
  it('scores ∅ as the previous model and a coalition as previous + its example-weighted mean delta', async () => {
    const { previous, weights, counts } = await trainedUpdates();
    const model = await createModel(spec, 9);
    const u = coalitionUtilityOn(model, { previous, updates: weights.map((w, i) => ({ weights: w, numExamples: counts[i]! })), validation }, TABLE);
    const reference = await createModel(spec, 2);
    const accuracyOf = async (flat: Float32Array) => {
      setFlatWeights(reference, flat);
      return (await evaluateModel(reference, validation.features, validation.labels, validation.count)).accuracy;
    };

    expect(await u([])).toBe(await accuracyOf(previous));
    // Players 0 and 2 (40 and 20 examples): previous + (40·δ₀ + 20·δ₂)/60.
    const mean = previous.map((p, k) => p + (40 * (weights[0]![k]! - p) + 20 * (weights[2]![k]! - p)) / 60);
    expect(await u([0, 2])).toBeCloseTo(await accuracyOf(mean), 6);
    expect(await u([1])).toBeCloseTo(await accuracyOf(weights[1]!), 6);
    // The check means something only if the coalitions' models score differently.
    expect(new Set([await u([]), await u([0]), await u([2]), await u([0, 2])]).size).toBeGreaterThan(2);
    model.dispose();
    reference.dispose();
  });

  it('takes deltas as well as weights, and builds its own model from the spec', async () => {
    const { previous, weights, counts } = await trainedUpdates();
    const asWeights = weights.map((w, i) => ({ weights: w, numExamples: counts[i]! }));
    const asDeltas = weights.map((w, i) => ({ delta: w.map((v, k) => v - previous[k]!), numExamples: counts[i]! }));
    const a = await coalitionUtility(spec, TABLE, { previous, updates: asWeights, validation });
    const b = await coalitionUtility(spec, TABLE, { previous, updates: asDeltas, validation });

    expect(a.metric).toBe('accuracy');
    for (const coalition of [[], [0], [1, 2], [0, 1, 2]]) expect(await b.utility(coalition)).toBeCloseTo(await a.utility(coalition), 6);
    a.dispose();
    b.dispose();
  });

  it('reuses one model: many evaluations, even concurrent ones, leave no tensor behind', async () => {
    const { previous, weights, counts } = await trainedUpdates();
    const valuation = await coalitionUtility(spec, TABLE, { previous, updates: weights.map((w, i) => ({ weights: w, numExamples: counts[i]! })), validation });
    const alone = [await valuation.utility([0, 1]), await valuation.utility([2]), await valuation.utility([])];
    const before = tf.memory().numTensors;

    const together = await Promise.all([[0, 1], [2], []].map((c) => valuation.utility(c)));

    expect(tf.memory().numTensors).toBe(before);
    // Serialised: each concurrent call scored its own coalition's weights, not another's.
    expect(together).toEqual(alone);
    valuation.dispose();
  });

  it('measures −MSE for a regression', async () => {
    // y = 2·x1 − x2 + b: with b = 1 the predictions miss the targets by 1, 0, 2, 0; with b = 2 by 0, 1, 3, 1.
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], activation: 'linear' })] });
    const previous = Float32Array.from([2, -1, 1]);
    const validationR = { features: Float32Array.from([1, 0, 0, 1, 2, 2, -1, 3]), labels: Float32Array.from([4, 0, 1, -4]), count: 4 };
    const u = coalitionUtilityOn(model, { previous, updates: [{ delta: Float32Array.from([0, 0, 1]), numExamples: 5 }], validation: validationR }, PRICES);

    expect(await u([])).toBeCloseTo(-5 / 4, 6);
    expect(await u([0])).toBeCloseTo(-11 / 4, 6);
    model.dispose();
  });

  it('refuses updates that do not fit the model with a code', async () => {
    const model = await createModel(spec, 1);
    const previous = getFlatWeights(model);
    expect(() => coalitionUtilityOn(model, { previous, updates: [{ weights: new Float32Array(3), numExamples: 1 }], validation }, TABLE))
      .toThrow(expect.objectContaining({ code: 'MODEL_WEIGHTS_MISMATCH' }));
    expect(() => coalitionUtilityOn(model, { previous, updates: [{ delta: previous, numExamples: 0 }], validation }, TABLE))
      .toThrow(expect.objectContaining({ code: 'MODEL_DATA_INVALID' }));
    expect(() => coalitionUtilityOn(model, { previous: new Float32Array(2), updates: [], validation }, TABLE))
      .toThrow(expect.objectContaining({ code: 'MODEL_WEIGHTS_MISMATCH' }));
    await expect(coalitionUtilityOn(model, { previous, updates: [], validation }, TABLE)([3])).rejects.toMatchObject({ code: 'MODEL_DATA_INVALID' });
    model.dispose();
  });
});
