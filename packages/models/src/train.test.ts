import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createModel } from './zoo.ts';
import { getFlatWeights, setFlatWeights } from './weights.ts';
import { trainCentralized, trainLocal, type TrainingProgress } from './train.ts';
import { evaluate, evaluateModel } from './evaluate.ts';
import { buildModelForSchema } from './schemaModels.ts';
import type { TabularSchema, TextSchema } from '@flotilla/protocol';
import { initNodeBackend } from './backendNode.ts';
import { blobs, firstDifference } from './testSupport.ts';

const spec = { kind: 'logreg' as const, inputs: 8, classes: 3 };
const data = blobs({ count: 240, dims: 8, classes: 3, seed: 11 });
const plan = { epochs: 3, batchSize: 10, learningRate: 0.1, seed: 5 };

beforeAll(async () => {
  await initNodeBackend('wasm');
});

function distance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum);
}

describe('trainLocal', () => {
  it('lowers the loss on a separable problem and reports what it did', async () => {
    const model = await createModel(spec, 1);
    const before = await evaluateModel(model, data.features, data.labels, data.count);

    const result = await trainLocal(model, data, plan);
    const after = await evaluateModel(model, data.features, data.labels, data.count);

    expect(after.loss).toBeLessThan(before.loss / 2);
    expect(after.accuracy).toBeGreaterThan(0.95);
    expect(result).toMatchObject({ numExamples: 240, steps: 3 * 24 });
    expect(result.accuracy).toBeGreaterThan(0.9);
    model.dispose();
  });

  it('is reproducible for a given seed', async () => {
    const [a, b] = await Promise.all([createModel(spec, 1), createModel(spec, 1)]);

    await trainLocal(a, data, plan);
    await trainLocal(b, data, plan);

    expect(firstDifference(getFlatWeights(a), getFlatWeights(b))).toBe(-1);
    a.dispose();
    b.dispose();
  });

  it('keeps weights much closer to the start with a large FedProx μ than with μ = 0', async () => {
    const [plain, prox] = await Promise.all([createModel(spec, 2), createModel(spec, 2)]);
    const start = getFlatWeights(plain);

    await trainLocal(plain, data, { ...plan, proximalMu: 0 });
    await trainLocal(prox, data, { ...plan, proximalMu: 5 });

    expect(distance(getFlatWeights(prox), start)).toBeLessThan(0.3 * distance(getFlatWeights(plain), start));
    plain.dispose();
    prox.dispose();
  });

  it('reports progress after every batch', async () => {
    const model = await createModel(spec, 1);
    const progress: TrainingProgress[] = [];

    await trainLocal(model, { ...data, count: 25 }, { ...plan, epochs: 2 }, { onProgress: (p) => progress.push(p) });

    expect(progress.map((p) => `${p.epoch}.${p.batch}/${p.batches}`)).toEqual(['1.1/3', '1.2/3', '1.3/3', '2.1/3', '2.2/3', '2.3/3']);
    expect(progress.every((p) => p.epochs === 2 && Number.isFinite(p.loss))).toBe(true);
    model.dispose();
  });

  it('does exactly localSteps batches across epochs, reshuffling each epoch as E epochs would', async () => {
    // Arrange: 25 examples, B = 10 → 3 batches an epoch; 7 steps = two epochs and one batch
    const [stepped, epochs] = await Promise.all([createModel(spec, 1), createModel(spec, 1)]);
    const progress: TrainingProgress[] = [];
    const small = { ...data, count: 25 };
    // Act
    const result = await trainLocal(stepped, small, { ...plan, epochs: 1, localSteps: 6 }, { onProgress: (p) => progress.push(p) });
    await trainLocal(epochs, small, { ...plan, epochs: 2 });
    const seven = await trainLocal(await createModel(spec, 1), small, { ...plan, localSteps: 7 });
    // Assert: 6 steps with the same seed are the same two shuffled epochs as E = 2
    expect(result.steps).toBe(6);
    expect(progress.map((p) => `${p.epoch}.${p.batch}`)).toEqual(['1.1', '1.2', '1.3', '2.1', '2.2', '2.3']);
    expect(firstDifference(getFlatWeights(stepped), getFlatWeights(epochs))).toBe(-1);
    expect(seven.steps).toBe(7);
    expect(Number.isFinite(seven.loss)).toBe(true);
    stepped.dispose();
    epochs.dispose();
  });

  it('stops after the batch at which shouldStop turns true and reports the partial steps', async () => {
    const model = await createModel(spec, 1);
    let batches = 0;
    const result = await trainLocal(model, data, plan, { onProgress: () => batches++, shouldStop: () => batches >= 5 });
    expect(result.steps).toBe(5);
    expect(Number.isFinite(result.loss) && Number.isFinite(result.accuracy!)).toBe(true);
    model.dispose();
  });

  it('lets timers and I/O run between batches', async () => {
    const model = await createModel(spec, 1);
    let batchesDone = 0;
    let timerFiredAfter: number | undefined;
    setTimeout(() => (timerFiredAfter = batchesDone), 0);

    await trainLocal(model, data, { ...plan, epochs: 1, batchSize: 1 }, { onProgress: () => batchesDone++ });

    expect(timerFiredAfter).toBeDefined();
    expect(timerFiredAfter!).toBeLessThan(batchesDone);
    model.dispose();
  });

  it('stops with an AbortError when the signal aborts, leaking nothing', async () => {
    const model = await createModel(spec, 1);
    const controller = new AbortController();
    const tensorsBefore = tf.memory().numTensors;
    let batches = 0;

    const run = trainLocal(model, data, { ...plan, proximalMu: 0.1 }, {
      signal: controller.signal,
      onProgress: () => ++batches === 3 && controller.abort(),
    });

    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(batches).toBe(3);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    await expect(trainLocal(model, data, plan, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    model.dispose();
  });

  it('leaks no tensors, with or without the proximal term', async () => {
    const model = await createModel(spec, 1);
    const before = tf.memory().numTensors;

    await trainLocal(model, data, { ...plan, epochs: 1 });
    await trainLocal(model, data, { ...plan, epochs: 1, proximalMu: 0.01 });
    await evaluateModel(model, data.features, data.labels, data.count, 64);

    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('rejects data that does not fit the model with a coded error', async () => {
    const model = await createModel(spec, 1);

    await expect(trainLocal(model, { ...data, count: 1000 }, plan)).rejects.toMatchObject({ code: 'MODEL_DATA_INVALID' });
    await expect(trainLocal(model, { ...data, labels: new Uint8Array(240).fill(3) }, plan)).rejects.toMatchObject({ code: 'MODEL_DATA_INVALID' });
    await expect(trainLocal(model, data, { ...plan, batchSize: 0 })).rejects.toMatchObject({ code: 'MODEL_PLAN_INVALID' });
    model.dispose();
  });
});

describe('evaluateModel', () => {
  it('gives ln 2 loss and the majority share as accuracy for a model that cannot tell two classes apart', async () => {
    const model = await createModel({ kind: 'logreg', inputs: 2, classes: 2 });
    setFlatWeights(model, new Float32Array(6)); // all zeros: every prediction is [0.5, 0.5]
    const images = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const labels = Uint8Array.from([0, 0, 0, 1]);

    // Ties go to class 0 (argMax takes the first), so 3 of 4 are right.
    const result = await evaluateModel(model, images, labels, 4, 3);

    expect(result.loss).toBeCloseTo(Math.LN2, 5);
    expect(result.accuracy).toBe(0.75);
    model.dispose();
  });
});

describe('trainCentralized', () => {
  it('stops after `patience` epochs without improvement and restores the best weights', async () => {
    const model = await createModel(spec, 3);
    const validation = blobs({ count: 60, dims: 8, classes: 3, seed: 11, spread: 3 });
    const epochs: number[] = [];

    const history = await trainCentralized(model, data, validation, {
      batchSize: 20, learningRate: 0.05, seed: 1, maxEpochs: 40, patience: 2,
    }, (e) => epochs.push(e.epoch));
    const best = Math.max(...history.map((h) => h.valAccuracy!));
    const restored = await evaluateModel(model, validation.features, validation.labels, validation.count);

    expect(history.length).toBeLessThan(40);
    expect(epochs).toEqual(history.map((h) => h.epoch));
    expect(history.slice(-2).every((h) => h.valAccuracy! <= best)).toBe(true);
    expect(restored.accuracy).toBe(best);
    expect(history[0]).toEqual({ epoch: 1, trainLoss: expect.any(Number), valAccuracy: expect.any(Number), valLoss: expect.any(Number) });
    model.dispose();
  });

  it('stops at the first non-improving stretch when nothing can be learnt', async () => {
    const model = await createModel(spec, 3);
    const start = getFlatWeights(model);

    const history = await trainCentralized(model, data, data, {
      batchSize: 40, learningRate: 1e-12, seed: 1, maxEpochs: 20, patience: 3,
    });

    expect(history).toHaveLength(4);
    expect(distance(getFlatWeights(model), start)).toBeLessThan(1e-6);
    model.dispose();
  });
});

describe('trainLocal on a regression (one linear output)', () => {
  const PRICES: TabularSchema = {
    kind: 'tabular',
    features: [{ name: 'rooms', kind: 'numeric' }, { name: 'age', kind: 'numeric' }, { name: 'town', kind: 'categorical', categories: ['a', 'b'] }],
    label: 'price', target: { type: 'regression', metric: 'mae' },
  };
  // A noiseless linear target of the 4 encoded columns, so a falling error means the model learns it.
  function rows(count: number, seed: number) {
    const { features } = blobs({ count, dims: 4, classes: 1, seed, spread: 1 });
    const labels = Float32Array.from({ length: count }, (_, i) => 1.5 * features[i * 4]! - features[i * 4 + 1]! + 0.5 * features[i * 4 + 3]! + 2);
    return { features, labels, count };
  }

  it('lowers the squared and absolute error of the schema\'s regression MLP and reports the MAE', async () => {
    const data = rows(200, 4);
    const model = buildModelForSchema(PRICES, { seed: 2 });
    const before = await evaluate(model, data, PRICES);

    const result = await trainLocal(model, data, { epochs: 5, batchSize: 20, learningRate: 0.01, seed: 1 });
    const after = await evaluate(model, data, PRICES);

    expect(result).toMatchObject({ numExamples: 200, steps: 50, mae: expect.any(Number) });
    expect(result.accuracy).toBeUndefined();
    expect(after.mse).toBeLessThan(before.mse! * 0.2);
    expect(after.mae).toBeLessThan(before.mae!);
    model.dispose();
  });

  it('keeps the FedProx pull and trains under DP-SGD, whose clipping bounds each example\'s step', async () => {
    const data = rows(60, 5);
    const [plain, prox, dp] = [buildModelForSchema(PRICES, { seed: 3 }), buildModelForSchema(PRICES, { seed: 3 }), buildModelForSchema(PRICES, { seed: 3 })];
    const start = getFlatWeights(plain);
    const regressionPlan = { epochs: 2, batchSize: 10, learningRate: 0.01, seed: 2 };

    await trainLocal(plain, data, regressionPlan);
    await trainLocal(prox, data, { ...regressionPlan, proximalMu: 50 });
    const before = await evaluate(dp, data, PRICES);
    const result = await trainLocal(dp, data, { ...regressionPlan, epochs: 4, dpSgd: { l2NormClip: 5, noiseMultiplier: 0.01, microbatchSize: 1 } });
    const after = await evaluate(dp, data, PRICES);

    expect(distance(getFlatWeights(prox), start)).toBeLessThan(0.5 * distance(getFlatWeights(plain), start));
    expect(result.clippedFraction).toBeGreaterThan(0);
    expect(after.mse).toBeLessThan(before.mse!);
    [plain, prox, dp].forEach((m) => m.dispose());
  });

  it('refuses targets that are not finite numbers, naming the example', async () => {
    const data = rows(10, 1);
    const model = buildModelForSchema(PRICES, { seed: 1 });

    await expect(trainLocal(model, { ...data, labels: data.labels.map((t, i) => (i === 3 ? NaN : t)) }, plan))
      .rejects.toMatchObject({ code: 'MODEL_DATA_INVALID', message: expect.stringContaining('at 3') });
    model.dispose();
  });
});

describe('trainLocal on text (symbol indices through an embedding)', () => {
  it('lowers the next-symbol loss of an LSTM on Int32Array labels', async () => {
    const schema: TextSchema = { kind: 'text', level: 'char', vocabulary: ['?', 'x', 'y', 'z'], unknown: 0, sequenceLength: 3 };
    const ids = [...'xyzxyzxyzxyzxyzxyzxyzxyzxyz'].map((ch) => schema.vocabulary.indexOf(ch));
    const count = ids.length - 3;
    const features = Float32Array.from({ length: count * 3 }, (_, k) => ids[Math.floor(k / 3) + (k % 3)]!);
    const labels = Int32Array.from({ length: count }, (_, i) => ids[i + 3]!);
    const model = buildModelForSchema(schema, { model: 'lstm', units: 8, seed: 1 });
    const before = await evaluate(model, { features, labels, count }, schema);

    const result = await trainLocal(model, { features, labels, count }, { epochs: 10, batchSize: 8, learningRate: 1, seed: 1 });
    const after = await evaluate(model, { features, labels, count }, schema);

    expect(result.accuracy).toBeGreaterThanOrEqual(0);
    expect(after.loss).toBeLessThan(before.loss * 0.7);
    model.dispose();
  });
});
