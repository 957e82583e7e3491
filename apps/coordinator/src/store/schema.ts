// SQLite schema of the embedded store. Created idempotently at open: a store written before a
// table existed (e.g. `evaluations`) gains it, empty, the first time a newer coordinator opens it.

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, config TEXT NOT NULL, state TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  model_version INTEGER NOT NULL, last_round INTEGER NOT NULL, stop_reason TEXT
);
CREATE TABLE IF NOT EXISTS rounds (
  task_id TEXT NOT NULL REFERENCES tasks(id), round INTEGER NOT NULL, outcome TEXT NOT NULL, reason TEXT,
  started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL, selected INTEGER NOT NULL, goal INTEGER NOT NULL,
  reported INTEGER NOT NULL, dropped INTEGER NOT NULL, failed INTEGER NOT NULL,
  test_accuracy REAL, test_loss REAL, train_loss REAL, baseline_accuracy REAL, delta REAL, epsilon REAL,
  clip_norm REAL, bytes_up INTEGER NOT NULL, bytes_down INTEGER NOT NULL, model_version INTEGER NOT NULL,
  PRIMARY KEY (task_id, round)
);
CREATE TABLE IF NOT EXISTS round_clients (
  task_id TEXT NOT NULL, round INTEGER NOT NULL, client_id TEXT NOT NULL, outcome TEXT NOT NULL, code TEXT,
  num_examples INTEGER, train_loss REAL, bytes_up INTEGER NOT NULL DEFAULT 0, bytes_down INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (task_id, round, client_id),
  FOREIGN KEY (task_id, round) REFERENCES rounds(task_id, round)
);
CREATE TABLE IF NOT EXISTS evaluations (
  task_id TEXT NOT NULL REFERENCES tasks(id), round INTEGER NOT NULL, model_version INTEGER NOT NULL,
  started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL, summary TEXT NOT NULL,
  PRIMARY KEY (task_id, round)
);
CREATE TABLE IF NOT EXISTS evaluation_clients (
  task_id TEXT NOT NULL, round INTEGER NOT NULL, client_id TEXT NOT NULL, outcome TEXT NOT NULL, code TEXT,
  num_examples INTEGER, metrics TEXT,
  PRIMARY KEY (task_id, round, client_id),
  FOREIGN KEY (task_id, round) REFERENCES evaluations(task_id, round)
);
CREATE TABLE IF NOT EXISTS checkpoints (
  task_id TEXT NOT NULL REFERENCES tasks(id), version INTEGER NOT NULL, round INTEGER NOT NULL,
  weights BLOB NOT NULL, strategy_state BLOB, created_at INTEGER NOT NULL,
  PRIMARY KEY (task_id, version)
);
CREATE TABLE IF NOT EXISTS clients (
  id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, kind TEXT NOT NULL, backend TEXT, examples_per_sec REAL,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, rounds_joined INTEGER NOT NULL DEFAULT 0,
  dropouts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS baselines (
  fingerprint TEXT PRIMARY KEY, status TEXT NOT NULL, accuracy REAL, loss REAL, epochs TEXT NOT NULL,
  error TEXT, updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, task_id TEXT, type TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_task ON events (task_id, seq);
CREATE TABLE IF NOT EXISTS join_tokens (
  id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL, task_id TEXT,
  created_at INTEGER NOT NULL, revoked_at INTEGER, last_used_at INTEGER
);
CREATE TABLE IF NOT EXISTS operator_sessions (
  id_hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS round_client_work (
  task_id TEXT NOT NULL, round INTEGER NOT NULL, client_id TEXT NOT NULL, planned_steps INTEGER NOT NULL, local_steps INTEGER NOT NULL,
  PRIMARY KEY (task_id, round, client_id)
);
CREATE TABLE IF NOT EXISTS vertical_jobs (
  id TEXT PRIMARY KEY, created_at TEXT NOT NULL, state TEXT NOT NULL, job TEXT NOT NULL
);
`;
