// Fixed-point Paillier coding of FTL values: encrypt reals, weights of homomorphic dots, masked residues on the wire.
import type { PaillierCiphertext, PaillierPublicKey } from '@flotilla/privacy';
import { VerticalError } from '../VerticalError.ts';
import { fromResidue, randomResidue, toFixed } from '../heteroLr/encoding.ts';

/**
 * Fractional bits F of encrypted values (representations in (−1, 1) and coefficients); products
 * of an encrypted value and a plaintext weight live at 2F = 48 bits, far below n/2.
 */
export const FTL_FRACTION_BITS = 24;
/** Scale of every gradient, loss and score the parties decrypt. */
export const FTL_PRODUCT_BITS = 2 * FTL_FRACTION_BITS;

/** [[round(x·2^bits)]] (a negative value as its residue n − |m|). @example encryptReal(key, -0.25) */
export function encryptReal(key: PaillierPublicKey, x: number, bits = FTL_FRACTION_BITS): PaillierCiphertext {
  const m = toFixed(x, bits) % key.n;
  return key.encrypt(m < 0n ? m + key.n : m);
}

/** round(x·2^F) as an integer weight of a homomorphic dot product. @example encryptedDot(key, cs, u.map(weightOf)) */
export const weightOf = (x: number): bigint => toFixed(x, FTL_FRACTION_BITS);

/** [[c]] + k for a signed plaintext k (already scaled). @example addSigned(key, c, -5n) */
export function addSigned(key: PaillierPublicKey, c: PaillierCiphertext, k: bigint): PaillierCiphertext {
  const m = k % key.n;
  return key.addPlaintext(c, m < 0n ? m + key.n : m);
}

/** Masks `cs` with fresh uniform residues; returns the masked ciphertexts and the masks to remove later. @example const { masked, masks } = mask(peerKey, gradient) */
export function mask(key: PaillierPublicKey, cs: readonly PaillierCiphertext[]): { masked: PaillierCiphertext[]; masks: bigint[] } {
  const masks = cs.map(() => randomResidue(key.n));
  return { masked: cs.map((c, i) => key.addPlaintext(c, masks[i]!)), masks };
}

/** Removes masks from decrypted residues and reads them as reals at 2F. @example const scores = unmask(peerKey, decrypted, masks) */
export function unmask(key: PaillierPublicKey, residues: readonly bigint[], masks: readonly bigint[]): Float64Array {
  return Float64Array.from(residues, (m, i) => fromResidue((((m - masks[i]!) % key.n) + key.n) % key.n, key.n, FTL_PRODUCT_BITS));
}

/** Residues in Z_n as fixed-width hex. @example residuesToWire(decrypted, key) */
export function residuesToWire(values: readonly bigint[], key: PaillierPublicKey): string[] {
  const width = Math.ceil(key.n.toString(16).length);
  return values.map((v) => v.toString(16).padStart(width, '0'));
}

/** Reads `expected` hex residues in [0, n) from a peer; VFL_MALFORMED otherwise. @example residuesFromWire(m.values, rows, peerKey, 'values') */
export function residuesFromWire(value: unknown, expected: number, key: PaillierPublicKey, what: string): bigint[] {
  if (!Array.isArray(value) || value.length !== expected) throw new VerticalError('VFL_MALFORMED', `${what} must be an array of ${expected} residues`);
  return value.map((hex) => {
    if (typeof hex !== 'string' || hex.length === 0 || hex.length > 2048 || !/^[0-9a-f]+$/.test(hex)) throw new VerticalError('VFL_MALFORMED', `${what}: residues are lowercase hex`);
    const v = BigInt('0x' + hex);
    if (v >= key.n) throw new VerticalError('VFL_MALFORMED', `${what}: a residue is not below n`);
    return v;
  });
}

/**
 * Bits per packed slot: values at 2F = 48 bits with 31 bits of headroom for sums and a sign. A
 * packed plaintext is the integer Σ_j v_j·2^(SLOT_BITS·j) with signed v_j, so adding ciphertexts
 * and multiplying one by a signed integer act on every slot at once (the same scalar on each).
 */
export const FTL_SLOT_BITS = 80;

/** Slots per ciphertext of a key: the packed integer stays below n/2 in absolute value. @example slotsOf(key1024) // 12 */
export function slotsOf(key: PaillierPublicKey): number {
  return Math.max(1, Math.floor((key.n.toString(2).length - 2) / FTL_SLOT_BITS));
}

/** Chunks of `slots` integers packed into one signed integer each (slot j of a chunk at 2^(80j)). @example packIntegers([1n, -2n], 12) */
export function packIntegers(values: readonly bigint[], slots: number): bigint[] {
  const out: bigint[] = [];
  for (let from = 0; from < values.length; from += slots) {
    let x = 0n;
    for (let j = Math.min(values.length, from + slots) - 1; j >= from; j--) x = (x << BigInt(FTL_SLOT_BITS)) + values[j]!;
    out.push(x);
  }
  return out;
}

/** The signed slots of packed integers (`count` values in all), each read at `bits` fractional bits. @example unpackReals(packIntegers(xs, 12), xs.length, 12) */
export function unpackReals(packed: readonly bigint[], count: number, slots: number, bits = FTL_PRODUCT_BITS): Float64Array {
  const out = new Float64Array(count);
  const radix = 1n << BigInt(FTL_SLOT_BITS);
  const half = radix >> 1n;
  packed.forEach((value, chunk) => {
    let x = value;
    for (let j = 0; j < slots && chunk * slots + j < count; j++) {
      let v = ((x % radix) + radix) % radix;
      if (v >= half) v -= radix;
      out[chunk * slots + j] = Number(v) * 2 ** -bits;
      x = (x - v) / radix;
    }
  });
  return out;
}

/** Encrypts a real vector packed (values at F bits): ceil(length / slots) ciphertexts. @example encryptPacked(key, u.subarray(0, 8), slotsOf(key)) */
export function encryptPacked(key: PaillierPublicKey, values: ArrayLike<number>, slots: number): PaillierCiphertext[] {
  return packIntegers(Array.from(values, (v) => toFixed(v, FTL_FRACTION_BITS)), slots).map((x) => {
    const m = x % key.n;
    return key.encrypt(m < 0n ? m + key.n : m);
  });
}

/** A real vector as packed plaintext integers at 2F bits (to add to packed products). @example addSigned(key, dot, packedProducts(v, slots)[0]) */
export function packedProducts(values: ArrayLike<number>, slots: number): bigint[] {
  return packIntegers(Array.from(values, (v) => toFixed(v, FTL_PRODUCT_BITS)), slots);
}

/** Removes masks from decrypted packed residues and reads their slots as reals at 2F. @example unmaskPacked(peerKey, residues, masks, dim, slots) */
export function unmaskPacked(key: PaillierPublicKey, residues: readonly bigint[], masks: readonly bigint[], count: number, slots: number): Float64Array {
  const n = key.n;
  const signed = residues.map((m, i) => {
    const v = (((m - masks[i]!) % n) + n) % n;
    return v > n >> 1n ? v - n : v;
  });
  return unpackReals(signed, count, slots);
}
