// Client selection for a round: sample size, over-selection and the training plan.
import { sampleWeighted, sampleWithoutReplacement, type Rng } from './random.ts';
import type { CommonStrategyConfig } from './Strategy.ts';
import type { ClientInfo, FitInstructions } from './types.ts';

/**
 * Samples m = max(minFitClients, ⌈C·available⌉) clients' worth of reports: selects
 * ⌈m·overSelection⌉ (capped at what is available) so that dropouts still leave m reports
 * (Bonawitz et al. 2019, "Towards Federated Learning at Scale"), and sets goal = m. Returns null
 * when fewer than `minAvailableClients`, or fewer than m, clients are available: not enough
 * clients is an expected state of a fleet, not an error.
 * @example
 * planFit(DEFAULT_STRATEGY_CONFIG, clients, createRng(1), 0); // 100 clients → 10 selected, goal 10
 */
export function planFit(
  config: CommonStrategyConfig,
  available: readonly ClientInfo[],
  rng: Rng,
  proximalMu: number,
): FitInstructions | null {
  const count = available.length;
  if (count < config.minAvailableClients) return null;
  const goal = Math.max(config.minFitClients, ceilTolerant(config.fractionFit * count));
  if (count < goal) return null;
  const selected = Math.min(count, ceilTolerant(goal * config.overSelection));
  // A coordinator that prefers some clients (clients likely to finish) says so per client.
  const weighted = available.some((c) => c.selectionWeight !== undefined);
  const picked = weighted
    ? sampleWeighted(available, available.map((c) => c.selectionWeight ?? 1), selected, rng)
    : sampleWithoutReplacement(available, selected, rng);
  const clientIds = picked.map((c) => c.id);
  return {
    clientIds,
    goal,
    config: {
      epochs: config.epochs,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      proximalMu,
    },
  };
}

// 0.1 × 30 is 3.0000000000000004 and 10 × 1.3 is 13.000000000000002 in binary floating point;
// a plain ceil would select one client too many. Products within 1e-9 of an integer are that integer.
function ceilTolerant(x: number): number {
  const nearest = Math.round(x);
  return Math.abs(x - nearest) <= 1e-9 * Math.max(1, Math.abs(x)) ? nearest : Math.ceil(x);
}
