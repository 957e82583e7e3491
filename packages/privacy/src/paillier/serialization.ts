// Hex / byte serialisation of Paillier keys and ciphertexts, validating everything it reads.
import { bigIntToBytes, bytesToBigInt } from './bigintMath.ts';
import { PaillierError } from './errors.ts';
import { PaillierPrivateKey } from './PaillierPrivateKey.ts';
import type { PaillierCiphertext } from './PaillierPublicKey.ts';
import { PaillierPublicKey } from './PaillierPublicKey.ts';
import { isProbablePrime } from './primes.ts';

/** JSON form of a public key: n as lowercase hex without prefix. */
export interface SerializedPaillierPublicKey {
  kind: 'paillier-public-key';
  version: 1;
  n: string;
}

/** JSON form of a private key: the primes as hex (n is implied). Keep it secret. */
export interface SerializedPaillierPrivateKey {
  kind: 'paillier-private-key';
  version: 1;
  p: string;
  q: string;
}

const HEX = /^[0-9a-f]+$/i;
const MIN_MODULUS_BITS = 512;

function parseHex(hex: unknown, what: string): bigint {
  if (typeof hex !== 'string' || !HEX.test(hex)) throw new PaillierError('PAILLIER_BAD_ENCODING', `${what} must be a hex string`);
  return BigInt('0x' + hex);
}

/** @example JSON.stringify(serializePublicKey(publicKey)) */
export function serializePublicKey(key: PaillierPublicKey): SerializedPaillierPublicKey {
  return { kind: 'paillier-public-key', version: 1, n: key.n.toString(16) };
}

/** Reads a public key; PAILLIER_BAD_ENCODING / PAILLIER_BAD_KEY on malformed input. @example deserializePublicKey(JSON.parse(text)) */
export function deserializePublicKey(data: unknown): PaillierPublicKey {
  const d = data as Partial<SerializedPaillierPublicKey> | null;
  if (typeof d !== 'object' || d === null || d.kind !== 'paillier-public-key' || d.version !== 1) {
    throw new PaillierError('PAILLIER_BAD_ENCODING', 'not a serialised Paillier public key');
  }
  const n = parseHex(d.n, 'n');
  if (n.toString(2).length < MIN_MODULUS_BITS) throw new PaillierError('PAILLIER_BAD_KEY', `n must have at least ${MIN_MODULUS_BITS} bits`);
  return new PaillierPublicKey(n);
}

/** @example storeSecret(JSON.stringify(serializePrivateKey(privateKey))) */
export function serializePrivateKey(key: PaillierPrivateKey): SerializedPaillierPrivateKey {
  return { kind: 'paillier-private-key', version: 1, p: key.p.toString(16), q: key.q.toString(16) };
}

/**
 * Reads a private key, checking that p and q are probable primes of at least 256 bits and
 * recomputing the CRT constants. @example deserializePrivateKey(JSON.parse(text))
 */
export function deserializePrivateKey(data: unknown): PaillierPrivateKey {
  const d = data as Partial<SerializedPaillierPrivateKey> | null;
  if (typeof d !== 'object' || d === null || d.kind !== 'paillier-private-key' || d.version !== 1) {
    throw new PaillierError('PAILLIER_BAD_ENCODING', 'not a serialised Paillier private key');
  }
  const p = parseHex(d.p, 'p');
  const q = parseHex(d.q, 'q');
  for (const f of [p, q]) {
    if (f.toString(2).length < MIN_MODULUS_BITS / 2 || !isProbablePrime(f)) {
      throw new PaillierError('PAILLIER_BAD_KEY', `p and q must be primes of at least ${MIN_MODULUS_BITS / 2} bits`);
    }
  }
  return new PaillierPrivateKey(p, q);
}

/** Fixed-width big-endian bytes (key.ciphertextBytes long). @example ciphertextToBytes(c, publicKey) */
export function ciphertextToBytes(c: PaillierCiphertext, key: PaillierPublicKey): Uint8Array {
  key.assertInRange(c);
  return bigIntToBytes(c, key.ciphertextBytes);
}

/**
 * Reads and fully validates a ciphertext (length, 0 < c < n², gcd(c, n) = 1).
 * @example const c = ciphertextFromBytes(frame.payload, publicKey);
 */
export function ciphertextFromBytes(bytes: Uint8Array, key: PaillierPublicKey): PaillierCiphertext {
  if (!(bytes instanceof Uint8Array) || bytes.length !== key.ciphertextBytes) {
    throw new PaillierError('PAILLIER_BAD_CIPHERTEXT', `ciphertext must be ${key.ciphertextBytes} bytes`);
  }
  const c = bytesToBigInt(bytes);
  key.validateCiphertext(c);
  return c;
}

/** Fixed-width lowercase hex (2·ciphertextBytes characters). @example ciphertextToHex(c, publicKey) */
export function ciphertextToHex(c: PaillierCiphertext, key: PaillierPublicKey): string {
  key.assertInRange(c);
  return c.toString(16).padStart(2 * key.ciphertextBytes, '0');
}

/** Reads and fully validates a hex ciphertext. @example ciphertextFromHex(message.c, publicKey) */
export function ciphertextFromHex(hex: string, key: PaillierPublicKey): PaillierCiphertext {
  if (typeof hex !== 'string' || hex.length !== 2 * key.ciphertextBytes || !HEX.test(hex)) {
    throw new PaillierError('PAILLIER_BAD_CIPHERTEXT', `ciphertext must be ${2 * key.ciphertextBytes} hex characters`);
  }
  const c = BigInt('0x' + hex);
  key.validateCiphertext(c);
  return c;
}

/** Concatenates ciphertexts as fixed-width records, for one binary frame. @example ciphertextsToBytes(cs, publicKey) */
export function ciphertextsToBytes(cs: readonly PaillierCiphertext[], key: PaillierPublicKey): Uint8Array {
  const w = key.ciphertextBytes;
  const out = new Uint8Array(cs.length * w);
  cs.forEach((c, i) => out.set(ciphertextToBytes(c, key), i * w));
  return out;
}

/** Splits and validates a frame made by {@link ciphertextsToBytes}. @example ciphertextsFromBytes(frame, publicKey) */
export function ciphertextsFromBytes(bytes: Uint8Array, key: PaillierPublicKey): PaillierCiphertext[] {
  const w = key.ciphertextBytes;
  if (!(bytes instanceof Uint8Array) || bytes.length % w !== 0) {
    throw new PaillierError('PAILLIER_BAD_CIPHERTEXT', `frame length must be a multiple of ${w}`);
  }
  const out: PaillierCiphertext[] = [];
  for (let off = 0; off < bytes.length; off += w) out.push(ciphertextFromBytes(bytes.subarray(off, off + w), key));
  return out;
}
