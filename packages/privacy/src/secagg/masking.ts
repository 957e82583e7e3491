// SecAgg building blocks shared by client and server: key derivation, share boxes, mask arithmetic.
import type { WordSum } from '@flotilla/core';
import { PrivacyError } from '../PrivacyError.ts';
import { concatBytes, u32be, utf8 } from '../bytes.ts';
import type { CryptoBackendChoice } from '../crypto/backend.ts';
import { hkdfSha256 } from '../crypto/hkdf.ts';
import { prgExpand } from '../crypto/prg.ts';
import { FIELD_BYTES } from '../shamir/field.ts';

const SHARE_KEY_LABEL = 'flotilla/secagg/v1/share-key';
const MASK_SEED_LABEL = 'flotilla/secagg/v1/pairwise-mask';
const SHARE_AAD_LABEL = utf8('flotilla/secagg/v1/share');

/** Plaintext of a share box: from (4) ‖ to (4) ‖ s^SK share (33) ‖ b share (33). */
export const SHARE_PLAINTEXT_BYTES = 8 + 2 * FIELD_BYTES;
/** Box = nonce (12) ‖ ciphertext ‖ tag (16). */
export const SHARE_BOX_BYTES = 12 + SHARE_PLAINTEXT_BYTES + 16;

/** AES-256-GCM key c_uv for share boxes, from the X25519 secret of the encryption keys. */
export function deriveShareKey(sharedSecret: Uint8Array, sessionId: Uint8Array): Uint8Array {
  return hkdfSha256(sharedSecret, SHARE_KEY_LABEL, sessionId);
}

/** PRG seed of the pairwise mask s_uv, from the X25519 secret of the masking keys. */
export function deriveMaskSeed(sharedSecret: Uint8Array, sessionId: Uint8Array): Uint8Array {
  return hkdfSha256(sharedSecret, MASK_SEED_LABEL, sessionId);
}

/** AAD binding a box to the round and to its direction (one key serves u→v and v→u). */
export function shareAad(sessionId: Uint8Array, from: number, to: number): Uint8Array {
  return concatBytes(SHARE_AAD_LABEL, sessionId, u32be(from), u32be(to));
}

export function encodeSharePlaintext(from: number, to: number, keyShare: Uint8Array, seedShare: Uint8Array): Uint8Array {
  return concatBytes(u32be(from), u32be(to), keyShare, seedShare);
}

/** Parses a decrypted box and checks it names the expected sender and recipient (Bonawitz Fig. 4). */
export function decodeSharePlaintext(
  plaintext: Uint8Array,
  from: number,
  to: number,
): { keyShare: Uint8Array; seedShare: Uint8Array } {
  if (plaintext.length !== SHARE_PLAINTEXT_BYTES) throw new PrivacyError('SECAGG_BAD_SHARE', 'share box has the wrong size');
  const view = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  if (view.getUint32(0, false) !== from || view.getUint32(4, false) !== to) {
    throw new PrivacyError('SECAGG_BAD_SHARE', `share box ${from}→${to} names other parties`);
  }
  return {
    keyShare: plaintext.slice(8, 8 + FIELD_BYTES),
    seedShare: plaintext.slice(8 + FIELD_BYTES),
  };
}

/** One PRG expansion to add (+1) or subtract (−1) into an accumulator. */
export interface MaskTerm {
  readonly seed: Uint8Array;
  readonly sign: 1 | -1;
}

/**
 * acc ← acc + Σ sign·PRG(seed) mod 2^32. Expansions run a few at a time: WebCrypto works on
 * libuv's thread pool in Node, and bounding the batch bounds memory at 4 vectors. `acc` is a plain
 * Uint32Array (a client's own input) or the server's WordSum (the SIMD kernel where it runs).
 */
export async function applyMasks(
  acc: Uint32Array | WordSum,
  terms: readonly MaskTerm[],
  backend: CryptoBackendChoice | undefined,
  concurrency = 4,
): Promise<void> {
  const target: Pick<WordSum, 'add' | 'subtract'> = acc instanceof Uint32Array
    ? { add: (x) => addInto(acc, x), subtract: (x) => subtractInto(acc, x) }
    : acc;
  for (let i = 0; i < terms.length; i += concurrency) {
    const batch = terms.slice(i, i + concurrency);
    const masks = await Promise.all(batch.map((t) => prgExpand(t.seed, acc.length, backend)));
    batch.forEach((t, j) => (t.sign === 1 ? target.add(masks[j]!) : target.subtract(masks[j]!)));
  }
}

/** acc ← acc + x mod 2^32 (Uint32Array stores wrap by ToUint32). */
export function addInto(acc: Uint32Array, x: Uint32Array): void {
  if (acc.length !== x.length) throw new RangeError('length mismatch');
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + x[i]!;
}

/** acc ← acc − x mod 2^32. */
export function subtractInto(acc: Uint32Array, x: Uint32Array): void {
  if (acc.length !== x.length) throw new RangeError('length mismatch');
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! - x[i]!;
}

/** Sorted, de-duplicated positive integer ids, or SECAGG_BAD_MESSAGE. */
export function checkIdList(ids: readonly number[], what: string): number[] {
  const sorted = [...ids].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    const id = sorted[i]!;
    if (!isClientId(id)) throw new PrivacyError('SECAGG_BAD_MESSAGE', `${what}: ${id} is not a client id`);
    if (i > 0 && sorted[i - 1] === id) throw new PrivacyError('SECAGG_BAD_MESSAGE', `${what}: duplicate id ${id}`);
  }
  return sorted;
}

/** Client ids double as Shamir x-coordinates: integers in [1, 2^31). */
export function isClientId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id >= 1 && id < 2 ** 31;
}

export function tooFew(stage: string, have: number, threshold: number, extra: Record<string, unknown> = {}): PrivacyError {
  return new PrivacyError('SECAGG_TOO_FEW_SURVIVORS', `${stage}: ${have} clients left, threshold ${threshold}`, {
    stage,
    have,
    threshold,
    ...extra,
  });
}
