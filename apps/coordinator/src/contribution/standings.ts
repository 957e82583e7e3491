// Standings from the stored totals: each valued client's rank by cumulative value, its share of
// the reward pool under the task's split (splitRewards) and its selection weight under the task's
// policy (selectionWeight), both from @flotilla/core.

import { selectionWeight, splitRewards } from '@flotilla/core';
import type { ContributionSelectionSpec, ContributionStandingView, RewardSpec } from '@flotilla/protocol';
import type { ContributionTotal } from '../store/contributionTables.ts';

/**
 * Every valued client's standing, best first (rank 1 = largest cumulative value; ties by client id).
 * @example rankStandings(store.contributions.totals(taskId), reward, selection)[0]!.rank; // 1
 */
export function rankStandings(totals: readonly ContributionTotal[], reward: RewardSpec, selection: ContributionSelectionSpec): ContributionStandingView[] {
  const ordered = [...totals].sort((a, b) => b.cumulative - a.cumulative || (a.clientId < b.clientId ? -1 : 1));
  const split = splitRewards(new Map(ordered.map((t) => [t.clientId, t.cumulative])), reward);
  return ordered.map((t, i) => {
    const { share, reward: paid } = split.get(t.clientId)!;
    return {
      clientId: t.clientId, rank: i + 1, cumulative: t.cumulative, rounds: t.rounds, lastValue: t.lastValue,
      share, reward: paid, selectionWeight: selectionWeight(t, selection),
    };
  });
}
