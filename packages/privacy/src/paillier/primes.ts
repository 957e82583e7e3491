// Probable-prime generation: small-prime sieve plus Miller–Rabin on CSPRNG candidates.
import { modPow, randomBelow, randomBits } from './bigintMath.ts';

const SMALL_PRIMES: readonly number[] = (() => {
  const limit = 2000;
  const sieve = new Uint8Array(limit + 1);
  const primes: number[] = [];
  for (let i = 2; i <= limit; i++) {
    if (sieve[i]) continue;
    primes.push(i);
    for (let j = i * i; j <= limit; j += i) sieve[j] = 1;
  }
  return primes;
})();

/**
 * Miller–Rabin rounds for a random `bits`-bit candidate. Handbook of Applied Cryptography
 * Table 4.4 gives error < 2^-80 with 3 rounds at 1024 bits and 5 at 512; we use about twice that
 * (error far below 2^-100, FIPS 186-5 App. B.3's target).
 */
export function millerRabinRounds(bits: number): number {
  if (bits >= 1024) return 8;
  if (bits >= 512) return 12;
  if (bits >= 256) return 20;
  return 40;
}

/**
 * Miller–Rabin probabilistic primality test with random bases (HAC Alg. 4.24).
 * @example isProbablePrime(2n ** 127n - 1n) // true
 */
export function isProbablePrime(n: bigint, rounds = millerRabinRounds(n.toString(2).length)): boolean {
  if (n < 2n) return false;
  for (const p of SMALL_PRIMES) {
    const bp = BigInt(p);
    if (n === bp) return true;
    if (n % bp === 0n) return false;
  }
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  witness: for (let i = 0; i < rounds; i++) {
    const a = randomBelow(n - 2n) + 1n; // a ∈ [2, n-2]
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let r = 1; r < s; r++) {
      x = (x * x) % n;
      if (x === n - 1n) continue witness;
      if (x === 1n) return false;
    }
    return false;
  }
  return true;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * A random probable prime of exactly `bits` bits whose two top bits are set (so a product of two
 * such primes has exactly 2·bits bits). Incremental search from a random odd start with sieving by
 * residues (HAC Note 4.51); yields to the event loop between batches so it can run in a page.
 * @example const p = await generatePrime(1024);
 */
export async function generatePrime(bits: number): Promise<bigint> {
  if (!Number.isInteger(bits) || bits < 16) throw new RangeError('prime size too small');
  const rounds = millerRabinRounds(bits);
  let tested = 0;
  for (;;) {
    const start = randomBits(bits) | (3n << BigInt(bits - 2)) | 1n;
    const residues = SMALL_PRIMES.map((p) => Number(start % BigInt(p)));
    // search a window of 2^14 odd numbers; a new random start afterwards keeps the top bits
    for (let step = 0; step < 1 << 14; step++) {
      const offset = 2 * step;
      let composite = false;
      for (let i = 0; i < SMALL_PRIMES.length; i++) {
        if ((residues[i]! + offset) % SMALL_PRIMES[i]! === 0) {
          composite = true;
          break;
        }
      }
      if (composite) continue;
      const candidate = start + BigInt(offset);
      if (candidate.toString(2).length !== bits) break;
      if (isProbablePrime(candidate, rounds)) return candidate;
      if (++tested % 4 === 0) await yieldToEventLoop();
    }
  }
}
