// Sample-level DP-SGD of a task on the coordinator's side: the settings each plan carries, and ε
// accounted from the updates received (replayed from the stored rounds after a restart).

import { DpSgdAccountant } from '@flotilla/privacy';
import type { FitPlan, TaskConfig } from '@flotilla/protocol';
import type { RoundRecord } from '../store/Store.ts';

/**
 * What the clients' trainers need of the task's DP-SGD settings, or undefined without DP-SGD.
 * @example const fit = { ...instructions.config, seed, ...dpSgdPlan(config) };
 */
export function dpSgdPlan(config: TaskConfig): { dpSgd?: NonNullable<FitPlan['dpSgd']> } {
  const dp = config.privacy.dpSgd;
  return dp?.enabled ? { dpSgd: { l2NormClip: dp.l2NormClip, noiseMultiplier: dp.noiseMultiplier, microbatchSize: dp.microbatchSize } } : {};
}

/**
 * The task's DP-SGD accountant with every update already recorded in `rounds` (committed and
 * abandoned alike: an abandoned round's updates reached the coordinator too), or null without DP-SGD.
 * @example const accountant = dpSgdAccountant(task.config, store.listRounds(task.id));
 */
export function dpSgdAccountant(config: TaskConfig, rounds: readonly RoundRecord[]): DpSgdAccountant | null {
  const dp = config.privacy.dpSgd;
  if (!dp?.enabled) return null;
  const accountant = new DpSgdAccountant({ noiseMultiplier: dp.noiseMultiplier, delta: dp.delta, epochs: config.fit.epochs, batchSize: config.fit.batchSize });
  for (const round of rounds) {
    for (const c of round.clients) if (c.outcome === 'reported' && c.numExamples !== null) accountant.recordUpdate(c.clientId, c.numExamples);
  }
  return accountant;
}

/**
 * Why the task must stop before the next round (its ε budget would be exceeded), or null.
 * @example const reason = dpSgdBudgetStop(config, accountant, [{ clientId: 'c1', numExamples: 600 }]);
 */
export function dpSgdBudgetStop(
  config: TaskConfig, accountant: DpSgdAccountant | null, planned: readonly { clientId: string; numExamples: number | null }[],
): string | null {
  const budget = config.privacy.dpSgd?.targetEpsilon;
  if (!accountant || budget === undefined || accountant.epsilonAfterRound(planned) <= budget) return null;
  return `privacy budget ε = ${budget} reached (spent ${accountant.epsilonSpent().toFixed(3)})`;
}
