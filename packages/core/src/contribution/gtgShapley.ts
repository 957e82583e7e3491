// GTG-Shapley (Liu, Yu, Song, Xu, Zhu, Wu, Yang; "GTG-Shapley: Efficient and Accurate Participant
// Contribution Evaluation in Federated Learning", ACM TIST 13(4), 2022): Monte Carlo permutation
// sampling of Shapley values, guided and truncated so that a round costs tens of sub-model
// evaluations instead of 2^n.

import { createRng, shuffleInPlace } from '../random.ts';
import { CoalitionCache, allPlayers, checkPlayers } from './CoalitionCache.ts';
import { ContributionError } from './errors.ts';
import type { ContributionResult } from './result.ts';
import type { CoalitionUtility, GtgOptions } from './types.ts';

/**
 * Estimates each player's Shapley value of the round:
 * - between-round truncation: when |u(N) − u(∅)| < roundTolerance the round changed nothing
 *   worth dividing; every value is 0 and `truncated` is set (2 evaluations);
 * - guided sampling: permutation k (from 0) puts player k mod n first and shuffles the rest with
 *   the seeded rng, so every player leads equally often (its singleton marginal, the largest
 *   term of most FL games, is sampled evenly);
 * - within-round truncation: once |u(N) − u(prefix)| < truncationTolerance, the prefix is as good
 *   as everyone and the remaining players' marginals are taken as 0 without evaluating;
 * - convergence: as in the paper's outer loop, permutations come in sweeps of n (one led by each
 *   player) and convergence is tested only at the end of a sweep, so a stop never leaves some
 *   players led once more than others; stop when every one of the last n running-mean vectors is
 *   within convergenceTolerance of the current one, measured as Σᵢ|Δφᵢ| / Σᵢ|φᵢ| (relative to the
 *   values' total size, so that a null player's near-zero value does not make the ratio blow up, as
 *   the authors' per-player ratio does); else at maxPermutations.
 * Truncation tolerances are absolute (in the utility's unit), as in the paper.
 * Deterministic for a seed. Each coalition is evaluated once (memoised).
 * @example
 * const est = await gtgShapley(10, utility, { truncationTolerance: 0.005, roundTolerance: 0.001,
 *   convergenceTolerance: 0.05, maxPermutations: 50, seed: 7 });
 */
export async function gtgShapley(n: number, utility: CoalitionUtility, options: GtgOptions): Promise<ContributionResult> {
  checkPlayers(n);
  checkOptions(options);
  const cache = new CoalitionCache(utility);
  const players = allPlayers(n);
  const baseUtility = await cache.value([]);
  const fullUtility = await cache.value(players);
  const done = (values: number[], truncated: boolean, permutations: number): ContributionResult => ({
    values, evaluations: cache.evaluations, truncated, permutations, baseUtility, fullUtility,
  });
  if (n === 0) return done([], false, 0);
  if (Math.abs(fullUtility - baseUtility) < options.roundTolerance) return done(new Array<number>(n).fill(0), true, 0);

  const rng = createRng(options.seed);
  const sums = new Float64Array(n);
  const window: Float64Array[] = [];
  let k = 0;
  while (k < options.maxPermutations) {
    const order = guidedPermutation(players, k, rng);
    let previous = baseUtility;
    const prefix: number[] = [];
    for (const player of order) {
      if (Math.abs(fullUtility - previous) < options.truncationTolerance) break;
      prefix.push(player);
      const current = await cache.value(prefix);
      sums[player]! += current - previous;
      previous = current;
    }
    k++;
    window.push(sums.map((s) => s / k));
    if (window.length > n + 1) window.shift();
    if (k % n === 0 && window.length === n + 1 && converged(window, options.convergenceTolerance)) break;
  }
  return done(Array.from(sums, (s) => s / k), false, k);
}

function guidedPermutation(players: readonly number[], k: number, rng: () => number): number[] {
  const first = k % players.length;
  const rest = players.filter((p) => p !== first);
  shuffleInPlace(rest, rng);
  return [first, ...rest];
}

// The newest running means against each older one in the window.
function converged(window: readonly Float64Array[], tolerance: number): boolean {
  const now = window[window.length - 1]!;
  let size = 0;
  for (const v of now) size += Math.abs(v);
  for (let w = 0; w < window.length - 1; w++) {
    const then = window[w]!;
    let moved = 0;
    for (let i = 0; i < now.length; i++) moved += Math.abs(now[i]! - then[i]!);
    if (moved > tolerance * Math.max(size, 1e-12)) return false;
  }
  return true;
}

function checkOptions(o: GtgOptions): void {
  const bad = (field: string, why: string): never => {
    throw new ContributionError('CONTRIBUTION_INVALID_OPTIONS', `gtg ${field} ${why}`);
  };
  for (const field of ['truncationTolerance', 'roundTolerance'] as const) {
    if (!Number.isFinite(o[field]) || o[field] < 0) bad(field, `must be a finite number ≥ 0, got ${o[field]}`);
  }
  if (!Number.isFinite(o.convergenceTolerance) || o.convergenceTolerance <= 0) bad('convergenceTolerance', `must be a finite number > 0, got ${o.convergenceTolerance}`);
  if (!Number.isInteger(o.maxPermutations) || o.maxPermutations < 1) bad('maxPermutations', `must be an integer ≥ 1, got ${o.maxPermutations}`);
  if (!Number.isInteger(o.seed)) bad('seed', `must be an integer, got ${o.seed}`);
}
