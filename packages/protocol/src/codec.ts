// Tensor codecs: how one float32 tensor becomes payload bytes in a frame, and back.

import { ErrorCodes, FlotillaError } from './errors.ts';

export type CodecId = 'float32';

/**
 * Turns tensor values into bytes and back. Lossy codecs (float16, int8, top-k) plug in here;
 * the frame header records which codec wrote each payload.
 */
export interface TensorCodec {
  readonly id: CodecId;
  encode(values: Float32Array): Uint8Array;
  decode(bytes: Uint8Array, elementCount: number): Float32Array;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Raw IEEE-754 float32, little-endian: lossless and zero-copy on little-endian hosts. */
export const float32Codec: TensorCodec = {
  id: 'float32',
  encode(values) {
    if (littleEndian) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return out;
  },
  decode(bytes, elementCount) {
    if (bytes.byteLength !== elementCount * 4) {
      throw new FlotillaError(
        ErrorCodes.TENSOR_MISMATCH,
        `float32 payload of ${bytes.byteLength} bytes cannot hold ${elementCount} values`,
      );
    }
    if (littleEndian && bytes.byteOffset % 4 === 0) {
      return new Float32Array(bytes.buffer, bytes.byteOffset, elementCount);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Float32Array(elementCount);
    for (let i = 0; i < elementCount; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  },
};

const codecs: Record<CodecId, TensorCodec> = { float32: float32Codec };

/** The codec registered under an id, or a coded error for an unknown one. */
export function getCodec(id: string): TensorCodec {
  // Own keys only: "constructor" from a frame header must not find Object's.
  const codec = Object.hasOwn(codecs, id) ? (codecs as Record<string, TensorCodec>)[id] : undefined;
  if (!codec) throw new FlotillaError(ErrorCodes.UNSUPPORTED_CODEC, `unsupported codec "${id}"`);
  return codec;
}

/** Codec ids this build understands; clients advertise them in their hello. */
export const SUPPORTED_CODECS: readonly CodecId[] = ['float32'];
