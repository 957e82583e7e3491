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

/**
 * Refuses a packing a frame header cannot mean (FLT_MALFORMED_FRAME): bits outside 1…32, a wide
 * count outside 0…count.
 * @example checkPacking(header.words, { bits: header.bits, wide: header.wide });
 */
export function checkPacking(count: number, packing: WordPacking): void {
  const { bits, wide } = packing;
  if (!Number.isInteger(bits) || bits < 1 || bits > 32 || !Number.isInteger(wide) || wide < 0 || wide > count) {
    throw new FlotillaError(ErrorCodes.MALFORMED_FRAME, `malformed frame: ${count} words cannot be packed at ${bits} bits with ${wide} wide`, true);
  }
}

/**
 * Packs words LSB first: word i's low `bits` bits (32 for the last `wide` words) follow word i − 1's.
 * Each word lands in at most five bytes: its bits shifted by the bit offset into four, the overflow
 * into a fifth (integer ops only: a 199,211-word model packs in a few ms).
 * @example const bytes = packWords(masked, { bits: 12, wide: 1 });
 */
export function packWords(words: Uint32Array, packing: WordPacking): Uint8Array {
  checkPacking(words.length, packing);
  const out = new Uint8Array(packedByteLength(words.length, packing));
  const narrow = words.length - packing.wide;
  const end = out.length;
  let bit = 0;
  for (let i = 0; i < words.length; i++) {
    const width = i < narrow ? packing.bits : 32;
    const value = width === 32 ? words[i]! : words[i]! & ((1 << width) - 1);
    const at = bit >>> 3;
    const shift = bit & 7;
    const low = (value << shift) >>> 0;
    const high = shift === 0 ? 0 : value >>> (32 - shift);
    for (let k = 0; k < 4 && at + k < end; k++) out[at + k]! |= (low >>> (8 * k)) & 0xff;
    if (high !== 0) out[at + 4]! |= high;
    bit += width;
  }
  return out;
}

/**
 * Reads `count` words packed by packWords from `bytes` (at least packedByteLength long). Each
 * narrow word comes back as an integer in [0, 2^bits).
 * @example const words = unpackWords(payload, 1001, { bits: 12, wide: 1 });
 */
export function unpackWords(bytes: Uint8Array, count: number, packing: WordPacking): Uint32Array {
  checkPacking(count, packing);
  const length = packedByteLength(count, packing);
  if (bytes.byteLength < length) {
    throw new FlotillaError(ErrorCodes.MALFORMED_FRAME, 'malformed frame: packed words run past the end', true);
  }
  const out = new Uint32Array(count);
  const narrow = count - packing.wide;
  // Bytes past the payload read as zero (they carry no bits of any word).
  const byte = (k: number) => (k < length ? bytes[k]! : 0);
  let bit = 0;
  for (let i = 0; i < count; i++) {
    const width = i < narrow ? packing.bits : 32;
    const at = bit >>> 3;
    const shift = bit & 7;
    const low = (byte(at) | (byte(at + 1) << 8) | (byte(at + 2) << 16) | (byte(at + 3) << 24)) >>> 0;
    const value = shift === 0 ? low : ((low >>> shift) | (byte(at + 4) << (32 - shift))) >>> 0;
    out[i] = width === 32 ? value : value & ((1 << width) - 1);
    bit += width;
  }
  return out;
}
