// How a round's updates combine into one: streamed into a mean, or buffered for a robust rule.
import { FedAvgAccumulator } from './FedAvgAccumulator.ts';
import { FedNovaAccumulator } from './FedNovaAccumulator.ts';
import type { WeightedVector } from './types.ts';

/** Collects one round's updates (already validated) and combines them into Δ̄. */
export interface UpdateReducer {
  readonly count: number;
  /** Reports below which the rule cannot run at all (Krum's 2f + 3); the round is then kept. */
  readonly minimumReports: number;
  /** `localSteps` is the client's reported τ; only a normalising reducer reads it. */
  add(update: Float32Array, numExamples: number, localSteps?: number): void;
  result(): Float32Array;
}

/** Creates a fresh reducer for a model of `length` parameters. */
export type ReducerFactory = (length: number) => UpdateReducer;

/** FedAvg's example-weighted mean, streamed: memory O(model). */
export function streamingMean(): ReducerFactory {
  return (length) => {
    const accumulator = new FedAvgAccumulator(length);
    return {
      minimumReports: 1,
      get count() {
        return accumulator.count;
      },
      add: (update, numExamples) => accumulator.add(update, numExamples),
      result: () => accumulator.mean(),
    };
  };
}

/**
 * FedNova's normalised mean τ_eff · Σ p_i Δ_i / τ_i, streamed (see FedNovaAccumulator).
 * @example federated('fednova', common, normalisedMean()); // in the strategy registry
 */
export function normalisedMean(): ReducerFactory {
  return (length) => {
    const accumulator = new FedNovaAccumulator(length);
    return {
      minimumReports: 1,
      get count() {
        return accumulator.count;
      },
      add: (update, numExamples, localSteps) => accumulator.add(update, numExamples, localSteps),
      result: () => accumulator.mean(),
    };
  };
}

/**
 * A rule that needs every update at once (median, trimmed mean, Krum): buffers references to
 * the updates, O(clients × model) by necessity. Callers must not reuse an added array.
 */
export function buffered(
  combine: (updates: readonly WeightedVector[]) => Float32Array,
  minimumReports = 1,
): ReducerFactory {
  return () => {
    const updates: WeightedVector[] = [];
    return {
      minimumReports,
      get count() {
        return updates.length;
      },
      add: (weights, numExamples) => void updates.push({ weights, numExamples }),
      result: () => combine(updates),
    };
  };
}
