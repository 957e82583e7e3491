import { describe, expect, it } from 'vitest';
import { MNIST_SCHEMA } from './dataSchema.ts';
import { describeSchema } from './datasets.ts';

describe('describeSchema', () => {
  it('says what one example is for each kind of schema', () => {
    expect(describeSchema(MNIST_SCHEMA)).toBe('image 28×28×1 → 10 classes');
    expect(describeSchema({
      kind: 'tabular', label: 'y', target: { type: 'regression', metric: 'mae' },
      features: [{ name: 'a', kind: 'numeric' }, { name: 'c', kind: 'categorical', categories: ['x', 'y', 'z'] }],
    })).toBe('tabular 2 columns (4 inputs) → regression (mae)');
    expect(describeSchema({ kind: 'text', level: 'char', vocabulary: ['<unk>', 'a', 'b'], unknown: 0, sequenceLength: 80 })).toBe('text char × 80 → 3 symbols');
  });
});
