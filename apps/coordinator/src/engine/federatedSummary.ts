// The federated evaluation of one model version, summarised: example-weighted loss and metrics,
// and the spread of the task's metric over the clients that reported (the fairness view).

import type { DataSchema, EvaluationMetrics, FederatedSummary, MetricSpread } from '@flotilla/protocol';

/** The metric a task's clients report and its spread is taken over. */
export type FederatedMetric = 'accuracy' | 'mse' | 'mae';

/** One client's valid evaluation report. */
export interface ClientEvaluation {
  clientId: string;
  numExamples: number;
  metrics: EvaluationMetrics;
  /** A personalised task's client: its personal and local-only models on the same examples. */
  personal?: EvaluationMetrics;
  localOnly?: EvaluationMetrics;
}

export type { FederatedSummary, MetricSpread };

/**
 * The metric a schema's tasks are judged by: accuracy for classes and next symbols, the
 * regression's own metric (mse or mae) otherwise.
 * @example federatedMetric(MNIST_SCHEMA) // 'accuracy'
 */
export function federatedMetric(schema: DataSchema): FederatedMetric {
  return schema.kind === 'tabular' && schema.target.type === 'regression' ? schema.target.metric : 'accuracy';
}

/** The metrics a report must carry for the schema (checked before it counts). */
export function requiredMetrics(schema: DataSchema): (keyof EvaluationMetrics)[] {
  return federatedMetric(schema) === 'accuracy' ? ['loss', 'accuracy'] : ['loss', 'mse', 'mae'];
}

/**
 * Linear-interpolated quantile of sorted values (numpy's default), q in [0, 1].
 * @example quantile([1, 2, 3, 4], 0.5) // 2.5
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no values');
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/**
 * Aggregates the reports of one evaluation.
 * @example summariseEvaluation(reports, { round: 3, modelVersion: 3, asked: 4, failed: 1, metric: 'accuracy' });
 */
export function summariseEvaluation(
  reports: readonly ClientEvaluation[],
  context: { round: number; modelVersion: number; asked: number; failed: number; metric: FederatedMetric },
): FederatedSummary {
  const examples = reports.reduce((n, r) => n + r.numExamples, 0);
  const weighted = (key: keyof EvaluationMetrics): number | null => {
    if (examples === 0 || reports.some((r) => r.metrics[key] === undefined)) return null;
    return reports.reduce((s, r) => s + r.metrics[key]! * r.numExamples, 0) / examples;
  };
  const values = reports.map((r) => r.metrics[context.metric]).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  let spread: MetricSpread | null = null;
  if (values.length > 0) {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    spread = {
      min: values[0]!, p10: quantile(values, 0.1), median: quantile(values, 0.5), max: values.at(-1)!,
      std: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length),
    };
  }
  return {
    round: context.round, modelVersion: context.modelVersion, metric: context.metric, asked: context.asked,
    clients: reports.length, failed: context.failed, examples,
    loss: weighted('loss'), accuracy: weighted('accuracy'), mse: weighted('mse'), mae: weighted('mae'), spread,
  };
}
