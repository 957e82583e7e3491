// Fixed-point encoding of float vectors into Z_2^32 (or a smaller ring Z_2^m) so that sums of up to
// n clients never wrap.
import { PrivacyError } from './PrivacyError.ts';

const TWO_32 = 2 ** 32;

/**
 * Encoding parameters: every float is clipped to [−clip, clip] and becomes round(x·scale) in
 * two's complement mod 2^32; `maxSummands` is the number of encoded vectors that may be added.
 * Invariant (checked at construction): maxSummands · 2·round(clip·scale) < 2^32, so the sum of
 * up to maxSummands vectors lies in [−2^31, 2^31) and decodes without wrap-around.
 */
export interface FixedPointConfig {
  readonly clip: number;
  readonly scale: number;
  readonly maxSummands: number;
  /**
   * The sum lives in Z_2^ringBits (default 32): words still add mod 2^32, and because 2^ringBits
   * divides 2^32 the low ringBits bits of that sum are the sum mod 2^ringBits, so a client may send
   * only those bits of its masked word (quantisedFixedPoint.ts).
   */
  readonly ringBits?: number;
}

/**
 * 2^ringBits of a config (2^32 by default).
 * @example ringModulus({ ringBits: 12 }) // 4096
 */
export function ringModulus(config: Pick<FixedPointConfig, 'ringBits'>): number {
  return 2 ** (config.ringBits ?? 32);
}

/**
 * The finest scale that lets `maxSummands` clipped values add without overflow (Bonawitz et al.
 * 2017 §2 leave the encoding to the application; this is the usual choice). Resolution of the
 * decoded sum: maxSummands / (2·scale), about maxSummands²·clip / 2^32.
 * @example const fp = fixedPointConfig({ clip: 1, maxSummands: 100 }); // scale ≈ 2.1e7, step ≈ 4.7e-8
 */
export function fixedPointConfig(options: { clip: number; maxSummands: number; scale?: number }): FixedPointConfig {
  const { clip, maxSummands } = options;
  if (!(clip > 0) || !Number.isFinite(clip)) {
    throw new PrivacyError('FIXED_POINT_INVALID_CONFIG', `clip must be a positive finite number, got ${clip}`);
  }
  if (!Number.isInteger(maxSummands) || maxSummands < 1) {
    throw new PrivacyError('FIXED_POINT_INVALID_CONFIG', `maxSummands must be a positive integer, got ${maxSummands}`);
  }
  const largestMagnitude = Math.floor((TWO_32 - 1) / (2 * maxSummands));
  const scale = options.scale ?? largestMagnitude / clip;
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new PrivacyError('FIXED_POINT_INVALID_CONFIG', `scale must be positive and finite, got ${scale}`);
  }
  const config = { clip, scale, maxSummands };
  assertNoWrap(config, maxSummands);
  return config;
}

/**
 * The largest encoded magnitude of one value, round(clip·scale).
 * @example fixedPointMagnitude(fixedPointConfig({ clip: 1, maxSummands: 2 })) // 1073741823
 */
export function fixedPointMagnitude(config: FixedPointConfig): number {
  return Math.round(config.clip * config.scale);
}

/**
 * Throws FIXED_POINT_OVERFLOW unless `summands` vectors can be added without wrapping:
 * summands · range < 2^ringBits with range = 2·round(clip·scale).
 * @example assertNoWrap(fp, survivors.length);
 */
export function assertNoWrap(config: FixedPointConfig, summands: number): void {
  const range = 2 * fixedPointMagnitude(config);
  if (summands * range >= ringModulus(config)) {
    throw new PrivacyError('FIXED_POINT_OVERFLOW', `${summands} summands × range ${range} ≥ 2^${config.ringBits ?? 32}`, {
      summands,
      range,
    });
  }
}

/**
 * Clips each value to [−clip, clip] and encodes it as round(x·scale) mod 2^32. Non-finite
 * values are a caller bug and throw FIXED_POINT_NOT_FINITE rather than encoding as 0.
 * @example const encoded = encodeFixedPoint(update, fp); // Uint32Array, ready for SecAgg
 */
