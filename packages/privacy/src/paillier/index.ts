// Public API of the Paillier cryptosystem: keys, encryption, pools, fixed point, packing, wire forms.
export { PaillierError } from './errors.ts';
export type { PaillierErrorCode } from './errors.ts';
export { PaillierPublicKey } from './PaillierPublicKey.ts';
export type { PaillierCiphertext } from './PaillierPublicKey.ts';
export { PaillierPrivateKey } from './PaillierPrivateKey.ts';
export { generatePaillierKeyPair, DEFAULT_PAILLIER_BITS } from './keyGeneration.ts';
export type { PaillierKeyPair, PaillierKeyOptions } from './keyGeneration.ts';
export { PaillierRandomnessPool, computeRandomFactors } from './PaillierRandomnessPool.ts';
export type { RandomnessPoolOptions } from './PaillierRandomnessPool.ts';
export { PaillierWorkerPool, servePaillierRequests } from './PaillierWorkerPool.ts';
export type { PaillierWorkerEndpoint, PaillierRequest, PaillierReply } from './PaillierWorkerPool.ts';
export {
  encodePaillierFixedPoint,
  decodePaillierFixedPoint,
  encodePaillierInteger,
  decodePaillierInteger,
  PAILLIER_FRACTION_BITS,
} from './fixedPoint.ts';
export { PaillierPacker } from './PaillierPacker.ts';
export type { PackingOptions } from './PaillierPacker.ts';
export {
  serializePublicKey,
  deserializePublicKey,
  serializePrivateKey,
  deserializePrivateKey,
  ciphertextToBytes,
  ciphertextFromBytes,
  ciphertextToHex,
  ciphertextFromHex,
  ciphertextsToBytes,
  ciphertextsFromBytes,
} from './serialization.ts';
export type { SerializedPaillierPublicKey, SerializedPaillierPrivateKey } from './serialization.ts';
export { isProbablePrime, generatePrime } from './primes.ts';
