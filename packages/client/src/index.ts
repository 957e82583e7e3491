export { FlotillaClient } from './FlotillaClient.ts';
export { TfjsTrainer } from './TfjsTrainer.ts';
export { SlowTrainer } from './SlowTrainer.ts';
export { checkLocalData, splitLocal, selectLocal, exampleWidth, examplesAsLocalData } from './localData.ts';
export type { LocalSplit, SplitRule } from './localData.ts';
export { WeightsCache } from './WeightsCache.ts';
export type { GlobalWeights } from './WeightsCache.ts';
export { memoryIdentity, storageIdentity } from './identity.ts';
export { encodeUpdate, usesErrorFeedback } from './uplink.ts';
export type { EncodedUpdate } from './uplink.ts';
export { UplinkMeter, navigatorSeed } from './uplinkMeter.ts';
export { memoryResidualStore, indexedDbResidualStore, residualFor } from './residualStore.ts';
export type { ResidualStore, StoredResidual } from './residualStore.ts';
export { memoryPersonalStore, encodePersonalState, decodePersonalState } from './personal/personalState.ts';
export type { PersonalState, PersonalStore } from './personal/personalState.ts';
export { trainPersonalised, evaluatePersonalised, headTensors, overlayTensors } from './personal/personalTraining.ts';
export type { PersonalTraining, PersonalMetrics } from './personal/personalTraining.ts';
export { bodyTensors, zeroHead } from './personal/bodyOnly.ts';
export type {
  WebSocketLike, WebSocketFactory, LocalData, TrainJob, EvaluateJob, PersonalEvaluateJob, TrainOutcome, Trainer, Identity, IdentityStore, ClientStatus,
  ClientEvent, ClientOptions,
} from './types.ts';
export { BACKEND_LADDER, isBackendName, chooseBackend, benchmarkActiveBackend } from './browser/backendLadder.ts';
export type { BackendName, BackendProbe, BackendChoice, LadderOptions } from './browser/backendLadder.ts';
export { createTrainerWorkerApi } from './browser/trainerWorker.ts';
export { indexedDbPersonalStore } from './browser/personalDb.ts';
export type { TrainerWorkerApi, TrainerWorkerOptions, WorkerTrainJob, WorkerEvaluateJob, WorkerEvaluatePersonalJob, WorkerProgress, LocalDataSummary, DataPreview } from './browser/trainerWorker.ts';
export { WorkerTrainer, workerLocalData } from './browser/WorkerTrainer.ts';
export type { TrainerWorkerRemote, WorkerTrainerOptions } from './browser/WorkerTrainer.ts';
export { fetchSimulationPartition, simulationPartitionPath } from './browser/simulationData.ts';
export { parseDigitCsv, labelOfPath, rgbaToDigit, concatLocalData, readPickedFiles, DIGIT_PIXELS } from './browser/localFiles.ts';
export type { PickedFile } from './browser/localFiles.ts';
export { DrawnDigits } from './browser/drawnDigits.ts';
export { PickedExamples } from './browser/pickedExamples.ts';
export { readFilesForSchema, rgbaToExample, classOfPath, isDigitSchema } from './browser/schemaFiles.ts';
export type { ReadProgress } from './browser/schemaFiles.ts';
export {
  ATTACKS, ATTACK_NAMES, DEFAULT_ATTACK_PARAMS, ByzantineTrainer, byzantineClients, isAttackName, parseAttack, poisonLabels, poisonUpdate, resolveAttack,
} from './attacks.ts';
export type { Attack, AttackName, AttackParams, AttackTarget } from './attacks.ts';
