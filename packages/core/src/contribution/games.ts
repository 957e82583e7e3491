// Synthetic cooperative games with known Shapley values, shared by this folder's tests only (not
// exported from the package): each is a CoalitionUtility over players 0..n−1.

import { createRng } from '../random.ts';
import type { CoalitionUtility } from './types.ts';

/** u(S) = Σ_{i∈S} wᵢ: every marginal is wᵢ, so φ = w under any estimator. */
export function additiveGame(weights: readonly number[]): CoalitionUtility {
  return (members) => members.reduce((sum, i) => sum + weights[i]!, 0);
}

/**
 * The glove game: players in `left` hold a left glove, the others a right one; u(S) is the number
 * of pairs S can make. One left and two rights: φ = (2/3, 1/6, 1/6).
 */
export function gloveGame(left: ReadonlySet<number>): CoalitionUtility {
  return (members) => {
    const l = members.filter((i) => left.has(i)).length;
    return Math.min(l, members.length - l);
  };
}

/** u(S) = 1 when S is non-empty: any one player is as good as all (φ = 1/n each). */
export function anyoneGame(): CoalitionUtility {
  return (members) => (members.length > 0 ? 1 : 0);
}

/**
 * A game shaped like a federated round: player i brings quality qᵢ (some negative, a noisy
 * client); a coalition's accuracy saturates in its mean quality and size, from 0.1 for ∅, with a
 * little fixed per-coalition noise (an evaluation on a finite validation set).
 */
export function federatedLikeGame(n: number, seed: number): CoalitionUtility {
  const rng = createRng(seed);
  const quality = Array.from({ length: n }, () => rng() - 0.15);
  return (members) => {
    if (members.length === 0) return 0.1;
    // Seeded by the coalition, so the noise does not depend on the order coalitions are asked in.
    const noise = (createRng(seed * 65_537 + members.reduce((mask, i) => mask | (1 << i), 0))() - 0.5) * 0.002;
    const mean = members.reduce((sum, i) => sum + quality[i]!, 0) / members.length;
    return 0.9 * (1 - Math.exp(-3 * Math.max(mean, 0) * Math.sqrt(members.length))) + noise;
  };
}

/** A game from a table of 2^n utilities indexed by coalition bitmask. */
export function tableGame(table: readonly number[]): CoalitionUtility {
  return (members) => table[members.reduce((mask, i) => mask | (1 << i), 0)]!;
}

/** Counts the utility's calls (to check the memo). */
export function counted(utility: CoalitionUtility): { utility: CoalitionUtility; calls: () => number } {
  let calls = 0;
  return { utility: (members) => { calls++; return utility(members); }, calls: () => calls };
}
