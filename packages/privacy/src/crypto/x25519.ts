// X25519 key pairs and Diffie–Hellman agreement: WebCrypto when present, @noble/curves otherwise.
import { x25519 } from '@noble/curves/ed25519.js';
import { PrivacyError } from '../PrivacyError.ts';
import { asBufferSource as buf, concatBytes, randomBytes } from '../bytes.ts';
import { type CryptoBackendChoice, resolveX25519Backend, subtleOrNull } from './backend.ts';

/** RFC 8410 PKCS#8 prefix of a raw 32-byte X25519 private key. */
const PKCS8_X25519_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

/**
 * An X25519 key pair as raw bytes (RFC 7748). `secretKey` is the unclamped 32-byte scalar both
 * backends accept, so a secret reconstructed from Shamir shares works anywhere.
 */
export interface X25519KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  /** Cached non-extractable WebCrypto handle of `secretKey`, when WebCrypto is used. */
  readonly handle?: CryptoKey;
}

/**
 * Generates a fresh key pair.
 * @example const alice = await generateX25519KeyPair(); alice.publicKey.length === 32;
 */
export async function generateX25519KeyPair(backend: CryptoBackendChoice = 'auto'): Promise<X25519KeyPair> {
  if ((await resolveX25519Backend(backend)) === 'noble') return importX25519SecretKey(randomBytes(32), 'noble');
  const subtle = subtleOrNull()!;
  const pair = (await subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  const [pub, pkcs8] = await Promise.all([
    subtle.exportKey('raw', pair.publicKey),
    subtle.exportKey('pkcs8', pair.privateKey),
  ]);
  // The secret is exported because SecAgg Shamir-shares it (Bonawitz et al. 2017, round 1).
  return {
    publicKey: new Uint8Array(pub),
    secretKey: new Uint8Array(pkcs8).slice(PKCS8_X25519_PREFIX.length),
    handle: pair.privateKey,
  };
}

/**
 * Rebuilds a key pair from a raw secret key (e.g. one the server reconstructed from shares).
 * @example const pair = await importX25519SecretKey(secret); pair.publicKey; // 32 bytes
 */
export async function importX25519SecretKey(
  secretKey: Uint8Array,
  backend: CryptoBackendChoice = 'auto',
): Promise<X25519KeyPair> {
  if (secretKey.length !== 32) throw new PrivacyError('SECAGG_BAD_KEY', 'X25519 secret key must be 32 bytes');
  if ((await resolveX25519Backend(backend)) === 'noble') {
    return { publicKey: x25519.getPublicKey(secretKey), secretKey: secretKey.slice() };
  }
  const subtle = subtleOrNull()!;
  const pkcs8 = concatBytes(PKCS8_X25519_PREFIX, secretKey);
  // Imported extractable once to read the public half from the JWK, then kept as a handle.
  const extractable = await subtle.importKey('pkcs8', buf(pkcs8), { name: 'X25519' }, true, ['deriveBits']);
  const jwk = await subtle.exportKey('jwk', extractable);
  if (!jwk.x) throw new PrivacyError('CRYPTO_UNAVAILABLE', 'WebCrypto did not export the X25519 public key');
  return { publicKey: base64UrlToBytes(jwk.x), secretKey: secretKey.slice(), handle: extractable };
}

/**
 * The 32-byte X25519 shared secret of `own` and a peer's public key. Low-order peer keys (an
 * all-zero result) are rejected by both backends and reported as SECAGG_BAD_KEY.
 * @example const k = await x25519SharedSecret(alice, bob.publicKey); // equals the reverse direction
 */
export async function x25519SharedSecret(
  own: X25519KeyPair,
  peerPublicKey: Uint8Array,
  backend: CryptoBackendChoice = 'auto',
): Promise<Uint8Array> {
  if (peerPublicKey.length !== 32) throw new PrivacyError('SECAGG_BAD_KEY', 'X25519 public key must be 32 bytes');
  try {
    if ((await resolveX25519Backend(backend)) === 'noble') {
      return x25519.getSharedSecret(own.secretKey, peerPublicKey);
    }
    const subtle = subtleOrNull()!;
    const priv = own.handle ?? (await subtle.importKey('pkcs8', buf(concatBytes(PKCS8_X25519_PREFIX, own.secretKey)),
      { name: 'X25519' }, false, ['deriveBits']));
    const pub = await subtle.importKey('raw', buf(peerPublicKey), { name: 'X25519' }, true, []);
    return new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: pub } as EcdhKeyDeriveParams, priv, 256));
  } catch (e) {
    throw new PrivacyError('SECAGG_BAD_KEY', `X25519 agreement failed: ${(e as Error).message}`);
  }
}

function base64UrlToBytes(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
