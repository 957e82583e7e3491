// Tight bit packing of u32 words for a words frame: the first words at `bits` bits each (their low
// bits: a value mod 2^bits), the last `wide` words at 32 bits, one little-endian bit stream.
// Secure aggregation's quantised masked input travels this way (m bits a coordinate, not 32).

import { ErrorCodes, FlotillaError } from './errors.ts';

/** How a words payload is packed: `bits` per word except the last `wide` words, which keep 32. */
export interface WordPacking {
  bits: number;
  wide: number;
}

/**
 * Bytes of a packed payload: ⌈((count − wide)·bits + 32·wide) / 8⌉.
 * @example packedByteLength(1000, { bits: 12, wide: 1 }) // 1504
 */
export function packedByteLength(count: number, packing: WordPacking): number {
  return Math.ceil(((count - packing.wide) * packing.bits + 32 * packing.wide) / 8);
}

/** Refuses a packing a frame header cannot mean (FLT_MALFORMED_FRAME). */
export function checkPacking(count: number, packing: WordPacking): void {
  const { bits, wide } = packing;
  if (!Number.isInteger(bits) || bits < 1 || bits > 32 || !Number.isInteger(wide) || wide < 0 || wide > count) {
    throw new FlotillaError(ErrorCodes.MALFORMED_FRAME, `malformed frame: ${count} words cannot be packed at ${bits} bits with ${wide} wide`, true);
  }
}

/**
 * Packs words LSB first: word i's low `bits` bits (32 for the last `wide` words) follow word i − 1's.
 * Arithmetic on doubles: the accumulator never holds more than 7 + 32 bits, within 2^53.
 * @example const bytes = packWords(masked, { bits: 12, wide: 1 });
 */
export function packWords(words: Uint32Array, packing: WordPacking): Uint8Array {
  checkPacking(words.length, packing);
  const out = new Uint8Array(packedByteLength(words.length, packing));
  const narrow = words.length - packing.wide;
  const mask = 2 ** packing.bits;
  let acc = 0;
  let held = 0;
  let at = 0;
  for (let i = 0; i < words.length; i++) {
    const width = i < narrow ? packing.bits : 32;
    const value = width === 32 ? words[i]! : words[i]! % mask;
    acc += value * 2 ** held;
    held += width;
    while (held >= 8) {
      out[at++] = acc % 256;
      acc = Math.floor(acc / 256);
      held -= 8;
    }
  }
  if (held > 0) out[at] = acc;
  return out;
}

/**
 * Reads `count` words packed by packWords from `bytes` (at least packedByteLength long). Each
 * narrow word comes back as an integer in [0, 2^bits).
 * @example const words = unpackWords(payload, 1001, { bits: 12, wide: 1 });
 */
export function unpackWords(bytes: Uint8Array, count: number, packing: WordPacking): Uint32Array {
  checkPacking(count, packing);
  if (bytes.byteLength < packedByteLength(count, packing)) {
    throw new FlotillaError(ErrorCodes.MALFORMED_FRAME, 'malformed frame: packed words run past the end', true);
  }
  const out = new Uint32Array(count);
  const narrow = count - packing.wide;
  let acc = 0;
  let held = 0;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const width = i < narrow ? packing.bits : 32;
    while (held < width) {
      acc += bytes[at++]! * 2 ** held;
      held += 8;
    }
    const unit = 2 ** width;
    out[i] = acc % unit;
    acc = Math.floor(acc / unit);
    held -= width;
  }
  return out;
}
