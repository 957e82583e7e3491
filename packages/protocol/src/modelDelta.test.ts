import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHalf, toHalf } from './codecs/float16.ts';
import { ErrorCodes, FlotillaError } from './errors.ts';
import { applyModelDelta, encodeModelDelta, modelChecksum } from './modelDelta.ts';

const pair = fc.integer({ min: 1, max: 50 }).chain((n) => fc.tuple(
  fc.float32Array({ minLength: n, maxLength: n, noNaN: true }), fc.float32Array({ minLength: n, maxLength: n, noNaN: true })));

describe('model delta', () => {
  it('rebuilds the served model bit for bit from any base', () => {
    fc.assert(fc.property(pair, ([current, base]) => {
      const out = applyModelDelta(base, encodeModelDelta(current, base, 'float32'), 'float32');
      expect([...new Uint32Array(out.buffer)]).toEqual([...new Uint32Array(current.buffer)]);
      expect(modelChecksum(out)).toBe(modelChecksum(current));
    }), { numRuns: 300 });
  });

  it('rebuilds a half-precision model exactly', () => {
    fc.assert(fc.property(pair, ([a, b]) => {
      const half = (v: Float32Array) => v.map((x) => fromHalf(toHalf(Math.max(-6e4, Math.min(6e4, x)))));
      const current = half(a);
      expect([...applyModelDelta(half(b), encodeModelDelta(current, half(b), 'float16'), 'float16')]).toEqual([...current]);
    }), { numRuns: 300 });
  });

  it('is small when the versions are close', () => {
    const base = Float32Array.from({ length: 10_000 }, (_, i) => Math.sin(i) * 0.1);
    const current = base.map((v, i) => v * (1 + 1e-4 * Math.cos(i)));
    expect(encodeModelDelta(current, base, 'float32').byteLength).toBeLessThan(base.byteLength * 0.75);
  });

  it('refuses truncated or overlong deltas with a coded error', () => {
    const base = new Float32Array(4);
    const delta = encodeModelDelta(Float32Array.of(1, 2, 3, 4), base, 'float32');
    for (const bad of [delta.subarray(0, delta.length - 1), Uint8Array.from([...delta, 0])]) {
      try {
        applyModelDelta(base, bad, 'float32');
        expect.unreachable();
      } catch (err) {
        expect((err as FlotillaError).code).toBe(ErrorCodes.MALFORMED_FRAME);
      }
    }
  });
});
