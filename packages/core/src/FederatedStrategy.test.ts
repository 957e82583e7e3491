// Tests for the strategy lifecycle: reports, minReports, state checkpointing, evaluation.
import { describe, expect, it } from 'vitest';
import { createStrategy } from './createStrategy.ts';
import type { FitResult } from './types.ts';

const report = (clientId: string, update: readonly number[], numExamples = 1): FitResult => ({
  clientId,
  numExamples,
  update: Float32Array.from(update),
});

describe('FederatedStrategy aggregation', () => {
  it('keeps the model (null) with fewer than minReports reports', () => {
    // Arrange
    const aggregation = createStrategy({ name: 'fedavg', minReports: 3 }).beginAggregation(1, new Float32Array(1));
    aggregation.add(report('a', [1]));
    aggregation.add(report('b', [2]));
    // Act / Assert
    expect(aggregation.finish([{ clientId: 'c', reason: 'deadline' }])).toBeNull();
  });

  it('keeps the model when no report arrived at all', () => {
    expect(createStrategy({ name: 'fedadam' }).beginAggregation(1, new Float32Array(2)).finish([])).toBeNull();
  });

  it('keeps the model when Krum gets fewer than 2f + 3 reports', () => {
    const aggregation = createStrategy({ name: 'krum', f: 1 }).beginAggregation(1, new Float32Array(1));
    ['a', 'b', 'c', 'd'].forEach((id, i) => aggregation.add(report(id, [i])));
    expect(aggregation.finish([{ clientId: 'e', reason: 'disconnected' }])).toBeNull();
  });

  it('does not modify the global weights it was given', () => {
    const global = Float32Array.of(1, 2);
    const aggregation = createStrategy({ name: 'fedavg' }).beginAggregation(1, global);
    aggregation.add(report('a', [1, 1]));
    aggregation.finish([]);
    expect(Array.from(global)).toEqual([1, 2]);
  });

  it('refuses bad reports with coded errors and stays usable', () => {
    // Arrange
    const aggregation = createStrategy({ name: 'fedavg' }).beginAggregation(1, new Float32Array(2));
    aggregation.add(report('a', [2, 4]));
    // Act
    const attempts = [
      () => aggregation.add(report('b', [1, 2, 3])),
      () => aggregation.add(report('c', [Number.NaN, 0])),
      () => aggregation.add(report('d', [1, 1], 0)),
      () => aggregation.add(report('a', [0, 0])),
    ];
    // Assert
    const codes = attempts.map((attempt) => {
      try {
        attempt();
        return 'no error';
      } catch (e) {
        return (e as { code?: string }).code;
      }
    });
    expect(codes).toEqual([
      'AGGREGATION_SHAPE_MISMATCH',
      'AGGREGATION_NON_FINITE',
      'AGGREGATION_PRECONDITION',
      'AGGREGATION_PRECONDITION',
    ]);
    expect(Array.from(aggregation.finish([])!)).toEqual([2, 4]);
  });

  it('refuses use after finish', () => {
    const aggregation = createStrategy({ name: 'fedavg' }).beginAggregation(1, new Float32Array(1));
    aggregation.add(report('a', [1]));
    aggregation.finish([]);
    const pre = expect.objectContaining({ code: 'AGGREGATION_PRECONDITION' });
    expect(() => aggregation.add(report('b', [1]))).toThrow(pre);
    expect(() => aggregation.finish([])).toThrow(pre);
  });
});

