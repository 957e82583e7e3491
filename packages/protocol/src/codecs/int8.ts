// int8 quantisation: one byte a value and a float32 scale per tensor or per output channel (the
// last axis), with stochastic rounding so the decoded value is unbiased (E[q·scale] = v).
// Payload: u8 granularity (0 tensor, 1 channel), u8 stochastic, 2 reserved, u32 scale count C,
// C float32 scales, then one int8 a value.

import { assertFinite, channelsOf, malformedPayload, payloadMismatch, viewOf, type RandomSource } from './payload.ts';

const HEADER = 8;

/**
 * Quantises values to int8 with the given scale granularity.
 * @example encodeInt8(values, [784, 200], { granularity: 'channel', stochastic: true }, Math.random)
 */
export function encodeInt8(
  values: Float32Array, shape: readonly number[], spec: { granularity: 'tensor' | 'channel'; stochastic: boolean }, random: RandomSource,
): Uint8Array {
  assertFinite(values, 'int8');
  const channels = spec.granularity === 'channel' && values.length > 0 ? channelsOf(shape) : 1;
  const maxAbs = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = i % channels;
    const a = Math.abs(values[i]!);
    if (a > maxAbs[c]!) maxAbs[c] = a;
  }
  const scales = maxAbs.map((m) => m / 127);
  const out = new Uint8Array(HEADER + 4 * channels + values.length);
  const view = viewOf(out);
  view.setUint8(0, channels === 1 && spec.granularity === 'tensor' ? 0 : 1);
  view.setUint8(1, spec.stochastic ? 1 : 0);
  view.setUint32(4, channels, true);
  scales.forEach((s, c) => view.setFloat32(HEADER + 4 * c, s, true));
  const start = HEADER + 4 * channels;
  for (let i = 0; i < values.length; i++) {
    const scale = scales[i % channels]!;
    const x = scale === 0 ? 0 : values[i]! / scale;
    // floor(x + u) with u uniform in [0, 1) equals ceil(x) with probability frac(x): unbiased.
    const q = spec.stochastic ? Math.floor(x + random()) : Math.round(x);
    view.setInt8(start + i, Math.max(-127, Math.min(127, q)));
  }
  return out;
}

/** Decodes an int8 payload for a tensor of the given shape; refuses any inconsistent layout. */
export function decodeInt8(bytes: Uint8Array, shape: readonly number[], count: number): Float32Array {
  if (bytes.byteLength < HEADER) throw malformedPayload('int8', 'shorter than its header');
  const view = viewOf(bytes);
  const granularity = view.getUint8(0);
  const channels = view.getUint32(4, true);
  if (granularity > 1 || view.getUint8(1) > 1) throw malformedPayload('int8', 'unknown granularity or rounding flag');
  const expected = granularity === 0 || count === 0 ? 1 : channelsOf(shape);
  if (channels !== expected) throw payloadMismatch('int8', `has ${channels} scales, the shape [${shape}] needs ${expected}`);
  if (bytes.byteLength !== HEADER + 4 * channels + count) throw payloadMismatch('int8', `of ${bytes.byteLength} bytes cannot hold ${count} values`);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = view.getFloat32(HEADER + 4 * c, true);
    if (!(s >= 0 && Number.isFinite(s))) throw malformedPayload('int8', `scale ${c} is ${s}`);
    scales[c] = s;
  }
  const start = HEADER + 4 * channels;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getInt8(start + i) * scales[i % channels]!;
  return out;
}
