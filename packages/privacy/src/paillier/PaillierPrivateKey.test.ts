// Cross-checks our ciphertexts and keys against the independent paillier-bigint implementation.
import * as paillierBigint from 'paillier-bigint';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomBelow } from './bigintMath.ts';
import { generatePaillierKeyPair } from './keyGeneration.ts';
import type { PaillierKeyPair } from './keyGeneration.ts';
import { PaillierRandomnessPool } from './PaillierRandomnessPool.ts';

let keys: PaillierKeyPair;
let oracle: paillierBigint.PrivateKey;

beforeAll(async () => {
  keys = await generatePaillierKeyPair({ bits: 1024 });
  const { p, q } = keys.privateKey;
  const n = p * q;
  const lambda = (p - 1n) * (q - 1n);
  // simple variant (g = n + 1): μ = φ(n)^{-1} mod n, exactly as paillier-bigint computes it
  const oraclePublic = new paillierBigint.PublicKey(n, n + 1n);
  oracle = new paillierBigint.PrivateKey(lambda, modInverse(lambda, n), oraclePublic, p, q);
});

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const t = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - t * r1, s1, s0 - t * s1];
  }
  return ((s0 % m) + m) % m;
}

describe('Paillier against the paillier-bigint oracle', () => {
  it('paillier-bigint decrypts our fresh, pooled and homomorphically combined ciphertexts', async () => {
    const { publicKey } = keys;
    const pool = new PaillierRandomnessPool(publicKey);
    await pool.fillPool(2);
    const a = randomBelow(publicKey.n);
    const b = randomBelow(publicKey.n);
    expect(oracle.decrypt(publicKey.encrypt(a))).toBe(a);
    expect(oracle.decrypt(pool.encrypt(b))).toBe(b);
    const combined = publicKey.multiplyScalar(publicKey.add(pool.encrypt(a), publicKey.encrypt(b)), -5n);
    expect(oracle.decrypt(combined)).toBe((((-5n * (a + b)) % publicKey.n) + publicKey.n) % publicKey.n);
  });

  it('we decrypt paillier-bigint ciphertexts made with the same public key', () => {
    const m = randomBelow(keys.publicKey.n);
    expect(keys.privateKey.decrypt(oracle.publicKey.encrypt(m))).toBe(m);
  });
});
