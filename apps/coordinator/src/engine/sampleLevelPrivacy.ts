// Sample-level DP-SGD of a task on the coordinator's side: the settings each plan carries, and ε
// accounted from the updates received (replayed from the stored rounds after a restart). Under
// secure aggregation a masked report hides its example count: each client is then accounted for the
// count its hello declared, which its plan binds it to train on.

import { DpSgdAccountant } from '@flotilla/privacy';
import type { FitPlan, TaskConfig } from '@flotilla/protocol';
import type { RoundRecord } from '../store/Store.ts';
import type { ConnectedClient } from './ClientRegistry.ts';

/** True when the task trains with DP-SGD under secure aggregation: counts come from the hellos. */
export function dpSgdBindsExamples(config: TaskConfig): boolean {
  return Boolean(config.privacy.dpSgd?.enabled && config.privacy.secureAggregation?.enabled);
}

/**
 * The clients a DP-SGD task may select. Under secure aggregation one that declared no example count
 * could not be accounted (its ε would be unknown), so it does not train; otherwise all of them.
 * @example const available = dpSgdEligible(config, registry.eligibleFor(taskId, true));
 */
export function dpSgdEligible<C extends Pick<ConnectedClient, 'numExamples'>>(config: TaskConfig, clients: C[]): C[] {
  return dpSgdBindsExamples(config) ? clients.filter((c) => c.numExamples !== null && c.numExamples >= 1) : clients;
}

/**
 * The plan's DP-SGD block with the example count the coordinator accounts this client for.
 * @example const fit = bindDpSgdExamples(plan.fit, 600); // fit.dpSgd.numExamples === 600
 */
export function bindDpSgdExamples(fit: FitPlan, numExamples: number | null): FitPlan {
  return fit.dpSgd && numExamples !== null ? { ...fit, dpSgd: { ...fit.dpSgd, numExamples } } : fit;
}

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
 * abandoned alike: an abandoned round's updates reached the coordinator too; a masked report is
 * recorded with the count its plan bound), or null without DP-SGD.
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
