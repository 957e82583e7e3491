import { beforeAll, describe, expect, it } from 'vitest';
import type { TabularSchema } from '@flotilla/protocol';
import { evaluateRegression, trainRegression } from './regression.ts';
import { trainLocal } from './train.ts';
import { buildModelForSchema } from './schemaModels.ts';
import { initNodeBackend } from './backendNode.ts';
import { blobs } from './testSupport.ts';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

const SCHEMA: TabularSchema = {
  kind: 'tabular',
  features: [{ name: 'rooms', kind: 'numeric' }, { name: 'age', kind: 'numeric' }, { name: 'town', kind: 'categorical', categories: ['a', 'b'] }],
  label: 'price',
  target: { type: 'regression', metric: 'mae' },
};

// A noiseless linear target of the 4 encoded columns, so a falling error means the model learns it.
function rows(count: number, seed: number) {
  const { images: inputs } = blobs({ count, dims: 4, classes: 1, seed, spread: 1 });
  const targets = Float32Array.from({ length: count }, (_, i) => 1.5 * inputs[i * 4]! - inputs[i * 4 + 1]! + 0.5 * inputs[i * 4 + 3]! + 2);
  return { inputs, targets, count };
}

describe('trainRegression', () => {
  it('lowers the squared and absolute error of the schema\'s regression MLP', async () => {
    const data = rows(200, 4);
    const model = buildModelForSchema(SCHEMA, { seed: 2 });
    const before = await evaluateRegression(model, data);

    const result = await trainRegression(model, data, { epochs: 5, batchSize: 20, learningRate: 0.01, seed: 1 });
    const after = await evaluateRegression(model, data);

    expect(result).toMatchObject({ numExamples: 200, steps: 50 });
    expect(after.mse).toBeLessThan(before.mse * 0.2);
    expect(after.mae).toBeLessThan(before.mae);
    model.dispose();
  });

  it('refuses a classifier, non-finite targets and DP-SGD, and trainLocal refuses the regression model, with coded errors', async () => {
    const data = rows(10, 1);
    const regression = buildModelForSchema(SCHEMA, { seed: 1 });
    const classifier = buildModelForSchema({ ...SCHEMA, target: { type: 'classification', classes: ['lo', 'hi'] } }, { seed: 1 });
    const plan = { epochs: 1, batchSize: 5, learningRate: 0.01 };

    await expect(trainRegression(classifier, data, plan)).rejects.toMatchObject({ code: 'MODEL_SPEC_INVALID' });
    await expect(trainRegression(regression, { ...data, targets: data.targets.map((t, i) => (i === 3 ? NaN : t)) }, plan))
      .rejects.toMatchObject({ code: 'MODEL_DATA_INVALID', message: expect.stringContaining('at 3') });
    await expect(trainRegression(regression, data, { ...plan, dpSgd: { clipNorm: 1, noiseMultiplier: 1, microbatchSize: 1 } as never }))
      .rejects.toMatchObject({ code: 'MODEL_PLAN_INVALID' });
    await expect(trainLocal(regression, { images: data.inputs, labels: new Uint8Array(10), count: 10 }, plan))
      .rejects.toMatchObject({ code: 'MODEL_SPEC_INVALID', message: expect.stringContaining('trainRegression') });
    regression.dispose();
    classifier.dispose();
  });
});
