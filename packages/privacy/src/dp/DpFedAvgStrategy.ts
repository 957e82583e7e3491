// Client-level differential privacy as a wrapper around any strategy's client selection
// (McMahan et al. 2018, "Learning Differentially Private Recurrent Language Models",
// arXiv:1710.06963): clip every update to S, add N(0, (z·S)²) to their sum, divide by the fixed
// expected number of clients, and account the privacy spent with the RDP accountant.

import type { ClientInfo, EvaluateResult, FitAggregation, FitFailure, FitInstructions, FitResult, Rng, Strategy } from '@flotilla/core';
import { PrivacyError } from '../PrivacyError.ts';
import { effectiveNoiseMultiplier, noisyUnclippedFraction, updateClipNorm, type AdaptiveClippingConfig } from './adaptiveClipping.ts';
import { dpFedAvgAggregate, dpFedAvgClientUpdate, dpFedAvgConfig } from './clientLevel.ts';
import { RdpAccountant, type RdpHistoryEntry } from './RdpAccountant.ts';

export interface DpFedAvgOptions {
  /** Clipping norm S of each client's update. */
  clipNorm: number;
  /** Noise multiplier z: the noise on the sum has standard deviation z·S. */
  noiseMultiplier: number;
  /** δ of the (ε, δ) guarantee reported. */
  delta: number;
  /** Size of the client population the round samples from (the sampling rate is m / N). */
  populationSize: number;
  /**
   * Adaptive clipping (Andrew et al. 2021): `clipNorm` is the first round's S, then S tracks the
   * target quantile of the update norms. `noiseMultiplier` remains z of the whole round (count and
   * sum together), so the sum is noised with z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) and ε is that of z.
   */
  adaptiveClipping?: AdaptiveClippingConfig;
}

/** What a strategy that spends privacy reports after each round. */
export interface PrivacyAccounting {
  /** ε spent so far at the configured δ. */
  epsilonSpent(): number;
  /** ε that one more round like the last would bring the total to. */
  epsilonAfterNextRound(expectedClients: number): number;
  readonly delta: number;
}

export function hasPrivacyAccounting(strategy: Strategy): strategy is Strategy & PrivacyAccounting {
  return typeof (strategy as Partial<PrivacyAccounting>).epsilonSpent === 'function';
}

const HISTORY_KEY = 'dp.history';
const CLIP_NORM_KEY = 'dp.clipNorm';

/**
 * DP-FedAvg: the inner strategy samples clients; aggregation is replaced by the clipped, noised,
 * fixed-denominator mean. Each client counts once, whatever its example count (user-level DP).
 * The accountant treats the uniform sample of m of N clients as Poisson sampling at q = m/N, the
 * usual approximation (McMahan et al. 2018, §3).
 * @example const strategy = new DpFedAvgStrategy(createStrategy({ name: 'fedavg' }), { clipNorm: 1, noiseMultiplier: 1, delta: 1e-5, populationSize: 100 });
 */
export class DpFedAvgStrategy implements Strategy, PrivacyAccounting {
  private accountant = new RdpAccountant();
  private expected = 1;
  private clip: number;
  /** Noise multiplier of the update sum: z, or z_Δ under adaptive clipping. */
  private readonly sumNoiseMultiplier: number;

  constructor(private readonly inner: Strategy, private readonly options: DpFedAvgOptions) {
    this.clip = options.clipNorm;
    const adaptive = options.adaptiveClipping;
    this.sumNoiseMultiplier = adaptive && options.noiseMultiplier > 0
      ? effectiveNoiseMultiplier(options.noiseMultiplier, adaptive.countNoiseStd)
      : options.noiseMultiplier;
    if (!(options.populationSize >= 1)) throw new PrivacyError('DP_INVALID_CONFIG', `populationSize ${options.populationSize} must be ≥ 1`);
    if (!(options.delta > 0 && options.delta < 1)) throw new PrivacyError('DP_INVALID_CONFIG', `delta ${options.delta} must lie in (0, 1)`);
    dpFedAvgConfig({ clipNorm: options.clipNorm, noiseMultiplier: options.noiseMultiplier, expectedClientsPerRound: 1 });
  }

  get name() {
    return this.inner.name;
  }

  get delta(): number {
    return this.options.delta;
  }

  /** The clip norm S the next round clips to (moves each round under adaptive clipping). */
  get clipNorm(): number {
    return this.clip;
  }

  /** Noise multiplier applied to the update sum: z, or z_Δ > z under adaptive clipping. */
  get updateNoiseMultiplier(): number {
    return this.sumNoiseMultiplier;
  }

