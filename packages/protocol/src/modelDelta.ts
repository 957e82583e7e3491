// A model version sent as its difference from a version the client already holds: per value, the
// difference of the two IEEE bit patterns (float32, or float16 for a half-precision downlink) as a
// zigzag LEB128 varint. Lossless: the client rebuilds the served model bit for bit; small where
// consecutive versions are close (a round moves most weights by a few units in the last places).
// A checksum of the rebuilt model lets the client refuse a delta against a base it does not hold.

import { fromHalf, toHalf } from './codecs/float16.ts';
import { malformedPayload } from './codecs/payload.ts';

/** The value formats a delta can be taken in: the downlink codecs whose decoded values are exact bit patterns. */
export type DeltaFormat = 'float32' | 'float16';

const bitsOf = (values: Float32Array, format: DeltaFormat): Uint32Array =>
  format === 'float32' ? new Uint32Array(Float32Array.from(values).buffer) : Uint32Array.from(values, (v) => toHalf(v));

/**
 * FNV-1a over the float32 bytes of a model: what the client checks after applying a delta.
 * @example modelChecksum(weights) // a u32
 */
export function modelChecksum(values: Float32Array): number {
  const bytes = new Uint8Array(Float32Array.from(values).buffer);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193) >>> 0;
  return h;
}

/**
 * The delta that turns `base` into `current` (same length), as varint bytes.
 * @example const bytes = encodeModelDelta(v7, v5, 'float32');
 */
export function encodeModelDelta(current: Float32Array, base: Float32Array, format: DeltaFormat): Uint8Array {
  const a = bitsOf(current, format);
  const b = bitsOf(base, format);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const d = (a[i]! - b[i]!) | 0;
    let z = ((d << 1) ^ (d >> 31)) >>> 0;
    while (z >= 0x80) {
      out.push((z & 0x7f) | 0x80);
      z >>>= 7;
    }
    out.push(z);
  }
  return Uint8Array.from(out);
}

/**
 * Applies a delta to the base it was taken against; refuses (FLT_MALFORMED_FRAME) bytes that do
 * not hold exactly one varint per value.
 * @example const v7 = applyModelDelta(v5, bytes, 'float32');
 */
export function applyModelDelta(base: Float32Array, delta: Uint8Array, format: DeltaFormat): Float32Array {
  const b = bitsOf(base, format);
  const out = new Float32Array(base.length);
  const outBits = new Uint32Array(out.buffer);
  let at = 0;
  for (let i = 0; i < base.length; i++) {
    let z = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= delta.length || shift > 28) throw malformedPayload('model delta', 'varint runs past the end or beyond 32 bits');
      const byte = delta[at++]!;
      z += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) break;
    }
    const d = (z >>> 1) ^ -(z & 1);
    const bits = (b[i]! + d) >>> 0;
    if (format === 'float32') outBits[i] = bits;
    else out[i] = fromHalf(bits & 0xffff);
  }
  if (at !== delta.length) throw malformedPayload('model delta', 'trailing bytes');
  return out;
}
