// PRG: expands a 32-byte seed into uint32 words with AES-256-CTR (WebCrypto, @noble fallback).
import { ctr } from '@noble/ciphers/aes.js';
import { PrivacyError } from '../PrivacyError.ts';
import { asBufferSource as buf, bytesToU32LE } from '../bytes.ts';
import { type CryptoBackendChoice, resolveAesBackend, subtleOrNull } from './backend.ts';

/** All-zero initial counter block; a seed is used for exactly one expansion. */
const ZERO_COUNTER = new Uint8Array(16);

/**
 * A shared read-only all-zero plaintext (both backends copy their input), grown on demand:
 * allocating 800 KB of zeros per expansion cost 40% of the PRG's time (bench/secagg.ts).
 */
let zeroPlaintext = new Uint8Array(0);
function zeros(length: number): Uint8Array {
  if (zeroPlaintext.length < length) zeroPlaintext = new Uint8Array(length);
  return zeroPlaintext.subarray(0, length);
}

/**
 * The keystream of AES-256-CTR keyed by `seed` (counter block 0, 64-bit counter), read as
 * little-endian uint32 words. Both backends give identical words, so a client using WebCrypto
 * and a server using @noble cancel the same masks. AES as a PRG: Bonawitz et al. 2017, §4.
 * @example const mask = await prgExpand(seed, 1000); // Uint32Array(1000), uniform over Z_2^32
 */
export async function prgExpand(
  seed: Uint8Array,
  words: number,
  backend: CryptoBackendChoice = 'auto',
): Promise<Uint32Array> {
  if (seed.length !== 32) throw new PrivacyError('SECAGG_BAD_KEY', 'PRG seed must be 32 bytes');
  if (!Number.isInteger(words) || words < 0) throw new RangeError('words must be a non-negative integer');
  const plaintext = zeros(words * 4);
  if (resolveAesBackend(backend) === 'noble') {
    return bytesToU32LE(ctr(seed, ZERO_COUNTER).encrypt(plaintext));
  }
  const subtle = subtleOrNull()!;
  const key = await subtle.importKey('raw', buf(seed), 'AES-CTR', false, ['encrypt']);
  const stream = await subtle.encrypt({ name: 'AES-CTR', counter: ZERO_COUNTER, length: 64 }, key, buf(plaintext));
  return bytesToU32LE(new Uint8Array(stream));
}

/**
 * Synchronous expansion (always @noble) for small public outputs such as the SecAgg+ graph.
 * @example const words = prgExpandSync(publicSeed, 64);
 */
export function prgExpandSync(seed: Uint8Array, words: number): Uint32Array {
  if (seed.length !== 32) throw new PrivacyError('SECAGG_BAD_KEY', 'PRG seed must be 32 bytes');
  return bytesToU32LE(ctr(seed, ZERO_COUNTER).encrypt(zeros(words * 4)));
}
