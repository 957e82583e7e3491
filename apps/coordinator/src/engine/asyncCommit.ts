// The records of an asynchronous task's commits: the round record (round = commit number) with the
// buffer's staleness, written with its checkpoint; and the central evaluation that trails it.

import { hasClipReporting, hasPrivacyAccounting, type Strategy } from '@flotilla/core';
import type { AsyncCommitView, TaskConfig } from '@flotilla/protocol';
import type { RoundClientRecord, RoundRecord } from '../store/Store.ts';
import type { EngineDeps } from './deps.ts';
import { roundSummary } from './roundCommit.ts';

/** What one client put into the buffer being committed. */
export interface Contribution { updates: number; numExamples: number; lossTimesExamples: number }

/** What a buffer saw between two commits, besides its updates. */
export interface BufferTally {
  startedAt: number;
  contributions: Map<string, Contribution>;
  dropped: number;
  failed: number;
  refusedStale: number;
  bytesUp: number;
  bytesDown: number;
  /** Bytes each client's socket carried up and the weights route served it while this buffer filled. */
  bytesByClient: Map<string, { up: number; down: number }>;
}

export const emptyTally = (): BufferTally => ({
  startedAt: Date.now(), contributions: new Map(), dropped: 0, failed: 0, refusedStale: 0, bytesUp: 0, bytesDown: 0, bytesByClient: new Map(),
});

/** Counts bytes of one client into the tally (up: its update frames; down: model frames served to it). */
export function countClientBytes(tally: BufferTally, clientId: string, direction: 'up' | 'down', bytes: number): void {
  const counted = tally.bytesByClient.get(clientId) ?? { up: 0, down: 0 };
  counted[direction] += bytes;
  tally.bytesByClient.set(clientId, counted);
}

/**
 * The round record of commit `round` (or of an abandoned buffer, `outcome: 'abandoned'`).
 * @example store.commitRound(asyncRoundRecord(ctx, tally, { ... }), checkpoint);
 */
export function asyncRoundRecord(
  ctx: { taskId: string; config: TaskConfig; strategy: Strategy; deps: EngineDeps },
  tally: BufferTally,
  commit: { round: number; modelVersion: number; outcome: 'committed' | 'abandoned'; reason: string | null; staleness: { count: number; mean: number; max: number; histogram: number[] } },
): RoundRecord {
  let examples = 0;
  let loss = 0;
  const clients: RoundClientRecord[] = [];
  const updatesByClient: Record<string, number> = {};
  for (const [clientId, c] of tally.contributions) {
    examples += c.numExamples;
    loss += c.lossTimesExamples;
    updatesByClient[clientId] = c.updates;
    const bytes = tally.bytesByClient.get(clientId);
    clients.push({
      clientId, outcome: 'reported', code: null, numExamples: c.numExamples, trainLoss: c.lossTimesExamples / c.numExamples,
      bytesUp: bytes?.up ?? 0, bytesDown: bytes?.down ?? 0,
    });
  }
  const spec = ctx.config.asynchronous!;
  const asynchronous: AsyncCommitView = {
    bufferSize: commit.staleness.count, meanStaleness: commit.staleness.mean, maxStaleness: commit.staleness.max,
    stalenessHistogram: commit.staleness.histogram, refusedStale: tally.refusedStale, updatesByClient,
  };
  const baselineAccuracy = ctx.config.baseline.enabled ? ctx.deps.baselines.accuracyFor(ctx.config) : null;
  return {
    taskId: ctx.taskId, round: commit.round, outcome: commit.outcome, reason: commit.reason, startedAt: tally.startedAt, endedAt: Date.now(),
    selected: tally.contributions.size, goal: spec.bufferSize, reported: commit.staleness.count, dropped: tally.dropped, failed: tally.failed,
    testAccuracy: null, testLoss: null, trainLoss: examples > 0 ? loss / examples : null, baselineAccuracy, delta: null,
    epsilon: hasPrivacyAccounting(ctx.strategy) ? ctx.strategy.epsilonSpent() : null,
    clipNorm: hasClipReporting(ctx.strategy) ? ctx.strategy.clipNorm : null,
    bytesUp: tally.bytesUp, bytesDown: tally.bytesDown, modelVersion: commit.modelVersion, clients, asynchronous,
  };
}

/**
 * Records a commit's central test metrics and tells the dashboards (`round.evaluated`).
 * @example recordAsyncEvaluation(deps, taskId, round, { loss: 0.1, accuracy: 0.97 });
 */
export function recordAsyncEvaluation(deps: EngineDeps, taskId: string, round: number, evaluation: { loss: number; accuracy: number | null }): void {
  const record = deps.store.getRound(taskId, round);
  if (!record) return;
  const testAccuracy = evaluation.accuracy;
  const delta = record.baselineAccuracy === null || testAccuracy === null ? null : record.baselineAccuracy - testAccuracy;
  deps.store.setRoundTestMetrics(taskId, round, { testAccuracy, testLoss: evaluation.loss, baselineAccuracy: record.baselineAccuracy, delta });
  if (testAccuracy !== null) deps.metrics.accuracy.set({ task: taskId }, testAccuracy);
  deps.bus.publish('round.evaluated', taskId, roundSummary({ ...record, testAccuracy, testLoss: evaluation.loss, delta }));
}
