// What every estimator in this folder returns: the contract's estimate plus the two utilities
// the round view shows (base = the previous global model, full = all the round's reports).

import type { ContributionEstimate } from './types.ts';

/** A {@link ContributionEstimate} with the utilities of the empty and the grand coalition. */
export interface ContributionResult extends ContributionEstimate {
  /** u(∅): the previous global model. */
  baseUtility: number;
  /** u(all players): every report of the round. */
  fullUtility: number;
}
