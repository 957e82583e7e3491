// Reading what a vertical party sends on /vertical/ws: the envelope is checked here (a JSON
// object, a known type, a relay to another role of the job with a payload of this algorithm),
// the payload itself is left to the receiving party. A pure function, so it is property-tested.

import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { isPayloadTypeOf, type PartyEnvelope, type VerticalAlgorithm, type VerticalRole } from '@flotilla/vertical';

/** What the envelope is checked against: the job's roles and algorithm, and who sent it. */
export interface EnvelopeContext {
  roles: readonly VerticalRole[];
  self: VerticalRole;
  algorithm: VerticalAlgorithm;
}

/** A party's envelope; a report is passed on unchecked (VerticalJobs.report checks it). */
export type ReadEnvelope = Exclude<PartyEnvelope, { type: 'vertical.report' }> | { type: 'vertical.report'; report: unknown };

/**
 * Parses one text frame from a party; throws FLT_MALFORMED_JSON, FLT_UNKNOWN_TYPE or FLT_SCHEMA_VIOLATION.
 * @example const m = readPartyEnvelope(data, { roles: jobRoles(job), self: role, algorithm: job.algorithm });
 */
export function readPartyEnvelope(data: string, context: EnvelopeContext): ReadEnvelope {
  let m: unknown;
  try {
    m = JSON.parse(data);
  } catch {
    throw new FlotillaError(ErrorCodes.MALFORMED_JSON, 'messages must be JSON objects');
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new FlotillaError(ErrorCodes.MALFORMED_JSON, 'messages must be JSON objects');
  const message = m as Record<string, unknown>;
  switch (message.type) {
    case 'vertical.relay': {
      const { to, payload } = message;
      if (typeof to !== 'string' || !(context.roles as string[]).includes(to) || to === context.self) {
        throw new FlotillaError(ErrorCodes.SCHEMA_VIOLATION, 'to must name another role of the job');
      }
      const type = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as { type?: unknown }).type : undefined;
      if (typeof type !== 'string' || !isPayloadTypeOf(context.algorithm, type)) {
        throw new FlotillaError(ErrorCodes.SCHEMA_VIOLATION, `payload must be a psi.* or ${context.algorithm}.* message`);
      }
      return { type: 'vertical.relay', to: to as VerticalRole, payload: payload as { type: string } };
    }
    case 'vertical.report':
      return { type: 'vertical.report', report: message.report };
    case 'vertical.done':
      return { type: 'vertical.done' };
    case 'vertical.failed':
      return {
        type: 'vertical.failed',
        code: typeof message.code === 'string' ? message.code.slice(0, 64) : 'unknown',
        message: typeof message.message === 'string' ? message.message.slice(0, 500) : '',
      };
    default:
      throw new FlotillaError(ErrorCodes.UNKNOWN_TYPE, `unknown message type ${JSON.stringify(message.type ?? null)?.slice(0, 64)}`);
  }
}
