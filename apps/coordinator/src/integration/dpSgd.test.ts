// Sample-level DP-SGD end to end: Node clients train the 2NN with per-example clipping and noise,
// the coordinator records the ε of one example after every round and stops at the budget.
// Measured on the loaded 2-core machine (test accuracy after each round; the noise differs per run):
//   DP-SGD, C = 1, σ = 1:  0.37, 0.49, 0.60, 0.64 at ε = 3.44, 4.22, 4.85, 5.39 (δ = 1e-5), ~20 s
//   the same task without DP-SGD: 0.60, 0.77, 0.81, 0.81

import { afterAll, describe, expect, it } from 'vitest';
import type { FlotillaClient } from '@flotilla/client';
import { RdpAccountant } from '@flotilla/privacy';
import type { PartitionSpec } from '@flotilla/protocol';
import { api, createTask, eventually, smallTask, startMnistClients, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const partition: PartitionSpec = { kind: 'iid', numClients: 5, seed: 11, examplesPerClient: 500 };
const dpSgd = { enabled: true, l2NormClip: 1, noiseMultiplier: 1, microbatchSize: 1, delta: 1e-5, targetEpsilon: 5.5 };

describe('DP-SGD', () => {
  let coordinator: TestCoordinator | undefined;
  let clients: FlotillaClient[] = [];

  afterAll(async () => {
    for (const c of clients) c.stop();
    await coordinator?.close();
  });

  it('trains the 2NN with per-example clipping and noise, records ε per round and stops at the budget', async () => {
    coordinator = await startTestCoordinator();
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      data: { partition },
      fit: { batchSize: 50, learningRate: 0.5 },
      stop: { maxRounds: 20 },
      privacy: { dpSgd },
    }));
    clients = await startMnistClients(url, taskId, partition, [0, 1, 2, 3, 4]);

    const task = await eventually(async () => {
      const { body } = await api<{ state: string; stopReason: string | null }>(url, `/api/tasks/${taskId}`);
      return body.state === 'completed' ? body : undefined;
    }, 180_000, 'the privacy budget to end the task');
    expect(task.stopReason).toMatch(/privacy budget ε = 5.5 reached/);

    const { body } = await api<{ rounds: { round: number; outcome: string; epsilon: number; testAccuracy: number }[] }>(url, `/api/tasks/${taskId}/rounds`);
    // Each client holds 500 examples: per round 1 epoch · 500/50 = 10 steps at q = 50/500, every
    // client in every round, so the most exposed example is any one of them.
    const reference = new RdpAccountant();
    for (const round of body.rounds) {
      reference.step(1, 0.1, 10);
      expect(round.outcome).toBe('committed');
      expect(round.epsilon).toBeCloseTo(reference.getEpsilon(1e-5), 6);
    }
    expect(body.rounds).toHaveLength(4);
    expect(body.rounds.at(-1)!.epsilon).toBeLessThanOrEqual(5.5);
    reference.step(1, 0.1, 10);
    expect(reference.getEpsilon(1e-5)).toBeGreaterThan(5.5);
    // Noisy but learning: well above the 10 % of chance on the held-out test set (0.64 measured).
    expect(body.rounds.at(-1)!.testAccuracy).toBeGreaterThan(0.45);
  });
});
