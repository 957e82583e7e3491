// A task's communication settings at creation: codec defaults filled in, and the combinations the
// mathematics does not allow refused with a code naming the field.

import { ErrorCodes, FlotillaError, SUPPORTED_CODECS, codecSpec, type CodecName, type CodecSpec, type TaskConfig } from '@flotilla/protocol';
import { maxClientsPerRound } from './secAggBounds.ts';
import { checkSecureCommunication } from './secureQuantisation.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const known = (v: unknown): v is { codec: CodecName } => isObject(v) && SUPPORTED_CODECS.includes(v.codec as CodecName);

/**
 * A partial `communication` object completed: missing directions are float32, each codec's
 * parameters take their defaults. Unknown codecs are left for the schema check to name.
 * @example completeCommunication({ uplink: { codec: 'int8' } }) // downlink float32, int8 per tensor, stochastic
 */
export function completeCommunication(input: unknown): unknown {
  if (!isObject(input)) return input;
  const communication: Record<string, unknown> = { ...input };
  communication.uplink ??= { codec: 'float32' };
  communication.downlink ??= { codec: 'float32' };
  communication.downlinkDelta ??= false;
  for (const key of ['uplink', 'downlink', 'slowLinkUplink'] as const) {
    const value = communication[key];
    if (known(value)) communication[key] = { ...codecSpec(value.codec), ...value };
  }
  return communication;
}

/**
 * Refuses what cannot work: an uplink codec that does not compose with secure aggregation
 * (secureQuantisation.ts: int8 becomes quantised fixed point, top-k, QSGD and float16 are refused
 * with FLT_CODEC_INCOMPATIBLE), a sparse or QSGD downlink of the whole model, and a slow-link codec
 * without its threshold (FLT_INVALID_TASK).
 */
export function checkCommunication(config: TaskConfig): void {
  const c = config.communication;
  if (!c) return;
  if ((c.slowLinkUplink === undefined) !== (c.slowLinkKbps === undefined)) {
    throw new FlotillaError(ErrorCodes.INVALID_TASK, 'communication.slowLinkUplink and communication.slowLinkKbps go together');
  }
  if (c.downlink.codec === 'topk' || c.downlink.codec === 'qsgd') {
    throw new FlotillaError(ErrorCodes.INVALID_TASK, `communication.downlink: ${c.downlink.codec} cannot carry a whole model (use float32, float16 or int8)`);
  }
  if (c.slowLinkUplink && nominalBytesPerValue(c.slowLinkUplink) >= nominalBytesPerValue(c.uplink)) {
    throw new FlotillaError(ErrorCodes.INVALID_TASK,
      `communication.slowLinkUplink: ${c.slowLinkUplink.codec} is not smaller than communication.uplink's ${c.uplink.codec}; a client's reported link speed may only get it a cheaper codec`);
  }
  checkSecureCommunication(config, maxClientsPerRound(config));
}

/**
 * About how many bytes a codec spends on one value (headers and scales aside): what "cheaper"
 * means when a slow link picks its codec.
 * @example nominalBytesPerValue({ codec: 'topk', fraction: 0.01, errorFeedback: true }) // 0.08
 */
export function nominalBytesPerValue(spec: CodecSpec): number {
  switch (spec.codec) {
    case 'float32': return 4;
    case 'float16': return 2;
    case 'int8': return 1;
    case 'qsgd': return 1;
    // A float32 value and its index (u32, or a shorter varint gap) per kept value.
    case 'topk': return Math.min(4, 8 * spec.fraction);
    default: {
      const never: never = spec;
      throw new Error(`unknown codec ${JSON.stringify(never)}`);
    }
  }
}
