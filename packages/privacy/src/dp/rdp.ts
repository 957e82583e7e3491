// RDP of the sampled Gaussian mechanism and its conversion to (ε, δ), as Opacus's analysis/rdp.py.
import { PrivacyError } from '../PrivacyError.ts';
import { binomial, logAdd, logErfc, logSub } from './logMath.ts';

/**
 * Opacus's default orders α: 1.1, 1.2, …, 10.9 and 12, 13, …, 63 (RDPAccountant.DEFAULT_ALPHAS).
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = [
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
];

/**
 * log A_α for integer α: the binomial expansion of Mironov, Talwar, Zhang 2019 (arXiv:1908.10530,
 * §3.3), A_α = Σ_i C(α,i) q^i (1−q)^(α−i) exp((i² − i)/(2σ²)).
 */
function logAInt(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  for (let i = 0; i <= alpha; i++) {
    const logCoef = Math.log(binomial(alpha, i)) + i * Math.log(q) + (alpha - i) * Math.log(1 - q);
    logA = logAdd(logA, logCoef + (i * i - i) / (2 * sigma ** 2));
  }
  return logA;
}

/**
 * log A_α for fractional α: the two tails split at z0 = σ² log(1/q − 1) + 1/2, summed until both
 * terms fall below e^−30 (Mironov, Talwar, Zhang 2019, §3.3; the same loop as Opacus).
 */
function logAFrac(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma ** 2 * Math.log(1 / q - 1) + 0.5;
  // C(α, i) updated in place, C(α, i+1) = C(α, i)·(α − i)/(i + 1): the loop may run thousands of
  // times (q = 0.5, σ = 2, α = 1.1: 5,516), and recomputing each coefficient is quadratic.
  let coef = 1;
  for (let i = 0; ; coef = (coef * (alpha - i)) / (i + 1), i++) {
    const logCoef = Math.log(Math.abs(coef));
    const j = alpha - i;
    const logT0 = logCoef + i * Math.log(q) + j * Math.log(1 - q);
    const logT1 = logCoef + j * Math.log(q) + i * Math.log(1 - q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma ** 2) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma ** 2) + logE1;
    if (coef > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
  }
  return logAdd(logA0, logA1);
}

/**
 * RDP ε(α) of one step of the sampled Gaussian mechanism with sampling rate q and noise multiplier
 * σ (Mironov 2017, arXiv:1702.07476; Mironov, Talwar, Zhang 2019). Infinity when σ = 0.
 * @example rdpSampledGaussian(0.01, 1.1, 8) // per-step RDP at order 8
 */
export function rdpSampledGaussian(q: number, sigma: number, alpha: number): number {
  if (!(q >= 0 && q <= 1)) throw new PrivacyError('DP_INVALID_CONFIG', `sample rate ${q} must be in [0, 1]`);
  if (!(sigma >= 0)) throw new PrivacyError('DP_INVALID_CONFIG', `noise multiplier ${sigma} must be ≥ 0`);
  if (!(alpha > 1)) throw new PrivacyError('DP_INVALID_CONFIG', `order ${alpha} must exceed 1`);
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  if (q === 1) return alpha / (2 * sigma ** 2);
  if (!Number.isFinite(alpha)) return Infinity;
  const logA = Number.isInteger(alpha) ? logAInt(q, sigma, alpha) : logAFrac(q, sigma, alpha);
  return logA / (alpha - 1);
}

/**
 * RDP of `steps` compositions at each order (RDP composes additively).
 * @example computeRdp({ sampleRate: 256 / 60000, noiseMultiplier: 1.1, steps: 14_062 })
 */
export function computeRdp(options: {
  sampleRate: number;
  noiseMultiplier: number;
  steps: number;
  orders?: readonly number[];
}): number[] {
  const orders = options.orders ?? DEFAULT_RDP_ORDERS;
  return orders.map((a) => rdpSampledGaussian(options.sampleRate, options.noiseMultiplier, a) * options.steps);
}

/**
 * How RDP becomes (ε, δ): `balle2020` is Opacus's get_privacy_spent, Balle et al. 2020
 * (arXiv:1905.09982, Thm. 21), ε = rdp − (log δ + log α)/(α − 1) + log((α − 1)/α);
 * `mironov2017` is the original ε = rdp − log δ/(α − 1) (Mironov 2017, Prop. 3) that older
 * TF Privacy releases and their tutorials report.
 */
export type RdpConversion = 'balle2020' | 'mironov2017';

/**
 * The smallest ε over the orders, and the order that attains it (NaN entries ignored).
 * @example getPrivacySpent({ orders, rdp, delta: 1e-5 }) // { epsilon, bestAlpha }
 */
export function getPrivacySpent(options: {
  orders: readonly number[];
  rdp: readonly number[];
  delta: number;
  conversion?: RdpConversion;
}): { epsilon: number; bestAlpha: number } {
  const { orders, rdp, delta } = options;
  if (orders.length !== rdp.length) throw new PrivacyError('DP_INVALID_CONFIG', 'orders and rdp differ in length');
  if (!(delta > 0 && delta < 1)) throw new PrivacyError('DP_INVALID_CONFIG', `delta ${delta} must be in (0, 1)`);
  const conversion = options.conversion ?? 'balle2020';
  let epsilon = Infinity;
  let bestAlpha = NaN;
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i]!;
    const eps =
      conversion === 'balle2020'
        ? rdp[i]! - (Math.log(delta) + Math.log(a)) / (a - 1) + Math.log((a - 1) / a)
        : rdp[i]! - Math.log(delta) / (a - 1);
    if (!Number.isNaN(eps) && (Number.isNaN(bestAlpha) || eps < epsilon)) {
      epsilon = eps;
      bestAlpha = a;
    }
  }
  return { epsilon, bestAlpha };
}
