// Contribution assessment of a horizontal task: each round's Shapley value of every reporting
// client's update (GTG-Shapley, exact or leave-one-out), cumulated per client, the reward split the
// operator sets and the selection policy that uses the standings. Shared by the coordinator (which
// computes and stores them), the dashboard, the API and the join page (which shows a client its own
// standing only).

import { Type, type Static } from '@sinclair/typebox';

/**
 * How a round's values are estimated: `gtg` (guided truncated Monte Carlo, Liu et al. 2022),
 * `exact` (every coalition; the coordinator falls back to gtg for a round with more than
 * MAX_EXACT_PLAYERS reports and records that), `leave-one-out` (u(all) − u(all without i)).
 */
export const ContributionMethod = Type.Union([Type.Literal('gtg'), Type.Literal('exact'), Type.Literal('leave-one-out')]);
export type ContributionMethod = Static<typeof ContributionMethod>;

/** Rounds with more reports than this are valued by gtg even when the task asks for exact Shapley. */
export const MAX_EXACT_PLAYERS = 12;

/**
 * How the operator's reward pool is split by cumulative contribution: `proportional` to each
 * client's positive cumulative value; `threshold`: clients whose share of the positive total is
 * below `threshold` get nothing and the others split the pool proportionally.
 */
export const RewardSpec = Type.Object({
  kind: Type.Union([Type.Literal('proportional'), Type.Literal('threshold')], { default: 'proportional' }),
  /** The pool to split, in whatever unit the operator pays (credits, tokens, money). */
  pool: Type.Number({ minimum: 0, default: 100 }),
  /** `threshold`: the smallest share of the positive total (0–1) that earns a reward. */
  threshold: Type.Number({ minimum: 0, maximum: 1, default: 0.05 }),
});
export type RewardSpec = Static<typeof RewardSpec>;

/**
 * Selection that uses the standings: `uniform` ignores them; `downweight` samples a client whose
 * cumulative value is negative with weight `floorWeight` (others 1); `exclude` never selects it.
 * A client is judged only after it was valued in `minRounds` rounds.
 */
export const ContributionSelectionSpec = Type.Object({
  policy: Type.Union([Type.Literal('uniform'), Type.Literal('downweight'), Type.Literal('exclude')], { default: 'uniform' }),
  minRounds: Type.Integer({ minimum: 1, default: 3 }),
  floorWeight: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.1 }),
});
export type ContributionSelectionSpec = Static<typeof ContributionSelectionSpec>;

/**
 * TaskConfig.contribution. Utility is the task's evaluation metric (accuracy; −MSE for a
 * regression) of a coalition's model on a validation split the coordinator holds: the coalition's
 * model is the previous global model plus the example-weighted mean of the coalition's updates,
 * rebuilt from the received updates without retraining. Refused with FLT_CONTRIBUTION_INCOMPATIBLE
 * under secure aggregation (single updates are never visible), differential privacy (values
 * computed from unnoised single updates are not covered by the accountant), asynchronous rounds,
 * and where the coordinator holds no validation data.
 */
export const ContributionSpec = Type.Object({
  enabled: Type.Boolean({ default: false }),
  method: Type.Union(ContributionMethod.anyOf, { default: 'gtg' }),
  /**
   * The validation split: `examples` examples the coordinator holds and no client trains on, taken
   * from the task's dataset, or from a registered `dataset` with the task's schema.
   */
  validation: Type.Object({
    examples: Type.Integer({ minimum: 50, maximum: 100_000, default: 1000 }),
    dataset: Type.Optional(Type.String({ minLength: 1 })),
  }, { default: {} }),
  /** GTG within-round truncation: a permutation stops once its coalition is this close to u(all). */
  truncationTolerance: Type.Number({ minimum: 0, default: 0.005 }),
  /** GTG between-round truncation: a round whose full update gains less than this is valued 0 for everyone. */
  roundTolerance: Type.Number({ minimum: 0, default: 0.001 }),
  /** GTG stops when no value's running mean moved by more than this (relative) over the last permutations. */
  convergenceTolerance: Type.Number({ exclusiveMinimum: 0, default: 0.05 }),
  /** GTG's cap on Monte Carlo permutations per round. */
  maxPermutations: Type.Integer({ minimum: 1, maximum: 10_000, default: 50 }),
  reward: Type.Optional(RewardSpec),
  selection: Type.Optional(ContributionSelectionSpec),
});
export type ContributionSpec = Static<typeof ContributionSpec>;

/** One round's values (GET /api/tasks/:id/contributions, `contribution.round` events). */
export const ContributionRoundView = Type.Object({
  round: Type.Integer({ minimum: 1 }),
  /** The method used this round (exact falls back to gtg above MAX_EXACT_PLAYERS reports). */
  method: ContributionMethod,
  /** `accuracy` or `neg_mse`: what the utilities below measure. */
  metric: Type.String(),
  /** Utility of the previous global model (the empty coalition) and of all the round's reports. */
  baseUtility: Type.Number(),
  fullUtility: Type.Number(),
  /** Sub-models evaluated (each distinct coalition once). */
  evaluations: Type.Integer({ minimum: 0 }),
  /** Between-round truncation skipped the round: every value is 0. */
  truncated: Type.Boolean(),
  /** Wall time the valuation took on the coordinator. */
  elapsedMs: Type.Number({ minimum: 0 }),
  /** Each reporting client's value this round; they sum to fullUtility − baseUtility (up to estimation error). */
  values: Type.Record(Type.String(), Type.Number()),
});
export type ContributionRoundView = Static<typeof ContributionRoundView>;

/** A client's standing: cumulative value over the rounds it was valued in, rank and reward. */
export const ContributionStandingView = Type.Object({
  clientId: Type.String(),
  /** 1 = the largest cumulative value. */
  rank: Type.Integer({ minimum: 1 }),
  cumulative: Type.Number(),
  rounds: Type.Integer({ minimum: 0 }),
  lastValue: Type.Union([Type.Number(), Type.Null()]),
  /** Share of the reward pool (0–1) under the task's reward split, and the reward itself. */
  share: Type.Number({ minimum: 0, maximum: 1 }),
  reward: Type.Number({ minimum: 0 }),
  /** Selection weight under the task's policy now (1 = uniform; 0 = excluded). */
  selectionWeight: Type.Number({ minimum: 0, maximum: 1 }),
});
export type ContributionStandingView = Static<typeof ContributionStandingView>;

/** GET /api/tasks/:id/contributions. */
export const ContributionView = Type.Object({
  enabled: Type.Boolean(),
  method: ContributionMethod,
  metric: Type.String(),
  /** Where the utility is measured, in words (e.g. "1,000 held-out MNIST training examples no client holds"). */
  validation: Type.String(),
  reward: RewardSpec,
  selection: ContributionSelectionSpec,
  standings: Type.Array(ContributionStandingView),
  rounds: Type.Array(ContributionRoundView),
});
export type ContributionView = Static<typeof ContributionView>;

/**
 * Sent by the coordinator to each valued client after a round's valuation: its own standing only
 * (never another client's value or identity).
 */
export const StandingMessage = Type.Object({
  type: Type.Literal('standing'),
  taskId: Type.String(),
  round: Type.Integer({ minimum: 1 }),
  value: Type.Number(),
  cumulative: Type.Number(),
  rank: Type.Integer({ minimum: 1 }),
  /** Clients ranked. */
  of: Type.Integer({ minimum: 1 }),
  share: Type.Number({ minimum: 0, maximum: 1 }),
  reward: Type.Number({ minimum: 0 }),
});
export type StandingMessage = Static<typeof StandingMessage>;
