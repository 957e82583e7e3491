// A task stored before data schemas existed (config.data without schema, dataset 'mnist', no
// evaluation, a store file without the evaluation tables) resumes on this coordinator and runs a
// round exactly as it did: MNIST's schema on the wire, no federated evaluation, FedAvg of the
// updates, and its central accuracy on MNIST's test digits.

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMnist } from '@flotilla/data';
import { createModel, evaluateModel, getFlatWeights, initNodeBackend, setFlatWeights } from '@flotilla/models';
import { MNIST_SCHEMA, encodeFrame } from '@flotilla/protocol';
import { SqliteStore } from '../store/SqliteStore.ts';
import { fetchWeights } from '../testing/evaluation.ts';
import { RawClient, api, eventually, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const SHAPES = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];
const TASK_ID = '00000000-0000-4000-8000-00000000c0de';

// The configuration exactly as coordinators before issue #12 wrote it.
const OLD_CONFIG = {
  name: 'stored MNIST task', model: { kind: 'mnist-2nn' },
  data: { dataset: 'mnist', partition: { kind: 'iid', numClients: 2, seed: 3, examplesPerClient: 50 }, testLimit: 300, simulation: true },
  strategy: { name: 'fedavg' },
  fit: { fractionFit: 1, minFitClients: 2, minAvailableClients: 2, overSelection: 1, epochs: 1, batchSize: 10, learningRate: 0.05, proximalMu: 0 },
  stop: { maxRounds: 5, roundDeadlineMs: 30_000, minReports: 2 },
  limits: { maxUpdateNorm: 1000, maxExamplesPerClient: 60_000 },
  baseline: { enabled: false, maxEpochs: 30, patience: 3, validationFraction: 0.1 },
  privacy: {
    differentialPrivacy: { enabled: false, clippingNorm: 1, noiseMultiplier: 1, delta: 1e-5, adaptiveClipping: { enabled: false, targetQuantile: 0.5, learningRate: 0.2 } },
    dpSgd: { enabled: false, l2NormClip: 1, noiseMultiplier: 1.1, microbatchSize: 1, delta: 1e-5 },
    secureAggregation: { enabled: false, mode: 'plus', clip: 1, stageDeadlineMs: 15_000 },
  },
  seed: 1,
};

const updateValues = (client: number) => SHAPES.map((shape) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: n }, (_, j) => 0.002 * Math.sin(j * (client + 1))) };
});

describe('tasks stored before data schemas', () => {
  let coordinator: TestCoordinator | null = null;
  const sockets: RawClient[] = [];
  afterAll(async () => {
    for (const s of sockets) s.close();
    await coordinator?.close();
  });

  it('resume with MNIST\'s schema and run a round with the figures they always had', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-migration-'));
    const file = path.join(dataDir, 'flotilla.db');
    await initNodeBackend('auto');
    const initial = getFlatWeights(await createModel({ kind: 'mnist-2nn' }, 1));
    // The old store: today's tables without the evaluation ones, the task row in the old JSON.
    new SqliteStore(file).close();
    const db = new Database(file);
    db.exec('DROP TABLE evaluation_clients; DROP TABLE evaluations;');
    db.prepare(`INSERT INTO tasks (id, name, config, state, created_at, updated_at, model_version, last_round, stop_reason)
                VALUES (?, ?, ?, 'running', 1, 1, 0, 0, NULL)`).run(TASK_ID, OLD_CONFIG.name, JSON.stringify(OLD_CONFIG));
    db.prepare('INSERT INTO checkpoints (task_id, version, round, weights, strategy_state, created_at) VALUES (?, 0, 0, ?, NULL, 1)')
      .run(TASK_ID, Buffer.from(initial.buffer, initial.byteOffset, initial.byteLength));
    db.close();

    coordinator = await startTestCoordinator({ dataDir });
    expect(await coordinator.app.coordinator.tasks.resumeRunning()).toEqual([TASK_ID]);
    const clients = [new RawClient(coordinator.url), new RawClient(coordinator.url)];
    sockets.push(...clients);
    for (const c of clients) {
      await c.hello({ taskId: TASK_ID, numExamples: 50 });
    }
    const plans = await Promise.all(clients.map((c) => c.next<{ round: number; modelVersion: number; schema: unknown }>('round.plan')));
    expect(plans.map((p) => [p.round, p.modelVersion])).toEqual([[1, 0], [1, 0]]);
    expect(plans[0]!.schema).toEqual(MNIST_SCHEMA);
    for (const [i, c] of clients.entries()) {
      c.send(encodeFrame({ type: 'update', taskId: TASK_ID, round: 1, modelVersion: 0, numExamples: 50, metrics: { loss: 1, accuracy: 0.5, trainMs: 1 } }, updateValues(i)));
    }
    for (const c of clients) expect((await c.next<{ outcome: string }>('round.end')).outcome).toBe('committed');

    // FedAvg of two equally weighted updates, evaluated on the first 300 MNIST test digits.
    const expected = Float32Array.from(initial);
    const [u0, u1] = [updateValues(0), updateValues(1)].map((u) => Float32Array.from(u.flatMap((t) => [...t.values])));
    for (let i = 0; i < expected.length; i++) expected[i] = expected[i]! + (u0![i]! + u1![i]!) / 2;
    const served = await fetchWeights(coordinator.url, `/api/tasks/${TASK_ID}/models/1/weights.frame`);
    expect(served.every((w, i) => Math.abs(w - expected[i]!) < 1e-6)).toBe(true);
    const test = await loadMnist('test', { limit: 300 });
    const model = await createModel({ kind: 'mnist-2nn' }, 0);
    setFlatWeights(model, served);
    const central = await evaluateModel(model, test.images, test.labels, test.count);
    model.dispose();

    const { body } = await eventually(async () => {
      const r = await api<{ rounds: { round: number; outcome: string; testAccuracy: number; testLoss: number; federated: unknown }[] }>(coordinator!.url, `/api/tasks/${TASK_ID}/rounds`);
      return r.body.rounds.length === 1 ? r : undefined;
    }, 20_000, 'round 1 recorded');
    expect(body.rounds[0]).toMatchObject({ round: 1, outcome: 'committed', federated: null });
    expect(body.rounds[0]!.testAccuracy).toBeCloseTo(central.accuracy, 10);
    expect(body.rounds[0]!.testLoss).toBeCloseTo(central.loss, 5);
    const { body: evaluations } = await api<{ evaluations: unknown[] }>(coordinator.url, `/api/tasks/${TASK_ID}/evaluations`);
    expect(evaluations.evaluations).toEqual([]);
    const { body: view } = await api<{ schema: unknown; config: Record<string, unknown> }>(coordinator.url, `/api/tasks/${TASK_ID}`);
    expect(view.schema).toEqual(MNIST_SCHEMA);
    expect(view.config).toEqual(OLD_CONFIG);
  });
});
