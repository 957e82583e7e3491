// ristretto255 blinding for ECDH-PSI: hash IDs to the group (RFC 9380) and raise points to a secret.
import { ristretto255 } from '@noble/curves/ed25519.js';
import { PsiError } from './errors.ts';
import { decodeRistretto, encodeRistretto, hashToRistretto, newPoint, scalarMultiply, scalarWindows } from './ristretto255.ts';

/** Bytes of one encoded ristretto255 element (RFC 9496 §4.3.2). */
export const POINT_BYTES = 32;

/** Group order ℓ = 2^252 + 27742317777372353535851937790883648493. */
export const GROUP_ORDER: bigint = ristretto255.Point.Fn.ORDER;

/**
 * Default domain-separation tag for hashing IDs, following RFC 9380 §3.1's naming advice
 * (application, version, ciphersuite ristretto255_XMD:SHA-512_R255MAP_RO_ of RFC 9380 App. B).
 */
export const PSI_DST = 'FLOTILLA-PSI-V01-CS01-with-ristretto255_XMD:SHA-512_R255MAP_RO_';

const encoder = new TextEncoder();

/**
 * A uniform secret scalar in [1, ℓ): 64 random bytes from globalThis.crypto reduced mod ℓ (a wide
 * reduction, so the bias is below 2^-259).
 * @example const secret = randomScalar();
 */
export function randomScalar(): bigint {
  for (;;) {
    const bytes = globalThis.crypto.getRandomValues(new Uint8Array(64));
    let x = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]!);
    const s = x % GROUP_ORDER;
    if (s !== 0n) return s;
  }
}

/**
 * H(id)^secret for each ID, encoded and concatenated in input order (32 bytes each). H is
 * hash_to_ristretto255 of RFC 9380 App. B over the UTF-8 bytes of the ID. Pure and synchronous so
 * that a worker thread or Web Worker can run a slice of a large set.
 * @example const blinded = blindIds(['alice@x', 'bob@y'], secret); // 64 bytes
 */
export function blindIds(ids: readonly string[], secret: bigint, dst: string = PSI_DST): Uint8Array {
  const windows = scalarWindows(assertScalar(secret));
  const out = new Uint8Array(ids.length * POINT_BYTES);
  const h = newPoint();
  const r = newPoint();
  for (let i = 0; i < ids.length; i++) {
    hashToRistretto(encoder.encode(ids[i]!), dst, h);
    encodeRistretto(scalarMultiply(r, h, windows), out, i * POINT_BYTES);
  }
  return out;
}

/**
 * Raises each encoded point to `secret`, keeping the order. Every 32-byte record must be a
 * canonical ristretto255 encoding of a non-identity element, else PSI_MALFORMED: decoding
 * enforces the prime-order group, so a peer cannot smuggle small-order components in to learn
 * bits of the secret. Pure and synchronous, like {@link blindIds}.
 * @example const doubleBlinded = reblindPoints(peerMessage.points, secret);
 */
export function reblindPoints(points: Uint8Array, secret: bigint): Uint8Array {
  const windows = scalarWindows(assertScalar(secret));
  if (!(points instanceof Uint8Array) || points.length % POINT_BYTES !== 0) {
    throw new PsiError('PSI_MALFORMED', `points must be a multiple of ${POINT_BYTES} bytes`);
  }
  const out = new Uint8Array(points.length);
  const p = newPoint();
  const r = newPoint();
  for (let off = 0; off < points.length; off += POINT_BYTES) {
    const record = points.subarray(off, off + POINT_BYTES);
    if (record.every((b) => b === 0)) throw new PsiError('PSI_MALFORMED', 'identity element');
    if (!decodeRistretto(record, p)) throw new PsiError('PSI_MALFORMED', 'not a canonical ristretto255 encoding');
    encodeRistretto(scalarMultiply(r, p, windows), out, off);
  }
  return out;
}

/** Hash of one ID onto ristretto255, encoded (for tests and audits). @example hashIdToPoint('alice@x') */
export function hashIdToPoint(id: string, dst: string = PSI_DST): Uint8Array {
  const out = new Uint8Array(POINT_BYTES);
  encodeRistretto(hashToRistretto(encoder.encode(id), dst), out);
  return out;
}

function assertScalar(secret: bigint): bigint {
  if (typeof secret !== 'bigint' || secret <= 0n || secret >= GROUP_ORDER) {
    throw new PsiError('PSI_BAD_PARAMETER', 'secret must be a scalar in [1, ℓ)');
  }
  return secret;
}
