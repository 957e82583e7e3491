// The coordinator's REST API as the dashboard sees it: typed views and a fetch that authenticates
// with the session cookie (or a bearer token, for scripts) and turns coded error bodies into ApiError.

import type { DataSchema, FederatedSummary } from '@flotilla/protocol';

export type { FederatedSummary };

export type TaskState = 'created' | 'running' | 'paused' | 'stopped' | 'completed' | 'failed';
export type RoundPhase =
  | 'selection' | 'configuration' | 'reporting' | 'aggregation' | 'evaluation' | 'commit' | 'keys' | 'shares' | 'unmasking';

export interface RoundSummary {
  taskId: string;
  round: number;
  outcome: 'committed' | 'abandoned';
  reason: string | null;
  startedAt: number;
  endedAt: number;
  selected: number;
  goal: number;
  reported: number;
  dropped: number;
  failed: number;
  testAccuracy: number | null;
  testLoss: number | null;
  trainLoss: number | null;
  baselineAccuracy: number | null;
  delta: number | null;
  /** ε spent after this round at the task's δ (DP tasks only). */
  epsilon: number | null;
  /** Client-level DP: the clip norm S after this round (moves under adaptive clipping). */
  clipNorm?: number | null;
  bytesUp: number;
  bytesDown: number;
  modelVersion: number;
  /** The federated evaluation of this round's model, once it ran. */
  federated?: FederatedSummary | null;
}

/** A federated evaluation in flight (clients evaluating a committed model on their held-out data). */
export interface CurrentEvaluation {
  round: number;
  modelVersion: number;
  asked: number;
  reported: number;
  failed: number;
  deadline: number;
}

export interface CurrentRound {
  round: number;
  phase: RoundPhase;
  selected: number;
  goal: number;
  reported: number;
  dropped: number;
  failed: number;
  deadline: number;
  startedAt: number;
  /** A secure-aggregation round (its timeline has the SecAgg stages). */
  secure?: boolean;
}

export interface TaskView {
  id: string;
  name: string;
  state: TaskState;
  stopReason: string | null;
  createdAt: number;
  updatedAt: number;
  modelVersion: number;
  lastRound: number;
  config: {
    model: { kind: string; architecture?: string; freeze?: { upTo: string | number } | { names: string[] } };
    data: {
      partition: { kind: string; numClients: number }; testLimit: number;
      dataset?: string; testDataset?: string; schema?: DataSchema; clientTestFraction?: number; simulation?: boolean;
    };
    evaluation?: { federated: { enabled: boolean; everyRounds: number; fractionClients: number; minClients: number; deadlineMs: number } };
    initialModel?: { from: 'upload'; uploadId: string } | { from: 'task'; taskId: string; version?: number };
    strategy: { name: string };
    fit: { fractionFit: number; epochs: number; batchSize: number; learningRate: number };
    stop: { maxRounds: number; targetAccuracy?: number; roundDeadlineMs: number; minReports: number };
    baseline: { enabled: boolean };
    privacy?: {
      differentialPrivacy?: {
        enabled: boolean; clippingNorm: number; noiseMultiplier: number; delta: number; targetEpsilon?: number;
        adaptiveClipping?: { enabled: boolean; targetQuantile: number; learningRate: number; clippedCountStddev?: number };
      };
      dpSgd?: { enabled: boolean; l2NormClip: number; noiseMultiplier: number; microbatchSize: number; delta: number; targetEpsilon?: number };
    };
  };
  latestRound: RoundSummary | null;
  baseline: { status: string; accuracy: number | null; loss: number | null; epochs: unknown[]; error: string | null } | null;
  currentRound: CurrentRound | null;
  /** What one example is (MNIST's for tasks stored before schemas). */
  schema?: DataSchema;
  currentEvaluation?: CurrentEvaluation | null;
}

export interface ClientView {
  id: string;
  kind: string;
  backend: string | null;
  examplesPerSec: number | null;
  firstSeen: number;
  lastSeen: number;
  roundsJoined: number;
  dropouts: number;
  connected: boolean;
  taskId: string | null;
}

/** A refused or failed call, with the coordinator's stable error code (FLT_…). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Sent on every call: with the session cookie, a state-changing call needs it (a cross-site form cannot set it). */
const CSRF = { 'x-flotilla-csrf': '1' };

/**
 * Calls the operator API; `token` null means the dashboard's session cookie, which same-origin
 * fetches send by themselves.
 * @example const { tasks } = await api<{ tasks: TaskView[] }>(null, '/api/tasks');
 */
export async function api<T>(token: string | null, pathname: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(pathname, {
    method: init.method ?? 'GET',
    credentials: 'same-origin',
    headers: {
      ...CSRF,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { message: text };
  }
  if (!response.ok) {
    const coded = (body ?? {}) as { code?: string; message?: string };
    throw new ApiError(response.status, coded.code ?? `HTTP_${response.status}`, coded.message ?? response.statusText);
  }
  return body as T;
}

/** Fetches a file as the operator (session cookie, or `token`) and hands it to the browser as a download. */
export async function downloadWithToken(token: string | null, pathname: string, filename: string): Promise<void> {
  const response = await fetch(pathname, { credentials: 'same-origin', headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new ApiError(response.status, `HTTP_${response.status}`, `download of ${filename} failed`);
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
