// The embedded store: SQLite through better-sqlite3 in WAL mode. A kill -9 loses nothing that
// was committed: each commit is one transaction, and WAL replays on the next open.

import Database from 'better-sqlite3';
import { decodeFrame, encodeFrame } from '@flotilla/protocol';
import type { TaskState } from '@flotilla/protocol';
import { SCHEMA } from './schema.ts';
import { ContributionTables } from './contributionTables.ts';
import type {
  BaselineRecord, Checkpoint, ClientRecord, EvaluationRecord, EventRecord, JoinTokenRecord, RoundRecord, Store, TaskRecord, VerticalJobRecord,
} from './Store.ts';

type Row = Record<string, unknown>;

const toBlob = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const fromBlob = (b: Buffer): Float32Array => {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
};

function encodeState(state: Record<string, Float32Array>): Buffer {
  const tensors = Object.entries(state).map(([name, values]) => ({ name, shape: [values.length], values }));
  return Buffer.from(encodeFrame({ kind: 'strategy-state' }, tensors));
}

function decodeState(blob: Buffer | null): Record<string, Float32Array> {
  if (!blob || blob.byteLength === 0) return {};
  const frame = decodeFrame(new Uint8Array(blob));
  return Object.fromEntries(frame.tensors.map((t) => [t.name ?? '', t.values.slice()]));
}

const joinTokenFromRow = (r: Row): JoinTokenRecord => ({
  id: r.id as string, tokenHash: r.token_hash as string, label: r.label as string, taskId: (r.task_id as string | null) ?? null,
  createdAt: r.created_at as number, revokedAt: (r.revoked_at as number | null) ?? null, lastUsedAt: (r.last_used_at as number | null) ?? null,
});

