import { describe, expect, it } from 'vitest';
import { createStrategy, hasClipReporting, hasSecureSumFinishing, type ClipReporting, type SecureSumFinishing } from '@flotilla/core';
import { DpFedAvgStrategy, hasPrivacyAccounting } from './DpFedAvgStrategy.ts';

describe('DP-FedAvg\'s capabilities, as the engine asks for them', () => {
  it('accounts privacy, reports its clip norm and finishes a noised secure sum', () => {
    const strategy = new DpFedAvgStrategy(createStrategy({ name: 'fedavgm' }), { clipNorm: 0.7, noiseMultiplier: 1, delta: 1e-5 });
    // The class satisfies the capability interfaces by its members (checked at compile time here).
    const finishing: SecureSumFinishing = strategy;
    const clipping: ClipReporting = strategy;
    expect([hasPrivacyAccounting(strategy), hasClipReporting(strategy), hasSecureSumFinishing(strategy)]).toEqual([true, true, true]);
    expect([clipping.clipNorm, finishing.updateNoiseMultiplier]).toEqual([0.7, 1]);
  });
});
