// Leave-one-out values: what the round loses without each player, u(N) − u(N∖{i}). n + 2
// measurements; the baseline the Shapley estimators are compared with (it misses redundancy:
// two clients holding the same data each look worthless, since the other covers for it).

import { CoalitionCache, allPlayers, checkPlayers } from './CoalitionCache.ts';
import type { ContributionResult } from './result.ts';
import type { CoalitionUtility } from './types.ts';

/**
 * φᵢ = u(N) − u(N∖{i}), measuring ∅ (for the base utility), N and the n coalitions without one.
 * @example
 * const { values } = await leaveOneOut(2, (s) => (s.length > 0 ? 1 : 0)); // [0, 0]: each is redundant
 */
export async function leaveOneOut(n: number, utility: CoalitionUtility): Promise<ContributionResult> {
  checkPlayers(n);
  const cache = new CoalitionCache(utility);
  const all = allPlayers(n);
  const baseUtility = await cache.value([]);
  const fullUtility = await cache.value(all);
  const values: number[] = [];
  for (const i of all) values.push(fullUtility - (await cache.value(all.filter((j) => j !== i))));
  return { values, evaluations: cache.evaluations, truncated: false, baseUtility, fullUtility };
}
