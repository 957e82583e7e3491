// Selection randomness: repeatable for plain tasks, unpredictable from the task seed under client-level DP.

import { describe, expect, it } from 'vitest';
import { resolveTaskConfig } from './taskConfig.ts';
import { selectionSeed } from './selectionSeed.ts';

describe('selectionSeed', () => {
  it('follows the task seed without DP, so a simulation repeats its selections', () => {
    const config = resolveTaskConfig({ seed: 7 });
    expect(selectionSeed(config, 3)).toBe(selectionSeed(resolveTaskConfig({ seed: 7 }), 3));
    expect(selectionSeed(config, 3)).not.toBe(selectionSeed(config, 4));
  });

  it('draws a secret seed under client-level DP: the same task and round give different draws', () => {
    const config = resolveTaskConfig({ seed: 7, privacy: { differentialPrivacy: { enabled: true } } });
    const seeds = new Set(Array.from({ length: 20 }, () => selectionSeed(config, 3)));
    // 20 draws of 32 bits collide with probability < 1e-7.
    expect(seeds.size).toBe(20);
    expect(seeds.has(selectionSeed(resolveTaskConfig({ seed: 7 }), 3))).toBe(false);
  });
});
