// Fixed-point matrices over the ring Z_2^64, their wire form, and the Beaver matrix-product share.
import { VerticalError } from '../VerticalError.ts';

/** Fractional bits of a ring element: x ↦ round(x·2^16) mod 2^64; a product carries 2^32. */
export const RING_FRACTION_BITS = 16;

/** A rows × cols matrix of Z_2^64 elements, row-major. */
export interface RingMatrix {
  rows: number;
  cols: number;
  data: BigUint64Array;
}

/** Wire form: the 64-bit words as one lowercase hex string, 16 characters per element. */
export interface RingMatrixWire {
  rows: number;
  cols: number;
  hex: string;
}

const MAX_ELEMENTS = 1 << 22;
const SCALE = 2 ** RING_FRACTION_BITS;

/** Uniform random matrix (a one-time pad over the ring). */
export function randomRing(rows: number, cols: number): RingMatrix {
  const data = new BigUint64Array(rows * cols);
  for (let off = 0; off < data.length; off += 8192) crypto.getRandomValues(data.subarray(off, off + 8192));
  return { rows, cols, data };
}

/** Floats → ring at scale 2^16. @example encodeRing(new Float32Array([0.5, -1]), 1, 2) */
export function encodeRing(values: ArrayLike<number>, rows: number, cols: number): RingMatrix {
  if (values.length !== rows * cols) throw new VerticalError('VFL_BAD_PARAMETER', 'values must be rows × cols');
  const data = new BigUint64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) throw new VerticalError('VFL_BAD_PARAMETER', 'ring values must be finite');
    data[i] = BigInt.asUintN(64, BigInt(Math.round(x * SCALE)));
  }
  return { rows, cols, data };
}

/** Ring → floats, reading elements as signed and dividing by 2^(16·scaleMultiplier). */
export function decodeRing(m: RingMatrix, scaleMultiplier = 1): Float32Array {
  const out = new Float32Array(m.data.length);
  const scale = 2 ** -(RING_FRACTION_BITS * scaleMultiplier);
  for (let i = 0; i < out.length; i++) out[i] = Number(BigInt.asIntN(64, m.data[i]!)) * scale;
  return out;
}

/** A + B or A − B element-wise. */
export function ringAdd(a: RingMatrix, b: RingMatrix, sign: 1 | -1 = 1): RingMatrix {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new VerticalError('VFL_MALFORMED', 'ring matrix shapes differ');
  const data = new BigUint64Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = BigInt.asUintN(64, sign === 1 ? a.data[i]! + b.data[i]! : a.data[i]! - b.data[i]!);
  return { rows: a.rows, cols: a.cols, data };
}

/** A·B over Z_2^64. */
export function ringMatMul(a: RingMatrix, b: RingMatrix): RingMatrix {
  if (a.cols !== b.rows) throw new VerticalError('VFL_MALFORMED', `cannot multiply ${a.rows}×${a.cols} by ${b.rows}×${b.cols}`);
  const { rows, cols } = { rows: a.rows, cols: b.cols };
  const data = new BigUint64Array(rows * cols);
  const inner = a.cols;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let acc = 0n;
      for (let k = 0; k < inner; k++) acc += a.data[i * inner + k]! * b.data[k * cols + j]!;
      data[i * cols + j] = BigInt.asUintN(64, acc);
    }
  }
  return { rows, cols, data };
}

/** Transpose. */
export function ringTranspose(m: RingMatrix): RingMatrix {
  const data = new BigUint64Array(m.data.length);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) data[j * m.rows + i] = m.data[i * m.cols + j]!;
  return { rows: m.cols, cols: m.rows, data };
}

/** @example send({ embedding: ringToWire(e) }) */
export function ringToWire(m: RingMatrix): RingMatrixWire {
  let hex = '';
  for (const w of m.data) hex += w.toString(16).padStart(16, '0');
  return { rows: m.rows, cols: m.cols, hex };
}

/** Reads a ring matrix of the expected shape from a peer; VFL_MALFORMED otherwise. */
export function ringFromWire(value: unknown, rows: number, cols: number, what: string): RingMatrix {
  const v = value as Partial<RingMatrixWire> | null;
  if (typeof v !== 'object' || v === null || v.rows !== rows || v.cols !== cols || rows * cols > MAX_ELEMENTS) {
    throw new VerticalError('VFL_MALFORMED', `${what} must be a ${rows}×${cols} ring matrix`);
  }
  const hex = v.hex;
  if (typeof hex !== 'string' || hex.length !== rows * cols * 16 || !/^[0-9a-f]*$/.test(hex)) {
    throw new VerticalError('VFL_MALFORMED', `${what} must carry ${rows * cols} 16-digit hex words`);
  }
  const data = new BigUint64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = BigInt('0x' + hex.slice(i * 16, i * 16 + 16));
  return { rows, cols, data };
}
