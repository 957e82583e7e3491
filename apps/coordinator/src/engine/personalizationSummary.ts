// The personalisation view of one federated evaluation: over the clients that reported a personal
// model, how many it serves better than the global model (and than a model of their own data
// alone), and by how much. Each client counts once: personalisation is about every client.

import type { EvaluationMetrics, PersonalizationSpec, PersonalizationSummary } from '@flotilla/protocol';
import type { FederatedMetric } from './federatedSummary.ts';

/** One client's report as the summary reads it. */
export interface PersonalReport {
  clientId: string;
  metrics: EvaluationMetrics;
  personal?: EvaluationMetrics;
  localOnly?: EvaluationMetrics;
}

/**
 * The summary of `reports` for a task personalised by `mode`, judged by `metric` (higher accuracy,
 * lower mse / mae is better; a gain is always "better" minus "worse", so positive is good).
 * @example summarisePersonalization([{ clientId: 'a', metrics: { loss: 1, accuracy: 0.5 }, personal: { loss: 0.5, accuracy: 0.8 } }], 'ditto', 'accuracy').meanGain // 0.3
 */
export function summarisePersonalization(
  reports: readonly PersonalReport[], mode: Exclude<PersonalizationSpec['mode'], 'none'>, metric: FederatedMetric,
): PersonalizationSummary {
  const higherIsBetter = metric === 'accuracy';
  const gain = (mine: number, other: number) => (higherIsBetter ? mine - other : other - mine);
  const perClient = reports.flatMap((r) => {
    const global = r.metrics[metric];
    const personal = r.personal?.[metric];
    if (global === undefined || personal === undefined) return [];
    return [{ clientId: r.clientId, global, personal, localOnly: r.localOnly?.[metric] ?? null }];
  });
  const mean = (values: number[]) => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);
  const share = (n: number, of: number) => (of === 0 ? null : n / of);
  const withLocal = perClient.filter((c) => c.localOnly !== null);
  return {
    mode,
    clients: perClient.length,
    beatsGlobal: share(perClient.filter((c) => gain(c.personal, c.global) > 0).length, perClient.length),
    beatsBoth: share(withLocal.filter((c) => gain(c.personal, c.global) > 0 && gain(c.personal, c.localOnly!) > 0).length, withLocal.length),
    meanGain: mean(perClient.map((c) => gain(c.personal, c.global))),
    meanGlobal: mean(perClient.map((c) => c.global)),
    meanPersonal: mean(perClient.map((c) => c.personal)),
    meanLocalOnly: mean(withLocal.map((c) => c.localOnly!)),
    perClient,
  };
}
