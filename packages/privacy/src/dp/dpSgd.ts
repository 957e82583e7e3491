// Sample-level DP-SGD math on plain arrays (Abadi et al., CCS 2016): micro-batch clipping + noise.
import { PrivacyError } from '../PrivacyError.ts';
import { gaussianNoise, l2Norm, type GaussianSampler } from './gaussian.ts';

/** TF Privacy / Opacus vocabulary: clip each micro-batch gradient to C, noise std z·C on the sum. */
export interface DpSgdConfig {
  readonly l2NormClip: number;
  readonly noiseMultiplier: number;
}

/**
 * The privatised gradient of one step, (Σ_i clip(g_i, C) + N(0, (z·C)² I)) / B, for B micro-batch
 * gradients g_i (per-example when micro-batches have one example), as TF Privacy's
 * DPGradientDescentGaussianOptimizer computes it (Abadi et al. 2016, Alg. 1). `clipped` counts the
 * micro-batches whose norm exceeded C.
 * @example const { gradient } = dpSgdGradient([g1, g2, g3, g4], { l2NormClip: 1, noiseMultiplier: 1.1 });
 */
export function dpSgdGradient(
  microbatchGradients: readonly ArrayLike<number>[],
  config: DpSgdConfig,
  noise: GaussianSampler = gaussianNoise,
): { gradient: Float64Array; clipped: number } {
  const { l2NormClip: c, noiseMultiplier: z } = config;
  if (!(c > 0) || !Number.isFinite(c)) throw new PrivacyError('DP_INVALID_CONFIG', `l2NormClip ${c} must be positive`);
  if (!(z >= 0) || !Number.isFinite(z)) throw new PrivacyError('DP_INVALID_CONFIG', `noiseMultiplier ${z} must be ≥ 0`);
  const batches = microbatchGradients.length;
  if (batches === 0) throw new PrivacyError('DP_INVALID_CONFIG', 'no micro-batch gradients');
  const dim = microbatchGradients[0]!.length;
  const sum = new Float64Array(dim);
  let clipped = 0;
  for (const g of microbatchGradients) {
    if (g.length !== dim) throw new PrivacyError('DP_INVALID_CONFIG', 'micro-batch gradients differ in length');
    const norm = l2Norm(g);
    const factor = norm > c ? c / norm : 1;
    if (norm > c) clipped++;
    for (let i = 0; i < dim; i++) sum[i] = sum[i]! + g[i]! * factor;
  }
  const drawn = noise(dim, z * c);
  for (let i = 0; i < dim; i++) sum[i] = (sum[i]! + drawn[i]!) / batches;
  return { gradient: sum, clipped };
}
