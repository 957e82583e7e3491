// Public API of @flotilla/models: the model zoo, models from a data schema and their shape checks, pretrained uploads, frozen layers, flat weights, tfjs format, training and evaluation for any schema, backends.

export { ModelError } from './errors.ts';
export type { ModelErrorCode } from './errors.ts';
export { createModel, modelInputShape } from './zoo.ts';
export type { ModelSpec } from './zoo.ts';
export { getFlatWeights, setFlatWeights, countParams, weightShapes } from './weights.ts';
export {
  exportTfjsArtifacts, loadTfjsArtifacts, tfjsArtifactsFromFlat, saveModelToDir, loadModelFromDir, WEIGHTS_FILE,
} from './tfjsFormat.ts';
export type { TfjsArtifacts } from './tfjsFormat.ts';
export { trainLocal, trainCentralized } from './train.ts';
export { evaluate, evaluateModel } from './evaluate.ts';
export type { TrainingPlan, TrainingProgress, TrainingHooks, TrainingResult, CentralizedEpoch } from './train.ts';
export { privateGradient, clippedGradientSum } from './dpSgd.ts';
export type { DpSgdPlan, NoiseSource, ClippedSum } from './dpSgd.ts';
export { yieldToEventLoop } from './batches.ts';
export { CLASSIFICATION, REGRESSION } from './batches.ts';
export type { LabelledData, LabelArray, ClassLabelArray, Objective } from './batches.ts';
export { initNodeBackend } from './backendNode.ts';
export type { NodeBackendPreference, NodeBackendInfo } from './backendNode.ts';
export { registerWasmTrainingKernels } from './kernels/wasmTrainingKernels.ts';
export { buildModelForSchema, modelsFor, schemaObjective, SCHEMA_MODELS, MlpOptions, CnnOptions, RnnOptions, MAX_CNN_DENSE_WEIGHTS, MAX_SCHEMA_MODEL_WEIGHTS, MAX_RNN_UNITS } from './schemaModels.ts';
export type { SchemaModelName, SchemaModelEntry, SchemaModelOptions, SchemaObjective } from './schemaModels.ts';
export { checkModelAgainstSchema, checkSpecAgainstSchema } from './schemaCheck.ts';
export { loadPretrainedModel, DEFAULT_UPLOAD_LIMITS } from './pretrained.ts';
export type { PretrainedUpload, UploadLimits } from './pretrained.ts';
export { freezeLayers, trainableMask } from './freeze.ts';
export { weightLayers } from './layers.ts';
export type { FreezeSpec } from './freeze.ts';
export { coalitionUtility, coalitionUtilityOn, metricOf } from './coalitionUtility.ts';
export type { CoalitionRound, CoalitionUpdate, CoalitionValuation, UtilityMetric } from './coalitionUtility.ts';
