// The jobs the coordinator hands to its model worker, shared by both sides of the thread.

import type { GtgOptions } from '@flotilla/core';
import type { ContributionMethod, DataSchema, ModelSpec, PartitionSpec } from '@flotilla/protocol';
import type { DatasetSource } from '../datasets/datasetSource.ts';

/** `schema` builds a `schema` model (MNIST's when absent). */
export interface InitJob { model: ModelSpec; seed: number; schema?: DataSchema }
/** The test set (the first `testLimit` examples) and the schema a model is evaluated with. */
export interface EvaluationData {
  schema: DataSchema;
  test: DatasetSource;
  /** Examples at the start of the test set left out (lent to contribution's validation split). */
  skip?: number;
}
export interface EvaluateJob extends Partial<EvaluationData> { model: ModelSpec; weights: Float32Array; testLimit: number }
export interface ExportJob { model: ModelSpec; weights: Float32Array; schema?: DataSchema }
export interface BaselineJob {
  model: ModelSpec;
  partition: PartitionSpec;
  /** Absent for MNIST tasks (whose fingerprints predate them): MNIST's schema and splits, nothing held out. */
  data?: {
    schema: DataSchema;
    dataset: DatasetSource;
    /** The central test set; null: evaluate on the pooled held-out parts of the clients. */
    test: DatasetSource | null;
    clientTestFraction: number;
  };
  testLimit: number;
  batchSize: number;
  learningRate: number;
  maxEpochs: number;
  patience: number;
  validationFraction: number;
  seed: number;
}

export interface InitResult { weights: Float32Array; shapes: number[][]; backend: string }
/** `accuracy` for classes (null for a regression, whose `loss` is the MSE and which reports `mse` and `mae`). */
export interface EvaluateResult { loss: number; accuracy: number | null; mse?: number; mae?: number }
export interface ExportResult { modelJson: Record<string, unknown>; weightData: ArrayBuffer }
/** For a regression `valAccuracy` is null and `valLoss` the validation MSE. */
export interface BaselineEpoch { epoch: number; trainLoss: number; valAccuracy: number | null; valLoss: number }
export interface BaselineResult {
  accuracy: number | null;
  loss: number;
  mse?: number;
  mae?: number;
  /** The central test set, or (where the coordinator holds none) the clients' pooled held-out parts. */
  evaluatedOn: 'test-set' | 'client-holdout';
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
  | { ok: true; weights: Float32Array; shapes: number[][]; trainable: Uint8Array; layers: { name: string; tensors: number[] }[] }
  | { ok: false; code: string; reason: string };

export interface InspectUploadJob { modelJson: string; weights: Uint8Array }
export interface UploadLayer { name: string; params: number; trainable: boolean }
export type InspectUploadResult =
  | { ok: true; modelTopology: unknown; params: number; inputShape: number[]; outputShape: number[]; layers: UploadLayer[] }
  | { ok: false; code: string; reason: string };

/**
 * One round's contribution valuation: `updates[i]` (Δ, flat like the model) is reporting client i's,
 * with its example count; the coalition models are `base` plus their example-weighted mean.
 */
export interface ContributionJob extends ContributionSetup {
  base: Float32Array;
  updates: Float32Array[];
  numExamples: number[];
  method: ContributionMethod;
  gtg: GtgOptions;
}
/** What every contribution job of a task shares: its model and its validation split. */
export interface ContributionSetup {
  model: ModelSpec;
  schema: DataSchema;
  /** Where utility is measured: `indices` of `source`; `key` (the task) names the split in the worker's cache. */
  validation: { key: string; source: DatasetSource; indices: Uint32Array };
}
/** The values in the order of the job's updates; `method` is the one used (exact falls back to gtg). */
export interface ContributionJobResult {
  method: ContributionMethod;
  values: number[];
  evaluations: number;
  truncated: boolean;
  baseUtility: number;
  fullUtility: number;
}
/** Progress of a contribution job: sub-models evaluated so far. */
export interface ContributionProgress { evaluations: number }
