// Coded errors shared by the coordinator and clients: a stable code, a message, and whether the
// connection must close.

/** Every error code Flotilla puts on the wire or in a REST body. Codes are stable API. */
export const ErrorCodes = {
  MALFORMED_JSON: 'FLT_MALFORMED_JSON',
  MALFORMED_FRAME: 'FLT_MALFORMED_FRAME',
  UNKNOWN_TYPE: 'FLT_UNKNOWN_TYPE',
  SCHEMA_VIOLATION: 'FLT_SCHEMA_VIOLATION',
  PROTOCOL_VERSION: 'FLT_PROTOCOL_VERSION',
  NOT_WELCOMED: 'FLT_NOT_WELCOMED',
  FRAME_TOO_LARGE: 'FLT_FRAME_TOO_LARGE',
  TENSOR_MISMATCH: 'FLT_TENSOR_MISMATCH',
  UNSUPPORTED_CODEC: 'FLT_UNSUPPORTED_CODEC',
  NON_FINITE: 'FLT_NON_FINITE',
  UPDATE_NORM_EXCEEDED: 'FLT_UPDATE_NORM_EXCEEDED',
  STALE_ROUND: 'FLT_STALE_ROUND',
  /** An asynchronous update trained from a version more than `maxStaleness` commits old. */
  STALE_UPDATE: 'FLT_STALE_UPDATE',
  /** A codec the task cannot use with its other settings (top-k under secure aggregation, …). */
  CODEC_INCOMPATIBLE: 'FLT_CODEC_INCOMPATIBLE',
  NOT_SELECTED: 'FLT_NOT_SELECTED',
  DUPLICATE_REPORT: 'FLT_DUPLICATE_REPORT',
  BAD_EXAMPLE_COUNT: 'FLT_BAD_EXAMPLE_COUNT',
  UNKNOWN_CLIENT: 'FLT_UNKNOWN_CLIENT',
  TASK_NOT_FOUND: 'FLT_TASK_NOT_FOUND',
  TASK_STATE: 'FLT_TASK_STATE',
  INVALID_TASK: 'FLT_INVALID_TASK',
  NOT_FOUND: 'FLT_NOT_FOUND',
  TRAINING_FAILED: 'FLT_TRAINING_FAILED',
  /** A REST or event-stream request without the operator token, or with a wrong one. */
  UNAUTHORIZED: 'FLT_UNAUTHORIZED',
  /** A hello without the client join token the coordinator requires, or with a wrong one. */
  JOIN_REFUSED: 'FLT_JOIN_REFUSED',
  /** A hello with an issued join token the operator revoked; clients that joined with it are disconnected. */
  JOIN_REVOKED: 'FLT_JOIN_REVOKED',
  /** A request target in absolute form (`GET http://host/…`): the coordinator takes origin-form paths only. */
  BAD_REQUEST_TARGET: 'FLT_BAD_REQUEST_TARGET',
  /** A state-changing call authenticated by the dashboard's session cookie without the `x-flotilla-csrf` header. */
  CSRF_REFUSED: 'FLT_CSRF_REFUSED',
  /** A secure-aggregation message that does not fit the round's stage or sets (wrong party, stage, size). */
  SECAGG_REJECTED: 'FLT_SECAGG_REJECTED',
  /** A plaintext update sent in a round that requires secure aggregation. */
  SECAGG_REQUIRED: 'FLT_SECAGG_REQUIRED',
  /** A picked CSV file whose rows are not a label and 784 pixel columns. */
  CSV_WIDTH: 'FLT_CSV_WIDTH',
  /** A picked CSV file with a value that is not a number in range (label 0–9, pixel 0–255). */
  CSV_VALUE: 'FLT_CSV_VALUE',
  /** A picked file that does not decode as an image. */
  NOT_AN_IMAGE: 'FLT_NOT_AN_IMAGE',
  /** Picked images that are not in a folder named after their label (0–9). */
  NO_LABELS: 'FLT_NO_LABELS',
  /** The page holds no examples to train on. */
  NO_LOCAL_DATA: 'FLT_NO_LOCAL_DATA',
  /** A client's examples do not fit the task's data schema (shape, a class or symbol outside it, a non-finite value); it does not train. */
  DATA_SCHEMA_MISMATCH: 'FLT_DATA_SCHEMA_MISMATCH',
  /** A client asked to evaluate holds no held-out examples (the task holds none out, or it has too few). */
  NO_HELD_OUT_DATA: 'FLT_NO_HELD_OUT_DATA',
  /** A client's evaluation of a global model failed (weights unavailable, the model does not fit, aborted at the deadline). */
  EVALUATION_FAILED: 'FLT_EVALUATION_FAILED',
  /** Privacy parameters that cannot be met together (e.g. a target ε out of reach at that δ). */
  PRIVACY_UNREACHABLE: 'FLT_PRIVACY_UNREACHABLE',
  /** The coordinator's model worker died or timed out during a job; a fresh worker takes the next one. */
  MODEL_WORKER_FAILED: 'FLT_MODEL_WORKER_FAILED',
  /** A connection or event stream refused because the coordinator, or the caller's address, holds too many (close code 1013). */
  TOO_MANY_CONNECTIONS: 'FLT_TOO_MANY_CONNECTIONS',
  /** Hellos or messages faster than the coordinator's rate limits; fatal when a client keeps going far past them. */
  RATE_LIMITED: 'FLT_RATE_LIMITED',
  /** Dataset files that cannot become a dataset; the body's `detail` carries the DATA_* code and the file, line and column. */
  DATASET_INVALID: 'FLT_DATASET_INVALID',
  /** A dataset upload past the upload, total-storage or example limit (HTTP 413); nothing is stored. */
  DATASET_TOO_LARGE: 'FLT_DATASET_TOO_LARGE',
  /** Deleting a dataset that a created, running or paused task uses, or a built-in one. */
  DATASET_IN_USE: 'FLT_DATASET_IN_USE',
  /** A federated evaluation report without the metrics its task's objective needs (accuracy; mse and mae for a regression). */
  EVALUATION_METRICS: 'FLT_EVALUATION_METRICS',
  /** A pretrained upload (`POST /api/models`) that is not a valid tfjs layers model with its weights. */
  MODEL_INVALID: 'FLT_MODEL_INVALID',
  /** A pretrained upload past the size limits (model.json, weights, parameters). */
  MODEL_TOO_LARGE: 'FLT_MODEL_TOO_LARGE',
  /** Contribution assessment asked of a task where single updates are hidden or unusable (secure aggregation, DP, asynchronous rounds) or with no validation data at the coordinator. */
  CONTRIBUTION_INCOMPATIBLE: 'FLT_CONTRIBUTION_INCOMPATIBLE',
  /** A task setting the edge hierarchy (`--nats`) cannot honour yet: secure aggregation, client-level DP, robust or FedNova aggregation, asynchronous rounds, personalisation, contribution assessment. */
  HIERARCHY_UNSUPPORTED: 'FLT_HIERARCHY_UNSUPPORTED',
  /** An edge's partial sum of a round never arrived (the edge died or lost NATS): the round is abandoned, the model kept. */
  EDGE_LOST: 'FLT_EDGE_LOST',
  INTERNAL: 'FLT_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * An error with a stable code. `fatal` means the peer should close the connection.
 * @example throw new FlotillaError(ErrorCodes.STALE_ROUND, 'round 3 is closed');
 */
export class FlotillaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fatal = false,
  ) {
    super(message);
    this.name = 'FlotillaError';
  }
}

/** True for a FlotillaError carrying the given code. */
export function hasErrorCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof FlotillaError && err.code === code;
}
