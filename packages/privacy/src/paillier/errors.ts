// Coded errors raised by the Paillier cryptosystem (stable `code` strings callers can switch on).

/** Stable error codes of the Paillier module. */
export type PaillierErrorCode =
  | 'PAILLIER_BAD_CIPHERTEXT'
  | 'PAILLIER_BAD_PLAINTEXT'
  | 'PAILLIER_BAD_KEY'
  | 'PAILLIER_KEY_MISMATCH'
  | 'PAILLIER_BAD_PARAMETER'
  | 'PAILLIER_BAD_ENCODING'
  | 'PAILLIER_PACK_OVERFLOW'
  | 'PAILLIER_WORKER_FAILED';

/**
 * Error with a stable `code`, thrown on malformed input or a misuse of the API.
 * @example
 * try { publicKey.validateCiphertext(c); } catch (e) {
 *   if (e instanceof PaillierError && e.code === 'PAILLIER_BAD_CIPHERTEXT') reject(e);
 * }
 */
export class PaillierError extends Error {
  override readonly name = 'PaillierError';
  constructor(
    readonly code: PaillierErrorCode,
    message: string,
  ) {
    super(message);
  }
}
