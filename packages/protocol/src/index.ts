export { ErrorCodes, FlotillaError, hasErrorCode } from './errors.ts';
export type { ErrorCode } from './errors.ts';
export { codecSpec, float32Codec, getCodec, SUPPORTED_CODECS } from './codec.ts';
export type { CodecId, EncodeOptions, TensorCodec } from './codec.ts';
export { seededRandom } from './codecs/payload.ts';
export type { RandomSource } from './codecs/payload.ts';
export { topkCount } from './codecs/topk.ts';
export { applyModelDelta, encodeModelDelta, modelChecksum } from './modelDelta.ts';
export type { DeltaFormat } from './modelDelta.ts';
export {
  FRAME_MAGIC, FRAME_VERSION, MAX_FRAME_ELEMENTS, encodeFrame, encodeWordsFrame, decodeFrame, flattenTensors, splitFlat, shapeSize,
} from './frame.ts';
export type { DType, TensorDescriptor, NamedTensor, DecodedFrame, DecodeOptions } from './frame.ts';
export { packWords, unpackWords, packedByteLength } from './packedWords.ts';
export type { WordPacking } from './packedWords.ts';
export {
  PROTOCOL_VERSION, ClientKind, DeviceInfo, Hello, Heartbeat, TrainingMetrics, Update, FitFailed, Progress,
  ClientMessage, TaskSummary, Welcome, RoundPlan, RoundEnd, UpdateAck, ErrorMessage, ServerMessage,
  EvaluationMetrics, EvaluationReport, EvaluateFailed, EvaluatePlan,
} from './messages.ts';
export {
  ModelSpec, FreezeSpec, SchemaArchitecture, SchemaModelOptions, InitialModelSpec, FederatedEvaluationSpec, EvaluationSpec,
  BUILTIN_MNIST, BUILTIN_MNIST_TEST, taskSchema, PartitionSpec, DataSpec, FitSpec, StopSpec, LimitsSpec, BaselineSpec, TaskConfig, DEFAULT_MAX_EXAMPLES_PER_CLIENT,
  FitPlan, TaskState, AdaptiveClippingSpec, DifferentialPrivacySpec, DpSgdSpec, PrivacySpec, SecureAggregationSpec,
} from './task.ts';
export {
  SecAggPlan, SecAggAdvertise, SecAggShares, SecAggMasked, SecAggReveal, SecAggKeys, SecAggDeliver, SecAggUnmask,
  toBase64, fromBase64,
} from './secagg.ts';
export { parseClientMessage, parseServerMessage, errorMessage } from './validate.ts';
export { CreateJoinToken, JoinTokenView, IssuedJoinToken } from './joinTokens.ts';
export {
  DataSchema, ImageSchema, TabularSchema, TextSchema, FeatureColumn, NumericColumn, CategoricalColumn, TabularTarget, ChannelNormalization,
  MNIST_SCHEMA, schemaInputShape, schemaOutputSize, checkDataSchema,
} from './dataSchema.ts';
export { DatasetRecord, DatasetFile, describeSchema } from './datasets.ts';
export type { Parsed } from './validate.ts';
export { TaskConfigInput, TASK_CONFIG_FIELDS } from './taskInput.ts';
export type { DeepPartial } from './taskInput.ts';
export {
  ErrorView, RoundOutcome, ClientOutcome, RoundClientView, RoundSummaryView, RoundDetailView, RoundPhase, CurrentRoundView, RoundWorkView,
  BaselineEpoch, BaselineStatus, BaselineRecordView, CurrentEvaluationView, TaskView, ClientRecordView, ClientView, TaskListView, RoundListView,
  ClientListView, BaselineView, SessionView, VerticalJobState, VerticalJobView, CreateVerticalJob, CreatedVerticalJobView, VerticalJobListView,
} from './views.ts';
export { EventPayloads, EventType, EventEnvelope } from './events.ts';
export type { StreamEvent } from './events.ts';
export { StrategySpec, StrategyParameters, StrategyName, STRATEGY_NAMES, strategyParameterNames } from './strategies.ts';
export {
  FederatedSummary, MetricSpread, EvaluationClientOutcome, EvaluationClientView, EvaluationView, ModelUploadView, SCHEMA_ARCHITECTURE_KINDS, hasCentralTestSet,
} from './federatedEvaluation.ts';
export { CodecSpec, CommunicationSpec } from './communication.ts';
export type { CodecName } from './communication.ts';
export { AsynchronousSpec, WorkSpec, PersonalizationSpec } from './heterogeneity.ts';
export { keepsHead, resolveHead, PersonalClientView, PersonalizationSummary } from './personalization.ts';
export type { WeightLayer, PersonalHead } from './personalization.ts';
export { AsyncCommitView, CurrentBufferView } from './asynchronousViews.ts';
export {
  ContributionMethod, ContributionSpec, ContributionRoundView, ContributionStandingView, ContributionView,
  ContributionSelectionSpec, RewardSpec, StandingMessage, MAX_EXACT_PLAYERS,
} from './contribution.ts';
