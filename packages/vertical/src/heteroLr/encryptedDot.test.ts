import { beforeAll, describe, expect, it } from 'vitest';
import { generatePaillierKeyPair } from '@flotilla/privacy';
import type { PaillierKeyPair } from '@flotilla/privacy';
import { encryptedDot } from './encryptedDot.ts';

describe('encryptedDot', () => {
  let keys: PaillierKeyPair;
  const signed = (m: bigint): bigint => (m > keys.publicKey.n / 2n ? m - keys.publicKey.n : m);
  beforeAll(async () => {
    keys = await generatePaillierKeyPair({ bits: 1024 });
  });

  it.each([
    ['64 rows of 17-bit signed weights (buckets)', 64, 2 ** 17],
    ['3 rows (one power each)', 3, 2 ** 17],
    ['weights beyond 2^52 (one power each)', 12, 2 ** 60],
    ['40 rows of 1-bit weights', 40, 2],
  ])('decrypts to Σ k_i·m_i for %s', (_, rows, range) => {
    const { publicKey, privateKey } = keys;
    const messages = Array.from({ length: rows }, () => BigInt(Math.floor((Math.random() - 0.5) * 2 ** 30)));
    const ciphertexts = messages.map((m) => publicKey.encrypt(m < 0n ? publicKey.n + m : m));
    const weights = Array.from({ length: rows }, (_, i) => (i % 7 === 3 ? 0n : BigInt(Math.floor((Math.random() - 0.5) * range))));
    const expected = messages.reduce((s, m, i) => s + m * weights[i]!, 0n);
    expect(signed(privateKey.decrypt(encryptedDot(publicKey, ciphertexts, weights)!))).toBe(expected);
  });

  it('gives undefined when every weight is zero, and refuses a value outside (0, n²)', () => {
    const { publicKey } = keys;
    const c = publicKey.encrypt(5n);
    expect(encryptedDot(publicKey, [c, c], [0n, 0n])).toBeUndefined();
    expect(() => encryptedDot(publicKey, [c, publicKey.nSquared], [1n, 1n])).toThrow(/ciphertext must be in/);
  });
});
