// Beaver matrix triples from the arbiter, and the two local steps of a masked matrix product.
import { randomRing, ringAdd, ringMatMul } from './ring.ts';
import type { RingMatrix } from './ring.ts';

/** The left party's half of a triple for X·Y with X m×k (its input) and Y k×o (the peer's). */
export interface LeftTriple {
  /** Mask of X: uniform m×k. */
  a: RingMatrix;
  /** Share of A·B. */
  z: RingMatrix;
}

/** The right party's half: B masks its k×o input; z is its share of A·B. */
export interface RightTriple {
  b: RingMatrix;
  z: RingMatrix;
}

/**
 * A Beaver triple for matrices (Beaver, CRYPTO 1991; the matrix form as in SecureML, Mohassel and
 * Zhang, IEEE S&P 2017): A, B uniform, A·B split into two uniform-looking shares. The dealer (the
 * arbiter) learns nothing of the inputs; each party's half alone is uniform noise.
 * @example const [left, right] = beaverTriple(64, 32, 16);
 */
export function beaverTriple(m: number, k: number, o: number): [LeftTriple, RightTriple] {
  const a = randomRing(m, k);
  const b = randomRing(k, o);
  const zLeft = randomRing(m, o);
  const zRight = ringAdd(ringMatMul(a, b), zLeft, -1);
  return [{ a, z: zLeft }, { b, z: zRight }];
}

/** What the left party opens: X − A (uniform, since A is). */
export function openLeft(x: RingMatrix, t: LeftTriple): RingMatrix {
  return ringAdd(x, t.a, -1);
}

/** What the right party opens: Y − B. */
export function openRight(y: RingMatrix, t: RightTriple): RingMatrix {
  return ringAdd(y, t.b, -1);
}

/**
 * Left share of X·Y given the right party's opening F = Y − B: A·F + z_left.
 * Right share given E = X − A: E·Y + z_right. They sum to X·Y, since
 * (E + A)(F + B) = E·Y + A·F + A·B.
 */
export function leftShare(t: LeftTriple, rightOpening: RingMatrix): RingMatrix {
  return ringAdd(ringMatMul(t.a, rightOpening), t.z);
}

/** See {@link leftShare}. */
export function rightShare(y: RingMatrix, t: RightTriple, leftOpening: RingMatrix): RingMatrix {
  return ringAdd(ringMatMul(leftOpening, y), t.z);
}
