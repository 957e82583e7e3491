import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { TabularSchema, TextSchema } from '@flotilla/protocol';
import { evaluate } from './evaluate.ts';
import { createModel } from './zoo.ts';
import { setFlatWeights } from './weights.ts';
import { buildModelForSchema } from './schemaModels.ts';
import { initNodeBackend } from './backendNode.ts';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

const TABLE: TabularSchema = {
  kind: 'tabular', features: [{ name: 'x1', kind: 'numeric' }, { name: 'x2', kind: 'numeric' }], label: 'y',
  target: { type: 'classification', classes: ['no', 'yes'] },
};
const PRICES: TabularSchema = { ...TABLE, target: { type: 'regression', metric: 'mae' } };

// y = 2·x1 − x2 + 1, a linear model whose predictions the test can compute by hand.
function linear(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], activation: 'linear' })] });
  setFlatWeights(model, Float32Array.from([2, -1, 1]));
  return model;
}

describe('evaluate', () => {
  it('gives a regression its mean squared and absolute error, the loss being the MSE', async () => {
    const model = linear();
    const features = Float32Array.from([1, 0, 0, 1, 2, 2, -1, 3]);
    // Predictions 3, 0, 3, −4 against targets 4, 0, 1, −4: errors 1, 0, 2, 0.
    const labels = Float32Array.from([4, 0, 1, -4]);

    const metrics = await evaluate(model, { features, labels, count: 4 }, PRICES, 3);

    expect(metrics.mse).toBeCloseTo((1 + 0 + 4 + 0) / 4, 6);
    expect(metrics.mae).toBeCloseTo((1 + 0 + 2 + 0) / 4, 6);
    expect(metrics.loss).toBeCloseTo(metrics.mse!, 6);
    expect(metrics.accuracy).toBeUndefined();
    model.dispose();
  });

  it('gives a classifier its mean cross-entropy and accuracy, over batches that do not divide the examples', async () => {
    const model = buildModelForSchema(TABLE, { model: 'logreg', seed: 1 });
    // Kernel rows for x1 and x2 and the bias: logits (x1, −x1), so p(yes) = σ(−2·x1).
    setFlatWeights(model, Float32Array.from([1, -1, 0, 0, 0, 0]));
    const features = Float32Array.from([1, 5, -1, 0, 0, 2, 0.5, 1, -2, 9]);
    const labels = Int32Array.from([0, 1, 1, 0, 0]);
    const pYes = [1, -1, 0, 0.5, -2].map((x1) => 1 / (1 + Math.exp(2 * x1)));
    const expectedLoss = labels.reduce((sum, label, i) => sum - Math.log(label === 1 ? pYes[i]! : 1 - pYes[i]!), 0) / 5;
    // Predicted class: yes where p(yes) > 0.5 (x1 < 0); a tie (x1 = 0) goes to class 0. Right: rows 0, 1, 3 → 3 of 5.

    const metrics = await evaluate(model, { features, labels, count: 5 }, TABLE, 2);

    expect(metrics.loss).toBeCloseTo(expectedLoss, 5);
    expect(metrics.accuracy).toBeCloseTo(0.6, 6);
    expect(metrics.mse).toBeUndefined();
    model.dispose();
  });

  it('measures a text model on next-symbol accuracy', async () => {
    const schema: TextSchema = { kind: 'text', level: 'char', vocabulary: ['?', 'a', 'b'], unknown: 0, sequenceLength: 2 };
    const model = buildModelForSchema(schema, { model: 'gru', units: 4, seed: 3 });

    const metrics = await evaluate(model, { features: Float32Array.from([1, 2, 2, 1]), labels: Int32Array.from([1, 2]), count: 2 }, schema);

    // Untrained over three symbols: the loss is near ln 3 and accuracy is a share of 2 examples.
    expect(metrics.loss).toBeGreaterThan(0.5);
    expect(metrics.loss).toBeLessThan(2);
    expect([0, 0.5, 1]).toContain(metrics.accuracy);
    model.dispose();
  });

  it('refuses a model whose output does not fit the schema, and labels that do not fit the model, with coded errors', async () => {
    const regression = linear();
    const classifier = await createModel({ kind: 'logreg', inputs: 2, classes: 2 }, 1);
    const data = { features: new Float32Array(4), labels: Int32Array.from([0, 1]), count: 2 };

    await expect(evaluate(regression, data, TABLE)).rejects.toMatchObject({ code: 'MODEL_SCHEMA_MISMATCH' });
    await expect(evaluate(classifier, { ...data, labels: Float32Array.from([0.5, 1]) }, PRICES)).rejects.toMatchObject({ code: 'MODEL_SCHEMA_MISMATCH' });
    await expect(evaluate(classifier, { ...data, labels: Float32Array.from([0.5, 1]) }, TABLE)).rejects.toMatchObject({ code: 'MODEL_DATA_INVALID', message: expect.stringContaining('at 0') });
    await expect(evaluate(regression, { ...data, labels: Float32Array.from([NaN, 1]) }, PRICES)).rejects.toMatchObject({ code: 'MODEL_DATA_INVALID' });
    regression.dispose();
    classifier.dispose();
  });
});
