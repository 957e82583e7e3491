// The end of a round: the record written to the store (with the new checkpoint when it
// commits), the event dashboards receive, the metrics Prometheus scrapes, and the result the
// runner applies to its own state (this module never writes the runner's fields).

import { hasClipReporting, hasPrivacyAccounting, type Strategy } from '@flotilla/core';
import type { DpSgdAccountant } from '@flotilla/privacy';
import type { TaskConfig } from '@flotilla/protocol';
import type { RoundRecord } from '../store/Store.ts';
import type { EngineDeps } from './deps.ts';
import type { RoundState } from './RoundState.ts';

/** What a commit or an abandonment reads from the task it ends a round of. */
export interface CommitContext {
  readonly id: string;
  readonly config: TaskConfig;
  readonly deps: EngineDeps;
  readonly strategy: Strategy;
  /** Sample-level DP-SGD's accountant, null without it: its ε is recorded when the strategy spends none. */
  readonly sampleDp: DpSgdAccountant | null;
  /** The model version the round started from. */
  readonly version: number;
}

/** The model a commit produced. */
export interface CommittedModel {
  readonly weights: Float32Array;
  readonly version: number;
  /** The round (FedBuff: the commit) that produced it. */
  readonly round: number;
  /** The strategy's state checkpointed with it (a copy of its own): what a later abandoned round restores. */
  readonly strategyState: Record<string, Float32Array>;
}

/**
 * What ending a round changed, for the runner to apply: the round is spent either way, and the
 * model moves only when it committed (`model` null: abandoned, the model kept).
 * @example const result = commitRound(ctx, rs, next, evaluation); runner.apply(result);
 */
export interface CommitResult {
  readonly record: RoundRecord;
  /** The runner's last round after this one. */
  readonly lastRound: number;
  readonly model: CommittedModel | null;
}

function roundRecord(ctx: CommitContext, rs: RoundState, patch: Partial<RoundRecord>): RoundRecord {
  const { strategy } = ctx;
  return {
    taskId: ctx.id, round: rs.round, outcome: 'abandoned', reason: null, startedAt: rs.startedAt, endedAt: Date.now(),
    selected: rs.selected.size, goal: rs.goal, reported: rs.reports.size, dropped: rs.dropped, failed: rs.failed,
    testAccuracy: null, testLoss: null, trainLoss: rs.meanTrainLoss(), baselineAccuracy: null, delta: null,
    epsilon: hasPrivacyAccounting(strategy) ? strategy.epsilonSpent() : ctx.sampleDp?.epsilonSpent() ?? null,
    clipNorm: hasClipReporting(strategy) ? strategy.clipNorm : null,
    bytesUp: rs.bytesUp, bytesDown: rs.bytesDown, modelVersion: ctx.version, clients: rs.clientRecords(), ...patch,
  };
}

/** Public view of a round (what the REST API and the event stream carry). */
export function roundSummary(record: RoundRecord): Omit<RoundRecord, 'clients'> {
  const { clients: _clients, ...summary } = record;
  return { ...summary, federated: record.federated ?? null };
}

/**
 * Stores the round and the new checkpoint (with the strategy's state) in one step and announces
 * them. `evaluation` is null for a task without a central test set: the round has no test metrics.
 * @example runner.apply(commitRound(runner, rs, next, evaluation));
 */
export function commitRound(ctx: CommitContext, rs: RoundState, weights: Float32Array, evaluation: { loss: number; accuracy: number | null } | null): CommitResult {
  const { store, bus, metrics, baselines } = ctx.deps;
  const baselineAccuracy = ctx.config.baseline.enabled ? baselines.accuracyFor(ctx.config) : null;
  const version = ctx.version + 1;
  const record = roundRecord(ctx, rs, {
    outcome: 'committed', testAccuracy: evaluation?.accuracy ?? null, testLoss: evaluation?.loss ?? null, baselineAccuracy,
    delta: baselineAccuracy === null || evaluation?.accuracy == null ? null : baselineAccuracy - evaluation.accuracy, modelVersion: version,
  });
  store.commitRound(record, {
    taskId: ctx.id, version, round: rs.round, weights, strategyState: ctx.strategy.exportState(), createdAt: record.endedAt,
  });
  metrics.rounds.inc({ outcome: 'committed' });
  metrics.roundSeconds.observe((record.endedAt - record.startedAt) / 1000);
  if (evaluation?.accuracy != null) metrics.accuracy.set({ task: ctx.id }, evaluation.accuracy);
  bus.publish('round.committed', ctx.id, roundSummary(record));
  return { record, lastRound: rs.round, model: { weights, version, round: rs.round, strategyState: ctx.strategy.exportState() } };
}

/**
 * Stores an abandoned round (no checkpoint: the model stays) and announces it.
 * @example runner.apply(abandonRound(runner, rs, 'fewer reports than minReports'));
 */
export function abandonRound(ctx: CommitContext, rs: RoundState, reason: string): CommitResult {
  const record = roundRecord(ctx, rs, { outcome: 'abandoned', reason });
  ctx.deps.store.recordAbandonedRound(record);
  ctx.deps.metrics.rounds.inc({ outcome: 'abandoned' });
  ctx.deps.log.warn({ taskId: ctx.id, round: rs.round, reason }, 'round abandoned, model kept');
  ctx.deps.bus.publish('round.abandoned', ctx.id, roundSummary(record));
  return { record, lastRound: rs.round, model: null };
}
