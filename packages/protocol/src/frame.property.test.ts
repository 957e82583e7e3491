// Property tests of the binary tensor frame and its codecs: frames round-trip bit for bit, and
// any bytes, mutated frames or adversarial headers give a decoded frame whose tensors hold exactly
// their shape's values, or a FlotillaError with a stable code; never an exception of another kind.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { float32Codec, getCodec } from './codec.ts';
import { ErrorCodes, FlotillaError } from './errors.ts';
import { FRAME_MAGIC, decodeFrame, encodeFrame, encodeWordsFrame, shapeSize, type DecodedFrame, type NamedTensor } from './frame.ts';

const CODES = new Set<string>(Object.values(ErrorCodes));
const decoded = (bytes: Uint8Array): DecodedFrame | string => {
  try {
    return decodeFrame(bytes);
  } catch (err) {
    if (!(err instanceof FlotillaError)) throw err;
    return err.code;
  }
};
const expectCoherent = (result: DecodedFrame | string): void => {
  if (typeof result === 'string') {
    expect(CODES.has(result)).toBe(true);
    return;
  }
  for (const t of result.tensors) expect(t.values.length).toBe(shapeSize(t.shape));
};
const bitsOf = (values: Float32Array): number[] => [...new Uint32Array(Float32Array.from(values).buffer)];

const tensor: fc.Arbitrary<NamedTensor> = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 3 }).chain((shape) =>
  fc.float32Array({ minLength: shapeSize(shape), maxLength: shapeSize(shape) }).map((values) => ({ shape, values })));
const validFrame = fc.tuple(fc.record({ type: fc.constant('update'), round: fc.nat() }), fc.array(tensor, { maxLength: 4 }))
  .map(([message, tensors]) => encodeFrame(message, tensors));

/** Byte-level damage: flip, overwrite, truncate, extend. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ maxLength: 32 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;
function mutate(frame: Uint8Array, mutations: Mutation[]): Uint8Array {
  let out = Uint8Array.from(frame);
  for (const m of mutations) {
    if (out.length === 0) break;
    if (m.kind === 'flip') out[m.at % out.length]! ^= 1 << m.bit;
    else if (m.kind === 'set') out[m.at % out.length] = m.value;
    else if (m.kind === 'truncate') out = out.slice(0, m.at % out.length);
    else {
      const longer = new Uint8Array(out.length + m.extra.length);
      longer.set(out);
      longer.set(m.extra, out.length);
      out = longer;
    }
  }
  return out;
}

/** A frame with a hand-made header: descriptors and word counts a well-behaved encoder never writes. */
function frameWithHeader(header: unknown, payload: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = (12 + json.length + 7) & ~7;
  const out = new Uint8Array(start + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint8(4, 1);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(payload, start);
  return out;
}
const absurdNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 1, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, -0, 0.5));
const descriptor = fc.record({
  dtype: fc.constantFrom('float32', 'float16', 'int8', 'constructor', 7),
  shape: fc.oneof(fc.array(absurdNumber, { maxLength: 4 }), fc.constantFrom([2 ** 30, 2 ** 30], [-1], ['4'], null)),
  codec: fc.constantFrom('float32', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'int8', 3),
  byteLength: absurdNumber,
  name: fc.option(fc.oneof(fc.string(), fc.integer()), { nil: undefined }),
}, { requiredKeys: [] });

describe('binary frame properties', () => {
  it('round-trips messages and tensors bit for bit (NaN payloads and -0 included)', () => {
    fc.assert(fc.property(fc.array(tensor, { maxLength: 5 }), fc.dictionary(fc.string(), fc.string()), (tensors, message) => {
      const frame = decodeFrame(encodeFrame(message, tensors));
      expect(frame.message).toEqual(message);
      expect(frame.tensors.map((t) => t.shape)).toEqual(tensors.map((t) => t.shape));
      frame.tensors.forEach((t, i) => expect(bitsOf(t.values)).toEqual(bitsOf(tensors[i]!.values)));
    }), { numRuns: 500 });
  });

  it('round-trips words frames', () => {
    fc.assert(fc.property(fc.uint32Array({ maxLength: 64 }), (words) => {
      expect([...decodeFrame(encodeWordsFrame({ type: 'secagg.masked' }, words)).words!]).toEqual([...words]);
    }), { numRuns: 300 });
  });

  it('decodes random bytes to a coherent frame or a coded error', () => {
    const withMagic = fc.uint8Array({ minLength: 12, maxLength: 256 }).map((b) => {
      new DataView(b.buffer).setUint32(0, FRAME_MAGIC, true);
      b[4] = 1;
      return b;
    });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), withMagic), (bytes) => expectCoherent(decoded(bytes))), { numRuns: 2000 });
  });

  it('decodes mutated valid frames to a coherent frame or a coded error', () => {
    fc.assert(fc.property(validFrame, fc.array(mutation, { minLength: 1, maxLength: 4 }), (frame, mutations) => {
      expectCoherent(decoded(mutate(frame, mutations)));
    }), { numRuns: 2000 });
  });

  it('refuses adversarial descriptors and word counts with a coded error, never reading out of bounds', () => {
    const header = fc.record({
      message: fc.constant({ type: 'update' }),
      tensors: fc.oneof(fc.array(fc.oneof(descriptor, fc.constantFrom(null, 1, 'x', [])), { maxLength: 3 }), fc.constantFrom(null, {}, 'tensors')),
      words: fc.option(absurdNumber, { nil: undefined }),
    }, { requiredKeys: ['tensors'] });
    fc.assert(fc.property(header, fc.uint8Array({ maxLength: 64 }), (h, payload) => expectCoherent(decoded(frameWithHeader(h, payload)))), { numRuns: 2000 });
  });
});

describe('codec properties', () => {
  it('float32 decodes exactly 4 bytes per value, at any alignment, and refuses any other length', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 3 }), fc.nat({ max: 20 }), (bytes, shift, count) => {
      const shifted = new Uint8Array(bytes.length + shift).subarray(shift);
      shifted.set(bytes);
      try {
        const values = float32Codec.decode(shifted, [count]);
        expect(values.length).toBe(count);
        expect(bytes.length).toBe(4 * count);
        expect([...new Uint8Array(Float32Array.from(values).buffer)]).toEqual([...bytes]);
      } catch (err) {
        expect(err).toBeInstanceOf(FlotillaError);
        expect((err as FlotillaError).code).toBe(ErrorCodes.TENSOR_MISMATCH);
        expect(bytes.length).not.toBe(4 * count);
      }
    }), { numRuns: 1000 });
  });

  it('finds a codec only under its own id, whatever text names one', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.constantFrom('constructor', '__proto__', 'toString', 'valueOf', 'float32')), (id) => {
      try {
        expect(getCodec(id).id).toBe(id);
      } catch (err) {
        expect((err as FlotillaError).code).toBe(ErrorCodes.UNSUPPORTED_CODEC);
      }
    }), { numRuns: 500 });
  });
});
