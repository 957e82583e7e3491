// Correctness of Paillier encryption, CRT decryption, the homomorphism, pools and validation.
import { beforeAll, describe, expect, it } from 'vitest';
import { generatePaillierKeyPair } from './keyGeneration.ts';
import type { PaillierKeyPair } from './keyGeneration.ts';
import { PaillierRandomnessPool, computeRandomFactors } from './PaillierRandomnessPool.ts';
import { PaillierError } from './errors.ts';
import { decodePaillierFixedPoint, encodePaillierFixedPoint, decodePaillierInteger, encodePaillierInteger } from './fixedPoint.ts';
import { randomBelow } from './bigintMath.ts';

let keys: PaillierKeyPair;

beforeAll(async () => {
  keys = await generatePaillierKeyPair({ bits: 1024 });
});

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PaillierError);
    expect((e as PaillierError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('Paillier key generation', () => {
  it('produces a modulus of exactly the requested size with g = n + 1', () => {
    expect(keys.publicKey.bits).toBe(1024);
    expect(keys.privateKey.p * keys.privateKey.q).toBe(keys.publicKey.n);
    expect(keys.publicKey.g).toBe(keys.publicKey.n + 1n);
  });

  it('refuses keys below 1024 bits unless explicitly insecure, for tests', async () => {
    await expect(generatePaillierKeyPair({ bits: 512 })).rejects.toMatchObject({ code: 'PAILLIER_BAD_PARAMETER' });
    const small = await generatePaillierKeyPair({ bits: 512, insecureForTesting: true });
    expect(small.publicKey.bits).toBe(512);
  });
});

describe('Paillier encryption and decryption', () => {
  it('decrypts what it encrypts, including 0 and n − 1', () => {
    const { publicKey, privateKey } = keys;
    for (const m of [0n, 1n, 42n, publicKey.n - 1n, randomBelow(publicKey.n)]) {
      expect(privateKey.decrypt(publicKey.encrypt(m))).toBe(m);
    }
  });

  it('is probabilistic: two encryptions of one message differ', () => {
    expect(keys.publicKey.encrypt(7n)).not.toBe(keys.publicKey.encrypt(7n));
  });

  it('CRT decryption equals textbook decryption L(c^λ)·μ', () => {
    const { publicKey, privateKey } = keys;
    for (let i = 0; i < 5; i++) {
      const c = publicKey.encrypt(randomBelow(publicKey.n));
      expect(privateKey.decrypt(c)).toBe(privateKey.decryptTextbook(c));
    }
  });

  it('rejects plaintexts outside [0, n)', () => {
    expectCode(() => keys.publicKey.encrypt(-1n), 'PAILLIER_BAD_PLAINTEXT');
    expectCode(() => keys.publicKey.encrypt(keys.publicKey.n), 'PAILLIER_BAD_PLAINTEXT');
  });
});

describe('Paillier homomorphism', () => {
  it('adds ciphertexts, and sums many', () => {
    const { publicKey, privateKey } = keys;
    expect(privateKey.decrypt(publicKey.add(publicKey.encrypt(20n), publicKey.encrypt(22n)))).toBe(42n);
    const c = publicKey.sum([1n, 2n, 3n, 4n].map((m) => publicKey.encrypt(m)));
    expect(privateKey.decrypt(c)).toBe(10n);
  });

  it('wraps modulo n on overflow', () => {
    const { publicKey, privateKey } = keys;
    const c = publicKey.add(publicKey.encrypt(publicKey.n - 1n), publicKey.encrypt(3n));
    expect(privateKey.decrypt(c)).toBe(2n);
  });

  it('adds plaintexts, negative ones included', () => {
    const { publicKey, privateKey } = keys;
    const c = publicKey.encrypt(10n);
    expect(privateKey.decrypt(publicKey.addPlaintext(c, 5n))).toBe(15n);
    expect(privateKey.decrypt(publicKey.addPlaintext(c, -12n))).toBe(publicKey.n - 2n);
  });

  it('multiplies by positive, zero and negative scalars', () => {
    const { publicKey, privateKey } = keys;
    const c = publicKey.encrypt(7n);
    expect(privateKey.decrypt(publicKey.multiplyScalar(c, 6n))).toBe(42n);
    expect(privateKey.decrypt(publicKey.multiplyScalar(c, 0n))).toBe(0n);
    expect(decodePaillierInteger(privateKey.decrypt(publicKey.multiplyScalar(c, -3n)), publicKey.n)).toBe(-21n);
    expect(decodePaillierInteger(privateKey.decrypt(publicKey.negate(c)), publicKey.n)).toBe(-7n);
  });

  it('re-randomises without changing the plaintext', () => {
    const { publicKey, privateKey } = keys;
    const c = publicKey.encrypt(9n);
    const d = publicKey.rerandomize(c);
    expect(d).not.toBe(c);
    expect(privateKey.decrypt(d)).toBe(9n);
  });
});

describe('Paillier fixed point', () => {
  it('round-trips signed floats through encryption and sums them', () => {
    const { publicKey, privateKey } = keys;
    const n = publicKey.n;
    const xs = [1.5, -2.25, 0.1, -1e-6, 12345.678];
    const c = publicKey.sum(xs.map((x) => publicKey.encrypt(encodePaillierFixedPoint(x, n))));
    const sum = xs.reduce((a, b) => a + b, 0);
    expect(decodePaillierFixedPoint(privateKey.decrypt(c), n)).toBeCloseTo(sum, 8);
    expect(decodePaillierFixedPoint(privateKey.decrypt(publicKey.encrypt(encodePaillierFixedPoint(-0.5, n))), n)).toBe(-0.5);
  });

  it('multiplies by an encoded scalar at doubled scale', () => {
    const { publicKey, privateKey } = keys;
    const n = publicKey.n;
    const c = publicKey.multiplyScalar(publicKey.encrypt(encodePaillierFixedPoint(1.5, n)), decodePaillierInteger(encodePaillierFixedPoint(-0.25, n), n));
    expect(decodePaillierFixedPoint(privateKey.decrypt(c), n, 32, 2)).toBe(-0.375);
  });

  it('rejects non-finite values and integers beyond n/2', () => {
    expectCode(() => encodePaillierFixedPoint(Number.NaN, keys.publicKey.n), 'PAILLIER_BAD_PLAINTEXT');
    expectCode(() => encodePaillierInteger(keys.publicKey.n, keys.publicKey.n), 'PAILLIER_BAD_PLAINTEXT');
  });
});

describe('Paillier randomness pool', () => {
  it('encrypts with precomputed factors that decrypt correctly, one factor per encryption', async () => {
    const { publicKey, privateKey } = keys;
    const pool = new PaillierRandomnessPool(publicKey, { chunkSize: 2 });
    await pool.fillPool(5);
    expect(pool.size).toBe(5);
    const cs = [3n, 4n, 5n].map((m) => pool.encrypt(m));
    expect(pool.size).toBe(2);
    expect(cs.map((c) => privateKey.decrypt(c))).toEqual([3n, 4n, 5n]);
    expect(new Set(cs).size).toBe(3);
  });

  it('accepts factors computed by a worker and falls back when empty', () => {
    const { publicKey, privateKey } = keys;
    const pool = new PaillierRandomnessPool(publicKey);
    pool.addFactors(computeRandomFactors(publicKey.n, 2));
    expect(privateKey.decrypt(publicKey.encryptWithPrecomputed(11n, pool.take()))).toBe(11n);
    pool.take();
    expect(privateKey.decrypt(pool.encrypt(12n))).toBe(12n);
    expect(pool.fallbackCount).toBe(1);
    expect(() => pool.addFactors([0n])).toThrow(PaillierError);
  });
});

describe('Paillier ciphertext validation', () => {
  it('rejects 0, negatives, n² and beyond, and elements sharing a factor with n', () => {
    const { publicKey, privateKey } = keys;
    const bad = [0n, -5n, publicKey.nSquared, publicKey.nSquared + 1n, privateKey.p, privateKey.q * 12345n, publicKey.n];
    for (const c of bad) {
      expect(publicKey.isValidCiphertext(c)).toBe(false);
      expectCode(() => privateKey.decrypt(c), 'PAILLIER_BAD_CIPHERTEXT');
    }
  });

  it('rejects out-of-range operands of homomorphic operations', () => {
    const { publicKey } = keys;
    const good = publicKey.encrypt(1n);
    expectCode(() => publicKey.add(good, 0n), 'PAILLIER_BAD_CIPHERTEXT');
    expectCode(() => publicKey.addPlaintext(publicKey.nSquared, 1n), 'PAILLIER_BAD_CIPHERTEXT');
    expectCode(() => publicKey.multiplyScalar(-1n, 2n), 'PAILLIER_BAD_CIPHERTEXT');
  });
});
