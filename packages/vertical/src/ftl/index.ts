// Public API of hetero federated transfer learning (FTL): guest and host with Paillier-protected gradients, and plaintext FTL.
export { FtlGuest } from './FtlGuest.ts';
export { FtlHost, peerKeyFrom } from './FtlHost.ts';
export { PlainFtl, scoreAccuracy } from './PlainFtl.ts';
export type { FtlData } from './PlainFtl.ts';
export { createFtl, runFtlStep, predictFtl } from './runFtl.ts';
export type { FtlParties } from './runFtl.ts';
export { resolveFtlConfig, ftlBatch } from './config.ts';
export type { FtlConfig, ResolvedFtlConfig } from './config.ts';
export { RepresentationNet } from './representation.ts';
export { phiOf, ftlGradients, guestGradient, ftlScores } from './ftlMath.ts';
export { FTL_FRACTION_BITS, FTL_PRODUCT_BITS } from './wire.ts';
export type {
  FtlMessage,
  FtlSetupMessage,
  FtlHostKeyMessage,
  FtlHostComponentsMessage,
  FtlGuestComponentsMessage,
  FtlMaskedGradientMessage,
  FtlDecryptedGradientMessage,
  FtlPredictorMessage,
  FtlMaskedScoresMessage,
  FtlDecryptedScoresMessage,
} from './messages.ts';
export { simulateFtlMnist, FTL_DEFAULT_OVERLAP } from './simulation.ts';
export type { FtlSimulation, FtlSimulationTables } from './simulation.ts';
export { ftlBaselines, ftlDataOf, standardizedTables } from './baselines.ts';
export { standardizedTable } from './standardize.ts';
export type { FtlBaselineEpoch } from './baselines.ts';
