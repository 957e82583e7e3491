// Tests of the crypto helpers: RFC 7748 / RFC 5869 vectors and WebCrypto ↔ @noble interoperability.
import { describe, expect, it } from 'vitest';
import { PrivacyError } from '../PrivacyError.ts';
import { randomBytes } from '../bytes.ts';
import { aeadDecrypt, aeadEncrypt } from './aead.ts';
import { type CryptoBackend, webCryptoHasX25519 } from './backend.ts';
import { hkdfSha256 } from './hkdf.ts';
import { prgExpand, prgExpandSync } from './prg.ts';
import { generateX25519KeyPair, importX25519SecretKey, x25519SharedSecret } from './x25519.ts';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const BACKENDS: CryptoBackend[] = ['webcrypto', 'noble'];

describe('X25519', () => {
  it('Node 20 offers X25519 through WebCrypto', async () => {
    expect(await webCryptoHasX25519()).toBe(true);
  });

  it.each(BACKENDS)('reproduces the RFC 7748 §6.1 test vector with %s', async (backend) => {
    const alice = await importX25519SecretKey(hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'), backend);
    const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');

    const shared = await x25519SharedSecret(alice, bobPublic, backend);

    expect(toHex(alice.publicKey)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(toHex(shared)).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  });

  it('agrees across backends: a WebCrypto client and a @noble server derive the same secret', async () => {
    const a = await generateX25519KeyPair('webcrypto');
    const b = await generateX25519KeyPair('noble');

    const ab = await x25519SharedSecret(a, b.publicKey, 'webcrypto');
    const ba = await x25519SharedSecret(b, a.publicKey, 'noble');
    const rebuilt = await importX25519SecretKey(a.secretKey, 'noble');

    expect(toHex(ab)).toBe(toHex(ba));
    expect(toHex(rebuilt.publicKey)).toBe(toHex(a.publicKey));
  });

  it.each(BACKENDS)('rejects a low-order public key with SECAGG_BAD_KEY (%s)', async (backend) => {
    const a = await generateX25519KeyPair(backend);

    await expect(x25519SharedSecret(a, new Uint8Array(32), backend)).rejects.toMatchObject({ code: 'SECAGG_BAD_KEY' });
  });
});

describe('HKDF-SHA256', () => {
  it('reproduces RFC 5869 test case 1', () => {
    const okm = hkdfSha256(
      hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
      hex('f0f1f2f3f4f5f6f7f8f9'),
      hex('000102030405060708090a0b0c'),
      42,
    );

    expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });
});

describe('AES-256-GCM share boxes', () => {
  it('opens across backends and rejects a flipped bit, a wrong AAD or a wrong key', async () => {
    const key = randomBytes(32);
    const aad = new Uint8Array([1, 2, 3]);
    const plaintext = randomBytes(74);

    const box = await aeadEncrypt(key, plaintext, aad, 'webcrypto');
    const tampered = box.slice();
    tampered[20]! ^= 1;

    expect(await aeadDecrypt(key, box, aad, 'noble')).toEqual(plaintext);
    expect(await aeadDecrypt(key, await aeadEncrypt(key, plaintext, aad, 'noble'), aad, 'webcrypto')).toEqual(plaintext);
    for (const backend of BACKENDS) {
      await expect(aeadDecrypt(key, tampered, aad, backend)).rejects.toMatchObject({ code: 'SECAGG_DECRYPT_FAILED' });
      await expect(aeadDecrypt(key, box, new Uint8Array([9]), backend)).rejects.toBeInstanceOf(PrivacyError);
      await expect(aeadDecrypt(randomBytes(32), box, aad, backend)).rejects.toMatchObject({ code: 'SECAGG_DECRYPT_FAILED' });
    }
  });

  it('uses a fresh nonce per box, so equal plaintexts give different boxes', async () => {
    const key = randomBytes(32);
    const plaintext = randomBytes(10);

    const [a, b] = [await aeadEncrypt(key, plaintext), await aeadEncrypt(key, plaintext)];

    expect(toHex(a)).not.toBe(toHex(b));
  });
});

describe('AES-CTR PRG', () => {
  it('expands a seed into the same words with WebCrypto, @noble and the synchronous path', async () => {
    const seed = randomBytes(32);

    const web = await prgExpand(seed, 10_001, 'webcrypto');
    const noble = await prgExpand(seed, 10_001, 'noble');

    expect(web).toEqual(noble);
    expect(prgExpandSync(seed, 10_001)).toEqual(web);
    expect((await prgExpand(seed, 100)).subarray(0, 100)).toEqual(web.subarray(0, 100));
  });

  it('gives unrelated streams for different seeds', async () => {
    const a = await prgExpand(randomBytes(32), 4096);
    const b = await prgExpand(randomBytes(32), 4096);

    const equalWords = a.filter((w, i) => w === b[i]).length;

    expect(equalWords).toBeLessThan(3);
  });
});
