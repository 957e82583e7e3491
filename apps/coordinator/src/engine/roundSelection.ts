// What the loop does next: run a round with the strategy's selection, wait for clients, or end
// the task because its round budget or a privacy budget is spent.

import { createRng, hasPrivacyAccounting, type FitInstructions, type Strategy } from '@flotilla/core';
import type { DpSgdAccountant } from '@flotilla/privacy';
import type { TaskConfig } from '@flotilla/protocol';
import type { EngineDeps } from './deps.ts';
import { admissible, type ExampleCountRule } from './exampleCounts.ts';
import { dpSgdBudgetStop, dpSgdEligible } from './sampleLevelPrivacy.ts';
import { selectionSeed } from './selectionSeed.ts';
import { workPlannerFor } from './workPlan.ts';
import { contributionCandidates } from '../contribution/selectionPolicy.ts';

/** What selection reads from its task. */
export interface SelectionHost {
  readonly id: string;
  readonly config: TaskConfig;
  readonly deps: EngineDeps;
  readonly strategy: Strategy;
  readonly sampleDp: DpSgdAccountant | null;
  readonly exampleCounts: ExampleCountRule;
  readonly lastRound: number;
}

/** `run`: round `round` with these instructions. `wait`: too few clients. `stop`: the task is complete, `reason` says why. */
export type NextRound =
  | { readonly kind: 'run'; readonly round: number; readonly instructions: FitInstructions }
  | { readonly kind: 'wait' }
  | { readonly kind: 'stop'; readonly reason: string };

/**
 * Selects the next round's clients (seeded per round, so a restarted coordinator selects alike)
 * and checks the budgets it would spend: the round budget, client-level ε (through the strategy's
 * PrivacyAccounting capability) and sample-level DP-SGD's ε.
 * @example
 * const next = nextRound(runner);
 * if (next.kind === 'run') await runRound(next.round, next.instructions);
 */
export function nextRound(host: SelectionHost): NextRound {
  const { config, deps, strategy } = host;
  if (host.lastRound >= config.stop.maxRounds) return { kind: 'stop', reason: 'round budget spent' };
  const round = host.lastRound + 1;
  // A client whose declared example count breaks the task's rule never weighs in.
  const eligible = dpSgdEligible(config, deps.registry.eligibleFor(host.id, deps.isActiveTask(host.id)).filter((c) => admissible(host.exampleCounts, c)));
  const available = eligible.map((c) => ({
    id: c.id,
    ...(c.numExamples === null ? {} : { numExamples: c.numExamples }),
    ...(c.device.examplesPerSec === undefined ? {} : { examplesPerSec: c.device.examplesPerSec }),
    ...workPlannerFor(config).selectionOf(c),
  }));
  const instructions = strategy.configureFit(round, contributionCandidates(host, available), createRng(selectionSeed(config, round)));
  if (!instructions) return { kind: 'wait' };
  const budget = config.privacy.differentialPrivacy.targetEpsilon;
  if (budget !== undefined && hasPrivacyAccounting(strategy) && strategy.epsilonAfterNextRound() > budget) {
    return { kind: 'stop', reason: `privacy budget ε = ${budget} reached (spent ${strategy.epsilonSpent().toFixed(3)})` };
  }
  const planned = instructions.clientIds.map((clientId) => ({ clientId, numExamples: deps.registry.get(clientId)?.numExamples ?? null }));
  const sampleStop = dpSgdBudgetStop(config, host.sampleDp, planned);
  return sampleStop ? { kind: 'stop', reason: sampleStop } : { kind: 'run', round, instructions };
}
