// Coded errors for violated aggregation preconditions (programming errors, not expected events).

/** Stable codes: callers and logs match on these, never on messages. */
export type AggregationErrorCode =
  | 'AGGREGATION_PRECONDITION'
  | 'AGGREGATION_SHAPE_MISMATCH'
  | 'AGGREGATION_NON_FINITE'
  | 'AGGREGATION_INVALID_CONFIG'
  | 'AGGREGATION_INVALID_STATE';

/**
 * Thrown when an aggregator, accumulator or strategy is called against its contract. A dropout
 * or a late report is data (a `FitFailure`); an empty input or mismatched lengths is this.
 * @example
 * try { fedAvg([]); } catch (e) { if (e instanceof AggregationError) console.log(e.code); }
 */
export class AggregationError extends Error {
  override readonly name = 'AggregationError';

  constructor(
    readonly code: AggregationErrorCode,
    message: string,
  ) {
    super(message);
  }
}
