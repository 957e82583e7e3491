// Parser for the IDX binary format (LeCun's MNIST files): dtype, shape and a zero-copy payload view.

import { DataFormatError } from './errors.ts';

/** Element types the IDX format defines, named after their third magic byte. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX file; `data` holds the raw payload bytes. */
export interface IdxTensor {
  readonly dtype: IdxDtype;
  readonly shape: number[];
  readonly data: Uint8Array;
}

const DTYPES: ReadonlyMap<number, { readonly dtype: IdxDtype; readonly bytes: number }> = new Map([
  [0x08, { dtype: 'uint8', bytes: 1 }],
  [0x09, { dtype: 'int8', bytes: 1 }],
  [0x0b, { dtype: 'int16', bytes: 2 }],
  [0x0c, { dtype: 'int32', bytes: 4 }],
  [0x0d, { dtype: 'float32', bytes: 4 }],
  [0x0e, { dtype: 'float64', bytes: 8 }],
]);

/**
 * Parses an IDX file: magic `00 00 <dtype> <ndims>`, then `ndims` big-endian u32 dimensions, then
 * the payload. `data` is a view into `bytes` (no copy, so a 47 MB image file costs nothing extra);
 * elements wider than a byte stay big-endian as stored, read them through a `DataView`.
 * The payload must be exactly as long as the shape says: a truncated or padded file is
 * rejected rather than silently misread.
 * @example
 * const labels = parseIdx(await readFile('train-labels-idx1-ubyte')); // { dtype: 'uint8', shape: [60000], data }
 */
export function parseIdx(bytes: Uint8Array): IdxTensor {
  if (bytes.length < 4) throw malformed(`IDX header needs at least 4 bytes, got ${bytes.length}`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw malformed(`IDX magic must start with two zero bytes, got 0x${hex(bytes[0])} 0x${hex(bytes[1])}`);
  }
  const type = DTYPES.get(bytes[2]!);
  if (type === undefined) throw new DataFormatError('DATA_IDX_DTYPE', `unsupported IDX dtype byte 0x${hex(bytes[2])}`);
  const ndims = bytes[3]!;
  if (ndims === 0) throw malformed('IDX file declares zero dimensions');

  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw malformed(`IDX header declares ${ndims} dimensions (${headerBytes} bytes) but the file has ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let elements = 1;
  for (let d = 0; d < ndims; d++) {
    const dim = view.getUint32(4 + 4 * d, false);
    shape.push(dim);
    elements *= dim;
  }

  const expected = elements * type.bytes;
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    const what = actual < expected ? 'truncated' : 'has trailing bytes';
    throw malformed(`IDX payload ${what}: shape [${shape.join(', ')}] of ${type.dtype} needs ${expected} bytes, found ${actual}`);
  }
  return { dtype: type.dtype, shape, data: bytes.subarray(headerBytes, headerBytes + expected) };
}

function malformed(message: string): DataFormatError {
  return new DataFormatError('DATA_IDX_MALFORMED', message);
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, '0');
}
