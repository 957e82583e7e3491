// The JSON summary of a fleet run: every round, the centralized baseline and the final δ.

import type { Attack } from '@flotilla/client';
import type { ContributionView, RoundListView, TaskView } from '@flotilla/protocol';
import { operatorHeaders, toRoundLine, type NodeFleetRun, type RoundLine } from './nodeFleet.ts';
import { requestJson, type CoordinatorLink } from './coordinatorLink.ts';

export interface FleetSummary {
  coordinator: string;
  taskId: string;
  config: unknown;
  clients: number;
  threads: number;
  backend: string;
  state: string;
  stopReason: string | null;
  wallSeconds: number;
  rounds: (RoundLine & { trainLoss: number | null; bytesUp: number; bytesDown: number; baselineAccuracy: number | null })[];
  committedRounds: number;
  abandonedRounds: number;
  dropouts: number;
  dropoutsInjected: number;
  finalAccuracy: number | null;
  bestAccuracy: number | null;
  targetAccuracy: number | null;
  /** First round whose global model reached the target accuracy (McMahan et al. report 87 for this setting). */
  roundsToTarget: number | null;
  baseline: { status: string; accuracy: number | null; epochs: number } | null;
  finalDelta: number | null;
  /** Times the fleet lost the coordinator (a crash, a restart) and waited for it, and for how long in all. */
  coordinatorOutages: number;
  coordinatorDownSeconds: number;
  /** The attack and the partition indices of the clients that mounted it (--byzantine), or null. */
  byzantine?: { attack: Attack; fraction: number; clients: number[] } | null;
  /** A task with contribution assessment: its standings and valued rounds at the end of the run. */
  contribution?: ContributionView;
}

/** Every round comes from the coordinator's store, so rounds from before and after a restart are all there. */
export async function buildSummary(
  url: string, taskId: string, run: NodeFleetRun, meta: { clients: number; threads: number; startedAt: number; token?: string | null; link: CoordinatorLink },
): Promise<FleetSummary> {
  const headers = operatorHeaders(meta.token ?? null);
  const task = await meta.link.retry('summary', () => requestJson<TaskView>(`${url}/api/tasks/${taskId}`, { headers }));
  const { rounds: raw } = await meta.link.retry('summary', () => requestJson<RoundListView>(`${url}/api/tasks/${taskId}/rounds`, { headers }));
  const rounds = raw.map((r) => ({
    ...toRoundLine(r),
    trainLoss: r.trainLoss, bytesUp: r.bytesUp, bytesDown: r.bytesDown, baselineAccuracy: r.baselineAccuracy,
  }));
  const committed = rounds.filter((r) => r.outcome === 'committed');
  const last = committed.at(-1) ?? null;
  const target = task.config.stop.targetAccuracy ?? null;
  const accuracies = committed.map((r) => r.testAccuracy ?? 0);
  const baselineAccuracy = task.baseline?.status === 'done' ? task.baseline.accuracy : null;
  return {
    coordinator: url, taskId, config: task.config, clients: meta.clients, threads: meta.threads, backend: run.backend,
    state: task.state, stopReason: task.stopReason, wallSeconds: (Date.now() - meta.startedAt) / 1000, rounds,
    committedRounds: committed.length, abandonedRounds: rounds.length - committed.length,
    dropouts: rounds.reduce((n, r) => n + r.dropped, 0), dropoutsInjected: run.dropoutsInjected,
    finalAccuracy: last?.testAccuracy ?? null, bestAccuracy: accuracies.length ? Math.max(...accuracies) : null,
    targetAccuracy: target,
    roundsToTarget: target === null ? null : (committed.find((r) => (r.testAccuracy ?? 0) >= target)?.round ?? null),
    baseline: task.baseline ? { status: task.baseline.status, accuracy: task.baseline.accuracy, epochs: task.baseline.epochs.length } : null,
    finalDelta: baselineAccuracy !== null && last?.testAccuracy != null ? baselineAccuracy - last.testAccuracy : null,
    coordinatorOutages: meta.link.outages, coordinatorDownSeconds: meta.link.downMs / 1000,
  };
}
