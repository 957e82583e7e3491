// Shamir t-of-n secret sharing (Shamir 1979) over GF(2^256 + 297): Horner evaluation, Lagrange at 0.
import { PrivacyError } from '../PrivacyError.ts';
import { bigIntToBytes, bytesToBigInt } from '../bytes.ts';
import { FIELD_BYTES, SHAMIR_PRIME, batchInvert, mod, randomFieldElements } from './field.ts';

/** One share: the polynomial's value `y` at the holder's non-zero point `x` (the holder's id). */
export interface ShamirShare {
  readonly x: number;
  readonly y: bigint;
}

/** Largest x accepted: ids stay small integers so Horner multiplies by a machine-size factor. */
const MAX_X = 2 ** 31 - 1;

/**
 * Splits `secret` ∈ [0, p) into one share per x in `xs`; any `threshold` of them reconstruct it,
 * fewer reveal nothing. Coefficients are uniform field elements from crypto.getRandomValues.
 * @example const shares = shamirSplit(42n, 3, [1, 2, 3, 4, 5]); shamirCombine(shares.slice(2), 3) === 42n;
 */
export function shamirSplit(secret: bigint, threshold: number, xs: readonly number[]): ShamirShare[] {
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > xs.length) {
    throw new PrivacyError('SECAGG_BAD_CONFIG', `threshold ${threshold} must be in [1, ${xs.length}]`);
  }
  if (secret < 0n || secret >= SHAMIR_PRIME) throw new RangeError('secret must lie in [0, p)');
  checkPoints(xs, 'SECAGG_BAD_CONFIG');
  // coeffs[0] is the secret; f(x) = Σ coeffs[k]·x^k has degree threshold − 1.
  const coeffs = [secret, ...randomFieldElements(threshold - 1)];
  return xs.map((x) => {
    const bx = BigInt(x);
    let y = coeffs[threshold - 1]!;
    for (let k = threshold - 2; k >= 0; k--) y = (y * bx + coeffs[k]!) % SHAMIR_PRIME;
    return { x, y };
  });
}

/**
 * Reconstructs f(0) from at least `threshold` shares, interpolating through the first `threshold`
 * and checking (O(t) each, unless `checkExtras: false`) that every further share lies on the same
 * polynomial. Duplicate or out-of-range points,
 * values outside [0, p) and inconsistent extras → SECAGG_BAD_SHARE; too few → SHAMIR_TOO_FEW_SHARES.
 * @example shamirCombine([{ x: 2, y }, { x: 5, y: y2 }, { x: 7, y: y3 }], 3)
 */
export function shamirCombine(
  shares: readonly ShamirShare[],
  threshold: number,
  options: { readonly checkExtras?: boolean } = {},
): bigint {
  checkShares(shares);
  if (shares.length < threshold) {
    throw new PrivacyError('SHAMIR_TOO_FEW_SHARES', `${shares.length} shares, ${threshold} needed`, {
      shares: shares.length,
      threshold,
    });
  }
  const base = shares.slice(0, threshold);
  const xs = base.map((s) => s.x);
  const inverseWeights = inverseBarycentricWeights(xs);
  const secret = interpolate(base, lagrangeCoefficients(xs, 0, inverseWeights));
  for (const extra of options.checkExtras === false ? [] : shares.slice(threshold)) {
    if (interpolate(base, lagrangeCoefficients(xs, extra.x, inverseWeights)) !== extra.y) {
      throw new PrivacyError('SECAGG_BAD_SHARE', `share at x=${extra.x} is inconsistent with the others`);
    }
  }
  return secret;
}

/**
 * Lagrange basis values λ_i(z) = Π_{j≠i} (z − x_j)/(x_i − x_j) for distinct points `xs`. The
 * denominators (barycentric weights) do not depend on z: pass `inverseWeights` from
 * `inverseBarycentricWeights(xs)` to evaluate at many z in O(n) each.
 * @example const lambdas = lagrangeCoefficients([1, 2, 3], 0); // f(0) = Σ λ_i·y_i
 */
export function lagrangeCoefficients(
  xs: readonly number[],
  z: number,
  inverseWeights: readonly bigint[] = inverseBarycentricWeights(xs),
): bigint[] {
  const n = xs.length;
  const bz = BigInt(z);
  const diffs = xs.map((x) => mod(bz - BigInt(x)));
  // Π_{j≠i} (z − x_j) via prefix and suffix products: no division, z may be a node itself.
  const prefix = new Array<bigint>(n + 1);
  prefix[0] = 1n;
  for (let i = 0; i < n; i++) prefix[i + 1] = (prefix[i]! * diffs[i]!) % SHAMIR_PRIME;
  const out = new Array<bigint>(n);
  let suffix = 1n;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = (((prefix[i]! * suffix) % SHAMIR_PRIME) * inverseWeights[i]!) % SHAMIR_PRIME;
    suffix = (suffix * diffs[i]!) % SHAMIR_PRIME;
  }
  return out;
}

