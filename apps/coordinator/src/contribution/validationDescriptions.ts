// Where a task's contribution utility is measured, in words, for the API: built once per task
// (reading the dataset to find the examples no client holds) and kept.

import type { Coordinator } from '../coordinator.ts';
import type { TaskRecord } from '../store/Store.ts';
import { validationSplit } from './validationSplit.ts';

const described = new Map<string, Promise<string | null>>();

/**
 * The validation split's description, null for a task without contribution assessment (or whose
 * split can no longer be built, e.g. its validation dataset was deleted).
 * @example const validation = await validationDescription(coordinator, task);
 */
export function validationDescription(coordinator: Pick<Coordinator, 'datasets'>, task: TaskRecord): Promise<string | null> {
  if (!task.config.contribution?.enabled) return Promise.resolve(null);
  let entry = described.get(task.id);
  if (!entry) {
    entry = validationSplit(task.config, coordinator.datasets).then((split) => split.description, () => null);
    described.set(task.id, entry);
  }
  return entry;
}
