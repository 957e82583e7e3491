import { describe, expect, it } from 'vitest';
import { FakeClient, fakeEngine } from '../testing/fakeEngine.ts';
import { capOnly } from './exampleCounts.ts';
import { nextRound, type SelectionHost } from './roundSelection.ts';
import { dpSgdAccountant } from './sampleLevelPrivacy.ts';
import { buildStrategy } from './strategyFromTask.ts';
import { resolveTaskConfig } from './taskConfig.ts';

const config = resolveTaskConfig({
  data: { simulation: false }, fit: { fractionFit: 0.5, minFitClients: 2, minAvailableClients: 3 }, stop: { maxRounds: 4 },
});

function host(clients: number, lastRound = 0): SelectionHost {
  const engine = fakeEngine(config, 1);
  for (let i = 0; i < clients; i++) engine.registry.add(new FakeClient(`c${i}`, 10));
  return { id: 'task-1', config, deps: engine.deps, strategy: buildStrategy(config), sampleDp: null, exampleCounts: capOnly(config), lastRound };
}

describe('nextRound', () => {
  it('waits while fewer clients are connected than the task needs', () => {
    expect(nextRound(host(2))).toEqual({ kind: 'wait' });
  });

  it('selects the next round\'s clients, the same ones for the same round after a restart', () => {
    const first = nextRound(host(8, 2));
    const again = nextRound(host(8, 2));
    expect(first.kind === 'run' && first.round).toBe(3);
    expect(first.kind === 'run' && first.instructions.clientIds).toHaveLength(4);
    expect(again).toEqual(first);
  });

  it('ends the task once the round budget is spent, whoever is connected', () => {
    expect(nextRound(host(8, 4))).toEqual({ kind: 'stop', reason: 'round budget spent' });
  });

  it('ends the task before a round whose sample-level ε would pass the budget', () => {
    const dpSgd = resolveTaskConfig({
      data: { simulation: false }, fit: { fractionFit: 1, minFitClients: 2, minAvailableClients: 2 },
      privacy: { dpSgd: { enabled: true, noiseMultiplier: 0.5, targetEpsilon: 0.01 } },
    });
    const engine = fakeEngine(dpSgd, 1);
    for (const id of ['a', 'b']) engine.registry.add(new FakeClient(id, 100));
    const next = nextRound({
      id: 'task-1', config: dpSgd, deps: engine.deps, strategy: buildStrategy(dpSgd), exampleCounts: capOnly(dpSgd), lastRound: 0,
      sampleDp: dpSgdAccountant(dpSgd, []),
    });
    expect(next.kind === 'stop' && next.reason).toMatch(/^privacy budget ε = 0.01 reached/);
  });
});
