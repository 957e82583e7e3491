// The jobs the coordinator hands to its model worker, shared by both sides of the thread.

import type { DataSchema, ModelSpec, PartitionSpec } from '@flotilla/protocol';

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

/** A task's round-0 model: built for its schema, optionally from another model's weights. */
export interface InitTaskJob {
  model: ModelSpec;
  seed: number;
  schema: DataSchema;
  /** Check the model's input and output against the schema (tasks that declare one). */
  checkSchema: boolean;
  /** Round 0's weights: a stored upload's directory, or another model's flat weights (matched by name). */
  source?: { kind: 'upload'; dir: string } | { kind: 'weights'; model: ModelSpec; schema: DataSchema; weights: Float32Array };
}
/** A refusal carries the packages/models ModelError code (MODEL_SCHEMA_MISMATCH, MODEL_FREEZE_INVALID, …). */
export type InitTaskResult =
  | { ok: true; weights: Float32Array; shapes: number[][]; trainable: Uint8Array }
  | { ok: false; code: string; reason: string };

export interface InspectUploadJob { modelJson: string; weights: Uint8Array }
export interface UploadLayer { name: string; params: number; trainable: boolean }
export type InspectUploadResult =
  | { ok: true; modelTopology: unknown; params: number; inputShape: number[]; outputShape: number[]; layers: UploadLayer[] }
  | { ok: false; code: string; reason: string };
