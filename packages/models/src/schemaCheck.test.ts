import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { MNIST_SCHEMA, type TabularSchema, type TextSchema } from '@flotilla/protocol';
import { checkModelAgainstSchema, checkSpecAgainstSchema } from './schemaCheck.ts';
import { buildModelForSchema } from './schemaModels.ts';
import { createModel } from './zoo.ts';
import { exportTfjsArtifacts } from './tfjsFormat.ts';
import { initNodeBackend } from './backendNode.ts';
import { ModelError } from './errors.ts';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

const TABLE: TabularSchema = {
  kind: 'tabular',
  features: [{ name: 'x', kind: 'numeric' }, { name: 'colour', kind: 'categorical', categories: ['red', 'green'] }],
  label: 'y',
  target: { type: 'classification', classes: ['no', 'yes'] },
};
const TEXT: TextSchema = { kind: 'text', level: 'char', vocabulary: ['?', 'a', 'b'], unknown: 0, sequenceLength: 4 };

function mismatch(run: () => unknown): ModelError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe('MODEL_SCHEMA_MISMATCH');
    return err as ModelError;
  }
  throw new Error('expected MODEL_SCHEMA_MISMATCH');
}

describe('checkModelAgainstSchema', () => {
  it('accepts McMahan\'s 2NN (flat input) and CNN for MNIST\'s schema', async () => {
    await expect(checkSpecAgainstSchema({ kind: 'mnist-2nn' }, MNIST_SCHEMA)).resolves.toBeUndefined();
    await expect(checkSpecAgainstSchema({ kind: 'mnist-cnn' }, MNIST_SCHEMA)).resolves.toBeUndefined();
    await expect(checkSpecAgainstSchema({ kind: 'logreg', inputs: 3, classes: 2 }, TABLE)).resolves.toBeUndefined();
  });

  it('names expected and actual input shapes when the input does not fit', async () => {
    const cifarLike = { ...MNIST_SCHEMA, height: 32, width: 32, channels: 3 as const };
    const model = await createModel({ kind: 'mnist-cnn' });

    const error = mismatch(() => checkModelAgainstSchema(model, cifarLike));

    expect(error.message).toContain('expected [32, 32, 3] or [3072]');
    expect(error.message).toContain('takes [28, 28, 1]');
    model.dispose();
  });

  it('names expected and actual output units when the classes do not fit', () => {
    const model = buildModelForSchema(TABLE, { seed: 1 });
    const threeClasses: TabularSchema = { ...TABLE, target: { type: 'classification', classes: ['a', 'b', 'c'] } };

    const error = mismatch(() => checkModelAgainstSchema(model, threeClasses));

    expect(error.message).toContain('output expected [3] per example (3 classes), the model gives [2]');
    model.dispose();
  });

  it('refuses a classifier without a softmax and a regression ending in one', () => {
    const logits = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    const regression: TabularSchema = { ...TABLE, target: { type: 'regression', metric: 'mse' } };
    const softmaxOfOne = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 1, activation: 'softmax' })] });

    expect(mismatch(() => checkModelAgainstSchema(logits, TABLE)).message).toContain('must be a softmax');
    expect(mismatch(() => checkModelAgainstSchema(softmaxOfOne, regression)).message).toContain('cannot be a softmax');
    expect(() => checkModelAgainstSchema(buildModelForSchema(regression), regression)).not.toThrow();
    logits.dispose();
    softmaxOfOne.dispose();
  });

  it('refuses a text model for a longer context or a bigger vocabulary', () => {
    const model = buildModelForSchema(TEXT, { model: 'gru', units: 4 });

    expect(mismatch(() => checkModelAgainstSchema(model, { ...TEXT, sequenceLength: 8 })).message).toContain('expected [8]');
    expect(mismatch(() => checkModelAgainstSchema(model, { ...TEXT, vocabulary: ['?', 'a', 'b', 'c'] })).message).toContain('vocabulary of 4 symbols');
    model.dispose();
  });

  it('checks an uploaded tfjs topology before any training', async () => {
    const uploaded = buildModelForSchema(TABLE, { model: 'mlp', hiddenUnits: [4] });
    const { modelJson } = await exportTfjsArtifacts(uploaded);

    await expect(checkSpecAgainstSchema({ kind: 'tfjs', modelTopology: modelJson.modelTopology }, TABLE)).resolves.toBeUndefined();
    await expect(checkSpecAgainstSchema({ kind: 'tfjs', modelTopology: modelJson.modelTopology }, MNIST_SCHEMA))
      .rejects.toMatchObject({ code: 'MODEL_SCHEMA_MISMATCH' });
    uploaded.dispose();
  });
});
