// Which uplink codecs compose with secure aggregation, and how: int8 becomes quantised fixed point
// before masking (b = 8 bits, stochastic rounding, summed in Z_2^(b + ⌈log2 n⌉)); the others are
// refused at task creation with the mathematical reason.

import { ringBitsFor } from '@flotilla/privacy';
import { ErrorCodes, FlotillaError, type CodecSpec, type TaskConfig } from '@flotilla/protocol';

/** How a secure round quantises: b bits a value, stochastic rounding or round to nearest. */
export interface SecureQuantisation {
  bits: number;
  stochastic: boolean;
}

/** Bits of a value under the int8 uplink: the symmetric range ±127. */
export const INT8_BITS = 8;

/**
 * Why an uplink codec cannot travel under masks, or null when it can (float32 words; int8 as
 * quantised fixed point). Exhaustive over the codecs: a new one must say whether it composes.
 * @example secureAggregationConflict({ codec: 'topk', fraction: 0.01, errorFeedback: true }) // 'each client keeps other indices, …'
 */
export function secureAggregationConflict(spec: CodecSpec): string | null {
  switch (spec.codec) {
    case 'float32': return null;
    case 'int8':
      return spec.granularity === 'channel'
        ? 'per-channel scales come from each client\'s own values, and masked integers on different scales cannot be summed; use granularity "tensor" (one scale, clip/127, for every client)'
        : null;
    case 'topk': return 'each client keeps other indices, so the masked vectors do not line up coordinate by coordinate, and the indices would reveal which coordinates each client changed';
    case 'qsgd': return 'each client scales its levels by its own update norm, sent in the clear beside them: the masked levels of clients with different norms do not sum to the sum of the updates, and the norms would leak';
    case 'float16': return 'a half-precision float is not an element of a ring: masks must add and cancel exactly modulo 2^m, which floating-point addition does not';
    default: {
      const never: never = spec;
      throw new Error(`unknown codec ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The quantisation of a task's secure rounds: int8 uplink → 8 bits; else null (32-bit words).
 * @example secureQuantisationOf(config) // { bits: 8, stochastic: true }
 */
export function secureQuantisationOf(config: TaskConfig): SecureQuantisation | null {
  const uplink = config.communication?.uplink;
  if (!config.privacy.secureAggregation?.enabled || uplink?.codec !== 'int8') return null;
  return { bits: INT8_BITS, stochastic: uplink.stochastic };
}

/**
 * Refuses at creation what cannot compose with secure aggregation: an uplink or slow-link codec
 * from secureAggregationConflict (FLT_CODEC_INCOMPATIBLE), a slow-link codec other than the uplink's
 * (one ring and one scale per round: FLT_CODEC_INCOMPATIBLE), and a quantised ring that could not
 * hold the sum of a round's clients in 32 bits (FLT_INVALID_TASK naming communication.uplink).
 * @example checkSecureCommunication(config, maxClientsPerRound(config));
 */
export function checkSecureCommunication(config: TaskConfig, clientsPerRound: number): void {
  const c = config.communication;
  if (!c || !config.privacy.secureAggregation?.enabled) return;
  const uplinks: [string, CodecSpec | undefined][] = [['communication.uplink', c.uplink], ['communication.slowLinkUplink', c.slowLinkUplink]];
  for (const [field, spec] of uplinks) {
    const conflict = spec ? secureAggregationConflict(spec) : null;
    if (conflict) throw new FlotillaError(ErrorCodes.CODEC_INCOMPATIBLE, `${field}: ${spec!.codec} does not compose with secure aggregation: ${conflict}`);
  }
  if (c.slowLinkUplink && c.slowLinkUplink.codec !== c.uplink.codec) {
    throw new FlotillaError(ErrorCodes.CODEC_INCOMPATIBLE,
      `communication.slowLinkUplink: a secure round sums every client's masked input in one ring at one scale, so slow clients cannot get another codec (${c.slowLinkUplink.codec}) than the rest (${c.uplink.codec}); set communication.uplink to int8 instead`);
  }
  const quantisation = secureQuantisationOf(config);
  if (!quantisation) return;
  const ringBits = ringBitsFor(quantisation.bits, clientsPerRound);
  if (ringBits > 32) {
    throw new FlotillaError(ErrorCodes.INVALID_TASK,
      `communication.uplink: int8 under secure aggregation sums up to ${clientsPerRound} clients per round in a ring of ${quantisation.bits} + ⌈log2 ${clientsPerRound}⌉ = ${ringBits} bits, more than 32; select fewer clients per round`);
  }
}
