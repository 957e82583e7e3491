// Public API of vertical party sessions: whole runs of one role over a transport.
export { Mailbox } from './channel.ts';
export type { VerticalChannel, VerticalReport } from './channel.ts';
export { runHeteroLrGuest, runHeteroLrHost, runHeteroLrArbiter } from './heteroLrParty.ts';
export type { HeteroLrJobSettings } from './heteroLrParty.ts';
export type { VerticalPartyTable } from '@flotilla/data';
export { trainAndValidation, DEFAULT_VALIDATION_FRACTION } from './validation.ts';
export type { PartyRows } from './validation.ts';
export { runSplitNnGuest, runSplitNnHost, runSplitNnArbiter } from './splitNnParty.ts';
export type { SplitNnJobSettings } from './splitNnParty.ts';
export { joinRelay } from './relayChannel.ts';
export type { RelaySocket, RelayParty } from './relayChannel.ts';
export { verticalRoles, verticalRolesOf, isPayloadTypeOf } from './relayMessages.ts';
export type { VerticalRole, VerticalAlgorithm, PartyEnvelope, CoordinatorEnvelope, VerticalSimulationSpec } from './relayMessages.ts';
export { runFtlGuest, runFtlHost, FTL_DEFAULT_KEY_BITS } from './ftlParty.ts';
export type { FtlJobSettings, FtlHostResult, FtlPartyOptions } from './ftlParty.ts';
