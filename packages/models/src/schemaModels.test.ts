import { beforeAll, describe, expect, it } from 'vitest';
import { MNIST_SCHEMA, type DataSchema, type ImageSchema, type TabularSchema, type TextSchema } from '@flotilla/protocol';
import { buildModelForSchema, modelsFor, schemaObjective, SCHEMA_MODELS } from './schemaModels.ts';
import { checkModelAgainstSchema } from './schemaCheck.ts';
import { trainLocal } from './train.ts';
import { evaluateModel } from './evaluate.ts';
import { getFlatWeights } from './weights.ts';
import { initNodeBackend } from './backendNode.ts';
import { blobs, firstDifference } from './testSupport.ts';

beforeAll(async () => {
  expect(await initNodeBackend('wasm')).toEqual({ backend: 'wasm' });
});

const TABLE: TabularSchema = {
  kind: 'tabular',
  features: [
    { name: 'age', kind: 'numeric' }, { name: 'income', kind: 'numeric' }, { name: 'visits', kind: 'numeric' },
    { name: 'region', kind: 'categorical', categories: ['north', 'south', 'east'] },
  ],
  label: 'plan',
  target: { type: 'classification', classes: ['basic', 'plus', 'pro'] },
};
const REGRESSION: TabularSchema = { ...TABLE, label: 'spend', target: { type: 'regression', metric: 'mae' } };
const image = (height: number, width: number, channels: 1 | 3, classes = ['cat', 'dog']): ImageSchema => ({ kind: 'image', height, width, channels, classes });
const TEXT: TextSchema = { kind: 'text', level: 'char', vocabulary: ['?', 'a', 'b', 'c', 'd', ' '], unknown: 0, sequenceLength: 5 };

// Two classes of noisy images: class 1 is brighter in the left half of the first channel.
function twoImageClasses(schema: ImageSchema, count: number, seed: number) {
  const { height: h, width: w, channels: c } = schema;
  let s = seed;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const images = new Float32Array(count * h * w * c);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    labels[n] = n % 2;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
      const signal = labels[n] === 1 && ch === 0 && x < w / 2 ? 0.5 : 0;
      images[((n * h + y) * w + x) * c + ch] = rand() * 0.5 + signal;
    }
  }
  return { features: images, labels, count };
}

// Next-symbol examples from a repeated phrase: each window of `sequenceLength` symbols, then the next.
function corpusExamples(schema: TextSchema, text: string) {
  const ids = [...text].map((ch) => Math.max(0, schema.vocabulary.indexOf(ch)));
  const count = ids.length - schema.sequenceLength;
  const images = new Float32Array(count * schema.sequenceLength);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    images.set(ids.slice(i, i + schema.sequenceLength), i * schema.sequenceLength);
    labels[i] = ids[i + schema.sequenceLength]!;
  }
  return { features: images, labels, count };
}

describe('the registry', () => {
  it('lists the architectures that fit each kind of schema, the default first', () => {
    expect(modelsFor(MNIST_SCHEMA)).toEqual(['cnn', 'mlp', 'logreg']);
    expect(modelsFor(TABLE)).toEqual(['mlp', 'logreg']);
    expect(modelsFor(REGRESSION)).toEqual(['mlp']);
    expect(modelsFor(TEXT)).toEqual(['lstm', 'gru']);
    for (const entry of Object.values(SCHEMA_MODELS)) expect(entry.parameters.type).toBe('object');
  });

  it('builds, for every schema, each listed architecture with the schema\'s input and output', () => {
    for (const schema of [MNIST_SCHEMA, image(32, 32, 3), image(64, 48, 3), image(5, 3, 1), TABLE, REGRESSION, TEXT] as DataSchema[]) {
      for (const name of modelsFor(schema)) {
        const model = buildModelForSchema(schema, { model: name, seed: 1 });
        expect(() => checkModelAgainstSchema(model, schema), `${name} on ${JSON.stringify(schema).slice(0, 60)}`).not.toThrow();
        model.dispose();
      }
    }
  });

  it('refuses an architecture that does not fit the schema, and options it does not take', () => {
    expect(() => buildModelForSchema(TEXT, { model: 'cnn' })).toThrow(expect.objectContaining({ code: 'MODEL_SPEC_INVALID' }));
    expect(() => buildModelForSchema(REGRESSION, { model: 'logreg' })).toThrow(expect.objectContaining({ code: 'MODEL_SPEC_INVALID' }));
    expect(() => buildModelForSchema(TABLE, { hiddenUnits: [0] })).toThrow(expect.objectContaining({ code: 'MODEL_SPEC_INVALID' }));
    expect(() => buildModelForSchema(TABLE, { model: 'mlp', units: 3 })).toThrow(expect.objectContaining({ code: 'MODEL_SPEC_INVALID' }));
  });

  it('refuses a CNN whose dense layer would be too large for a tab, and builds it with global pooling', () => {
    const large = image(1024, 1024, 3);

    expect(() => buildModelForSchema(large)).toThrow(expect.objectContaining({ code: 'MODEL_SPEC_INVALID', message: expect.stringContaining("pooling 'global'") }));
    const model = buildModelForSchema(large, { pooling: 'global', seed: 1 });
    expect(() => checkModelAgainstSchema(model, large)).not.toThrow();
    expect(model.countParams()).toBeLessThan(10_000);
    model.dispose();
  });

  it('initialises deterministically from a seed', () => {
    const a = buildModelForSchema(TEXT, { model: 'gru', seed: 4 });
    const b = buildModelForSchema(TEXT, { model: 'gru', seed: 4 });

    expect(firstDifference(getFlatWeights(a), getFlatWeights(b))).toBe(-1);
    a.dispose();
    b.dispose();
  });

  it('says what each schema is trained against', () => {
    expect(schemaObjective(TABLE)).toEqual({ loss: 'categoricalCrossentropy', metric: 'accuracy' });
    expect(schemaObjective(REGRESSION)).toEqual({ loss: 'meanSquaredError', metric: 'mae' });
  });
});

