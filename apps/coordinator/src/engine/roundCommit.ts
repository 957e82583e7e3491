// The end of a round: the record written to the store (with the new checkpoint when it
// commits), the event dashboards receive, and the metrics Prometheus scrapes.

import { DpFedAvgStrategy, hasPrivacyAccounting } from '@flotilla/privacy';
import type { RoundRecord } from '../store/Store.ts';
import type { RoundState } from './RoundState.ts';
import type { TaskRunner } from './TaskRunner.ts';

function roundRecord(runner: TaskRunner, rs: RoundState, patch: Partial<RoundRecord>): RoundRecord {
  return {
    taskId: runner.id, round: rs.round, outcome: 'abandoned', reason: null, startedAt: rs.startedAt, endedAt: Date.now(),
    selected: rs.selected.size, goal: rs.goal, reported: rs.reports.size, dropped: rs.dropped, failed: rs.failed,
    testAccuracy: null, testLoss: null, trainLoss: rs.meanTrainLoss(), baselineAccuracy: null, delta: null,
    epsilon: hasPrivacyAccounting(runner.strategy) ? runner.strategy.epsilonSpent() : runner.sampleDp?.epsilonSpent() ?? null,
    clipNorm: runner.strategy instanceof DpFedAvgStrategy ? runner.strategy.clipNorm : null,
    bytesUp: rs.bytesUp, bytesDown: rs.bytesDown, modelVersion: runner.version, clients: rs.clientRecords(), ...patch,
  };
}

/** Public view of a round (what the REST API and the event stream carry). */
export function roundSummary(record: RoundRecord): Omit<RoundRecord, 'clients'> {
  const { clients: _clients, ...summary } = record;
  return { ...summary, federated: record.federated ?? null };
}

/** `evaluation` is null for a task without a central test set: the round has no test metrics. */
export function commitRound(runner: TaskRunner, rs: RoundState, weights: Float32Array, evaluation: { loss: number; accuracy: number | null } | null): RoundRecord {
  const { store, bus, metrics, baselines } = runner.deps;
  const baselineAccuracy = runner.config.baseline.enabled ? baselines.accuracyFor(runner.config) : null;
  const version = runner.version + 1;
  const record = roundRecord(runner, rs, {
    outcome: 'committed', testAccuracy: evaluation?.accuracy ?? null, testLoss: evaluation?.loss ?? null, baselineAccuracy,
    delta: baselineAccuracy === null || evaluation?.accuracy == null ? null : baselineAccuracy - evaluation.accuracy, modelVersion: version,
  });
  store.commitRound(record, {
    taskId: runner.id, version, round: rs.round, weights, strategyState: runner.strategy.exportState(), createdAt: record.endedAt,
  });
  runner.weights = weights;
  runner.version = version;
  runner.lastRound = rs.round;
  runner.modelRound = rs.round;
  metrics.rounds.inc({ outcome: 'committed' });
  metrics.roundSeconds.observe((record.endedAt - record.startedAt) / 1000);
  if (evaluation?.accuracy != null) metrics.accuracy.set({ task: runner.id }, evaluation.accuracy);
  bus.publish('round.committed', runner.id, roundSummary(record));
  return record;
}

export function abandonRound(runner: TaskRunner, rs: RoundState, reason: string): RoundRecord {
  const record = roundRecord(runner, rs, { outcome: 'abandoned', reason });
  runner.deps.store.recordAbandonedRound(record);
  runner.lastRound = rs.round;
  runner.deps.metrics.rounds.inc({ outcome: 'abandoned' });
  runner.deps.log.warn({ taskId: runner.id, round: rs.round, reason }, 'round abandoned, model kept');
  runner.deps.bus.publish('round.abandoned', runner.id, roundSummary(record));
  return record;
}
