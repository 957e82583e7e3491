// Property tests of the lossy codecs: round trips within each codec's error bound, stochastic
// rounding unbiased in expectation, and decoding any bytes gives a tensor of its shape or a coded
// FlotillaError, never another exception.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecSpec, getCodec, SUPPORTED_CODECS } from './codec.ts';
import { fromHalf, toHalf } from './codecs/float16.ts';
import { seededRandom } from './codecs/payload.ts';
import { topkCount } from './codecs/topk.ts';
import type { CodecSpec } from './communication.ts';
import { ErrorCodes, FlotillaError } from './errors.ts';
import { decodeFrame, encodeFrame, shapeSize } from './frame.ts';

const CODES = new Set<string>(Object.values(ErrorCodes));
const finite = (max = 1000) => fc.float({ min: Math.fround(-max), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });
const shaped = (max?: number) => fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
  fc.array(finite(max), { minLength: shapeSize(shape), maxLength: shapeSize(shape) }).map((v) => ({ shape, values: Float32Array.from(v) })));
const roundTrip = (spec: CodecSpec, values: Float32Array, shape: number[], seed = 1) => {
  const codec = getCodec(spec.codec);
  return codec.decode(codec.encode(values, shape, spec, { random: seededRandom(seed) }), shape);
};

describe('float16', () => {
  it('rounds to nearest even, keeps subnormals and is exact on halves', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to the even mantissa
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toHalf(2 ** -24)).toBe(0x0001); // the smallest subnormal
    expect(toHalf(2 ** -25)).toBe(0x0000); // a tie with zero rounds to even (zero)
    expect(toHalf(3 * 2 ** -25)).toBe(0x0002);
    expect(fromHalf(0x0001)).toBe(2 ** -24);
    expect(toHalf(-0)).toBe(0x8000);
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), (h) => {
      const v = fromHalf(h);
      if (Number.isFinite(v)) expect(toHalf(v)).toBe(h);
    }), { numRuns: 2000 });
  });

  it('round-trips within half a unit in the last place', () => {
    fc.assert(fc.property(shaped(60000), ({ shape, values }) => {
      const out = roundTrip({ codec: 'float16' }, values, shape);
      values.forEach((v, i) => expect(Math.abs(out[i]! - v)).toBeLessThanOrEqual(Math.max(Math.abs(v) * 2 ** -11, 2 ** -25)));
    }), { numRuns: 300 });
  });

  it('refuses infinities, NaN and values beyond its range at encode', () => {
    for (const bad of [Infinity, -Infinity, NaN, 70000]) {
      const err = (() => { try { getCodec('float16').encode(Float32Array.of(1, bad), [2], { codec: 'float16' }); } catch (e) { return e; } })();
      expect((err as FlotillaError).code).toBe(ErrorCodes.NON_FINITE);
    }
  });
});

describe('int8', () => {
  it('round-trips within one scale step per tensor and per channel', () => {
    fc.assert(fc.property(shaped(), fc.constantFrom('tensor' as const, 'channel' as const), fc.boolean(), fc.nat(), ({ shape, values }, granularity, stochastic, seed) => {
      const out = roundTrip({ codec: 'int8', granularity, stochastic }, values, shape, seed);
      const channels = granularity === 'channel' ? shape[shape.length - 1]! : 1;
      const maxAbs = new Array(channels).fill(0);
      values.forEach((v, i) => { maxAbs[i % channels] = Math.max(maxAbs[i % channels], Math.abs(v)); });
      values.forEach((v, i) => {
        const step = maxAbs[i % channels] / 127;
        expect(Math.abs(out[i]! - v)).toBeLessThanOrEqual(step * (stochastic ? 1 : 0.5) * (1 + 1e-5) + 1e-30);
      });
    }), { numRuns: 300 });
  });

  it('costs one byte a value plus its scales', () => {
    const values = new Float32Array(784 * 200).map((_, i) => Math.sin(i));
    const bytes = getCodec('int8').encode(values, [784, 200], codecSpec({ codec: 'int8', granularity: 'channel', stochastic: true }));
    expect(bytes.byteLength).toBe(8 + 4 * 200 + values.length);
  });

  it('is unbiased with stochastic rounding', () => {
    const values = Float32Array.of(1, 0.337, -0.5123, 0.0049, -0.99);
    const runs = 4000;
    const mean = new Float64Array(values.length);
    const random = seededRandom(7);
    const codec = getCodec('int8');
    for (let r = 0; r < runs; r++) {
      const out = codec.decode(codec.encode(values, [5], codecSpec('int8'), { random }), [5]);
      out.forEach((v, i) => { mean[i]! += v / runs; });
    }
    // Each draw errs by under one step (1/127); the mean of 4000 by under 5 standard deviations.
    values.forEach((v, i) => expect(Math.abs(mean[i]! - v)).toBeLessThan((5 * 0.5) / 127 / Math.sqrt(runs)));
  });
});

