import { describe, expect, it } from 'vitest';
import { DataFormatError } from './errors.ts';
import { parseIdx } from './idx.ts';

function idxBytes(dtypeByte: number, shape: number[], payload: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * shape.length + payload.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = dtypeByte;
  bytes[3] = shape.length;
  shape.forEach((dim, d) => view.setUint32(4 + 4 * d, dim, false));
  bytes.set(payload, 4 + 4 * shape.length);
  return bytes;
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof DataFormatError ? error.code : `not a DataFormatError: ${String(error)}`;
  }
  return undefined;
}

describe('parseIdx', () => {
  it('reads dtype, big-endian shape and payload of an unsigned-byte tensor', () => {
    const bytes = idxBytes(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);

    const tensor = parseIdx(bytes);

    expect(tensor.dtype).toBe('uint8');
    expect(tensor.shape).toEqual([2, 3]);
    expect([...tensor.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('returns the payload as a view into the input, not a copy', () => {
    const bytes = idxBytes(0x08, [4], [9, 8, 7, 6]);

    const { data } = parseIdx(bytes);

    expect(data.buffer).toBe(bytes.buffer);
    bytes[bytes.length - 1] = 42;
    expect(data[3]).toBe(42);
  });

  it('reads dimensions above 65535 as big-endian u32 (the MNIST image count)', () => {
    const bytes = idxBytes(0x08, [70000], new Array<number>(70000).fill(0));

    expect(parseIdx(bytes).shape).toEqual([70000]);
  });

  it('parses a file that sits at an offset inside a larger buffer', () => {
    const inner = idxBytes(0x08, [2], [5, 6]);
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);

    const tensor = parseIdx(outer.subarray(3));

    expect(tensor.shape).toEqual([2]);
    expect([...tensor.data]).toEqual([5, 6]);
  });

  it('sizes multi-byte payloads by element width', () => {
    const bytes = idxBytes(0x0c, [2], [0, 0, 0, 1, 0, 0, 1, 0]);

    const tensor = parseIdx(bytes);

    expect(tensor.dtype).toBe('int32');
    expect(new DataView(tensor.data.buffer, tensor.data.byteOffset).getInt32(4, false)).toBe(256);
  });

  it('rejects a bad magic number as malformed', () => {
    const bytes = idxBytes(0x08, [1], [0]);
    bytes[0] = 0x1f;

    expect(codeOf(() => parseIdx(bytes))).toBe('DATA_IDX_MALFORMED');
  });

  it('rejects a truncated payload and a truncated header as malformed', () => {
    const full = idxBytes(0x08, [2, 2], [1, 2, 3, 4]);

    expect(codeOf(() => parseIdx(full.subarray(0, full.length - 1)))).toBe('DATA_IDX_MALFORMED');
    expect(codeOf(() => parseIdx(full.subarray(0, 9)))).toBe('DATA_IDX_MALFORMED');
    expect(codeOf(() => parseIdx(new Uint8Array(2)))).toBe('DATA_IDX_MALFORMED');
  });

  it('rejects trailing bytes after the payload as malformed', () => {
    const bytes = idxBytes(0x08, [2], [1, 2, 3]);

    expect(codeOf(() => parseIdx(bytes))).toBe('DATA_IDX_MALFORMED');
  });

  it('rejects an unknown dtype byte with its own code', () => {
    const bytes = idxBytes(0x07, [1], [0]);

    expect(codeOf(() => parseIdx(bytes))).toBe('DATA_IDX_DTYPE');
  });
});
