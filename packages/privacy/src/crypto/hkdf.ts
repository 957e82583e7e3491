// HKDF-SHA256 (RFC 5869) key derivation, synchronous via @noble/hashes.
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../bytes.ts';

/**
 * Derives `length` bytes from input keying material with HKDF-SHA256. The `info` label
 * separates uses of one Diffie–Hellman secret (encryption key vs. mask seed).
 * @example const key = hkdfSha256(sharedSecret, 'flotilla/secagg/v1/enc', sessionId);
 */
export function hkdfSha256(
  ikm: Uint8Array,
  info: string | Uint8Array,
  salt: Uint8Array = new Uint8Array(0),
  length = 32,
): Uint8Array {
  return hkdf(sha256, ikm, salt, typeof info === 'string' ? utf8(info) : info, length);
}
