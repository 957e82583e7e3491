// Top-k sparsification: the k = ceil(fraction · n) largest-magnitude values of a tensor and their
// positions; the rest decodes as zero (the client keeps it as its error-feedback residual).
// Payload: u8 index format (0 u32, 1 delta LEB128), 3 reserved, u32 k, k float32 values, then the
// k ascending indices: as u32, or the first index and each gap to the next as LEB128 varints,
// whichever is smaller.

import { assertFinite, malformedPayload, payloadMismatch, viewOf } from './payload.ts';

const HEADER = 8;

/** How many values top-k keeps of n. */
export function topkCount(n: number, fraction: number): number {
  return Math.min(n, Math.ceil(fraction * n));
}

/** The magnitude of the k-th largest |value| (quickselect, O(n) on average). */
function threshold(values: Float32Array, k: number): number {
  const a = values.map(Math.abs);
  let lo = 0;
  let hi = a.length - 1;
  const target = a.length - k;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return a[target]!;
}

/** The ascending indices of the k largest magnitudes (ties broken by position). */
export function topkIndices(values: Float32Array, k: number): Uint32Array {
  const out = new Uint32Array(k);
  if (k === 0) return out;
  const t = threshold(values, k);
  let above = 0;
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i]!) > t) above++;
  let ties = k - above;
  let n = 0;
  for (let i = 0; i < values.length && n < k; i++) {
    const a = Math.abs(values[i]!);
    if (a > t || (a === t && ties-- > 0)) out[n++] = i;
  }
  return out;
}

const varintLength = (v: number): number => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5);

/**
 * Encodes the top `fraction` of a tensor's values by magnitude.
 * @example encodeTopk(update, { fraction: 0.01 })
 */
export function encodeTopk(values: Float32Array, spec: { fraction: number }): Uint8Array {
  assertFinite(values, 'topk');
  const k = topkCount(values.length, spec.fraction);
  const indices = topkIndices(values, k);
  let deltaBytes = 0;
  indices.forEach((idx, j) => { deltaBytes += varintLength(j === 0 ? idx : idx - indices[j - 1]!); });
  const delta = deltaBytes < 4 * k;
  const out = new Uint8Array(HEADER + 4 * k + (delta ? deltaBytes : 4 * k));
  const view = viewOf(out);
  view.setUint8(0, delta ? 1 : 0);
  view.setUint32(4, k, true);
  indices.forEach((idx, j) => view.setFloat32(HEADER + 4 * j, values[idx]!, true));
  let at = HEADER + 4 * k;
  indices.forEach((idx, j) => {
    if (!delta) {
      view.setUint32(at, idx, true);
      at += 4;
      return;
    }
    let v = j === 0 ? idx : idx - indices[j - 1]!;
    while (v >= 0x80) {
      out[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[at++] = v;
  });
  return out;
}

/** Decodes a top-k payload into a dense tensor of `count` values; indices must ascend below count. */
export function decodeTopk(bytes: Uint8Array, count: number): Float32Array {
  if (bytes.byteLength < HEADER) throw malformedPayload('topk', 'shorter than its header');
  const view = viewOf(bytes);
  const format = view.getUint8(0);
  const k = view.getUint32(4, true);
  if (format > 1) throw malformedPayload('topk', `unknown index format ${format}`);
  if (k > count) throw payloadMismatch('topk', `keeps ${k} values of a tensor of ${count}`);
  const valuesEnd = HEADER + 4 * k;
  if (valuesEnd > bytes.byteLength) throw malformedPayload('topk', 'values run past the end');
  const out = new Float32Array(count);
  let at = valuesEnd;
  let previous = -1;
  for (let j = 0; j < k; j++) {
    let index: number;
    if (format === 0) {
      if (at + 4 > bytes.byteLength) throw malformedPayload('topk', 'indices run past the end');
      index = view.getUint32(at, true);
      at += 4;
    } else {
      let gap = 0;
      for (let shift = 0; ; shift += 7) {
        if (at >= bytes.byteLength || shift > 28) throw malformedPayload('topk', 'varint runs past the end or beyond 32 bits');
        const b = bytes[at++]!;
        gap += (b & 0x7f) * 2 ** shift;
        if (!(b & 0x80)) break;
      }
      if (j > 0 && gap === 0) throw malformedPayload('topk', `index ${j} repeats the previous one`);
      index = j === 0 ? gap : previous + gap;
    }
    if (index <= previous || index >= count) throw malformedPayload('topk', `index ${index} out of order or beyond ${count}`);
    out[index] = view.getFloat32(HEADER + 4 * j, true);
    previous = index;
  }
  if (at !== bytes.byteLength) throw malformedPayload('topk', 'trailing bytes after the indices');
  return out;
}
