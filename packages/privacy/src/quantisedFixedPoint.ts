// Quantised fixed point for secure aggregation: b-bit values with stochastic rounding, summed in
// the smallest ring Z_2^m that holds the sum of n clients (m = b + ⌈log2 n⌉), so that a masked
// upload needs m bits a coordinate instead of 32.
import { PrivacyError } from './PrivacyError.ts';
import { assertNoWrap, fixedPointMagnitude, weightedFixedPointConfig, type WeightedFixedPointConfig } from './fixedPoint.ts';

/** A weighted fixed-point codec whose values are b-bit integers summed in Z_2^ringBits. */
export interface QuantisedFixedPointConfig extends WeightedFixedPointConfig {
  /** b: each value is an integer in [−(2^(b−1) − 1), 2^(b−1) − 1]. */
  readonly bits: number;
  readonly ringBits: number;
  /** Stochastic rounding (unbiased) instead of round to nearest. */
  readonly stochastic: boolean;
}

/**
 * The ring width that holds the sum of `summands` b-bit values: b + ⌈log2 summands⌉. The sum of
 * n values in [−(2^(b−1) − 1), 2^(b−1) − 1] lies strictly inside [−2^(b−1)·n, 2^(b−1)·n], which a
 * signed integer of b + ⌈log2 n⌉ bits holds.
 * @example ringBitsFor(8, 10) // 12
 */
export function ringBitsFor(bits: number, summands: number): number {
  return bits + Math.ceil(Math.log2(summands) - 1e-12);
}

/**
 * The codec of a quantised secure round: scale (2^(b−1) − 1)/clip, so a value clipped to
 * [−clip, clip] becomes a b-bit integer, and the ring of `ringBitsFor(bits, maxSummands)` bits.
 * The weight word keeps the whole 32-bit ring (it sums example counts, not quantised values).
 * Throws FIXED_POINT_OVERFLOW when that ring would need more than 32 bits.
 * @example const codec = quantisedFixedPointConfig({ clip: 0.05, bits: 8, maxSummands: 10, maxWeight: 600 }); // ringBits 12
 */
export function quantisedFixedPointConfig(options: {
  clip: number;
  bits: number;
  maxSummands: number;
  maxWeight: number;
  stochastic?: boolean;
}): QuantisedFixedPointConfig {
  const { bits, maxSummands } = options;
  if (!Number.isInteger(bits) || bits < 2 || bits > 16) {
    throw new PrivacyError('FIXED_POINT_INVALID_CONFIG', `bits must be an integer in [2, 16], got ${bits}`);
  }
  if (!Number.isInteger(maxSummands) || maxSummands < 1) {
    throw new PrivacyError('FIXED_POINT_INVALID_CONFIG', `maxSummands must be a positive integer, got ${maxSummands}`);
  }
  const ringBits = ringBitsFor(bits, maxSummands);
  if (ringBits > 32) {
    throw new PrivacyError('FIXED_POINT_OVERFLOW', `${maxSummands} summands of ${bits} bits need a ${ringBits}-bit ring, more than 32`, { ringBits });
  }
  const scale = (2 ** (bits - 1) - 1) / options.clip;
  const config = { ...weightedFixedPointConfig(options), scale, ringBits, bits, stochastic: options.stochastic ?? true };
  assertNoWrap(config, maxSummands);
  return config;
}

/**
 * Encodes an update and its weight into `update.length + 1` words, like encodeWeightedUpdate, with
 * each value clip(v)·(weight/maxWeight)·scale rounded stochastically (E[q] = the value: the mean
 * of many clients stays unbiased) and held to ±(2^(b−1) − 1). Words are two's complement mod
 * 2^32; their low ringBits bits are the value mod 2^ringBits.
 * @example const input = encodeQuantisedUpdate(delta, numExamples, codec); // then mask, then pack at codec.ringBits
 */
export function encodeQuantisedUpdate(
  update: ArrayLike<number>,
  weight: number,
  config: QuantisedFixedPointConfig,
  random: () => number = Math.random,
): Uint32Array {
  if (!Number.isInteger(weight) || weight < 0 || weight > config.maxWeight) {
    throw new PrivacyError('FIXED_POINT_INVALID_CONFIG', `weight ${weight} must be an integer in [0, ${config.maxWeight}]`);
  }
  const { clip, scale } = config;
  const limit = fixedPointMagnitude(config);
  const factor = (weight / config.maxWeight) * scale;
  const out = new Uint32Array(update.length + 1);
  for (let i = 0; i < update.length; i++) {
    const v = update[i]!;
    if (!Number.isFinite(v)) throw new PrivacyError('FIXED_POINT_NOT_FINITE', `value ${i} is not finite`);
    const x = (v > clip ? clip : v < -clip ? -clip : v) * factor;
    const low = Math.floor(x);
    const q = config.stochastic ? low + (random() < x - low ? 1 : 0) : Math.round(x);
    // clip·scale is 2^(b−1) − 1 up to a rounding of the float product: never step past it.
    out[i] = (q > limit ? limit : q < -limit ? -limit : q) >>> 0;
  }
  out[update.length] = weight;
  return out;
}
