// Coded errors of the vertical training protocols (hetero LR, split NN): stable `code` strings.

/** Stable error codes of vertical training. */
export type VerticalErrorCode =
  | 'VFL_MALFORMED'
  | 'VFL_BAD_CIPHERTEXT'
  | 'VFL_OUT_OF_ORDER'
  | 'VFL_BAD_PARAMETER';

/**
 * Error with a stable `code`: a malformed or out-of-order message from a peer, a ciphertext that
 * is not one, or a bad configuration. The receiving party's model is left untouched.
 * @example
 * try { host.gradient(message); } catch (e) {
 *   if (e instanceof VerticalError && e.code === 'VFL_BAD_CIPHERTEXT') dropPeer();
 * }
 */
export class VerticalError extends Error {
  override readonly name = 'VerticalError';
  constructor(
    readonly code: VerticalErrorCode,
    message: string,
  ) {
    super(message);
  }
}
