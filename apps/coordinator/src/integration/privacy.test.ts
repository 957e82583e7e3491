// Client-level differential privacy end to end: the task records ε spent after every round and
// stops before its budget would be exceeded; with adaptive clipping it records a moving clip norm.

import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FlotillaClient } from '@flotilla/client';
import { DpFedAvgStrategy, RdpAccountant } from '@flotilla/privacy';
import type { PartitionSpec } from '@flotilla/protocol';
import { buildStrategy } from '../engine/strategyFromTask.ts';
import { SqliteStore } from '../store/SqliteStore.ts';
import { api, createTask, eventually, smallTask, startMnistClients, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const partition: PartitionSpec = { kind: 'iid', numClients: 5, seed: 11, examplesPerClient: 100 };

describe('DP-FedAvg', () => {
  let coordinator: TestCoordinator | undefined;
  let clients: FlotillaClient[] = [];

  afterAll(async () => {
    for (const c of clients) c.stop();
    await coordinator?.close();
  });

  it('accounts ε per round with the RDP accountant and stops at the budget', async () => {
    coordinator = await startTestCoordinator();
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      data: { partition },
      stop: { maxRounds: 50 },
      privacy: { differentialPrivacy: { enabled: true, clippingNorm: 1, noiseMultiplier: 1.5, delta: 1e-5, targetEpsilon: 6 } },
    }));
    clients = await startMnistClients(url, taskId, partition, [0, 1, 2, 3, 4]);

    const task = await eventually(async () => {
      const { body } = await api<{ state: string; stopReason: string | null }>(url, `/api/tasks/${taskId}`);
      return body.state === 'completed' ? body : undefined;
    }, 120_000, 'the privacy budget to end the task');
    expect(task.stopReason).toMatch(/privacy budget ε = 6 reached/);

    const { body } = await api<{ rounds: { round: number; epsilon: number }[] }>(url, `/api/tasks/${taskId}/rounds`);
    expect(body.rounds.length).toBeGreaterThanOrEqual(1);
    // All 5 of 5 clients train each round: sampling rate 1 (no amplification by subsampling).
    const reference = new RdpAccountant();
    for (const round of body.rounds) {
      reference.step(1.5, 1);
      expect(round.epsilon).toBeCloseTo(reference.getEpsilon(1e-5), 3);
      expect(round.epsilon).toBeLessThanOrEqual(6);
    }
    reference.step(1.5, 1);
    expect(reference.getEpsilon(1e-5)).toBeGreaterThan(6);
  });
});

describe('DP-FedAvg with adaptive clipping', () => {
  let coordinator: TestCoordinator | undefined;
  let clients: FlotillaClient[] = [];

  afterAll(async () => {
    for (const c of clients) c.stop();
    await coordinator?.close();
  });

  it('records a clip norm that follows the update norms round after round, the ε of the whole round, and resumes both', async () => {
    coordinator = await startTestCoordinator();
    const { url } = coordinator;
    // S starts far below any MNIST update's norm: every update is clipped, so S grows each round
    // by about e^(η·γ) = e^0.1 (the count noise σ_b = 0.5 moves b̃ by 0.1 at one std).
    const taskId = await createTask(url, smallTask({
      data: { partition },
      stop: { maxRounds: 3 },
      privacy: {
        differentialPrivacy: {
          enabled: true, clippingNorm: 0.01, noiseMultiplier: 0.5, delta: 1e-5,
          adaptiveClipping: { enabled: true, clippedCountStddev: 0.5 },
        },
      },
    }));
    clients = await startMnistClients(url, taskId, partition, [0, 1, 2, 3, 4]);

    await eventually(async () => {
      const { body } = await api<{ state: string }>(url, `/api/tasks/${taskId}`);
      return body.state === 'completed' ? body : undefined;
    }, 120_000, 'the three rounds');

    const { body } = await api<{ rounds: { round: number; outcome: string; epsilon: number; clipNorm: number }[] }>(url, `/api/tasks/${taskId}/rounds`);
    expect(body.rounds.map((r) => r.outcome)).toEqual(['committed', 'committed', 'committed']);
    let previous = 0.01;
    const reference = new RdpAccountant();
    for (const round of body.rounds) {
      expect(round.clipNorm).toBeGreaterThan(previous * 1.02);
      expect(round.clipNorm).toBeLessThan(previous * 1.3);
      previous = round.clipNorm;
      // The count and the sum together are one Gaussian mechanism of multiplier z = 0.5 at q = 1.
      reference.step(0.5, 1);
      expect(round.epsilon).toBeCloseTo(reference.getEpsilon(1e-5), 3);
    }

    // A restart rebuilds the strategy from the task and its last checkpoint, as TaskRunner does.
    await coordinator.close();
    const store = new SqliteStore(path.join(coordinator.dataDir, 'flotilla.db'));
    const resumed = buildStrategy(store.getTask(taskId)!.config);
    resumed.importState(store.latestCheckpoint(taskId)!.strategyState);
    store.close();
    expect(resumed).toBeInstanceOf(DpFedAvgStrategy);
    expect((resumed as DpFedAvgStrategy).clipNorm).toBeCloseTo(previous, 6);
    expect((resumed as DpFedAvgStrategy).epsilonSpent()).toBeCloseTo(body.rounds.at(-1)!.epsilon, 3);
    coordinator = undefined;
  });
});
