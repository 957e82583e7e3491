// Clients that measure their own uplink, over real sockets: after its first acknowledged upload a
// client reports what it measured, and the next plan gives it the task's slow-link codec without
// the operator declaring anything; a claimed slow link changes the uplink codec and nothing else.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FlotillaClient, memoryIdentity, type Trainer, type WebSocketLike } from '@flotilla/client';
import { RawClient, api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

/** Random updates of logistic regression's shapes (784 × 10 kernel, 10 biases): what goes up is the codec's business. */
const trainer: Trainer = {
  device: () => ({ backend: 'synthetic' }),
  async train(job) {
    const update = Float32Array.from(job.weights, () => (Math.random() - 0.5) * 0.01);
    return { update, shapes: [[784, 10], [10]], numExamples: job.data.count, metrics: { loss: 1, accuracy: 0.5, trainMs: 1 } };
  },
};

function task(rounds: number) {
  return smallTask({
    data: { partition: { kind: 'iid', numClients: 1, seed: 3, examplesPerClient: 50 } },
    fit: { minFitClients: 1, minAvailableClients: 1 },
    stop: { maxRounds: rounds },
    // Logistic regression: 7,850 weights, 31 KB a float32 update, 8 KB in int8.
    model: { kind: 'schema', architecture: 'logreg' },
    // Any link a client can measure is "slow" here: the point is that the measurement reaches the plan.
    communication: { uplink: { codec: 'float32' }, slowLinkUplink: { codec: 'int8' }, slowLinkKbps: 1e9 },
  });
}

describe('clients that measure their own uplink', () => {
  // One coordinator for the file (its start-up and first task dominate a test's time); each test has its own task.
  let coordinator: TestCoordinator;
  let client: FlotillaClient | undefined;
  const raws: RawClient[] = [];

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
  });

  afterEach(() => {
    client?.stop();
    for (const r of raws) r.close();
    raws.length = 0;
  });

  afterAll(async () => {
    await coordinator.close();
  });

  it('uploads float32 in its first round, then int8 once its measured uplink is below slowLinkKbps', async () => {
    const { url } = coordinator;
    const taskId = await createTask(url, task(2));
    const uploads: number[] = [];
    client = new FlotillaClient({
      url, kind: 'node', taskId, trainer, identity: memoryIdentity(),
      data: { features: new Float32Array(0), labels: new Uint8Array(0), count: 50 },
      webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike, backoff: { baseMs: 50, maxMs: 500 },
      onEvent: (e) => e.type === 'uploaded' && uploads.push(e.bytes),
    });
    client.start();
    const rounds = await eventually(async () => {
      const { body } = await api<{ rounds: { round: number; bytesUp: number }[] }>(url, `/api/tasks/${taskId}/rounds`);
      return body.rounds.length >= 2 ? body.rounds.sort((a, b) => a.round - b.round) : undefined;
    }, 60_000, 'two rounds');

    expect(uploads).toHaveLength(2);
    expect(uploads[0]).toBeGreaterThan(4 * 7850);
    // int8 per tensor: a byte a value and a scale per tensor, a quarter of the float32 frame.
    expect(uploads[1]).toBeLessThan(uploads[0]! / 3.5);
    // The dashboard's byte counts say the same.
    expect(rounds[1]!.bytesUp).toBeLessThan(rounds[0]!.bytesUp / 3.5);
  });

  it('a claimed slow link gets the slow-link codec and an otherwise identical plan', async () => {
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      data: { partition: { kind: 'iid', numClients: 2, seed: 3, examplesPerClient: 50 } },
      fit: { minFitClients: 2, minAvailableClients: 2 },
      stop: { maxRounds: 1 },
      model: { kind: 'schema', architecture: 'logreg' },
      communication: { uplink: { codec: 'float32' }, slowLinkUplink: { codec: 'int8' }, slowLinkKbps: 1000 },
    }));
    const plans: Record<string, unknown>[] = [];
    for (const device of [{ backend: 'test' }, { backend: 'test', uplinkKbps: 1 }]) {
      const raw = new RawClient(url);
      raws.push(raw);
      await raw.hello({ taskId, device, capabilities: { codecs: ['float32', 'int8'] } });
    }
    for (const raw of raws) plans.push(await raw.next('round.plan'));
    const [fast, slow] = plans as { fit: Record<string, unknown> }[];
    expect(fast!.fit.uplink).toBeUndefined();
    expect(slow!.fit.uplink).toMatchObject({ codec: 'int8' });
    const { uplink: _uplink, ...slowFit } = slow!.fit;
    expect({ ...slow, fit: slowFit }).toEqual(fast);
  });
});
