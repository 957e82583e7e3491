// Public API of @flotilla/privacy: secure aggregation, fixed-point encoding, differential privacy.
export { PrivacyError, isPrivacyError, type PrivacyErrorCode } from './PrivacyError.ts';
export { randomBytes } from './bytes.ts';

export { type CryptoBackend, type CryptoBackendChoice, webCryptoHasX25519 } from './crypto/backend.ts';
export {
  type X25519KeyPair,
  generateX25519KeyPair,
  importX25519SecretKey,
  x25519SharedSecret,
} from './crypto/x25519.ts';
export { hkdfSha256 } from './crypto/hkdf.ts';
export { aeadEncrypt, aeadDecrypt } from './crypto/aead.ts';
export { prgExpand, prgExpandSync } from './crypto/prg.ts';

export {
  type ShamirShare,
  SHAMIR_PRIME,
  FIELD_BYTES,
  shamirSplit,
  shamirCombine,
  shamirSplitBytes,
  shamirCombineBytes,
  lagrangeCoefficients,
  inverseBarycentricWeights,
  interpolate,
  encodeShareValue,
  decodeShareValue,
} from './shamir/index.ts';

export {
  type FixedPointConfig,
  type WeightedFixedPointConfig,
  fixedPointConfig,
  fixedPointMagnitude,
  assertNoWrap,
  encodeFixedPoint,
  decodeFixedPointSum,
  weightedFixedPointConfig,
  encodeWeightedUpdate,
  decodeWeightedMean,
  ringModulus,
} from './fixedPoint.ts';
export {
  type QuantisedFixedPointConfig,
  quantisedFixedPointConfig,
  ringBitsFor,
  encodeQuantisedUpdate,
} from './quantisedFixedPoint.ts';

export type {
  SecAggMode,
  SecAggParams,
  SecAggStage,
  AdvertiseKeysMessage,
  PeerKeys,
  KeysBroadcastMessage,
  EncryptedShare,
  ShareKeysMessage,
  SharesDeliveryMessage,
  MaskedInputMessage,
  UnmaskRequestMessage,
  RevealedShare,
  UnmaskMessage,
  SecAggResult,
} from './secagg/types.ts';
export { secAggParams, validateParams, defaultNeighbours, defaultThreshold, secAggPlusGraph } from './secagg/params.ts';
export { SecAggClient } from './secagg/SecAggClient.ts';
export { SecAggServer } from './secagg/SecAggServer.ts';
export { type SimulatedDropouts, type SecAggSimulation, simulateSecAggRound } from './secagg/simulate.ts';

export { secureUniform, gaussianNoise, seededGaussianNoise, addGaussianNoise, l2Norm, clipByL2Norm, type GaussianSampler } from './dp/gaussian.ts';
export {
  type DpFedAvgConfig,
  dpFedAvgConfig,
  dpFedAvgClientUpdate,
  dpFedAvgAggregate,
  distributedNoiseStd,
} from './dp/clientLevel.ts';
export {
  type AdaptiveClippingConfig,
  adaptiveClippingConfig,
  noisyUnclippedFraction,
  updateClipNorm,
  effectiveNoiseMultiplier,
} from './dp/adaptiveClipping.ts';
export { type DpSgdConfig, dpSgdGradient } from './dp/dpSgd.ts';
export {
  type RdpConversion,
  DEFAULT_RDP_ORDERS,
  rdpSampledGaussian,
  computeRdp,
  getPrivacySpent,
} from './dp/rdp.ts';
export { type RdpHistoryEntry, RdpAccountant } from './dp/RdpAccountant.ts';
export { findNoiseMultiplier } from './dp/findNoiseMultiplier.ts';
export { DpSgdAccountant, type DpSgdAccountingOptions, type PlannedClient } from './dp/DpSgdAccountant.ts';
export { DpFedAvgStrategy, type DpFedAvgOptions } from './dp/DpFedAvgStrategy.ts';
// The capability lives in @flotilla/core (any strategy may account privacy); re-exported for existing callers.
export { hasPrivacyAccounting, type PrivacyAccounting } from '@flotilla/core';
export * from './paillier/index.ts';
