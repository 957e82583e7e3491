// Adaptive clipping (Andrew et al., NeurIPS 2021, arXiv:1905.03871): track a quantile of update norms.
import { PrivacyError } from '../PrivacyError.ts';
import { gaussianNoise, type GaussianSampler } from './gaussian.ts';

/**
 * γ is the target fraction of unclipped updates, η the learning rate of the geometric update and
 * σ_b the std of the noise on the count of unclipped updates (the paper's defaults: γ = 0.5,
 * η = 0.2, σ_b = m/20 for m expected clients per round).
 */
export interface AdaptiveClippingConfig {
  readonly targetQuantile: number;
  readonly learningRate: number;
  readonly countNoiseStd: number;
}

/** @example const ac = adaptiveClippingConfig({ expectedClientsPerRound: 100 }); // σ_b = 5 */
export function adaptiveClippingConfig(options: {
  expectedClientsPerRound: number;
  targetQuantile?: number;
  learningRate?: number;
  countNoiseStd?: number;
}): AdaptiveClippingConfig {
  const config = {
    targetQuantile: options.targetQuantile ?? 0.5,
    learningRate: options.learningRate ?? 0.2,
    countNoiseStd: options.countNoiseStd ?? options.expectedClientsPerRound / 20,
  };
  if (!(config.targetQuantile > 0 && config.targetQuantile < 1)) invalid('targetQuantile must be in (0, 1)');
  if (!(config.learningRate > 0)) invalid('learningRate must be positive');
  if (!(config.countNoiseStd >= 0)) invalid('countNoiseStd must be ≥ 0');
  return config;
}

/**
 * The noisy fraction b̃ = (Σ b_i + N(0, σ_b²)) / m of clients whose update norm was ≤ S.
 * @example const frac = noisyUnclippedFraction(62, 100, ac.countNoiseStd);
 */
export function noisyUnclippedFraction(
  unclippedCount: number, expectedClients: number, countNoiseStd: number, noise: GaussianSampler = gaussianNoise,
): number {
  if (!(expectedClients >= 1)) invalid('expectedClients must be ≥ 1');
  const z = countNoiseStd > 0 ? noise(1, countNoiseStd)[0]! : 0;
  return (unclippedCount + z) / expectedClients;
}

/**
 * The geometric update S ← S · exp(−η (b̃ − γ)) (Andrew et al. 2021, Alg. 1): S shrinks when more
 * than a γ fraction of updates fit, grows otherwise. Pure.
 * @example const next = updateClipNorm(1.0, 0.7, ac); // 1.0 · e^(−0.2·0.2) ≈ 0.961
 */
export function updateClipNorm(clipNorm: number, noisyFraction: number, config: AdaptiveClippingConfig): number {
  if (!(clipNorm > 0)) invalid('clipNorm must be positive');
  return clipNorm * Math.exp(-config.learningRate * (noisyFraction - config.targetQuantile));
}

/**
 * The noise multiplier left for the update sum when the count query spends part of the budget:
 * z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) (Andrew et al. 2021, Thm. 1), so that the pair of releases is as
 * private as one Gaussian mechanism with multiplier z. Requires σ_b > z/2.
 * @example effectiveNoiseMultiplier(1.0, 5) // ≈ 1.005
 */
export function effectiveNoiseMultiplier(noiseMultiplier: number, countNoiseStd: number): number {
  const rest = noiseMultiplier ** -2 - (2 * countNoiseStd) ** -2;
  if (!(rest > 0)) invalid(`countNoiseStd ${countNoiseStd} must exceed noiseMultiplier/2 = ${noiseMultiplier / 2}`);
  return rest ** -0.5;
}

function invalid(what: string): never {
  throw new PrivacyError('DP_INVALID_CONFIG', what);
}