/**
 * SQLite-backed Store.
 * @example const store = new SqliteStore(path.join(dataDir, 'flotilla.db'));
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  /** Contribution assessment's rounds, values and reward splits. */
  readonly contributions: ContributionTables;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes (kill -9) in WAL mode; only power loss can
    // drop the last transactions, which then never happened as far as clients can tell.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    // Stores created before adaptive clipping lack the column; CREATE TABLE IF NOT EXISTS keeps them as they are.
    const roundColumnNames = (this.db.prepare('PRAGMA table_info(rounds)').all() as { name: string }[]).map((c) => c.name);
    if (!roundColumnNames.includes('clip_norm')) this.db.exec('ALTER TABLE rounds ADD COLUMN clip_norm REAL');
    // Stores created before asynchronous tasks: a commit's buffer and staleness (JSON), null for synchronous rounds.
    if (!roundColumnNames.includes('async_commit')) this.db.exec('ALTER TABLE rounds ADD COLUMN async_commit TEXT');
    const baselineColumnNames = (this.db.prepare('PRAGMA table_info(baselines)').all() as { name: string }[]).map((c) => c.name);
    const roundClientColumns = (this.db.prepare('PRAGMA table_info(round_clients)').all() as { name: string }[]).map((c) => c.name);
    if (!roundClientColumns.includes('bytes_up')) this.db.exec('ALTER TABLE round_clients ADD COLUMN bytes_up INTEGER NOT NULL DEFAULT 0; ALTER TABLE round_clients ADD COLUMN bytes_down INTEGER NOT NULL DEFAULT 0');
    if (!baselineColumnNames.includes('evaluated_on')) this.db.exec('ALTER TABLE baselines ADD COLUMN evaluated_on TEXT');
    this.contributions = new ContributionTables(this.db);
  }

  createTask(task: TaskRecord, initial: Checkpoint): void {
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO tasks (id, name, config, state, created_at, updated_at, model_version, last_round, stop_reason)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(task.id, task.name, JSON.stringify(task.config), task.state, task.createdAt, task.updatedAt,
          task.modelVersion, task.lastRound, task.stopReason);
      this.insertCheckpoint(initial);
    })();
  }

  getTask(id: string): TaskRecord | null {
    const row = this.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
    return row ? rowToTask(row) : null;
  }

  listTasks(): TaskRecord[] {
    return (this.db.prepare('SELECT * FROM tasks ORDER BY created_at').all() as Row[]).map(rowToTask);
  }

  setTaskState(id: string, state: TaskState, stopReason: string | null = null): void {
    this.db.prepare('UPDATE tasks SET state = ?, stop_reason = ?, updated_at = ? WHERE id = ?').run(state, stopReason, Date.now(), id);
  }

  recordAbandonedRound(round: RoundRecord): void {
    this.db.transaction(() => {
      this.insertRound(round);
      this.db.prepare('UPDATE tasks SET last_round = ?, updated_at = ? WHERE id = ?').run(round.round, Date.now(), round.taskId);
    })();
  }

  commitRound(round: RoundRecord, checkpoint: Checkpoint): void {
    this.db.transaction(() => {
      this.insertRound(round);
      this.insertCheckpoint(checkpoint);
      this.db.prepare('UPDATE tasks SET last_round = ?, model_version = ?, updated_at = ? WHERE id = ?')
        .run(round.round, checkpoint.version, Date.now(), round.taskId);
    })();
  }

  listRounds(taskId: string, options: { sinceRound?: number; limit?: number } = {}): RoundRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM rounds WHERE task_id = ? AND round > ? ORDER BY round LIMIT ?')
      .all(taskId, options.sinceRound ?? -1, options.limit ?? 100_000) as Row[];
    return rows.map((r) => this.rowToRound(r));
  }

  getRound(taskId: string, round: number): RoundRecord | null {
    const row = this.db.prepare('SELECT * FROM rounds WHERE task_id = ? AND round = ?').get(taskId, round) as Row | undefined;
    return row ? this.rowToRound(row) : null;
  }

  setRoundTestMetrics(taskId: string, round: number, metrics: Pick<RoundRecord, 'testAccuracy' | 'testLoss' | 'baselineAccuracy' | 'delta'>): void {
    this.db.prepare('UPDATE rounds SET test_accuracy = ?, test_loss = ?, baseline_accuracy = ?, delta = ? WHERE task_id = ? AND round = ?')
      .run(metrics.testAccuracy, metrics.testLoss, metrics.baselineAccuracy, metrics.delta, taskId, round);
  }

  backfillBaseline(taskId: string, baselineAccuracy: number): number {
    return this.db
      .prepare(`UPDATE rounds SET baseline_accuracy = ?, delta = CASE WHEN test_accuracy IS NULL THEN NULL ELSE ? - test_accuracy END
                WHERE task_id = ? AND baseline_accuracy IS NULL`)
      .run(baselineAccuracy, baselineAccuracy, taskId).changes;
  }

  putEvaluation(e: EvaluationRecord): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO evaluations (task_id, round, model_version, started_at, ended_at, summary) VALUES (?, ?, ?, ?, ?, ?)')
        .run(e.taskId, e.round, e.modelVersion, e.startedAt, e.endedAt, JSON.stringify(e.summary));
      const insert = this.db.prepare(`INSERT INTO evaluation_clients (task_id, round, client_id, outcome, code, num_examples, metrics)
                                       VALUES (?, ?, ?, ?, ?, ?, ?)`);
      for (const c of e.clients) insert.run(e.taskId, e.round, c.clientId, c.outcome, c.code, c.numExamples, c.metrics ? JSON.stringify(c.metrics) : null);
    })();
  }

  getEvaluation(taskId: string, round: number): EvaluationRecord | null {
    const row = this.db.prepare('SELECT * FROM evaluations WHERE task_id = ? AND round = ?').get(taskId, round) as Row | undefined;
    return row ? this.rowToEvaluation(row) : null;
  }

  listEvaluations(taskId: string, options: { sinceRound?: number; limit?: number } = {}): EvaluationRecord[] {
    const rows = this.db.prepare('SELECT * FROM evaluations WHERE task_id = ? AND round > ? ORDER BY round LIMIT ?')
      .all(taskId, options.sinceRound ?? -1, options.limit ?? 100_000) as Row[];
    return rows.map((r) => this.rowToEvaluation(r));
  }

  latestCheckpoint(taskId: string): Checkpoint | null {
    const row = this.db.prepare('SELECT * FROM checkpoints WHERE task_id = ? ORDER BY version DESC LIMIT 1').get(taskId) as Row | undefined;
    return row ? rowToCheckpoint(row) : null;
  }

  getCheckpoint(taskId: string, version: number): Checkpoint | null {
    const row = this.db.prepare('SELECT * FROM checkpoints WHERE task_id = ? AND version = ?').get(taskId, version) as Row | undefined;
    return row ? rowToCheckpoint(row) : null;
  }

  upsertClient(c: ClientRecord): void {
    this.db
      .prepare(`INSERT INTO clients (id, token_hash, kind, backend, examples_per_sec, first_seen, last_seen, rounds_joined, dropouts)
                VALUES (@id, @tokenHash, @kind, @backend, @examplesPerSec, @firstSeen, @lastSeen, @roundsJoined, @dropouts)
                ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, backend = excluded.backend,
                  examples_per_sec = excluded.examples_per_sec, last_seen = excluded.last_seen`)
      .run(c);
  }

  getClient(id: string): ClientRecord | null {
    const row = this.db.prepare('SELECT * FROM clients WHERE id = ?').get(id) as Row | undefined;
    return row ? rowToClient(row) : null;
  }

  listClients(): ClientRecord[] {
    return (this.db.prepare('SELECT * FROM clients ORDER BY last_seen DESC').all() as Row[]).map(rowToClient);
  }

  bumpClientStats(id: string, delta: { roundsJoined?: number; dropouts?: number }): void {
    this.db
      .prepare('UPDATE clients SET rounds_joined = rounds_joined + ?, dropouts = dropouts + ?, last_seen = ? WHERE id = ?')
      .run(delta.roundsJoined ?? 0, delta.dropouts ?? 0, Date.now(), id);
  }

  getBaseline(fingerprint: string): BaselineRecord | null {
    const row = this.db.prepare('SELECT * FROM baselines WHERE fingerprint = ?').get(fingerprint) as Row | undefined;
    if (!row) return null;
    return {
      fingerprint: row.fingerprint as string,
      status: row.status as BaselineRecord['status'],
      accuracy: row.accuracy as number | null,
      loss: row.loss as number | null,
      epochs: JSON.parse(row.epochs as string),
      error: row.error as string | null,
      updatedAt: row.updated_at as number,
      evaluatedOn: (row.evaluated_on as BaselineRecord['evaluatedOn'] | undefined) ?? null,
    };
  }

  putBaseline(b: BaselineRecord): void {
    this.db
      .prepare(`INSERT INTO baselines (fingerprint, status, accuracy, loss, epochs, error, updated_at, evaluated_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(fingerprint) DO UPDATE SET status = excluded.status, accuracy = excluded.accuracy, loss = excluded.loss,
                  epochs = excluded.epochs, error = excluded.error, updated_at = excluded.updated_at, evaluated_on = excluded.evaluated_on`)
      .run(b.fingerprint, b.status, b.accuracy, b.loss, JSON.stringify(b.epochs), b.error, b.updatedAt, b.evaluatedOn ?? null);
  }

  appendEvent(e: Omit<EventRecord, 'seq'>): EventRecord {
    const info = this.db.prepare('INSERT INTO events (at, task_id, type, data) VALUES (?, ?, ?, ?)').run(e.at, e.taskId, e.type, JSON.stringify(e.data));
    return { ...e, seq: Number(info.lastInsertRowid) };
  }

  listEvents(options: { afterSeq?: number; limit?: number; taskId?: string } = {}): EventRecord[] {
    const rows = (options.taskId
      ? this.db.prepare('SELECT * FROM events WHERE seq > ? AND task_id = ? ORDER BY seq LIMIT ?').all(options.afterSeq ?? 0, options.taskId, options.limit ?? 1000)
      : this.db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(options.afterSeq ?? 0, options.limit ?? 1000)) as Row[];
    return rows.map((r) => ({ seq: r.seq as number, at: r.at as number, taskId: r.task_id as string | null, type: r.type as string, data: JSON.parse(r.data as string) }));
  }

  pruneEvents(keepPerTask: number): number {
    const keep = Math.max(0, Math.floor(keepPerTask));
    const tasks = this.db.prepare('SELECT DISTINCT task_id FROM events').pluck().all() as (string | null)[];
    // The (keep+1)-th newest event of a task and everything before it go; fewer events, nothing goes (NULL bound).
    const prune = this.db.prepare(`DELETE FROM events WHERE task_id IS @task AND seq <= (
      SELECT seq FROM events WHERE task_id IS @task ORDER BY seq DESC LIMIT 1 OFFSET @keep)`);
    return this.db.transaction(() => tasks.reduce((n, task) => n + prune.run({ task, keep }).changes, 0))();
  }

  pruneIdleClients(before: number, keep: ReadonlySet<string>): number {
    return this.db
      .prepare(`DELETE FROM clients WHERE rounds_joined = 0 AND dropouts = 0 AND last_seen < ?
                AND id NOT IN (SELECT value FROM json_each(?))`)
      .run(before, JSON.stringify([...keep])).changes;
  }

  putVerticalJob(job: VerticalJobRecord): void {
    // One JSON column: the record is read and written whole, never queried by its inner fields.
    this.db
      .prepare(`INSERT INTO vertical_jobs (id, created_at, state, job) VALUES (?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET state = excluded.state, job = excluded.job`)
      .run(job.id, job.createdAt, job.state, JSON.stringify(job));
  }

  listVerticalJobs(): VerticalJobRecord[] {
    return (this.db.prepare('SELECT job FROM vertical_jobs ORDER BY created_at, rowid').all() as Row[]).map((r) => JSON.parse(r.job as string) as VerticalJobRecord);
  }

  insertJoinToken(t: JoinTokenRecord): void {
    this.db.prepare(`INSERT INTO join_tokens (id, token_hash, label, task_id, created_at, revoked_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(t.id, t.tokenHash, t.label, t.taskId, t.createdAt, t.revokedAt, t.lastUsedAt);
  }

  findJoinToken(tokenHash: string): JoinTokenRecord | null {
    const row = this.db.prepare('SELECT * FROM join_tokens WHERE token_hash = ?').get(tokenHash) as Row | undefined;
    return row ? joinTokenFromRow(row) : null;
  }

  listJoinTokens(): JoinTokenRecord[] {
    return (this.db.prepare('SELECT * FROM join_tokens ORDER BY created_at, rowid').all() as Row[]).map(joinTokenFromRow);
  }

  revokeJoinToken(id: string, at: number): JoinTokenRecord | null {
    this.db.prepare('UPDATE join_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(at, id);
    const row = this.db.prepare('SELECT * FROM join_tokens WHERE id = ?').get(id) as Row | undefined;
    return row ? joinTokenFromRow(row) : null;
  }

  touchJoinToken(id: string, at: number): void {
    this.db.prepare('UPDATE join_tokens SET last_used_at = ? WHERE id = ?').run(at, id);
  }

  putOperatorSession(idHash: string, expiresAt: number): void {
    this.db.prepare('INSERT OR REPLACE INTO operator_sessions (id_hash, expires_at) VALUES (?, ?)').run(idHash, expiresAt);
  }

  operatorSessionExpiry(idHash: string): number | null {
    const row = this.db.prepare('SELECT expires_at FROM operator_sessions WHERE id_hash = ?').get(idHash) as Row | undefined;
    return row ? (row.expires_at as number) : null;
  }

  deleteOperatorSession(idHash: string): void {
    this.db.prepare('DELETE FROM operator_sessions WHERE id_hash = ?').run(idHash);
  }

  pruneOperatorSessions(now: number, keep: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM operator_sessions WHERE expires_at <= ?').run(now);
      this.db.prepare(`DELETE FROM operator_sessions WHERE rowid NOT IN
                       (SELECT rowid FROM operator_sessions ORDER BY expires_at DESC, rowid DESC LIMIT ?)`).run(keep);
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private insertRound(r: RoundRecord): void {
    this.db
      .prepare(`INSERT INTO rounds (task_id, round, outcome, reason, started_at, ended_at, selected, goal, reported, dropped, failed,
                  test_accuracy, test_loss, train_loss, baseline_accuracy, delta, epsilon, clip_norm, bytes_up, bytes_down, model_version, async_commit)
                VALUES (@taskId, @round, @outcome, @reason, @startedAt, @endedAt, @selected, @goal, @reported, @dropped, @failed,
                  @testAccuracy, @testLoss, @trainLoss, @baselineAccuracy, @delta, @epsilon, @clipNorm, @bytesUp, @bytesDown, @modelVersion, @asyncCommit)`)
      .run(roundColumns(r));
    const insert = this.db.prepare(`INSERT INTO round_clients (task_id, round, client_id, outcome, code, num_examples, train_loss, bytes_up, bytes_down)
                                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const c of r.clients) insert.run(r.taskId, r.round, c.clientId, c.outcome, c.code, c.numExamples, c.trainLoss, c.bytesUp ?? 0, c.bytesDown ?? 0);
    // Device-aware work's steps live beside the round's clients, so stores written before them need no migration.
    const work = this.db.prepare('INSERT INTO round_client_work (task_id, round, client_id, planned_steps, local_steps) VALUES (?, ?, ?, ?, ?)');
    for (const c of r.clients) if (c.plannedSteps !== undefined && c.localSteps !== undefined) work.run(r.taskId, r.round, c.clientId, c.plannedSteps, c.localSteps);
  }

  private insertCheckpoint(c: Checkpoint): void {
    this.db
      .prepare('INSERT INTO checkpoints (task_id, version, round, weights, strategy_state, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(c.taskId, c.version, c.round, toBlob(c.weights), encodeState(c.strategyState), c.createdAt);
  }

  private rowToEvaluation(r: Row): EvaluationRecord {
    const clients = (this.db.prepare('SELECT * FROM evaluation_clients WHERE task_id = ? AND round = ? ORDER BY client_id').all(r.task_id, r.round) as Row[])
      .map((c) => ({
        clientId: c.client_id as string, outcome: c.outcome as EvaluationRecord['clients'][number]['outcome'], code: c.code as string | null,
        numExamples: c.num_examples as number | null, metrics: c.metrics === null ? null : JSON.parse(c.metrics as string),
      }));
    return {
      taskId: r.task_id as string, round: r.round as number, modelVersion: r.model_version as number, startedAt: r.started_at as number,
      endedAt: r.ended_at as number, summary: JSON.parse(r.summary as string), clients,
    };
  }

  private rowToRound(r: Row): RoundRecord {
    const work = new Map((this.db.prepare('SELECT client_id, planned_steps, local_steps FROM round_client_work WHERE task_id = ? AND round = ?').all(r.task_id, r.round) as Row[])
      .map((w) => [w.client_id as string, { plannedSteps: w.planned_steps as number, localSteps: w.local_steps as number }]));
    const stepsOf = (clientId: string) => work.get(clientId) ?? {};
    const clients = (this.db.prepare('SELECT * FROM round_clients WHERE task_id = ? AND round = ? ORDER BY client_id').all(r.task_id, r.round) as Row[])
      .map((c) => ({
        clientId: c.client_id as string,
        outcome: c.outcome as RoundRecord['clients'][number]['outcome'],
        code: c.code as string | null,
        numExamples: c.num_examples as number | null,
        trainLoss: c.train_loss as number | null,
        ...stepsOf(c.client_id as string),
        bytesUp: c.bytes_up as number,
        bytesDown: c.bytes_down as number,
      }));
    const federated = this.db.prepare('SELECT summary FROM evaluations WHERE task_id = ? AND round = ?').pluck().get(r.task_id, r.round) as string | undefined;
    return {
      taskId: r.task_id as string, round: r.round as number, outcome: r.outcome as RoundRecord['outcome'], reason: r.reason as string | null,
      startedAt: r.started_at as number, endedAt: r.ended_at as number, selected: r.selected as number, goal: r.goal as number,
      reported: r.reported as number, dropped: r.dropped as number, failed: r.failed as number,
      testAccuracy: r.test_accuracy as number | null, testLoss: r.test_loss as number | null, trainLoss: r.train_loss as number | null,
      baselineAccuracy: r.baseline_accuracy as number | null, delta: r.delta as number | null, epsilon: r.epsilon as number | null,
      clipNorm: r.clip_norm as number | null, bytesUp: r.bytes_up as number, bytesDown: r.bytes_down as number, modelVersion: r.model_version as number, clients,
      federated: federated === undefined ? null : JSON.parse(federated),
      ...(r.async_commit ? { asynchronous: JSON.parse(r.async_commit as string) } : {}),
    };
  }
}

