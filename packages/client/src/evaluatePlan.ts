// A client's half of federated evaluation: the answer to an `evaluate.plan`, computed on the
// held-out split with the plan's global weights. The answer carries metrics and a count only.

import { ErrorCodes, FlotillaError, type EvaluateFailed, type EvaluatePlan, type EvaluationMetrics, type EvaluationReport } from '@flotilla/protocol';
import type { LocalSplit } from './localData.ts';
import type { LocalData, Trainer } from './types.ts';
import type { WeightsCache } from './WeightsCache.ts';
import type { PersonalStore } from './personal/personalState.ts';

/** What answering needs: the trainer, the weights, the examples and their held-out rows, and when to give up. */
export interface EvaluationContext {
  trainer: Trainer;
  weights: WeightsCache;
  /** The coordinator's base URL, without a trailing slash. */
  baseUrl: string;
  data: LocalData;
  /** The split of `data` for the plan's task; null when the client has not checked its data against one. */
  split: LocalSplit | null;
  signal: AbortSignal;
  /** A personalised task's plan also evaluates the personal models kept here. */
  personal?: PersonalStore;
}

/**
 * The message answering `plan`: `evaluation` with the metrics on the held-out rows, or
 * `evaluate.failed` with FLT_NO_HELD_OUT_DATA (nothing held out), FLT_EVALUATION_FAILED (no
 * evaluating trainer, weights unavailable, interrupted, unusable metrics) or a trainer's coded error.
 * @example send(await answerEvaluatePlan(plan, { trainer, weights, baseUrl, data, split, signal }));
 */
export async function answerEvaluatePlan(plan: EvaluatePlan, ctx: EvaluationContext): Promise<EvaluationReport | EvaluateFailed> {
  const fail = (code: string, message: string): EvaluateFailed => ({ type: 'evaluate.failed', taskId: plan.taskId, round: plan.round, code, message: message.slice(0, 1000) });
  if (ctx.split === null) return fail(ErrorCodes.NO_HELD_OUT_DATA, 'this client has not checked its data against the task');
  if (ctx.split.test.length === 0) return fail(ErrorCodes.NO_HELD_OUT_DATA, `this client holds out none of its ${ctx.data.count} examples`);
  const evaluate = ctx.trainer.evaluate?.bind(ctx.trainer);
  if (!evaluate) return fail(ErrorCodes.EVALUATION_FAILED, 'this client\'s trainer does not evaluate');
  try {
    const global = await ctx.weights.get(`${ctx.baseUrl}${plan.weightsUrl}`);
    const metrics = await evaluate({
      model: plan.model, schema: plan.schema, weights: global.weights, data: ctx.data, examples: ctx.split.test, signal: ctx.signal,
    });
    if (ctx.signal.aborted) return fail(ErrorCodes.EVALUATION_FAILED, 'the evaluation was interrupted (deadline or disconnect)');
    if (!validMetrics(metrics)) return fail(ErrorCodes.EVALUATION_FAILED, `the evaluation gave unusable metrics ${JSON.stringify(metrics)}`);
    const personal = await evaluatePersonal(plan, ctx, global.weights);
    if (ctx.signal.aborted) return fail(ErrorCodes.EVALUATION_FAILED, 'the evaluation was interrupted (deadline or disconnect)');
    return { type: 'evaluation', taskId: plan.taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples: ctx.split.test.length, metrics, ...personal };
  } catch (err) {
    return fail(err instanceof FlotillaError ? err.code : ErrorCodes.EVALUATION_FAILED, err instanceof Error ? err.message : String(err));
  }
}

/** Metrics the coordinator accepts: a finite non-negative loss, accuracy in [0, 1], finite errors. */
function validMetrics(m: EvaluationMetrics): boolean {
  const ok = (v: number | undefined, max = Infinity) => v === undefined || (Number.isFinite(v) && v >= 0 && v <= max);
  return Number.isFinite(m.loss) && m.loss >= 0 && ok(m.accuracy, 1) && ok(m.mse) && ok(m.mae);
}

/** The personal and local-only metrics of a personalised task's plan: only valid ones are reported. */
async function evaluatePersonal(plan: EvaluatePlan, ctx: EvaluationContext, global: Float32Array): Promise<Pick<EvaluationReport, 'personal' | 'localOnly'>> {
  const spec = plan.personalization;
  if (!spec || spec.mode === 'none' || !ctx.trainer.evaluatePersonal || !ctx.split) return {};
  let metrics: Awaited<ReturnType<NonNullable<Trainer['evaluatePersonal']>>>;
  try {
    metrics = await ctx.trainer.evaluatePersonal({
      model: plan.model, schema: plan.schema, weights: global, data: ctx.data, examples: ctx.split.test, signal: ctx.signal,
      personalization: spec, personal: (await ctx.personal?.load(plan.taskId)) ?? null, trainExamples: ctx.split.train,
    });
  } catch {
    // The global model's metrics still count: a personal model that cannot be evaluated (an unreadable store) is left out.
    return {};
  }
  return {
    ...(metrics.personal && validMetrics(metrics.personal) ? { personal: metrics.personal } : {}),
    ...(metrics.localOnly && validMetrics(metrics.localOnly) ? { localOnly: metrics.localOnly } : {}),
  };
}
