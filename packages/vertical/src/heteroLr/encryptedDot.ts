// Σ k_i·[[m_i]] over Paillier ciphertexts with integer weights: a bucket multi-exponentiation, one modular inverse at most.
import type { PaillierCiphertext, PaillierPublicKey } from '@flotilla/privacy';

/** Weights at most this large go through the bucket method (digits read as floating-point integers). */
const BUCKET_LIMIT = 2 ** 52;

/**
 * Π c_i^{e_i} mod n² for e_i ≥ 1 by Pippenger's bucket method: per window of w bits, every c_i
 * goes into the bucket of its digit (one multiplication), and the buckets are summed by digit with
 * two running products; windows are joined by w squarings. For 64 ciphertexts with 17-bit
 * exponents that is about 460 multiplications against about 1,300 for one windowed power each.
 */
function multiPower(cs: readonly bigint[], exponents: readonly number[], nSquared: bigint): bigint {
  const count = cs.length;
  let maxExponent = 0;
  for (const e of exponents) maxExponent = Math.max(maxExponent, e);
  const bits = Math.floor(Math.log2(maxExponent)) + 1;
  // Cost per bit ≈ (count + 2^(w+1)) / w: pick the best w.
  let w = 1;
  for (let c = 2; c <= 12; c++) if ((count + 2 ** (c + 1)) / c < (count + 2 ** (w + 1)) / w) w = c;
  const windows = Math.ceil(bits / w);
  const radix = 2 ** w;
  let acc: bigint | undefined;
  for (let t = windows - 1; t >= 0; t--) {
    if (acc !== undefined) for (let s = 0; s < w; s++) acc = (acc * acc) % nSquared;
    const buckets = new Array<bigint | undefined>(radix);
    const shift = 2 ** (t * w);
    for (let i = 0; i < count; i++) {
      const digit = Math.floor(exponents[i]! / shift) % radix;
      if (digit === 0) continue;
      const held = buckets[digit];
      buckets[digit] = held === undefined ? cs[i]! : (held * cs[i]!) % nSquared;
    }
    // Σ_d d·B_d as Π_d (Π_{d' ≥ d} B_{d'}): a running product of the buckets from the top digit down.
    let running: bigint | undefined;
    let window: bigint | undefined;
    for (let d = radix - 1; d >= 1; d--) {
      const b = buckets[d];
      if (b !== undefined) running = running === undefined ? b : (running * b) % nSquared;
      if (running !== undefined) window = window === undefined ? running : (window * running) % nSquared;
    }
    if (window !== undefined) acc = acc === undefined ? window : (acc * window) % nSquared;
  }
  return acc ?? 1n;
}

/** Π c_i^{k_i} for k_i > 0, by buckets when the weights are small enough, else one power each. */
function product(key: PaillierPublicKey, cs: bigint[], ks: bigint[]): PaillierCiphertext | undefined {
  if (cs.length === 0) return undefined;
  if (cs.length >= 4 && ks.every((k) => k < BUCKET_LIMIT)) return multiPower(cs, ks.map(Number), key.nSquared);
  let acc: PaillierCiphertext | undefined;
  for (let i = 0; i < cs.length; i++) {
    const term = ks[i] === 1n ? cs[i]! : key.multiplyScalar(cs[i]!, ks[i]!);
    acc = acc === undefined ? term : key.add(acc, term);
  }
  return acc;
}

/**
 * [[Σ k_i·m_i]] = Π c_i^{k_i}, skipping k_i = 0 (most MNIST pixels), with the negative weights
 * gathered in a second product inverted once at the end (each negative exponent alone would cost
 * one inverse mod n²). Returns undefined when every weight is zero. The ciphertexts must have been
 * validated (they come through `ciphertextsFromWire` or from this party's own encryptions).
 * @example encryptedDot(publicKey, residuals, pixelsAsIntegers)
 */
export function encryptedDot(
  key: PaillierPublicKey,
  ciphertexts: readonly PaillierCiphertext[],
  weights: readonly bigint[],
): PaillierCiphertext | undefined {
  const plus: { cs: bigint[]; ks: bigint[] } = { cs: [], ks: [] };
  const minus: { cs: bigint[]; ks: bigint[] } = { cs: [], ks: [] };
  for (let i = 0; i < ciphertexts.length; i++) {
    const k = weights[i]!;
    if (k === 0n) continue;
    key.assertInRange(ciphertexts[i]!);
    const side = k > 0n ? plus : minus;
    side.cs.push(ciphertexts[i]!);
    side.ks.push(k > 0n ? k : -k);
  }
  const positive = product(key, plus.cs, plus.ks);
  const negative = product(key, minus.cs, minus.ks);
  if (negative === undefined) return positive;
  const inverted = key.negate(negative);
  return positive === undefined ? inverted : key.add(positive, inverted);
}
