// Modular big-integer arithmetic for Paillier: windowed modPow, inverses, gcd, CSPRNG sampling, bytes.

const MAX_RANDOM_CHUNK = 65_536; // WebCrypto's getRandomValues limit per call

/** Number of bits of a non-negative bigint (0 for 0). @example bitLength(255n) // 8 */
export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Non-negative remainder. @example mod(-1n, 5n) // 4n */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** Greatest common divisor (Euclid). @example gcd(12n, 18n) // 6n */
export function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * Inverse of `a` modulo `m` by the extended Euclidean algorithm; throws a RangeError if none.
 * @example modInverse(3n, 7n) // 5n
 */
export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError('not invertible');
  return mod(s0, m);
}

function windowBits(exponentBits: number): number {
  if (exponentBits > 1536) return 6;
  if (exponentBits > 512) return 5;
  if (exponentBits > 64) return 4;
  return 1;
}

/**
 * base^exponent mod m for exponent ≥ 0, by left-to-right sliding windows over odd powers
 * (Menezes, van Oorschot, Vanstone, Handbook of Applied Cryptography, Alg. 14.85):
 * about bits + bits/(w+1) multiplications instead of 1.5·bits for square-and-multiply.
 * @example modPow(4n, 13n, 497n) // 445n
 */
export function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  if (exponent < 0n) throw new RangeError('negative exponent');
  if (m === 1n) return 0n;
  const b = mod(base, m);
  const bits = exponent.toString(2);
  const w = windowBits(bits.length);
  // odd[i] = b^(2i+1)
  const odd: bigint[] = [b];
  if (w > 1) {
    const b2 = (b * b) % m;
    for (let i = 1; i < 1 << (w - 1); i++) odd.push((odd[i - 1]! * b2) % m);
  }
  let acc = 1n;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === '0') {
      acc = (acc * acc) % m;
      i++;
      continue;
    }
    // longest window bits[i..j] of at most w bits ending in a 1
    let j = Math.min(i + w, bits.length) - 1;
    while (bits[j] === '0') j--;
    const value = parseInt(bits.slice(i, j + 1), 2);
    for (let k = i; k <= j; k++) acc = (acc * acc) % m;
    acc = (acc * odd[(value - 1) >> 1]!) % m;
    i = j + 1;
  }
  return acc;
}

/** Cryptographically secure random bytes from `globalThis.crypto` (browser and Node ≥ 19). */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let off = 0; off < length; off += MAX_RANDOM_CHUNK) {
    globalThis.crypto.getRandomValues(out.subarray(off, Math.min(length, off + MAX_RANDOM_CHUNK)));
  }
  return out;
}

/** Big-endian bytes → bigint. @example bytesToBigInt(Uint8Array.of(1, 0)) // 256n */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt('0x' + hex);
}

/** bigint → big-endian bytes of exactly `length` bytes (RangeError if it does not fit). */
export function bigIntToBytes(x: bigint, length: number): Uint8Array {
  if (x < 0n) throw new RangeError('negative');
  const hex = x.toString(16);
  if (hex.length > 2 * length) throw new RangeError('value does not fit');
  const padded = hex.padStart(2 * length, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Uniform random integer of exactly `bits` bits or fewer (top bits masked). */
export function randomBits(bits: number): bigint {
  const bytes = randomBytes(Math.ceil(bits / 8));
  const excess = bytes.length * 8 - bits;
  bytes[0] = bytes[0]! & (0xff >> excess);
  return bytesToBigInt(bytes);
}

/** Uniform random integer in [1, upper) by rejection sampling. @example randomBelow(10n) */
export function randomBelow(upper: bigint): bigint {
  const bits = bitLength(upper);
  for (;;) {
    const x = randomBits(bits);
    if (x > 0n && x < upper) return x;
  }
}