/**
 * 1 / Π_{j≠i} (x_i − x_j) for every node: O(n²) small-integer products, then one field inversion
 * for all n (batch inversion), instead of n inversions.
 * @example const w = inverseBarycentricWeights(xs); lagrangeCoefficients(xs, 0, w);
 */
export function inverseBarycentricWeights(xs: readonly number[]): bigint[] {
  const n = xs.length;
  const weights = xs.map((xi, i) => {
    let d = 1n;
    let small = 1; // multiply machine-size factors while exact (< 2^53), then fold into the BigInt
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const f = xi - xs[j]!;
      if (Math.abs(small * f) >= 2 ** 52) {
        d = (d * BigInt(small)) % SHAMIR_PRIME;
        small = 1;
      }
      small *= f;
    }
    return mod(d * BigInt(small));
  });
  return batchInvert(weights);
}

/**
 * Σ λ_i·y_i mod p: the interpolated value for coefficients from `lagrangeCoefficients`.
 * @example const secret = interpolate(shares, lagrangeCoefficients(shares.map((s) => s.x), 0));
 */
export function interpolate(shares: readonly ShamirShare[], lambdas: readonly bigint[]): bigint {
  let acc = 0n;
  for (let i = 0; i < shares.length; i++) acc += shares[i]!.y * lambdas[i]!;
  return acc % SHAMIR_PRIME;
}

/**
 * Shares a 32-byte secret (a PRG seed or an X25519 secret key).
 * @example const shares = shamirSplitBytes(seed, t, holderIds);
 */
export function shamirSplitBytes(secret: Uint8Array, threshold: number, xs: readonly number[]): ShamirShare[] {
  if (secret.length !== 32) throw new RangeError('secret must be 32 bytes');
  return shamirSplit(bytesToBigInt(secret), threshold, xs);
}

/**
 * Reconstructs a 32-byte secret; a result ≥ 2^256 proves the shares were not of such a secret.
 * @example const seed = shamirCombineBytes(shares, t);
 */
export function shamirCombineBytes(
  shares: readonly ShamirShare[],
  threshold: number,
  options: { readonly checkExtras?: boolean } = {},
): Uint8Array {
  const value = shamirCombine(shares, threshold, options);
  if (value >= 1n << 256n) throw new PrivacyError('SECAGG_BAD_SHARE', 'reconstructed value exceeds 32 bytes');
  return bigIntToBytes(value, 32);
}

/**
 * Fixed-width (33-byte big-endian) encoding of a share value for the wire.
 * @example const bytes = encodeShareValue(share.y); // Uint8Array(33)
 */
export function encodeShareValue(y: bigint): Uint8Array {
  return bigIntToBytes(y, FIELD_BYTES);
}

/**
 * Decodes a share value, rejecting wrong lengths and values ≥ p as SECAGG_BAD_SHARE.
 * @example const y = decodeShareValue(bytes);
 */
export function decodeShareValue(bytes: Uint8Array): bigint {
  if (bytes.length !== FIELD_BYTES) throw new PrivacyError('SECAGG_BAD_SHARE', `share must be ${FIELD_BYTES} bytes`);
  const y = bytesToBigInt(bytes);
  if (y >= SHAMIR_PRIME) throw new PrivacyError('SECAGG_BAD_SHARE', 'share value outside the field');
  return y;
}

function checkShares(shares: readonly ShamirShare[]): void {
  checkPoints(shares.map((s) => s.x), 'SECAGG_BAD_SHARE');
  for (const s of shares) {
    if (typeof s.y !== 'bigint' || s.y < 0n || s.y >= SHAMIR_PRIME) {
      throw new PrivacyError('SECAGG_BAD_SHARE', `share at x=${s.x} has a value outside the field`);
    }
  }
}

function checkPoints(xs: readonly number[], code: 'SECAGG_BAD_SHARE' | 'SECAGG_BAD_CONFIG'): void {
  const seen = new Set<number>();
  for (const x of xs) {
    if (!Number.isInteger(x) || x < 1 || x > MAX_X) throw new PrivacyError(code, `share point ${x} is not in [1, 2^31)`);
    if (seen.has(x)) throw new PrivacyError(code, `duplicate share point ${x}`);
    seen.add(x);
  }
}
