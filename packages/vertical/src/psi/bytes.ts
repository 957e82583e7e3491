// Byte helpers for PSI: fixed-width record keys and an unbiased CSPRNG permutation.
import { PsiError } from './errors.ts';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of bytes[start, end). @example toHex(Uint8Array.of(1, 255)) // '01ff' */
export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[bytes[i]!];
  return s;
}

const LOWER_HEX = /^(?:[0-9a-f]{2})*$/;

/** Lowercase hex → bytes; PSI_MALFORMED for anything else, since peers' keys arrive as hex. @example fromHex('01ff') */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || !LOWER_HEX.test(hex)) throw new PsiError('PSI_MALFORMED', 'expected lowercase hex of whole bytes');
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Hex key of each fixed-width record, in order. @example recordKeys(points, 32) */
export function recordKeys(bytes: Uint8Array, width: number): string[] {
  const keys = new Array<string>(bytes.length / width);
  for (let i = 0; i < keys.length; i++) keys[i] = toHex(bytes, i * width, (i + 1) * width);
  return keys;
}

/**
 * A uniformly random permutation of [0, n) by Fisher–Yates (Knuth, TAOCP vol. 2, Alg. 3.4.2P),
 * drawing indices by rejection from 32-bit CSPRNG words so that no permutation is favoured.
 * @example const order = randomPermutation(5); // e.g. Uint32Array [3, 0, 4, 1, 2]
 */
export function randomPermutation(n: number): Uint32Array {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const words = new Uint32Array(4096);
  let next = words.length;
  const draw = (): number => {
    if (next === words.length) {
      globalThis.crypto.getRandomValues(words);
      next = 0;
    }
    return words[next++]!;
  };
  for (let i = n - 1; i > 0; i--) {
    const bound = i + 1;
    const limit = 2 ** 32 - (2 ** 32 % bound);
    let r: number;
    do r = draw();
    while (r >= limit);
    const j = r % bound;
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}

/** Records of `bytes` (fixed `width`) reordered so that output record k is input record perm[k]. */
export function permuteRecords(bytes: Uint8Array, width: number, perm: Uint32Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let k = 0; k < perm.length; k++) out.set(bytes.subarray(perm[k]! * width, (perm[k]! + 1) * width), k * width);
  return out;
}
