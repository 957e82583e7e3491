// Bounds-checked little-endian reading and writing shared by the tensor codecs' payloads.

import { ErrorCodes, FlotillaError } from '../errors.ts';

/** A coded error for a payload that does not follow its codec's layout. */
export function malformedPayload(codec: string, why: string): FlotillaError {
  return new FlotillaError(ErrorCodes.MALFORMED_FRAME, `malformed ${codec} payload: ${why}`, true);
}

/** A coded error for a payload whose size or content does not fit the tensor's shape. */
export function payloadMismatch(codec: string, why: string): FlotillaError {
  return new FlotillaError(ErrorCodes.TENSOR_MISMATCH, `${codec} payload ${why}`);
}

/**
 * Refuses a non-finite value before it is compressed: a lossy codec would hide or spread it.
 * @example assertFinite(values, 'int8');
 */
export function assertFinite(values: Float32Array, codec: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new FlotillaError(ErrorCodes.NON_FINITE, `${codec} cannot encode value ${i}: ${values[i]}`);
  }
}

/** A DataView over exactly the payload's bytes. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The last axis of a shape (the output channels of a dense or conv kernel), 1 for a scalar. */
export function channelsOf(shape: readonly number[]): number {
  return shape.length === 0 ? 1 : shape[shape.length - 1]!;
}

/** Math.random unless a test passes a seeded generator (stochastic rounding). */
export type RandomSource = () => number;

/**
 * A small seeded generator (mulberry32) so tests and benches reproduce stochastic rounding.
 * @example const random = seededRandom(42); random(); // in [0, 1)
 */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
