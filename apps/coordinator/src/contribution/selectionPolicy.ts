// The selection policy that uses the standings: clients whose cumulative contribution stays
// negative are sampled with a lower weight (downweight) or left out (exclude), never leaving a
// round fewer candidates than it needs.

import { selectionWeights, type ClientInfo } from '@flotilla/core';
import type { TaskConfig } from '@flotilla/protocol';
import type { EngineDeps } from '../engine/deps.ts';

/**
 * The candidates the strategy samples from: `available` as it is under `uniform` (or before any
 * client is judged), else with each judged client's weight multiplied into its `selectionWeight`,
 * or (exclude) without the clients weighing 0. When excluding would leave fewer candidates than
 * the round needs (fit.minAvailableClients, fit.minFitClients), they are down-weighted instead
 * (floorWeight), and the log says so.
 * @example const candidates = contributionCandidates(runner, available); strategy.configureFit(round, candidates, rng);
 */
export function contributionCandidates<T extends ClientInfo>(
  host: { readonly id: string; readonly config: TaskConfig; readonly deps: Pick<EngineDeps, 'store' | 'log'> }, available: readonly T[],
): readonly T[] {
  const { config, deps } = host;
  const spec = config.contribution?.enabled ? config.contribution.selection : undefined;
  if (!spec || spec.policy === 'uniform') return available;
  const totals = deps.store.contributions.totals(host.id);
  const weights = selectionWeights(new Map(totals.map((t) => [t.clientId, t])), spec);
  const judged = available.filter((c) => (weights.get(c.id) ?? 1) < 1);
  if (judged.length === 0) return available;
  const weighted = (floor: (w: number) => number) => available.map((c) => {
    const w = weights.get(c.id) ?? 1;
    return w < 1 ? { ...c, selectionWeight: (c.selectionWeight ?? 1) * floor(w) } : c;
  });
  if (spec.policy === 'downweight') return weighted((w) => w);
  const needed = Math.max(config.fit.minAvailableClients, config.fit.minFitClients);
  const kept = available.filter((c) => (weights.get(c.id) ?? 1) > 0);
  if (kept.length >= needed) return kept;
  deps.log.warn({ taskId: host.id, excluded: judged.length, candidates: kept.length, needed },
    'contribution selection: excluding would leave fewer candidates than the round needs; down-weighting them instead');
  return weighted(() => spec.floorWeight);
}
