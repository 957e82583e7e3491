// Σ k_i·[[m_i]] over Paillier ciphertexts with integer weights, one modular inverse at most.
import type { PaillierCiphertext, PaillierPublicKey } from '@flotilla/privacy';

/**
 * [[Σ k_i·m_i]] = Π c_i^{k_i}, skipping k_i = 0 (most MNIST pixels), with the negative weights
 * gathered in a second product inverted once at the end (each negative exponent alone would cost
 * one inverse mod n²). Returns undefined when every weight is zero.
 * @example encryptedDot(publicKey, residuals, pixelsAsIntegers)
 */
export function encryptedDot(
  key: PaillierPublicKey,
  ciphertexts: readonly PaillierCiphertext[],
  weights: readonly bigint[],
): PaillierCiphertext | undefined {
  let positive: PaillierCiphertext | undefined;
  let negative: PaillierCiphertext | undefined;
  for (let i = 0; i < ciphertexts.length; i++) {
    const k = weights[i]!;
    if (k === 0n) continue;
    const term = k === 1n || k === -1n ? ciphertexts[i]! : key.multiplyScalar(ciphertexts[i]!, k < 0n ? -k : k);
    if (k > 0n) positive = positive === undefined ? term : key.add(positive, term);
    else negative = negative === undefined ? term : key.add(negative, term);
  }
  if (negative === undefined) return positive;
  const minus = key.negate(negative);
  return positive === undefined ? minus : key.add(positive, minus);
}
