// Client-level DP-FedAvg (McMahan et al. 2018, arXiv:1710.06963) with central or distributed noise.
import { PrivacyError } from '../PrivacyError.ts';
import { addGaussianNoise, clipByL2Norm, gaussianNoise, l2Norm, type GaussianSampler } from './gaussian.ts';

/**
 * Client-level DP in Opacus/TF Privacy terms: updates clipped to `clipNorm` S, Gaussian noise of
 * std z·S on their sum, divided by a fixed denominator (the expected number of clients per round,
 * qN) so that one client's presence does not change the scale (McMahan et al. 2018, Alg. 1).
 * `noise: 'distributed'` means each client adds std z·S/√n itself (for use under SecAgg).
 */
export interface DpFedAvgConfig {
  readonly clipNorm: number;
  readonly noiseMultiplier: number;
  readonly expectedClientsPerRound: number;
  readonly noise: 'central' | 'distributed';
}

/** @example const dp = dpFedAvgConfig({ clipNorm: 1, noiseMultiplier: 1.0, expectedClientsPerRound: 100 }); */
export function dpFedAvgConfig(options: Partial<DpFedAvgConfig> & { expectedClientsPerRound: number }): DpFedAvgConfig {
  const config: DpFedAvgConfig = { clipNorm: 1, noiseMultiplier: 1, noise: 'central', ...options };
  if (!(config.clipNorm > 0) || !Number.isFinite(config.clipNorm)) invalid(`clipNorm ${config.clipNorm}`);
  if (!(config.noiseMultiplier >= 0) || !Number.isFinite(config.noiseMultiplier)) invalid(`noiseMultiplier ${config.noiseMultiplier}`);
  if (!(config.expectedClientsPerRound >= 1)) invalid(`expectedClientsPerRound ${config.expectedClientsPerRound}`);
  return config;
}

/**
 * Client side: clips the model delta to S and, with distributed noise, adds this client's share of
 * the noise. `unclipped` is the bit adaptive clipping counts (Andrew et al. 2021).
 * @example const { update, unclipped } = dpFedAvgClientUpdate(delta, dp, survivorsAtLeast);
 */
export function dpFedAvgClientUpdate<T extends Float32Array | Float64Array>(
  delta: T,
  config: DpFedAvgConfig,
  /** For distributed noise: the number of clients guaranteed to contribute (see distributedNoiseStd). */
  minContributors = config.expectedClientsPerRound,
  noise: GaussianSampler = gaussianNoise,
): { update: T; norm: number; unclipped: boolean } {
  const norm = l2Norm(delta);
  const update = clipByL2Norm(delta, config.clipNorm);
  if (config.noise === 'distributed') {
    addGaussianNoise(update, distributedNoiseStd(config.clipNorm, config.noiseMultiplier, minContributors), noise);
  }
  return { update, norm, unclipped: norm <= config.clipNorm };
}

/**
 * Per-client noise std z·S/√n: the sum of n such independent Gaussians has std z·S. If fewer than
 * n clients survive the total falls short, so n should be the number of contributors the round
 * guarantees (e.g. the SecAgg threshold), never the number invited — extra survivors only add noise.
 * Under SecAgg pick the fixed-point clip c ≥ S + 6·z·S/√n so that its per-coordinate clipping of
 * the noisy update practically never bites (Kairouz et al. 2021 treat this exactly with the
 * discrete Gaussian; not done here).
 * @example distributedNoiseStd(1.0, 1.1, 100) // 0.11
 */
export function distributedNoiseStd(clipNorm: number, noiseMultiplier: number, contributors: number): number {
  if (!Number.isInteger(contributors) || contributors < 1) invalid(`contributors ${contributors}`);
  return (noiseMultiplier * clipNorm) / Math.sqrt(contributors);
}

/**
 * Server side: (Σ clipped updates + N(0, (z·S)²)) / (expected clients per round). With distributed
 * noise the sum already carries it and only the fixed denominator is applied.
 * @example const meanDelta = dpFedAvgAggregate(sumOfClippedDeltas, dp);
 */
export function dpFedAvgAggregate(sum: Float32Array | Float64Array, config: DpFedAvgConfig, noise: GaussianSampler = gaussianNoise): Float64Array {
  const out = Float64Array.from(sum);
  if (config.noise === 'central') addGaussianNoise(out, config.noiseMultiplier * config.clipNorm, noise);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / config.expectedClientsPerRound;
  return out;
}

function invalid(what: string): never {
  throw new PrivacyError('DP_INVALID_CONFIG', `invalid DP-FedAvg parameter: ${what}`);
}
