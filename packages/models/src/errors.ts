// Coded errors for model construction, weights and (de)serialisation, so callers branch on a code.

/** Stable codes carried by {@link ModelError}; callers and logs match on these, never on messages. */
export type ModelErrorCode =
  | 'MODEL_SPEC_INVALID'
  | 'MODEL_WEIGHTS_MISMATCH'
  | 'MODEL_ARTIFACTS_INVALID'
  | 'MODEL_DATA_INVALID'
  | 'MODEL_PLAN_INVALID'
  | 'MODEL_BACKEND_UNAVAILABLE';

/**
 * A model, its weights or its training data do not fit together (wrong length, bad model.json…).
 * @example
 * try { setFlatWeights(model, flat); } catch (e) { if (e instanceof ModelError && e.code === 'MODEL_WEIGHTS_MISMATCH') refetch(); }
 */
export class ModelError extends Error {
  override readonly name = 'ModelError';

  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
  }
}
