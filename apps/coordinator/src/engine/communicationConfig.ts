// A task's communication settings at creation: codec defaults filled in, and the combinations the
// mathematics does not allow refused with a code naming the field.

import { ErrorCodes, FlotillaError, SUPPORTED_CODECS, codecSpec, type CodecName, type CodecSpec, type TaskConfig } from '@flotilla/protocol';

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

/** Codecs whose payload the coordinator cannot sum under masks: indices or per-tensor norms. */
const NOT_UNDER_SECAGG: ReadonlySet<CodecName> = new Set(['topk', 'qsgd', 'int8', 'float16']);

/**
 * Refuses what cannot work: an uplink codec under secure aggregation (FLT_CODEC_INCOMPATIBLE;
 * the masked input is already SecAgg's own fixed-point encoding, and top-k indices or per-client
 * scales cannot be summed under masks), a sparse or QSGD downlink of the whole model, and a
 * slow-link codec without its threshold (FLT_INVALID_TASK).
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
  if (config.privacy.secureAggregation?.enabled) {
    const uplinks: [string, CodecSpec | undefined][] = [['communication.uplink', c.uplink], ['communication.slowLinkUplink', c.slowLinkUplink]];
    for (const [field, spec] of uplinks) {
      if (spec && NOT_UNDER_SECAGG.has(spec.codec)) {
        throw new FlotillaError(ErrorCodes.CODEC_INCOMPATIBLE,
          `${field}: ${spec.codec} does not compose with secure aggregation (${spec.codec === 'topk' ? 'indices cannot be summed under masks' : 'each client would quantise with its own scale, which masks cannot sum'}); masked inputs travel as SecAgg's fixed-point words`);
      }
    }
  }
}
