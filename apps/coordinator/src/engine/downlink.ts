// The model as it travels down: the weights frame in the task's downlink codec, and the base a
// round starts from. With a lossy downlink a client can only train from the decoded model, so the
// round starts from exactly that (decode(encode(W))) on the coordinator too: the update a client
// sends is relative to the weights the aggregate is applied to, and no client and the coordinator
// disagree on the base. The downlink encoding is deterministic (int8 rounds to nearest) so the
// frame, cached per version, and the coordinator's base always agree.

import {
  codecSpec, decodeFrame, encodeFrame, encodeModelDelta, encodeWordsFrame, flattenTensors, modelChecksum, splitFlat, type CodecSpec, type TaskConfig,
} from '@flotilla/protocol';

/**
 * The task's downlink codec as the weights route uses it (float32 when the task names none).
 * @example downlinkCodec(config) // { codec: 'int8', granularity: 'channel', stochastic: false }
 */
export function downlinkCodec(config: TaskConfig): CodecSpec {
  const spec = codecSpec(config.communication?.downlink ?? 'float32');
  return spec.codec === 'int8' ? { ...spec, stochastic: false } : spec;
}

/** The weights frame of a model version in the task's downlink codec. */
export function encodeModel(config: TaskConfig, message: object, weights: Float32Array, shapes: readonly number[][]): Uint8Array {
  return encodeFrame(message, splitFlat(weights, shapes.map((s) => [...s])), downlinkCodec(config));
}

/**
 * The weights a client decodes from the served frame: the base a round starts from. The same
 * array for a lossless downlink.
 * @example this.weights = servedBase(config, this.weights, shapes);
 */
export function servedBase(config: TaskConfig, weights: Float32Array, shapes: readonly number[][]): Float32Array {
  if (downlinkCodec(config).codec === 'float32') return weights;
  return Float32Array.from(flattenTensors(decodeFrame(encodeModel(config, { type: 'weights' }, weights, shapes)).tensors));
}

/** The plan's `downlink` field: present only when the weights do not travel as float32. */
export function downlinkField(config: TaskConfig): { downlink?: CodecSpec } {
  const spec = downlinkCodec(config);
  return spec.codec === 'float32' ? {} : { downlink: spec };
}

/**
 * The frame that turns version `base` (as served) into `version` (as served), when the task asks
 * for deltas, its downlink values are exact bit patterns (float32, float16) and the delta is
 * smaller than the full frame; null otherwise (the full frame is sent). A words frame whose header
 * says what the bytes are and the checksum of the rebuilt model.
 * @example const frame = deltaFrame(config, id, 7, weights7, 5, weights5, shapes, fullFrame.byteLength);
 */
export function deltaFrame(
  config: TaskConfig, taskId: string, version: number, current: Float32Array, base: number, baseWeights: Float32Array, shapes: readonly number[][], fullBytes: number,
): Uint8Array | null {
  const format = downlinkCodec(config).codec;
  if (!config.communication?.downlinkDelta || (format !== 'float32' && format !== 'float16') || base >= version) return null;
  const target = servedBase(config, current, shapes);
  const bytes = encodeModelDelta(target, servedBase(config, baseWeights, shapes), format);
  const words = new Uint32Array(Math.ceil(bytes.byteLength / 4));
  new Uint8Array(words.buffer).set(bytes);
  const frame = encodeWordsFrame({
    type: 'weights.delta', taskId, version, base, format, count: target.length, byteLength: bytes.byteLength, checksum: modelChecksum(target),
  }, words);
  return frame.byteLength < fullBytes ? frame : null;
}
