// Data exchanged between the round engine, strategies and aggregators: reports, dropouts, plans.

/** A client's training report: its update Δ = local weights − global weights, flat like the model. */
export interface FitResult {
  clientId: string;
  numExamples: number;
  update: Float32Array;
  metrics?: Record<string, number>;
  /** Local steps (batches) the client actually did; FedNova normalises by it. */
  localSteps?: number;
}

/** Why a selected client produced no usable report: an expected event, recorded as data. */
export type FitFailureReason = 'disconnected' | 'deadline' | 'error' | 'rejected';

/** A selected client that did not report, or whose report was refused before aggregation. */
export interface FitFailure {
  clientId: string;
  reason: FitFailureReason;
  code?: string;
}

/** A connected client eligible for selection, with what it has told the coordinator about itself. */
export interface ClientInfo {
  id: string;
  numExamples?: number;
  examplesPerSec?: number;
  /** Relative chance of selection (> 0); absent on every client: uniform sampling. */
  selectionWeight?: number;
}

/** The local training plan every selected client receives. `proximalMu` is 0 except for FedProx. */
export interface FitConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  proximalMu: number;
}

/** Who trains this round, how, and how many reports the round waits for (`goal`). */
export interface FitInstructions {
  clientIds: string[];
  goal: number;
  config: FitConfig;
}

/** One evaluation: a client's, or the coordinator's on the held-out set (no `clientId`). */
export interface EvaluateResult {
  clientId?: string;
  numExamples: number;
  loss: number;
  accuracy: number;
}

/**
 * What the pure aggregators combine: a flat vector (a model or an update) and the number of
 * examples behind it, which example-weighted rules use and robust, unweighted rules ignore.
 */
export interface WeightedVector {
  weights: Float32Array;
  numExamples: number;
}
