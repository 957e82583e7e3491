// Exact Shapley values by enumerating every coalition: 2^n utility measurements, the reference
// the approximations are checked against and the method for small rounds.

import { CoalitionCache, allPlayers, checkPlayers } from './CoalitionCache.ts';
import { ContributionError } from './errors.ts';
import type { ContributionResult } from './result.ts';
import type { CoalitionUtility } from './types.ts';

/** Above this, 2^n measurements (a million sub-models) is refused: use gtgShapley. */
export const MAX_EXACT_SHAPLEY_PLAYERS = 20;

/**
 * φᵢ = Σ_{S ⊆ N∖{i}} |S|!(n−|S|−1)!/n! · (u(S ∪ {i}) − u(S)) (Shapley 1953), measuring each of
 * the 2^n coalitions once, in ascending bitmask order. More than
 * {@link MAX_EXACT_SHAPLEY_PLAYERS} players: `ContributionError('CONTRIBUTION_TOO_MANY_PLAYERS')`.
 * @example
 * const { values } = await exactShapley(2, (s) => s.length); // [1, 1]
 */
export async function exactShapley(n: number, utility: CoalitionUtility): Promise<ContributionResult> {
  checkPlayers(n);
  if (n > MAX_EXACT_SHAPLEY_PLAYERS) {
    throw new ContributionError('CONTRIBUTION_TOO_MANY_PLAYERS', `exact Shapley over ${n} players needs 2^${n} evaluations; at most ${MAX_EXACT_SHAPLEY_PLAYERS} players`);
  }
  const cache = new CoalitionCache(utility);
  const size = 2 ** n;
  const u = new Float64Array(size);
  for (let mask = 0; mask < size; mask++) u[mask] = await cache.value(membersOf(mask, n));
  const weight = coalitionWeights(n);
  const values = allPlayers(n).map((i) => {
    const bit = 1 << i;
    let phi = 0;
    for (let mask = 0; mask < size; mask++) {
      if (mask & bit) continue;
      phi += weight[popcount(mask)]! * (u[mask | bit]! - u[mask]!);
    }
    return phi;
  });
  return { values, evaluations: cache.evaluations, truncated: false, baseUtility: u[0]!, fullUtility: u[size - 1]! };
}

/** |S|!(n−|S|−1)!/n! for |S| = 0 … n−1, computed as a product to stay exact-ish in floats. */
function coalitionWeights(n: number): number[] {
  // s!(n−s−1)!/n! = 1 / (n · C(n−1, s)).
  return Array.from({ length: n }, (_, s) => 1 / (n * binomial(n - 1, s)));
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

function membersOf(mask: number, n: number): number[] {
  const members: number[] = [];
  for (let i = 0; i < n; i++) if (mask & (1 << i)) members.push(i);
  return members;
}

function popcount(mask: number): number {
  let count = 0;
  for (let m = mask; m; m &= m - 1) count++;
  return count;
}
