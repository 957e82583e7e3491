// Differential privacy with a compressed uplink, over real sockets. Where the coordinator is trusted
// (central DP-FedAvg) it clips what it decoded, so rounding in a codec cannot push a client past the
// clip norm; under secure aggregation each client clips and adds its share of the noise before it
// quantises, and the committed model carries exactly the noise the accountant counts.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FlotillaClient, memoryIdentity, type Trainer, type WebSocketLike } from '@flotilla/client';
import { RdpAccountant, defaultThreshold, l2Norm } from '@flotilla/privacy';
import type { FitPlan } from '@flotilla/protocol';
import { api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import type { TaskConfigInput } from '../engine/taskConfig.ts';
import { modelWeights, residualNoise } from '../testing/syntheticUpdates.ts';

const LOGREG: TaskConfigInput['model'] = { kind: 'schema', architecture: 'logreg' };

/** Updates of logistic regression's shapes, uniform in ±amplitude; each is recorded, with the plan it was trained for. */
function trainer(produced: Float32Array[], amplitude: number, plans: FitPlan[] = []): Trainer {
  return {
    device: () => ({ backend: 'synthetic' }),
    async train(job) {
      plans.push(job.plan);
      const update = Float32Array.from(job.weights, () => (Math.random() - 0.5) * 2 * amplitude);
      produced.push(update);
      return { update, shapes: [[784, 10], [10]], numExamples: job.data.count, metrics: { loss: 1, accuracy: 0.5, trainMs: 1 } };
    },
  };
}

function start(url: string, taskId: string, n: number, produced: Float32Array[], amplitude: number, plans?: FitPlan[]): FlotillaClient[] {
  return Array.from({ length: n }, () => {
    const client = new FlotillaClient({
      url, kind: 'node', taskId, trainer: trainer(produced, amplitude, plans), identity: memoryIdentity(),
      data: { features: new Float32Array(0), labels: new Uint8Array(0), count: 50 },
      webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike, backoff: { baseMs: 50, maxMs: 500 },
    });
    client.start();
    return client;
  });
}

async function committedRound(url: string, taskId: string): Promise<{ outcome: string; reason: string | null }> {
  return eventually(async () => {
    const { body } = await api<{ rounds: { outcome: string; reason: string | null }[] }>(url, `/api/tasks/${taskId}/rounds`);
    if (!body.rounds) throw new Error(JSON.stringify(body));
    return body.rounds[0];
  }, 60_000, 'one round');
}

describe('differential privacy with a compressed uplink', () => {
  // One coordinator for the file (its start-up and first task dominate a test's time); each test has its own task.
  let coordinator: TestCoordinator;
  let clients: FlotillaClient[] = [];

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
  });

  afterEach(() => {
    for (const c of clients) c.stop();
    clients = [];
  });

  afterAll(async () => {
    await coordinator.close();
  });

  it('central DP-FedAvg with int8: the coordinator clips the decoded update, so the model moves by at most S', async () => {
    const { url } = coordinator;
    // z = 1e-4 all but isolates the clip: the committed step is clip(decode(int8(Δ)), S) plus noise of norm ≈ 0.009.
    // (z = 0 would too, but its ε is infinite and the rounds view cannot show it: see the report.)
    const taskId = await createTask(url, smallTask({
      data: { partition: { kind: 'iid', numClients: 1, seed: 3, examplesPerClient: 50 } },
      fit: { minFitClients: 1, minAvailableClients: 1 }, stop: { maxRounds: 1 }, model: LOGREG,
      communication: { uplink: { codec: 'int8' } },
      privacy: { differentialPrivacy: { enabled: true, clippingNorm: 1, noiseMultiplier: 1e-4, delta: 1e-5 } },
    }));
    const produced: Float32Array[] = [];
    clients = start(url, taskId, 1, produced, 0.5);
    expect(await committedRound(url, taskId)).toMatchObject({ outcome: 'committed' });

    const global = await modelWeights(url, taskId, 0);
    const committed = await modelWeights(url, taskId, 1);
    const step = Float32Array.from(committed, (w, i) => w - global[i]!);
    const sent = produced[0]!;
    expect(l2Norm(sent)).toBeGreaterThan(20);
    // Norm S up to float32 rounding of the weights; the direction is the update's, up to int8's error.
    expect(l2Norm(step)).toBeGreaterThan(0.999);
    expect(l2Norm(step)).toBeLessThan(1.001);
    let dot = 0;
    for (let i = 0; i < step.length; i++) dot += step[i]! * sent[i]!;
    expect(dot / (l2Norm(step) * l2Norm(sent))).toBeGreaterThan(0.99);
  });

  it('DP-SGD with int8: the client compresses what its noised training returned, and ε is accounted as without compression', async () => {
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      data: { partition: { kind: 'iid', numClients: 1, seed: 3, examplesPerClient: 50 } },
      fit: { minFitClients: 1, minAvailableClients: 1, batchSize: 10 }, stop: { maxRounds: 1 }, model: LOGREG,
      communication: { uplink: { codec: 'int8' } },
      privacy: { dpSgd: { enabled: true, l2NormClip: 1, noiseMultiplier: 1, microbatchSize: 1, delta: 1e-5 } },
    }));
    const produced: Float32Array[] = [];
    const plans: FitPlan[] = [];
    // The trainer stands for DP-SGD: its update already carries the clipping and the noise; the client encodes it after.
    clients = start(url, taskId, 1, produced, 0.05, plans);
    expect(await committedRound(url, taskId)).toMatchObject({ outcome: 'committed' });
    expect(plans[0]).toMatchObject({ dpSgd: { noiseMultiplier: 1 }, uplink: { codec: 'int8' } });

    const global = await modelWeights(url, taskId, 0);
    const committed = await modelWeights(url, taskId, 1);
    // One client: the model moves by its decoded update, within one int8 step of what training returned.
    const step = 0.05 / 127;
    let worst = 0;
    for (let i = 0; i < committed.length; i++) worst = Math.max(worst, Math.abs(committed[i]! - global[i]! - produced[0]![i]!));
    expect(worst).toBeLessThan(step + 1e-6);
    const { body } = await api<{ rounds: { epsilon: number }[] }>(url, `/api/tasks/${taskId}/rounds`);
    const reference = new RdpAccountant();
    reference.step(1, 10 / 50, (plans[0]!.epochs * 50) / 10);
    expect(body.rounds[0]!.epsilon).toBeCloseTo(reference.getEpsilon(1e-5), 6);
  });

  it('SecAgg + DP with int8: each client clips and noises before it quantises; the sum carries the noise the accountant counts', async () => {
    const { url } = coordinator;
    const z = 0.5;
    const taskId = await createTask(url, smallTask({
      data: { partition: { kind: 'iid', numClients: 4, seed: 3, examplesPerClient: 50 } },
      fit: { minFitClients: 4, minAvailableClients: 4 }, stop: { maxRounds: 1 }, model: LOGREG,
      communication: { uplink: { codec: 'int8' } },
      privacy: {
        secureAggregation: { enabled: true, mode: 'full', stageDeadlineMs: 5_000 },
        differentialPrivacy: { enabled: true, clippingNorm: 1, noiseMultiplier: z, delta: 1e-5 },
      },
    }));
    const produced: Float32Array[] = [];
    clients = start(url, taskId, 4, produced, 0.2);
    expect(await committedRound(url, taskId)).toMatchObject({ outcome: 'committed', reason: null });

    const global = await modelWeights(url, taskId, 0);
    const committed = await modelWeights(url, taskId, 1);
    const { mean, std } = residualNoise(global, committed, produced, 1, 4);
    // Each client's share z·S/√t with t = 3; the 8-bit steps ((S + 6σ)/127 ≈ 0.02) add < 0.2 % to its variance.
    const expected = (z * Math.sqrt(4 / defaultThreshold(4))) / 4;
    // 7,850 coordinates: the std estimate's own error is ≈ 0.8 %; a missing or doubled noise share moves it ≥ 13 %.
    expect(std).toBeGreaterThan(expected * 0.96);
    expect(std).toBeLessThan(expected * 1.04);
    expect(Math.abs(mean)).toBeLessThan(expected / 20);
  });
});
