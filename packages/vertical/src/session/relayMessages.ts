// Envelopes between a vertical party and the coordinator's relay socket (/vertical/ws).
import type { VerticalReport } from './channel.ts';
import type { HeteroLrJobSettings } from './heteroLrParty.ts';

/** Roles of a hetero LR job. */
export const HETERO_LR_ROLES = ['guest', 'host', 'arbiter'] as const;
/** A role of a vertical job. */
export type VerticalRole = (typeof HETERO_LR_ROLES)[number];

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
}

/** Coordinator → party. */
export type CoordinatorEnvelope =
  | { type: 'vertical.welcome'; jobId: string; role: VerticalRole; algorithm: VerticalAlgorithm; settings: HeteroLrJobSettings; simulation: VerticalSimulationSpec | null }
  | { type: 'vertical.start' }
  | { type: 'vertical.relay'; from: VerticalRole; payload: { type: string } }
  | { type: 'vertical.error'; code: string; message: string }
  | { type: 'vertical.aborted'; reason: string };

/** The training protocols a vertical job runs. */
export type VerticalAlgorithm = 'hetero-lr' | 'split-nn';

/** Payload types a hetero LR job relays: PSI and hetero LR messages only. */
export function isHeteroLrPayloadType(type: string): boolean {
  return type.startsWith('psi.') || type.startsWith('hetero-lr.');
}

/** Payload types a job of `algorithm` relays: PSI and that protocol's messages. */
export function isPayloadTypeOf(algorithm: VerticalAlgorithm, type: string): boolean {
  return type.startsWith('psi.') || type.startsWith(`${algorithm}.`);
}
