// The seams of the client runtime: the socket, the trainer, the data and the identity, each
// supplied by the host (a browser worker or a Node process).

import type { LabelArray } from '@flotilla/models';
import type { GaussianSampler } from '@flotilla/privacy';
import type { ClientKind, DataSchema, DeviceInfo, EvaluationMetrics, FitPlan, ModelSpec, PersonalizationSpec } from '@flotilla/protocol';
import type { PersonalState, PersonalStore } from './personal/personalState.ts';
import type { PersonalMetrics } from './personal/personalTraining.ts';

/** The part of the WebSocket API both browsers and the `ws` package provide. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

/**
 * A client's examples of any schema, encoded as the model reads them: `features` holds `count`
 * rows of the schema's example width (pixels in [0, 1], an encoded table row, symbol indices),
 * `labels` a class or next-symbol id each, or a regression's value (Float32Array).
 */
export interface LocalData {
  features: Float32Array;
  labels: LabelArray;
  count: number;
}

export interface TrainJob {
  model: ModelSpec;
  /** The task's data schema; a `schema` model is built from it. Absent: MNIST's (tasks stored before schemas). */
  schema?: DataSchema;
  weights: Float32Array;
  plan: FitPlan;
  data: LocalData;
  /** The rows of `data` to train on (the client's train split); absent: all of them. */
  examples?: Uint32Array;
  signal: AbortSignal;
  /** Epoch ms after which training stops at the next batch and reports the steps done (the plan's `acceptPartial`). */
  stopAt?: number;
  onProgress(p: { epoch: number; epochs: number; batch: number; batches: number; loss: number }): void;
  /** Under `plan.personalization`: this client's personal state for the task (null before its first round). */
  personal?: PersonalState | null;
}

export interface TrainOutcome {
  /** local weights − global weights, flat, in the model's weight order. */
  update: Float32Array;
  shapes: number[][];
  numExamples: number;
  metrics: { loss: number; accuracy: number; trainMs: number };
  /** Under personalisation: the personal state to keep for the next round (never sent). */
  personal?: PersonalState;
  /** FedPer / FedRep: the head's tensor indices; the update sent leaves them out. */
  headTensors?: number[];
  /**
   * Local steps (batches) done: the plan's `localSteps` or epochs' worth, fewer when stopped early.
   * Absent (a trainer that does not count): the coordinator takes the planned steps.
   */
  localSteps?: number;
}

/** Evaluates a global model version on the client's held-out rows (federated evaluation). */
export interface EvaluateJob {
  model: ModelSpec;
  schema: DataSchema;
  weights: Float32Array;
  data: LocalData;
  /** The held-out rows of `data`. */
  examples: Uint32Array;
  signal: AbortSignal;
}

/** Evaluates a client's personal (and local-only) model beside the global one of an `EvaluateJob`. */
export interface PersonalEvaluateJob extends EvaluateJob {
  personalization: PersonalizationSpec;
  personal: PersonalState | null;
  /** The train rows: `finetune` fine-tunes the global model on them. */
  trainExamples: Uint32Array;
}

/** Trains a model locally. One implementation runs tfjs; tests may bring their own. */
export interface Trainer {
  device(): DeviceInfo;
  train(job: TrainJob): Promise<TrainOutcome>;
  /** Absent: the client answers every evaluation request with FLT_EVALUATION_FAILED. */
  evaluate?(job: EvaluateJob): Promise<EvaluationMetrics>;
  /** Absent: a personalised task's evaluations report the global model only. */
  evaluatePersonal?(job: PersonalEvaluateJob): Promise<PersonalMetrics>;
}

export interface Identity {
  clientId: string;
  resumeToken: string;
}

/** Where a client keeps its identity between connections (memory, localStorage, IndexedDB). */
export interface IdentityStore {
  load(): Identity | null;
  save(identity: Identity): void;
}

export type ClientStatus = 'connecting' | 'idle' | 'training' | 'uploading' | 'reconnecting' | 'stopped';

