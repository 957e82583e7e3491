// Tests for selectionWeights: who a contribution-aware selection samples less or not at all.
import { describe, expect, it } from 'vitest';
import { selectionWeight, selectionWeights } from './selectionWeights.ts';

const standings = {
  good: { cumulative: 0.2, rounds: 5 },
  harmful: { cumulative: -0.05, rounds: 5 },
  newcomer: { cumulative: -0.3, rounds: 1 },
};

describe('selectionWeights', () => {
  it('down-weights a judged client with a negative cumulative value to floorWeight', () => {
    const weights = selectionWeights(standings, { policy: 'downweight', minRounds: 3, floorWeight: 0.1 });
    expect(Object.fromEntries(weights)).toEqual({ good: 1, harmful: 0.1, newcomer: 1 });
  });

  it('excludes it under exclude, and weighs everyone 1 under uniform', () => {
    expect(Object.fromEntries(selectionWeights(standings, { policy: 'exclude', minRounds: 3, floorWeight: 0.1 }))).toEqual({ good: 1, harmful: 0, newcomer: 1 });
    expect(Object.fromEntries(selectionWeights(new Map(Object.entries(standings)), { policy: 'uniform', minRounds: 1, floorWeight: 0.1 }))).toEqual({ good: 1, harmful: 1, newcomer: 1 });
  });

  it('weighs a client without a standing 1', () => {
    expect(selectionWeight(undefined, { policy: 'exclude', minRounds: 1, floorWeight: 0.1 })).toBe(1);
  });
});
