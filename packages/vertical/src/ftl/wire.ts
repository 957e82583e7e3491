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

/** [[round(x·2^bits)]] (a negative value as its residue n − |m|). */
export function encryptReal(key: PaillierPublicKey, x: number, bits = FTL_FRACTION_BITS): PaillierCiphertext {
  const m = toFixed(x, bits) % key.n;
  return key.encrypt(m < 0n ? m + key.n : m);
}

/** round(x·2^F) as an integer weight of a homomorphic dot product. */
export const weightOf = (x: number): bigint => toFixed(x, FTL_FRACTION_BITS);

/** [[c]] + k for a signed plaintext k (already scaled). */
export function addSigned(key: PaillierPublicKey, c: PaillierCiphertext, k: bigint): PaillierCiphertext {
  const m = k % key.n;
  return key.addPlaintext(c, m < 0n ? m + key.n : m);
}

/** Masks `cs` with fresh uniform residues; returns the masked ciphertexts and the masks to remove later. */
export function mask(key: PaillierPublicKey, cs: readonly PaillierCiphertext[]): { masked: PaillierCiphertext[]; masks: bigint[] } {
  const masks = cs.map(() => randomResidue(key.n));
  return { masked: cs.map((c, i) => key.addPlaintext(c, masks[i]!)), masks };
}

/** Removes masks from decrypted residues and reads them as reals at 2F. */
export function unmask(key: PaillierPublicKey, residues: readonly bigint[], masks: readonly bigint[]): Float64Array {
  return Float64Array.from(residues, (m, i) => fromResidue((((m - masks[i]!) % key.n) + key.n) % key.n, key.n, FTL_PRODUCT_BITS));
}

/** Residues in Z_n as fixed-width hex. */
export function residuesToWire(values: readonly bigint[], key: PaillierPublicKey): string[] {
  const width = Math.ceil(key.n.toString(16).length);
  return values.map((v) => v.toString(16).padStart(width, '0'));
}

/** Reads `expected` hex residues in [0, n) from a peer; VFL_MALFORMED otherwise. */
export function residuesFromWire(value: unknown, expected: number, key: PaillierPublicKey, what: string): bigint[] {
  if (!Array.isArray(value) || value.length !== expected) throw new VerticalError('VFL_MALFORMED', `${what} must be an array of ${expected} residues`);
  return value.map((hex) => {
    if (typeof hex !== 'string' || hex.length === 0 || hex.length > 2048 || !/^[0-9a-f]+$/.test(hex)) throw new VerticalError('VFL_MALFORMED', `${what}: residues are lowercase hex`);
    const v = BigInt('0x' + hex);
    if (v >= key.n) throw new VerticalError('VFL_MALFORMED', `${what}: a residue is not below n`);
    return v;
  });
}
