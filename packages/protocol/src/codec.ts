// Tensor codecs: how one float32 tensor becomes payload bytes in a frame, and back. A registry
// keyed by codec name; each payload is self-describing, so the frame's `codec` field plus the
// payload decode it without the sender's parameters.

import type { CodecName, CodecSpec } from './communication.ts';
import { decodeFloat16, encodeFloat16 } from './codecs/float16.ts';
import { decodeInt8, encodeInt8 } from './codecs/int8.ts';
import type { RandomSource } from './codecs/payload.ts';
import { decodeQsgd, encodeQsgd } from './codecs/qsgd.ts';
import { decodeTopk, encodeTopk } from './codecs/topk.ts';
import { ErrorCodes, FlotillaError } from './errors.ts';

export type CodecId = CodecName;

/** What an encoder may need besides the values: a seeded generator for stochastic rounding. */
export interface EncodeOptions {
  random?: RandomSource;
}

/**
 * Turns tensor values into bytes and back. `encode` takes the codec's parameters from its spec;
 * `decode` reads them from the payload and refuses a malformed one with a coded error
 * (FLT_MALFORMED_FRAME / FLT_TENSOR_MISMATCH), never reading out of bounds.
 * @example const bytes = getCodec('int8').encode(values, [10, 4], { codec: 'int8', granularity: 'tensor', stochastic: true });
 */
export interface TensorCodec<S extends CodecSpec = CodecSpec> {
  readonly id: S['codec'];
  /** Whether decode(encode(v)) equals v bit for bit. */
  readonly lossless: boolean;
  encode(values: Float32Array, shape: readonly number[], spec: S, options?: EncodeOptions): Uint8Array;
  decode(bytes: Uint8Array, shape: readonly number[]): Float32Array;
}

type SpecOf<N extends CodecName> = Extract<CodecSpec, { codec: N }>;

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const countOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Raw IEEE-754 float32, little-endian: lossless and zero-copy on little-endian hosts. */
export const float32Codec: TensorCodec<SpecOf<'float32'>> = {
  id: 'float32',
  lossless: true,
  encode(values) {
    if (littleEndian) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return out;
  },
  decode(bytes, shape) {
    const elementCount = countOf(shape);
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

const codecs: { [N in CodecName]: TensorCodec<SpecOf<N>> } = {
  float32: float32Codec,
  float16: { id: 'float16', lossless: false, encode: (v) => encodeFloat16(v), decode: (b, s) => decodeFloat16(b, countOf(s)) },
  int8: {
    id: 'int8', lossless: false,
    encode: (v, shape, spec, o) => encodeInt8(v, shape, spec, o?.random ?? Math.random),
    decode: (b, s) => decodeInt8(b, s, countOf(s)),
  },
  topk: { id: 'topk', lossless: false, encode: (v, _s, spec) => encodeTopk(v, spec), decode: (b, s) => decodeTopk(b, countOf(s)) },
  qsgd: {
    id: 'qsgd', lossless: false,
    encode: (v, _s, spec, o) => encodeQsgd(v, spec, o?.random ?? Math.random),
    decode: (b, s) => decodeQsgd(b, countOf(s)),
  },
};

/** The codec registered under a name, or FLT_UNSUPPORTED_CODEC for an unknown one. */
export function getCodec(id: string): TensorCodec {
  // Own keys only: "constructor" from a frame header must not find Object's.
  const codec = Object.hasOwn(codecs, id) ? (codecs as unknown as Record<string, TensorCodec>)[id] : undefined;
  if (!codec) throw new FlotillaError(ErrorCodes.UNSUPPORTED_CODEC, `unsupported codec "${id}"`);
  return codec;
}

/**
 * The spec of a codec with its defaults filled in: a bare name or a partial spec from a config.
 * @example codecSpec('int8') // { codec: 'int8', granularity: 'tensor', stochastic: true }
 */
export function codecSpec(spec: CodecName | CodecSpec): CodecSpec {
  const s = typeof spec === 'string' ? ({ codec: spec } as CodecSpec) : spec;
  switch (s.codec) {
    case 'float32':
    case 'float16':
      return { codec: s.codec };
    case 'int8':
      return { codec: 'int8', granularity: s.granularity ?? 'tensor', stochastic: s.stochastic ?? true };
    case 'topk':
      return { codec: 'topk', fraction: s.fraction ?? 0.01, errorFeedback: s.errorFeedback ?? true };
    case 'qsgd':
      return { codec: 'qsgd', levels: s.levels ?? 16 };
    default: {
      const never: never = s;
      throw new FlotillaError(ErrorCodes.UNSUPPORTED_CODEC, `unsupported codec "${(never as { codec: string }).codec}"`);
    }
  }
}

/** Codec names this build understands; clients advertise them in their hello. */
export const SUPPORTED_CODECS: readonly CodecId[] = ['float32', 'float16', 'int8', 'topk', 'qsgd'];
