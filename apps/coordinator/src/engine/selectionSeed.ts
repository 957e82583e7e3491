// Where a round's client selection draws its randomness from.

import { randomBytes } from 'node:crypto';
import type { TaskConfig } from '@flotilla/protocol';

/**
 * The seed of round `round`'s selection. Without client-level DP it follows the task's seed, so a
 * simulation is repeatable. With it, the draw is secret: DP-FedAvg's ε is amplified by sampling
 * only while nobody can tell who was sampled (McMahan et al. 2018, arXiv:1710.06963, §2), and a
 * client can recover the task seed from its plan's `fit.seed` (seed·7919 + round, odd multiplier,
 * invertible mod 2^32), so a seed-derived draw would be public.
 * @example const rng = createRng(selectionSeed(config, 3));
 */
export function selectionSeed(config: TaskConfig, round: number): number {
  if (config.privacy.differentialPrivacy.enabled) return randomBytes(4).readUInt32LE(0);
  return (config.seed * 1_000_003 + round) >>> 0;
}