describe('topk', () => {
  it('keeps exactly ceil(fraction · n) of the largest magnitudes, exactly, and zeros the rest', () => {
    fc.assert(fc.property(shaped(), fc.double({ min: 0.001, max: 1, noNaN: true }), ({ shape, values }, fraction) => {
      const out = roundTrip({ codec: 'topk', fraction, errorFeedback: true }, values, shape);
      const k = topkCount(values.length, fraction);
      const kept = [...out.keys()].filter((i) => out[i] !== 0);
      expect(kept.length).toBe(Math.min(k, values.filter((v) => v !== 0).length));
      const smallestKept = Math.min(...kept.map((i) => Math.abs(values[i]!)));
      values.forEach((v, i) => {
        if (out[i] !== 0) expect(out[i]).toBe(v);
        else expect(Math.abs(v)).toBeLessThanOrEqual(smallestKept);
      });
    }), { numRuns: 300 });
  });

  it('delta-codes indices to about 5 bytes a kept value at 1 %', () => {
    const values = new Float32Array(200_000).map((_, i) => Math.sin(i * 1.7) * Math.cos(i));
    const bytes = getCodec('topk').encode(values, [values.length], codecSpec('topk'));
    expect(bytes.byteLength).toBeLessThan(8 + 2000 * 6);
    expect(getCodec('topk').decode(bytes, [values.length]).filter((v) => v !== 0).length).toBe(2000);
  });
});

describe('qsgd', () => {
  it('round-trips within one level of the norm, unbiased in expectation', () => {
    fc.assert(fc.property(shaped(), fc.integer({ min: 1, max: 127 }), fc.nat(), ({ shape, values }, levels, seed) => {
      const out = roundTrip({ codec: 'qsgd', levels }, values, shape, seed);
      const norm = Math.hypot(...values);
      values.forEach((v, i) => expect(Math.abs(out[i]! - v)).toBeLessThanOrEqual((norm / levels) * (1 + 1e-5) + 1e-30));
    }), { numRuns: 300 });
    const values = Float32Array.of(0.3, -0.4, 0.5, 0.1);
    const runs = 4000;
    const mean = new Float64Array(4);
    const random = seededRandom(3);
    const codec = getCodec('qsgd');
    for (let r = 0; r < runs; r++) codec.decode(codec.encode(values, [4], { codec: 'qsgd', levels: 4 }, { random }), [4]).forEach((v, i) => { mean[i]! += v / runs; });
    const norm = Math.hypot(...values);
    values.forEach((v, i) => expect(Math.abs(mean[i]! - v)).toBeLessThan((5 * norm) / 4 / 2 / Math.sqrt(runs)));
  });
});

describe('decoding untrusted bytes', () => {
  it('gives a tensor of its shape or a coded error, for every codec', () => {
    fc.assert(fc.property(fc.constantFrom(...SUPPORTED_CODECS), fc.uint8Array({ maxLength: 80 }), fc.array(fc.nat({ max: 6 }), { maxLength: 3 }), (id, bytes, shape) => {
      try {
        expect(getCodec(id).decode(bytes, shape).length).toBe(shapeSize(shape));
      } catch (err) {
        if (!(err instanceof FlotillaError)) throw err;
        expect(CODES.has(err.code)).toBe(true);
      }
    }), { numRuns: 3000 });
  });

  it('refuses damaged compressed frames with a coded error only', () => {
    const specs: CodecSpec[] = [codecSpec('float16'), codecSpec('int8'), codecSpec({ codec: 'int8', granularity: 'channel', stochastic: false }), codecSpec({ codec: 'topk', fraction: 0.3, errorFeedback: true }), codecSpec('qsgd')];
    fc.assert(fc.property(fc.constantFrom(...specs), shaped(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (spec, t, edits, cut) => {
      const frame = encodeFrame({ type: 'update' }, [t], spec, { random: seededRandom(1) });
      for (const [at, v] of edits) frame[at % frame.length] = v;
      const damaged = cut % 3 === 0 ? frame.slice(0, cut % frame.length) : frame;
      try {
        const decoded = decodeFrame(damaged);
        for (const x of decoded.tensors) expect(x.values.length).toBe(shapeSize(x.shape));
      } catch (err) {
        if (!(err instanceof FlotillaError)) throw err;
        expect(CODES.has(err.code)).toBe(true);
      }
    }), { numRuns: 2000 });
  });
});
