// Envelopes between a vertical party and the coordinator's relay socket (/vertical/ws).
import type { VerticalReport } from './channel.ts';
import type { FtlJobSettings } from './ftlParty.ts';
import { hostRoles } from '../roles.ts';
import type { HostRole } from '../roles.ts';

/** A role of a vertical job: guest, one of its hosts, or the arbiter. */
export type VerticalRole = 'guest' | 'arbiter' | HostRole;

/**
 * Every role of a job with `hosts` hosts, guest first and arbiter last (VFL_BAD_PARAMETER outside 1..4).
 * @example verticalRoles(2) // ['guest', 'host', 'host-2', 'arbiter']
 */
export function verticalRoles(hosts = 1): VerticalRole[] {
  return ['guest', ...hostRoles(hosts), 'arbiter'];
}

/**
 * The roles of a job of `algorithm`: FTL is between one guest and one host, with no arbiter (each
 * party decrypts for the other); the others as {@link verticalRoles}.
 * @example verticalRolesOf('ftl') // ['guest', 'host']
 */
export function verticalRolesOf(algorithm: VerticalAlgorithm, hosts = 1): VerticalRole[] {
  return algorithm === 'ftl' ? ['guest', 'host'] : verticalRoles(hosts);
}

/** Party → coordinator. */
export type PartyEnvelope =
  | { type: 'vertical.relay'; to: VerticalRole; payload: { type: string } }
  | { type: 'vertical.report'; report: VerticalReport }
  | { type: 'vertical.done' }
  | { type: 'vertical.failed'; code: string; message: string };

/** Simulated tables a job's parties draw (see simulateVerticalMnist in @flotilla/data). */
export interface VerticalSimulationSpec {
  rows?: number;
  overlap?: number;
  seed?: number;
  testRows?: number;
  task?: 'pooled-binary' | 'digits';
  /** Host tables to cut (one band each); the job's `hosts`. */
  hosts?: number;
}

/** Coordinator → party. */
export type CoordinatorEnvelope =
  | { type: 'vertical.welcome'; jobId: string; role: VerticalRole; algorithm: VerticalAlgorithm; settings: FtlJobSettings; simulation: VerticalSimulationSpec | null }
  | { type: 'vertical.start' }
  | { type: 'vertical.relay'; from: VerticalRole; payload: { type: string } }
  | { type: 'vertical.error'; code: string; message: string }
  | { type: 'vertical.aborted'; reason: string };

/** The training protocols a vertical job runs. */
export type VerticalAlgorithm = 'hetero-lr' | 'split-nn' | 'ftl';

/** Payload types a job of `algorithm` relays: PSI and that protocol's messages. */
export function isPayloadTypeOf(algorithm: VerticalAlgorithm, type: string): boolean {
  return type.startsWith('psi.') || type.startsWith(`${algorithm}.`);
}