describe('FederatedStrategy state', () => {
  it.each(['fedavgm', 'fedadam', 'fedyogi', 'fedadagrad'] as const)(
    '%s: export → import into a fresh strategy → identical next step',
    (name) => {
      // Arrange: one round on the original, then a "restarted coordinator" restores its state
      const original = createStrategy({ name });
      const round1 = original.beginAggregation(1, Float32Array.of(0.5, -1, 2));
      round1.add(report('a', [0.3, -0.1, 0.02], 5));
      round1.add(report('b', [0.1, 0.4, -0.2], 2));
      const x1 = round1.finish([])!;
      const restored = createStrategy({ name });
      restored.importState(original.exportState());
      // Act: the same second round on both
      const [a, b] = [original, restored].map((s) => {
        const aggregation = s.beginAggregation(2, x1);
        aggregation.add(report('c', [-0.2, 0.05, 0.7], 3));
        return aggregation.finish([])!;
      });
      // Assert: bit for bit
      expect(Array.from(b!)).toEqual(Array.from(a!));
      expect(restored.exportState()).toEqual(original.exportState());
    },
  );

  it('exports nothing for stateless strategies and before the first round', () => {
    expect(createStrategy({ name: 'fedavg' }).exportState()).toEqual({});
    expect(createStrategy({ name: 'fedadam' }).exportState()).toEqual({});
  });

  it('exports copies: changing them does not change the strategy', () => {
    const strategy = createStrategy({ name: 'fedavgm' });
    const aggregation = strategy.beginAggregation(1, new Float32Array(1));
    aggregation.add(report('a', [1]));
    aggregation.finish([]);
    strategy.exportState()['momentum']!.fill(99);
    expect(Array.from(strategy.exportState()['momentum']!)).toEqual([1]);
  });

  it('rejects state of another strategy, of mixed lengths, or not finite', () => {
    const invalid = expect.objectContaining({ code: 'AGGREGATION_INVALID_STATE' });
    const adam = createStrategy({ name: 'fedadam' });
    expect(() => adam.importState({ momentum: new Float32Array(2) })).toThrow(invalid);
    expect(() => adam.importState({ m: new Float32Array(2), v: new Float32Array(3) })).toThrow(
      expect.objectContaining({ code: 'AGGREGATION_SHAPE_MISMATCH' }),
    );
    expect(() => adam.importState({ m: Float32Array.of(Number.NaN), v: Float32Array.of(1) })).toThrow(invalid);
    expect(() => adam.importState({ m: Float32Array.of(0), v: Float32Array.of(-1) })).toThrow(invalid);
    expect(() => createStrategy({ name: 'fedavg' }).importState({ m: new Float32Array(1) })).toThrow(invalid);
  });

  it('refuses to aggregate a model whose size differs from the restored state', () => {
    const strategy = createStrategy({ name: 'fedyogi' });
    strategy.importState({ m: new Float32Array(3), v: new Float32Array(3) });
    expect(() => strategy.beginAggregation(1, new Float32Array(4))).toThrow(
      expect.objectContaining({ code: 'AGGREGATION_SHAPE_MISMATCH' }),
    );
  });
});

describe('FederatedStrategy evaluation', () => {
  it('weights loss and accuracy by examples', () => {
    // loss (1·1 + 3·3)/4 = 2.5, accuracy (1·0.5 + 3·0.9)/4 = 0.8
    const result = createStrategy({ name: 'fedavg' }).aggregateEvaluate([
      { clientId: 'a', numExamples: 1, loss: 1, accuracy: 0.5 },
      { clientId: 'b', numExamples: 3, loss: 3, accuracy: 0.9 },
      { clientId: 'c', numExamples: 0, loss: 100, accuracy: 0 },
    ]);
    expect(result?.loss).toBeCloseTo(2.5, 12);
    expect(result?.accuracy).toBeCloseTo(0.8, 12);
  });

  it('returns null without examples and throws on a negative count', () => {
    const strategy = createStrategy({ name: 'fedavg' });
    expect(strategy.aggregateEvaluate([])).toBeNull();
    expect(strategy.aggregateEvaluate([{ numExamples: 0, loss: 1, accuracy: 1 }])).toBeNull();
    expect(() => strategy.aggregateEvaluate([{ numExamples: -1, loss: 1, accuracy: 1 }])).toThrow(
      expect.objectContaining({ code: 'AGGREGATION_PRECONDITION' }),
    );
  });
});
