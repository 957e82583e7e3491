// Example-weighted combination of evaluation reports.
import { AggregationError } from './errors.ts';
import type { EvaluateResult } from './types.ts';

/**
 * Loss and accuracy averaged with weights numExamples, as Flower's weighted_loss_avg. Results
 * with zero examples (a client with an empty test split) count for nothing; null when none
 * carries examples. A negative or non-finite count is a caller's bug and throws.
 * @example
 * weightedEvaluation([
 *   { numExamples: 1, loss: 1, accuracy: 0.5 },
 *   { numExamples: 3, loss: 3, accuracy: 0.9 },
 * ]); // { loss: 2.5, accuracy: 0.8 }
 */
export function weightedEvaluation(
  results: readonly EvaluateResult[],
): { loss: number; accuracy: number } | null {
  let examples = 0;
  let loss = 0;
  let accuracy = 0;
  for (const r of results) {
    if (!(r.numExamples >= 0) || !Number.isFinite(r.numExamples)) {
      throw new AggregationError(
        'AGGREGATION_PRECONDITION',
        `numExamples must be finite and ≥ 0, got ${r.numExamples}`,
      );
    }
    if (r.numExamples === 0) continue;
    examples += r.numExamples;
    loss += r.numExamples * r.loss;
    accuracy += r.numExamples * r.accuracy;
  }
  return examples === 0 ? null : { loss: loss / examples, accuracy: accuracy / examples };
}
