// Content hash of a dataset's source bytes: how the dataset registry names what a user registered.

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * SHA-256 of the source, lowercase hex; a string is hashed as its UTF-8 bytes, so a CSV's hash
 * equals the hash of the file it was read from (a BOM included).
 * @example contentHash('abc') // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 */
export function contentHash(source: Uint8Array | string): string {
  return bytesToHex(sha256(typeof source === 'string' ? utf8ToBytes(source) : source));
}
