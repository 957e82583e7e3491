// Coded errors of the privacy package: every failure a caller can react to carries a stable code.

/** Stable error codes; the coordinator maps them onto wire errors and round outcomes. */
export type PrivacyErrorCode =
  | 'SECAGG_TOO_FEW_SURVIVORS'
  | 'SECAGG_BAD_SHARE'
  | 'SECAGG_BAD_MESSAGE'
  | 'SECAGG_WRONG_STAGE'
  | 'SECAGG_BAD_CONFIG'
  | 'SECAGG_DECRYPT_FAILED'
  | 'SECAGG_BAD_KEY'
  | 'SHAMIR_TOO_FEW_SHARES'
  | 'FIXED_POINT_OVERFLOW'
  | 'FIXED_POINT_INVALID_CONFIG'
  | 'FIXED_POINT_NOT_FINITE'
  | 'DP_INVALID_CONFIG'
  | 'DP_BUDGET_TOO_LOW'
  | 'CRYPTO_UNAVAILABLE';

/**
 * An error with a stable `code`; `details` carries the numbers that explain it.
 * @example
 * try { server.closeMaskedInputs(); }
 * catch (e) { if (e instanceof PrivacyError && e.code === 'SECAGG_TOO_FEW_SURVIVORS') abandonRound(); }
 */
export class PrivacyError extends Error {
  override readonly name = 'PrivacyError';

  constructor(
    readonly code: PrivacyErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(`${code}: ${message}`);
  }
}

/**
 * True when `e` is a PrivacyError, optionally with the given code.
 * @example if (isPrivacyError(e, 'SECAGG_TOO_FEW_SURVIVORS')) keepModel();
 */
export function isPrivacyError(e: unknown, code?: PrivacyErrorCode): e is PrivacyError {
  return e instanceof PrivacyError && (code === undefined || e.code === code);
}
