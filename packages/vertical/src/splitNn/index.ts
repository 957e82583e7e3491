// Public API of the split neural network with a masked interactive layer (FATE hetero NN's shape).
export { SplitNnGuest } from './SplitNnGuest.ts';
export type { SplitNnStepResult } from './SplitNnGuest.ts';
export { SplitNnHost } from './SplitNnHost.ts';
export { SplitNnArbiter } from './SplitNnArbiter.ts';
export { PlainSplitNn } from './PlainSplitNn.ts';
export { splitNnBaselines } from './baselines.ts';
export type { SplitNnBaselineEpoch } from './baselines.ts';
export { createSplitNn, runSplitNnStep, predictSplitNn } from './runSplitNn.ts';
export type { SplitNnParties } from './runSplitNn.ts';
export { resolveSplitNnConfig, splitNnBatch } from './model.ts';
export type { SplitNnConfig, ResolvedSplitNnConfig } from './model.ts';
export { beaverTriple } from './beaver.ts';
export { RING_FRACTION_BITS, encodeRing, decodeRing } from './ring.ts';
export type { RingMatrix, RingMatrixWire } from './ring.ts';
export type {
  SplitNnMessage,
  SplitNnHostTriplesMessage,
  SplitNnGuestTriplesMessage,
  SplitNnHostOpenMessage,
  SplitNnGuestOpenMessage,
  SplitNnHostShareMessage,
  SplitNnBackwardMessage,
  SplitNnHostBackwardShareMessage,
} from './messages.ts';
