import { describe, expect, it } from 'vitest';
import { holdoutSeed, splitClientExamples } from '@flotilla/data';
import { ErrorCodes, MNIST_SCHEMA, type TabularSchema, type TextSchema } from '@flotilla/protocol';
import { checkLocalData, selectLocal, splitLocal } from './localData.ts';

const TABLE: TabularSchema = {
  kind: 'tabular',
  features: [{ name: 'age', kind: 'numeric' }, { name: 'town', kind: 'categorical', categories: ['a', 'b', 'c'] }],
  label: 'risk', target: { type: 'classification', classes: ['low', 'high'] },
};
const TEXT: TextSchema = { kind: 'text', level: 'char', vocabulary: ['?', 'a', 'b'], unknown: 0, sequenceLength: 2 };

function thrown(fn: () => void): { code?: string; message?: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message?: string };
  }
  return {};
}

describe('checkLocalData', () => {
  it('accepts examples of the schema\'s width with labels among its classes', () => {
    expect(() => checkLocalData({ features: new Float32Array(8), labels: Int32Array.of(0, 1), count: 2 }, TABLE)).not.toThrow();
  });

  it('refuses, naming what does not fit: the width, a class, a symbol, a regression value, a non-finite feature', () => {
    const mnistRows = { features: new Float32Array(2 * 784), labels: Uint8Array.of(3, 7), count: 2 };
    expect(thrown(() => checkLocalData(mnistRows, TABLE))).toMatchObject({
      code: ErrorCodes.DATA_SCHEMA_MISMATCH, message: expect.stringContaining('4 values each (4); this client\'s have 784 values per example'),
    });
    expect(thrown(() => checkLocalData({ features: new Float32Array(8), labels: Int32Array.of(0, 2), count: 2 }, TABLE)).message)
      .toBe('example 1 has label 2, not one of the task\'s 2 classes');
    expect(thrown(() => checkLocalData({ features: Float32Array.of(1, 2, 2, 7), labels: Int32Array.of(1, 2), count: 2 }, TEXT)).message)
      .toBe('example 1 holds symbol 7, outside the task\'s vocabulary of 3');
    const prices: TabularSchema = { ...TABLE, target: { type: 'regression', metric: 'mse' } };
    expect(thrown(() => checkLocalData({ features: new Float32Array(4), labels: Float32Array.of(NaN), count: 1 }, prices)).message)
      .toBe('example 0 has label NaN, not a number');
    expect(thrown(() => checkLocalData({ features: Float32Array.of(0, 0, 0, 0, 1, Infinity, 0, 0), labels: Int32Array.of(0, 1), count: 2 }, TABLE)).message)
      .toBe('example 1 has a non-finite value at position 1');
  });

  it('lets a count-only stand-in pass: the worker holding those examples checks them', () => {
    expect(() => checkLocalData({ features: new Float32Array(0), labels: new Uint8Array(0), count: 600 }, MNIST_SCHEMA)).not.toThrow();
  });
});

describe('splitLocal', () => {
  it('is the one rule: splitClientExamples over 0..n-1 seeded by holdoutSeed(task seed, partition index)', () => {
    const split = splitLocal(50, { clientTestFraction: 0.2, seed: 7 }, 3);
    const expected = splitClientExamples(Uint32Array.from({ length: 50 }, (_, i) => i), 0.2, holdoutSeed(7, 3));

    expect([...split.test]).toEqual([...expected.test]);
    expect([...split.train]).toEqual([...expected.train]);
    expect(split.test).toHaveLength(10);
  });

  it('gives the same split on every call, and another one to another client', () => {
    const a = splitLocal(40, { clientTestFraction: 0.25, seed: 1 }, 0);
    const again = splitLocal(40, { clientTestFraction: 0.25, seed: 1 }, 0);
    const other = splitLocal(40, { clientTestFraction: 0.25, seed: 1 }, 1);

    expect([...again.test]).toEqual([...a.test]);
    expect([...other.test]).not.toEqual([...a.test]);
    expect(new Set([...a.train, ...a.test]).size).toBe(40);
  });

  it('holds nothing out without a share', () => {
    const split = splitLocal(5, { clientTestFraction: 0, seed: 1 });
    expect([...split.train]).toEqual([0, 1, 2, 3, 4]);
    expect(split.test).toHaveLength(0);
  });
});

describe('selectLocal', () => {
  it('copies the rows at the indices, keeping the label type', () => {
    const data = { features: Float32Array.of(0, 1, 10, 11, 20, 21), labels: Float32Array.of(0.5, 1.5, 2.5), count: 3 };
    const picked = selectLocal(data, Uint32Array.of(2, 0));

    expect([...picked.features]).toEqual([20, 21, 0, 1]);
    expect(picked.labels).toBeInstanceOf(Float32Array);
    expect([...picked.labels]).toEqual([2.5, 0.5]);
    expect(selectLocal(data, Uint32Array.of(0, 1, 2))).toBe(data);
  });
});
