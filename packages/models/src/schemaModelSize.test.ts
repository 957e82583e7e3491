// Schema models sized past MAX_SCHEMA_MODEL_WEIGHTS are refused before any layer is built (red
// team): a registered dataset of 10,000 categorical columns with 1000 categories each is 10M
// inputs, which a logistic regression would turn into 20M weights.

import { describe, expect, it } from 'vitest';
import type { DataSchema } from '@flotilla/protocol';
import { ModelError } from './errors.ts';
import { MAX_SCHEMA_MODEL_WEIGHTS, buildModelForSchema } from './schemaModels.ts';

const categories = Array.from({ length: 1000 }, (_, k) => `v${k}`);
const hugeTable: DataSchema = {
  kind: 'tabular', label: 'y', target: { type: 'classification', classes: ['a', 'b'] },
  features: Array.from({ length: 10_000 }, (_, i) => ({ name: `c${i}`, kind: 'categorical' as const, categories })),
};

describe('schema model size', () => {
  it('refuses every dense architecture over 10M inputs with MODEL_SPEC_INVALID naming the weights', () => {
    for (const model of ['logreg', 'mlp'] as const) {
      const err = (() => {
        try {
          buildModelForSchema(hugeTable, { model });
          return null;
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ModelError);
      expect((err as ModelError).code).toBe('MODEL_SPEC_INVALID');
      expect((err as ModelError).message).toMatch(new RegExp(`would hold \\d+ weights \\(limit ${MAX_SCHEMA_MODEL_WEIGHTS}\\)`));
    }
  });
});