/** What a client tells its host (a page, a log line) as it goes. */
export type ClientEvent =
  | { type: 'status'; status: ClientStatus }
  | { type: 'welcome'; clientId: string; taskId: string | null; taskName?: string; model?: ModelSpec; schema?: DataSchema }
  /** The task's split of this client's data: examples it trains on and examples it holds out for evaluation. */
  | { type: 'data'; taskId: string; train: number; heldOut: number }
  | { type: 'plan'; taskId: string; round: number; modelVersion: number }
  | { type: 'progress'; round: number; epoch: number; epochs: number; batch: number; batches: number; loss: number }
  | { type: 'uploaded'; round: number; bytes: number; loss: number; accuracy: number; trainMs: number }
  | { type: 'accepted'; round: number }
  /** A federated evaluation of the model committed at `round`: reported with its metrics, or failed with a code. */
  | { type: 'evaluation'; round: number; modelVersion: number; outcome: 'reported'; numExamples: number; metrics: EvaluationMetrics; personal?: EvaluationMetrics; localOnly?: EvaluationMetrics }
  | { type: 'evaluation'; round: number; modelVersion: number; outcome: 'failed'; code: string; message: string }
  /** A secure-aggregation stage was sent: keys advertised, shares sent, masked input uploaded, shares revealed. */
  | { type: 'secagg'; round: number; stage: 'advertised' | 'shared' | 'masked' | 'revealed'; bytes: number }
  | { type: 'round-end'; round: number; outcome: 'committed' | 'abandoned' }
  /** This client's own contribution standing after a round's valuation (tasks with contribution assessment). */
  | { type: 'standing'; round: number; value: number; cumulative: number; rank: number; of: number; share: number; reward: number }
  | { type: 'error'; code: string; message: string; fatal: boolean }
  | { type: 'disconnected'; code: number; reason: string; retryInMs: number | null };

export interface ClientOptions {
  /** The coordinator's base URL, e.g. http://127.0.0.1:8080 (the socket is at /ws). */
  url: string;
  /**
   * Other edge aggregators of the same root (Flotilla's scale-out): after a disconnect the client
   * tries the next URL of [url, ...alternates] in turn, so it finds another edge when its own died.
   */
  alternates?: readonly string[];
  kind: ClientKind;
  trainer: Trainer;
  /** The client's examples; a browser page passes a count-only stand-in (the examples live in its worker, see `checkData`). */
  data: LocalData;
  /**
   * Checks the examples against the task's schema after the welcome, throwing a coded error
   * (FLT_DATA_SCHEMA_MISMATCH) when they do not fit; the client then leaves without training.
   * Default: `checkLocalData(data, schema)`. A page whose examples live in a worker checks them there.
   */
  checkData?: (schema: DataSchema) => Promise<void> | void;
  /**
   * The task's held-out rule when the client knows it before the welcome (a simulated client reads
   * it with its partition): the first hello then announces the train split's size, which a
   * simulation's coordinator requires exactly. Otherwise the first hello announces every example
   * and the client says hello again once the welcome told it the rule.
   */
  holdout?: import('./localData.ts').SplitRule;
  taskId?: string;
  partitionIndex?: number;
  /** The coordinator's client join token, when it requires one (not the operator token). */
  joinToken?: string;
  webSocket: WebSocketFactory;
  fetch?: typeof fetch;
  identity?: IdentityStore;
  weights?: import('./WeightsCache.ts').WeightsCache;
  /** Where a top-k uplink's error-feedback residual is kept (default: memory, lost on restart). */
  residuals?: import('./residualStore.ts').ResidualStore;
  /** Where personal models live between rounds (default: memory, lost with the process). */
  personal?: PersonalStore;
  /**
   * Reconnect backoff: full jitter between 0 and min(maxMs, baseMs·2^attempt); after the
   * coordinator refused for load (FLT_RATE_LIMITED, FLT_TOO_MANY_CONNECTIONS), between maxMs/2 and maxMs.
   */
  backoff?: { baseMs: number; maxMs: number };
  /**
   * A first guess of the uplink (kbit/s) until the client has measured its own uploads (bytes over
   * the time to each `update.ack`, smoothed); a page passes `navigatorSeed(navigator)`. The hello
   * and, once measured, each heartbeat report it, so the task's slow-link codec applies.
   */
  uplinkKbps?: number;
  /**
   * Source of the distributed-DP noise this client adds under secure aggregation (default: the
   * crypto one, `gaussianNoise` of @flotilla/privacy); tests pass `seededGaussianNoise(seed)`.
   */
  noise?: GaussianSampler;
  onEvent?: (event: ClientEvent) => void;
}
