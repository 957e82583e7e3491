// The contribution panel's pure parts: ranking with the policy's marks, how values print, the
// cumulative chart's series, a valued round in a line, the CSV's address, live rounds merged in.
import { describe, expect, it } from 'vitest';
import type { ContributionRoundView, ContributionStandingView, ContributionView } from '@flotilla/protocol';
import {
  contributionCsvPath, cumulativeSeries, describeRound, fmtShare, fmtValue, policyMark, rankedRows, withLiveRounds,
} from './contributionView.ts';
import { initialState, reducer } from './store.ts';
import type { TaskView } from './api.ts';

const standing = (clientId: string, rank: number, cumulative: number, selectionWeight = 1): ContributionStandingView => ({
  clientId, rank, cumulative, rounds: 3, lastValue: cumulative / 3, share: 0, reward: 0, selectionWeight,
});
const round = (r: number, values: Record<string, number>, extra: Partial<ContributionRoundView> = {}): ContributionRoundView => ({
  round: r, method: 'gtg', metric: 'accuracy', baseUtility: 0.8, fullUtility: 0.83, evaluations: 24, truncated: false, elapsedMs: 310.4, values, ...extra,
});
const view = (extra: Partial<ContributionView> = {}): ContributionView => ({
  enabled: true, method: 'gtg', metric: 'accuracy', validation: '1,000 held-out MNIST training examples no client holds',
  reward: { kind: 'proportional', pool: 100, threshold: 0.05 }, selection: { policy: 'downweight', minRounds: 3, floorWeight: 0.1 },
  standings: [], rounds: [], ...extra,
});

describe('contribution ranking', () => {
  it('orders the standings by rank, ties by client id, and marks whom the policy excludes or down-weights', () => {
    const rows = rankedRows(view({ standings: [standing('c', 3, -0.02, 0.1), standing('b', 1, 0.1), standing('a', 1, 0.1), standing('d', 2, 0.01)] }));

    expect(rows.map((r) => [r.clientId, r.rank, r.mark])).toEqual([['a', 1, null], ['b', 1, null], ['d', 2, null], ['c', 3, 'down-weighted']]);
  });

  it('marks nobody under uniform selection, and a weight of 0 as excluded under the others', () => {
    expect(policyMark({ selectionWeight: 0 }, { policy: 'uniform', minRounds: 3, floorWeight: 0.1 })).toBeNull();
    expect(policyMark({ selectionWeight: 0 }, { policy: 'exclude', minRounds: 3, floorWeight: 0.1 })).toBe('excluded');
    expect(policyMark({ selectionWeight: 1 }, { policy: 'exclude', minRounds: 3, floorWeight: 0.1 })).toBeNull();
  });
});

describe('contribution numbers', () => {
  it('prints values signed with four decimals, a rounded zero without a sign, shares in percent', () => {
    expect([fmtValue(0.01234), fmtValue(-0.5), fmtValue(-0.00001), fmtValue(null)]).toEqual(['+0.0123', '-0.5000', '0.0000', '—']);
    expect(fmtShare(0.4567)).toBe('45.7 %');
  });

  it('says what a valued round cost and gained', () => {
    expect(describeRound(round(3, {}))).toBe('round 3: gtg, accuracy 0.8000 → 0.8300 (+0.0300), 24 sub-models evaluated in 310 ms');
    expect(describeRound(round(4, {}, { truncated: true, fullUtility: 0.8005, evaluations: 2 })))
      .toBe('round 4: gtg, accuracy 0.8000 → 0.8005 (+0.0005), gain below the round tolerance, every value 0 (2 sub-models evaluated) in 310 ms');
  });

  it('downloads the CSV from the task\'s contributions route', () => {
    expect(contributionCsvPath('t 1')).toBe('/api/tasks/t%201/contributions.csv');
    expect(contributionCsvPath('t1', true)).toBe('/api/tasks/t1/contributions.csv?rounds=1');
  });
});

describe('contribution over rounds', () => {
  it('cumulates each client\'s values over the valued rounds, null before its first', () => {
    const rounds = [round(2, { a: 0.05, b: -0.02 }), round(1, { a: 0.1 }), round(3, { b: 0.01 })];

    const [x, a, b] = cumulativeSeries(rounds, ['a', 'b']);

    expect(x).toEqual([1, 2, 3]);
    const rounded = (s: (number | null)[] | undefined) => s!.map((v) => (v === null ? null : Number(v.toFixed(6))));
    expect(rounded(a)).toEqual([0.1, 0.15, 0.15]);
    expect(rounded(b)).toEqual([null, -0.02, -0.01]);
  });

  it('merges rounds that arrived live into the fetched view, replacing a round it already holds', () => {
    const merged = withLiveRounds(view({ rounds: [round(1, { a: 0.1 }), round(2, { a: 0.2 })] }), [round(3, { a: 0.3 }), round(2, { a: 0.25 })]);

    expect(merged.rounds.map((r) => [r.round, r.values.a])).toEqual([[1, 0.1], [2, 0.25], [3, 0.3]]);
  });

  it('keeps each task\'s contribution.round events, one per round, in the dashboard state', () => {
    const task = { id: 't', currentRound: null } as unknown as TaskView;
    const state = reducer(reducer(initialState, { type: 'task', task }), {
      type: 'events',
      events: [1, 2, 2].map((r, k) => ({ type: 'contribution.round' as const, seq: k + 1, taskId: 't', at: k, data: { ...round(r, { a: r }) } })),
    });

    expect(state.contributionRounds.t!.map((r) => r.round)).toEqual([1, 2]);
  });

  it('shows a valuation in flight until its round is valued, and a failed one with its code', () => {
    const task = { id: 't', currentRound: null } as unknown as TaskView;
    const at = (type: 'contribution.progress' | 'contribution.failed' | 'contribution.round', data: Record<string, unknown>, seq: number) =>
      ({ type, seq, taskId: 't', at: seq, data });
    let state = reducer(reducer(initialState, { type: 'task', task }), {
      type: 'events', events: [at('contribution.progress', { round: 3, evaluations: 7, players: 4, method: 'gtg' }, 1)],
    });
    expect(state.contributionActivity.t).toEqual({ kind: 'valuing', round: 3, evaluations: 7, players: 4, method: 'gtg' });

    state = reducer(state, { type: 'events', events: [at('contribution.round', { ...round(3, { a: 0.1 }) }, 2)] });
    expect(state.contributionActivity.t).toBeNull();

    state = reducer(state, { type: 'events', events: [at('contribution.failed', { round: 4, code: 'FLT_INTERNAL', reason: 'worker died' }, 3)] });
    expect(state.contributionActivity.t).toEqual({ kind: 'failed', round: 4, code: 'FLT_INTERNAL', reason: 'worker died' });
    expect(state.log.at(-1)).toMatchObject({ code: 'FLT_INTERNAL', text: 'round 4 could not be valued (its model was committed): worker died' });
  });
});
