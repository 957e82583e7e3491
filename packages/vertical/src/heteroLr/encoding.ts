// Fixed-point scales of hetero LR, uniform masks in Z_n, and validated ciphertext (de)coding.
import { ciphertextFromHex, ciphertextToHex, PaillierError } from '@flotilla/privacy';
import type { PaillierCiphertext, PaillierPublicKey } from '@flotilla/privacy';
import { VerticalError } from '../VerticalError.ts';

/**
 * Fractional bits F of partial scores u = w·x (encoded round(u·2^F)). The residual
 * [[d]] = [[0.25·u_h]] + (0.25·u_g − 0.5·y) lives at scale 2^(2F), a gradient entry
 * Σ d·x at 2^(2F + FEATURE_FRACTION_BITS): 64 bits, far below n/2 for any key ≥ 1024 bits.
 */
export const SCORE_FRACTION_BITS = 24;
/** Fractional bits of features used as exponents: x ↦ round(x·2^16), error ≤ 2^-17 per feature. */
export const FEATURE_FRACTION_BITS = 16;
/** Scale of residuals and of the encrypted loss (2F). */
export const RESIDUAL_FRACTION_BITS = 2 * SCORE_FRACTION_BITS;
/** Scale of gradient entries (2F + F_x). */
export const GRADIENT_FRACTION_BITS = RESIDUAL_FRACTION_BITS + FEATURE_FRACTION_BITS;

/** round(x·2^bits) as a bigint, for finite x. */
export function toFixed(x: number, bits: number): bigint {
  if (!Number.isFinite(x)) throw new VerticalError('VFL_BAD_PARAMETER', 'value must be finite');
  return BigInt(Math.round(x * 2 ** bits));
}

/** Signed residue → real at the given scale (m > n/2 reads as m − n). */
export function fromResidue(m: bigint, n: bigint, bits: number): number {
  const signed = m > n >> 1n ? m - n : m;
  const negative = signed < 0n;
  let a = negative ? -signed : signed;
  let shift = bits;
  const excess = a.toString(2).length - 60;
  if (excess > 0) {
    a >>= BigInt(excess);
    shift -= excess;
  }
  const x = Number(a) * 2 ** -shift;
  return negative ? -x : x;
}

/** A uniform residue in Z_n (statistical distance ≤ 2^-64 from uniform): a one-time pad for m ∈ Z_n. */
export function randomResidue(n: bigint): bigint {
  const bytes = new Uint8Array(Math.ceil(n.toString(2).length / 8) + 8);
  crypto.getRandomValues(bytes);
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  return x % n;
}

/** Hex of ciphertexts, fixed width. */
export function ciphertextsToWire(cs: readonly PaillierCiphertext[], key: PaillierPublicKey): string[] {
  return cs.map((c) => ciphertextToHex(c, key));
}

/**
 * Reads `expected` hex ciphertexts from a peer, each fully validated (in Z*_{n²}); VFL_MALFORMED
 * for a wrong shape, VFL_BAD_CIPHERTEXT for a value that is not a ciphertext of this key.
 */
export function ciphertextsFromWire(value: unknown, expected: number, key: PaillierPublicKey, what: string): PaillierCiphertext[] {
  if (!Array.isArray(value) || value.length !== expected) {
    throw new VerticalError('VFL_MALFORMED', `${what} must be an array of ${expected} ciphertexts`);
  }
  return value.map((hex) => {
    try {
      return ciphertextFromHex(hex as string, key);
    } catch (e) {
      if (e instanceof PaillierError) throw new VerticalError('VFL_BAD_CIPHERTEXT', `${what}: ${e.message}`);
      throw e;
    }
  });
}
