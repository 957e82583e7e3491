// Binary frames: one JSON message plus its tensors in a single WebSocket or HTTP body.
// Layout (little-endian), documented in packages/protocol/README.md:
//   0   4 bytes  magic "FLTF"
//   4   u8       frame format version (1)
//   5   3 bytes  reserved, zero
//   8   u32      header length H in bytes
//   12  H bytes  UTF-8 JSON header { message, tensors: TensorDescriptor[] }
//   …   zero padding to a multiple of 8
//   …   each tensor payload (byteLength bytes), each padded to a multiple of 8
// A words frame (secure aggregation's masked input) has `tensors: []` and `words: N` in its
// header and, in place of tensor payloads, N u32 words; with `bits: m, wide: t` in the header they
// are packed tightly instead (packedWords.ts): N − t words at m bits, then t words at 32.
// Payloads start 8-byte aligned so a float32 payload is read in place, without a copy.

import { codecSpec, getCodec, type CodecId, type EncodeOptions } from './codec.ts';
import type { CodecSpec } from './communication.ts';
import { ErrorCodes, FlotillaError } from './errors.ts';
import { packWords, unpackWords, type WordPacking } from './packedWords.ts';

export const FRAME_MAGIC = 0x46544c46; // "FLTF" read as a little-endian u32
export const FRAME_VERSION = 1;
const PREFIX_BYTES = 12;

export type DType = 'float32';

/** What the header says about one tensor in the frame. */
export interface TensorDescriptor {
  name?: string;
  dtype: DType;
  shape: number[];
  codec: CodecId;
  byteLength: number;
}

/** A decoded tensor: its values and its shape. */
export interface NamedTensor {
  name?: string;
  shape: number[];
  values: Float32Array;
  /** Set by decodeFrame: the codec that wrote this tensor's payload. */
  codec?: CodecId;
}

/** What decodeFrame may allocate: a sparse (top-k) payload of a few bytes can claim a huge dense tensor. */
export interface DecodeOptions {
  /** The most values the frame's tensors may hold together (default MAX_FRAME_ELEMENTS). */
  maxElements?: number;
}

/** The default bound on the values one frame decodes to: 2^26 (256 MiB of float32). */
export const MAX_FRAME_ELEMENTS = 2 ** 26;

export interface DecodedFrame {
  message: unknown;
  tensors: NamedTensor[];
  /** The u32 payload of a words frame (a copy, so it is aligned whatever the input was). */
  words?: Uint32Array;
  /** How the words were packed; absent: 32 bits each. */
  packing?: WordPacking;
}

const align8 = (n: number): number => (n + 7) & ~7;

/** Number of elements a shape holds. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Packs a message and its tensors into one binary frame, each tensor encoded with the codec.
 * @example const bytes = encodeFrame({ type: 'update', round: 3 }, [{ shape: [2], values }], { codec: 'topk', fraction: 0.1, errorFeedback: true });
 */
export function encodeFrame(
  message: object, tensors: readonly NamedTensor[], codecOrSpec: CodecId | CodecSpec = 'float32', options?: EncodeOptions,
): Uint8Array {
  const spec = codecSpec(codecOrSpec);
  const codec = getCodec(spec.codec);
  const payloads = tensors.map((t) => {
    if (t.values.length !== shapeSize(t.shape)) {
      throw new FlotillaError(ErrorCodes.TENSOR_MISMATCH, `tensor ${t.name ?? ''} has ${t.values.length} values for shape [${t.shape}]`);
    }
    return codec.encode(t.values, t.shape, spec, options);
  });
  const descriptors: TensorDescriptor[] = tensors.map((t, i) => ({
    ...(t.name === undefined ? {} : { name: t.name }),
    dtype: 'float32',
    shape: [...t.shape],
    codec: codec.id,
    byteLength: payloads[i]!.byteLength,
  }));
  const header = new TextEncoder().encode(JSON.stringify({ message, tensors: descriptors }));
  let total = align8(PREFIX_BYTES + header.byteLength);
  for (const p of payloads) total += align8(p.byteLength);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint8(4, FRAME_VERSION);
  view.setUint32(8, header.byteLength, true);
  out.set(header, PREFIX_BYTES);
  let offset = align8(PREFIX_BYTES + header.byteLength);
  for (const p of payloads) {
    out.set(p, offset);
    offset += align8(p.byteLength);
  }
  return out;
}

/**
 * Packs a message and a vector of u32 words (little-endian) into one binary frame; with a packing,
 * each word but the last `wide` takes `bits` bits (its value mod 2^bits).
 * @example const bytes = encodeWordsFrame({ type: 'secagg.masked', taskId, round, modelVersion }, masked);
 * @example const packed = encodeWordsFrame(message, masked, { bits: 12, wide: 1 }); // 1.5 bytes a word
 */
export function encodeWordsFrame(message: object, words: Uint32Array, packing?: WordPacking): Uint8Array {
  const fields = packing ? { words: words.length, bits: packing.bits, wide: packing.wide } : { words: words.length };
  const header = new TextEncoder().encode(JSON.stringify({ message, tensors: [], ...fields }));
  const start = align8(PREFIX_BYTES + header.byteLength);
  const packed = packing ? packWords(words, packing) : null;
  const out = new Uint8Array(start + align8(packed ? packed.byteLength : words.byteLength));
  const view = new DataView(out.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint8(4, FRAME_VERSION);
  view.setUint32(8, header.byteLength, true);
  out.set(header, PREFIX_BYTES);
  if (packed) out.set(packed, start);
  else if (littleEndianHost) out.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), start);
  else for (let i = 0; i < words.length; i++) view.setUint32(start + 4 * i, words[i]!, true);
  return out;
}

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Reads a binary frame. Throws FlotillaError(FLT_MALFORMED_FRAME | FLT_TENSOR_MISMATCH |
 * FLT_UNSUPPORTED_CODEC | FLT_FRAME_TOO_LARGE) on anything that does not follow the layout or
 * claims more than `maxElements` values; never reads out of bounds, never allocates past the bound.
 * The message is returned unvalidated: check it against its schema.
 * @example const { message, tensors } = decodeFrame(bytes, { maxElements: 4_000_000 });
 */
