// Each robust strategy runs end to end over real sockets with a Byzantine client among honest
// ones: the rounds commit and the attacker's effect stays bounded, where FedAvg is dragged away.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByzantineTrainer, TfjsTrainer, resolveAttack, type FlotillaClient } from '@flotilla/client';
import { initNodeBackend } from '@flotilla/models';
import type { PartitionSpec } from '@flotilla/protocol';
import { api, createTask, eventually, smallTask, startMnistClients, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

interface Round { round: number; outcome: string; reported: number; testAccuracy: number }

// Five clients, so that Krum's n ≥ 2f + 3 holds for f = 1; client 4 sends −20 × its update.
const partition: PartitionSpec = { kind: 'iid', numClients: 5, seed: 3, examplesPerClient: 120 };
const STRATEGIES = [
  { name: 'fedavg' },
  { name: 'fedmedian' },
  { name: 'fedtrimmedavg', trimBeta: 0.2 },
  { name: 'krum', byzantine: 1 },
  { name: 'centeredclip' },
] as const;

describe('robust strategies against a Byzantine client, over real WebSockets', () => {
  let coordinator: TestCoordinator;
  let trainer: TfjsTrainer;
  const accuracy = new Map<string, number[]>();

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
    trainer = new TfjsTrainer({ backend: (await initNodeBackend('auto')).backend });
  });

  afterAll(async () => {
    await coordinator?.close();
  });

  async function run(strategy: (typeof STRATEGIES)[number]): Promise<Round[]> {
    const taskId = await createTask(coordinator.url, smallTask({
      name: `robust ${strategy.name}`, data: { partition }, strategy,
      fit: { minFitClients: 5, minAvailableClients: 5 }, stop: { maxRounds: 2, minReports: 5 },
    }));
    const clients: FlotillaClient[] = [
      ...(await startMnistClients(coordinator.url, taskId, partition, [0, 1, 2, 3], trainer)),
      ...(await startMnistClients(coordinator.url, taskId, partition, [4], new ByzantineTrainer(trainer, resolveAttack('scale', { factor: -20 })))),
    ];
    try {
      await eventually(async () => {
        const { body } = await api<{ state: string }>(coordinator.url, `/api/tasks/${taskId}`);
        return body.state === 'completed' ? true : undefined;
      }, 120_000, `the ${strategy.name} task to complete`);
    } finally {
      for (const c of clients) c.stop();
    }
    return (await api<{ rounds: Round[] }>(coordinator.url, `/api/tasks/${taskId}/rounds`)).body.rounds;
  }

  it.each(STRATEGIES)('$name commits two rounds with the attacker reporting', async (strategy) => {
    const rounds = await run(strategy);
    expect(rounds.map((r) => [r.round, r.outcome, r.reported])).toEqual([[1, 'committed', 5], [2, 'committed', 5]]);
    accuracy.set(strategy.name, rounds.map((r) => r.testAccuracy));
  });

  it('keeps every robust strategy learning where FedAvg is dragged away by the attacker', () => {
    const final = (name: string) => accuracy.get(name)!.at(-1)!;
    // FedAvg's mean is (4·Δ − 20·Δ)/5 ≈ −3.2·Δ: the model moves away from what the data says
    // (about 9 % here, chance level); the robust rules keep learning (about 57–61 % after two
    // rounds of 480 honest examples) and improve from round 1 to round 2.
    expect(final('fedavg')).toBeLessThan(0.2);
    for (const { name } of STRATEGIES.slice(1)) {
      const [first, second] = accuracy.get(name)!;
      expect(second, name).toBeGreaterThan(first!);
      expect(final(name), name).toBeGreaterThan(0.45);
      expect(final(name) - final('fedavg'), name).toBeGreaterThan(0.3);
    }
  });
});
