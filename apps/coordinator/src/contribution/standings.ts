// Standings from the stored totals: each valued client's rank by cumulative value, its share of
// the reward pool under the task's split, and its selection weight under the task's policy.

import type { ContributionSelectionSpec, ContributionStandingView, RewardSpec } from '@flotilla/protocol';
import type { ContributionTotal } from '../store/contributionTables.ts';

/**
 * Shares of the pool (0–1, summing to 1 or, when no value is positive, to 0): proportional to each
 * positive cumulative value; `threshold` first drops those whose proportional share is below it.
 * @example rewardShares([3, 1, -2], { kind: 'proportional', pool: 100, threshold: 0.05 }); // [0.75, 0.25, 0]
 */
export function rewardShares(cumulative: readonly number[], reward: RewardSpec): number[] {
  const positive = cumulative.map((c) => (c > 0 ? c : 0));
  const total = positive.reduce((a, b) => a + b, 0);
  if (total <= 0) return positive.map(() => 0);
  const proportional = positive.map((p) => p / total);
  if (reward.kind === 'proportional') return proportional;
  const kept = proportional.map((s) => (s >= reward.threshold ? s : 0));
  const keptTotal = kept.reduce((a, b) => a + b, 0);
  return keptTotal > 0 ? kept.map((s) => s / keptTotal) : kept;
}

/**
 * A client's selection weight under the policy: 1 until it was valued in `minRounds` rounds or
 * while its cumulative value is not negative; then `floorWeight` (downweight) or 0 (exclude).
 * @example selectionWeight({ policy: 'exclude', minRounds: 3, floorWeight: 0.1 }, -0.02, 4); // 0
 */
export function selectionWeight(selection: ContributionSelectionSpec, cumulative: number, rounds: number): number {
  if (rounds < selection.minRounds || cumulative >= 0) return 1;
  switch (selection.policy) {
    case 'uniform':
      return 1;
    case 'downweight':
      return selection.floorWeight;
    case 'exclude':
      return 0;
    default: {
      const never: never = selection.policy;
      throw new Error(`unknown selection policy ${String(never)}`);
    }
  }
}

/**
 * Every valued client's standing, best first (rank 1 = largest cumulative value; ties by client id).
 * @example rankStandings(store.contributions.totals(taskId), reward, selection)[0]!.rank; // 1
 */
export function rankStandings(totals: readonly ContributionTotal[], reward: RewardSpec, selection: ContributionSelectionSpec): ContributionStandingView[] {
  const ordered = [...totals].sort((a, b) => b.cumulative - a.cumulative || (a.clientId < b.clientId ? -1 : 1));
  const shares = rewardShares(ordered.map((t) => t.cumulative), reward);
  return ordered.map((t, i) => ({
    clientId: t.clientId, rank: i + 1, cumulative: t.cumulative, rounds: t.rounds, lastValue: t.lastValue,
    share: shares[i]!, reward: shares[i]! * reward.pool, selectionWeight: selectionWeight(selection, t.cumulative, t.rounds),
  }));
}
