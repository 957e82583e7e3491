import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createModel } from './zoo.ts';
import { countParams, getFlatWeights, setFlatWeights, weightShapes } from './weights.ts';
import { initNodeBackend } from './backendNode.ts';
import { firstDifference } from './testSupport.ts';
import { ModelError } from './errors.ts';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('flat weights', () => {
  it('round-trips a vector through a model unchanged', async () => {
    const model = await createModel({ kind: 'mnist-2nn' }, 1);
    const flat = Float32Array.from({ length: 199_210 }, (_, i) => Math.sin(i));

    setFlatWeights(model, flat);

    expect(firstDifference(getFlatWeights(model), flat)).toBe(-1);
    model.dispose();
  });

  it('changes what the model predicts', async () => {
    const model = await createModel({ kind: 'logreg', inputs: 2, classes: 2 }, 1);
    // kernel [[1, 0], [0, 1]], bias [0, 5]: class 1 wins for a small input.
    setFlatWeights(model, Float32Array.from([1, 0, 0, 1, 0, 5]));

    const pred = tf.tidy(() => (model.predict(tf.tensor2d([[1, 1]])) as tf.Tensor).argMax(-1).dataSync()[0]);

    expect(pred).toBe(1);
    model.dispose();
  });

  it('rejects a vector of the wrong length with MODEL_WEIGHTS_MISMATCH and leaves the model as it was', async () => {
    const model = await createModel({ kind: 'logreg', inputs: 3, classes: 2 }, 1);
    const before = getFlatWeights(model);

    const act = () => setFlatWeights(model, new Float32Array(7));

    expect(act).toThrow(ModelError);
    expect(act).toThrow(expect.objectContaining({ code: 'MODEL_WEIGHTS_MISMATCH' }));
    expect(firstDifference(getFlatWeights(model), before)).toBe(-1);
    model.dispose();
  });

  it('describes the layout: shapes in flat order summing to countParams', async () => {
    const model = await createModel({ kind: 'mnist-2nn' });

    const shapes = weightShapes(model);

    expect(shapes).toEqual([[784, 200], [200], [200, 200], [200], [200, 10], [10]]);
    expect(countParams(model)).toBe(shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0));
    expect(getFlatWeights(model)).toHaveLength(countParams(model));
    model.dispose();
  });

  it('leaks no tensors', async () => {
    const model = await createModel({ kind: 'logreg', inputs: 3, classes: 2 }, 1);
    const before = tf.memory().numTensors;

    setFlatWeights(model, getFlatWeights(model));

    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
