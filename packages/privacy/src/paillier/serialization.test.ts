// Round trips and rejection of malformed keys and ciphertexts on the wire.
import { beforeAll, describe, expect, it } from 'vitest';
import { generatePaillierKeyPair } from './keyGeneration.ts';
import type { PaillierKeyPair } from './keyGeneration.ts';
import {
  ciphertextFromBytes,
  ciphertextFromHex,
  ciphertextsFromBytes,
  ciphertextsToBytes,
  ciphertextToBytes,
  ciphertextToHex,
  deserializePrivateKey,
  deserializePublicKey,
  serializePrivateKey,
  serializePublicKey,
} from './serialization.ts';

let keys: PaillierKeyPair;

beforeAll(async () => {
  keys = await generatePaillierKeyPair({ bits: 1024 });
});

describe('Paillier serialisation', () => {
  it('round-trips keys through JSON', () => {
    const pub = deserializePublicKey(JSON.parse(JSON.stringify(serializePublicKey(keys.publicKey))));
    const priv = deserializePrivateKey(JSON.parse(JSON.stringify(serializePrivateKey(keys.privateKey))));
    expect(pub.equals(keys.publicKey)).toBe(true);
    expect(priv.decrypt(pub.encrypt(77n))).toBe(77n);
  });

  it('round-trips ciphertexts as fixed-width hex and bytes', () => {
    const { publicKey, privateKey } = keys;
    const c = publicKey.encrypt(5n);
    const hex = ciphertextToHex(c, publicKey);
    expect(hex).toHaveLength(2 * publicKey.ciphertextBytes);
    expect(ciphertextFromHex(hex, publicKey)).toBe(c);
    expect(ciphertextFromBytes(ciphertextToBytes(c, publicKey), publicKey)).toBe(c);
    const frame = ciphertextsToBytes([c, publicKey.encrypt(6n)], publicKey);
    expect(ciphertextsFromBytes(frame, publicKey).map((x) => privateKey.decrypt(x))).toEqual([5n, 6n]);
  });

  it('rejects malformed keys and ciphertexts with coded errors', () => {
    const { publicKey, privateKey } = keys;
    expect(() => deserializePublicKey({ kind: 'paillier-public-key', version: 1, n: 'xyz' })).toThrow(
      expect.objectContaining({ code: 'PAILLIER_BAD_ENCODING' }),
    );
    expect(() => deserializePublicKey({ kind: 'paillier-public-key', version: 1, n: 'ff' })).toThrow(
      expect.objectContaining({ code: 'PAILLIER_BAD_KEY' }),
    );
    expect(() => deserializePrivateKey({ kind: 'paillier-private-key', version: 1, p: 'b', q: 'b' })).toThrow(
      expect.objectContaining({ code: 'PAILLIER_BAD_KEY' }),
    );
    const zero = '0'.repeat(2 * publicKey.ciphertextBytes);
    expect(() => ciphertextFromHex(zero, publicKey)).toThrow(expect.objectContaining({ code: 'PAILLIER_BAD_CIPHERTEXT' }));
    const multipleOfP = ciphertextToHex(privateKey.p * 3n, publicKey);
    expect(() => ciphertextFromHex(multipleOfP, publicKey)).toThrow(expect.objectContaining({ code: 'PAILLIER_BAD_CIPHERTEXT' }));
    expect(() => ciphertextFromBytes(new Uint8Array(3), publicKey)).toThrow(expect.objectContaining({ code: 'PAILLIER_BAD_CIPHERTEXT' }));
    const tooBig = publicKey.nSquared.toString(16).padStart(2 * publicKey.ciphertextBytes, '0');
    expect(() => ciphertextFromHex(tooBig, publicKey)).toThrow(expect.objectContaining({ code: 'PAILLIER_BAD_CIPHERTEXT' }));
  });
});