describe('training on wasm', () => {
  it('the tabular MLP learns three classes', async () => {
    const data = blobs({ count: 240, dims: 6, classes: 3, seed: 3 });
    const model = buildModelForSchema(TABLE, { seed: 2 });
    const before = await evaluateModel(model, data.features, data.labels, data.count);

    await trainLocal(model, data, { epochs: 5, batchSize: 16, learningRate: 0.1, seed: 1 });
    const after = await evaluateModel(model, data.features, data.labels, data.count);

    expect(after.loss).toBeLessThan(before.loss * 0.5);
    expect(after.accuracy).toBeGreaterThan(0.9);
    model.dispose();
  });

  it('the CNN on 32×32×3 separates two synthetic classes', async () => {
    const schema = image(32, 32, 3);
    const train = twoImageClasses(schema, 80, 7);
    const test = twoImageClasses(schema, 40, 99);
    const model = buildModelForSchema(schema, { filters: [8, 8], denseUnits: 16, seed: 5 });

    await trainLocal(model, train, { epochs: 4, batchSize: 10, learningRate: 0.05, seed: 2 });
    const { accuracy } = await evaluateModel(model, test.features, test.labels, test.count);

    expect(accuracy).toBeGreaterThan(0.9);
    model.dispose();
  });

  it('the CNN, MLP and logistic regression on 28×28×1 and 64×48×3 lower their loss in a few steps', async () => {
    for (const schema of [image(28, 28, 1), image(64, 48, 3)]) {
      const data = twoImageClasses(schema, 20, 11);
      for (const name of modelsFor(schema)) {
        const model = buildModelForSchema(schema, { model: name, seed: 6, ...(name === 'cnn' ? { filters: [4, 8] as [number, number], denseUnits: 8 } : {}) });
        const before = await evaluateModel(model, data.features, data.labels, data.count);

        // Small steps: logistic regression on 9,216 unnormalised inputs diverges at 0.05.
        await trainLocal(model, data, { epochs: 3, batchSize: 10, learningRate: 0.01, seed: 3 });
        const after = await evaluateModel(model, data.features, data.labels, data.count);

        expect(after.loss, `${name} on ${schema.height}×${schema.width}×${schema.channels}`).toBeLessThan(before.loss);
        model.dispose();
      }
    }
  });

  it('the globally pooled CNN trains on wasm too', async () => {
    const schema = image(16, 16, 3);
    const data = twoImageClasses(schema, 20, 13);
    const model = buildModelForSchema(schema, { pooling: 'global', filters: [4, 8], denseUnits: 8, seed: 6 });
    const before = await evaluateModel(model, data.features, data.labels, data.count);

    await trainLocal(model, data, { epochs: 3, batchSize: 10, learningRate: 0.1, seed: 3 });
    const after = await evaluateModel(model, data.features, data.labels, data.count);

    expect(after.loss).toBeLessThan(before.loss);
    model.dispose();
  });

  it('the LSTM and GRU text models learn a tiny repeated corpus', async () => {
    const data = corpusExamples(TEXT, 'abcd abdc '.repeat(8));
    for (const name of ['lstm', 'gru'] as const) {
      const model = buildModelForSchema(TEXT, { model: name, units: 16, seed: 8 });
      const before = await evaluateModel(model, data.features, data.labels, data.count);

      await trainLocal(model, data, { epochs: 12, batchSize: 10, learningRate: 1, seed: 4 });
      const after = await evaluateModel(model, data.features, data.labels, data.count);

      expect(after.loss, name).toBeLessThan(before.loss * 0.7);
      model.dispose();
    }
  });

  it('a token-level vocabulary past 255 symbols trains with Uint16Array labels', async () => {
    const vocabulary = Array.from({ length: 300 }, (_, i) => `w${i}`);
    const schema: TextSchema = { kind: 'text', level: 'token', vocabulary, unknown: 0, sequenceLength: 3 };
    // Token i is followed by token (i + 1) mod 300, from 270 on, so labels reach past 255.
    const count = 40;
    const images = Float32Array.from({ length: count * 3 }, (_, k) => 270 + (Math.floor(k / 3) + (k % 3)) % 30);
    const labels = Uint16Array.from({ length: count }, (_, i) => (270 + (i + 3) % 30) % 300);
    const model = buildModelForSchema(schema, { model: 'gru', units: 8, seed: 2 });
    const before = await evaluateModel(model, images, labels, count);

    await trainLocal(model, { features: images, labels, count }, { epochs: 4, batchSize: 10, learningRate: 1, seed: 1 });
    const after = await evaluateModel(model, images, labels, count);

    expect(Math.max(...labels)).toBeGreaterThan(255);
    expect(after.loss).toBeLessThan(before.loss);
    await expect(trainLocal(model, { features: images, labels: Int32Array.from(labels, (l, i) => (i === 5 ? -1 : l)), count }, { epochs: 1, batchSize: 10, learningRate: 1 }))
      .rejects.toMatchObject({ code: 'MODEL_DATA_INVALID', message: expect.stringContaining('at 5') });
    model.dispose();
  });
});
