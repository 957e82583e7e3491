// Pool of precomputed Paillier randomness r^n mod n², filled in chunks (here or in a worker).
import { gcd, modPow, randomBelow } from './bigintMath.ts';
import { PaillierError } from './errors.ts';
import type { PaillierCiphertext, PaillierPublicKey } from './PaillierPublicKey.ts';

/**
 * Computes `count` randomness factors r^n mod n² for the modulus n. Pure and synchronous, so a
 * worker thread or Web Worker can run it and post the result back (bigints are structured-
 * cloneable) to {@link PaillierRandomnessPool.addFactors}.
 * @example
 * // in a Web Worker:
 * onmessage = (e) => postMessage(computeRandomFactors(e.data.n, e.data.count));
 */
export function computeRandomFactors(n: bigint, count: number): bigint[] {
  const nSquared = n * n;
  const out: bigint[] = [];
  while (out.length < count) {
    const r = randomBelow(n);
    if (gcd(r, n) === 1n) out.push(modPow(r, n, nSquared));
  }
  return out;
}

/** Options of {@link PaillierRandomnessPool}. */
export interface RandomnessPoolOptions {
  /** Factors computed between two yields to the event loop in {@link PaillierRandomnessPool.fillPool}. */
  chunkSize?: number;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Precomputed encryption randomness, so that online encryption is a single multiplication mod n²:
 * r^n does not depend on m, so the one exponentiation of encryption (with g = n + 1) moves
 * offline. Each factor is handed out once and then forgotten: reusing r would leak m1 − m2.
 * @example
 * const pool = new PaillierRandomnessPool(publicKey);
 * await pool.fillPool(1000);          // offline, e.g. while the user reads the page
 * const c = pool.encrypt(42n);        // online: one modular multiplication
 */
export class PaillierRandomnessPool {
  private readonly factors: bigint[] = [];
  private readonly chunkSize: number;
  private fallbacks = 0;

  constructor(
    readonly publicKey: PaillierPublicKey,
    options: RandomnessPoolOptions = {},
  ) {
    this.chunkSize = Math.max(1, Math.floor(options.chunkSize ?? 4));
  }

  /** Factors ready to use. */
  get size(): number {
    return this.factors.length;
  }

  /** How many encryptions found the pool empty and computed their factor on the spot. */
  get fallbackCount(): number {
    return this.fallbacks;
  }

  /** Adds `count` factors, computed in chunks with a yield between chunks (keeps a page responsive). */
  async fillPool(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 0) throw new PaillierError('PAILLIER_BAD_PARAMETER', 'count must be a natural number');
    for (let done = 0; done < count; done += this.chunkSize) {
      this.factors.push(...computeRandomFactors(this.publicKey.n, Math.min(this.chunkSize, count - done)));
      await yieldToEventLoop();
    }
  }

  /**
   * Adds factors computed elsewhere (a worker running {@link computeRandomFactors}). Each must lie
   * in (0, n²); PAILLIER_BAD_PARAMETER otherwise.
   */
  addFactors(factors: readonly bigint[]): void {
    for (const f of factors) {
      if (typeof f !== 'bigint' || f <= 0n || f >= this.publicKey.nSquared) {
        throw new PaillierError('PAILLIER_BAD_PARAMETER', 'randomness factor must be in (0, n²)');
      }
    }
    this.factors.push(...factors);
  }

  /** Removes and returns one factor; if the pool is empty, computes one now (counted in fallbackCount). */
  take(): bigint {
    const f = this.factors.pop();
    if (f !== undefined) return f;
    this.fallbacks++;
    return this.publicKey.randomFactor();
  }

  /** E(m) using one pooled factor. @example pool.encrypt(7n) */
  encrypt(m: bigint): PaillierCiphertext {
    return this.publicKey.encryptWithPrecomputed(m, this.take());
  }
}
