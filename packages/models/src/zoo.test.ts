import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createModel, modelInputShape } from './zoo.ts';
import { exportTfjsArtifacts } from './tfjsFormat.ts';
import { getFlatWeights } from './weights.ts';
import { initNodeBackend } from './backendNode.ts';
import { firstDifference } from './testSupport.ts';
import { ModelError } from './errors.ts';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('createModel', () => {
  it('builds McMahan et al.’s 2NN with 199,210 parameters', async () => {
    const model = await createModel({ kind: 'mnist-2nn' });

    expect(model.countParams()).toBe(199_210);
    expect(model.outputs[0]?.shape).toEqual([null, 10]);
    model.dispose();
  });

  it('builds McMahan et al.’s CNN with 1,663,370 parameters', async () => {
    const model = await createModel({ kind: 'mnist-cnn' });

    expect(model.countParams()).toBe(1_663_370);
    expect(model.inputs[0]?.shape).toEqual([null, 28, 28, 1]);
    model.dispose();
  });

  it('builds logistic regression as one softmax layer', async () => {
    const model = await createModel({ kind: 'logreg', inputs: 5, classes: 3 });

    expect(model.countParams()).toBe(5 * 3 + 3);
    expect(model.layers).toHaveLength(1);
    model.dispose();
  });

  it('initialises identically for the same seed and differently for another', async () => {
    const [a, b, c] = await Promise.all([7, 7, 8].map((seed) => createModel({ kind: 'mnist-2nn' }, seed)));

    expect(firstDifference(getFlatWeights(a!), getFlatWeights(b!))).toBe(-1);
    expect(firstDifference(getFlatWeights(a!), getFlatWeights(c!))).not.toBe(-1);
    [a, b, c].forEach((m) => m!.dispose());
  });

  it('initialises identically on the cpu and wasm backends', async () => {
    const onWasm = await createModel({ kind: 'mnist-2nn' }, 7);
    await tf.setBackend('cpu');
    const onCpu = await createModel({ kind: 'mnist-2nn' }, 7);

    expect(firstDifference(getFlatWeights(onCpu), getFlatWeights(onWasm))).toBe(-1);
    await tf.setBackend('wasm');
    onWasm.dispose();
    onCpu.dispose();
  });

  it('builds a user model from a model.json topology, deterministically when seeded', async () => {
    const source = await createModel({ kind: 'logreg', inputs: 4, classes: 2 });
    const { modelJson } = await exportTfjsArtifacts(source);
    const spec = { kind: 'tfjs' as const, modelTopology: modelJson.modelTopology };

    const [a, b] = await Promise.all([createModel(spec, 3), createModel(spec, 3)]);

    expect(a.countParams()).toBe(10);
    expect(firstDifference(getFlatWeights(a), getFlatWeights(b))).toBe(-1);
    [source, a, b].forEach((m) => m.dispose());
  });

  it('rejects an unusable topology with a coded error', async () => {
    await expect(createModel({ kind: 'tfjs', modelTopology: 'nope' })).rejects.toMatchObject({ code: 'MODEL_SPEC_INVALID' });
    await expect(createModel({ kind: 'tfjs', modelTopology: { class_name: 'Nope', config: {} } })).rejects.toBeInstanceOf(ModelError);
  });
});

describe('modelInputShape', () => {
  it('gives the per-example shape of every kind', async () => {
    const source = await createModel({ kind: 'mnist-cnn' });
    const { modelJson } = await exportTfjsArtifacts(source);

    expect(modelInputShape({ kind: 'mnist-2nn' })).toEqual([784]);
    expect(modelInputShape({ kind: 'mnist-cnn' })).toEqual([28, 28, 1]);
    expect(modelInputShape({ kind: 'logreg', inputs: 12, classes: 3 })).toEqual([12]);
    expect(modelInputShape({ kind: 'tfjs', modelTopology: modelJson.modelTopology })).toEqual([28, 28, 1]);
    source.dispose();
  });

  it('throws a coded error when a topology has no input shape', () => {
    expect(() => modelInputShape({ kind: 'tfjs', modelTopology: { config: { layers: [] } } })).toThrow(
      expect.objectContaining({ code: 'MODEL_SPEC_INVALID' }),
    );
  });
});
