// DP-SGD under secure aggregation over real sockets: the coordinator never sees a report's example
// count, so it accounts each survivor for the count its hello declared (and its plan bound), records
// ε after every round, stops at the budget and replays the same ε from the store after a restart.

import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlotillaClient, Trainer } from '@flotilla/client';
import { RdpAccountant } from '@flotilla/privacy';
import type { PartitionSpec } from '@flotilla/protocol';
import { dpSgdAccountant } from '../engine/sampleLevelPrivacy.ts';
import { SqliteStore } from '../store/SqliteStore.ts';
import { api, createTask, eventually, smallTask, startMnistClients, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const partition: PartitionSpec = { kind: 'iid', numClients: 3, seed: 5, examplesPerClient: 100 };

/** A trainer that trains on one example fewer than its client declared (a subsample, say). */
const shortTrainer: Trainer = {
  device: () => ({ backend: 'synthetic' }),
  async train(job) {
    return { update: new Float32Array(job.weights.length), shapes: [[job.weights.length]], numExamples: job.data.count - 1, metrics: { loss: 1, accuracy: 0.1, trainMs: 1 } };
  },
};

describe('DP-SGD with secure aggregation', () => {
  let coordinator: TestCoordinator | undefined;
  let clients: FlotillaClient[] = [];

  afterEach(async () => {
    for (const c of clients) c.stop();
    clients = [];
    await coordinator?.close();
    coordinator = undefined;
  });

  it('accounts the masked reports at the declared example counts, records ε > 0 per round and stops at the budget', async () => {
    coordinator = await startTestCoordinator();
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      data: { partition },
      fit: { batchSize: 50, learningRate: 0.5, minFitClients: 3, minAvailableClients: 3 },
      stop: { maxRounds: 10 },
      privacy: {
        dpSgd: { enabled: true, l2NormClip: 1, noiseMultiplier: 1, microbatchSize: 1, delta: 1e-5, targetEpsilon: 8 },
        secureAggregation: { enabled: true, mode: 'full', stageDeadlineMs: 10_000 },
      },
    }));
    clients = await startMnistClients(url, taskId, partition, [0, 1, 2]);

    const task = await eventually(async () => {
      const { body } = await api<{ state: string; stopReason: string | null }>(url, `/api/tasks/${taskId}`);
      return body.state === 'completed' ? body : undefined;
    }, 120_000, 'the privacy budget to end the task');
    expect(task.stopReason).toMatch(/privacy budget ε = 8 reached/);

    const { body } = await api<{ rounds: { round: number; outcome: string; reported: number; epsilon: number }[] }>(url, `/api/tasks/${taskId}/rounds`);
    // Each client declared 100 examples: per round 1 epoch · 100/50 = 2 steps at q = 50/100.
    const reference = new RdpAccountant();
    for (const round of body.rounds) {
      reference.step(1, 0.5, 2);
      expect(round).toMatchObject({ outcome: 'committed', reported: 3 });
      expect(round.epsilon).toBeGreaterThan(0);
      expect(round.epsilon).toBeCloseTo(reference.getEpsilon(1e-5), 6);
    }
    // 5.38 after one round, 7.41 after two; a third would reach 8.98.
    expect(body.rounds).toHaveLength(2);
    reference.step(1, 0.5, 2);
    expect(reference.getEpsilon(1e-5)).toBeGreaterThan(8);

    // A restarted coordinator replays the same ε from the stored rounds (the masked reports' bound counts).
    await coordinator.close();
    const store = new SqliteStore(path.join(coordinator.dataDir, 'flotilla.db'));
    const replayed = dpSgdAccountant(store.getTask(taskId)!.config, store.listRounds(taskId));
    store.close();
    coordinator = undefined;
    expect(replayed!.epsilonSpent()).toBeCloseTo(body.rounds.at(-1)!.epsilon, 6);
  });

  it('a client that trains on another count than its plan binds fails its round instead of uploading; the others commit', async () => {
    coordinator = await startTestCoordinator();
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      data: { partition },
      fit: { batchSize: 50, minFitClients: 3, minAvailableClients: 3 },
      stop: { maxRounds: 1 },
      privacy: {
        dpSgd: { enabled: true, l2NormClip: 1, noiseMultiplier: 1, microbatchSize: 1, delta: 1e-5 },
        secureAggregation: { enabled: true, mode: 'full', stageDeadlineMs: 10_000 },
      },
    }));
    clients = [...await startMnistClients(url, taskId, partition, [0, 1]), ...await startMnistClients(url, taskId, partition, [2], shortTrainer)];
    const [round] = await eventually(async () => {
      const { body } = await api<{ rounds: { outcome: string; reported: number; failed: number; epsilon: number }[] }>(url, `/api/tasks/${taskId}/rounds`);
      return body.rounds.length >= 1 ? body.rounds : undefined;
    }, 60_000, 'one round');
    expect(round).toMatchObject({ outcome: 'committed', reported: 2, failed: 1 });
    // The two honest clients' examples spent one round's ε at the bound count (2 steps at q = 1/2).
    expect(round!.epsilon).toBeCloseTo(new RdpAccountant([{ noiseMultiplier: 1, sampleRate: 0.5, steps: 2 }]).getEpsilon(1e-5), 6);
  });
});
