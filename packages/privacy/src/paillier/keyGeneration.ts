// Paillier key generation: two equal-size random primes from Miller–Rabin, g = n + 1.
import { gcd } from './bigintMath.ts';
import { PaillierError } from './errors.ts';
import { PaillierPrivateKey } from './PaillierPrivateKey.ts';
import type { PaillierPublicKey } from './PaillierPublicKey.ts';
import { generatePrime } from './primes.ts';

/** A Paillier key pair. */
export interface PaillierKeyPair {
  publicKey: PaillierPublicKey;
  privateKey: PaillierPrivateKey;
}

/** Options of {@link generatePaillierKeyPair}. */
export interface PaillierKeyOptions {
  /** Bit length of n: 2048 by default (NIST SP 800-57 ~112-bit security); at least 1024. */
  bits?: number;
  /** Allow 512 ≤ bits < 1024, for tests where the key size does not matter. Never in production. */
  insecureForTesting?: boolean;
}

/** The default modulus size in bits. */
export const DEFAULT_PAILLIER_BITS = 2048;

/**
 * Generates n = p·q with p, q random primes of bits/2 bits each (top two bits set, so n has
 * exactly `bits` bits); equal sizes guarantee gcd(n, φ(n)) = 1 (checked anyway). At 2048 bits
 * this takes seconds in BigInt: run it in a worker or once at startup.
 * @example const { publicKey, privateKey } = await generatePaillierKeyPair({ bits: 2048 });
 */
export async function generatePaillierKeyPair(options: PaillierKeyOptions = {}): Promise<PaillierKeyPair> {
  const bits = options.bits ?? DEFAULT_PAILLIER_BITS;
  const floor = options.insecureForTesting ? 512 : 1024;
  if (!Number.isInteger(bits) || bits < floor || bits % 2 !== 0) {
    throw new PaillierError('PAILLIER_BAD_PARAMETER', `key size must be an even number of bits ≥ ${floor}`);
  }
  for (;;) {
    const p = await generatePrime(bits / 2);
    const q = await generatePrime(bits / 2);
    if (p === q || gcd(p * q, (p - 1n) * (q - 1n)) !== 1n) continue;
    const privateKey = new PaillierPrivateKey(p, q);
    return { publicKey: privateKey.publicKey, privateKey };
  }
}
