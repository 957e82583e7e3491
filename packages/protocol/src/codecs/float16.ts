// IEEE-754 half precision: 2 bytes a value, round to nearest even, subnormals kept.

import { ErrorCodes, FlotillaError } from '../errors.ts';
import { assertFinite, payloadMismatch, viewOf } from './payload.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The half-precision bits of a float32 value, rounded to nearest even. Values beyond the half
 * range (65504) become ±infinity; callers encoding an update refuse those first.
 * @example toHalf(1) === 0x3c00
 */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit-1 mantissa right, rounding to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let out = mant >>> shift;
    if (rest > half || (rest === half && (out & 1))) out++;
    return sign | out;
  }
  let out = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (out & 1))) out++;
  return sign | out;
}

/**
 * The float value of half-precision bits.
 * @example fromHalf(0x3c00) === 1
 */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The largest finite half-precision value. */
export const HALF_MAX = 65504;

/** Encodes values as little-endian halves; refuses non-finite values and those beyond ±65504. */
export function encodeFloat16(values: Float32Array): Uint8Array {
  assertFinite(values, 'float16');
  const out = new Uint8Array(values.length * 2);
  const view = viewOf(out);
  for (let i = 0; i < values.length; i++) {
    const h = toHalf(values[i]!);
    if ((h & 0x7c00) === 0x7c00) throw new FlotillaError(ErrorCodes.NON_FINITE, `float16 cannot hold value ${i} (${values[i]}): beyond ±${HALF_MAX}`);
    view.setUint16(i * 2, h, true);
  }
  return out;
}

/** Decodes little-endian halves; the payload must hold exactly `count` of them. */
export function decodeFloat16(bytes: Uint8Array, count: number): Float32Array {
  if (bytes.byteLength !== count * 2) throw payloadMismatch('float16', `of ${bytes.byteLength} bytes cannot hold ${count} values`);
  const view = viewOf(bytes);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = fromHalf(view.getUint16(i * 2, true));
  return out;
}