  configureFit(round: number, available: readonly ClientInfo[], rng: Rng): FitInstructions | null {
    const instructions = this.inner.configureFit(round, available, rng);
    // The denominator is the number of reports the round is planned around, fixed before any arrive.
    if (instructions) this.expected = instructions.goal;
    return instructions;
  }

  beginAggregation(_round: number, global: Float32Array): FitAggregation {
    const config = dpFedAvgConfig({ clipNorm: this.clip, noiseMultiplier: this.sumNoiseMultiplier, expectedClientsPerRound: this.expected });
    const sum = new Float64Array(global.length);
    let reports = 0;
    let unclippedCount = 0;
    return {
      add: (result: FitResult) => {
        if (result.update.length !== global.length) {
          throw new PrivacyError('DP_INVALID_CONFIG', `update of ${result.update.length} values for a model of ${global.length}`);
        }
        const { update, unclipped } = dpFedAvgClientUpdate(Float64Array.from(result.update), config);
        for (let i = 0; i < sum.length; i++) sum[i]! += update[i]!;
        reports++;
        if (unclipped) unclippedCount++;
      },
      finish: (_failures: readonly FitFailure[]) => {
        if (reports === 0) return null;
        const mean = dpFedAvgAggregate(sum, config);
        this.accountant.step(this.options.noiseMultiplier, this.sampleRate(this.expected));
        const adaptive = this.options.adaptiveClipping;
        if (adaptive) this.clip = updateClipNorm(this.clip, noisyUnclippedFraction(unclippedCount, this.expected, adaptive.countNoiseStd), adaptive);
        const next = new Float32Array(global.length);
        for (let i = 0; i < next.length; i++) next[i] = global[i]! + mean[i]!;
        return next;
      },
    };
  }

  /**
   * Under secure aggregation with distributed noise: `sum` is Σ (clipped update + client noise),
   * already carrying std ≥ z·S in total (z_Δ·S under adaptive clipping). Applies the fixed
   * denominator, adds no noise, accounts one round. Under adaptive clipping the clients also masked
   * their unclipped bits with their share of σ_b: `noisedUnclippedCount` is that sum, and S follows it.
   * @example const next = strategy.finishNoisedSum(global, unmaskedSum, unmaskedCount);
   */
  finishNoisedSum(global: Float32Array, sum: Float64Array, noisedUnclippedCount?: number): Float32Array {
    if (sum.length !== global.length) throw new PrivacyError('DP_INVALID_CONFIG', `sum of ${sum.length} values for a model of ${global.length}`);
    const adaptive = this.options.adaptiveClipping;
    if (adaptive && noisedUnclippedCount === undefined) throw new PrivacyError('DP_INVALID_CONFIG', 'adaptive clipping needs the noised count of unclipped updates');
    this.accountant.step(this.options.noiseMultiplier, this.sampleRate(this.expected));
    if (adaptive) this.clip = updateClipNorm(this.clip, noisedUnclippedCount! / this.expected, adaptive);
    const next = new Float32Array(global.length);
    for (let i = 0; i < next.length; i++) next[i] = global[i]! + sum[i]! / this.expected;
    return next;
  }

  aggregateEvaluate(results: readonly EvaluateResult[]) {
    return this.inner.aggregateEvaluate(results);
  }

  epsilonSpent(): number {
    return this.accountant.history.length === 0 ? 0 : this.accountant.getEpsilon(this.options.delta);
  }

  epsilonAfterNextRound(expectedClients: number): number {
    const preview = new RdpAccountant(this.accountant.history);
    preview.step(this.options.noiseMultiplier, this.sampleRate(expectedClients));
    return preview.getEpsilon(this.options.delta);
  }

  exportState(): Record<string, Float32Array> {
    const history = this.accountant.history.flatMap((h) => [h.noiseMultiplier, h.sampleRate, h.steps]);
    return { ...this.inner.exportState(), [HISTORY_KEY]: Float32Array.from(history), [CLIP_NORM_KEY]: Float32Array.of(this.clip) };
  }

  importState(state: Record<string, Float32Array>): void {
    const { [HISTORY_KEY]: history, [CLIP_NORM_KEY]: clip, ...inner } = state;
    this.inner.importState(inner);
    // Checkpoints written before the clip norm was saved resume from the configured one.
    if (clip && clip[0]! > 0) this.clip = clip[0]!;
    const entries: RdpHistoryEntry[] = [];
    for (let i = 0; history && i + 2 < history.length; i += 3) {
      entries.push({ noiseMultiplier: history[i]!, sampleRate: history[i + 1]!, steps: history[i + 2]! });
    }
    this.accountant = new RdpAccountant(entries);
  }

  private sampleRate(clients: number): number {
    return Math.min(1, clients / this.options.populationSize);
  }
}
