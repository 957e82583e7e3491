// The noise multiplier that meets a target ε, by bisection (Opacus's get_noise_multiplier).
import { PrivacyError } from '../PrivacyError.ts';
import { RdpAccountant } from './RdpAccountant.ts';

/** Opacus gives up above this multiplier: the budget is too low to be met. */
const MAX_NOISE_MULTIPLIER = 1e6;

/**
 * The smallest noise multiplier (up to `epsilonTolerance` in ε, default 0.01) such that `steps`
 * steps at `sampleRate` stay within (targetEpsilon, delta); pass `epochs` instead of `steps` to get
 * steps = ⌊epochs / sampleRate⌋. Same search as Opacus ≥ 1.0: double from 10 until the target is
 * met, then bisect on [0, σ_high]; returns σ_high, whose ε is ≤ target.
 * @example findNoiseMultiplier({ targetEpsilon: 3, delta: 1e-5, sampleRate: 256 / 60000, epochs: 60 }) // ≈ 1.0
 */
export function findNoiseMultiplier(options: {
  targetEpsilon: number;
  delta: number;
  sampleRate: number;
  steps?: number;
  epochs?: number;
  epsilonTolerance?: number;
}): number {
  const { targetEpsilon, delta, sampleRate } = options;
  const tolerance = options.epsilonTolerance ?? 0.01;
  if ((options.steps === undefined) === (options.epochs === undefined)) {
    throw new PrivacyError('DP_INVALID_CONFIG', 'give exactly one of steps and epochs');
  }
  const steps = options.steps ?? Math.floor(options.epochs! / sampleRate);
  if (!(targetEpsilon > 0)) throw new PrivacyError('DP_INVALID_CONFIG', `target epsilon ${targetEpsilon} must be positive`);
  if (!(tolerance > 0)) throw new PrivacyError('DP_INVALID_CONFIG', `tolerance ${tolerance} must be positive`);
  const epsilonAt = (sigma: number): number => new RdpAccountant([{ noiseMultiplier: sigma, sampleRate, steps }]).getEpsilon(delta);

  let low = 0;
  let high = 10;
  let epsHigh = Infinity;
  while (epsHigh > targetEpsilon) {
    high *= 2;
    epsHigh = epsilonAt(high);
    if (high > MAX_NOISE_MULTIPLIER) {
      throw new PrivacyError('DP_BUDGET_TOO_LOW', `ε = ${targetEpsilon} at δ = ${delta} is out of reach`, { targetEpsilon, delta });
    }
  }
  while (targetEpsilon - epsHigh > tolerance) {
    const sigma = (low + high) / 2;
    const eps = epsilonAt(sigma);
    if (eps < targetEpsilon) {
      high = sigma;
      epsHigh = eps;
    } else {
      low = sigma;
    }
  }
  return high;
}
