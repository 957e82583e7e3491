// Staleness weighting of buffered asynchronous aggregation (FedBuff, Nguyen et al., AISTATS 2022):
// how much an update trained τ versions ago still counts.
import { AggregationError } from './errors.ts';

/** The parameters every weighting function may read (each reads only its own). */
export interface StalenessParameters {
  /** a: the polynomial's exponent, the hinge's slope. */
  exponent: number;
  /** b: the hinge's last full-weight staleness. */
  hingeAt: number;
}

/**
 * The registry of weighting functions s(τ), each in (0, 1] and non-increasing in τ, so a stale
 * update never counts more than a fresh one (and, under client-level DP, never exceeds the clip).
 * - constant: s = 1 (plain FedBuff).
 * - polynomial: s = (1 + τ)^(−a) (Xie et al. 2019, FedAsync; FedBuff's experiments use a = 0.5).
 * - hinge: s = 1 for τ ≤ b, then 1 / (a·(τ − b) + 1) (FedAsync's hinge function).
 */
export const STALENESS_WEIGHTINGS = {
  constant: (_tau: number, _p: StalenessParameters) => 1,
  polynomial: (tau: number, p: StalenessParameters) => (1 + tau) ** -p.exponent,
  hinge: (tau: number, p: StalenessParameters) => (tau <= p.hingeAt ? 1 : 1 / (p.exponent * (tau - p.hingeAt) + 1)),
} as const satisfies Record<string, (tau: number, p: StalenessParameters) => number>;

export type StalenessWeightingName = keyof typeof STALENESS_WEIGHTINGS;

/** A weighting function by name with its parameters: the shape of TaskConfig.asynchronous's fields. */
export interface StalenessWeighting extends StalenessParameters {
  kind: StalenessWeightingName;
}

/**
 * s(τ) for an update trained from a version τ commits old.
 * @example stalenessWeight({ kind: 'polynomial', exponent: 0.5, hingeAt: 0 }, 3) // 0.5
 */
export function stalenessWeight(weighting: StalenessWeighting, staleness: number): number {
  if (!Number.isInteger(staleness) || staleness < 0) {
    throw new AggregationError('AGGREGATION_PRECONDITION', `staleness must be a non-negative integer, got ${staleness}`);
  }
  const fn = STALENESS_WEIGHTINGS[weighting.kind];
  if (!fn) throw new AggregationError('AGGREGATION_INVALID_CONFIG', `unknown staleness weighting ${String(weighting.kind)}`);
  return fn(staleness, weighting);
}