export function decodeFrame(bytes: Uint8Array, options: DecodeOptions = {}): DecodedFrame {
  const malformed = (why: string) => new FlotillaError(ErrorCodes.MALFORMED_FRAME, `malformed frame: ${why}`, true);
  if (bytes.byteLength < PREFIX_BYTES) throw malformed('shorter than its prefix');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== FRAME_MAGIC) throw malformed('bad magic');
  if (view.getUint8(4) !== FRAME_VERSION) throw malformed(`unsupported frame version ${view.getUint8(4)}`);
  const headerLength = view.getUint32(8, true);
  if (PREFIX_BYTES + headerLength > bytes.byteLength) throw malformed('header runs past the end');
  let header: { message?: unknown; tensors?: unknown; words?: unknown; bits?: unknown; wide?: unknown };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength)));
  } catch {
    throw malformed('header is not UTF-8 JSON');
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header.tensors)) throw malformed('header lacks a tensor list');
  let offset = align8(PREFIX_BYTES + headerLength);
  // Checked before any tensor is decoded: the sum over the frame, so many small claims count too.
  const maxElements = options.maxElements ?? MAX_FRAME_ELEMENTS;
  const descriptors = header.tensors.map((d: unknown, i: number) => checkDescriptor(d, i));
  const claimed = descriptors.reduce((n, d) => n + shapeSize(d.shape), 0);
  if (!(claimed <= maxElements)) {
    throw new FlotillaError(ErrorCodes.FRAME_TOO_LARGE, `frame claims ${claimed} values, at most ${maxElements} are accepted`, true);
  }
  const tensors: NamedTensor[] = descriptors.map((desc, i) => {
    if (offset + desc.byteLength > bytes.byteLength) throw malformed(`tensor ${i} runs past the end`);
    const payload = bytes.subarray(offset, offset + desc.byteLength);
    offset += align8(desc.byteLength);
    const values = getCodec(desc.codec).decode(payload, desc.shape);
    return { ...(desc.name === undefined ? {} : { name: desc.name }), shape: desc.shape, values, codec: desc.codec };
  });
  if (header.words === undefined) return { message: header.message, tensors };
  const count = header.words;
  if (!Number.isSafeInteger(count) || (count as number) < 0 || tensors.length > 0) throw malformed('words must be a count, without tensors');
  // Packed words claim up to 32 per byte: bound the allocation by the count, not the bytes.
  if ((count as number) > maxElements) {
    throw new FlotillaError(ErrorCodes.FRAME_TOO_LARGE, `frame claims ${count as number} words, at most ${maxElements} are accepted`, true);
  }
  if (header.bits !== undefined || header.wide !== undefined) {
    const packing = { bits: header.bits, wide: header.wide } as WordPacking;
    return { message: header.message, tensors, words: unpackWords(bytes.subarray(offset), count as number, packing), packing };
  }
  if (offset + 4 * (count as number) > bytes.byteLength) throw malformed('words run past the end');
  const words = new Uint32Array(count as number);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(offset + 4 * i, true);
  return { message: header.message, tensors, words };
}

function checkDescriptor(d: unknown, i: number): TensorDescriptor {
  const bad = (why: string) => new FlotillaError(ErrorCodes.TENSOR_MISMATCH, `tensor ${i}: ${why}`);
  if (typeof d !== 'object' || d === null) throw bad('descriptor is not an object');
  const desc = d as Partial<TensorDescriptor>;
  if (desc.dtype !== 'float32') throw bad(`unsupported dtype ${String(desc.dtype)}`);
  if (!Array.isArray(desc.shape) || !desc.shape.every((n) => Number.isSafeInteger(n) && n >= 0)) throw bad('shape must be non-negative integers');
  if (!Number.isSafeInteger(desc.byteLength) || (desc.byteLength as number) < 0) throw bad('byteLength must be a non-negative integer');
  if (typeof desc.codec !== 'string') throw bad('codec missing');
  if (desc.name !== undefined && typeof desc.name !== 'string') throw bad('name must be a string');
  return desc as TensorDescriptor;
}

/** Concatenates tensors into one flat vector (the model's weight order). */
export function flattenTensors(tensors: readonly NamedTensor[]): Float32Array {
  const total = tensors.reduce((n, t) => n + t.values.length, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const t of tensors) {
    out.set(t.values, offset);
    offset += t.values.length;
  }
  return out;
}

/** Splits a flat vector into tensors of the given shapes (views, no copy). */
export function splitFlat(flat: Float32Array, shapes: readonly number[][]): NamedTensor[] {
  let offset = 0;
  const tensors = shapes.map((shape) => {
    const size = shapeSize(shape);
    const values = flat.subarray(offset, offset + size);
    offset += size;
    return { shape: [...shape], values };
  });
  if (offset !== flat.length) {
    throw new FlotillaError(ErrorCodes.TENSOR_MISMATCH, `flat vector of ${flat.length} values does not match shapes totalling ${offset}`);
  }
  return tensors;
}
