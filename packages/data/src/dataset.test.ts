import { MNIST_SCHEMA, type TabularSchema } from '@flotilla/protocol';
import { describe, expect, it } from 'vitest';
import { checkDataset, concatDatasets, exampleSize, mnistDataset, selectExamples, type Dataset } from './dataset.ts';
import { DatasetImportError } from './errors.ts';
import { loadMnist } from './mnist.ts';

const SCHEMA: TabularSchema = {
  kind: 'tabular', label: 'y', target: { type: 'classification', classes: ['a', 'b'] },
  features: [{ name: 'x', kind: 'numeric' }, { name: 'c', kind: 'categorical', categories: ['p', 'q'] }],
};
const small = (): Dataset => ({
  schema: SCHEMA, count: 3, features: Float32Array.of(1, 0, 1, 2, 1, 0, 3, 0, 1), labels: Int32Array.of(0, 1, 1), clientIds: ['u', 'v', 'u'],
});

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    if (e instanceof DatasetImportError) return e.code;
    throw e;
  }
  return undefined;
}

describe('Dataset', () => {
  it('expresses MNIST: 784 floats per example in [0, 1] and the digits as class indices', async () => {
    const split = await loadMnist('test', { limit: 50 });
    const data = mnistDataset(split);
    checkDataset(data);
    expect(exampleSize(data.schema)).toBe(784);
    expect(data.features).toBe(split.images);
    expect([...data.labels]).toEqual([...split.labels]);
  });

  it('selects rows in the order asked, with their labels and client ids', () => {
    const picked = selectExamples(small(), [2, 0]);
    expect([...picked.features]).toEqual([3, 0, 1, 1, 0, 1]);
    expect([...picked.labels]).toEqual([1, 0]);
    expect(picked.clientIds).toEqual(['u', 'u']);
    expect(() => selectExamples(small(), [3])).toThrow(RangeError);
  });

  it('joins datasets of one schema and refuses to join different schemas', () => {
    const both = concatDatasets([small(), selectExamples(small(), [1])]);
    checkDataset(both);
    expect(both.count).toBe(4);
    expect(both.clientIds).toEqual(['u', 'v', 'u', 'v']);
    expect(codeOf(() => concatDatasets([small(), { ...small(), schema: { ...SCHEMA, label: 'z' } }]))).toBe('DATA_SCHEMA_MISMATCH');
  });

  it('refuses arrays that do not fit the schema', () => {
    const bad: Partial<Dataset>[] = [
      { features: new Float32Array(8) },
      { labels: Int32Array.of(0, 1, 2) },
      { labels: Float32Array.of(0, 1, 1) },
      { clientIds: ['u'] },
      { features: Float32Array.of(1, 0, 1, 2, 1, 0, Number.NaN, 0, 1) },
      { schema: MNIST_SCHEMA },
    ];
    for (const change of bad) expect(codeOf(() => checkDataset({ ...small(), ...change }))).toBe('DATA_SCHEMA_MISMATCH');
    expect(codeOf(() => checkDataset(small()))).toBeUndefined();
  });
});
