// Coded errors of the contribution estimators: a malformed game or options is a programming error.

/** Stable codes: callers and logs match on these, never on messages. */
export type ContributionErrorCode =
  | 'CONTRIBUTION_INVALID_GAME'
  | 'CONTRIBUTION_INVALID_OPTIONS'
  | 'CONTRIBUTION_TOO_MANY_PLAYERS'
  | 'CONTRIBUTION_UTILITY_NOT_FINITE';

/**
 * Thrown when an estimator is called against its contract: a player count that is not a
 * non-negative integer, options out of range, exact Shapley on too many players, or a utility
 * that returned NaN or ±Infinity (a sub-model whose evaluation failed must not become a value).
 * @example
 * try { await exactShapley(40, u); } catch (e) { if (e instanceof ContributionError) console.log(e.code); }
 */
export class ContributionError extends Error {
  override readonly name = 'ContributionError';

  constructor(
    readonly code: ContributionErrorCode,
    message: string,
  ) {
    super(message);
  }
}
