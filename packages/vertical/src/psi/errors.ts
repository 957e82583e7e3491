// Coded errors of private set intersection (stable `code` strings for the wire and the UI).

/** Stable error codes of the PSI module. */
export type PsiErrorCode = 'PSI_MALFORMED' | 'PSI_DUPLICATE_ID' | 'PSI_OUT_OF_ORDER' | 'PSI_TOO_LARGE' | 'PSI_BAD_PARAMETER';

/**
 * Error with a stable `code`: malformed peer messages, duplicate IDs, protocol steps out of order.
 * @example
 * try { party.intersect(reply); } catch (e) {
 *   if (e instanceof PsiError && e.code === 'PSI_MALFORMED') dropPeer();
 * }
 */
export class PsiError extends Error {
  override readonly name = 'PsiError';
  constructor(
    readonly code: PsiErrorCode,
    message: string,
  ) {
    super(message);
  }
}
