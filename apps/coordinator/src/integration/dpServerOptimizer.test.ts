// Client-level DP keeps the task's server optimiser over real sockets, in the clear and under
// secure aggregation: DP-FedAdam's first step moves every weight by about its learning rate η,
// whatever the size of the noised mean (Adam divides by its magnitude), where DP-FedAvg adds the mean.

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FlotillaClient, WeightsCache, memoryIdentity, type Trainer, type WebSocketLike } from '@flotilla/client';
import { api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import type { TaskConfigInput } from '../engine/taskConfig.ts';

/** Updates uniform in [−0.02, 0.02] per weight, in the model's shapes: the noised mean is dominated by the DP noise. */
const syntheticTrainer = (shapes: number[][]): Trainer => ({
  device: () => ({ backend: 'synthetic' }),
  async train(job) {
    const update = new Float32Array(job.weights.length);
    for (let i = 0; i < update.length; i++) update[i] = (Math.random() - 0.5) * 0.04;
    return { update, shapes, numExamples: job.data.count, metrics: { loss: 1, accuracy: 0.5, trainMs: 1 } };
  },
});

async function startClients(url: string, taskId: string, n: number): Promise<FlotillaClient[]> {
  const { shapes } = await new WeightsCache().get(`${url}/api/tasks/${taskId}/models/0/weights.frame`);
  return Array.from({ length: n }, () => {
    const client = new FlotillaClient({
      url, kind: 'node', taskId, trainer: syntheticTrainer(shapes), identity: memoryIdentity(),
      data: { features: new Float32Array(0), labels: new Uint8Array(0), count: 50 },
      webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike, backoff: { baseMs: 50, maxMs: 500 },
    });
    client.start();
    return client;
  });
}

async function firstStep(url: string, taskId: string): Promise<Float64Array> {
  await eventually(async () => {
    const { body } = await api<{ rounds: { outcome: string }[] }>(url, `/api/tasks/${taskId}/rounds`);
    return body.rounds.length >= 1 ? body.rounds : undefined;
  }, 60_000, 'one round');
  const cache = new WeightsCache();
  const before = (await cache.get(`${url}/api/tasks/${taskId}/models/0/weights.frame`)).weights;
  const after = (await cache.get(`${url}/api/tasks/${taskId}/models/1/weights.frame`)).weights;
  return Float64Array.from(after, (x, i) => x - before[i]!);
}

/** Fraction of coordinates whose step has magnitude η within 1 %. */
const atLearningRate = (step: Float64Array, eta: number) => step.filter((d) => Math.abs(Math.abs(d) - eta) < 0.01 * eta).length / step.length;

const dpTask = (strategy: 'fedadam' | 'fedavg', secure: boolean): TaskConfigInput => smallTask({
  data: { partition: { kind: 'iid', numClients: 3, seed: 2, examplesPerClient: 50 } },
  strategy: { name: strategy, serverLearningRate: 0.05 },
  fit: { minFitClients: 3, minAvailableClients: 3 },
  stop: { maxRounds: 1 },
  privacy: {
    differentialPrivacy: { enabled: true, clippingNorm: 1, noiseMultiplier: 0.5, delta: 1e-5 },
    ...(secure ? { secureAggregation: { enabled: true, mode: 'full', stageDeadlineMs: 5_000 } } : {}),
  },
});

describe('client-level DP with a server optimiser', () => {
  let coordinator: TestCoordinator | undefined;
  let clients: FlotillaClient[] = [];

  afterEach(async () => {
    for (const c of clients) c.stop();
    clients = [];
    await coordinator?.close();
    coordinator = undefined;
  });

  for (const secure of [false, true]) {
    it(`${secure ? 'under secure aggregation' : 'in the clear'}: DP-FedAdam steps each weight by ≈ η, DP-FedAvg by the noised mean`, async () => {
      coordinator = await startTestCoordinator();
      const { url } = coordinator;
      const adamTask = await createTask(url, dpTask('fedadam', secure));
      clients = await startClients(url, adamTask, 3);
      const adam = await firstStep(url, adamTask);
      for (const c of clients) c.stop();

      const avgTask = await createTask(url, dpTask('fedavg', secure));
      clients = await startClients(url, avgTask, 3);
      const avg = await firstStep(url, avgTask);

      // Adam's first step is η·m/(√v + τ) with m = (1−β1)Δ̄, v ≈ (1−β2)Δ̄²: η·sign(Δ̄) up to 0.5 %.
      expect(atLearningRate(adam, 0.05)).toBeGreaterThan(0.99);
      // The noised mean itself (std ≈ 0.5/3 per weight) is spread out: few of its coordinates are that close to η.
      expect(atLearningRate(avg, 0.05)).toBeLessThan(0.05);
    });
  }
});
