// How tasks and rounds look through the REST API and to dashboards.

import { taskSchema, type TaskView } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';
import { roundSummary } from '../engine/roundCommit.ts';
import type { TaskRecord } from '../store/Store.ts';

/**
 * A task as the API shows it (protocol's TaskView).
 * @example reply.send(taskView(coordinator, coordinator.tasks.get(id)));
 */
export function taskView(coordinator: Coordinator, task: TaskRecord): TaskView {
  const runner = coordinator.tasks.runner(task.id);
  const rs = runner?.current ?? null;
  const latest = coordinator.store.listRounds(task.id, { sinceRound: Math.max(0, task.lastRound - 1) }).at(-1) ?? null;
  const baseline = coordinator.baselines.record(task.config);
  return {
    id: task.id, name: task.name, state: task.state, stopReason: task.stopReason, createdAt: task.createdAt, updatedAt: task.updatedAt,
    modelVersion: task.modelVersion, lastRound: task.lastRound, config: task.config, schema: taskSchema(task.config.data),
    latestRound: latest ? roundSummary(latest) : null,
    baseline: baseline && task.config.baseline.enabled
      ? { status: baseline.status, accuracy: baseline.accuracy, loss: baseline.loss, epochs: baseline.epochs, error: baseline.error, evaluatedOn: baseline.evaluatedOn ?? null }
      : null,
    currentEvaluation: runner?.evaluator.current
      ? {
        round: runner.evaluator.current.round, modelVersion: runner.evaluator.current.modelVersion, asked: runner.evaluator.current.asked.size,
        reported: runner.evaluator.current.reports.size, failed: runner.evaluator.current.failures.size, deadline: runner.evaluator.current.deadline,
      }
      : null,
    currentBuffer: runner?.buffered?.view() ?? null,
    currentRound: rs
      ? {
        round: rs.round, phase: rs.phase, selected: rs.selected.size, goal: rs.goal, reported: rs.reports.size,
        dropped: rs.dropped, failed: rs.failed, deadline: rs.deadline, startedAt: rs.startedAt,
        secure: task.config.privacy.secureAggregation?.enabled === true, work: rs.workRecords(),
      }
      : null,
  };
}
