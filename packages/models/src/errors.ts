// Coded errors for model construction, weights and (de)serialisation, so callers branch on a code.

/** Stable codes carried by {@link ModelError}; callers and logs match on these, never on messages. */
export type ModelErrorCode =
  | 'MODEL_SPEC_INVALID'
  | 'MODEL_WEIGHTS_MISMATCH'
  | 'MODEL_ARTIFACTS_INVALID'
  | 'MODEL_DATA_INVALID'
  | 'MODEL_PLAN_INVALID'
  | 'MODEL_BACKEND_UNAVAILABLE'
  /** The model's input shape, output units or output activation do not fit the task's data schema. */
  | 'MODEL_SCHEMA_MISMATCH'
  /** An upload is not a TensorFlow.js layers model (a graph model, a Keras file, some other JSON). */
  | 'MODEL_NOT_LAYERS'
  /** model.json lists weights but no weights file came with it. */
  | 'MODEL_WEIGHTS_MISSING'
  /** The weights file is shorter or longer than the manifest describes. */
  | 'MODEL_WEIGHTS_SIZE'
  /** The weights manifest names weights the topology lacks, lacks some it has, or gives other shapes. */
  | 'MODEL_MANIFEST_MISMATCH'
  /** An upload is past a size limit (model.json bytes, weight bytes or parameters). */
  | 'MODEL_TOO_LARGE'
  /** A layer to freeze does not exist, or freezing would leave nothing to train. */
  | 'MODEL_FREEZE_INVALID';

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
