import { describe, expect, it } from 'vitest';
import { createStrategy } from './createStrategy.ts';
import { hasClipReporting, hasSecureSumFinishing } from './capabilities.ts';
import type { Strategy } from './Strategy.ts';

/** A plain strategy with the members of a capability added, as a wrapper like DP-FedAvg has them. */
const withMembers = (members: object): Strategy => Object.assign(Object.create(createStrategy({ name: 'fedavg' })) as Strategy, members);

describe('strategy capabilities', () => {
  it('finds none on the built-in strategies, which clip nothing and finish no noised sum', () => {
    for (const name of ['fedavg', 'fedadam', 'fedmedian', 'krum'] as const) {
      const strategy = createStrategy(name === 'krum' ? { name, f: 1 } : { name });
      expect([hasClipReporting(strategy), hasSecureSumFinishing(strategy)]).toEqual([false, false]);
    }
  });

  it('recognises each capability by its members, whatever the class', () => {
    expect(hasClipReporting(withMembers({ clipNorm: 0.5 }))).toBe(true);
    const finishing = withMembers({ clipNorm: 0.5, updateNoiseMultiplier: 1, finishNoisedSum: (g: Float32Array) => g });
    expect(hasSecureSumFinishing(finishing)).toBe(true);
  });

  it('does not take a partial capability for the whole one', () => {
    expect(hasSecureSumFinishing(withMembers({ finishNoisedSum: (g: Float32Array) => g }))).toBe(false);
    expect(hasSecureSumFinishing(withMembers({ clipNorm: 0.5, finishNoisedSum: (g: Float32Array) => g }))).toBe(false);
  });
});
