// Fixed-point encoding of signed floats into Z_n with a two's-complement-style wrap.
import { PaillierError } from './errors.ts';

/** Default number of fractional bits: values are stored as round(x · 2^32). */
export const PAILLIER_FRACTION_BITS = 32;

/**
 * Encodes a finite float x as round(x · 2^fractionBits) mod n: non-negative values map to
 * [0, n/2), negative ones wrap to (n/2, n), like two's complement with n in place of 2^k, so
 * homomorphic addition of encodings is addition of the reals. The resolution is 2^-fractionBits
 * (2.3e-10 by default) and |x| must stay below n / 2^(fractionBits+1) after all additions.
 * Multiplying by an encoded scalar doubles the scale: decode with `scaleMultiplier` 2.
 * @example
 * const m = encodePaillierFixedPoint(-1.5, publicKey.n);
 * decodePaillierFixedPoint(privateKey.decrypt(publicKey.encrypt(m)), publicKey.n); // -1.5
 */
export function encodePaillierFixedPoint(x: number, n: bigint, fractionBits = PAILLIER_FRACTION_BITS): bigint {
  if (!Number.isFinite(x)) throw new PaillierError('PAILLIER_BAD_PLAINTEXT', 'value must be finite');
  const q = BigInt(Math.round(x * 2 ** fractionBits));
  if (2n * (q < 0n ? -q : q) >= n) throw new PaillierError('PAILLIER_BAD_PLAINTEXT', 'value out of range for the modulus');
  return q < 0n ? q + n : q;
}

/**
 * Inverse of {@link encodePaillierFixedPoint}: m > n/2 reads as m − n, then divides by
 * 2^(fractionBits·scaleMultiplier).
 * @example decodePaillierFixedPoint(m, publicKey.n, 32, 2) // after multiplyScalar by an encoded scalar
 */
export function decodePaillierFixedPoint(m: bigint, n: bigint, fractionBits = PAILLIER_FRACTION_BITS, scaleMultiplier = 1): number {
  if (m < 0n || m >= n) throw new PaillierError('PAILLIER_BAD_PLAINTEXT', 'plaintext must be in [0, n)');
  const signed = m > n >> 1n ? m - n : m;
  return bigintToScaledNumber(signed, fractionBits * scaleMultiplier);
}

/** Signed integer → n-residue (the same wrap as fixed point). @example encodePaillierInteger(-1n, n) // n - 1n */
export function encodePaillierInteger(v: bigint, n: bigint): bigint {
  if (2n * (v < 0n ? -v : v) >= n) throw new PaillierError('PAILLIER_BAD_PLAINTEXT', 'integer out of range for the modulus');
  return v < 0n ? v + n : v;
}

/** n-residue → signed integer in (−n/2, n/2]. @example decodePaillierInteger(n - 1n, n) // -1n */
export function decodePaillierInteger(m: bigint, n: bigint): bigint {
  return m > n >> 1n ? m - n : m;
}

/** v / 2^shift as a double, exact to double precision even when v exceeds 2^53. */
export function bigintToScaledNumber(v: bigint, shift: number): number {
  const negative = v < 0n;
  let a = negative ? -v : v;
  const excess = a.toString(2).length - 60;
  let s = shift;
  if (excess > 0) {
    a >>= BigInt(excess);
    s -= excess;
  }
  const x = Number(a) * 2 ** -s;
  return negative ? -x : x;
}
