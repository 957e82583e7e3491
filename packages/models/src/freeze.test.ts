import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { TabularSchema } from '@flotilla/protocol';
import { freezeLayers, trainableMask } from './freeze.ts';
import { buildModelForSchema } from './schemaModels.ts';
import { loadPretrainedModel } from './pretrained.ts';
import { exportTfjsArtifacts } from './tfjsFormat.ts';
import { getFlatWeights } from './weights.ts';
import { trainLocal } from './train.ts';
import { initNodeBackend } from './backendNode.ts';
import { createModel } from './zoo.ts';
import { blobs, firstDifference } from './testSupport.ts';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

const TABLE: TabularSchema = {
  kind: 'tabular',
  features: [{ name: 'a', kind: 'numeric' }, { name: 'b', kind: 'numeric' }, { name: 'c', kind: 'numeric' }, { name: 'd', kind: 'numeric' }],
  label: 'y',
  target: { type: 'classification', classes: ['x', 'y', 'z'] },
};
const DATA = blobs({ count: 60, dims: 4, classes: 3, seed: 9 });

const layerBytes = (model: tf.LayersModel, name: string): Float32Array[] =>
  model.getLayer(name).getWeights().map((w) => w.dataSync() as Float32Array);

// A pretrained MLP as a user would upload it: exported with its weights and loaded back.
async function uploadedMlp(): Promise<tf.LayersModel> {
  const original = buildModelForSchema(TABLE, { hiddenUnits: [8, 8], seed: 5 });
  const { modelJson, weightData } = await exportTfjsArtifacts(original);
  original.dispose();
  return loadPretrainedModel({ modelJson, weights: weightData });
}

describe('freezeLayers', () => {
  it('keeps frozen layers bit-identical through training while the head learns', async () => {
    const model = await uploadedMlp();
    const frozen = freezeLayers(model, { upTo: 'hidden2' });
    const before = { hidden1: layerBytes(model, 'hidden1'), hidden2: layerBytes(model, 'hidden2'), output: layerBytes(model, 'output') };
    const global = getFlatWeights(model);

    await trainLocal(model, DATA, { epochs: 3, batchSize: 10, learningRate: 0.1, seed: 2 });
    const update = getFlatWeights(model).map((w, i) => w - global[i]!);
    const mask = trainableMask(model);

    expect(frozen).toEqual(['hidden1', 'hidden2']);
    for (const name of ['hidden1', 'hidden2'] as const) {
      layerBytes(model, name).forEach((w, i) => expect(firstDifference(w, before[name][i]!), name).toBe(-1));
    }
    expect(firstDifference(layerBytes(model, 'output')[0]!, before.output[0]!)).not.toBe(-1);
    // The full vector travels: zero wherever the mask says frozen, moving where it says trainable.
    expect(update.every((d, i) => mask[i] === 1 || d === 0)).toBe(true);
    expect(update.some((d, i) => mask[i] === 1 && d !== 0)).toBe(true);
    expect(mask.reduce((n, m) => n + m, 0)).toBe(8 * 3 + 3);
    model.dispose();
  });

  it('freezes by count and by names, and says which layers are frozen', () => {
    const model = buildModelForSchema(TABLE, { hiddenUnits: [4, 4], seed: 1 });

    expect(freezeLayers(model, { upTo: 1 })).toEqual(['hidden1']);
    expect(freezeLayers(model, { names: ['hidden2'] })).toEqual(['hidden1', 'hidden2']);
    expect(model.trainableWeights.map((w) => w.originalName)).toEqual(['output/kernel', 'output/bias']);
    model.dispose();
  });

  it('refuses unknown layers, counts outside the model and freezing everything', () => {
    const model = buildModelForSchema(TABLE, { hiddenUnits: [4], seed: 1 });

    expect(() => freezeLayers(model, { names: ['conv9'] })).toThrow(expect.objectContaining({ code: 'MODEL_FREEZE_INVALID', message: expect.stringContaining('hidden1, output') }));
    expect(() => freezeLayers(model, { upTo: 'nope' })).toThrow(expect.objectContaining({ code: 'MODEL_FREEZE_INVALID' }));
    expect(() => freezeLayers(model, { upTo: 0 })).toThrow(expect.objectContaining({ code: 'MODEL_FREEZE_INVALID' }));
    expect(() => freezeLayers(model, { upTo: 'output' })).toThrow(expect.objectContaining({ code: 'MODEL_FREEZE_INVALID', message: expect.stringContaining('nothing to train') }));
    expect(model.layers.every((l) => l.trainable)).toBe(true);
    model.dispose();
  });

  it('survives export and upload: the rebuilt model is frozen the same way, with the same flat layout', async () => {
    const model = await uploadedMlp();
    freezeLayers(model, { upTo: 'hidden1' });
    const { modelJson, weightData } = await exportTfjsArtifacts(model);

    const rebuilt = await loadPretrainedModel({ modelJson, weights: weightData });

    expect(rebuilt.layers.map((l) => l.trainable)).toEqual([false, true, true]);
    expect(firstDifference(getFlatWeights(rebuilt), getFlatWeights(model))).toBe(-1);
    expect(firstDifference(trainableMask(rebuilt), trainableMask(model))).toBe(-1);
    const hidden1 = layerBytes(rebuilt, 'hidden1');
    await trainLocal(rebuilt, DATA, { epochs: 1, batchSize: 10, learningRate: 0.1, seed: 3 });
    layerBytes(rebuilt, 'hidden1').forEach((w, i) => expect(firstDifference(w, hidden1[i]!)).toBe(-1));
    model.dispose();
    rebuilt.dispose();
  });

  it('travels as a tfjs model spec: the topology rebuilds frozen, with the same seeded weights on every side', async () => {
    const model = buildModelForSchema({ kind: 'text', level: 'char', vocabulary: ['?', 'a', 'b'], unknown: 0, sequenceLength: 4 }, { model: 'lstm', units: 4, seed: 1 });
    freezeLayers(model, { upTo: 'embedding' });
    const { modelJson } = await exportTfjsArtifacts(model);
    const spec = { kind: 'tfjs' as const, modelTopology: JSON.parse(JSON.stringify(modelJson.modelTopology)) };

    const coordinator = await createModel(spec, 7);
    const client = await createModel(spec, 7);

    expect(coordinator.layers.map((l) => [l.name, l.trainable])).toEqual([['embedding', false], ['lstm', true], ['output', true]]);
    expect(firstDifference(getFlatWeights(coordinator), getFlatWeights(client))).toBe(-1);
    expect(firstDifference(trainableMask(coordinator), trainableMask(model))).toBe(-1);
    [model, coordinator, client].forEach((m) => m.dispose());
  });
});
