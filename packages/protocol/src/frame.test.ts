import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from './errors.ts';
import { decodeFrame, encodeFrame, flattenTensors, MAX_FRAME_ELEMENTS, splitFlat } from './frame.ts';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof FlotillaError ? err.code : 'not-a-flotilla-error';
  }
  return undefined;
};

/** The frame rebuilt with its JSON header edited and its payloads unchanged: a client that lies. */
function withHeader(bytes: Uint8Array, edit: (header: { tensors: Array<Record<string, unknown>> }) => void): Uint8Array {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length)));
  edit(header);
  const payloads = bytes.subarray((12 + length + 7) & ~7);
  const text = new TextEncoder().encode(JSON.stringify(header));
  const start = (12 + text.length + 7) & ~7;
  const out = new Uint8Array(start + payloads.length);
  out.set(bytes.subarray(0, 12));
  new DataView(out.buffer).setUint32(8, text.length, true);
  out.set(text, 12);
  out.set(payloads, start);
  return out;
}

describe('binary frames', () => {
  it('refuses a sparse payload claiming a huge dense tensor before allocating it', () => {
    const topk = encodeFrame({}, [{ shape: [4], values: new Float32Array([0, 0, 0, 1]) }], { codec: 'topk', fraction: 0.25, errorFeedback: false });
    // Eight bytes of top-k payload would otherwise decode to 8 GiB of zeros (or an uncoded RangeError).
    for (const shape of [[2 ** 31], [2 ** 26, 2 ** 26], [MAX_FRAME_ELEMENTS + 1]]) {
      expect(codeOf(() => decodeFrame(withHeader(topk, (h) => { h.tensors[0]!.shape = shape; })))).toBe(ErrorCodes.FRAME_TOO_LARGE);
    }
    // The bound is over the whole frame: many tensors just under it each still count together.
    const many = withHeader(topk, (h) => { h.tensors = Array.from({ length: 3 }, () => ({ ...h.tensors[0]!, shape: [1000] })); });
    expect(codeOf(() => decodeFrame(many, { maxElements: 2500 }))).toBe(ErrorCodes.FRAME_TOO_LARGE);
    expect(decodeFrame(topk, { maxElements: 4 }).tensors[0]!.values[3]).toBe(1);
  });

  it('refuses a codec named like an inherited property', () => {
    const bytes = encodeFrame({}, [{ shape: [1], values: new Float32Array(1) }]);
    for (const codec of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(codeOf(() => decodeFrame(withHeader(bytes, (h) => { h.tensors[0]!.codec = codec; })))).toBe(ErrorCodes.UNSUPPORTED_CODEC);
    }
  });

  it('round-trips a message and tensors of several shapes bit for bit', () => {
    const a = new Float32Array([1.5, -2, Number.MIN_VALUE, 3.4e38, 0, -0]);
    const b = new Float32Array([7]);
    const bytes = encodeFrame({ type: 'update', round: 3 }, [{ name: 'w', shape: [2, 3], values: a }, { shape: [1], values: b }]);
    const frame = decodeFrame(bytes);
    expect(frame.message).toEqual({ type: 'update', round: 3 });
    expect(frame.tensors.map((t) => t.shape)).toEqual([[2, 3], [1]]);
    expect(frame.tensors[0]!.name).toBe('w');
    expect(Array.from(new Uint32Array(frame.tensors[0]!.values.slice().buffer))).toEqual(Array.from(new Uint32Array(a.buffer)));
    expect(Array.from(frame.tensors[1]!.values)).toEqual([7]);
  });

  it('aligns payloads to 8 bytes so float32 data is read in place', () => {
    const bytes = encodeFrame({ x: 'odd-length-header' }, [{ shape: [3], values: new Float32Array([1, 2, 3]) }]);
    const frame = decodeFrame(bytes);
    expect(frame.tensors[0]!.values.buffer).toBe(bytes.buffer);
    expect(frame.tensors[0]!.values.byteOffset % 8).toBe(0);
  });

  it('refuses a tensor whose values do not fill its shape', () => {
    expect(codeOf(() => encodeFrame({}, [{ shape: [2, 2], values: new Float32Array(3) }]))).toBe(ErrorCodes.TENSOR_MISMATCH);
  });

  it('rejects truncated, foreign and lying frames with coded errors, never reading out of bounds', () => {
    const good = encodeFrame({ type: 'update' }, [{ shape: [4], values: new Float32Array(4) }]);
    expect(codeOf(() => decodeFrame(good.subarray(0, 8)))).toBe(ErrorCodes.MALFORMED_FRAME);
    expect(codeOf(() => decodeFrame(good.subarray(0, good.length - 8)))).toBe(ErrorCodes.MALFORMED_FRAME);
    const foreign = good.slice();
    foreign[0] = 0;
    expect(codeOf(() => decodeFrame(foreign))).toBe(ErrorCodes.MALFORMED_FRAME);
    const hugeHeader = good.slice();
    new DataView(hugeHeader.buffer).setUint32(8, 0xffffffff, true);
    expect(codeOf(() => decodeFrame(hugeHeader))).toBe(ErrorCodes.MALFORMED_FRAME);
    const lying = encodeFrame({}, [{ shape: [4], values: new Float32Array(4) }]);
    const text = new TextDecoder().decode(lying).replace('"shape":[4]', '"shape":[5]');
    expect(codeOf(() => decodeFrame(new TextEncoder().encode(text)))).toBe(ErrorCodes.TENSOR_MISMATCH);
  });

  it('refuses unknown dtypes and codecs', () => {
    const bytes = encodeFrame({}, [{ shape: [1], values: new Float32Array(1) }]);
    const asText = new TextDecoder().decode(bytes);
    const int8 = new TextEncoder().encode(asText.replace('"dtype":"float32"', '"dtype":"int8xx0"'));
    expect(codeOf(() => decodeFrame(int8))).toBe(ErrorCodes.TENSOR_MISMATCH);
    const codec = new TextEncoder().encode(asText.replace('"codec":"float32"', '"codec":"zstd000"'));
    expect(codeOf(() => decodeFrame(codec))).toBe(ErrorCodes.UNSUPPORTED_CODEC);
  });

  it('splits a flat vector into shaped tensors and joins it back', () => {
    const flat = Float32Array.from({ length: 10 }, (_, i) => i);
    const tensors = splitFlat(flat, [[2, 3], [4]]);
    expect(tensors[1]!.values[0]).toBe(6);
    expect(Array.from(flattenTensors(tensors))).toEqual(Array.from(flat));
    expect(codeOf(() => splitFlat(flat, [[3]]))).toBe(ErrorCodes.TENSOR_MISMATCH);
  });
});
