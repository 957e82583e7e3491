// Data schemas: their shapes validate, and the model's input and output follow from them.

import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { DataSchema, MNIST_SCHEMA, checkDataSchema, schemaInputShape, schemaOutputSize, type TabularSchema, type TextSchema } from './dataSchema.ts';

const table: TabularSchema = {
  kind: 'tabular',
  features: [
    { name: 'age', kind: 'numeric', mean: 40, std: 12 },
    { name: 'smoker', kind: 'categorical', categories: ['no', 'yes'] },
    { name: 'region', kind: 'categorical', categories: ['n', 's', 'e', 'w'] },
  ],
  label: 'outcome',
  target: { type: 'classification', classes: ['healthy', 'sick'] },
};
const text: TextSchema = { kind: 'text', level: 'char', vocabulary: ['?', 'a', 'b', ' '], unknown: 0, sequenceLength: 80 };

describe('data schemas', () => {
  it('accept MNIST, a table and a text corpus, and derive the model\'s input and output from them', () => {
    for (const schema of [MNIST_SCHEMA, table, text]) expect(Value.Check(DataSchema, schema)).toBe(true);
    expect([schemaInputShape(MNIST_SCHEMA), schemaOutputSize(MNIST_SCHEMA)]).toEqual([[28, 28, 1], 10]);
    // One numeric column and two one-hot blocks of 2 and 4.
    expect([schemaInputShape(table), schemaOutputSize(table)]).toEqual([[7], 2]);
    expect(schemaOutputSize({ ...table, target: { type: 'regression', metric: 'mae' } })).toBe(1);
    expect([schemaInputShape(text), schemaOutputSize(text)]).toEqual([[80], 4]);
  });

  it('refuse shapes TypeBox can see: 2 channels, one class, an empty feature list', () => {
    expect(Value.Check(DataSchema, { ...MNIST_SCHEMA, channels: 2 })).toBe(false);
    expect(Value.Check(DataSchema, { ...MNIST_SCHEMA, classes: ['only'] })).toBe(false);
    expect(Value.Check(DataSchema, { ...table, features: [] })).toBe(false);
  });

  it('name the first problem TypeBox cannot see, with its path', () => {
    expect(checkDataSchema(MNIST_SCHEMA)).toBeNull();
    expect(checkDataSchema(table)).toBeNull();
    expect(checkDataSchema(text)).toBeNull();
    expect(checkDataSchema({ ...MNIST_SCHEMA, classes: ['a', 'b', 'a'] })).toBe('/classes: "a" appears twice');
    expect(checkDataSchema({ ...MNIST_SCHEMA, normalization: { mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] } })).toMatch(/^\/normalization: .*\(1\)/);
    expect(checkDataSchema({ ...table, label: 'age' })).toBe('/label: "age" is also a feature column');
    expect(checkDataSchema({ ...table, features: [...table.features, { name: 'age', kind: 'numeric' }] })).toBe('/features: column "age" appears twice');
    expect(checkDataSchema({ ...table, features: [{ name: 'x', kind: 'numeric', mean: 1 }] })).toBe('/features/0: mean and std go together');
    expect(checkDataSchema({ ...text, unknown: 4 })).toBe('/unknown: 4 is outside the vocabulary of 4');
    expect(checkDataSchema({ ...text, vocabulary: ['?', 'ab', 'c'] })).toMatch(/^\/vocabulary: a character-level vocabulary/);
  });
});
