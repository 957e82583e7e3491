// Client-level differential privacy as a wrapper around a strategy's client selection and server
// optimiser (McMahan et al. 2018, "Learning Differentially Private Recurrent Language Models",
// arXiv:1710.06963): clip every update to S, add N(0, (z·S)²) to their sum, divide by the fixed
// expected number of clients, hand that mean to the server optimiser (DP-FedAvg, DP-FedAdam …),
// and account the privacy spent with the RDP accountant.

import {
  STRATEGY_TRAITS, hasMeanUpdateStep, type ClientInfo, type EvaluateResult, type FitAggregation, type FitFailure,
  type FitInstructions, type FitResult, type MeanUpdateStep, type PrivacyAccounting, type Rng, type SecureSumFinishing, type Strategy,
} from '@flotilla/core';
import { PrivacyError } from '../PrivacyError.ts';
import { effectiveNoiseMultiplier, noisyUnclippedFraction, updateClipNorm, type AdaptiveClippingConfig } from './adaptiveClipping.ts';
import { dpFedAvgAggregate, dpFedAvgClientUpdate, dpFedAvgConfig } from './clientLevel.ts';
import { gaussianNoise, type GaussianSampler } from './gaussian.ts';
import { RdpAccountant, type RdpHistoryEntry } from './RdpAccountant.ts';

export interface DpFedAvgOptions {
  /** Clipping norm S of each client's update. */
  clipNorm: number;
  /** Noise multiplier z: the noise on the sum has standard deviation z·S. */
  noiseMultiplier: number;
  /** δ of the (ε, δ) guarantee reported. */
  delta: number;
  /**
   * Adaptive clipping (Andrew et al. 2021): `clipNorm` is the first round's S, then S tracks the
   * target quantile of the update norms. `noiseMultiplier` remains z of the whole round (count and
   * sum together), so the sum is noised with z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) and ε is that of z.
   */
  adaptiveClipping?: AdaptiveClippingConfig;
  /** Source of the Gaussian noise (the sum's and the clipped count's); tests pass a seeded one. */
  noise?: GaussianSampler;
}

const HISTORY_KEY = 'dp.history';
const CLIP_NORM_KEY = 'dp.clipNorm';

/**
 * DP-FedAvg: the inner strategy samples clients; their updates are replaced by the clipped, noised,
 * fixed-denominator mean, which the inner strategy's server rule then applies (plain FedAvg's
 * x + Δ̄, or FedAvgM's momentum, FedAdam's moments …: only post-processing of the private mean).
 * Each client counts once, whatever its example count (user-level DP). Robust rules (median,
 * trimmed mean, Krum: any strategy whose registry entry says it needs every update) are refused.
 *
 * Sampling rate. The accountant is the sampled Gaussian mechanism's, which assumes each user
 * takes part in a round independently with probability q (McMahan et al. 2018, Alg. 1 and §3).
 * The inner strategy selects ⌈m·overSelection⌉ of the n clients connected and eligible right now,
 * uniformly without replacement, and every selected client may contribute (under secure
 * aggregation all survivors do), so a connected user is in a round's sum with probability
 * selected / n and a user who is not connected with probability 0. The worst case over users,
 * q = selected / n, is what each round is accounted at. McMahan et al. analyse Poisson selection
 * ("sample users with probability q"); a uniform fixed-size draw is accounted as Poisson sampling
 * at its inclusion probability, the usual approximation (an exact guarantee would need Poisson
 * selection itself). It is not m / K for the configured population K:
 * with 30 of K = 100 clients online, C = 0.1 and over-selection 1.3, 4 of 30 are selected,
 * q = 0.133, not 0.03.
 * @example const strategy = new DpFedAvgStrategy(createStrategy({ name: 'fedadam' }), { clipNorm: 1, noiseMultiplier: 1, delta: 1e-5 });
 */
