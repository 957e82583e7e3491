// The float-limb ristretto255 agrees with @noble/curves (the oracle) on every operation PSI uses.
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { fe, feCanonical, feFromBigInt, feIsNegative, feMul, fePow22523, feSqr, feToBigInt, feToBytes, P } from './field25519.ts';
import { decodeRistretto, encodeRistretto, hashToRistretto, newPoint, scalarMultiply, scalarWindows } from './ristretto255.ts';
import { blindIds, PSI_DST, randomScalar, reblindPoints } from './ristrettoBlinding.ts';
import { toHex } from './bytes.ts';

const Point = ristretto255.Point;
const randomBig = (): bigint => BigInt('0x' + toHex(globalThis.crypto.getRandomValues(new Uint8Array(32)))) % P;
const encode = (p: ReturnType<typeof newPoint>): string => {
  const out = new Uint8Array(32);
  encodeRistretto(p, out);
  return toHex(out);
};

describe('GF(2^255 − 19) float limbs', () => {
  it('multiplies and squares like bigint arithmetic, also at the limb bounds', () => {
    for (let i = 0; i < 300; i++) {
      const [a, b] = [randomBig(), randomBig()];
      const o = fe();
      feMul(o, feFromBigInt(a), feFromBigInt(b));
      expect(feToBigInt(o)).toBe((a * b) % P);
      feSqr(o, feFromBigInt(a));
      expect(feToBigInt(o)).toBe((a * a) % P);
    }
    const extreme = new Float64Array(12).fill(2 ** 24);
    const negative = new Float64Array(12).fill(-(2 ** 24));
    const o = fe();
    feMul(o, extreme, negative);
    expect(feToBigInt(o)).toBe((feToBigInt(extreme) * feToBigInt(negative)) % P);
    feSqr(o, negative);
    expect(feToBigInt(o)).toBe((feToBigInt(negative) ** 2n) % P);
  });

  it('reduces to the canonical representative without BigInt, at the edges of [0, p)', () => {
    const limbsOf = (x: bigint): Float64Array => {
      const f = fe();
      for (let i = 0; i < 11; i++, x >>= 22n) f[i] = Number(x & ((1n << 22n) - 1n));
      f[11] = Number(x); // the rest (possibly ≥ 2^22) in the top limb
      return f;
    };
    const values = [0n, 1n, 18n, 19n, P - 1n, P, P + 1n, 2n ** 255n - 1n, 2n ** 255n, 2n ** 264n - 1n, 2n * P + 5n];
    for (const v of values) {
      const expected = v % P;
      const c = feCanonical(fe(), limbsOf(v));
      expect(c.every((limb) => limb >= 0 && limb < 2 ** 22)).toBe(true);
      expect(feToBigInt(c)).toBe(expected);
      const bytes = new Uint8Array(32);
      feToBytes(limbsOf(v), bytes);
      expect(toHex(bytes.slice().reverse())).toBe(expected.toString(16).padStart(64, '0'));
      expect(feIsNegative(limbsOf(v))).toBe((expected & 1n) === 1n);
    }
    const negative = new Float64Array(12).fill(-(2 ** 23));
    expect(feToBigInt(feCanonical(fe(), negative))).toBe(feToBigInt(negative));
  });

  it('raises to (p − 5)/8 by the ref10 addition chain', () => {
    const a = randomBig();
    let r = 1n;
    for (let b = a, e = (P - 5n) / 8n; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
    expect(feToBigInt(fePow22523(fe(), feFromBigInt(a)))).toBe(r);
  });
});

describe('ristretto255 against @noble/curves', () => {
  it('decodes and re-encodes the first multiples of the generator and random points', () => {
    const points = [Point.ZERO, ...Array.from({ length: 16 }, (_, i) => Point.BASE.multiply(BigInt(i + 1)))];
    for (let i = 0; i < 20; i++) points.push(Point.BASE.multiply(randomScalar()));
    for (const p of points) {
      const bytes = p.toBytes();
      const decoded = decodeRistretto(bytes);
      expect(decoded).toBeDefined();
      expect(encode(decoded!)).toBe(toHex(bytes));
    }
    expect(toHex(Point.BASE.toBytes())).toBe('e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76');
  });

  it('rejects exactly the encodings noble rejects', () => {
    const cases: Uint8Array[] = [new Uint8Array(32).fill(0xff), Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))];
    const pBytes = new Uint8Array(32);
    for (let i = 0, v = P; i < 32; i++, v >>= 8n) pBytes[i] = Number(v & 0xffn);
    cases.push(pBytes);
    for (let i = 0; i < 200; i++) cases.push(globalThis.crypto.getRandomValues(new Uint8Array(32)));
    for (const bytes of cases) {
      let nobleOk = true;
      try {
        Point.fromBytes(bytes);
      } catch {
        nobleOk = false;
      }
      expect(decodeRistretto(bytes) !== undefined).toBe(nobleOk);
    }
  });

  it('hashes to the group exactly like hash_to_ristretto255 (RFC 9380 App. B)', () => {
    const enc = new TextEncoder();
    for (const id of ['', 'a', 'alice@example.com', 'émile@例え.jp', 'x'.repeat(300), ...Array.from({ length: 30 }, (_, i) => `user-${i}`)]) {
      const expected = ristretto255_hasher.hashToCurve(enc.encode(id), { DST: PSI_DST }).toBytes();
      expect(encode(hashToRistretto(enc.encode(id), PSI_DST))).toBe(toHex(expected));
    }
  });

  it('multiplies points by secret scalars like noble', () => {
    for (let i = 0; i < 20; i++) {
      const k = i === 0 ? 1n : i === 1 ? Point.Fn.ORDER - 1n : randomScalar();
      const p = Point.BASE.multiply(randomScalar());
      const ours = scalarMultiply(newPoint(), decodeRistretto(p.toBytes())!, scalarWindows(k));
      expect(encode(ours)).toBe(toHex(p.multiply(k).toBytes()));
    }
  });

  it('blinds and re-blinds IDs exactly as noble computes H(x)^a and (H(x)^a)^b', () => {
    const [a, b] = [randomScalar(), randomScalar()];
    const ids = ['u1', 'u2', 'émile'];
    const once = blindIds(ids, a);
    const twice = reblindPoints(once, b);
    ids.forEach((id, i) => {
      const h = ristretto255_hasher.hashToCurve(new TextEncoder().encode(id), { DST: PSI_DST });
      expect(toHex(once.subarray(32 * i, 32 * i + 32))).toBe(toHex(h.multiply(a).toBytes()));
      expect(toHex(twice.subarray(32 * i, 32 * i + 32))).toBe(toHex(h.multiply(a).multiply(b).toBytes()));
    });
  });
});
