import { describe, expect, it } from 'vitest';
import { createStrategy } from './createStrategy.ts';
import { hasClipReporting, hasPrivacyAccounting, hasSecureSumFinishing } from './capabilities.ts';
import type { Strategy } from './Strategy.ts';

/** A plain strategy with the members of each capability added, as a wrapper like DP-FedAvg has them. */
const withMembers = (members: object): Strategy => Object.assign(Object.create(createStrategy({ name: 'fedavg' })) as Strategy, members);

describe('strategy capabilities', () => {
  it('finds none on the built-in strategies, which spend no privacy and clip nothing', () => {
    for (const name of ['fedavg', 'fedadam', 'fedmedian'] as const) {
      const strategy = createStrategy({ name });
      expect([hasPrivacyAccounting(strategy), hasClipReporting(strategy), hasSecureSumFinishing(strategy)]).toEqual([false, false, false]);
    }
  });

  it('recognises each capability by its members, whatever the class', () => {
    const accounting = withMembers({ epsilonSpent: () => 1, epsilonAfterNextRound: () => 2, planCommit: () => {}, delta: 1e-5 });
    expect(hasPrivacyAccounting(accounting)).toBe(true);
    expect(hasClipReporting(withMembers({ clipNorm: 0.5 }))).toBe(true);
    const finishing = withMembers({ clipNorm: 0.5, updateNoiseMultiplier: 1, finishNoisedSum: (g: Float32Array) => g });
    expect(hasSecureSumFinishing(finishing)).toBe(true);
  });

  it('does not take a partial capability for the whole one', () => {
    expect(hasPrivacyAccounting(withMembers({ epsilonSpent: () => 1 }))).toBe(false);
    expect(hasSecureSumFinishing(withMembers({ finishNoisedSum: (g: Float32Array) => g }))).toBe(false);
  });
});