export class DpFedAvgStrategy implements Strategy, PrivacyAccounting, SecureSumFinishing {
  private accountant = new RdpAccountant();
  private expected = 1;
  /** Sampling rate of the round planned last (selected / eligible), null before any plan. */
  private plannedRate: number | null = null;
  private clip: number;
  /** Noise multiplier of the update sum: z, or z_Δ under adaptive clipping. */
  private readonly sumNoiseMultiplier: number;
  private readonly inner: Strategy & MeanUpdateStep;
  private readonly noise: GaussianSampler;

  constructor(inner: Strategy, private readonly options: DpFedAvgOptions) {
    if (STRATEGY_TRAITS[inner.name].needsEveryUpdate || !hasMeanUpdateStep(inner)) {
      throw new PrivacyError('DP_INVALID_CONFIG', `${inner.name} combines individual updates; differential privacy releases only their clipped, noised sum`);
    }
    this.inner = inner;
    this.noise = options.noise ?? gaussianNoise;
    this.clip = options.clipNorm;
    const adaptive = options.adaptiveClipping;
    this.sumNoiseMultiplier = adaptive && options.noiseMultiplier > 0
      ? effectiveNoiseMultiplier(options.noiseMultiplier, adaptive.countNoiseStd)
      : options.noiseMultiplier;
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

  /** The sampling rate q the round planned last is accounted at (selected / eligible). */
  get sampleRate(): number | null {
    return this.plannedRate;
  }

  configureFit(round: number, available: readonly ClientInfo[], rng: Rng): FitInstructions | null {
    const instructions = this.inner.configureFit(round, available, rng);
    if (instructions) {
      // The denominator is the number of reports the round is planned around, fixed before any arrive.
      this.expected = instructions.goal;
      this.plannedRate = Math.min(1, instructions.clientIds.length / available.length);
    }
    return instructions;
  }

  planCommit(reports: number, eligible: number): void {
    if (!(Number.isInteger(reports) && reports >= 1 && eligible >= reports)) {
      throw new PrivacyError('DP_INVALID_CONFIG', `a commit of ${reports} reports out of ${eligible} eligible clients cannot be accounted`);
    }
    this.expected = reports;
    this.plannedRate = reports / eligible;
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
        const { update, unclipped } = dpFedAvgClientUpdate(Float64Array.from(result.update), config, undefined, this.noise);
        for (let i = 0; i < sum.length; i++) sum[i]! += update[i]!;
        reports++;
        if (unclipped) unclippedCount++;
      },
      finish: (_failures: readonly FitFailure[]) => {
        if (reports === 0) return null;
        const rate = this.rateOfPlannedRound();
        const mean = dpFedAvgAggregate(sum, config, this.noise);
        this.accountant.step(this.options.noiseMultiplier, rate);
        const adaptive = this.options.adaptiveClipping;
        if (adaptive) this.clip = updateClipNorm(this.clip, noisyUnclippedFraction(unclippedCount, this.expected, adaptive.countNoiseStd, this.noise), adaptive);
        return this.inner.applyMeanUpdate(global, Float32Array.from(mean));
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
    const rate = this.rateOfPlannedRound();
    const mean = new Float32Array(sum.length);
    for (let i = 0; i < mean.length; i++) mean[i] = sum[i]! / this.expected;
    const next = this.inner.applyMeanUpdate(global, mean);
    this.accountant.step(this.options.noiseMultiplier, rate);
    if (adaptive) this.clip = updateClipNorm(this.clip, noisedUnclippedCount! / this.expected, adaptive);
    return next;
  }

  aggregateEvaluate(results: readonly EvaluateResult[]) {
    return this.inner.aggregateEvaluate(results);
  }

  epsilonSpent(): number {
    return this.accountant.history.length === 0 ? 0 : this.accountant.getEpsilon(this.options.delta);
  }

  epsilonAfterNextRound(): number {
    const preview = new RdpAccountant(this.accountant.history);
    preview.step(this.options.noiseMultiplier, this.rateOfPlannedRound());
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

  private rateOfPlannedRound(): number {
    if (this.plannedRate === null) throw new PrivacyError('DP_INVALID_CONFIG', 'a round is accounted at the sampling rate of its plan: call configureFit first');
    return this.plannedRate;
  }
}
