import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel } from './zoo.ts';
import { getFlatWeights } from './weights.ts';
import { exportTfjsArtifacts, loadModelFromDir, loadTfjsArtifacts, saveModelToDir, tfjsArtifactsFromFlat } from './tfjsFormat.ts';
import { initNodeBackend } from './backendNode.ts';
import { firstDifference } from './testSupport.ts';

let dir: string;

beforeAll(async () => {
  await initNodeBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'flotilla-models-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function predictions(model: tf.LayersModel, shape: number[]): Float32Array {
  return tf.tidy(() => {
    const n = 4 * shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(Float32Array.from({ length: n }, (_, i) => Math.cos(i)), [4, ...shape]);
    return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
}

describe('tfjs artifacts in memory', () => {
  it('round-trips the CNN with identical predictions', async () => {
    const model = await createModel({ kind: 'mnist-cnn' }, 5);

    const { modelJson, weightData } = await exportTfjsArtifacts(model);
    const loaded = await loadTfjsArtifacts(JSON.parse(JSON.stringify(modelJson)), weightData);

    expect(modelJson.weightsManifest[0]?.paths).toEqual(['weights.bin']);
    expect(weightData.byteLength).toBe(1_663_370 * 4);
    expect(firstDifference(predictions(loaded, [28, 28, 1]), predictions(model, [28, 28, 1]))).toBe(-1);
    model.dispose();
    loaded.dispose();
  });

  it('builds the artifacts of a spec with given flat weights', async () => {
    const flat = Float32Array.from({ length: 199_210 }, (_, i) => ((i % 97) - 48) / 1000);

    const { modelJson, weightData } = await tfjsArtifactsFromFlat({ kind: 'mnist-2nn' }, flat);
    const loaded = await loadTfjsArtifacts(modelJson, new Uint8Array(weightData));

    expect(firstDifference(getFlatWeights(loaded), flat)).toBe(-1);
    loaded.dispose();
  });

  it('rejects weights that do not match the manifest', async () => {
    const model = await createModel({ kind: 'logreg', inputs: 3, classes: 2 });
    const { modelJson, weightData } = await exportTfjsArtifacts(model);

    await expect(loadTfjsArtifacts(modelJson, weightData.slice(4))).rejects.toMatchObject({ code: 'MODEL_ARTIFACTS_INVALID' });
    await expect(loadTfjsArtifacts({ hello: 'world' }, weightData)).rejects.toMatchObject({ code: 'MODEL_ARTIFACTS_INVALID' });
    model.dispose();
  });
});

describe('tfjs artifacts on disk', () => {
  it('writes model.json + weights.bin and reads them back with identical predictions', async () => {
    const model = await createModel({ kind: 'mnist-2nn' }, 9);
    const target = join(dir, 'round-3');

    await saveModelToDir(model, target);
    const loaded = await loadModelFromDir(target);

    expect((await readdir(target)).sort()).toEqual(['model.json', 'weights.bin']);
    expect(firstDifference(predictions(loaded, [784]), predictions(model, [784]))).toBe(-1);
    model.dispose();
    loaded.dispose();
  });

  it('reads a model whose weights are split into several shards', async () => {
    const model = await createModel({ kind: 'logreg', inputs: 4, classes: 3 }, 2);
    const { modelJson, weightData } = await exportTfjsArtifacts(model);
    const target = join(dir, 'sharded');
    await saveModelToDir(model, target);
    const half = 24;
    await writeFile(join(target, 'group1-shard1of2.bin'), new Uint8Array(weightData.slice(0, half)));
    await writeFile(join(target, 'group1-shard2of2.bin'), new Uint8Array(weightData.slice(half)));
    const manifest = [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: modelJson.weightsManifest[0]!.weights }];
    await writeFile(join(target, 'model.json'), JSON.stringify({ ...modelJson, weightsManifest: manifest }));

    const loaded = await loadModelFromDir(target);

    expect(firstDifference(getFlatWeights(loaded), getFlatWeights(model))).toBe(-1);
    model.dispose();
    loaded.dispose();
  });

  it('refuses weight paths outside the model folder', async () => {
    const model = await createModel({ kind: 'logreg', inputs: 2, classes: 2 });
    const { modelJson } = await exportTfjsArtifacts(model);
    const target = join(dir, 'evil');
    await saveModelToDir(model, target);
    await writeFile(join(target, 'model.json'), JSON.stringify({ ...modelJson, weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] }));

    await expect(loadModelFromDir(target)).rejects.toMatchObject({ code: 'MODEL_ARTIFACTS_INVALID' });
    model.dispose();
  });
});