export function encodeFixedPoint(
  values: ArrayLike<number>,
  config: FixedPointConfig,
  out: Uint32Array = new Uint32Array(values.length),
  multiplier = 1,
): Uint32Array {
  const { clip, scale } = config;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new PrivacyError('FIXED_POINT_NOT_FINITE', `value ${i} is not finite`);
    const clipped = v > clip ? clip : v < -clip ? -clip : v;
    out[i] = Math.round(clipped * multiplier * scale) >>> 0;
  }
  return out;
}

/**
 * Decodes a sum of `summands` encoded vectors: reads the low ringBits bits of each word as a
 * signed integer (the whole word as int32 in the default ring).
 * @example const sum = decodeFixedPointSum(result.sum, fp, result.survivors.length);
 */
export function decodeFixedPointSum(sum: Uint32Array, config: FixedPointConfig, summands: number): Float64Array {
  assertNoWrap(config, summands);
  const shift = 32 - (config.ringBits ?? 32);
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = ((sum[i]! << shift) >> shift) / config.scale;
  return out;
}

/**
 * Codec for FedAvg under secure aggregation: coordinates carry clip(update)·(weight/maxWeight)
 * and one extra last coordinate carries the integer weight (the example count), so the server
 * learns Σ w_k·Δ_k and Σ w_k but no single w_k (McMahan et al. 2017, arXiv:1602.05629).
 */
export interface WeightedFixedPointConfig extends FixedPointConfig {
  readonly maxWeight: number;
}

/**
 * @example const codec = weightedFixedPointConfig({ clip: 0.5, maxSummands: 100, maxWeight: 60_000 });
 */
export function weightedFixedPointConfig(options: {
  clip: number;
  maxSummands: number;
  maxWeight: number;
}): WeightedFixedPointConfig {
  const { maxWeight, maxSummands } = options;
  if (!Number.isInteger(maxWeight) || maxWeight < 1) {
    throw new PrivacyError('FIXED_POINT_INVALID_CONFIG', `maxWeight must be a positive integer, got ${maxWeight}`);
  }
  if (maxSummands * maxWeight >= TWO_32) {
    throw new PrivacyError('FIXED_POINT_OVERFLOW', `${maxSummands} × maxWeight ${maxWeight} ≥ 2^32`);
  }
  return { ...fixedPointConfig(options), maxWeight };
}

/**
 * Encodes an update and its weight into `update.length + 1` words.
 * @example const input = encodeWeightedUpdate(delta, numExamples, codec);
 */
export function encodeWeightedUpdate(
  update: ArrayLike<number>,
  weight: number,
  config: WeightedFixedPointConfig,
): Uint32Array {
  if (!Number.isInteger(weight) || weight < 0 || weight > config.maxWeight) {
    throw new PrivacyError('FIXED_POINT_INVALID_CONFIG', `weight ${weight} must be an integer in [0, ${config.maxWeight}]`);
  }
  const out = new Uint32Array(update.length + 1);
  encodeFixedPoint(update, config, out, weight / config.maxWeight);
  out[update.length] = weight;
  return out;
}

/**
 * Decodes a securely aggregated weighted sum into the weighted mean Σ w_k·Δ_k / Σ w_k.
 * @example const { mean, totalWeight } = decodeWeightedMean(result.sum, codec, result.survivors.length);
 */
export function decodeWeightedMean(
  sum: Uint32Array,
  config: WeightedFixedPointConfig,
  summands: number,
): { mean: Float64Array; totalWeight: number } {
  const totalWeight = sum[sum.length - 1]!;
  const weighted = decodeFixedPointSum(sum.subarray(0, sum.length - 1), config, summands);
  const factor = totalWeight > 0 ? config.maxWeight / totalWeight : 0;
  for (let i = 0; i < weighted.length; i++) weighted[i]! *= factor;
  return { mean: weighted, totalWeight };
}
