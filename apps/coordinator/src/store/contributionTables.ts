// SQLite tables of contribution assessment: each valued round (method, utilities, cost) with every
// valued client's value, and the reward split an operator set. Cumulative standings are summed
// from these rows, so a restarted coordinator shows what it showed before.

import type Database from 'better-sqlite3';
import type { ContributionMethod, ContributionRoundView, RewardSpec } from '@flotilla/protocol';

/** Created idempotently at open (see schema.ts): a store older than contribution gains them empty. */
export const CONTRIBUTION_SCHEMA = `
CREATE TABLE IF NOT EXISTS contribution_rounds (
  task_id TEXT NOT NULL REFERENCES tasks(id), round INTEGER NOT NULL, method TEXT NOT NULL, metric TEXT NOT NULL,
  base_utility REAL NOT NULL, full_utility REAL NOT NULL, evaluations INTEGER NOT NULL, truncated INTEGER NOT NULL,
  elapsed_ms REAL NOT NULL, PRIMARY KEY (task_id, round)
);
CREATE TABLE IF NOT EXISTS contribution_values (
  task_id TEXT NOT NULL, round INTEGER NOT NULL, client_id TEXT NOT NULL, value REAL NOT NULL,
  PRIMARY KEY (task_id, round, client_id),
  FOREIGN KEY (task_id, round) REFERENCES contribution_rounds(task_id, round)
);
CREATE TABLE IF NOT EXISTS contribution_rewards (
  task_id TEXT PRIMARY KEY REFERENCES tasks(id), reward TEXT NOT NULL
);
`;

/** A client's sum over the rounds it was valued in. */
export interface ContributionTotal {
  clientId: string;
  cumulative: number;
  rounds: number;
  /** Its value in the last round it was valued in. */
  lastValue: number;
}

/** What the coordinator stores of contribution assessment; every method is atomic. */
export interface ContributionStore {
  /** Stores a round's valuation and its values together; a round already valued is refused (throws). */
  putRound(taskId: string, view: ContributionRoundView): void;
  /** A task's valued rounds, by round, each with its values. */
  listRounds(taskId: string): ContributionRoundView[];
  totals(taskId: string): ContributionTotal[];
  setReward(taskId: string, reward: RewardSpec): void;
  /** The reward split the operator set, null when it kept the task's. */
  reward(taskId: string): RewardSpec | null;
}

type Row = Record<string, unknown>;

/**
 * The contribution rows of one SQLite database.
 * @example const tables = new ContributionTables(db); tables.putRound(taskId, view);
 */
export class ContributionTables implements ContributionStore {
  constructor(private readonly db: Database.Database) {
    db.exec(CONTRIBUTION_SCHEMA);
  }

  putRound(taskId: string, view: ContributionRoundView): void {
    this.db.transaction(() => {
      this.db.prepare(`INSERT INTO contribution_rounds (task_id, round, method, metric, base_utility, full_utility, evaluations, truncated, elapsed_ms)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(taskId, view.round, view.method, view.metric, view.baseUtility, view.fullUtility, view.evaluations, view.truncated ? 1 : 0, view.elapsedMs);
      const insert = this.db.prepare('INSERT INTO contribution_values (task_id, round, client_id, value) VALUES (?, ?, ?, ?)');
      for (const [clientId, value] of Object.entries(view.values)) insert.run(taskId, view.round, clientId, value);
    })();
  }

  listRounds(taskId: string): ContributionRoundView[] {
    const rounds = this.db.prepare('SELECT * FROM contribution_rounds WHERE task_id = ? ORDER BY round').all(taskId) as Row[];
    const values = this.db.prepare('SELECT round, client_id, value FROM contribution_values WHERE task_id = ? ORDER BY round, client_id').all(taskId) as Row[];
    const byRound = new Map<number, Record<string, number>>();
    for (const v of values) {
      const round = v.round as number;
      let entry = byRound.get(round);
      if (!entry) byRound.set(round, entry = {});
      entry[v.client_id as string] = v.value as number;
    }
    return rounds.map((r) => ({
      round: r.round as number, method: r.method as ContributionMethod, metric: r.metric as string,
      baseUtility: r.base_utility as number, fullUtility: r.full_utility as number, evaluations: r.evaluations as number,
      truncated: r.truncated === 1, elapsedMs: r.elapsed_ms as number, values: byRound.get(r.round as number) ?? {},
    }));
  }

  totals(taskId: string): ContributionTotal[] {
    const rows = this.db.prepare(`
      SELECT client_id, SUM(value) AS cumulative, COUNT(*) AS rounds,
             (SELECT v2.value FROM contribution_values v2 WHERE v2.task_id = v.task_id AND v2.client_id = v.client_id ORDER BY v2.round DESC LIMIT 1) AS last_value
      FROM contribution_values v WHERE task_id = ? GROUP BY client_id ORDER BY client_id`).all(taskId) as Row[];
    return rows.map((r) => ({ clientId: r.client_id as string, cumulative: r.cumulative as number, rounds: r.rounds as number, lastValue: r.last_value as number }));
  }

  setReward(taskId: string, reward: RewardSpec): void {
    this.db.prepare('INSERT INTO contribution_rewards (task_id, reward) VALUES (?, ?) ON CONFLICT(task_id) DO UPDATE SET reward = excluded.reward').run(taskId, JSON.stringify(reward));
  }

  reward(taskId: string): RewardSpec | null {
    const row = this.db.prepare('SELECT reward FROM contribution_rewards WHERE task_id = ?').get(taskId) as Row | undefined;
    return row ? JSON.parse(row.reward as string) as RewardSpec : null;
  }
}
