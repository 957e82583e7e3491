// Byte helpers shared by the crypto modules: randomness, concatenation, big-endian integers.

/** getRandomValues fills at most 65,536 bytes per call (WebCrypto spec). */
const MAX_RANDOM_CHUNK = 65_536;

/**
 * Cryptographically secure random bytes from `globalThis.crypto.getRandomValues`
 * (available in Node ≥ 19, browsers and workers, also in insecure contexts).
 * @example const seed = randomBytes(32);
 */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += MAX_RANDOM_CHUNK) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(length, i + MAX_RANDOM_CHUNK)));
  }
  return out;
}

/** Concatenates byte arrays into a fresh one. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Constant-time-ish equality (no early exit) of two byte arrays. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Big-endian unsigned integer of the bytes. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = '0x0';
  for (let i = 0; i < bytes.length; i++) hex += HEX[bytes[i]!]!;
  return BigInt(hex);
}

/** Big-endian encoding of a non-negative integer in exactly `length` bytes. */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n || value >= 1n << BigInt(8 * length)) {
    throw new RangeError(`value does not fit in ${length} bytes`);
  }
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** A 4-byte big-endian encoding of an unsigned 32-bit integer. */
export function u32be(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, false);
  return out;
}

/** UTF-8 bytes of a string (labels for key derivation). */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** True on little-endian hosts (every current browser and Node target). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Reads bytes as little-endian uint32 words, the wire order of PRG output on every host,
 * so that a big-endian peer expands the same seed into the same words.
 */
export function bytesToU32LE(bytes: Uint8Array): Uint32Array {
  if (bytes.byteLength % 4 !== 0) throw new RangeError('byte length must be a multiple of 4');
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
  if (!HOST_LITTLE_ENDIAN) {
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      words[i] = ((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24);
    }
  }
  return words;
}

/**
 * The same bytes typed as backed by an ArrayBuffer, as WebCrypto's BufferSource requires
 * (copies only views of a SharedArrayBuffer).
 */
export function asBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
