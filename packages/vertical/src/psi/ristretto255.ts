// ristretto255 (RFC 9496) on float-limb field arithmetic: decode, encode, and hash to the group.
import { expand_message_xmd } from '@noble/curves/abstract/hash-to-curve.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { addCached, D_BIG, newCached, newPoint, toCached } from './edwards25519.ts';
import type { ExtendedPoint } from './edwards25519.ts';
import {
  bytesToBigIntLE,
  fe,
  feAbs,
  feAdd,
  feCopy,
  feEquals,
  feFromBigInt,
  feIsNegative,
  feIsZero,
  feMul,
  feNeg,
  fePow22523,
  feSelect,
  feSetSmall,
  feSqr,
  feSub,
  feToBytes,
  P,
} from './field25519.ts';
import type { Fe } from './field25519.ts';

export { newPoint, scalarMultiply, scalarWindows } from './edwards25519.ts';
export type { ExtendedPoint } from './edwards25519.ts';

// Constants of RFC 9496 §4.1, as published there.
const ONE = feFromBigInt(1n);
const D = feFromBigInt(D_BIG);
const SQRT_M1 = feFromBigInt(19681161376707505956807079304988542015446066515923890162744021073123829784752n);
const SQRT_AD_MINUS_ONE = feFromBigInt(25063068953384623474111414158702152701244531502492656460079210482610430750235n);
const INVSQRT_A_MINUS_D = feFromBigInt(54469307008909316920995813868745141605393597292927456921205312896311721017578n);
const ONE_MINUS_D_SQ = feFromBigInt(1159843021668779879193775521855586647937357759715417654439879720876111806838n);
const D_MINUS_ONE_SQ = feFromBigInt(40440834346308536858101042469323190826248399146238708352240133220865137265952n);

/** Module-level scratch, one set per function: these functions are synchronous and not re-entrant. */
function scratch(count: number): Fe[] {
  return Array.from({ length: count }, fe);
}

const s0 = fe();
const s1 = fe();
const s2 = fe();
const s3 = fe();
const s4 = fe();
const s5 = fe();

/**
 * SQRT_RATIO_M1 of RFC 9496 §4.2: r = sqrt(u/v) made non-negative, or sqrt(i·u/v) when u/v is
 * not square. Returns was_square.
 */
function sqrtRatioM1(r: Fe, u: Fe, v: Fe): boolean {
  const v3 = s0;
  const check = s1;
  feSqr(v3, v);
  feMul(v3, v3, v); // v³
  feSqr(s2, v3);
  feMul(s2, s2, v); // v⁷
  feMul(s2, s2, u); // u·v⁷
  fePow22523(s2, s2);
  feMul(s2, s2, v3);
  feMul(r, s2, u); // r = u·v³·(u·v⁷)^((p−5)/8)
  feSqr(check, r);
  feMul(check, check, v);
  const correct = feEquals(check, u);
  feNeg(s3, u);
  const flipped = feEquals(check, s3);
  feMul(s3, s3, SQRT_M1);
  const flippedI = feEquals(check, s3);
  feMul(s4, r, SQRT_M1);
  feSelect(r, r, s4, flipped || flippedI);
  feAbs(r, r);
  return correct || flipped;
}

const DECODE = scratch(8);

/**
 * RFC 9496 §4.3.1 Decode: the point of a canonical 32-byte encoding, or undefined for any
 * non-canonical or invalid string (the group is then guaranteed prime-order).
 */
export function decodeRistretto(bytes: Uint8Array, out: ExtendedPoint = newPoint()): ExtendedPoint | undefined {
  const sBig = bytesToBigIntLE(bytes);
  if (bytes.length !== 32 || sBig >= P || (sBig & 1n) === 1n) return undefined;
  const s = feFromBigInt(sBig, s5);
  const u1 = DECODE[0]!;
  const u2 = DECODE[1]!;
  const v = DECODE[2]!;
  const invsqrt = DECODE[3]!;
  feSqr(u1, s); // ss
  feAdd(u2, ONE, u1); // u2 = 1 + ss
  feSub(u1, ONE, u1); // u1 = 1 − ss
  const u2Sqr = DECODE[4]!;
  feSqr(u2Sqr, u2);
  feSqr(v, u1);
  feMul(v, v, D);
  feNeg(v, v);
  feSub(v, v, u2Sqr); // v = −(D·u1²) − u2²
  const vu2 = DECODE[5]!;
  feMul(vu2, v, u2Sqr);
  const wasSquare = sqrtRatioM1(invsqrt, ONE, vu2);
  const denX = DECODE[6]!;
  feMul(denX, invsqrt, u2);
  const denY = DECODE[7]!;
  feMul(denY, invsqrt, denX);
  feMul(denY, denY, v);
  feMul(out.X, s, denX);
  feAdd(out.X, out.X, out.X);
  feAbs(out.X, out.X);
  feMul(out.Y, u1, denY);
  feSetSmall(out.Z, 1);
  feMul(out.T, out.X, out.Y);
  if (!wasSquare || feIsNegative(out.T) || feIsZero(out.Y)) return undefined;
  return out;
}

