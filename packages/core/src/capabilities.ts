// Optional strategy capabilities (privacy accounting, clip reporting, secure-sum finishing) and
// their type guards, so the engine asks what a strategy can do instead of which class it is.
import type { Strategy } from './Strategy.ts';

/**
 * A strategy that spends privacy: it reports ε after each commit and can preview the next one.
 * A round planned by `configureFit` is accounted at that plan's sampling rate; a buffered commit
 * (FedBuff), which no `configureFit` plans, is planned with `planCommit` first.
 * @example
 * if (hasPrivacyAccounting(strategy) && strategy.epsilonAfterNextRound() > budget) stopTask();
 */
export interface PrivacyAccounting {
  /** ε spent so far at the configured δ. */
  epsilonSpent(): number;
  /** ε the total would reach after the round (or commit) planned last. */
  epsilonAfterNextRound(): number;
  /**
   * Plans the next commit outside `configureFit`: it will hold `reports` updates, drawn from
   * `eligible` clients. The commit is divided by `reports` and accounted at q = reports / eligible
   * (FedBuff's buffer of K updates out of the clients training).
   */
  planCommit(reports: number, eligible: number): void;
  readonly delta: number;
}

/** True when the strategy accounts privacy (DP-FedAvg and its server-optimiser variants). */
export function hasPrivacyAccounting(strategy: Strategy): strategy is Strategy & PrivacyAccounting {
  const s = strategy as Partial<PrivacyAccounting>;
  return typeof s.epsilonSpent === 'function' && typeof s.epsilonAfterNextRound === 'function' && typeof s.planCommit === 'function';
}

/**
 * A strategy that clips each update to a norm it can report (recorded with every round, and sent
 * to the clients that clip themselves under distributed DP).
 * @example const clipNorm = hasClipReporting(strategy) ? strategy.clipNorm : null;
 */
export interface ClipReporting {
  /** The clip norm S the next round clips to (it moves under adaptive clipping). */
  readonly clipNorm: number;
}

/** True when the strategy reports the clip norm it applies. */
export function hasClipReporting(strategy: Strategy): strategy is Strategy & ClipReporting {
  return typeof (strategy as Partial<ClipReporting>).clipNorm === 'number';
}

/**
 * A strategy that takes a secure sum the clients already clipped and noised (distributed DP): the
 * secure round tells each client S and its share of z·S, and hands the unmasked sum back here
 * instead of to `beginAggregation` (the server adds no noise of its own).
 * @example
 * const next = hasSecureSumFinishing(strategy)
 *   ? strategy.finishNoisedSum(global, unmasked.sum, unmasked.noisedUnclippedCount)
 *   : aggregation.finish(failures);
 */
export interface SecureSumFinishing extends ClipReporting {
  /** Noise multiplier of the update sum the clients must add together (z, or z_Δ under adaptive clipping). */
  readonly updateNoiseMultiplier: number;
  /** Applies the fixed denominator to a noised sum and accounts one commit; the new global weights. */
  finishNoisedSum(global: Float32Array, sum: Float64Array, noisedUnclippedCount?: number): Float32Array;
}

/** True when the strategy finishes a commit from a noised secure sum (distributed DP). */
export function hasSecureSumFinishing(strategy: Strategy): strategy is Strategy & SecureSumFinishing {
  const s = strategy as Partial<SecureSumFinishing>;
  return typeof s.finishNoisedSum === 'function' && typeof s.updateNoiseMultiplier === 'number' && hasClipReporting(strategy);
}
