import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { ImageSchema } from '@flotilla/protocol';
import { DEFAULT_UPLOAD_LIMITS, loadPretrainedModel } from './pretrained.ts';
import { buildModelForSchema } from './schemaModels.ts';
import { exportTfjsArtifacts } from './tfjsFormat.ts';
import { getFlatWeights } from './weights.ts';
import { trainLocal } from './train.ts';
import { initNodeBackend } from './backendNode.ts';
import { blobs, firstDifference } from './testSupport.ts';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

const SCHEMA: ImageSchema = { kind: 'image', height: 8, width: 8, channels: 3, classes: ['a', 'b', 'c'] };

function predictions(model: tf.LayersModel): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(Float32Array.from({ length: 4 * 192 }, (_, i) => Math.sin(i)), [4, 8, 8, 3])) as tf.Tensor).dataSync() as Float32Array);
}

// A small CNN trained a little, so its weights are not just its seeded initialisation.
async function pretrained() {
  const model = buildModelForSchema(SCHEMA, { filters: [4, 4], denseUnits: 8, seed: 3 });
  await trainLocal(model, blobs({ count: 30, dims: 192, classes: 3, seed: 2 }), { epochs: 1, batchSize: 10, learningRate: 0.05, seed: 1 });
  const { modelJson, weightData } = await exportTfjsArtifacts(model);
  return { model, modelJson, weightData };
}

describe('loadPretrainedModel', () => {
  it('loads model.json text and weights.bin bytes into a model with identical weights and predictions', async () => {
    const { model, modelJson, weightData } = await pretrained();

    const loaded = await loadPretrainedModel({ modelJson: JSON.stringify(modelJson), weights: new Uint8Array(weightData) });

    expect(firstDifference(getFlatWeights(loaded), getFlatWeights(model))).toBe(-1);
    expect(firstDifference(predictions(loaded), predictions(model))).toBe(-1);
    model.dispose();
    loaded.dispose();
  });

  it('takes model.json as bytes and the weights as shards in manifest order', async () => {
    const { model, modelJson, weightData } = await pretrained();
    const bytes = new Uint8Array(weightData);

    const loaded = await loadPretrainedModel({
      modelJson: new TextEncoder().encode(JSON.stringify(modelJson)),
      weights: [bytes.subarray(0, 100), bytes.subarray(100)],
    });

    expect(firstDifference(predictions(loaded), predictions(model))).toBe(-1);
    model.dispose();
    loaded.dispose();
  });

  it('refuses a missing, short or long weights file with its own code', async () => {
    const { model, modelJson, weightData } = await pretrained();

    await expect(loadPretrainedModel({ modelJson })).rejects.toMatchObject({ code: 'MODEL_WEIGHTS_MISSING' });
    await expect(loadPretrainedModel({ modelJson, weights: weightData.slice(0, weightData.byteLength - 4) }))
      .rejects.toMatchObject({ code: 'MODEL_WEIGHTS_SIZE', message: expect.stringContaining(`${weightData.byteLength} bytes`) });
    await expect(loadPretrainedModel({ modelJson, weights: [new Uint8Array(weightData), new Uint8Array(8)] }))
      .rejects.toMatchObject({ code: 'MODEL_WEIGHTS_SIZE' });
    model.dispose();
  });

  it('refuses a manifest that does not match the topology, naming the weight', async () => {
    const { model, modelJson, weightData } = await pretrained();
    const weights = modelJson.weightsManifest[0]!.weights;
    const renamed = weights.map((w, i) => (i === 0 ? { ...w, name: 'elsewhere/kernel' } : w));
    const fc = weights.findIndex((w) => w.name.endsWith('fc/kernel'));
    const reshaped = weights.map((w, i) => (i === fc ? { ...w, shape: [...w.shape].reverse() } : w));
    const withManifest = (entries: typeof weights) => ({ ...modelJson, weightsManifest: [{ paths: ['weights.bin'], weights: entries }] });

    await expect(loadPretrainedModel({ modelJson: withManifest(renamed), weights: weightData }))
      .rejects.toMatchObject({ code: 'MODEL_MANIFEST_MISMATCH', message: expect.stringContaining('conv1/kernel') });
    await expect(loadPretrainedModel({ modelJson: withManifest(reshaped), weights: weightData }))
      .rejects.toMatchObject({ code: 'MODEL_MANIFEST_MISMATCH', message: expect.stringContaining('fc/kernel is [16, 8] in the topology, [8, 16]') });
    model.dispose();
  });

  it('refuses what is not a tfjs layers model', async () => {
    const graphModel = { format: 'graph-model', modelTopology: { node: [], versions: {} }, weightsManifest: [] };

    await expect(loadPretrainedModel({ modelJson: graphModel })).rejects.toMatchObject({ code: 'MODEL_NOT_LAYERS' });
    await expect(loadPretrainedModel({ modelJson: '{"modelTopology": ' })).rejects.toMatchObject({ code: 'MODEL_NOT_LAYERS' });
    await expect(loadPretrainedModel({ modelJson: { keras_version: '2.15' } })).rejects.toMatchObject({ code: 'MODEL_NOT_LAYERS' });
  });

  it('refuses uploads past the size limits before building them', async () => {
    const { model, modelJson, weightData } = await pretrained();

    await expect(loadPretrainedModel({ modelJson, weights: weightData }, { ...DEFAULT_UPLOAD_LIMITS, maxWeightBytes: 1000 }))
      .rejects.toMatchObject({ code: 'MODEL_TOO_LARGE' });
    await expect(loadPretrainedModel({ modelJson, weights: weightData }, { ...DEFAULT_UPLOAD_LIMITS, maxModelJsonBytes: 100 }))
      .rejects.toMatchObject({ code: 'MODEL_TOO_LARGE' });
    await expect(loadPretrainedModel({ modelJson, weights: weightData }, { ...DEFAULT_UPLOAD_LIMITS, maxParams: 100 }))
      .rejects.toMatchObject({ code: 'MODEL_TOO_LARGE', message: expect.stringContaining(`${model.countParams()} parameters`) });
    model.dispose();
  });
});
