// The fleet's closing standings table: clients by rank with their partition, and the noisy and
// duplicate clients the fleet made named beside their rows.
import { describe, expect, it } from 'vitest';
import type { ContributionView } from '@flotilla/protocol';
import { formatContributionLine, formatStandings } from './contributionReport.ts';

const standing = (clientId: string, rank: number, cumulative: number, share: number) => ({
  clientId, rank, cumulative, rounds: 4, lastValue: 0, share, reward: share * 100, selectionWeight: 1,
});
const view: ContributionView = {
  enabled: true, method: 'gtg', metric: 'accuracy', validation: '300 held-out MNIST training examples no client holds',
  reward: { kind: 'proportional', pool: 100, threshold: 0.05 }, selection: { policy: 'uniform', minRounds: 3, floorWeight: 0.1 },
  standings: [standing('cccccccc-3', 3, -0.0312, 0), standing('aaaaaaaa-1', 1, 0.1, 0.6), standing('bbbbbbbb-2', 2, 0.0667, 0.4)],
  rounds: [1, 2].map((round) => ({ round, method: 'gtg' as const, metric: 'accuracy', baseUtility: 0.5, fullUtility: 0.6, evaluations: 12, truncated: false, elapsedMs: 50, values: {} })),
};

describe('formatStandings', () => {
  it('prints a line per client by rank, with its partition and what the fleet made of it', () => {
    const lines = formatStandings(view, new Map([['aaaaaaaa-1', 0], ['bbbbbbbb-2', 2], ['cccccccc-3', 1]]), {
      byzantine: { attack: 'labelshuffle', clients: [1] }, duplicate: 2,
    });

    expect(lines[0]).toBe('contribution standings (gtg, accuracy on 300 held-out MNIST training examples no client holds; 2 rounds valued, 24 sub-model evaluations; reward proportional, pool 100)');
    expect(lines.slice(2)).toEqual([
      '   1          0  aaaaaaaa     +0.1000       4   60.0 %      60.00    1.00  duplicated',
      '   2          2  bbbbbbbb     +0.0667       4   40.0 %      40.00    1.00  duplicate of 0',
      '   3          1  cccccccc     -0.0312       4    0.0 %       0.00    1.00  labelshuffle',
    ]);
  });

  it('shows a client the coordinator no longer lists without a partition', () => {
    expect(formatStandings(view, new Map(), { byzantine: null, duplicate: null })[2]).toBe('   1          —  aaaaaaaa     +0.1000       4   60.0 %      60.00    1.00');
  });
});

describe('formatContributionLine', () => {
  it('prints a valued round as its event arrives, and says when truncation valued it 0', () => {
    const event = { round: 3, method: 'exact', metric: 'accuracy', baseUtility: 0.712, fullUtility: 0.74333, evaluations: 32, truncated: false, elapsedMs: 411.6, values: {} };
    expect(formatContributionLine(event)).toBe('contribution of round 3: exact, accuracy 0.7120 → 0.7433, 32 sub-models in 412 ms');
    expect(formatContributionLine({ ...event, truncated: true, evaluations: 2 })).toBe('contribution of round 3: exact, accuracy 0.7120 → 0.7433, 2 sub-models in 412 ms (gain below the round tolerance: every value 0)');
  });
});
