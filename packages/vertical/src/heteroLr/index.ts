// Public API of FATE-style hetero logistic regression: parties, messages, config, plaintext reference.
export { HeteroLrGuest } from './HeteroLrGuest.ts';
export { HeteroLrHost } from './HeteroLrHost.ts';
export { HeteroLrArbiter } from './HeteroLrArbiter.ts';
export type { HeteroLrArbiterOptions } from './HeteroLrArbiter.ts';
export { MIN_HETERO_LR_KEY_BITS } from './partyState.ts';
export { resolveHeteroLrConfig, batchOfStep, stepsPerEpoch } from './config.ts';
export type { HeteroLrConfig, ResolvedHeteroLrConfig } from './config.ts';
export { taylorLrBatch, PlainTaylorLr, lrProbabilities, binaryAccuracy } from './taylor.ts';
export type { VerticalLrData, TaylorBatch } from './taylor.ts';
export { setUpHeteroLr, runHeteroLrStep } from './runHeteroLr.ts';
export { heteroLrBaselines } from './baselines.ts';
export type { HeteroLrBaselineEpoch } from './baselines.ts';
export type { HeteroLrParties } from './runHeteroLr.ts';
export type {
  HeteroLrRole,
  HeteroLrMessage,
  HeteroLrPublicKeyMessage,
  HeteroLrHostScoresMessage,
  HeteroLrCrossTermsMessage,
  HeteroLrResidualsMessage,
  HeteroLrLossMessage,
  HeteroLrMaskedGradientMessage,
  HeteroLrDecryptedGradientMessage,
  HeteroLrHostPredictionMessage,
} from './messages.ts';
