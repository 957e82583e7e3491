import { describe, expect, it } from 'vitest';
import type { TaskConfig } from '@flotilla/protocol';
import { resolveTaskConfig } from '../engine/taskConfig.ts';
import type { ContributionTotal } from '../store/contributionTables.ts';
import { contributionCandidates } from './selectionPolicy.ts';

const available = ['a', 'b', 'c', 'd'].map((id) => ({ id }));
const totals: ContributionTotal[] = [
  { clientId: 'a', cumulative: 0.2, rounds: 3, lastValue: 0.1 },
  { clientId: 'b', cumulative: -0.1, rounds: 3, lastValue: -0.05 },
  { clientId: 'c', cumulative: -0.3, rounds: 1, lastValue: -0.3 },
];

function host(policy: string, minAvailableClients = 2) {
  const warnings: unknown[] = [];
  const config: TaskConfig = resolveTaskConfig({
    fit: { minAvailableClients, minFitClients: 1 }, contribution: { enabled: true, selection: { policy, minRounds: 2, floorWeight: 0.25 } },
  });
  return { warnings, host: { id: 't', config, deps: { store: { contributions: { totals: () => totals } }, log: { warn: (f: unknown) => warnings.push(f) } } } as never };
}

describe('contributionCandidates', () => {
  it('leaves selection alone under uniform', () => {
    expect(contributionCandidates(host('uniform').host, available)).toBe(available);
  });

  it('down-weights a judged client whose cumulative value is negative, not one valued in too few rounds', () => {
    const weights = contributionCandidates(host('downweight').host, available).map((c) => [c.id, (c as { selectionWeight?: number }).selectionWeight]);
    expect(weights).toEqual([['a', undefined], ['b', 0.25], ['c', undefined], ['d', undefined]]);
  });

  it('excludes it when enough candidates remain', () => {
    expect(contributionCandidates(host('exclude').host, available).map((c) => c.id)).toEqual(['a', 'c', 'd']);
  });

  it('down-weights instead of excluding when the round would have too few candidates, and logs it', () => {
    const { host: tight, warnings } = host('exclude', 4);
    const candidates = contributionCandidates(tight, available);
    expect(candidates.map((c) => c.id)).toEqual(['a', 'b', 'c', 'd']);
    expect((candidates[1] as { selectionWeight?: number }).selectionWeight).toBe(0.25);
    expect(warnings).toEqual([expect.objectContaining({ candidates: 3, needed: 4 })]);
  });
});