const ENCODE = scratch(10);

/** RFC 9496 §4.3.2 Encode into out[offset, offset+32). */
export function encodeRistretto(p: ExtendedPoint, out: Uint8Array, offset = 0): void {
  const u1 = ENCODE[0]!;
  const u2 = ENCODE[1]!;
  const tmp = ENCODE[2]!;
  feAdd(u1, p.Z, p.Y);
  feSub(tmp, p.Z, p.Y);
  feMul(u1, u1, tmp); // (z0 + y0)(z0 − y0)
  feMul(u2, p.X, p.Y);
  const invsqrt = ENCODE[3]!;
  feSqr(tmp, u2);
  feMul(tmp, tmp, u1);
  sqrtRatioM1(invsqrt, ONE, tmp);
  const den1 = ENCODE[4]!;
  const den2 = ENCODE[5]!;
  const zInv = ENCODE[6]!;
  feMul(den1, invsqrt, u1);
  feMul(den2, invsqrt, u2);
  feMul(zInv, den1, den2);
  feMul(zInv, zInv, p.T);
  feMul(tmp, p.T, zInv);
  const rotate = feIsNegative(tmp);
  const x = ENCODE[7]!;
  const y = ENCODE[8]!;
  const denInv = ENCODE[9]!;
  if (rotate) {
    feMul(x, p.Y, SQRT_M1);
    feMul(y, p.X, SQRT_M1);
    feMul(denInv, den1, INVSQRT_A_MINUS_D);
  } else {
    feCopy(x, p.X);
    feCopy(y, p.Y);
    feCopy(denInv, den2);
  }
  feMul(tmp, x, zInv);
  if (feIsNegative(tmp)) feNeg(y, y);
  feSub(tmp, p.Z, y);
  feMul(tmp, denInv, tmp);
  feAbs(tmp, tmp);
  feToBytes(tmp, out, offset);
}

const MAP = scratch(12);

/** RFC 9496 §4.3.4 MAP: one field element to a point (Elligator 2 variant for ristretto). */
function elligatorMap(out: ExtendedPoint, t: Fe): void {
  const r = MAP[0]!;
  const u = MAP[1]!;
  const v = MAP[2]!;
  const s = MAP[3]!;
  const tmp = MAP[4]!;
  feSqr(r, t);
  feMul(r, r, SQRT_M1); // r = SQRT_M1·t²
  feAdd(u, r, ONE);
  feMul(u, u, ONE_MINUS_D_SQ); // u = (r + 1)·ONE_MINUS_D_SQ
  feMul(tmp, r, D);
  feNeg(tmp, tmp);
  feSub(tmp, tmp, ONE); // −1 − r·D
  feAdd(v, r, D);
  feMul(v, tmp, v); // v = (−1 − r·D)(r + D)
  const wasSquare = sqrtRatioM1(s, u, v);
  const sPrime = MAP[5]!;
  feMul(sPrime, s, t);
  feAbs(sPrime, sPrime);
  feNeg(sPrime, sPrime);
  const c = MAP[6]!;
  if (!wasSquare) {
    feCopy(s, sPrime);
    feCopy(c, r);
  } else {
    feNeg(c, ONE);
  }
  const n = MAP[7]!;
  feSub(tmp, r, ONE);
  feMul(n, c, tmp);
  feMul(n, n, D_MINUS_ONE_SQ);
  feSub(n, n, v); // N = c·(r − 1)·D_MINUS_ONE_SQ − v
  const w0 = MAP[8]!;
  const w1 = MAP[9]!;
  const w2 = MAP[10]!;
  const w3 = MAP[11]!;
  feAdd(w0, s, s);
  feMul(w0, w0, v); // 2·s·v
  feMul(w1, n, SQRT_AD_MINUS_ONE);
  feSqr(tmp, s);
  feSub(w2, ONE, tmp);
  feAdd(w3, ONE, tmp);
  feMul(out.X, w0, w3);
  feMul(out.Y, w2, w1);
  feMul(out.Z, w1, w3);
  feMul(out.T, w0, w2);
}

const MASK_255 = (1n << 255n) - 1n;
const HASH_POINT = newPoint();
const HASH_CACHED = newCached();

/**
 * hash_to_ristretto255 of RFC 9380 App. B: expand_message_xmd(SHA-512) to 64 bytes, map each
 * half with RFC 9496's MAP, add. Same output as @noble/curves' ristretto255_hasher.hashToCurve.
 */
export function hashToRistretto(msg: Uint8Array, dst: string, out: ExtendedPoint = newPoint()): ExtendedPoint {
  const uniform = expand_message_xmd(msg, dst, 64, sha512);
  const p1 = HASH_POINT;
  elligatorMap(p1, feFromBigInt(bytesToBigIntLE(uniform.subarray(0, 32)) & MASK_255));
  elligatorMap(out, feFromBigInt(bytesToBigIntLE(uniform.subarray(32, 64)) & MASK_255));
  const c = HASH_CACHED;
  toCached(c, p1);
  return addCached(out, out, c);
}
