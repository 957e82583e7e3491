// GF(2^255 − 19) elements as 12 float64 limbs of 22 bits: conversions, add/sub, powers, predicates.
import { feMul, feSqr } from './field25519Kernels.ts';

export { feMul, feSqr };

/** A field element: value Σ limb[i]·2^(22i) mod p, limbs possibly unreduced (see bounds below). */
export type Fe = Float64Array;

/**
 * Limb bounds that keep feMul/feSqr exact: inputs need |limb| ≤ 2^24. Products come out reduced
 * (< 2^22 + 2^9), so a sum or difference of up to four products may be multiplied directly.
 */
export const P = 2n ** 255n - 19n;
const LIMBS = 12;
const MASK22 = (1n << 22n) - 1n;

/** A new zero element. */
export function fe(): Fe {
  return new Float64Array(LIMBS);
}

/** Element from a bigint (reduced mod p first). @example feFromBigInt(121666n) */
export function feFromBigInt(x: bigint, o: Fe = fe()): Fe {
  let v = ((x % P) + P) % P;
  for (let i = 0; i < LIMBS; i++) {
    o[i] = Number(v & MASK22);
    v >>= 22n;
  }
  return o;
}

/** Canonical value in [0, p). */
export function feToBigInt(a: Fe): bigint {
  let x = 0n;
  for (let i = LIMBS - 1; i >= 0; i--) x = (x << 22n) + BigInt(a[i]!);
  x %= P;
  return x < 0n ? x + P : x;
}

export function feCopy(o: Fe, a: Fe): Fe {
  o.set(a);
  return o;
}

/** o = a + b without carrying. */
export function feAdd(o: Fe, a: Fe, b: Fe): Fe {
  for (let i = 0; i < LIMBS; i++) o[i] = a[i]! + b[i]!;
  return o;
}

/** o = a − b without carrying (limbs may turn negative; the kernels accept that). */
export function feSub(o: Fe, a: Fe, b: Fe): Fe {
  for (let i = 0; i < LIMBS; i++) o[i] = a[i]! - b[i]!;
  return o;
}

export function feNeg(o: Fe, a: Fe): Fe {
  for (let i = 0; i < LIMBS; i++) o[i] = -a[i]!;
  return o;
}

/** o = small integer (|v| < 2^22). */
export function feSetSmall(o: Fe, v: number): Fe {
  o.fill(0);
  o[0] = v;
  return o;
}

/** o = a if !flag, b if flag (copies every limb either way). */
export function feSelect(o: Fe, a: Fe, b: Fe, flag: boolean): Fe {
  const src = flag ? b : a;
  for (let i = 0; i < LIMBS; i++) o[i] = src[i]!;
  return o;
}

const RADIX = 4194304; // 2^22
const INV_RADIX = 2.384185791015625e-7; // 2^-22
const TOP = 8192; // 2^13: limb 11 holds bits 242..263, so bit 255 is 2^13 in limb 11

function carryPass(o: Fe): number {
  let c = 0;
  for (let i = 0; i < LIMBS; i++) {
    const v = o[i]! + c;
    c = Math.floor(v * INV_RADIX);
    o[i] = v - c * RADIX;
  }
  return c;
}

/**
 * o = the canonical representative of a in [0, p), limbs in [0, 2^22), without BigInt: carry
 * with 2^264 ≡ 9728 until no carry is left, fold bits ≥ 255 with 2^255 ≡ 19, then subtract p once
 * if needed (v ≥ p ⇔ v + 19 ≥ 2^255).
 */
