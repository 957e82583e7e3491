// Gaussian noise from a cryptographic uniform source, and L2-norm clipping.
import { createRng } from '@flotilla/core';
import { PrivacyError } from '../PrivacyError.ts';

const TWO_POW_53 = 2 ** 53;
/** Words per getRandomValues call (its limit is 65,536 bytes). */
const CHUNK_WORDS = 16_384;

/**
 * Uniform doubles in the open interval (0, 1) with 53 random bits each, from
 * crypto.getRandomValues (never Math.random).
 * @example const u = secureUniform(4); // Float64Array(4), every 0 < u[i] < 1
 */
export function secureUniform(count: number): Float64Array {
  const out = new Float64Array(count);
  const words = new Uint32Array(Math.min(2 * count, CHUNK_WORDS));
  for (let i = 0; i < count; ) {
    const take = Math.min(count - i, words.length / 2);
    globalThis.crypto.getRandomValues(words.subarray(0, 2 * take));
    for (let j = 0; j < take; j++, i++) {
      const k = (words[2 * j]! >>> 5) * 67_108_864 + (words[2 * j + 1]! >>> 6); // 27 + 26 bits
      out[i] = (k + 0.5) / TWO_POW_53;
    }
  }
  return out;
}

/**
 * Draws `count` independent N(0, std²) samples. DP code takes one as a parameter defaulting to
 * `gaussianNoise`, so that statistical tests can pass `seededGaussianNoise` and be reproducible.
 */
export type GaussianSampler = (count: number, std: number) => Float64Array;

/**
 * `count` independent N(0, std²) samples by the Box–Muller transform on secureUniform. The
 * 53-bit uniforms bound |z| ≤ 8.6σ; floating-point Gaussian samplers leak through their low bits
 * in principle (Mironov, CCS 2012, for Laplace), which is why SecAgg-with-DP designs move to the
 * discrete Gaussian (Canonne, Kamath, Steinke 2020; Kairouz et al. 2021) — a later step.
 * @example const noise = gaussianNoise(1000, 0.5); // Float64Array, sample std ≈ 0.5
 */
export const gaussianNoise: GaussianSampler = (count, std) => boxMuller(count, std, secureUniform);

/**
 * A reproducible GaussianSampler from a seeded generator (xoshiro128**, 2 × 32 bits per uniform).
 * For tests and simulations only: its noise is predictable, so it protects nothing.
 * @example const noise = seededGaussianNoise(7); noise(3, 1.0); // the same three values every run
 */
export function seededGaussianNoise(seed: number): GaussianSampler {
  const rng = createRng(seed);
  const uniform = (count: number): Float64Array => {
    const out = new Float64Array(count);
    // 53 bits as secureUniform uses, centred in their cell so that 0 never comes out.
    for (let i = 0; i < count; i++) out[i] = (Math.floor(rng() * 67_108_864) * 134_217_728 + Math.floor(rng() * 134_217_728) + 0.5) / TWO_POW_53;
    return out;
  };
  return (count, std) => boxMuller(count, std, uniform);
}

function boxMuller(count: number, std: number, uniform: (count: number) => Float64Array): Float64Array {
  if (!Number.isInteger(count) || count < 0) throw new PrivacyError('DP_INVALID_CONFIG', `count ${count} is not a size`);
  if (!(std >= 0) || !Number.isFinite(std)) throw new PrivacyError('DP_INVALID_CONFIG', `std ${std} must be finite and ≥ 0`);
  const out = new Float64Array(count);
  const pairs = Math.ceil(count / 2);
  const u = uniform(2 * pairs);
  for (let p = 0; p < pairs; p++) {
    const r = std * Math.sqrt(-2 * Math.log(u[2 * p]!));
    const theta = 2 * Math.PI * u[2 * p + 1]!;
    out[2 * p] = r * Math.cos(theta);
    if (2 * p + 1 < count) out[2 * p + 1] = r * Math.sin(theta);
  }
  return out;
}

/**
 * Adds N(0, std²) noise to every entry, in place, and returns the same array.
 * @example addGaussianNoise(sumOfClipped, noiseMultiplier * clipNorm);
 */
export function addGaussianNoise<T extends Float32Array | Float64Array>(values: T, std: number, noise: GaussianSampler = gaussianNoise): T {
  const z = noise(values.length, std);
  for (let i = 0; i < values.length; i++) values[i] = values[i]! + z[i]!;
  return values;
}

/**
 * Euclidean norm, accumulated in double precision.
 * @example l2Norm([3, 4]) // 5
 */
export function l2Norm(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
  return Math.sqrt(s);
}

/**
 * A copy of `values` scaled by min(1, S/‖values‖₂), so its L2 norm is at most S
 * (the per-update clipping of McMahan et al. 2018 and the per-example clipping of Abadi et al. 2016).
 * @example const clipped = clipByL2Norm(update, 1.0); l2Norm(clipped) <= 1.0 + 1e-6;
 */
export function clipByL2Norm<T extends Float32Array | Float64Array>(values: T, clipNorm: number): T {
  if (!(clipNorm > 0) || !Number.isFinite(clipNorm)) {
    throw new PrivacyError('DP_INVALID_CONFIG', `clip norm ${clipNorm} must be positive and finite`);
  }
  const out = values.slice() as T;
  const norm = l2Norm(values);
  if (norm > clipNorm) {
    const factor = clipNorm / norm;
    for (let i = 0; i < out.length; i++) out[i] = out[i]! * factor;
  }
  return out;
}
