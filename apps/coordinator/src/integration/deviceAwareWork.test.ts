// Device-aware work over real sockets: a client that stops at its deadline margin reports partial
// work that is accepted and normalised (FedNova), and once its speed is measured, a slow and a
// fast client are planned apart (the slow one below its full work) and both report in time.

import { afterEach, describe, expect, it } from 'vitest';
import { SlowTrainer, TfjsTrainer, WeightsCache, type FlotillaClient, type Trainer, type TrainOutcome } from '@flotilla/client';
import { initNodeBackend } from '@flotilla/models';
import type { PartitionSpec } from '@flotilla/protocol';
import { api, createTask, eventually, smallTask, startMnistClients, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

interface RoundDetail {
  outcome: string;
  clients: { clientId: string; outcome: string; numExamples: number | null; plannedSteps?: number; localSteps?: number }[];
}

const partition: PartitionSpec = { kind: 'iid', numClients: 2, seed: 4, examplesPerClient: 100 };

/** A trainer that keeps what it sent, per round. */
function recording(inner: Trainer): Trainer & { sent: TrainOutcome[] } {
  const sent: TrainOutcome[] = [];
  return { sent, device: () => inner.device(), train: async (job) => { const o = await inner.train(job); sent.push(o); return o; } };
}

describe('device-aware work', () => {
  let coordinator: TestCoordinator | undefined;
  let clients: FlotillaClient[] = [];

  afterEach(async () => {
    for (const c of clients) c.stop();
    await coordinator?.close();
  });

  it('accepts partial work normalised by its steps, then plans the measured slow client below its full work and never above the fast one', async () => {
    // Arrange: E = 2, B = 10 → 20 full steps each. Both claim to be fast at hello; one is 200× slower.
    coordinator = await startTestCoordinator();
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      data: { partition },
      fit: { minAvailableClients: 2, minFitClients: 2, epochs: 2, work: { kind: 'adaptive', deadlineFraction: 0.8 } },
      stop: { maxRounds: 2, roundDeadlineMs: 4_000, minReports: 2 },
    }));
    const { backend } = await initNodeBackend('auto');
    const shared = new TfjsTrainer({ backend });
    const fast = recording(new SlowTrainer(shared, { slowdown: 1, claimExamplesPerSec: 100_000 }));
    const slow = recording(new SlowTrainer(shared, { slowdown: 200, claimExamplesPerSec: 100_000 }));
    // Act
    clients = [...await startMnistClients(url, taskId, partition, [0], fast), ...await startMnistClients(url, taskId, partition, [1], slow)];
    const rounds = await eventually(async () => {
      const [one, two] = await Promise.all([1, 2].map((r) => api<RoundDetail>(url, `/api/tasks/${taskId}/rounds/${r}`)));
      return one!.status === 200 && two!.status === 200 ? [one!.body, two!.body] as const : undefined;
    }, 60_000, 'two rounds');
    // Assert: round 1 — the unmeasured clients were both asked for the full work; the slow one stopped early and was counted
    const [first, second] = rounds;
    const slowId = clients[1]!.clientId!;
    const fastId = clients[0]!.clientId!;
    const of = (r: RoundDetail, id: string) => r.clients.find((c) => c.clientId === id)!;
    expect(first, JSON.stringify(first)).toMatchObject({ outcome: 'committed' });
    expect(of(first, fastId)).toMatchObject({ outcome: 'reported', plannedSteps: 20 });
    expect(of(first, slowId)).toMatchObject({ outcome: 'reported', plannedSteps: 20 });
    const fastSteps = of(first, fastId).localSteps!;
    const partialSteps = of(first, slowId).localSteps!;
    expect(partialSteps).toBeGreaterThanOrEqual(1);
    expect(partialSteps).toBeLessThan(20);
    // The committed model is FedNova's w0 + τ_eff · Σ p_i Δ_i / τ_i over the two updates as sent
    const cache = new WeightsCache();
    const w0 = (await cache.get(`${url}/api/tasks/${taskId}/models/0/weights.frame`)).weights;
    const w1 = (await cache.get(`${url}/api/tasks/${taskId}/models/1/weights.frame`)).weights;
    const updates = [{ o: fast.sent[0]!, tau: fastSteps }, { o: slow.sent[0]!, tau: partialSteps }];
    const total = updates.reduce((s, u) => s + u.o.numExamples, 0);
    const tauEff = updates.reduce((s, u) => s + (u.o.numExamples / total) * u.tau, 0);
    let worst = 0;
    for (let i = 0; i < w0.length; i++) {
      const d = updates.reduce((s, u) => s + (u.o.numExamples / total) * u.o.update[i]! / u.tau, 0);
      worst = Math.max(worst, Math.abs(w0[i]! + tauEff * d - w1[i]!));
    }
    expect(worst).toBeLessThan(1e-5);
    // Round 2 — measured, the slow client is asked for fewer steps than the fast one, and both report in time
    expect(second.outcome).toBe('committed');
    expect(of(second, fastId).outcome).toBe('reported');
    expect(of(second, slowId).outcome).toBe('reported');
    // (On a loaded machine the fast client may be slowed too; the slow one is never planned above it.)
    expect(of(second, slowId).plannedSteps!).toBeLessThan(20);
    expect(of(second, slowId).plannedSteps!).toBeLessThanOrEqual(of(second, fastId).plannedSteps!);
  });
});
