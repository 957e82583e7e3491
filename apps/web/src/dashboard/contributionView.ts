// What the dashboard makes of a task's contribution view: the standings ranked with the policy's
// marks, numbers as the panel prints them, each client's cumulative value over rounds for the
// chart, a round's valuation in a line, the CSV's address, and live rounds merged into the view.

import type { ContributionRoundView, ContributionSelectionSpec, ContributionStandingView, ContributionView } from '@flotilla/protocol';

/** How the selection policy treats a client now: as the others, less often, or never. */
export type PolicyMark = 'excluded' | 'down-weighted' | null;

export interface RankedRow extends ContributionStandingView {
  mark: PolicyMark;
}

/**
 * The policy's mark for a client, from its selection weight (0 excluded, below 1 down-weighted);
 * under `uniform` nobody is marked.
 * @example policyMark({ selectionWeight: 0.1 }, { policy: 'downweight', minRounds: 3, floorWeight: 0.1 }) // 'down-weighted'
 */
export function policyMark(standing: Pick<ContributionStandingView, 'selectionWeight'>, selection: ContributionSelectionSpec): PolicyMark {
  if (selection.policy === 'uniform') return null;
  if (standing.selectionWeight === 0) return 'excluded';
  return standing.selectionWeight < 1 ? 'down-weighted' : null;
}

/**
 * The standings by rank (ties by client id, so the table never reshuffles between equal rows), each
 * with the policy's mark.
 * @example rankedRows(view).map((r) => r.clientId) // ['c1', 'c3', 'c2']
 */
export function rankedRows(view: Pick<ContributionView, 'standings' | 'selection'>): RankedRow[] {
  return [...view.standings]
    .sort((a, b) => a.rank - b.rank || (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0))
    .map((s) => ({ ...s, mark: policyMark(s, view.selection) }));
}

/**
 * A Shapley value (a difference of accuracies, or of −MSE): signed, four decimals, like the fleet's table.
 * @example fmtValue(0.01234) // '+0.0123'
 */
export function fmtValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  const text = v.toFixed(4);
  // −0.00001 prints as -0.0000: it is 0 at this precision, and a sign would suggest otherwise.
  if (Number(text) === 0) return '0.0000';
  return v > 0 ? `+${text}` : text;
}

/**
 * A share of the reward pool, in percent with one decimal.
 * @example fmtShare(0.4567) // '45.7 %'
 */
export const fmtShare = (share: number): string => `${(share * 100).toFixed(1)} %`;

/** A reward in the pool's unit: two decimals. */
export const fmtReward = (reward: number): string => reward.toFixed(2);

/**
 * Where the standings (or, with `rounds`, every client's value per round) are downloaded as CSV;
 * the session cookie authenticates the link.
 * @example contributionCsvPath('t1') // '/api/tasks/t1/contributions.csv'
 */
export const contributionCsvPath = (taskId: string, rounds = false): string =>
  `/api/tasks/${encodeURIComponent(taskId)}/contributions.csv${rounds ? '?rounds=1' : ''}`;

/**
 * One valued round in a line: method, utilities, evaluations and valuation time.
 * @example describeRound(round) // 'round 3: gtg, accuracy 0.8120 → 0.8410 (+0.0290), 24 sub-models evaluated in 310 ms'
 */
export function describeRound(r: ContributionRoundView): string {
  const gain = r.fullUtility - r.baseUtility;
  const what = r.truncated
    ? `gain below the round tolerance, every value 0 (${r.evaluations} sub-models evaluated)`
    : `${r.evaluations} sub-model${r.evaluations === 1 ? '' : 's'} evaluated`;
  return `round ${r.round}: ${r.method}, ${r.metric} ${r.baseUtility.toFixed(4)} → ${r.fullUtility.toFixed(4)} (${fmtValue(gain)}), ${what} in ${Math.round(r.elapsedMs)} ms`;
}

/**
 * The chart's data: x = the valued rounds, then per client (in `clients` order) its cumulative
 * value after each round, null before the first round it was valued in.
 * @example cumulativeSeries([{ round: 1, values: { a: 0.1 } }, { round: 2, values: { a: 0.05, b: -0.02 } }], ['a', 'b']) // [[1, 2], [0.1, 0.15], [null, -0.02]]
 */
export function cumulativeSeries(rounds: readonly Pick<ContributionRoundView, 'round' | 'values'>[], clients: readonly string[]): (number | null)[][] {
  const sorted = [...rounds].sort((a, b) => a.round - b.round);
  const sums = new Map<string, number>();
  const series = clients.map(() => [] as (number | null)[]);
  for (const r of sorted) {
    clients.forEach((client, k) => {
      const v = r.values[client];
      if (v !== undefined) sums.set(client, (sums.get(client) ?? 0) + v);
      series[k]!.push(sums.get(client) ?? null);
    });
  }
  return [sorted.map((r) => r.round), ...series];
}

/**
 * The view with rounds that arrived as `contribution.round` events since it was fetched (a
 * round already in the view is replaced, never repeated), in round order.
 * @example withLiveRounds(view, [event]).rounds.at(-1)!.round // the event's round
 */
export function withLiveRounds(view: ContributionView, live: readonly ContributionRoundView[]): ContributionView {
  if (live.length === 0) return view;
  const byRound = new Map(view.rounds.map((r) => [r.round, r]));
  for (const r of live) byRound.set(r.round, r);
  return { ...view, rounds: [...byRound.values()].sort((a, b) => a.round - b.round) };
}

/** The chart's palette: distinct hues, then repeated (a legend names each line). */
const PALETTE = ['#1f6feb', '#1a7f37', '#d1242f', '#bf8700', '#8250df', '#0969da', '#bc4c00', '#57606a', '#cf222e', '#116329'];

export const clientColor = (k: number): string => PALETTE[k % PALETTE.length]!;
