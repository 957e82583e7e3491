// Public API of vertical party sessions: whole runs of one role over a transport.
export { Mailbox } from './channel.ts';
export type { VerticalChannel, VerticalReport } from './channel.ts';
export { runHeteroLrGuest, runHeteroLrHost, runHeteroLrArbiter } from './heteroLrParty.ts';
export type { HeteroLrJobSettings, HeteroLrPartyData } from './heteroLrParty.ts';
export { joinRelay } from './relayChannel.ts';
export type { RelaySocket, RelayParty } from './relayChannel.ts';
export { HETERO_LR_ROLES, isHeteroLrPayloadType } from './relayMessages.ts';
export type { VerticalRole, PartyEnvelope, CoordinatorEnvelope, VerticalSimulationSpec } from './relayMessages.ts';
