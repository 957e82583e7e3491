// Miller–Rabin classification and prime generation sizes.
import { describe, expect, it } from 'vitest';
import { generatePrime, isProbablePrime } from './primes.ts';
import { modPow } from './bigintMath.ts';

describe('primes', () => {
  it('classifies known primes, composites and Carmichael numbers', () => {
    expect(isProbablePrime(2n ** 127n - 1n)).toBe(true);
    expect(isProbablePrime(2n ** 521n - 1n)).toBe(true);
    expect(isProbablePrime(561n)).toBe(false); // Carmichael
    expect(isProbablePrime(3215031751n)).toBe(false); // strong pseudoprime to bases 2, 3, 5, 7
    expect(isProbablePrime((2n ** 127n - 1n) * (2n ** 89n - 1n))).toBe(false);
  });

  it('generates primes of exactly the requested size with the top two bits set', async () => {
    const p = await generatePrime(256);
    expect(p.toString(2)).toMatch(/^11[01]{254}$/);
    expect(isProbablePrime(p)).toBe(true);
  });

  it('computes modular powers like square-and-multiply', () => {
    const m = 2n ** 255n - 19n;
    const b = 123456789n;
    const e = 2n ** 200n + 12345n;
    let acc = 1n;
    for (const bit of e.toString(2)) acc = (acc * acc * (bit === '1' ? b : 1n)) % m;
    expect(modPow(b, e, m)).toBe(acc);
    expect(modPow(4n, 13n, 497n)).toBe(445n);
  });
});
