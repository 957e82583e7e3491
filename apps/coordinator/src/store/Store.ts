// The coordinator's persistence interface: tasks, rounds, clients, checkpoints, baselines and
// events. SQLite is the embedded default; another engine implements this same interface.

import type {
  BaselineRecordView, ClientOutcome as ProtocolClientOutcome, ClientRecordView, EvaluationClientView, EvaluationView, RoundClientView, RoundDetailView,
  RoundOutcome as ProtocolRoundOutcome, TaskConfig, TaskState,
} from '@flotilla/protocol';
import type { ContributionStore } from './contributionTables.ts';
import type { HeteroLrBaselineEpoch, HeteroLrJobSettings, VerticalAlgorithm, VerticalRole, VerticalSimulationSpec } from '@flotilla/vertical';

export interface TaskRecord {
  id: string;
  name: string;
  config: TaskConfig;
  state: TaskState;
  createdAt: number;
  updatedAt: number;
  /** Version of the latest committed global model (0 = the initial weights). */
  modelVersion: number;
  /** Last round that ended (committed or abandoned). */
  lastRound: number;
  stopReason: string | null;
}

/** Rounds and their clients are stored as the API shows them (packages/protocol views.ts). */
export type RoundOutcome = ProtocolRoundOutcome;
export type ClientOutcome = ProtocolClientOutcome;
export type RoundClientRecord = RoundClientView;
export type RoundRecord = RoundDetailView;

/** Federated evaluations are stored as the API shows them: a round's summary and each asked client's part. */
export type EvaluationClientOutcome = EvaluationClientView['outcome'];
export type EvaluationClientRecord = EvaluationClientView;
/** One federated evaluation of a committed model version (round 0: the initial model). */
export type EvaluationRecord = EvaluationView;

export interface Checkpoint {
  taskId: string;
  version: number;
  round: number;
  weights: Float32Array;
  strategyState: Record<string, Float32Array>;
  createdAt: number;
}

/** A client as stored: its view and the SHA-256 of its resumption token (never shown). */
export interface ClientRecord extends ClientRecordView {
  tokenHash: string;
}

export type BaselineRecord = BaselineRecordView;

export interface EventRecord {
  seq: number;
  at: number;
  taskId: string | null;
  type: string;
  data: Record<string, unknown>;
}

/** A vertical job as stored: what the operator sees of it, and only hashes of its party tokens. */
export interface VerticalJobRecord {
  id: string;
  algorithm: VerticalAlgorithm;
  settings: HeteroLrJobSettings;
  state: 'waiting' | 'running' | 'done' | 'failed';
  createdAt: string;
  /** SHA-256 (hex) of each role's party token; the tokens are shown once, when the job is created. */
  tokenHashes: Partial<Record<VerticalRole, string>>;
  joined: VerticalRole[];
  finished: VerticalRole[];
  intersection: number | null;
  progress: { step: number; steps: number } | null;
  epochs: { epoch: number; loss?: number; accuracy?: number }[];
  error: { role: VerticalRole | null; code: string; message: string } | null;
  simulation: VerticalSimulationSpec | null;
  baselines: HeteroLrBaselineEpoch[] | null;
}

/** An issued join token: only the SHA-256 (hex) of the token is kept. */
export interface JoinTokenRecord {
  id: string;
  tokenHash: string;
  label: string;
  taskId: string | null;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/** One implementation per engine; every method is atomic. */
export interface Store {
  createTask(task: TaskRecord, initial: Checkpoint): void;
  getTask(id: string): TaskRecord | null;
  listTasks(): TaskRecord[];
  setTaskState(id: string, state: TaskState, stopReason?: string | null): void;
  /** Records an abandoned round; the model and its version stay as they were. */
  recordAbandonedRound(round: RoundRecord): void;
  /** Records a committed round together with its checkpoint, in one transaction. */
  commitRound(round: RoundRecord, checkpoint: Checkpoint): void;
  listRounds(taskId: string, options?: { sinceRound?: number; limit?: number }): RoundRecord[];
  getRound(taskId: string, round: number): RoundRecord | null;
  /** Sets a committed round's central test metrics: an asynchronous commit is evaluated after it is stored. */
  setRoundTestMetrics(taskId: string, round: number, metrics: Pick<RoundRecord, 'testAccuracy' | 'testLoss' | 'baselineAccuracy' | 'delta'>): void;
  /** Fills baseline accuracy and δ into rounds recorded before the baseline finished. */
  backfillBaseline(taskId: string, baselineAccuracy: number): number;
  /** Records a round's federated evaluation once; a second one for the same round is refused (throws). */
  putEvaluation(evaluation: EvaluationRecord): void;
  getEvaluation(taskId: string, round: number): EvaluationRecord | null;
  /** A task's evaluations by round, with each client's report. */
  listEvaluations(taskId: string, options?: { sinceRound?: number; limit?: number }): EvaluationRecord[];
  latestCheckpoint(taskId: string): Checkpoint | null;
  getCheckpoint(taskId: string, version: number): Checkpoint | null;
  upsertClient(client: ClientRecord): void;
  getClient(id: string): ClientRecord | null;
  listClients(): ClientRecord[];
  bumpClientStats(id: string, delta: { roundsJoined?: number; dropouts?: number }): void;
  getBaseline(fingerprint: string): BaselineRecord | null;
  putBaseline(baseline: BaselineRecord): void;
  appendEvent(event: Omit<EventRecord, 'seq'>): EventRecord;
  listEvents(options?: { afterSeq?: number; limit?: number; taskId?: string }): EventRecord[];
  /**
   * Keeps the newest `keepPerTask` events of each task (and of the task-less ones) and deletes the
   * older ones; returns how many went. Sequence numbers are never reused, so a viewer resuming
   * after a recent id still gets exactly what it missed.
   */
  pruneEvents(keepPerTask: number): number;
  /**
   * Deletes the rows of clients that never joined a round and were last seen before `before`
   * (a hello and nothing else), except those in `keep` (connected now); returns how many went.
   */
  pruneIdleClients(before: number, keep: ReadonlySet<string>): number;
  /** Inserts or replaces a vertical job. */
  putVerticalJob(job: VerticalJobRecord): void;
  /** All vertical jobs, oldest first. */
  listVerticalJobs(): VerticalJobRecord[];
  insertJoinToken(token: JoinTokenRecord): void;
  /** The token whose hash is `tokenHash`, revoked or not. */
  findJoinToken(tokenHash: string): JoinTokenRecord | null;
  /** All issued join tokens, oldest first. */
  listJoinTokens(): JoinTokenRecord[];
  /** Marks a token revoked (once: a second revocation keeps the first time); null when there is no such token. */
  revokeJoinToken(id: string, at: number): JoinTokenRecord | null;
  touchJoinToken(id: string, at: number): void;
  /** Dashboard sessions by the SHA-256 of their id: a restarted coordinator keeps its dashboards signed in. */
  putOperatorSession(idHash: string, expiresAt: number): void;
  operatorSessionExpiry(idHash: string): number | null;
  deleteOperatorSession(idHash: string): void;
  /** Drops sessions expired at `now`, then the oldest past `keep`. */
  pruneOperatorSessions(now: number, keep: number): void;
  /** Contribution assessment: valued rounds with each client's value, and the operator's reward split. */
  readonly contributions: ContributionStore;
  close(): void;
}
