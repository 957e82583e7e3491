// What device-aware work combines with, checked when a task is created, and which aggregation
// rule a task with adaptive work uses.

import { ErrorCodes, FlotillaError, type TaskConfig } from '@flotilla/protocol';

/** Strategies a task with adaptive work may name: FedAvg and FedProx aggregate as FedNova under it. */
const ADAPTIVE_STRATEGIES = ['fedavg', 'fedprox', 'fednova'] as const;

/**
 * True when the task's updates are normalised by their local steps (FedNova): strategy `fednova`,
 * or `fedavg` / `fedprox` under adaptive work, where plain averaging would pull the model toward
 * the clients that were given more steps (Wang et al. 2020, §3).
 * @example usesFedNova(resolveTaskConfig({ fit: { work: { kind: 'adaptive' } } })); // true
 */
export function usesFedNova(config: TaskConfig): boolean {
  return config.strategy.name === 'fednova' || (config.fit.work?.kind === 'adaptive' && (config.strategy.name === 'fedavg' || config.strategy.name === 'fedprox'));
}

/**
 * Throws FLT_INVALID_TASK, naming the field, for a work setting the task's other settings rule out.
 * @example checkWork(config); // in resolveTaskConfig, after the schema check
 */
export function checkWork(config: TaskConfig): void {
  const work = config.fit.work;
  if (!work) return;
  const { differentialPrivacy: dp, dpSgd, secureAggregation } = config.privacy;
  if (work.kind === 'adaptive') {
    const name = config.strategy.name;
    if (!(ADAPTIVE_STRATEGIES as readonly string[]).includes(name)) {
      throw new FlotillaError(ErrorCodes.INVALID_TASK, `fit.work.kind adaptive normalises updates by their steps (FedNova) and needs strategy ${ADAPTIVE_STRATEGIES.join(', ')}, not ${name}`);
    }
    // Each of these hides or fixes the per-client steps FedNova and the planner need.
    if (secureAggregation?.enabled) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'fit.work.kind adaptive needs each update\'s steps; secure aggregation reveals only their sum');
    if (dp.enabled) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'fit.work.kind adaptive needs each update\'s steps; client-level differential privacy releases only a noised mean');
    if (dpSgd?.enabled) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'fit.work.kind adaptive changes each client\'s DP-SGD steps, which the sample-level accountant fixes per round');
  }
  // The accountants assume every client is sampled with the same probability.
  if (work.selection === 'likelyToFinish' && (dp.enabled || dpSgd?.enabled)) {
    throw new FlotillaError(ErrorCodes.INVALID_TASK, 'fit.work.selection likelyToFinish is not uniform sampling, which the differential privacy accountant assumes');
  }
}
