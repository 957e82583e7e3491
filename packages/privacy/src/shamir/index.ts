// Shamir secret sharing over GF(2^256 + 297).
export { SHAMIR_PRIME, FIELD_BYTES } from './field.ts';
export {
  type ShamirShare,
  shamirSplit,
  shamirCombine,
  shamirSplitBytes,
  shamirCombineBytes,
  lagrangeCoefficients,
  inverseBarycentricWeights,
  interpolate,
  encodeShareValue,
  decodeShareValue,
} from './shamir.ts';
