// A round's server-side evaluation, surviving the death of the model worker: a job that failed
// because its worker died or timed out is tried once more on a fresh worker; a second failure
// abandons the round with FLT_MODEL_WORKER_FAILED (the model stays as committed, the task goes on).

import { ErrorCodes, hasErrorCode } from '@flotilla/protocol';
import type { ModelSpec } from '@flotilla/protocol';
import type { ModelService } from '../model/ModelService.ts';
import type { EvaluateResult } from '../model/jobs.ts';

export type RoundEvaluation = { ok: true; result: EvaluateResult } | { ok: false; reason: string };

/** Attempts per round: the first, and one retry on a fresh worker. */
export const EVALUATION_ATTEMPTS = 2;

/**
 * @example const evaluation = await evaluateRound(models, config.model, next, 1000, { taskId, round });
 */
export async function evaluateRound(
  models: ModelService, model: ModelSpec, weights: Float32Array, testLimit: number, context: { taskId: string; round: number },
): Promise<RoundEvaluation> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, result: await models.evaluate(model, weights, testLimit, context) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!hasErrorCode(err, ErrorCodes.MODEL_WORKER_FAILED)) return { ok: false, reason: `evaluation failed: ${message}` };
      if (attempt >= EVALUATION_ATTEMPTS) {
        return { ok: false, reason: `${ErrorCodes.MODEL_WORKER_FAILED}: evaluation failed ${attempt} times (${message})` };
      }
    }
  }
}
