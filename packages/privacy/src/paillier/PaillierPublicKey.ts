// Paillier public key with g = n + 1: encryption, validation and the additive homomorphism.
import { bitLength, gcd, mod, modInverse, modPow, randomBelow } from './bigintMath.ts';
import { PaillierError } from './errors.ts';

/** A Paillier ciphertext: an element of Z*_{n²}. */
export type PaillierCiphertext = bigint;

/**
 * Public key (n, g = n + 1) of Paillier's cryptosystem (P. Paillier, "Public-Key Cryptosystems
 * Based on Composite Degree Residuosity Classes", EUROCRYPT 1999). With g = n + 1 the binomial
 * theorem gives g^m = 1 + m·n (mod n²), so encryption costs one exponentiation, r^n, which can be
 * precomputed (see PaillierRandomnessPool).
 * @example
 * const { publicKey, privateKey } = await generatePaillierKeyPair({ bits: 2048 });
 * const c = publicKey.add(publicKey.encrypt(2n), publicKey.encrypt(3n));
 * privateKey.decrypt(c); // 5n
 */
export class PaillierPublicKey {
  readonly n: bigint;
  readonly nSquared: bigint;
  readonly g: bigint;
  readonly bits: number;
  /** Byte length of a serialised ciphertext (that of n²). */
  readonly ciphertextBytes: number;

  constructor(n: bigint) {
    if (n < 3n || (n & 1n) === 0n) throw new PaillierError('PAILLIER_BAD_KEY', 'n must be an odd integer > 2');
    this.n = n;
    this.nSquared = n * n;
    this.g = n + 1n;
    this.bits = bitLength(n);
    this.ciphertextBytes = Math.ceil(bitLength(this.nSquared) / 8);
  }

  /** True when `other` has the same modulus. */
  equals(other: PaillierPublicKey): boolean {
    return this.n === other.n;
  }

  /** Throws PAILLIER_BAD_PLAINTEXT unless 0 ≤ m < n. */
  validatePlaintext(m: bigint): void {
    if (typeof m !== 'bigint' || m < 0n || m >= this.n) {
      throw new PaillierError('PAILLIER_BAD_PLAINTEXT', 'plaintext must be a bigint in [0, n)');
    }
  }

  /** Cheap structural check used by every homomorphic operation: 0 < c < n². */
  assertInRange(c: PaillierCiphertext): void {
    if (typeof c !== 'bigint' || c <= 0n || c >= this.nSquared) {
      throw new PaillierError('PAILLIER_BAD_CIPHERTEXT', 'ciphertext must be in (0, n²)');
    }
  }

  /** True iff 0 < c < n² and gcd(c, n) = 1, i.e. c ∈ Z*_{n²}. */
  isValidCiphertext(c: PaillierCiphertext): boolean {
    return typeof c === 'bigint' && c > 0n && c < this.nSquared && gcd(c, this.n) === 1n;
  }

  /**
   * Full validation of a ciphertext from outside (0 < c < n², gcd(c, n) = 1); throws
   * PAILLIER_BAD_CIPHERTEXT otherwise. A c sharing a factor with n is not an encryption and would
   * make decryption leak a factor of n.
   */
  validateCiphertext(c: PaillierCiphertext): void {
    if (!this.isValidCiphertext(c)) {
      throw new PaillierError('PAILLIER_BAD_CIPHERTEXT', 'ciphertext is not an element of Z*_{n²}');
    }
  }

  /**
   * A fresh encryption randomness factor r^n mod n² for uniform r ∈ Z*_n. Each factor must be
   * used for one encryption only.
   */
  randomFactor(): bigint {
    for (;;) {
      const r = randomBelow(this.n);
      if (gcd(r, this.n) === 1n) return modPow(r, this.n, this.nSquared);
    }
  }

  /** E(m) = (1 + m·n) · r^n mod n² with fresh randomness. @example publicKey.encrypt(42n) */
  encrypt(m: bigint): PaillierCiphertext {
    return this.encryptWithPrecomputed(m, this.randomFactor());
  }

  /**
   * E(m) with a precomputed randomness factor rn = r^n mod n² (from a pool): one multiplication
   * mod n², no exponentiation.
   * @example publicKey.encryptWithPrecomputed(7n, pool.take())
   */
  encryptWithPrecomputed(m: bigint, rn: bigint): PaillierCiphertext {
    this.validatePlaintext(m);
    if (typeof rn !== 'bigint' || rn <= 0n || rn >= this.nSquared) {
      throw new PaillierError('PAILLIER_BAD_PARAMETER', 'randomness factor must be in (0, n²)');
    }
    return ((1n + m * this.n) * rn) % this.nSquared;
  }

  /** E(m1 + m2) = E(m1) · E(m2) mod n². @example publicKey.add(ca, cb) */
  add(a: PaillierCiphertext, b: PaillierCiphertext): PaillierCiphertext {
    this.assertInRange(a);
    this.assertInRange(b);
    return (a * b) % this.nSquared;
  }

  /** Sum of many ciphertexts (E(1)-free: needs at least one). @example publicKey.sum([c1, c2, c3]) */
  sum(cs: readonly PaillierCiphertext[]): PaillierCiphertext {
    if (cs.length === 0) throw new PaillierError('PAILLIER_BAD_PARAMETER', 'sum of no ciphertexts');
    let acc = cs[0]!;
    this.assertInRange(acc);
    for (let i = 1; i < cs.length; i++) acc = this.add(acc, cs[i]!);
    return acc;
  }

  /**
   * E(m + k) = E(m) · (1 + k·n) mod n² for any integer k (taken mod n, so negative k subtracts).
   * Not re-randomised: add E(0) before sending if k must stay hidden from the decryptor's view.
   * @example publicKey.addPlaintext(c, -3n)
   */
  addPlaintext(c: PaillierCiphertext, k: bigint): PaillierCiphertext {
    this.assertInRange(c);
    return (c * (1n + mod(k, this.n) * this.n)) % this.nSquared;
  }

  /**
   * E(k·m) = E(m)^k mod n² for any integer k; a negative k uses E(m)^{-1} so the exponent stays
   * |k|-sized instead of n-sized.
   * @example publicKey.multiplyScalar(c, -2n) // decrypts to -2m mod n
   */
  multiplyScalar(c: PaillierCiphertext, k: bigint): PaillierCiphertext {
    this.assertInRange(c);
    let e = mod(k, this.n);
    let base = c;
    if (e > this.n >> 1n) {
      e = this.n - e;
      try {
        base = modInverse(c, this.nSquared);
      } catch {
        throw new PaillierError('PAILLIER_BAD_CIPHERTEXT', 'ciphertext is not invertible mod n²');
      }
    }
    if (e === 0n) return this.encryptWithPrecomputed(0n, this.randomFactor());
    return modPow(base, e, this.nSquared);
  }

  /** E(-m). @example publicKey.negate(c) */
  negate(c: PaillierCiphertext): PaillierCiphertext {
    return this.multiplyScalar(c, -1n);
  }

  /** Re-randomise: same plaintext, fresh-looking ciphertext. Uses `rn` if given (pool), else fresh. */
  rerandomize(c: PaillierCiphertext, rn: bigint = this.randomFactor()): PaillierCiphertext {
    this.assertInRange(c);
    return (c * rn) % this.nSquared;
  }
}
