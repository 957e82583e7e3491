// How updates and models travel: the codec a task asks for in each direction (negotiated per
// client in its plan), and whether the downlink sends a delta against the version a client holds.

import { Type, type Static } from '@sinclair/typebox';

/**
 * One codec and its parameters. `float32` is lossless; the others are lossy:
 * - `float16`: IEEE half precision (round to nearest even), 2 bytes a value.
 * - `int8`: one byte a value and a float32 scale per tensor or per output channel (the last axis),
 *   with stochastic rounding (unbiased) unless `stochastic` is false.
 * - `topk`: the `fraction` of the largest-magnitude values with their indices; the rest is kept
 *   on the client as a residual added to the next update (error feedback, Stich et al. 2018),
 *   across rounds and page reloads.
 * - `qsgd`: QSGD (Alistarh et al. 2017), `levels` stochastic levels of |v| / ‖v‖ per tensor.
 * @example { codec: 'topk', fraction: 0.01, errorFeedback: true }
 */
export const CodecSpec = Type.Union([
  Type.Object({ codec: Type.Literal('float32') }, { additionalProperties: false }),
  Type.Object({ codec: Type.Literal('float16') }, { additionalProperties: false }),
  Type.Object({
    codec: Type.Literal('int8'),
    granularity: Type.Union([Type.Literal('tensor'), Type.Literal('channel')], { default: 'tensor' }),
    stochastic: Type.Boolean({ default: true }),
  }, { additionalProperties: false }),
  Type.Object({
    codec: Type.Literal('topk'),
    fraction: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.01 }),
    errorFeedback: Type.Boolean({ default: true }),
  }, { additionalProperties: false }),
  Type.Object({
    codec: Type.Literal('qsgd'),
    levels: Type.Integer({ minimum: 1, maximum: 127, default: 16 }),
  }, { additionalProperties: false }),
]);
export type CodecSpec = Static<typeof CodecSpec>;

/** The codec names a CodecSpec may carry (what clients advertise in `capabilities.codecs`). */
export type CodecName = CodecSpec['codec'];

/**
 * A task's communication settings. The uplink codec compresses each client's update; the
 * downlink codec the model a client fetches, and with `downlinkDelta` a client that holds an
 * older version fetches (version − held) instead, where that is smaller. A client that reports a
 * slow link (`DeviceInfo.uplinkKbps` below `slowLinkKbps`) gets `slowLinkUplink` instead.
 * Optional in TaskConfig so stored tasks validate: absent means float32 both ways, no delta.
 */
export const CommunicationSpec = Type.Object({
  uplink: CodecSpec,
  downlink: CodecSpec,
  downlinkDelta: Type.Boolean({ default: false }),
  slowLinkUplink: Type.Optional(CodecSpec),
  slowLinkKbps: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
});
export type CommunicationSpec = Static<typeof CommunicationSpec>;
