// QSGD (Alistarh et al. 2017, arXiv:1610.02132): each value becomes sign · l / s of the tensor's
// L2 norm, l drawn stochastically among s levels so the decoded tensor is unbiased.
// Payload: u8 levels s, 3 reserved, float32 norm, then one int8 (sign · l) a value.

import { assertFinite, malformedPayload, payloadMismatch, viewOf, type RandomSource } from './payload.ts';

const HEADER = 8;

/**
 * Quantises a tensor to `levels` stochastic levels of its norm.
 * @example encodeQsgd(values, { levels: 16 }, Math.random)
 */
export function encodeQsgd(values: Float32Array, spec: { levels: number }, random: RandomSource): Uint8Array {
  assertFinite(values, 'qsgd');
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  const norm = Math.fround(Math.sqrt(sum));
  const s = spec.levels;
  const out = new Uint8Array(HEADER + values.length);
  const view = viewOf(out);
  view.setUint8(0, s);
  view.setFloat32(4, norm, true);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const level = norm === 0 ? 0 : Math.min(s, Math.floor((Math.abs(v) / norm) * s + random()));
    view.setInt8(HEADER + i, v < 0 ? -level : level);
  }
  return out;
}

/** Decodes a QSGD payload of `count` values; refuses levels outside 1…127 or beyond the header's. */
export function decodeQsgd(bytes: Uint8Array, count: number): Float32Array {
  if (bytes.byteLength < HEADER) throw malformedPayload('qsgd', 'shorter than its header');
  const view = viewOf(bytes);
  const s = view.getUint8(0);
  const norm = view.getFloat32(4, true);
  if (s < 1 || s > 127) throw malformedPayload('qsgd', `levels ${s} outside 1…127`);
  if (!(norm >= 0 && Number.isFinite(norm))) throw malformedPayload('qsgd', `norm is ${norm}`);
  if (bytes.byteLength !== HEADER + count) throw payloadMismatch('qsgd', `of ${bytes.byteLength} bytes cannot hold ${count} values`);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const q = view.getInt8(HEADER + i);
    if (Math.abs(q) > s) throw malformedPayload('qsgd', `value ${i} has level ${q} beyond ${s}`);
    out[i] = (norm * q) / s;
  }
  return out;
}
