// Tests of Shamir sharing: any t of n reconstruct, fewer do not, malformed shares are rejected.
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../bytes.ts';
import { SHAMIR_PRIME } from './field.ts';
import {
  type ShamirShare,
  decodeShareValue,
  encodeShareValue,
  shamirCombine,
  shamirCombineBytes,
  shamirSplit,
  shamirSplitBytes,
} from './shamir.ts';

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** A random subset of size k, by a partial Fisher–Yates on crypto randomness. */
function subset<T>(items: readonly T[], k: number): T[] {
  const copy = items.slice();
  const r = new Uint32Array(k);
  crypto.getRandomValues(r);
  for (let i = 0; i < k; i++) {
    const j = i + (r[i]! % (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, k);
}

describe('Shamir secret sharing over GF(2^256 + 297)', () => {
  it('reconstructs a 32-byte secret from any t of n shares', () => {
    const secret = randomBytes(32);
    const shares = shamirSplitBytes(secret, 4, ids(9));

    for (let trial = 0; trial < 20; trial++) {
      expect(shamirCombineBytes(subset(shares, 4), 4)).toEqual(secret);
    }
    expect(shamirCombineBytes(shares, 4)).toEqual(secret);
  });

  it('handles the extreme secrets 0 and 2^256 − 1 (the field holds every 32-byte value)', () => {
    for (const secret of [new Uint8Array(32), new Uint8Array(32).fill(255)]) {
      expect(shamirCombineBytes(subset(shamirSplitBytes(secret, 3, ids(5)), 3), 3)).toEqual(secret);
    }
  });

  it('refuses t − 1 shares, and interpolating t − 1 shares yields an unrelated value', () => {
    const secret = 123_456_789n;
    const shares = shamirSplit(secret, 5, ids(8));

    expect(() => shamirCombine(shares.slice(0, 4), 5)).toThrow(expect.objectContaining({ code: 'SHAMIR_TOO_FEW_SHARES' }));
    expect(shamirCombine(shares.slice(0, 4), 4)).not.toBe(secret);
  });

  it('rejects duplicate points, points outside [1, 2^31) and values outside the field', () => {
    const shares = shamirSplit(7n, 3, ids(5));
    const bad: ShamirShare[][] = [
      [shares[0]!, shares[0]!, shares[1]!],
      [shares[0]!, { x: shares[0]!.x, y: shares[1]!.y }, shares[2]!],
      [{ x: 0, y: 1n }, shares[1]!, shares[2]!],
      [{ x: 1.5, y: 1n }, shares[1]!, shares[2]!],
      [{ ...shares[0]!, y: SHAMIR_PRIME }, shares[1]!, shares[2]!],
      [{ ...shares[0]!, y: -1n }, shares[1]!, shares[2]!],
    ];

    for (const set of bad) expect(() => shamirCombine(set, 3)).toThrow(expect.objectContaining({ code: 'SECAGG_BAD_SHARE' }));
  });

  it('detects a corrupted share among more than t', () => {
    const shares = shamirSplit(99n, 3, ids(6));
    const corrupted = shares.map((s, i) => (i === 4 ? { ...s, y: (s.y + 1n) % SHAMIR_PRIME } : s));

    expect(() => shamirCombine(corrupted, 3)).toThrow(expect.objectContaining({ code: 'SECAGG_BAD_SHARE' }));
    expect(shamirCombine(corrupted, 3, { checkExtras: false })).toBe(99n);
  });

  it('encodes share values in 33 bytes and rejects malformed encodings', () => {
    const y = SHAMIR_PRIME - 1n;

    expect(decodeShareValue(encodeShareValue(y))).toBe(y);
    expect(() => decodeShareValue(new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'SECAGG_BAD_SHARE' }));
    expect(() => decodeShareValue(new Uint8Array(33).fill(255))).toThrow(expect.objectContaining({ code: 'SECAGG_BAD_SHARE' }));
  });

  it('rejects a threshold above n or a duplicate holder when splitting', () => {
    expect(() => shamirSplit(1n, 6, ids(5))).toThrow(expect.objectContaining({ code: 'SECAGG_BAD_CONFIG' }));
    expect(() => shamirSplit(1n, 2, [1, 2, 2])).toThrow(expect.objectContaining({ code: 'SECAGG_BAD_CONFIG' }));
  });

  it('splits for 200 holders and reconstructs from 101 of them in well under a second', () => {
    // Per SecAgg client: two such splits; per round the server reconstructs ~n secrets.
    const secret = randomBytes(32);
    const t0 = performance.now();

    const shares = shamirSplitBytes(secret, 101, ids(200));
    const t1 = performance.now();
    const back = shamirCombineBytes(subset(shares, 101), 101);
    const t2 = performance.now();

    expect(back).toEqual(secret);
    expect(t1 - t0).toBeLessThan(1000);
    expect(t2 - t1).toBeLessThan(1000);
  });
});
