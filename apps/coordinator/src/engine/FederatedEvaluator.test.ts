import { describe, expect, it } from 'vitest';
import { evaluationSampleSize } from './FederatedEvaluator.ts';

describe('evaluationSampleSize', () => {
  it('asks ⌈fraction · connected⌉ clients, at least minClients, never more than are connected', () => {
    expect(evaluationSampleSize(10, 0.25, 1)).toBe(3);
    expect(evaluationSampleSize(10, 0.25, 5)).toBe(5);
    expect(evaluationSampleSize(3, 0.1, 5)).toBe(3);
    expect(evaluationSampleSize(100, 1, 1)).toBe(100);
    expect(evaluationSampleSize(0, 0.5, 2)).toBe(0);
  });
});
