// A round's central evaluation on the task's test set, surviving the death of the model worker:
// a job that failed because its worker died or timed out is tried once more on a fresh worker; a
// second failure abandons the round with FLT_MODEL_WORKER_FAILED (the model stays as committed,
// the task goes on). A task without a test set is not evaluated here at all (no job).

import { BUILTIN_MNIST_TEST, ErrorCodes, hasErrorCode, taskSchema, type TaskConfig } from '@flotilla/protocol';
import type { DatasetRegistry } from '../datasets/DatasetRegistry.ts';
import type { ModelService } from '../model/ModelService.ts';
import type { EvaluateResult } from '../model/jobs.ts';

/** `result` is null when the task has no test set: the round commits with no central metrics. */
export type RoundEvaluation = { ok: true; result: EvaluateResult | null } | { ok: false; reason: string };

/** Attempts per round: the first, and one retry on a fresh worker. */
export const EVALUATION_ATTEMPTS = 2;

/**
 * `testSkip`: the first test examples lent to contribution assessment's validation split, left out here.
 * @example const evaluation = await evaluateRound(models, datasets, config, next, { taskId, round });
 */
export async function evaluateRound(
  models: ModelService, datasets: DatasetRegistry, config: TaskConfig, weights: Float32Array, context: { taskId: string; round: number }, testSkip = 0,
): Promise<RoundEvaluation> {
  // Tasks stored before schemas existed are MNIST tasks, evaluated on MNIST's test set as they always were.
  const testId = config.data.testDataset ?? (config.data.schema === undefined ? BUILTIN_MNIST_TEST : undefined);
  if (testId === undefined) return { ok: true, result: null };
  for (let attempt = 1; ; attempt++) {
    try {
      const data = { schema: taskSchema(config.data), test: datasets.source(testId), ...(testSkip > 0 ? { skip: testSkip } : {}) };
      return { ok: true, result: await models.evaluate(config.model, weights, config.data.testLimit, context, data) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!hasErrorCode(err, ErrorCodes.MODEL_WORKER_FAILED)) return { ok: false, reason: `evaluation failed: ${message}` };
      if (attempt >= EVALUATION_ATTEMPTS) {
        return { ok: false, reason: `${ErrorCodes.MODEL_WORKER_FAILED}: evaluation failed ${attempt} times (${message})` };
      }
    }
  }
}