export function feCanonical(o: Fe, a: Fe): Fe {
  if (o !== a) o.set(a);
  for (let c = carryPass(o); c !== 0; c = carryPass(o)) o[0] = o[0]! + 9728 * c;
  while (o[11]! >= TOP) {
    const hi = Math.floor(o[11]! / TOP);
    o[11] = o[11]! - hi * TOP;
    o[0] = o[0]! + 19 * hi;
    carryPass(o);
  }
  const w = tmpCanonical;
  w.set(o);
  w[0] = w[0]! + 19;
  carryPass(w);
  if (w[11]! >= TOP) {
    w[11] = w[11]! - TOP;
    o.set(w);
  }
  return o;
}
const tmpCanonical = fe();
const tmpPredicate = fe();

/** RFC 9496 §4.2 IS_NEGATIVE: the canonical value is odd. */
export function feIsNegative(a: Fe): boolean {
  return (feCanonical(tmpPredicate, a)[0]! & 1) === 1;
}

/** Equality of the canonical values. */
export function feEquals(a: Fe, b: Fe): boolean {
  return feIsZero(feSub(tmpEq, a, b));
}
const tmpEq = fe();

export function feIsZero(a: Fe): boolean {
  const c = feCanonical(tmpPredicate, a);
  for (let i = 0; i < LIMBS; i++) if (c[i] !== 0) return false;
  return true;
}

/** o = |a| in the RFC 9496 sense: negate when IS_NEGATIVE. */
export function feAbs(o: Fe, a: Fe): Fe {
  return feIsNegative(a) ? feNeg(o, a) : feCopy(o, a);
}

const t0 = fe();
const t1 = fe();
const t2 = fe();

function sqrTimes(o: Fe, a: Fe, times: number): void {
  feSqr(o, a);
  for (let i = 1; i < times; i++) feSqr(o, o);
}

/**
 * o = z^((p−5)/8) = z^(2^252 − 3) by the addition chain of ref10's fe_pow22523 (Bernstein et al.,
 * "High-speed high-security signatures", 2011): 250 squarings and 11 multiplications.
 */
export function fePow22523(o: Fe, z: Fe): Fe {
  feSqr(t0, z); // z^2
  sqrTimes(t1, t0, 2); // z^8
  feMul(t1, z, t1); // z^9
  feMul(t0, t0, t1); // z^11
  feSqr(t0, t0); // z^22
  feMul(t0, t1, t0); // z^31 = z^(2^5 − 1)
  sqrTimes(t1, t0, 5);
  feMul(t0, t1, t0); // z^(2^10 − 1)
  sqrTimes(t1, t0, 10);
  feMul(t1, t1, t0); // z^(2^20 − 1)
  sqrTimes(t2, t1, 20);
  feMul(t1, t2, t1); // z^(2^40 − 1)
  sqrTimes(t1, t1, 10);
  feMul(t0, t1, t0); // z^(2^50 − 1)
  sqrTimes(t1, t0, 50);
  feMul(t1, t1, t0); // z^(2^100 − 1)
  sqrTimes(t2, t1, 100);
  feMul(t1, t2, t1); // z^(2^200 − 1)
  sqrTimes(t1, t1, 50);
  feMul(t0, t1, t0); // z^(2^250 − 1)
  sqrTimes(t0, t0, 2);
  feMul(o, t0, z); // z^(2^252 − 3)
  return o;
}

/** Little-endian 32-byte encoding of the canonical value into out[offset, offset+32). */
export function feToBytes(a: Fe, out: Uint8Array, offset = 0): void {
  const c = feCanonical(tmpPredicate, a);
  let acc = 0; // < 2^30: at most 7 pending bits plus one 22-bit limb
  let bits = 0;
  let k = offset;
  for (let i = 0; i < LIMBS; i++) {
    acc += c[i]! * 2 ** bits;
    bits += 22;
    while (bits >= 8 && k < offset + 32) {
      const byte = acc % 256;
      out[k++] = byte;
      acc = (acc - byte) / 256;
      bits -= 8;
    }
  }
}

/** Little-endian 32 bytes → bigint (no reduction, so callers can check canonicity). */
export function bytesToBigIntLE(bytes: Uint8Array): bigint {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]!);
  return x;
}
