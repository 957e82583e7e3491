// Arithmetic in the prime field GF(p), p = 2^256 + 297, with BigInt: inversion and batch inversion.
import { bytesToBigInt, randomBytes } from '../bytes.ts';

/**
 * The smallest prime above 2^256 (checked by 40-round Miller–Rabin and by trial of every odd
 * candidate in (2^256, 2^256 + 297)). Any 32-byte secret — a self-mask seed or an X25519 secret
 * key — is a field element without reduction, so shares reconstruct the exact bytes.
 */
export const SHAMIR_PRIME = (1n << 256n) + 297n;

/** Bytes of one encoded field element (p needs 257 bits). */
export const FIELD_BYTES = 33;

/** x mod p in [0, p). */
export function mod(x: bigint): bigint {
  const r = x % SHAMIR_PRIME;
  return r < 0n ? r + SHAMIR_PRIME : r;
}

/** The inverse of a non-zero element by the extended Euclidean algorithm. */
export function invert(a: bigint): bigint {
  let [oldR, r] = [mod(a), SHAMIR_PRIME];
  if (oldR === 0n) throw new RangeError('zero has no inverse');
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS);
}

/**
 * Inverts every element with one field inversion and 3(n−1) multiplications (Montgomery's trick).
 * @example batchInvert([2n, 3n]) // [2^-1, 3^-1] mod p
 */
export function batchInvert(values: readonly bigint[]): bigint[] {
  const n = values.length;
  if (n === 0) return [];
  const prefix = new Array<bigint>(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    prefix[i] = acc;
    acc = (acc * values[i]!) % SHAMIR_PRIME;
  }
  let inv = invert(acc);
  const out = new Array<bigint>(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = (inv * prefix[i]!) % SHAMIR_PRIME;
    inv = (inv * values[i]!) % SHAMIR_PRIME;
  }
  return out;
}

/** `count` uniform field elements by rejection sampling of 257-bit strings (acceptance ≈ 1/2). */
export function randomFieldElements(count: number): bigint[] {
  const out: bigint[] = [];
  while (out.length < count) {
    const need = count - out.length;
    const pool = randomBytes(FIELD_BYTES * (2 * need + 4));
    for (let off = 0; off < pool.length && out.length < count; off += FIELD_BYTES) {
      const chunk = pool.subarray(off, off + FIELD_BYTES);
      chunk[0]! &= 0x01;
      const v = bytesToBigInt(chunk);
      if (v < SHAMIR_PRIME) out.push(v);
    }
  }
  return out;
}
