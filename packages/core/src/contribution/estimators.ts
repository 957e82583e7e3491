// The registry of contribution estimators, so that a task's `contribution.method` picks one by
// name and forms, validation and the coordinator derive from one table.

import { exactShapley, MAX_EXACT_SHAPLEY_PLAYERS } from './exactShapley.ts';
import { gtgShapley } from './gtgShapley.ts';
import { leaveOneOut } from './leaveOneOut.ts';
import type { ContributionResult } from './result.ts';
import type { CoalitionUtility, GtgOptions } from './types.ts';

/** Estimator names (the protocol's ContributionMethod). */
export type ContributionMethodName = 'gtg' | 'exact' | 'leave-one-out';

/** One estimator: what it computes and how many utility evaluations it needs for n players. */
export interface ContributionEstimator {
  name: ContributionMethodName;
  description: string;
  /** Evaluations for n players: exact for exact and leave-one-out, the worst case for gtg. */
  maxEvaluations(n: number, gtg: GtgOptions): number;
  estimate(n: number, utility: CoalitionUtility, gtg: GtgOptions): Promise<ContributionResult>;
}

/** Every estimator by name. */
export const CONTRIBUTION_ESTIMATORS: Readonly<Record<ContributionMethodName, ContributionEstimator>> = Object.freeze({
  gtg: {
    name: 'gtg',
    description: 'GTG-Shapley: guided, truncated Monte Carlo permutations (Liu et al. 2022)',
    maxEvaluations: (n, gtg) => Math.min(2 ** n, 2 + gtg.maxPermutations * Math.max(n - 1, 0)),
    estimate: (n, utility, gtg) => gtgShapley(n, utility, gtg),
  },
  exact: {
    name: 'exact',
    description: 'exact Shapley values over every coalition (2^n evaluations)',
    maxEvaluations: (n) => 2 ** n,
    estimate: (n, utility) => exactShapley(n, utility),
  },
  'leave-one-out': {
    name: 'leave-one-out',
    description: "leave-one-out: what the round loses without each client (blind to redundancy)",
    maxEvaluations: (n) => n + 2,
    estimate: (n, utility) => leaveOneOut(n, utility),
  },
});

/**
 * Values a round by `method`; `exact` above `maxExactPlayers` players (at most
 * MAX_EXACT_SHAPLEY_PLAYERS) falls back to gtg, and the result says which method ran.
 * @example
 * const { method, result } = await estimateContribution('exact', 14, u, gtgOptions, 12); // method 'gtg'
 */
export async function estimateContribution(
  method: ContributionMethodName, n: number, utility: CoalitionUtility, gtg: GtgOptions, maxExactPlayers = MAX_EXACT_SHAPLEY_PLAYERS,
): Promise<{ method: ContributionMethodName; result: ContributionResult }> {
  const used = method === 'exact' && n > Math.min(maxExactPlayers, MAX_EXACT_SHAPLEY_PLAYERS) ? 'gtg' : method;
  return { method: used, result: await CONTRIBUTION_ESTIMATORS[used].estimate(n, utility, gtg) };
}
