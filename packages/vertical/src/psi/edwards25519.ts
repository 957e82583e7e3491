// edwards25519 group law in extended coordinates (a = −1): cached addition, doubling, scalar multiply.
import { fe, feAdd, feCopy, feFromBigInt, feMul, feNeg, feSetSmall, feSqr, feSub, P } from './field25519.ts';
import type { Fe } from './field25519.ts';

/** d = −121665/121666 of edwards25519 (RFC 7748 §4.1), as an integer mod p. */
export const D_BIG = (((-121665n * modPow(121666n, P - 2n)) % P) + P) % P;
const D2 = feFromBigInt(2n * D_BIG);

function modPow(b: bigint, e: bigint): bigint {
  let r = 1n;
  for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
}

/** An edwards25519 point in extended coordinates (Hisil–Wong–Carter–Dawson, ASIACRYPT 2008). */
export interface ExtendedPoint {
  X: Fe;
  Y: Fe;
  Z: Fe;
  T: Fe;
}

/** A point prepared for addition: (Y−X, Y+X, 2d·T, 2Z). */
export interface CachedPoint {
  yMinusX: Fe;
  yPlusX: Fe;
  t2d: Fe;
  z2: Fe;
}

export function newPoint(): ExtendedPoint {
  return { X: fe(), Y: feSetSmall(fe(), 1), Z: feSetSmall(fe(), 1), T: fe() };
}

export function newCached(): CachedPoint {
  return { yMinusX: feSetSmall(fe(), 1), yPlusX: feSetSmall(fe(), 1), t2d: fe(), z2: feSetSmall(fe(), 2) };
}

export function toCached(c: CachedPoint, p: ExtendedPoint): void {
  feSub(c.yMinusX, p.Y, p.X);
  feAdd(c.yPlusX, p.Y, p.X);
  feMul(c.t2d, p.T, D2);
  feAdd(c.z2, p.Z, p.Z);
}

const a0 = fe();
const a1 = fe();
const a2 = fe();
const a3 = fe();
const e0 = fe();
const e1 = fe();
const e2 = fe();
const e3 = fe();

/** out = p + q (EFD "add-2008-hwcd-3", a = −1, cached q): 8M. out may alias p. */
export function addCached(out: ExtendedPoint, p: ExtendedPoint, q: CachedPoint): ExtendedPoint {
  feSub(a0, p.Y, p.X);
  feMul(a0, a0, q.yMinusX); // A
  feAdd(a1, p.Y, p.X);
  feMul(a1, a1, q.yPlusX); // B
  feMul(a2, p.T, q.t2d); // C
  feMul(a3, p.Z, q.z2); // D
  feSub(e0, a1, a0); // E = B − A
  feAdd(e1, a1, a0); // H = B + A
  feSub(e2, a3, a2); // F = D − C
  feAdd(e3, a3, a2); // G = D + C
  feMul(out.X, e0, e2);
  feMul(out.Y, e3, e1);
  feMul(out.T, e0, e1);
  feMul(out.Z, e2, e3);
  return out;
}

/**
 * out = 2p (EFD "dbl-2008-hwcd", a = −1): 4S + 3M, plus 1M for T when the next step is an
 * addition (a doubling does not read T). out may alias p.
 */
function double(out: ExtendedPoint, p: ExtendedPoint, withT: boolean): ExtendedPoint {
  feSqr(a0, p.X); // A
  feSqr(a1, p.Y); // B
  feSqr(a2, p.Z);
  feAdd(a2, a2, a2); // C = 2Z²
  feAdd(a3, p.X, p.Y);
  feSqr(a3, a3);
  feSub(a3, a3, a0);
  feSub(e0, a3, a1); // E = (X + Y)² − A − B
  feSub(e3, a1, a0); // G = D + B = B − A
  feSub(e2, e3, a2); // F = G − C
  feNeg(e1, a0);
  feSub(e1, e1, a1); // H = D − B = −A − B
  feMul(out.X, e0, e2);
  feMul(out.Y, e3, e1);
  feMul(out.Z, e2, e3);
  if (withT) feMul(out.T, e0, e1);
  return out;
}

/** 4-bit windows of a scalar in [1, 2^256), most significant first. */
export function scalarWindows(k: bigint): Uint8Array {
  const w = new Uint8Array(64);
  for (let i = 0; i < 64; i++) w[63 - i] = Number((k >> BigInt(4 * i)) & 15n);
  return w;
}

const table: CachedPoint[] = Array.from({ length: 16 }, newCached);
const tablePoint = newPoint();

/**
 * out = k·p with k given by {@link scalarWindows}: fixed 4-bit windows, 252 doublings and 64
 * additions whatever the digits (a zero digit adds the identity), and the table entry chosen by
 * scanning all 16. JavaScript gives no constant-time guarantee, but the operation sequence does
 * not depend on the secret.
 */
export function scalarMultiply(out: ExtendedPoint, p: ExtendedPoint, windows: Uint8Array): ExtendedPoint {
  // table[i] = i·p, table[0] = identity
  const t0 = table[0]!;
  feSetSmall(t0.yMinusX, 1);
  feSetSmall(t0.yPlusX, 1);
  t0.t2d.fill(0);
  feSetSmall(t0.z2, 2);
  toCached(table[1]!, p);
  feCopy(tablePoint.X, p.X);
  feCopy(tablePoint.Y, p.Y);
  feCopy(tablePoint.Z, p.Z);
  feCopy(tablePoint.T, p.T);
  for (let i = 2; i < 16; i++) {
    addCached(tablePoint, tablePoint, table[1]!);
    toCached(table[i]!, tablePoint);
  }
  feSetSmall(out.X, 0);
  feSetSmall(out.Y, 1);
  feSetSmall(out.Z, 1);
  out.T.fill(0);
  for (let w = 0; w < 64; w++) {
    if (w > 0) {
      double(out, out, false);
      double(out, out, false);
      double(out, out, false);
      double(out, out, true);
    }
    const digit = windows[w]!;
    let selected = table[0]!;
    for (let i = 1; i < 16; i++) selected = i === digit ? table[i]! : selected;
    addCached(out, out, selected);
  }
  return out;
}
