// The client's side of a compressed uplink: encode an update with the codec its plan names and,
// for top-k with error feedback, carry what the codec dropped into the next update (Stich et al.
// 2018, arXiv:1809.07599): residual ← (update + residual) − what was sent.

import { decodeFrame, encodeFrame, flattenTensors, splitFlat, type CodecSpec, type EncodeOptions } from '@flotilla/protocol';

/** An update frame ready to send, and the residual to keep for the next one (null: none kept). */
export interface EncodedUpdate {
  frame: Uint8Array;
  residual: Float32Array | null;
}

/** Whether a codec keeps what it did not send on the client. */
export function usesErrorFeedback(spec: CodecSpec | undefined): boolean {
  return spec?.codec === 'topk' && spec.errorFeedback;
}

/**
 * Encodes an update (a flat weights delta) as an update frame in the planned codec. With error
 * feedback the residual of the previous rounds (same length, else ignored) is added first, and the
 * new residual is what the frame does not carry, computed from the frame's own bytes.
 * @example const { frame, residual } = encodeUpdate(message, delta, shapes, plan.fit.uplink ?? { codec: 'float32' }, previous);
 */
export function encodeUpdate(
  message: object, update: Float32Array, shapes: readonly number[][], spec: CodecSpec, residual: Float32Array | null, options?: EncodeOptions,
): EncodedUpdate {
  if (!usesErrorFeedback(spec)) return { frame: encodeFrame(message, splitFlat(update, shapes.map((s) => [...s])), spec, options), residual: null };
  const corrected = Float32Array.from(update);
  if (residual && residual.length === update.length) for (let i = 0; i < corrected.length; i++) corrected[i]! += residual[i]!;
  const frame = encodeFrame(message, splitFlat(corrected, shapes.map((s) => [...s])), spec, options);
  const sent = flattenTensors(decodeFrame(frame).tensors);
  for (let i = 0; i < corrected.length; i++) corrected[i]! -= sent[i]!;
  return { frame, residual: corrected };
}
