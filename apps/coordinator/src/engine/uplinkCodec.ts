// Which codec each client's update travels in (its FitPlan's `uplink`), and the check that an
// update arrived in it. The choice is a pure function of the task's communication spec and what
// the client said at hello (its codecs, its uplink speed), so the plan and the check agree.

import { ErrorCodes, FlotillaError, type CodecSpec, type FitPlan, type NamedTensor, type TaskConfig } from '@flotilla/protocol';
import type { ConnectedClient } from './ClientRegistry.ts';

const FLOAT32: CodecSpec = { codec: 'float32' };

/**
 * The uplink codec for a client: the slow-link codec when it reported an uplink below the task's
 * `slowLinkKbps`, else the task's; a codec the client did not advertise falls back to the task's
 * ordinary one, then to float32 (every client reads and writes float32).
 * @example uplinkFor(config, client) // { codec: 'int8', granularity: 'tensor', stochastic: true }
 */
export function uplinkFor(config: TaskConfig, client: Pick<ConnectedClient, 'device' | 'codecs'>): CodecSpec {
  const spec = config.communication;
  if (!spec) return FLOAT32;
  const speaks = (s: CodecSpec) => s.codec === 'float32' || (client.codecs ?? []).includes(s.codec);
  const kbps = client.device.uplinkKbps;
  const slow = spec.slowLinkUplink !== undefined && spec.slowLinkKbps !== undefined && kbps !== undefined && kbps < spec.slowLinkKbps;
  const candidates = slow ? [spec.slowLinkUplink!, spec.uplink] : [spec.uplink];
  return candidates.find(speaks) ?? FLOAT32;
}

/** The fit plan with this client's uplink codec (unchanged for float32, so older clients see no new field). */
export function withUplink(fit: FitPlan, config: TaskConfig, client: Pick<ConnectedClient, 'device' | 'codecs'> | undefined): FitPlan {
  const uplink = client ? uplinkFor(config, client) : FLOAT32;
  return uplink.codec === 'float32' ? fit : { ...fit, uplink };
}

/**
 * Refuses an update whose tensors were written in another codec than the client's plan named
 * (FLT_UNSUPPORTED_CODEC): a client must not pick a cheaper or lossier encoding on its own.
 * @example assertPlannedCodec(tensors, uplinkFor(config, client));
 */
export function assertPlannedCodec(tensors: readonly NamedTensor[], planned: CodecSpec): void {
  const other = tensors.find((t) => (t.codec ?? 'float32') !== planned.codec);
  if (other) {
    throw new FlotillaError(ErrorCodes.UNSUPPORTED_CODEC, `update tensor written in ${other.codec ?? 'float32'}, this client's plan asks for ${planned.codec}`);
  }
}
