// Five Node clients over real WebSockets complete three FedAvg rounds and the model improves.

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlotillaClient } from '@flotilla/client';
import type { PartitionSpec } from '@flotilla/protocol';
import { api, createTask, eventually, operatorHeaders, smallTask, startMnistClients, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

interface Round { round: number; outcome: string; selected: number; reported: number; dropped: number; testAccuracy: number; modelVersion: number; baselineAccuracy: number | null; delta: number | null; bytesUp: number; bytesDown: number }

describe('FedAvg over real WebSockets', () => {
  let coordinator: TestCoordinator;
  let clients: FlotillaClient[] = [];
  let taskId: string;
  const partition: PartitionSpec = { kind: 'iid', numClients: 5, seed: 3, examplesPerClient: 120 };

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
    taskId = await createTask(coordinator.url, smallTask({
      data: { partition }, baseline: { enabled: true, maxEpochs: 2, patience: 1 },
    }));
    clients = await startMnistClients(coordinator.url, taskId, partition, [0, 1, 2, 3, 4]);
  });

  afterAll(async () => {
    for (const c of clients) c.stop();
    await coordinator?.close();
  });

  it('completes three rounds with every client reporting, and accuracy rises', async () => {
    const task = await eventually(async () => {
      const { body } = await api<{ state: string }>(coordinator.url, `/api/tasks/${taskId}`);
      return body.state === 'completed' ? body : undefined;
    }, 120_000, 'the task to complete');
    expect(task).toMatchObject({ state: 'completed', stopReason: 'round budget spent', modelVersion: 3, lastRound: 3 });

    const { body } = await api<{ rounds: Round[] }>(coordinator.url, `/api/tasks/${taskId}/rounds`);
    expect(body.rounds.map((r) => [r.round, r.outcome, r.selected, r.reported, r.dropped])).toEqual([
      [1, 'committed', 5, 5, 0], [2, 'committed', 5, 5, 0], [3, 'committed', 5, 5, 0],
    ]);
    const accuracy = body.rounds.map((r) => r.testAccuracy);
    expect(accuracy[0]).toBeGreaterThan(0.2);
    expect(accuracy[2]).toBeGreaterThan(accuracy[0]!);
    expect(body.rounds.every((r) => r.bytesUp > 5 * 199_210 * 4 && r.bytesDown >= 199_210 * 4)).toBe(true);
  });

  it('records δ against the centralized baseline once it has trained', async () => {
    const baseline = await eventually(async () => {
      const { body } = await api<{ baseline: { status: string; accuracy: number } | null }>(coordinator.url, `/api/tasks/${taskId}/baseline`);
      return body.baseline?.status === 'done' ? body.baseline : undefined;
    }, 120_000, 'the baseline');
    expect(baseline.accuracy).toBeGreaterThan(0.5);
    const { body } = await api<{ rounds: Round[] }>(coordinator.url, `/api/tasks/${taskId}/rounds`);
    for (const r of body.rounds) {
      expect(r.baselineAccuracy).toBe(baseline.accuracy);
      expect(r.delta).toBeCloseTo(baseline.accuracy - r.testAccuracy, 10);
    }
  });

  it('serves the global model in TensorFlow.js format, loadable with tf.loadLayersModel', async () => {
    const model = await tf.loadLayersModel(`${coordinator.url}/api/tasks/${taskId}/models/latest/model.json`, { requestInit: { headers: operatorHeaders() } });
    expect(model.countParams()).toBe(199_210);
    const prediction = model.predict(tf.zeros([1, 784])) as tf.Tensor;
    expect(prediction.shape).toEqual([1, 10]);
    const frame = await fetch(`${coordinator.url}/api/tasks/${taskId}/models/3/weights.frame`);
    expect(frame.headers.get('cache-control')).toContain('immutable');
    model.dispose();
  });

  it('answers /healthz, /metrics and the OpenAPI description', async () => {
    expect((await api(coordinator.url, '/healthz')).body).toMatchObject({ status: 'ok' });
    const metrics = await (await fetch(`${coordinator.url}/metrics`, { headers: operatorHeaders() })).text();
    expect(metrics).toMatch(/flotilla_rounds_total\{outcome="committed"\} 3/);
    const openapi = (await api<{ openapi: string; paths: Record<string, unknown> }>(coordinator.url, '/api/openapi.json')).body;
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/tasks', '/api/tasks/{id}/rounds', '/healthz']));
  });
});
