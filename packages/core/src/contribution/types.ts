// The shapes every contribution estimator shares: players are the round's reporting clients,
// numbered 0..n−1; a coalition's utility is measured by the caller (a sub-model rebuilt from those
// players' updates, evaluated on the coordinator's validation split), so the estimators are pure
// game theory and testable on synthetic games.

/**
 * The utility of a coalition: `members` are player indices, ascending, possibly empty (the
 * empty coalition is the previous global model). May be asynchronous (a model evaluation).
 */
export type CoalitionUtility = (members: readonly number[]) => number | Promise<number>;

/** What an estimator returns: one value per player and how many distinct coalitions it evaluated. */
export interface ContributionEstimate {
  values: number[];
  /** Distinct coalitions evaluated (memoised: a coalition is evaluated once per round). */
  evaluations: number;
  /** Between-round truncation skipped the round (every value 0). */
  truncated: boolean;
  /** Monte Carlo permutations sampled (gtg only). */
  permutations?: number;
}

/** Parameters of GTG-Shapley (Liu et al., ACM TIST 2022); defaults are ContributionSpec's. */
export interface GtgOptions {
  /** Within-round truncation: stop a permutation once |u(all) − u(prefix)| is below this. */
  truncationTolerance: number;
  /** Between-round truncation: value the round 0 for all when |u(all) − u(∅)| is below this. */
  roundTolerance: number;
  /** Stop when no running mean moved by more than this (relative) over the last permutations. */
  convergenceTolerance: number;
  maxPermutations: number;
  /** Seed of the permutation sampler: same seed, same permutations. */
  seed: number;
}
