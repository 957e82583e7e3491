// The jobs the coordinator hands to its model worker, shared by both sides of the thread.

import type { ModelSpec, PartitionSpec } from '@flotilla/protocol';

export interface InitJob { model: ModelSpec; seed: number }
export interface EvaluateJob { model: ModelSpec; weights: Float32Array; testLimit: number }
export interface ExportJob { model: ModelSpec; weights: Float32Array }
export interface BaselineJob {
  model: ModelSpec;
  partition: PartitionSpec;
  testLimit: number;
  batchSize: number;
  learningRate: number;
  maxEpochs: number;
  patience: number;
  validationFraction: number;
  seed: number;
}

export interface InitResult { weights: Float32Array; shapes: number[][]; backend: string }
export interface EvaluateResult { loss: number; accuracy: number }
export interface ExportResult { modelJson: Record<string, unknown>; weightData: ArrayBuffer }
export interface BaselineEpoch { epoch: number; trainLoss: number; valAccuracy: number; valLoss: number }
export interface BaselineResult {
  accuracy: number;
  loss: number;
  epochs: BaselineEpoch[];
  trainExamples: number;
  validationExamples: number;
}
