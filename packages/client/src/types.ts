// The seams of the client runtime: the socket, the trainer, the data and the identity, each
// supplied by the host (a browser worker or a Node process).

import type { GaussianSampler } from '@flotilla/privacy';
import type { ClientKind, DeviceInfo, FitPlan, ModelSpec } from '@flotilla/protocol';

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

export interface LocalData {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

export interface TrainJob {
  model: ModelSpec;
  weights: Float32Array;
  plan: FitPlan;
  data: LocalData;
  signal: AbortSignal;
  onProgress(p: { epoch: number; epochs: number; batch: number; batches: number; loss: number }): void;
}

export interface TrainOutcome {
  /** local weights − global weights, flat, in the model's weight order. */
  update: Float32Array;
  shapes: number[][];
  numExamples: number;
  metrics: { loss: number; accuracy: number; trainMs: number };
}

/** Trains a model locally. One implementation runs tfjs; tests may bring their own. */
export interface Trainer {
  device(): DeviceInfo;
  train(job: TrainJob): Promise<TrainOutcome>;
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
  | { type: 'welcome'; clientId: string; taskId: string | null; taskName?: string; model?: ModelSpec }
  | { type: 'plan'; taskId: string; round: number; modelVersion: number }
  | { type: 'progress'; round: number; epoch: number; epochs: number; batch: number; batches: number; loss: number }
  | { type: 'uploaded'; round: number; bytes: number; loss: number; accuracy: number; trainMs: number }
  | { type: 'accepted'; round: number }
  /** A secure-aggregation stage was sent: keys advertised, shares sent, masked input uploaded, shares revealed. */
  | { type: 'secagg'; round: number; stage: 'advertised' | 'shared' | 'masked' | 'revealed'; bytes: number }
  | { type: 'round-end'; round: number; outcome: 'committed' | 'abandoned' }
  | { type: 'error'; code: string; message: string; fatal: boolean }
  | { type: 'disconnected'; code: number; reason: string; retryInMs: number | null };

export interface ClientOptions {
  /** The coordinator's base URL, e.g. http://127.0.0.1:8080 (the socket is at /ws). */
  url: string;
  kind: ClientKind;
  trainer: Trainer;
  data: LocalData;
  taskId?: string;
  partitionIndex?: number;
  /** The coordinator's client join token, when it requires one (not the operator token). */
  joinToken?: string;
  webSocket: WebSocketFactory;
  fetch?: typeof fetch;
  identity?: IdentityStore;
  weights?: import('./WeightsCache.ts').WeightsCache;
  /**
   * Reconnect backoff: full jitter between 0 and min(maxMs, baseMs·2^attempt); after the
   * coordinator refused for load (FLT_RATE_LIMITED, FLT_TOO_MANY_CONNECTIONS), between maxMs/2 and maxMs.
   */
  backoff?: { baseMs: number; maxMs: number };
  /**
   * Source of the distributed-DP noise this client adds under secure aggregation (default: the
   * crypto one, `gaussianNoise` of @flotilla/privacy); tests pass `seededGaussianNoise(seed)`.
   */
  noise?: GaussianSampler;
  onEvent?: (event: ClientEvent) => void;
}
