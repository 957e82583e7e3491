// Tests of tight word packing: round trips at every width, sizes, sums of packed words, and the
// words frame that carries them refusing what does not follow its header.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeWordsFrame } from './frame.ts';
import { packWords, packedByteLength, unpackWords } from './packedWords.ts';
import { parseClientMessage } from './validate.ts';

const words = (n: number) => fc.uint32Array({ minLength: n, maxLength: n });

describe('packed words', () => {
  it('property: unpack(pack(w)) keeps each narrow word mod 2^bits and each wide word whole', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 3, max: 200 }).chain((n) => words(n)), (bits, wide, w) => {
        const packing = { bits, wide: Math.min(wide, w.length) };
        const bytes = packWords(w, packing);
        expect(bytes.byteLength).toBe(packedByteLength(w.length, packing));
        const back = unpackWords(bytes, w.length, packing);
        const narrow = w.length - packing.wide;
        expect(Array.from(back)).toEqual(Array.from(w, (x, i) => (i < narrow ? x % 2 ** bits : x)));
      }),
    );
  });

  it('property: the sum mod 2^32 of unpacked words agrees mod 2^bits with the sum of the originals', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 31 }), fc.array(words(8), { minLength: 1, maxLength: 50 }), (bits, vectors) => {
        const plain = new Uint32Array(8);
        const packed = new Uint32Array(8);
        for (const v of vectors) {
          const back = unpackWords(packWords(v, { bits, wide: 0 }), 8, { bits, wide: 0 });
          for (let i = 0; i < 8; i++) {
            plain[i] = plain[i]! + v[i]!;
            packed[i] = packed[i]! + back[i]!;
          }
        }
        expect(Array.from(packed, (x) => x % 2 ** bits)).toEqual(Array.from(plain, (x) => x % 2 ** bits));
      }),
    );
  });

  it('a masked input of 1000 values at 12 bits takes 1504 payload bytes instead of 4004, and parses back', () => {
    const masked = Uint32Array.from({ length: 1001 }, (_, i) => (i * 2654435761) >>> 0);
    const message = { type: 'secagg.masked', taskId: 't', round: 1, modelVersion: 0, ringBits: 12 };
    const packed = encodeWordsFrame(message, masked, { bits: 12, wide: 1 });
    const whole = encodeWordsFrame({ ...message, ringBits: undefined }, masked);

    // Header (about 100 bytes) plus payload, padded to 8.
    expect(packed.byteLength).toBeLessThan(1504 + 160);
    expect(whole.byteLength).toBeGreaterThanOrEqual(4004);
    const parsed = parseClientMessage(packed, true);
    expect(parsed.words![1000]).toBe(masked[1000]);
    expect(parsed.words![999]).toBe(masked[999]! % 4096);
  });

  it('refuses a frame whose packing disagrees with the message, runs past its end or claims too many words', () => {
    const masked = new Uint32Array(11);
    const message = { type: 'secagg.masked', taskId: 't', round: 1, modelVersion: 0 };
    const code = (f: () => unknown) => { try { f(); return null; } catch (e) { return (e as { code?: string }).code; } };

    expect(code(() => parseClientMessage(encodeWordsFrame({ ...message, ringBits: 12 }, masked), true))).toBe('FLT_SCHEMA_VIOLATION');
    expect(code(() => parseClientMessage(encodeWordsFrame(message, masked, { bits: 12, wide: 1 }), true))).toBe('FLT_SCHEMA_VIOLATION');
    expect(code(() => parseClientMessage(encodeWordsFrame({ ...message, ringBits: 12 }, masked, { bits: 12, wide: 0 }), true))).toBe('FLT_SCHEMA_VIOLATION');
    const frame = encodeWordsFrame({ ...message, ringBits: 12 }, masked, { bits: 12, wide: 1 });
    expect(code(() => decodeFrame(frame.subarray(0, frame.byteLength - 16)))).toBe('FLT_MALFORMED_FRAME');
    expect(code(() => decodeFrame(encodeWordsFrame(message, new Uint32Array(64), { bits: 1, wide: 0 }), { maxElements: 32 }))).toBe('FLT_FRAME_TOO_LARGE');
    expect(code(() => decodeFrame(encodeWordsFrame(message, masked, { bits: 33, wide: 1 })))).toBe('FLT_MALFORMED_FRAME');
  });
});