function roundColumns(r: RoundRecord): Omit<RoundRecord, 'clients' | 'federated' | 'asynchronous'> & { asyncCommit: string | null } {
  const { clients: _clients, federated: _federated, asynchronous, ...columns } = r;
  return { ...columns, clipNorm: r.clipNorm ?? null, asyncCommit: asynchronous ? JSON.stringify(asynchronous) : null };
}

function rowToTask(r: Row): TaskRecord {
  return {
    id: r.id as string, name: r.name as string, config: JSON.parse(r.config as string), state: r.state as TaskState,
    createdAt: r.created_at as number, updatedAt: r.updated_at as number, modelVersion: r.model_version as number,
    lastRound: r.last_round as number, stopReason: r.stop_reason as string | null,
  };
}

function rowToCheckpoint(r: Row): Checkpoint {
  return {
    taskId: r.task_id as string, version: r.version as number, round: r.round as number,
    weights: fromBlob(r.weights as Buffer), strategyState: decodeState(r.strategy_state as Buffer | null), createdAt: r.created_at as number,
  };
}

function rowToClient(r: Row): ClientRecord {
  return {
    id: r.id as string, tokenHash: r.token_hash as string, kind: r.kind as string, backend: r.backend as string | null,
    examplesPerSec: r.examples_per_sec as number | null, firstSeen: r.first_seen as number, lastSeen: r.last_seen as number,
    roundsJoined: r.rounds_joined as number, dropouts: r.dropouts as number,
  };
}
