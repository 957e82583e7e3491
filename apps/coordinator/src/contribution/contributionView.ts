// What the API shows of a task's contribution assessment: its settings, where the utility is
// measured, the standings summed from the store and every valued round; and the same as CSV.

import { hasClassLabels } from '@flotilla/data';
import {
  ContributionSelectionSpec, ContributionSpec, RewardSpec, taskSchema, type ContributionStandingView, type ContributionView, type TaskConfig,
} from '@flotilla/protocol';
import { Value } from '@sinclair/typebox/value';
import type { Store, TaskRecord } from '../store/Store.ts';
import { rankStandings } from './standings.ts';

/** `accuracy` for a task with classes, `neg_mse` for a regression: what the utilities measure. */
export function contributionMetric(config: TaskConfig): 'accuracy' | 'neg_mse' {
  return hasClassLabels(taskSchema(config.data)) ? 'accuracy' : 'neg_mse';
}

/** The task's settings, defaults filled (a task without contribution shows the defaults, disabled). */
export function contributionSettings(config: TaskConfig): ContributionSpec & { reward: RewardSpec; selection: ContributionSelectionSpec } {
  const spec = config.contribution ?? Value.Default(ContributionSpec, {}) as ContributionSpec;
  return {
    ...spec,
    reward: spec.reward ?? Value.Default(RewardSpec, {}) as RewardSpec,
    selection: spec.selection ?? Value.Default(ContributionSelectionSpec, {}) as ContributionSelectionSpec,
  };
}

/** The reward split in force: the operator's last PUT, else the task's. */
export function rewardInForce(store: Store, task: TaskRecord): RewardSpec {
  return store.contributions.reward(task.id) ?? contributionSettings(task.config).reward;
}

/**
 * Standings now, best first.
 * @example currentStandings(store, task).find((s) => s.clientId === id)?.rank;
 */
export function currentStandings(store: Store, task: TaskRecord): ContributionStandingView[] {
  return rankStandings(store.contributions.totals(task.id), rewardInForce(store, task), contributionSettings(task.config).selection);
}

/**
 * GET /api/tasks/:id/contributions. `validation` says where the utility is measured (null: the
 * task does not assess contribution, or its split is not built yet).
 * @example contributionView(store, task, 'the first 1,000 examples of dataset heart-val');
 */
export function contributionView(store: Store, task: TaskRecord, validation: string | null): ContributionView {
  const settings = contributionSettings(task.config);
  return {
    enabled: settings.enabled, method: settings.method, metric: contributionMetric(task.config),
    validation: validation ?? (settings.enabled ? 'not measured yet' : 'contribution is not assessed for this task'),
    reward: rewardInForce(store, task), selection: settings.selection,
    standings: currentStandings(store, task), rounds: store.contributions.listRounds(task.id),
  };
}

/** One RFC 4180 field: quoted when it holds a comma, a quote or a line break, its quotes doubled. */
function field(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csv = (rows: readonly (readonly (string | number)[])[]): string => rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';

/**
 * The standings as RFC 4180 CSV (CRLF, a header row): rank, client, cumulative, rounds, share, reward.
 * @example reply.type('text/csv').send(standingsCsv(view));
 */
export function standingsCsv(view: ContributionView): string {
  return csv([
    ['rank', 'client', 'cumulative', 'rounds', 'share', 'reward'],
    ...view.standings.map((s) => [s.rank, s.clientId, s.cumulative, s.rounds, s.share, s.reward]),
  ]);
}

/**
 * Every valued round in long format: round, method, client, value (one row per client and round).
 * @example reply.type('text/csv').send(roundsCsv(view));
 */
export function roundsCsv(view: ContributionView): string {
  return csv([
    ['round', 'method', 'client', 'value'],
    ...view.rounds.flatMap((r) => Object.entries(r.values).sort(([a], [b]) => (a < b ? -1 : 1)).map(([client, value]) => [r.round, r.method, client, value])),
  ]);
}
