import { describe, expect, it } from 'vitest';
import { MNIST_SCHEMA, type DataSchema } from '@flotilla/protocol';
import { federatedMetric, quantile, requiredMetrics, summariseEvaluation } from './federatedSummary.ts';

const regression: DataSchema = { kind: 'tabular', features: [{ name: 'x', kind: 'numeric' }], label: 'y', target: { type: 'regression', metric: 'mae' } };

describe('summariseEvaluation', () => {
  it('weights loss and accuracy by examples and spreads the accuracy over clients, each counting once', () => {
    const reports = [
      { clientId: 'a', numExamples: 10, metrics: { loss: 1, accuracy: 0.5 } },
      { clientId: 'b', numExamples: 30, metrics: { loss: 2, accuracy: 0.9 } },
      { clientId: 'c', numExamples: 60, metrics: { loss: 0.5, accuracy: 0.7 } },
    ];
    const summary = summariseEvaluation(reports, { round: 2, modelVersion: 2, asked: 4, failed: 1, metric: 'accuracy' });
    expect(summary).toMatchObject({ round: 2, modelVersion: 2, asked: 4, clients: 3, failed: 1, examples: 100, metric: 'accuracy', mse: null, mae: null });
    expect(summary.loss).toBeCloseTo((10 * 1 + 30 * 2 + 60 * 0.5) / 100, 12);
    expect(summary.accuracy).toBeCloseTo((10 * 0.5 + 30 * 0.9 + 60 * 0.7) / 100, 12);
    const mean = (0.5 + 0.9 + 0.7) / 3;
    expect(summary.spread!.min).toBe(0.5);
    expect(summary.spread!.max).toBe(0.9);
    expect(summary.spread!.median).toBe(0.7);
    // numpy.percentile([0.5, 0.7, 0.9], 10) = 0.5 + 0.2 · 0.2
    expect(summary.spread!.p10).toBeCloseTo(0.54, 12);
    expect(summary.spread!.std).toBeCloseTo(Math.sqrt(((0.5 - mean) ** 2 + (0.9 - mean) ** 2 + (0.7 - mean) ** 2) / 3), 12);
  });

  it('has no metrics and no spread when no client reported', () => {
    const summary = summariseEvaluation([], { round: 0, modelVersion: 0, asked: 2, failed: 2, metric: 'accuracy' });
    expect(summary).toMatchObject({ clients: 0, examples: 0, loss: null, accuracy: null, spread: null });
  });

  it('judges a regression by its own metric, spread included', () => {
    expect(federatedMetric(regression)).toBe('mae');
    expect(requiredMetrics(regression)).toEqual(['loss', 'mse', 'mae']);
    expect(requiredMetrics(MNIST_SCHEMA)).toEqual(['loss', 'accuracy']);
    const summary = summariseEvaluation([
      { clientId: 'a', numExamples: 1, metrics: { loss: 4, mse: 4, mae: 2 } },
      { clientId: 'b', numExamples: 3, metrics: { loss: 1, mse: 1, mae: 1 } },
    ], { round: 1, modelVersion: 1, asked: 2, failed: 0, metric: 'mae' });
    expect(summary.mae).toBeCloseTo(1.25, 12);
    expect(summary.mse).toBeCloseTo(1.75, 12);
    expect(summary.accuracy).toBeNull();
    expect(summary.spread).toMatchObject({ min: 1, max: 2, median: 1.5 });
  });

  it('interpolates quantiles as numpy does', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([7], 0.1)).toBe(7);
  });
});
