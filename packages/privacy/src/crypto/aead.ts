// AES-256-GCM authenticated encryption of share messages: WebCrypto, @noble/ciphers fallback.
import { gcm } from '@noble/ciphers/aes.js';
import { PrivacyError } from '../PrivacyError.ts';
import { asBufferSource as buf, concatBytes, randomBytes } from '../bytes.ts';
import { type CryptoBackendChoice, resolveAesBackend, subtleOrNull } from './backend.ts';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts with AES-256-GCM under a fresh random 96-bit nonce; returns nonce ‖ ciphertext ‖ tag.
 * Random nonces because SecAgg's c_uv = c_vu key encrypts in both directions.
 * @example const box = await aeadEncrypt(key, plaintext, aad);
 */
export async function aeadEncrypt(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
  backend: CryptoBackendChoice = 'auto',
): Promise<Uint8Array> {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  if (resolveAesBackend(backend) === 'noble') {
    return concatBytes(nonce, gcm(key, nonce, aad).encrypt(plaintext));
  }
  const subtle = subtleOrNull()!;
  const k = await subtle.importKey('raw', buf(key), 'AES-GCM', false, ['encrypt']);
  const sealed = await subtle.encrypt({ name: 'AES-GCM', iv: buf(nonce), additionalData: buf(aad) }, k, buf(plaintext));
  return concatBytes(nonce, new Uint8Array(sealed));
}

/**
 * Opens a box made by `aeadEncrypt`; a wrong key, AAD or a tampered byte → SECAGG_DECRYPT_FAILED.
 * @example const plaintext = await aeadDecrypt(key, box, aad);
 */
export async function aeadDecrypt(
  key: Uint8Array,
  box: Uint8Array,
  aad: Uint8Array = new Uint8Array(0),
  backend: CryptoBackendChoice = 'auto',
): Promise<Uint8Array> {
  checkKey(key);
  if (box.length < NONCE_BYTES + TAG_BYTES) {
    throw new PrivacyError('SECAGG_DECRYPT_FAILED', 'ciphertext shorter than nonce and tag');
  }
  const nonce = box.subarray(0, NONCE_BYTES);
  const sealed = box.subarray(NONCE_BYTES);
  try {
    if (resolveAesBackend(backend) === 'noble') return gcm(key, nonce, aad).decrypt(sealed);
    const subtle = subtleOrNull()!;
    const k = await subtle.importKey('raw', buf(key), 'AES-GCM', false, ['decrypt']);
    const params = { name: 'AES-GCM', iv: buf(nonce), additionalData: buf(aad) };
    return new Uint8Array(await subtle.decrypt(params, k, buf(sealed)));
  } catch {
    throw new PrivacyError('SECAGG_DECRYPT_FAILED', 'authentication failed');
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== 32) throw new PrivacyError('SECAGG_BAD_KEY', 'AES-256-GCM key must be 32 bytes');
}
